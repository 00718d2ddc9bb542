// Package profile reads and writes the TERMINAL PROFILE (ETSI TS 102 223 clause 5.2, 3GPP
// TS 31.111 clause 5.2 for the 3GPP-specific bits): the bytes a terminal sends to the UICC in
// TERMINAL PROFILE (TS 102 221 10.1.1) to say which CAT features it supports.
//
// A Profile keeps the bytes exactly as received, so Encode(Parse(b)) == b for every b of 1..255
// bytes, RFU bits and all. On top of the bytes it offers the named view: every defined bit has a
// stable snake_case name (Capabilities), the multi-bit fields are integers (Fields), and every
// other bit is named rfu_byteN_bitM. Supports says whether a proactive command may be sent to the
// terminal, which a card must not do when the command's bit is 0.
package profile

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// Profile is a TERMINAL PROFILE: the set of capabilities, the integer fields and the length.
// The zero value is an empty profile that Encode writes as no bytes; Parse and New make
// profiles of 1..255 bytes.
type Profile struct {
	b []byte
}

// Error is a profile error: the field path, the byte offset in the profile (0-based) and why.
type Error struct {
	Field  string
	Offset int
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: offset %d: %s", e.Field, e.Offset, e.Msg)
}

func errorf(field string, offset int, format string, args ...any) *Error {
	return &Error{Field: field, Offset: offset, Msg: fmt.Sprintf(format, args...)}
}

// Parse reads a TERMINAL PROFILE of 1..255 bytes. Every bit pattern is accepted (a terminal may
// set bits this table calls RFU); the bytes are copied.
func Parse(b []byte) (Profile, error) {
	if len(b) == 0 {
		return Profile{}, errorf("terminal_profile", 0, "empty: at least the first byte is needed")
	}
	if len(b) > MaxLen {
		return Profile{}, errorf("terminal_profile", MaxLen, "%d bytes: at most %d fit in TERMINAL PROFILE", len(b), MaxLen)
	}
	return Profile{b: append([]byte(nil), b...)}, nil
}

// ParseHex reads a TERMINAL PROFILE written in hex; spaces, tabs and newlines are ignored.
func ParseHex(s string) (Profile, error) {
	s = strings.Join(strings.Fields(s), "")
	b, err := hex.DecodeString(s)
	if err != nil {
		return Profile{}, errorf("terminal_profile", 0, "not hex: %v", err)
	}
	return Parse(b)
}

// New returns a profile of length bytes, all zero.
func New(length int) (Profile, error) {
	if length < 1 || length > MaxLen {
		return Profile{}, errorf("terminal_profile.length", 0, "%d out of range 1..%d", length, MaxLen)
	}
	return Profile{b: make([]byte, length)}, nil
}

// Build returns a profile of length bytes with the named capabilities set and the fields given
// their values. It fails on an unknown name, a value out of range or a bit beyond length.
func Build(length int, names []string, values map[string]int) (Profile, error) {
	p, err := New(length)
	if err != nil {
		return Profile{}, err
	}
	for i, name := range names {
		c, ok := byName[name]
		if !ok {
			return Profile{}, errorf(fmt.Sprintf("terminal_profile.capabilities[%d]", i), 0, "unknown capability %q", name)
		}
		if c.Byte > length {
			return Profile{}, errorf(fmt.Sprintf("terminal_profile.capabilities[%d]", i), c.Byte-1,
				"%s is byte %d bit %d, beyond the length %d", name, c.Byte, c.Bit, length)
		}
		p.b[c.Byte-1] |= c.Mask()
	}
	for _, f := range fields { // table order, so errors do not depend on map order
		v, ok := values[f.Name]
		if !ok {
			continue
		}
		if err := p.checkField(f, v); err != nil {
			return Profile{}, err
		}
		p.b[f.Byte-1] = p.b[f.Byte-1]&^f.mask() | byte(v<<(f.Low-1))
	}
	for name := range values {
		if _, ok := fieldOf[name]; !ok {
			return Profile{}, errorf("terminal_profile.fields."+name, 0, "unknown field")
		}
	}
	return p, nil
}

