// Package image is the script image: the deterministic CBOR file `stkforge compile` writes and
// the card's toolkit runtime (sim/toolkit) runs. docs/image-format.md is the format; this
// package holds the builder the code generator uses, Load (complete validation before anything
// runs), the renderer that turns templates into proactive commands (shared by validation and the
// runtime, so what Load accepts is what the card sends), Listing, Sign and Verify.
//
// Errors while reading an image are *FormatError values: the field path and the byte offset in
// the file.
package image

import (
	"crypto/sha256"
	"fmt"
)

// Version is the format version this package writes and reads. Format 2 (stkforge after
// issue 5) frames texts and templates compactly and derives needs and card data; format 1
// images must be compiled again.
const Version = 2

// SelfDescribeTag is the CBOR tag that starts every image (RFC 8949 3.4.6), so the file's first
// bytes are D9 D9 F7 84 02.
const SelfDescribeTag = 55799

// VarType is a session variable's type (docs/image-format.md "Var types").
type VarType uint8

// Variable types.
const (
	TypeDigits VarType = 1 // ASCII digits
	TypeText   VarType = 2 // UTF-8
	TypeBool   VarType = 3 // one byte 01/00
	TypeChoice VarType = 4 // one byte: the item identifier
	TypeBytes  VarType = 5 // raw octets
)

var varTypeNames = map[VarType]string{TypeDigits: "digits", TypeText: "text", TypeBool: "yes/no", TypeChoice: "choice", TypeBytes: "bytes"}

