package remote

import (
	"fmt"

	"github.com/stkforge/stkforge/stk/tlv"
)

// Tags of the expanded remote format (TS 102 226 5.2, TS 101 220 tables 7.18 to 7.20). The
// indefinite-length templates are AE and AF: TS 102 226 5.2.1/5.2.2 and TS 101 220 table 7.18
// give AE/AF (Wireshark and pySim agree); some tools list AC/AD, which is not what the standard
// says.
const (
	TagCommandScriptDefinite    byte = 0xAA
	TagResponseScriptDefinite   byte = 0xAB
	TagCommandScriptIndefinite  byte = 0xAE
	TagResponseScriptIndefinite byte = 0xAF

	TagCAPDU           byte = 0x22 // C-APDU (TS 102 223 8.35)
	TagImmediateAction byte = 0x81
	TagErrorAction     byte = 0x82
	TagScriptChaining  byte = 0x83

	TagRAPDU            byte = 0x23 // R-APDU (TS 102 223 8.36)
	TagExecutedCommands byte = 0x80
	TagBadFormat        byte = 0x90
)

// Script chaining values (TS 102 226 5.2.1.4).
const (
	ChainingFirstDeleteOnReset byte = 0x01 // first script of a chain, chain lost on reset
	ChainingFirstKeepOnReset   byte = 0x11
	ChainingSubsequent         byte = 0x02 // subsequent script, more to come
	ChainingLast               byte = 0x03
)

// Item is one object of a command script in the expanded format: a C-APDU (Tag 22, APDU set) or
// an immediate action (81), error action (82) or script chaining (83) object with its value.
type Item struct {
	Tag   byte
	APDU  *CommandAPDU
	Value []byte
}

// CAPDU returns a C-APDU item.
func CAPDU(c CommandAPDU) Item { return Item{Tag: TagCAPDU, APDU: &c} }

// ExpandedScript is a command script in the expanded format (TS 102 226 5.2.1): a Command
// Scripting template, AA with a definite length or AE with the indefinite one (80 ... 00 00).
type ExpandedScript struct {
	Indefinite bool
	Items      []Item
}

// MarshalBinary encodes the template. The objects inside always use definite lengths.
func (s *ExpandedScript) MarshalBinary() ([]byte, error) {
	inner := tlv.NewBuilder(nil)
	for i, it := range s.Items {
		switch it.Tag {
		case TagCAPDU:
			if it.APDU == nil {
				return nil, errorf(ErrInvalid, fmt.Sprintf("script.item[%d]", i), 0, "C-APDU item without an APDU")
			}
			a, err := it.APDU.MarshalBinary()
			if err != nil {
				return nil, within(err, fmt.Sprintf("script.item[%d]", i), 0)
			}
			inner.AddBER(TagCAPDU, func(b *tlv.Builder) { b.AddBytes(a...) })
		case TagImmediateAction, TagErrorAction, TagScriptChaining:
			inner.AddBER(it.Tag, func(b *tlv.Builder) { b.AddBytes(it.Value...) })
		default:
			return nil, errorf(ErrInvalid, fmt.Sprintf("script.item[%d].tag", i), 0, "tag %02X is not allowed in a command script", it.Tag)
		}
	}
	body, err := inner.Bytes()
	if err != nil {
		return nil, &Error{Field: "script", Err: ErrTooLong, Msg: err.Error()}
	}
	return wrapTemplate(TagCommandScriptDefinite, TagCommandScriptIndefinite, s.Indefinite, body)
}

func wrapTemplate(def, indef byte, indefinite bool, body []byte) ([]byte, error) {
	if indefinite {
		out := append([]byte{indef, 0x80}, body...)
		return append(out, 0x00, 0x00), nil
	}
	b := tlv.NewBuilder(nil)
	b.AddBER(def, func(b *tlv.Builder) { b.AddBytes(body...) })
	out, err := b.Bytes()
	if err != nil {
		return nil, &Error{Field: "script", Err: ErrTooLong, Msg: err.Error()}
	}
	return out, nil
}

