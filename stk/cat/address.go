package cat

import (
	"fmt"
	"strings"

	"github.com/stkforge/stkforge/stk/text"
)

// ---- addresses (8.1) and SS strings (8.14) ----

// Address is a dialling number: TON/NPI byte and BCD digits (TS 102 223 8.1). Digits A, B, C, D
// and E read as '*', '#', ',' (DTMF separator), 'N' (wild) and 'E' (expansion).
type Address struct {
	Empty  bool
	TONNPI uint8
	Number string
}

const bcdDigits = "0123456789*#,NE"

func decodeBCD(v []byte, off int, field string) (string, error) {
	var sb strings.Builder
	for i, c := range v {
		for k, n := range [2]byte{c & 0x0F, c >> 4} {
			if n == 0x0F {
				if i != len(v)-1 || k != 1 {
					return "", verr(off+i, field, "filler F before the last digit")
				}
				continue
			}
			sb.WriteByte(bcdDigits[n])
		}
	}
	return sb.String(), nil
}

func encodeBCD(b []byte, s string) ([]byte, error) {
	var hi bool
	for i := 0; i < len(s); i++ {
		n := strings.IndexByte(bcdDigits, s[i])
		if n < 0 {
			n = strings.IndexByte("0123456789*#,NE", s[i]-32) // lower-case letters
			if s[i] < 'a' || n < 0 {
				return nil, fmt.Errorf("digit %q at %d is not 0-9 * # , N E", s[i], i)
			}
		}
		if !hi {
			b = append(b, byte(n)|0xF0)
		} else {
			b[len(b)-1] = b[len(b)-1]&0x0F | byte(n)<<4
		}
		hi = !hi
	}
	return b, nil
}

var tonNames = newNameTable(map[byte]string{0: "unknown", 1: "international", 2: "national", 3: "network specific", 4: "dedicated access"})
var npiNames = newNameTable(map[byte]string{0: "unknown", 1: "ISDN/telephony", 3: "data", 4: "telex", 9: "private", 0xF: "extension"})

func (a *Address) decodeValue(v []byte) error {
	*a = Address{}
	if len(v) == 0 {
		a.Empty = true
		return nil
	}
	n, err := decodeBCD(v[1:], 1, "digits")
	*a = Address{TONNPI: v[0], Number: n}
	return err
}
func (a *Address) appendValue(b []byte) ([]byte, error) {
	if a.Empty {
		return b, nil
	}
	return encodeBCD(append(b, a.TONNPI), a.Number)
}
func appendTONNPIJSON(o *object, tn byte) {
	o.set("ton", tonNames.name(tn>>4&7))
	o.set("npi", npiNames.name(tn&0x0F))
	if tn&0x80 == 0 {
		o.set("extension_bit", false)
	}
}
func tonNPIFromJSON(f fields, intl bool) (byte, error) {
	tn := byte(0x81)
	if intl {
		tn = 0x91
	}
	if t, ok, err := f.code("ton", tonNames); err != nil {
		return 0, err
	} else if ok {
		tn = tn&0x8F | (t&7)<<4
	}
	if n, ok, err := f.code("npi", npiNames); err != nil {
		return 0, err
	} else if ok {
		tn = tn&0xF0 | n&0x0F
	}
	if e, ok, err := f.boolean("extension_bit"); err != nil {
		return 0, err
	} else if ok && !e {
		tn &^= 0x80
	}
	return tn, nil
}
func (a *Address) appendJSON(o *object) {
	if a.Empty {
		o.set("empty", true)
		return
	}
	if a.TONNPI>>4&7 == 1 {
		o.set("number", "+"+a.Number)
	} else {
		o.set("number", a.Number)
	}
	appendTONNPIJSON(o, a.TONNPI)
}
func (a *Address) fromJSON(f fields) error {
	*a = Address{}
	if e, _, err := f.boolean("empty"); err != nil || e {
		a.Empty = e
		return err
	}
	n, err := f.mustStr("number")
	if err != nil {
		return err
	}
	intl := strings.HasPrefix(n, "+")
	a.Number = strings.TrimPrefix(n, "+")
	a.TONNPI, err = tonNPIFromJSON(f, intl)
	return err
}

// SSString is a supplementary service control string: TON/NPI and BCD digits (TS 31.111 8.14).
type SSString struct {
	TONNPI uint8
	String string
}

func (s *SSString) decodeValue(v []byte) error {
	if len(v) < 1 {
		return verr(0, "TON/NPI", "missing")
	}
	d, err := decodeBCD(v[1:], 1, "digits")
	*s = SSString{v[0], d}
	return err
}
func (s *SSString) appendValue(b []byte) ([]byte, error) {
	return encodeBCD(append(b, s.TONNPI), s.String)
}
func (s *SSString) appendJSON(o *object) {
	o.set("ss_string", s.String)
	appendTONNPIJSON(o, s.TONNPI)
}
func (s *SSString) fromJSON(f fields) (err error) {
	if s.String, err = f.mustStr("ss_string"); err != nil {
		return err
	}
	s.TONNPI, err = tonNPIFromJSON(f, false)
	return err
}

// USSDString is a USSD string: a cell broadcast data coding scheme (TS 23.038 clause 5) and the
// string (TS 31.111 8.17). Data holds the bytes when the DCS is not one this codec reads.
type USSDString struct {
	DCS  uint8
	Text string
	Data []byte
}

func (u *USSDString) decodeValue(v []byte) error {
	if len(v) < 1 {
		return verr(0, "DCS", "missing")
	}
	*u = USSDString{DCS: v[0]}
	if s, err := text.DecodeUSSD(v[0], v[1:]); err == nil {
		u.Text = s
		return nil
	}
	u.Data = v[1:]
	return nil
}
func (u *USSDString) appendValue(b []byte) ([]byte, error) {
	b = append(b, u.DCS)
	if u.Data != nil {
		return append(b, u.Data...), nil
	}
	e, err := text.EncodeUSSD(u.Text, u.DCS)
	return append(b, e...), err
}
func (u *USSDString) appendJSON(o *object) {
	o.set("dcs", fmt.Sprintf("%02X", u.DCS))
	if a, err := text.USSDAlphabet(u.DCS); err == nil {
		o.set("alphabet", a.String())
	}
	if u.Data != nil {
		o.set("data", hexString(u.Data))
		return
	}
	o.set("text", u.Text)
}
func (u *USSDString) fromJSON(f fields) (err error) {
	*u = USSDString{}
	d, ok, err := f.hexByte("dcs")
	if err != nil {
		return err
	}
	if !ok {
		d = 0x0F // 7-bit, language unspecified
	}
	u.DCS = d
	if u.Text, _, err = f.str("text"); err != nil {
		return err
	}
	u.Data, _, err = f.hexBytes("data")
	return err
}
