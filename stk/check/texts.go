package check

import (
	"strings"
	"unicode/utf8"

	"github.com/stkforge/stkforge/stk/spec"
	"github.com/stkforge/stkforge/stk/text"
)

// text resolves a spec text for a context: one version per language, references resolved,
// coding chosen (the shortest the context allows) and length computed. Identical texts share
// one table entry. It returns nil for a nil text.
func (c *checker) text(t *spec.Text, ctx TextContext, what string, allowVars bool) (*Text, []Use) {
	if t == nil {
		return nil, nil
	}
	byLang := map[string]*spec.Template{}
	for _, lt := range t.ByLang {
		if !c.hasLang[lt.Lang.Value] {
			c.errorf(lt.Lang.Pos, "unknown-language", "%s: language %q is not in the spec's languages %v%s",
				what, lt.Lang.Value, c.p.Languages, spec.DidYouMean(lt.Lang.Value, c.p.Languages))
			continue
		}
		byLang[lt.Lang.Value] = lt.Value
	}
	out := &Text{Pos: t.Pos, Context: ctx}
	var uses []Use
	var key strings.Builder
	key.WriteString(ctx.String())
	for _, lang := range c.p.Languages {
		tpl := t.Plain
		if tpl == nil {
			tpl = byLang[lang]
		}
		if tpl == nil {
			// Reported once; the first version written stands in, so that one missing
			// language does not cascade into length or emptiness errors.
			tpl = &spec.Template{Pos: t.Pos}
			if len(t.ByLang) > 0 {
				c.errorf(t.Pos, "incomplete-language", "%s: no %q version (the spec's languages are %v)", what, lang, c.p.Languages)
				tpl = t.ByLang[0].Value
			}
		}
		lt := &LangText{Lang: lang, Source: tpl.Source}
		for _, part := range tpl.Parts {
			if part.Ref == nil {
				lt.Parts = append(lt.Parts, Part{Lit: part.Lit})
				continue
			}
			if !allowVars {
				c.errorf(part.Ref.Pos, "template-not-allowed", "%s: menu and list texts are fixed; {%s} cannot be used here", what, part.Ref.Name)
				continue
			}
			v := c.lookupVar(part.Ref.Name, part.Ref.Pos)
			if v == nil {
				continue
			}
			if !c.templateTypeOK(v, ctx, part.Ref.Pos, what) {
				continue
			}
			lt.Parts = append(lt.Parts, Part{Var: v, Pos: part.Ref.Pos})
			uses = append(uses, Use{Var: v, Pos: part.Ref.Pos})
		}
		c.encode(lt, ctx, tpl.Pos, what)
		out.Langs = append(out.Langs, lt)
		key.WriteByte(0)
		key.WriteString(tpl.Source)
	}
	if prev, ok := c.texts[key.String()]; ok {
		return prev, uses
	}
	out.Index = len(c.p.Texts)
	c.p.Texts = append(c.p.Texts, out)
	c.texts[key.String()] = out
	return out, uses
}

// templateTypeOK checks that a variable can appear in a text of the context.
func (c *checker) templateTypeOK(v *Var, ctx TextContext, pos spec.Pos, what string) bool {
	if v.Hidden {
		c.errorf(pos, "pin-leak", "%s: {%s} is a hidden PIN entry; it may only be checked with verify_pin, never shown, sent or signed", what, v.Name)
		return false
	}
	switch v.Type {
	case TypeBool:
		c.errorf(pos, "type-mismatch", "%s: {%s} is a yes/no answer and has no text form; branch on it with if", what, v.Name)
		return false
	case TypeBytes:
		if ctx != CtxOctets {
			c.errorf(pos, "type-mismatch", "%s: {%s} holds bytes (%d octets) and cannot appear in a %s text; put it in an 8-bit SMS body", what, v.Name, v.MaxLen, ctx)
			return false
		}
	case TypeText:
		if ctx == CtxUSSD {
			c.errorf(pos, "type-mismatch", "%s: {%s} is free text; a USSD string takes digits only (* and # come from the template)", what, v.Name)
			return false
		}
	}
	return true
}

// varWidth is the most octets a variable takes in a coding: GSM text counts escapes twice.
func varWidth(v *Var, cod Coding) int {
	switch cod {
	case CodingAlpha80, CodingUCS2:
		return 2 * v.MaxLen
	case CodingOctets:
		if v.Type == TypeText {
			if v.UCS2 {
				return 3 * v.MaxLen // UTF-8 of a BMP character
			}
			return 3 * v.MaxLen // GSM text includes € (3 octets of UTF-8)
		}
		return v.MaxLen
	}
	if v.Type == TypeText {
		return 2 * v.MaxLen // worst case: every character an extension (1B escape)
	}
	return v.MaxLen
}

