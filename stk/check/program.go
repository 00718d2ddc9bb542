package check

import (
	"github.com/stkforge/stkforge/stk/spec"
	"github.com/stkforge/stkforge/stk/text"
)

// Program is a checked spec: every name resolved, every variable typed, every text encoded in
// its shortest form with its byte length, every action tagged with the proactive command it
// becomes. The code generator walks it without looking anything up.
type Program struct {
	Name   string
	Source *spec.Source
	// Languages in spec order; Languages[0] is the fallback when the handset's language
	// (PROVIDE LOCAL INFORMATION, qualifier 04, TS 102 223 6.4.15) is not among them.
	Languages []string
	Handsets  []*Handset
	Card      *Card
	Keys      []*Key
	// Vars are the session variables: card data first, then in order of first assignment.
	Vars []*Var
	// Texts is the text table: every distinct text of the spec once, in first-use order.
	Texts []*Text
	// Main is the SET UP MENU; Menus are the submenus (SELECT ITEM) in source order, reachable
	// or not (unreachable ones are errors).
	Main  *Menu
	Menus []*Menu
	// Manifest lists the sensitive actions the spec declares, in source order.
	Manifest []*Grant
	// Commands lists every (command type, qualifier) the image can send, sorted: the terminal
	// capabilities it needs (TS 102 223 5.2).
	Commands []Command
}

// Handset is a handset profile: the TERMINAL PROFILE a handset sends and the limits stkforge
// checks texts and inputs against.
type Handset struct {
	Name string
	// MenuTimeout is how long the handset keeps a menu or prompt on screen before it answers
	// "no response from user" (result 12), in seconds; 0 means no limit is known.
	MenuTimeout int
	// InputMaxGSM and InputMaxUCS2 are the longest GET INPUT answers, in characters.
	InputMaxGSM, InputMaxUCS2 int
	// MenuWidth is how many characters of a menu item or title the handset shows across
	// (TERMINAL PROFILE screen width less menu width reduction, TS 102 223 5.2); 0 when the
	// profile does not say.
	MenuWidth int
}

// Card is a card profile: memory and the limits of its toolkit runtime.
type Card struct {
	Name string
	// Memory is the space for script images, in bytes.
	Memory int
	// MaxMenuItems is the most items the runtime keeps for SET UP MENU; MaxSelectItems for one
	// SELECT ITEM.
	MaxMenuItems, MaxSelectItems int
	// MaxVarBytes is the RAM a session's variables may take, in bytes.
	MaxVarBytes int
}

// Key is an RSA key held by the card for sign actions.
type Key struct {
	Name   string
	Pos    spec.Pos
	Bits   int
	Scheme string // "pkcs1v15-sha256" or "pss-sha256"
}

// SignatureLen is the signature's length in bytes.
func (k *Key) SignatureLen() int { return (k.Bits + 7) / 8 }

// Grant is a manifest entry.
type Grant struct {
	Pos  spec.Pos
	Kind string // "sms", "ussd", "call", "browser", "local_info"
	To   string
	Why  string
	Used bool
}

// VarType is the type of a session variable.
type VarType uint8

// Variable types.
const (
	TypeDigits VarType = iota + 1 // decimal digits (GET INPUT digits, card numbers, counters)
	TypeText                      // characters (GET INPUT text, PROVIDE LOCAL INFORMATION language)
	TypeBool                      // yes/no (GET INKEY yes/no)
	TypeChoice                    // the id of the chosen item of a select
	TypeBytes                     // octets (signatures, location, date and time)
)

func (t VarType) String() string {
	switch t {
	case TypeDigits:
		return "digits"
	case TypeText:
		return "text"
	case TypeBool:
		return "yes/no"
	case TypeChoice:
		return "choice"
	case TypeBytes:
		return "bytes"
	}
	return "unknown"
}

// Var is a session variable.
type Var struct {
	Index int
	Name  string
	Pos   spec.Pos // first assignment (zero for card data)
	Type  VarType
	// UCS2 is set for text that may hold characters outside the GSM alphabet.
	UCS2 bool
	// MaxLen is the longest value: characters for digits, text and choices, octets for bytes,
	// 1 for yes/no.
	MaxLen int
	// Hidden marks a PIN typed with hidden input: it may reach verify_pin only.
	Hidden bool
	// Card names the card datum for card variables ("iccid", "imsi", "msisdn"), else "".
	Card string
	// Choices are the item ids a choice variable can hold.
	Choices []string
	Used    bool
}