func (t VarType) String() string {
	if s, ok := varTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// Context is where a text goes; it decides the codings allowed.
type Context uint8

// Text contexts.
const (
	CtxAlpha      Context = 1 // Alpha identifier, Item text (TS 102 223 8.2, 8.9)
	CtxTextString Context = 2 // Text string, Default text (TS 102 223 8.15, 8.23)
	CtxSMS        Context = 3 // SMS text user data (TS 23.040 9.2.3.24)
	CtxOctets     Context = 4 // 8-bit SMS body
	CtxUSSD       Context = 5 // USSD string (TS 102 223 8.17)
)

var contextNames = map[Context]string{CtxAlpha: "alpha", CtxTextString: "text", CtxSMS: "sms", CtxOctets: "octets", CtxUSSD: "ussd"}

func (c Context) String() string {
	if s, ok := contextNames[c]; ok {
		return s
	}
	return fmt.Sprintf("context(%d)", uint8(c))
}

// Coding is how a text is encoded in one language (the numbers of stk/check.Coding).
type Coding uint8

// Codings.
const (
	CodingAlphaGSM Coding = 1 // SMS default alphabet, unpacked (TS 102 221 Annex A)
	CodingAlpha80  Coding = 2 // UCS2, 80
	CodingAlpha81  Coding = 3 // UCS2 with a one-byte base, 81
	CodingAlpha82  Coding = 4 // UCS2 with a two-byte base, 82
	CodingPacked7  Coding = 5 // GSM 7-bit packed, DCS 00 (TS 23.038 6.1.2.1)
	CodingUCS2     Coding = 6 // UCS2, DCS 08
	CodingOctets   Coding = 7 // 8-bit data, DCS 04
)

var codingNames = map[Coding]string{CodingAlphaGSM: "gsm", CodingAlpha80: "ucs2-80", CodingAlpha81: "ucs2-81",
	CodingAlpha82: "ucs2-82", CodingPacked7: "gsm7-packed", CodingUCS2: "ucs2", CodingOctets: "8-bit"}

func (c Coding) String() string {
	if s, ok := codingNames[c]; ok {
		return s
	}
	return fmt.Sprintf("coding(%d)", uint8(c))
}

// allowed lists the codings each context takes.
var allowed = map[Context][]Coding{
	CtxAlpha:      {CodingAlphaGSM, CodingAlpha80, CodingAlpha81, CodingAlpha82},
	CtxTextString: {CodingPacked7, CodingUCS2, CodingOctets},
	CtxSMS:        {CodingPacked7, CodingUCS2},
	CtxOctets:     {CodingOctets},
	CtxUSSD:       {CodingPacked7},
}

// Key is an RSA key the card holds for SIGN, by name.
type Key struct {
	Name   string
	Bits   int
	Scheme string // "pkcs1v15-sha256" or "pss-sha256"
}

// Var is a session variable. Card data variables are named "card.iccid", "card.imsi" and
// "card.msisdn".
type Var struct {
	Name   string
	Type   VarType
	MaxLen int
	// Choices are the names of a choice variable's items: Choices[id-1] for item identifier id.
	Choices []string
}

// Part is a piece of a template text: a literal (Var < 0) or a variable.
type Part struct {
	Lit string
	Var int
}

// LitPart and VarPart build parts.
func LitPart(s string) Part { return Part{Lit: s, Var: -1} }

// VarPart is a variable reference.
func VarPart(v int) Part { return Part{Var: v} }

// LangText is a text in one language: either Fixed (the encoded bytes) or Parts rendered at run
// time (docs/image-format.md "Codings").
type LangText struct {
	Coding Coding
	Fixed  []byte
	Parts  []Part
	// IsParts tells an empty Parts list from fixed bytes.
	IsParts bool
}

// FixedText is a LangText of encoded bytes.
func FixedText(c Coding, b []byte) LangText { return LangText{Coding: c, Fixed: b} }

// PartsText is a LangText rendered at run time.
func PartsText(c Coding, parts ...Part) LangText {
	return LangText{Coding: c, Parts: parts, IsParts: true}
}

// Text is an entry of the text table: one LangText per image language.
type Text struct {
	Context Context
	Langs   []LangText
}

// Element is a COMPREHENSION-TLV of a template: Tag as written (CR bit included, one-byte form)
// and a value made of parts. A Part with Text >= 0 is a text index, else its Lit bytes. No parts
// makes a slot (the SMS TPDU).
type Element struct {
	Tag   byte
	Parts []ElemPart
}

// ElemPart is a literal or a text reference.
type ElemPart struct {
	Lit  []byte
	Text int // -1 for a literal
}

// LitElement is an element with a literal value.
func LitElement(tag byte, v []byte) Element {
	return Element{Tag: tag, Parts: []ElemPart{{Lit: v, Text: -1}}}
}

// TextElement is an element whose value is a text encoded for the tag.
func TextElement(tag byte, text int) Element {
	return Element{Tag: tag, Parts: []ElemPart{{Text: text}}}
}

// ItemElement is an Item (TS 102 223 8.9): the identifier then the text.
func ItemElement(tag byte, id byte, text int) Element {
	return Element{Tag: tag, Parts: []ElemPart{{Lit: []byte{id}, Text: -1}, {Text: text}}}
}

// SlotElement is an element the instruction fills (the SMS TPDU, 8B).
func SlotElement(tag byte) Element { return Element{Tag: tag} }

// Template is a proactive command without its command number (TS 102 223 6.6): the runtime adds
// Command details and Device identities (source 81 UICC, destination Dest).
type Template struct {
	Type      byte
	Qualifier byte
	Dest      byte
	Elements  []Element
}

// SMS is a SEND SHORT MESSAGE description (docs/image-format.md "SMS").
type SMS struct {
	Template int
	// DA is the TP-Destination-Address field (TS 23.040 9.1.2.5): digit count, TON/NPI, BCD.
	DA          []byte
	Text        int
	Concatenate bool
}

// NoText marks a menu item without help.
const NoText = -1

// MenuItem maps an item identifier to the code run when it is chosen.
type MenuItem struct {
	ID byte
	// Entry is the code address; the builder fills it from Label.
	Entry int
	Label Label
	Help  int // text index, or NoText
}

// Menu is the main menu (a SET UP MENU template) or a submenu (SELECT ITEM).
type Menu struct {
	Template int
	Items    []MenuItem
}

// Capability is a (command type, qualifier) pair the image may send.
type Capability struct {
	Type, Qualifier byte
}

// Signature algorithms (docs/image-format.md "Signatures").
type SigAlg uint8

// Signature algorithms.
const (
	PKCS1v15SHA256 SigAlg = 1 // RSASSA-PKCS1-v1_5, SHA-256 (RFC 8017 8.2)
	PSSSHA256      SigAlg = 2 // RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32 (RFC 8017 8.1)
)

func (a SigAlg) String() string {
	switch a {
	case PKCS1v15SHA256:
		return "RSASSA-PKCS1-v1_5 SHA-256"
	case PSSSHA256:
		return "RSASSA-PSS SHA-256"
	}
	return fmt.Sprintf("alg(%d)", uint8(a))
}

// Signature is the bank's signature over the body.
type Signature struct {
	Alg   SigAlg
	KeyID string
	Sig   []byte
}

// Image is a loaded (or built) script image. Treat it as read-only.
type Image struct {
	Name      string
	Languages []string
	Needs     []Capability
	CardData  []string
	Keys      []Key
	Vars      []Var
	Texts     []Text
	Templates []Template
	SMS       []SMS
	Main      Menu
	Menus     []Menu
	Code      []byte

	Hash      [32]byte
	Signature *Signature

	body []byte // the canonical CBOR body the hash covers
	file []byte
	offs map[string]int // where fields start in file (reader.offs)
}

// Bytes is the image file.
func (img *Image) Bytes() []byte { return append([]byte(nil), img.file...) }

// Body is the canonical CBOR body (what the hash and signature cover).
func (img *Image) Body() []byte { return append([]byte(nil), img.body...) }

// Var returns the index of a variable by name, -1 when none.
func (img *Image) Var(name string) int {
	for i, v := range img.Vars {
		if v.Name == name {
			return i
		}
	}
	return -1
}

func hashOf(body []byte) [32]byte { return sha256.Sum256(body) }

// FormatError is an image that cannot be used: which field, at which byte offset of the file
// (-1 when the problem is not at one place), and why.
type FormatError struct {
	Field  string
	Offset int
	Msg    string
}

func (e *FormatError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("image: %s: %s", e.Field, e.Msg)
	}
	return fmt.Sprintf("image: %s: offset %d: %s", e.Field, e.Offset, e.Msg)
}

func errf(field string, off int, format string, args ...any) *FormatError {
	return &FormatError{Field: field, Offset: off, Msg: fmt.Sprintf(format, args...)}
}
