// Package tlv builds and reads the two TLV layers of SIM Toolkit (ETSI TS 101 220 clause 7,
// TS 102 223 clause 8): BER-TLV containers (a one-byte tag such as D0 for a proactive command or
// D1..D7 for envelopes) and the COMPREHENSION-TLV data objects inside them.
//
// Lengths are BER definite form (TS 101 220 7.1.2): one byte for 0..127, 81 xx for 128..255 and
// 82 xxxx for 256..65535. Non-minimal forms (81 05) are rejected so that every accepted encoding
// re-encodes to the same bytes.
package tlv

import "fmt"

// Tag is a COMPREHENSION-TLV tag value without its CR bit: 0x01..0x7E in the one-byte form,
// 0x0001..0x7FFF in the three-byte form that starts with 7F (TS 101 220 7.1.1).
type Tag uint16

// CRBit is the comprehension-required bit of a one-byte COMPREHENSION-TLV tag.
const CRBit = 0x80

// CTLV is one COMPREHENSION-TLV data object as it appeared on the wire.
type CTLV struct {
	Tag Tag
	// CR is the comprehension-required flag (TS 101 220 7.1.1): an unknown object with CR set
	// makes the whole message "command data not understood"; without it the object is ignored.
	CR bool
	// ThreeByte records that the tag used the 7F xx xx form although it may fit in one byte.
	ThreeByte bool
	Value     []byte
}

// Error is a decoding error: what was being read (a dotted field path), where, and why.
type Error struct {
	Field  string
	Offset int
	Msg    string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg)
	}
	return fmt.Sprintf("%s: offset %d: %s", e.Field, e.Offset, e.Msg)
}

// Errorf builds an *Error at offset for field.
func Errorf(field string, offset int, format string, args ...any) *Error {
	return &Error{Field: field, Offset: offset, Msg: fmt.Sprintf(format, args...)}
}