func (p Profile) checkField(f Field, v int) error {
	path := "terminal_profile.fields." + f.Name
	if f.Byte > len(p.b) {
		return errorf(path, f.Byte-1, "byte %d is beyond the length %d", f.Byte, len(p.b))
	}
	if v < 0 || v > f.Max() {
		return errorf(path, f.Byte-1, "%d out of range 0..%d", v, f.Max())
	}
	return nil
}

// Len is the profile's length in bytes.
func (p Profile) Len() int { return len(p.b) }

// Encode returns the profile's bytes.
func (p Profile) Encode() []byte { return append([]byte(nil), p.b...) }

// String is the profile in upper-case hex, as it appears in APDU traces.
func (p Profile) String() string { return strings.ToUpper(hex.EncodeToString(p.b)) }

// Has reports whether the capability called name is set. A bit beyond the profile's length is
// not set (TS 102 223 5.2: absent bytes mean the features are not supported); an unknown name
// is not set either.
func (p Profile) Has(name string) bool {
	c, ok := byName[name]
	if !ok || c.Byte > len(p.b) {
		return false
	}
	return p.b[c.Byte-1]&c.Mask() != 0
}

// Field returns the value of the integer field called name: 0 when its byte is beyond the
// profile's length, false for an unknown name.
func (p Profile) Field(name string) (int, bool) {
	f, ok := fieldOf[name]
	if !ok {
		return 0, false
	}
	if f.Byte > len(p.b) {
		return 0, true
	}
	return int(p.b[f.Byte-1]&f.mask()) >> (f.Low - 1), true
}

// Set sets or clears the capability called name, lengthening the profile with zero bytes when
// the bit lies beyond it.
func (p *Profile) Set(name string, on bool) error {
	c, ok := byName[name]
	if !ok {
		return errorf("terminal_profile.capabilities", 0, "unknown capability %q", name)
	}
	p.grow(c.Byte)
	if on {
		p.b[c.Byte-1] |= c.Mask()
	} else {
		p.b[c.Byte-1] &^= c.Mask()
	}
	return nil
}

// SetField gives the integer field called name the value v, lengthening the profile when the
// field lies beyond it.
func (p *Profile) SetField(name string, v int) error {
	f, ok := fieldOf[name]
	if !ok {
		return errorf("terminal_profile.fields."+name, 0, "unknown field")
	}
	if v < 0 || v > f.Max() {
		return errorf("terminal_profile.fields."+name, f.Byte-1, "%d out of range 0..%d", v, f.Max())
	}
	p.grow(f.Byte)
	p.b[f.Byte-1] = p.b[f.Byte-1]&^f.mask() | byte(v<<(f.Low-1))
	return nil
}

func (p *Profile) grow(n int) {
	if n > len(p.b) {
		p.b = append(p.b, make([]byte, n-len(p.b))...)
	}
}

// Names returns the names of the set bits, sorted: defined capabilities and rfu_byteN_bitM for
// set RFU bits. Bits of integer fields are not capabilities and are not listed.
func (p Profile) Names() []string {
	var names []string
	for i, v := range p.b {
		for bit := 1; bit <= 8; bit++ {
			if v&(1<<(bit-1)) == 0 {
				continue
			}
			name := bitOwner[i+1][bit-1]
			if _, isField := fieldOf[name]; !isField {
				names = append(names, name)
			}
		}
	}
	return sortedNames(names)
}

// Values returns every integer field whose byte lies within the profile, zeros included.
func (p Profile) Values() map[string]int {
	out := map[string]int{}
	for _, f := range fields {
		if f.Byte <= len(p.b) {
			v, _ := p.Field(f.Name)
			out[f.Name] = v
		}
	}
	return out
}

// Equal reports whether p and q are the same bytes.
func (p Profile) Equal(q Profile) bool { return string(p.b) == string(q.b) }

// Listing is a readable annotated hexdump: one line per byte with its value, its bits and
// the capabilities and fields it holds.
func (p Profile) Listing() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "TERMINAL PROFILE, %d bytes: %s\n", len(p.b), p.String())
	for i, v := range p.b {
		fmt.Fprintf(&sb, "byte %2d  %02X  %04b %04b", i+1, v, v>>4, v&0xF)
		if d := describeByte(i+1, v); len(d) > 0 {
			sb.WriteString("  " + strings.Join(d, ", "))
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}