// TextContext is where a text goes; it decides the codings allowed.
type TextContext uint8

// Text contexts.
const (
	// CtxAlpha is an Alpha identifier or Item text: GSM unpacked or UCS2 80/81/82
	// (TS 102 223 8.2, 8.9; TS 102 221 Annex A).
	CtxAlpha TextContext = iota + 1
	// CtxTextString is a Text string or Default text: DCS 00 packed GSM or 08 UCS2
	// (TS 102 223 8.15, 8.23).
	CtxTextString
	// CtxSMS is the user data of a text SMS: GSM 7-bit or UCS2 (TS 23.040 9.2.3.24).
	CtxSMS
	// CtxOctets is an 8-bit SMS body (TP-DCS 04): UTF-8 literals, digits as ASCII, bytes raw.
	CtxOctets
	// CtxUSSD is a USSD string: GSM 7-bit packed, DCS 0F (TS 23.038 clause 5).
	CtxUSSD
)

func (c TextContext) String() string {
	return [...]string{"", "alpha", "text", "sms", "octets", "ussd"}[c]
}

// Coding is the encoding chosen for a text in one language.
type Coding uint8

// Codings.
const (
	CodingAlphaGSM Coding = iota + 1 // SMS default alphabet, unpacked (TS 102 221 Annex A)
	CodingAlpha80                    // UCS2, 80
	CodingAlpha81                    // UCS2 with a one-byte base, 81
	CodingAlpha82                    // UCS2 with a two-byte base, 82
	CodingPacked7                    // DCS 00: GSM 7-bit packed (TS 23.038 6.1.2.1)
	CodingUCS2                       // DCS 08: UCS2
	CodingOctets                     // DCS 04: 8-bit data
)

func (c Coding) String() string {
	return [...]string{"", "gsm", "ucs2-80", "ucs2-81", "ucs2-82", "gsm7-packed", "ucs2", "8-bit"}[c]
}

// AlphaFormat is the alpha format for the alpha codings.
func (c Coding) AlphaFormat() (text.AlphaFormat, bool) {
	switch c {
	case CodingAlphaGSM:
		return text.AlphaGSM, true
	case CodingAlpha80:
		return text.AlphaUCS2, true
	case CodingAlpha81:
		return text.AlphaUCS2Base81, true
	case CodingAlpha82:
		return text.AlphaUCS2Base82, true
	}
	return 0, false
}

// DCS is the data coding scheme byte for Text string, SMS and USSD codings (TS 23.038).
func (c Coding) DCS(ctx TextContext) byte {
	switch {
	case ctx == CtxUSSD:
		return 0x0F // GSM 7-bit, language unspecified (TS 23.038 clause 5)
	case c == CodingUCS2:
		return 0x08
	case c == CodingOctets:
		return 0x04
	}
	return 0x00
}

// Text is one entry of the text table.
type Text struct {
	Index   int
	Pos     spec.Pos
	Context TextContext
	// Langs has one entry per Program.Languages, in that order.
	Langs []*LangText
}

// IsTemplate reports whether any language's version holds variables.
func (t *Text) IsTemplate() bool {
	for _, l := range t.Langs {
		for _, p := range l.Parts {
			if p.Var != nil {
				return true
			}
		}
	}
	return false
}

// MaxLen is the longest encoding over the languages, in bytes.
func (t *Text) MaxLen() int {
	n := 0
	for _, l := range t.Langs {
		n = max(n, l.Len)
	}
	return n
}

// LangText is a text in one language with its encoding.
type LangText struct {
	Lang   string
	Source string
	Parts  []Part
	Coding Coding
	// Base is the 81/82 base (for 81 the 15-bit value bb<<7).
	Base uint16
	// Bytes is the encoded text when it has no variables: the whole Alpha identifier value, the
	// Text string data without its DCS byte, the user data of one SMS without a header (GSM
	// packed with zero fill, TP-UDL being the septet count Len), or the packed USSD data.
	Bytes []byte
	// Len is the encoded length (the longest, for a template): bytes, except for a GSM 7-bit
	// SMS text (CtxSMS) where it counts septets, the unit of SMS limits. Chars is the longest
	// in characters (septets for GSM codings, escapes counted twice).
	Len   int
	Chars int
}

