package cat

import (
	"errors"
	"fmt"

	"github.com/stkforge/stkforge/stk/text"
)

// ---- texts: alpha identifier (8.2), item (8.9), text string (8.15), default text (8.23) ----

func appendAlphaJSON(o *object, a text.Alpha) {
	o.set("text", a.Text)
	o.set("format", a.Format.String())
	if a.Format == text.AlphaUCS2Base81 || a.Format == text.AlphaUCS2Base82 {
		o.set("base", fmt.Sprintf("%04X", a.Base))
	}
	if a.Pad != 0 {
		o.set("pad", a.Pad)
	}
}

func alphaFromJSON(f fields) (text.Alpha, bool, error) {
	s, _, err := f.str("text")
	if err != nil {
		return text.Alpha{}, false, err
	}
	a := text.Alpha{Text: s}
	fs, ok, err := f.str("format")
	if err != nil {
		return a, false, err
	}
	if !ok {
		return a, false, nil // shortest form
	}
	if a.Format, err = text.ParseAlphaFormat(fs); err != nil {
		return a, false, fmt.Errorf("format: %v", err)
	}
	if b, ok, err := f.hexBytes("base"); err != nil {
		return a, false, err
	} else if ok {
		if len(b) != 2 {
			return a, false, errors.New("base: want 4 hex digits")
		}
		a.Base = uint16(b[0])<<8 | uint16(b[1])
	}
	p, _, err := f.uint("pad", 255)
	a.Pad = int(p)
	return a, true, err
}

func encodeAlpha(a text.Alpha, explicit bool) ([]byte, error) {
	if !explicit {
		return text.EncodeAlpha(a.Text)
	}
	return a.Encode()
}

// AlphaIdentifier is a text in the EF-ADN alpha coding (TS 102 223 8.2, TS 102 221 annex A);
// an empty Text with no padding is the null alpha identifier.
type AlphaIdentifier struct{ text.Alpha }

func (a *AlphaIdentifier) decodeValue(v []byte) error {
	x, err := text.DecodeAlpha(v)
	if err != nil {
		return shift(err, 0)
	}
	a.Alpha = x
	return nil
}
func (a *AlphaIdentifier) appendValue(b []byte) ([]byte, error) {
	return a.Alpha.Append(b)
}
func (a *AlphaIdentifier) appendJSON(o *object) { appendAlphaJSON(o, a.Alpha) }
func (a *AlphaIdentifier) fromJSON(f fields) error {
	x, explicit, err := alphaFromJSON(f)
	if err != nil {
		return err
	}
	if !explicit {
		e, err := text.EncodeAlpha(x.Text)
		if err != nil {
			return err
		}
		x, _ = text.DecodeAlpha(e)
	}
	a.Alpha = x
	return nil
}

// Item is one menu item: identifier and alpha-coded text (TS 102 223 8.9). Empty marks the
// empty item object ("8F 00") that removes a menu.
type Item struct {
	Empty      bool
	Identifier uint8
	text.Alpha
}

func (it *Item) decodeValue(v []byte) error {
	*it = Item{}
	if len(v) == 0 {
		it.Empty = true
		return nil
	}
	x, err := text.DecodeAlpha(v[1:])
	if err != nil {
		return shift(err, 1)
	}
	it.Identifier, it.Alpha = v[0], x
	return nil
}
func (it *Item) appendValue(b []byte) ([]byte, error) {
	if it.Empty {
		return b, nil
	}
	return it.Alpha.Append(append(b, it.Identifier))
}
func (it *Item) appendJSON(o *object) {
	if it.Empty {
		o.set("empty", true)
		return
	}
	o.set("id", it.Identifier)
	appendAlphaJSON(o, it.Alpha)
}
func (it *Item) fromJSON(f fields) (err error) {
	*it = Item{}
	if e, _, err := f.boolean("empty"); err != nil || e {
		it.Empty = e
		return err
	}
	if it.Identifier, err = f.mustByte("id"); err != nil {
		return err
	}
	x, explicit, err := alphaFromJSON(f)
	if err != nil {
		return err
	}
	if !explicit {
		e, err := text.EncodeAlpha(x.Text)
		if err != nil {
			return err
		}
		x, _ = text.DecodeAlpha(e)
	}
	it.Alpha = x
	return nil
}

// TextString is a data coding scheme and text (TS 102 223 8.15). Null marks the null text
// string (length 0). Data holds the bytes when the DCS is not one this codec can read.
type TextString struct {
	Null bool
	DCS  uint8
	Text string
	Data []byte
}

func (t *TextString) decodeValue(v []byte) error {
	*t = TextString{}
	if len(v) == 0 {
		t.Null = true
		return nil
	}
	t.DCS = v[0]
	s, err := text.DecodeText(v[0], v[1:])
	if err != nil {
		t.Data = v[1:]
		return nil
	}
	t.Text = s
	return nil
}
func (t *TextString) appendValue(b []byte) ([]byte, error) {
	if t.Null {
		return b, nil
	}
	if t.Data != nil {
		return append(append(b, t.DCS), t.Data...), nil
	}
	return text.AppendText(append(b, t.DCS), t.Text, t.DCS)
}
func (t *TextString) appendJSON(o *object) {
	if t.Null {
		o.set("null", true)
		return
	}
	o.set("dcs", fmt.Sprintf("%02X", t.DCS))
	o.set("alphabet", dcsAlphabetName(t.DCS))
	if t.Data != nil {
		o.set("data", hexString(t.Data))
		return
	}
	o.set("text", t.Text)
}
func (t *TextString) fromJSON(f fields) error {
	*t = TextString{}
	if n, _, err := f.boolean("null"); err != nil || n {
		t.Null = n
		return err
	}
	if a, ok, err := f.str("answer"); err != nil || ok {
		if a != "yes" && a != "no" && err == nil {
			err = fmt.Errorf("answer: want \"yes\" or \"no\"")
		}
		t.DCS = 0x04
		if d, ok, err := f.hexByte("dcs"); err != nil {
			return err
		} else if ok {
			t.DCS = d
		}
		t.Data = []byte{0}
		if a == "yes" {
			t.Data[0] = 1
		}
		return err
	}
	s, _, err := f.str("text")
	if err != nil {
		return err
	}
	d, ok, err := f.hexByte("dcs")
	if err != nil {
		return err
	}
	if !ok {
		// Without a DCS, an alphabet name picks the plain DCS of that alphabet; without
		// either, the shortest coding is used.
		a, oka, err := f.str("alphabet")
		if err != nil {
			return err
		}
		switch {
		case !oka:
			if d, _, err = text.ShortestText(s); err != nil {
				return err
			}
		case a == text.GSM7.String():
			d = text.DCSGSM7
		case a == text.GSM8.String():
			d = text.DCSGSM8
		case a == text.UCS2.String():
			d = text.DCSUCS2
		default:
			return fmt.Errorf("alphabet: unknown alphabet %q", a)
		}
	}
	t.DCS, t.Text = d, s
	t.Data, _, err = f.hexBytes("data")
	return err
}

func dcsAlphabetName(dcs byte) string {
	if a, err := text.TextAlphabet(dcs); err == nil {
		return a.String()
	}
	return "unsupported"
}

// DefaultText is the text offered for editing in GET INPUT, coded like a Text string (8.23).
type DefaultText struct{ TextString }