// openTemplate reads the outer template and returns its body, its offset, and whether the
// indefinite form was used; b must hold nothing after it.
func openTemplate(b []byte, def, indef byte, field string) ([]byte, int, bool, error) {
	if len(b) == 0 {
		return nil, 0, false, errorf(ErrTruncated, field+".tag", 0, "missing")
	}
	switch b[0] {
	case indef:
		if len(b) < 2 {
			return nil, 0, false, errorf(ErrTruncated, field+".length", 1, "missing")
		}
		if b[1] != 0x80 {
			return nil, 0, false, errorf(ErrInvalid, field+".length", 1, "%02X: the %02X template takes the indefinite length 80", b[1], indef)
		}
		// The end-of-contents octets are found by walking the objects, not by searching for 00 00.
		r := tlv.NewReaderAt(b[2:], 2)
		for {
			rest := r.Remaining()
			if len(rest) >= 2 && rest[0] == 0 && rest[1] == 0 {
				end := r.Offset()
				if end+2 != len(b) {
					return nil, 0, false, errorf(ErrTrailing, field, end+2, "%d octets after end-of-contents", len(b)-end-2)
				}
				return b[2:end], 2, true, nil
			}
			if len(rest) == 0 || (len(rest) == 1 && rest[0] == 0) {
				return nil, 0, false, errorf(ErrTruncated, field+".end_of_contents", r.Offset(), "missing 00 00")
			}
			if _, _, _, err := r.ReadBER(field + ".object"); err != nil {
				return nil, 0, false, fromTLV(err)
			}
		}
	case def:
		r := tlv.NewReader(b)
		_, v, voff, err := r.ReadBER(field)
		if err != nil {
			return nil, 0, false, fromTLV(err)
		}
		if !r.Empty() {
			return nil, 0, false, errorf(ErrTrailing, field, r.Offset(), "%d octets after the template", len(r.Remaining()))
		}
		return v, voff, false, nil
	}
	return nil, 0, false, errorf(ErrInvalid, field+".tag", 0, "tag %02X, want %02X or %02X", b[0], def, indef)
}

// ParseExpandedScript reads a Command Scripting template (the card's side). Each C-APDU must be
// one whole short APDU.
func ParseExpandedScript(b []byte) (*ExpandedScript, error) {
	body, base, indef, err := openTemplate(b, TagCommandScriptDefinite, TagCommandScriptIndefinite, "script")
	if err != nil {
		return nil, err
	}
	s := &ExpandedScript{Indefinite: indef}
	r := tlv.NewReaderAt(body, base)
	for !r.Empty() {
		at := r.Offset()
		f := fmt.Sprintf("script.item[%d]", len(s.Items))
		tag, v, voff, err := r.ReadBER(f)
		if err != nil {
			return nil, fromTLV(err)
		}
		switch tag {
		case TagCAPDU:
			c, err := ParseCommandAPDU(v)
			if err != nil {
				return nil, within(err, f, voff)
			}
			s.Items = append(s.Items, Item{Tag: tag, APDU: c})
		case TagImmediateAction, TagErrorAction, TagScriptChaining:
			s.Items = append(s.Items, Item{Tag: tag, Value: v})
		default:
			return nil, errorf(ErrInvalid, f+".tag", at, "tag %02X is not allowed in a command script", tag)
		}
	}
	return s, nil
}

// CompactResponse is the response data of a compact remote command script (TS 102 226 5.1.2):
// the number of commands executed, the last status word and the last response data.
type CompactResponse struct {
	Executed int
	SW       uint16
	Data     []byte
}

// MarshalBinary encodes the response.
func (r *CompactResponse) MarshalBinary() ([]byte, error) {
	if r.Executed < 0 || r.Executed > 255 {
		return nil, errorf(ErrInvalid, "response.executed", 0, "%d", r.Executed)
	}
	return append([]byte{byte(r.Executed), byte(r.SW >> 8), byte(r.SW)}, r.Data...), nil
}

// ParseCompactResponse reads the response data of a compact script.
func ParseCompactResponse(b []byte) (*CompactResponse, error) {
	if len(b) < 3 {
		return nil, errorf(ErrTruncated, "response", len(b), "%d octets, at least 3 (count, SW1, SW2)", len(b))
	}
	return &CompactResponse{Executed: int(b[0]), SW: uint16(b[1])<<8 | uint16(b[2]), Data: b[3:len(b):len(b)]}, nil
}

// ResponseAPDU is an R-APDU: response data and status word.
type ResponseAPDU struct {
	Data []byte
	SW   uint16
}