// encode chooses the coding of a language version and its length.
func (c *checker) encode(lt *LangText, ctx TextContext, pos spec.Pos, what string) {
	var lits strings.Builder
	hasVars, ucs2Vars := false, false
	for _, p := range lt.Parts {
		if p.Var != nil {
			hasVars = true
			if p.Var.Type == TypeText && p.Var.UCS2 {
				ucs2Vars = true
			}
			continue
		}
		lits.WriteString(p.Lit)
	}
	s := lits.String()
	for i, r := range s {
		if r > 0xFFFF {
			c.errorf(pos, "text-unencodable", "%s (%s): %q (U+%04X) at character %d is outside UCS2, so no SIM Toolkit coding can carry it",
				what, lt.Lang, string(r), r, utf8.RuneCountInString(s[:i])+1)
			return
		}
	}
	septets, gsm := text.GSMLen(s)
	chars := utf8.RuneCountInString(s)
	varChars, varSeptets := 0, 0
	for _, p := range lt.Parts {
		if p.Var != nil {
			varChars += p.Var.MaxLen
			varSeptets += varWidth(p.Var, CodingPacked7)
		}
	}
	switch ctx {
	case CtxAlpha:
		if !hasVars {
			a, err := text.ShortestAlpha(s)
			if err != nil {
				c.errorf(pos, "text-unencodable", "%s (%s): %v", what, lt.Lang, err)
				return
			}
			b, err := a.Encode()
			if err != nil {
				c.errorf(pos, "text-unencodable", "%s (%s): %v", what, lt.Lang, err)
				return
			}
			lt.Coding = alphaCoding(a.Format)
			lt.Base = a.Base
			lt.Bytes = b
			lt.Len = len(b)
			lt.Chars = chars
			if gsm {
				lt.Chars = septets
			}
			return
		}
		switch {
		case gsm && !ucs2Vars:
			lt.Coding = CodingAlphaGSM
			lt.Len = septets
			for _, p := range lt.Parts {
				if p.Var != nil {
					lt.Len += varWidth(p.Var, CodingAlphaGSM)
				}
			}
			lt.Chars = septets + varSeptets
		case !ucs2Vars:
			// GSM characters (digits, GSM text) are coded as such inside an 81/82 string, so
			// the literals alone decide the window.
			a, err := text.ShortestAlpha(s)
			if err != nil {
				c.errorf(pos, "text-unencodable", "%s (%s): %v", what, lt.Lang, err)
				return
			}
			n, _ := text.AlphaLen(a)
			lt.Coding, lt.Base, lt.Len = alphaCoding(a.Format), a.Base, n
			for _, p := range lt.Parts {
				if p.Var != nil {
					lt.Len += varWidth(p.Var, lt.Coding)
				}
			}
			lt.Chars = chars + varChars
		default:
			lt.Coding = CodingAlpha80
			lt.Len = 1 + 2*(chars+varChars)
			lt.Chars = chars + varChars
		}
	case CtxTextString, CtxSMS:
		if gsm && !ucs2Vars {
			lt.Coding = CodingPacked7
			n := septets + varSeptets
			lt.Chars = n
			lt.Len = (n*7 + 7) / 8
			if ctx == CtxSMS {
				lt.Len = n // septets: SMS limits count septets
			}
		} else {
			lt.Coding = CodingUCS2
			lt.Chars = chars + varChars
			lt.Len = 2 * lt.Chars
		}
		if !hasVars && ctx == CtxSMS {
			if lt.Coding == CodingPacked7 {
				sept, err := text.EncodeGSM(s)
				if err == nil {
					lt.Bytes = packSMS(sept)
				}
			} else if b, err := text.EncodeText(s, 0x08); err == nil {
				lt.Bytes = b
			}
		}
		if !hasVars && ctx == CtxTextString {
			dcs, data, err := text.ShortestText(s)
			if err != nil {
				c.errorf(pos, "text-unencodable", "%s (%s): %v", what, lt.Lang, err)
				return
			}
			if dcs == 0x08 {
				lt.Coding = CodingUCS2
			}
			lt.Bytes, lt.Len = data, len(data)
		}
	case CtxOctets:
		lt.Coding = CodingOctets
		lt.Len = len(s)
		for _, p := range lt.Parts {
			if p.Var != nil {
				lt.Len += varWidth(p.Var, CodingOctets)
			}
		}
		lt.Chars = lt.Len
		if !hasVars {
			lt.Bytes = []byte(s)
		}
	case CtxUSSD:
		if !gsm {
			c.errorf(pos, "text-unencodable", "%s: a USSD string must be in the GSM alphabet (TS 23.038 clause 5, DCS 0F)", what)
			return
		}
		lt.Coding = CodingPacked7
		lt.Chars = septets + varSeptets
		lt.Len = (lt.Chars*7 + 7) / 8
		if !hasVars {
			sept, err := text.EncodeGSM(s)
			if err == nil {
				lt.Bytes = text.Pack7(sept)
			}
		}
	}
}

func alphaCoding(f text.AlphaFormat) Coding {
	switch f {
	case text.AlphaUCS2:
		return CodingAlpha80
	case text.AlphaUCS2Base81:
		return CodingAlpha81
	case text.AlphaUCS2Base82:
		return CodingAlpha82
	}
	return CodingAlphaGSM
}

// usesUCS2 reports whether any language version is coded in UCS2.
func (t *Text) usesUCS2() bool {
	if t == nil {
		return false
	}
	for _, l := range t.Langs {
		switch l.Coding {
		case CodingAlpha80, CodingAlpha81, CodingAlpha82, CodingUCS2:
			return true
		}
	}
	return false
}

// isEmpty reports whether every language version is the empty string.
func (t *Text) isEmpty() bool {
	if t == nil {
		return true
	}
	for _, l := range t.Langs {
		if len(l.Parts) > 0 {
			return false
		}
	}
	return true
}

// packSMS packs septets into SMS user data (TS 23.038 6.1.2.1): TP-UDL counts the septets, so
// the spare bits of the last octet stay zero, without the CR filler that USSD and cell
// broadcast use (6.1.2.3.1).
func packSMS(septets []byte) []byte {
	out := make([]byte, (len(septets)*7+7)/8)
	for i, c := range septets {
		bit := i * 7
		out[bit/8] |= (c & 0x7F) << (bit % 8)
		if bit%8 > 1 {
			out[bit/8+1] |= (c & 0x7F) >> (8 - bit%8)
		}
	}
	return out
}
