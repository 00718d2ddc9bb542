package spec

// The syntax tree of a menu spec. Every node keeps the position of the YAML node it came from,
// so the checker can point at the exact key or value. A field that was absent in the source has
// the zero value and Set false; the checker, not the parser, decides what is required beyond the
// few keys the grammar needs.

// Str is a scalar string with its position.
type Str struct {
	Pos   Pos
	Value string
	Set   bool
}

// Int is a scalar integer with its position.
type Int struct {
	Pos   Pos
	Value int
	Set   bool
}

// Bool is a scalar boolean with its position.
type Bool struct {
	Pos   Pos
	Value bool
	Set   bool
}

// File is one spec file.
type File struct {
	Source *Source
	Pos    Pos
	// Version is the language version, the top-level key "stkforge" (only 1 exists).
	Version Int
	// Name identifies the menu application (the image's name).
	Name Str
	// Languages are ISO 639 two-letter codes (TS 102 223 8.45); the first is the default.
	Languages []Str
	// Handsets are the handset profiles the menu must work on ("android", "feature-phone",
	// "strict").
	Handsets []Str
	// Card is the card profile ("16k", "32k", "64k").
	Card Str
	// Keys are the RSA keys the card holds for sign actions.
	Keys []*Key
	// Manifest declares the sensitive actions and their destinations.
	Manifest *Manifest
	// Menu is the main menu (SET UP MENU).
	Menu *Menu
	// Menus are the submenus (SELECT ITEM), in source order.
	Menus []*Menu
}

// Key is a card RSA key that sign actions name.
type Key struct {
	Pos    Pos
	Name   Str
	Bits   Int
	Scheme Str // "pkcs1v15-sha256" or "pss-sha256"
}

// Manifest is the security manifest: every sensitive action the spec uses, with its
// destination and the reason it is needed.
type Manifest struct {
	Pos       Pos
	SMS       []*Grant
	USSD      []*Grant
	Call      []*Grant
	Browser   []*Grant
	LocalInfo []*Grant
}

// Grant is one manifest entry: a destination (number, USSD string, URL or local information
// kind) and why the menu needs it.
type Grant struct {
	Pos Pos
	To  Str
	Why Str
}

// Menu is the main menu or a submenu.
type Menu struct {
	Pos Pos
	// Name is the menu's key under "menus" ("main" for the main menu).
	Name    Str
	Title   *Text
	Icon    Int
	Default Str // item id of the default item (SELECT ITEM only)
	Items   []*Item
}

// Item is a menu item or a choice of a select action.
type Item struct {
	Pos  Pos
	ID   Str
	Text *Text
	Help *Text
	Icon Int
	// Do is the flow run when the item is chosen (menu items only); HasDo records that the key
	// was written, even if none of its actions parsed.
	Do    []*Action
	HasDo bool
}

// Text is a user-visible text: the same for every language (Plain) or one template per
// language (ByLang, in source order).
type Text struct {
	Pos    Pos
	Plain  *Template
	ByLang []*LangText
}

// LangText is a text in one language.
type LangText struct {
	Lang  Str
	Value *Template
}

// Template is a string with {variable} references. "{{" and "}}" stand for literal braces.
type Template struct {
	Pos    Pos
	Source string
	Parts  []Part
}

// Part is a literal piece of a template or a reference to a variable.
type Part struct {
	Lit string
	Ref *Ref
}

// Ref is a reference to a variable by name, such as {amount} or {card.iccid}.
type Ref struct {
	Pos  Pos
	Name string
}

// Refs returns the template's variable references in order.
func (t *Template) Refs() []*Ref {
	if t == nil {
		return nil
	}
	var refs []*Ref
	for _, p := range t.Parts {
		if p.Ref != nil {
			refs = append(refs, p.Ref)
		}
	}
	return refs
}

// ActionKind is the key that names an action in a flow.
type ActionKind string

