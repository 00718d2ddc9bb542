package image

import (
	"fmt"
	"strings"

	"github.com/stkforge/stkforge/stk/text"
	"github.com/stkforge/stkforge/stk/tlv"
)

// Values are a session's variables by index: nil is unset, a non-nil slice (maybe empty) is set.
// Digits hold ASCII digits, text UTF-8, yes/no one byte 01/00, a choice one byte (the item
// identifier), bytes raw.
type Values [][]byte

// Device identities (TS 102 223 8.7) and the tags the renderer writes.
const (
	DevUICC                  = 0x81
	tagCommandDetails        = 0x01
	tagDeviceIdentities      = 0x02
	tagAlpha                 = 0x05
	tagUSSDString            = 0x0A
	tagSMSTPDU               = 0x0B
	tagTextString            = 0x0D
	tagItem                  = 0x0F
	tagDefaultText           = 0x17
	dcsGSM7             byte = 0x00
	dcsOctets           byte = 0x04
	dcsUCS2             byte = 0x08
	dcsUSSDGSM7         byte = 0x0F
)

// tagContext is the text context an element's text parts must have.
func tagContext(tag byte) (Context, bool) {
	switch tag & 0x7F {
	case tagAlpha, tagItem:
		return CtxAlpha, true
	case tagTextString, tagDefaultText:
		return CtxTextString, true
	case tagUSSDString:
		return CtxUSSD, true
	}
	return 0, false
}

// VarText is how a variable's value reads inside a text: digits and text as they are, a choice
// as its item's name. Yes/no and bytes have no text form.
func (img *Image) VarText(v int, val []byte) (string, error) {
	if v < 0 || v >= len(img.Vars) {
		return "", fmt.Errorf("variable %d out of range", v)
	}
	vr := img.Vars[v]
	switch vr.Type {
	case TypeDigits, TypeText:
		return string(val), nil
	case TypeChoice:
		if len(val) != 1 || int(val[0]) < 1 || int(val[0]) > len(vr.Choices) {
			return "", fmt.Errorf("variable %q: choice %X has no item", vr.Name, val)
		}
		return vr.Choices[val[0]-1], nil
	}
	return "", fmt.Errorf("variable %q is %s, which has no text form", vr.Name, vr.Type)
}

// VarOctets is a variable's value as it goes into an 8-bit body or a signature: digits as ASCII,
// text in UTF-8, a choice as its name in UTF-8, yes/no as 01/00, bytes raw.
func (img *Image) VarOctets(v int, val []byte) ([]byte, error) {
	if v < 0 || v >= len(img.Vars) {
		return nil, fmt.Errorf("variable %d out of range", v)
	}
	if img.Vars[v].Type == TypeChoice {
		s, err := img.VarText(v, val)
		return []byte(s), err
	}
	return val, nil
}

func (img *Image) langText(t, lang int) (*LangText, error) {
	if t < 0 || t >= len(img.Texts) {
		return nil, fmt.Errorf("text %d out of range", t)
	}
	tx := &img.Texts[t]
	if lang < 0 || lang >= len(tx.Langs) {
		return nil, fmt.Errorf("text %d: no language %d", t, lang)
	}
	return &tx.Langs[lang], nil
}

// RenderString renders a parts text as a string (literals and variables in their text form).
func (img *Image) RenderString(t, lang int, vals Values) (string, error) {
	l, err := img.langText(t, lang)
	if err != nil {
		return "", err
	}
	if !l.IsParts {
		return img.fixedString(&img.Texts[t], l)
	}
	var sb strings.Builder
	for _, p := range l.Parts {
		if p.Var < 0 {
			sb.WriteString(p.Lit)
			continue
		}
		val, err := value(vals, p.Var)
		if err != nil {
			return "", err
		}
		s, err := img.VarText(p.Var, val)
		if err != nil {
			return "", err
		}
		sb.WriteString(s)
	}
	return sb.String(), nil
}

func value(vals Values, v int) ([]byte, error) {
	if v < 0 || v >= len(vals) || vals[v] == nil {
		return nil, fmt.Errorf("variable %d is not set", v)
	}
	return vals[v], nil
}

// fixedString decodes a fixed text for the listing.
func (img *Image) fixedString(t *Text, l *LangText) (string, error) {
	switch l.Coding {
	case CodingAlphaGSM, CodingAlpha80, CodingAlpha81, CodingAlpha82:
		a, err := text.DecodeAlpha(l.Fixed)
		return a.Text, err
	case CodingPacked7:
		if t.Context == CtxUSSD {
			return text.DecodeUSSD(dcsUSSDGSM7, l.Fixed)
		}
		return text.DecodeText(dcsGSM7, l.Fixed)
	case CodingUCS2:
		return text.DecodeText(dcsUCS2, l.Fixed)
	case CodingOctets:
		return string(l.Fixed), nil
	}
	return "", fmt.Errorf("coding %d unknown", l.Coding)
}