// Part is a literal piece of a template or a variable.
type Part struct {
	Lit string
	Var *Var
	Pos spec.Pos // of the reference, for variables
}

// Command is the proactive command an action becomes (TS 102 223 8.6: type and qualifier;
// 8.7: destination device).
type Command struct {
	Type      byte
	Qualifier byte
	Dest      byte
}

// Proactive command types (TS 102 223 9.4).
const (
	CmdSetUpCall        byte = 0x10
	CmdSendUSSD         byte = 0x12
	CmdSendShortMessage byte = 0x13
	CmdLaunchBrowser    byte = 0x15
	CmdPlayTone         byte = 0x20
	CmdDisplayText      byte = 0x21
	CmdGetInkey         byte = 0x22
	CmdGetInput         byte = 0x23
	CmdSelectItem       byte = 0x24
	CmdSetUpMenu        byte = 0x25
	CmdProvideLocalInfo byte = 0x26
)

// Device identities (TS 102 223 8.7).
const (
	DevDisplay  byte = 0x02
	DevEarpiece byte = 0x03
	DevTerminal byte = 0x82
	DevNetwork  byte = 0x83
)

// Menu is the main menu or a submenu.
type Menu struct {
	Index int // -1 for the main menu, else the position in Program.Menus
	Name  string
	Pos   spec.Pos
	Cmd   Command // SET UP MENU or SELECT ITEM
	Title *Text
	Icon  int // EF-IMG record, 0 for none
	Items []*Item
	// Default is the item SELECT ITEM preselects (TS 102 223 8.10), or nil.
	Default   *Item
	Reachable bool
	// MaxCommand is the longest encoding of the menu's command over the languages, in bytes.
	MaxCommand int
}

// Item is a menu item or a choice of a select.
type Item struct {
	// ID is the item identifier (TS 102 223 8.10): 1.. in source order.
	ID   byte
	Name string
	Pos  spec.Pos
	Text *Text
	Help *Text // shown by DISPLAY TEXT when the user asks for help, or nil
	Icon int
	Flow *Block // nil for the choices of a select
}

// Block is a sequence of steps; the session ends after the last one.
type Block struct {
	Steps []Step
}

// Step is one action of a flow: *Display, *Input, *Confirm, *Select, *Tone, *SendSMS,
// *SendUSSD, *Call, *Browser, *LocalInfo, *End, *Goto, *If, *VerifyPIN, *Sign or *Counter.
type Step interface {
	base() *Base
}

// Base is what every step has.
type Base struct {
	Pos spec.Pos
	// Cmd is the proactive command the step sends, nil for steps the card does alone
	// (end, goto, if, verify_pin, sign, counter).
	Cmd *Command
	// On maps outcomes to their handlers, in source order. An outcome without a handler ends
	// the session (back: returns to the previous menu, or ends the session at the first one).
	On []*Handler
	// MaxCommand is the longest encoding of Cmd over the languages, in bytes.
	MaxCommand int
	// Uses are the variables the step reads (its texts, condition, fields), Defs those it sets
	// when it succeeds.
	Uses []Use
	Defs []*Var
	// Confirms is set for a yes/no question whose "no" ends the flow: after it the user has
	// confirmed.
	Confirms bool
}

// Use is a read of a variable at a position.
type Use struct {
	Var *Var
	Pos spec.Pos
}

func (b *Base) base() *Base { return b }

// BaseOf returns a step's common part.
func BaseOf(s Step) *Base { return s.base() }

// Outcome is how an action ended, as the card sees it in the TERMINAL RESPONSE (TS 102 223
// 8.12) or from its own checks.
type Outcome string

// Outcomes.
const (
	OutCancelled Outcome = "cancelled" // 10: proactive session terminated by the user
	OutBack      Outcome = "back"      // 11: backward move requested by the user
	OutTimeout   Outcome = "timeout"   // 12: no response from user
	OutNo        Outcome = "no"        // GET INKEY yes/no answered "no"
	OutDeclined  Outcome = "declined"  // 22: user did not accept the proactive command
	OutFailed    Outcome = "failed"    // 2x/3x: terminal or network unable, or an error
	OutWrong     Outcome = "wrong"     // verify_pin: wrong PIN, tries left
	OutBlocked   Outcome = "blocked"   // verify_pin: PIN blocked (no tries left)
)