// ExpandedResponse is a Response Scripting template (TS 102 226 5.2.2): AB (definite) or AF
// (indefinite). Executed is the number of executed C-APDUs (80), then come the R-APDUs (23) and
// the optional immediate action response (81), script chaining response (83) and bad format
// (90) objects.
type ExpandedResponse struct {
	Indefinite              bool
	Executed                *int
	RAPDUs                  []ResponseAPDU
	ImmediateActionResponse []byte
	ScriptChainingResponse  []byte
	BadFormat               *byte // 01 unknown tag, 02 wrong length, 03 length missing
}

// Bad format values (TS 102 226 5.2.2).
const (
	BadFormatUnknownTag    byte = 0x01
	BadFormatWrongLength   byte = 0x02
	BadFormatLengthMissing byte = 0x03
)

// MarshalBinary encodes the template in the order of TS 102 226 table 5.10.
func (r *ExpandedResponse) MarshalBinary() ([]byte, error) {
	b := tlv.NewBuilder(nil)
	if r.Executed != nil {
		if *r.Executed < 0 || *r.Executed > 255 {
			return nil, errorf(ErrInvalid, "response.executed", 0, "%d", *r.Executed)
		}
		b.AddBER(TagExecutedCommands, func(b *tlv.Builder) { b.AddUint8(byte(*r.Executed)) })
	}
	for _, ra := range r.RAPDUs {
		b.AddBER(TagRAPDU, func(b *tlv.Builder) { b.AddBytes(ra.Data...); b.AddUint16(ra.SW) })
	}
	if r.ImmediateActionResponse != nil {
		b.AddBER(TagImmediateAction, func(b *tlv.Builder) { b.AddBytes(r.ImmediateActionResponse...) })
	}
	if r.ScriptChainingResponse != nil {
		b.AddBER(TagScriptChaining, func(b *tlv.Builder) { b.AddBytes(r.ScriptChainingResponse...) })
	}
	if r.BadFormat != nil {
		b.AddBER(TagBadFormat, func(b *tlv.Builder) { b.AddUint8(*r.BadFormat) })
	}
	body, err := b.Bytes()
	if err != nil {
		return nil, &Error{Field: "response", Err: ErrTooLong, Msg: err.Error()}
	}
	return wrapTemplate(TagResponseScriptDefinite, TagResponseScriptIndefinite, r.Indefinite, body)
}

// ParseExpandedResponse reads a Response Scripting template (the OTA server's side). Objects
// must come in the order of table 5.10 and none but the R-APDUs may repeat.
func ParseExpandedResponse(b []byte) (*ExpandedResponse, error) {
	body, base, indef, err := openTemplate(b, TagResponseScriptDefinite, TagResponseScriptIndefinite, "response")
	if err != nil {
		return nil, err
	}
	out := &ExpandedResponse{Indefinite: indef}
	rank := map[byte]int{TagExecutedCommands: 0, TagRAPDU: 1, TagImmediateAction: 2, TagScriptChaining: 3, TagBadFormat: 4}
	last := -1
	r := tlv.NewReaderAt(body, base)
	for !r.Empty() {
		at := r.Offset()
		tag, v, voff, err := r.ReadBER("response.object")
		if err != nil {
			return nil, fromTLV(err)
		}
		k, ok := rank[tag]
		if !ok {
			return nil, errorf(ErrInvalid, "response.object.tag", at, "tag %02X is not allowed in a response script", tag)
		}
		if k < last || (k == last && tag != TagRAPDU) {
			return nil, errorf(ErrInvalid, "response.object.tag", at, "tag %02X out of order or repeated", tag)
		}
		last = k
		switch tag {
		case TagExecutedCommands:
			if len(v) != 1 {
				return nil, errorf(ErrInvalid, "response.executed", voff, "%d octets, want 1", len(v))
			}
			n := int(v[0])
			out.Executed = &n
		case TagRAPDU:
			if len(v) < 2 {
				return nil, errorf(ErrTruncated, fmt.Sprintf("response.r_apdu[%d]", len(out.RAPDUs)), voff, "%d octets, the status word takes 2", len(v))
			}
			n := len(v) - 2
			out.RAPDUs = append(out.RAPDUs, ResponseAPDU{Data: v[:n:n], SW: uint16(v[n])<<8 | uint16(v[n+1])})
		case TagImmediateAction:
			out.ImmediateActionResponse = v
		case TagScriptChaining:
			out.ScriptChainingResponse = v
		case TagBadFormat:
			if len(v) != 1 {
				return nil, errorf(ErrInvalid, "response.bad_format", voff, "%d octets, want 1", len(v))
			}
			bf := v[0]
			out.BadFormat = &bf
		}
	}
	return out, nil
}