// renderOctets renders an octets text: literals in UTF-8, variables as VarOctets.
func (img *Image) renderOctets(l *LangText, vals Values) ([]byte, error) {
	if !l.IsParts {
		return l.Fixed, nil
	}
	var out []byte
	for _, p := range l.Parts {
		if p.Var < 0 {
			out = append(out, p.Lit...)
			continue
		}
		val, err := value(vals, p.Var)
		if err != nil {
			return nil, err
		}
		o, err := img.VarOctets(p.Var, val)
		if err != nil {
			return nil, err
		}
		out = append(out, o...)
	}
	return out, nil
}

func alphaFormat(c Coding) text.AlphaFormat {
	switch c {
	case CodingAlpha80:
		return text.AlphaUCS2
	case CodingAlpha81:
		return text.AlphaUCS2Base81
	case CodingAlpha82:
		return text.AlphaUCS2Base82
	}
	return text.AlphaGSM
}

// ElementText is the value a text takes in an element with this tag (docs/image-format.md
// "Template elements").
func (img *Image) ElementText(tag byte, t, lang int, vals Values) ([]byte, error) {
	l, err := img.langText(t, lang)
	if err != nil {
		return nil, err
	}
	ctx, ok := tagContext(tag)
	if !ok {
		return nil, fmt.Errorf("tag %02X takes no text", tag)
	}
	if img.Texts[t].Context != ctx {
		return nil, fmt.Errorf("text %d is a %s text; tag %02X takes a %s text", t, img.Texts[t].Context, tag, ctx)
	}
	switch ctx {
	case CtxAlpha:
		if !l.IsParts {
			return l.Fixed, nil
		}
		s, err := img.RenderString(t, lang, vals)
		if err != nil {
			return nil, err
		}
		b, err := text.EncodeAlphaAs(s, alphaFormat(l.Coding))
		if err != nil && (l.Coding == CodingAlpha81 || l.Coding == CodingAlpha82) {
			b, err = text.EncodeAlphaAs(s, text.AlphaUCS2)
		}
		return b, err
	case CtxUSSD:
		if !l.IsParts {
			return append([]byte{dcsUSSDGSM7}, l.Fixed...), nil
		}
		s, err := img.RenderString(t, lang, vals)
		if err != nil {
			return nil, err
		}
		d, err := text.EncodeUSSD(s, dcsUSSDGSM7)
		return append([]byte{dcsUSSDGSM7}, d...), err
	}
	var dcs byte
	switch l.Coding {
	case CodingPacked7:
		dcs = dcsGSM7
	case CodingUCS2:
		dcs = dcsUCS2
	case CodingOctets:
		o, err := img.renderOctets(l, vals)
		return append([]byte{dcsOctets}, o...), err
	default:
		return nil, fmt.Errorf("text %d: coding %s in a text string", t, l.Coding)
	}
	if !l.IsParts {
		return append([]byte{dcs}, l.Fixed...), nil
	}
	s, err := img.RenderString(t, lang, vals)
	if err != nil {
		return nil, err
	}
	d, err := text.EncodeText(s, dcs)
	return append([]byte{dcs}, d...), err
}