// The actions of a flow; docs/spec-language.md describes each.
const (
	ActDisplay   ActionKind = "display"    // DISPLAY TEXT
	ActInput     ActionKind = "input"      // GET INPUT
	ActConfirm   ActionKind = "confirm"    // GET INKEY, yes/no
	ActSelect    ActionKind = "select"     // SELECT ITEM, choice into a variable
	ActTone      ActionKind = "tone"       // PLAY TONE
	ActSendSMS   ActionKind = "send_sms"   // SEND SHORT MESSAGE
	ActSendUSSD  ActionKind = "send_ussd"  // SEND USSD
	ActCall      ActionKind = "call"       // SET UP CALL
	ActBrowser   ActionKind = "browser"    // LAUNCH BROWSER
	ActLocalInfo ActionKind = "local_info" // PROVIDE LOCAL INFORMATION
	ActEnd       ActionKind = "end"        // end the session
	ActGoto      ActionKind = "goto"       // show another menu
	ActIf        ActionKind = "if"         // branch on a condition
	ActVerifyPIN ActionKind = "verify_pin" // check a PIN on the card
	ActSign      ActionKind = "sign"       // RSA signature on the card
	ActCounter   ActionKind = "counter"    // next value of the card's transaction counter
)

// Action is one step of a flow. Only the fields of its Kind are set; the parser rejects keys
// that do not belong to the kind.
type Action struct {
	Pos  Pos
	Kind ActionKind

	Text   *Text // display: text; input/confirm: prompt; select: title; send_sms: text
	Alpha  *Text // alpha identifier shown while a network action runs
	Into   Str   // variable that receives the result
	Icon   Int
	Silent Str // waiver: why this action may run without alpha identifier or confirmation

	// display
	WaitForKey   Bool
	HighPriority Bool
	Timeout      Str

	// input
	InputKind Str // "digits" or "text"
	Alphabet  Str // "gsm" or "ucs2"
	Min, Max  Int
	Hidden    Bool
	Default   *Text

	// select
	Items       []*Item
	DefaultItem Str

	// tone
	Tone     Str
	Duration Str
	Vibrate  Bool

	// send_sms, send_ussd, call, browser
	To          Str // destination number (send_sms, call)
	SMSC        Str // service centre address (send_sms)
	Body        *Template
	Concatenate Bool
	String      *Template // USSD string
	URL         Str
	Mode        Str // call: if_idle, hold, disconnect; browser: launch, existing, restart
	Redial      Bool

	// local_info
	What Str

	// goto
	Target Str

	// if
	Cond *Cond
	Then []*Action
	Else []*Action

	// verify_pin
	PIN       Str
	TriesInto Str

	// sign
	Key    Str
	Fields []Str

	// On holds the handlers of the action's outcomes, in source order.
	On []*Handler
}

// Handler runs a flow when an action ends with an outcome other than success.
type Handler struct {
	Outcome Str
	Do      []*Action
}

// CondOp is a comparison operator of a condition.
type CondOp string

// Comparison operators.
const (
	OpTruth CondOp = ""    // a yes/no variable on its own
	OpNot   CondOp = "not" // "not var"
	OpEq    CondOp = "=="
	OpNe    CondOp = "!="
	OpLt    CondOp = "<"
	OpLe    CondOp = "<="
	OpGt    CondOp = ">"
	OpGe    CondOp = ">="
)

// Cond is a condition: "confirmed", "not confirmed", "amount > 5000", "kind == water",
// "payee != 'x'", "a == b".
type Cond struct {
	Pos    Pos
	Source string
	Left   *Ref
	Op     CondOp
	// Right is a variable (Ref set) or a literal (Lit, with LitKind).
	Right    *Ref
	Lit      string
	LitKind  LitKind
	RightPos Pos
}

// LitKind is the kind of a literal in a condition.
type LitKind uint8

// Literal kinds.
const (
	LitNone   LitKind = iota
	LitNumber         // digits, e.g. 5000
	LitString         // 'text' or "text", or a bare word (an item id)
	LitBool           // yes / no
)