// Handler is the flow run on an outcome.
type Handler struct {
	Outcome Outcome
	Pos     spec.Pos
	Flow    *Block
}

// Duration is a Duration object (TS 102 223 8.8): unit 00 minutes, 01 seconds, 02 tenths of
// seconds, and an interval 1..255.
type Duration struct {
	Unit     byte
	Interval byte
}

// Seconds is the duration in seconds (rounded down).
func (d Duration) Seconds() int {
	switch d.Unit {
	case 0:
		return int(d.Interval) * 60
	case 1:
		return int(d.Interval)
	}
	return int(d.Interval) / 10
}

// Display is DISPLAY TEXT (TS 102 223 6.4.1).
type Display struct {
	Base
	Text     *Text
	Icon     int
	Duration *Duration
}

// Input is GET INPUT (TS 102 223 6.4.3).
type Input struct {
	Base
	Into     *Var
	Prompt   *Text
	Digits   bool
	UCS2     bool
	Hidden   bool
	Min, Max int
	Default  *Text
	Icon     int
}

// Confirm is GET INKEY with "yes/no" (TS 102 223 6.4.2). With Into nil, "no" ends the session
// (or runs the "no" handler) and the flow goes on only after "yes".
type Confirm struct {
	Base
	Prompt   *Text
	Into     *Var
	Duration *Duration
	Icon     int
}

// Select is SELECT ITEM (TS 102 223 6.4.9) whose choice goes into a variable.
type Select struct {
	Base
	Into    *Var
	Title   *Text
	Items   []*Item
	Default *Item
	Icon    int
}

// Tone is PLAY TONE (TS 102 223 6.4.5).
type Tone struct {
	Base
	Alpha    *Text
	Tone     byte // TS 102 223 8.16
	Duration *Duration
	Icon     int
}

// SendSMS is SEND SHORT MESSAGE (TS 102 223 6.4.10), one per segment when the body needs
// several (TS 23.040 9.2.3.24.1 concatenation, 8-bit reference).
type SendSMS struct {
	Base
	Alpha *Text
	To    string // TP-DA, as written ("+8695588")
	SMSC  string // RP destination (service centre), "" for the terminal's default
	// Text is the message for a text SMS (Context CtxSMS), Body for an 8-bit one (CtxOctets).
	Text *Text
	Body *Text
	// MaxUserData is the longest user data in octets (septets for GSM 7-bit text), and
	// Segments how many SMS it needs at most.
	MaxUserData int
	Segments    int
	Icon        int
	Silent      string // waiver reason, "" when none
}

// SendUSSD is SEND USSD (TS 102 223 6.4.12).
type SendUSSD struct {
	Base
	Alpha  *Text
	String *Text
	Icon   int
	Silent string
}

// Call is SET UP CALL (TS 102 223 6.4.13); its alpha identifier is the user confirmation.
type Call struct {
	Base
	Alpha  *Text
	To     string
	Icon   int
	Silent string
}

// Browser is LAUNCH BROWSER (TS 102 223 6.4.26); its alpha identifier is the user
// confirmation.
type Browser struct {
	Base
	Alpha  *Text
	URL    string
	Icon   int
	Silent string
}

// LocalInfo is PROVIDE LOCAL INFORMATION (TS 102 223 6.4.15).
type LocalInfo struct {
	Base
	Into *Var
	What string
}

// End ends the session.
type End struct{ Base }

// Goto shows another menu (its SELECT ITEM).
type Goto struct {
	Base
	Menu *Menu
}

// If branches on a condition.
type If struct {
	Base
	Cond *Cond
	Then *Block
	Else *Block
}

// Cond is a resolved condition.
type Cond struct {
	Left  *Var
	Op    spec.CondOp
	Right *Var // or a literal:
	Lit   string
	// Numeric compares digits as numbers; otherwise strings compare byte for byte.
	Numeric bool
}

// VerifyPIN checks a PIN against the card's PIN (an application PIN of TS 102 221 clause 9: 4 to 8 digits), with the
// tries left going into Tries.
type VerifyPIN struct {
	Base
	PIN   *Var
	Tries *Var
}

// Sign makes an RSA signature on the card over the canonical encoding of Fields
// (docs/spec-language.md, "Signatures").
type Sign struct {
	Base
	Key    *Key
	Fields []*Var
	Into   *Var
}

// Counter takes the next value of the card's transaction counter.
type Counter struct {
	Base
	Into *Var
}