// Command renders template tpl as a proactive command (BER-TLV D0) with command number number,
// in language lang, with the session's values. slot is the value of a slot element (the SMS
// TPDU), nil when the template has none.
func (img *Image) Command(tpl, lang int, number byte, vals Values, slot []byte) ([]byte, error) {
	if tpl < 0 || tpl >= len(img.Templates) {
		return nil, fmt.Errorf("template %d out of range", tpl)
	}
	t := &img.Templates[tpl]
	b := tlv.NewBuilder(make([]byte, 0, 128))
	b.AddBER(0xD0, func(b *tlv.Builder) {
		b.AddCTLVBytes(tagCommandDetails, true, []byte{number, t.Type, t.Qualifier})
		b.AddCTLVBytes(tagDeviceIdentities, true, []byte{DevUICC, t.Dest})
		for i, e := range t.Elements {
			var v []byte
			if len(e.Parts) == 0 {
				if slot == nil {
					b.SetError(fmt.Errorf("element %d (tag %02X): slot without a value", i, e.Tag))
					return
				}
				v = slot
			}
			for _, p := range e.Parts {
				if p.Text < 0 {
					v = append(v, p.Lit...)
					continue
				}
				tv, err := img.ElementText(e.Tag, p.Text, lang, vals)
				if err != nil {
					b.SetError(fmt.Errorf("element %d (tag %02X): %w", i, e.Tag, err))
					return
				}
				v = append(v, tv...)
			}
			b.AddCTLVBytes(tlv.Tag(e.Tag&0x7F), e.Tag&0x80 != 0, v)
		}
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	if len(out) > 255 {
		return nil, fmt.Errorf("template %d: %d bytes, more than the 255 one FETCH carries", tpl, len(out))
	}
	return out, nil
}

// SMS segment capacities (TS 23.040 9.2.3.24.1, 6-octet concatenation UDH).
const (
	smsSeptets       = 160
	smsOctets        = 140
	segSeptets       = 153
	segOctets        = 134
	maxSegments      = 255
	firstOctetSubmit = 0x01 // SMS-SUBMIT, no validity period (TS 23.040 9.2.2.2)
	firstOctetUDHI   = 0x40
)

// SMSTPDUs renders an SMS description as its SMS-SUBMIT TPDUs (docs/image-format.md "SMS"): one,
// or one per segment with the concatenation header (reference ref) when the user data is larger
// than one SMS and the description allows concatenation.
func (img *Image) SMSTPDUs(s, lang int, vals Values, ref byte) ([][]byte, error) {
	if s < 0 || s >= len(img.SMS) {
		return nil, fmt.Errorf("sms %d out of range", s)
	}
	d := &img.SMS[s]
	l, err := img.langText(d.Text, lang)
	if err != nil {
		return nil, err
	}
	var dcs byte
	var units []byte // septets (GSM) or octets
	single, seg := smsOctets, segOctets
	switch l.Coding {
	case CodingPacked7:
		dcs, single, seg = dcsGSM7, smsSeptets, segSeptets
		str, err := img.RenderString(d.Text, lang, vals)
		if err != nil {
			return nil, err
		}
		if units, err = text.EncodeGSM(str); err != nil {
			return nil, err
		}
	case CodingUCS2:
		dcs = dcsUCS2
		str, err := img.RenderString(d.Text, lang, vals)
		if err != nil {
			return nil, err
		}
		if units, err = text.EncodeText(str, dcsUCS2); err != nil {
			return nil, err
		}
	case CodingOctets:
		dcs = dcsOctets
		if units, err = img.renderOctets(l, vals); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("sms %d: text coding %s", s, l.Coding)
	}
	header := func(udhi bool) []byte {
		fo := byte(firstOctetSubmit)
		if udhi {
			fo |= firstOctetUDHI
		}
		h := append([]byte{fo, 0x00}, d.DA...)
		return append(h, 0x00, dcs) // TP-PID 00, TP-DCS
	}
	if len(units) <= single {
		tp := header(false)
		tp = append(tp, byte(len(units)))
		if dcs == dcsGSM7 {
			return [][]byte{append(tp, text.Pack7(units)...)}, nil
		}
		return [][]byte{append(tp, units...)}, nil
	}
	if !d.Concatenate {
		return nil, fmt.Errorf("sms %d: %d %s do not fit one SMS and concatenation is off", s, len(units), unitName(dcs))
	}
	var segs [][]byte
	for rest := units; len(rest) > 0; {
		n := min(seg, len(rest))
		if dcs == dcsGSM7 && n < len(rest) && rest[n-1] == 0x1B {
			n-- // an escape and its character stay in one segment
		}
		if dcs == dcsUCS2 && n%2 == 1 {
			n--
		}
		segs = append(segs, rest[:n])
		rest = rest[n:]
	}
	if len(segs) > maxSegments {
		return nil, fmt.Errorf("sms %d: %d segments; concatenation counts at most %d", s, len(segs), maxSegments)
	}
	out := make([][]byte, len(segs))
	for i, sg := range segs {
		udh := []byte{0x05, 0x00, 0x03, ref, byte(len(segs)), byte(i + 1)}
		tp := header(true)
		if dcs == dcsGSM7 {
			// The 6-octet UDH takes 48 bits; one fill bit brings the text to septet 7.
			septets := append(make([]byte, 7, 7+len(sg)), sg...)
			ud := text.Pack7(septets)
			copy(ud, udh)
			tp = append(tp, byte(len(septets)))
			out[i] = append(tp, ud...)
			continue
		}
		tp = append(tp, byte(len(udh)+len(sg)))
		tp = append(tp, udh...)
		out[i] = append(tp, sg...)
	}
	return out, nil
}

func unitName(dcs byte) string {
	if dcs == dcsGSM7 {
		return "septets"
	}
	return "octets"
}

// SMSCommands renders an SMS description as its SEND SHORT MESSAGE commands, numbering them
// with next.
func (img *Image) SMSCommands(s, lang int, vals Values, ref byte, next func() byte) ([][]byte, error) {
	tpdus, err := img.SMSTPDUs(s, lang, vals, ref)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(tpdus))
	for i, tp := range tpdus {
		if out[i], err = img.Command(img.SMS[s].Template, lang, next(), vals, tp); err != nil {
			return nil, fmt.Errorf("sms %d segment %d: %w", s, i+1, err)
		}
	}
	return out, nil
}

// WorstCase returns values that make every text as long as it can be: each variable at its
// MaxLen in its widest characters (docs/image-format.md "Limits and validation").
func (img *Image) WorstCase() Values {
	vals := make(Values, len(img.Vars))
	for i, v := range img.Vars {
		switch v.Type {
		case TypeDigits:
			vals[i] = []byte(strings.Repeat("9", v.MaxLen))
		case TypeText:
			vals[i] = []byte(strings.Repeat("€", v.MaxLen)) // 2 septets, 2 UCS2 octets, 3 UTF-8 octets
		case TypeBool:
			vals[i] = []byte{1}
		case TypeChoice:
			best := 0
			for j, c := range v.Choices {
				if len(c) > len(v.Choices[best]) {
					best = j
				}
			}
			vals[i] = []byte{byte(best + 1)}
		case TypeBytes:
			vals[i] = []byte(strings.Repeat("\xFF", v.MaxLen))
		}
	}
	return vals
}
