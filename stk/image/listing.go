package image

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/tlv"
)

// ListingOptions tune Listing.
type ListingOptions struct {
	// Keys are the issuer keys to check the signature against; without any, the listing says
	// the signature was not checked.
	Keys []IssuerKey
}

// Listing is the human listing of an image: what `stkforge compile --listing` and `stkforge
// disasm` print, the same text for both. Texts are shown in every language, templates with
// their elements, the bytecode one instruction a line with its address.
func (img *Image) Listing(opts ListingOptions) string {
	var sb strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&sb, format, args...) }
	p("image %q, format %d, %d bytes (body %d)\n", img.Name, Version, len(img.file), len(img.body))
	p("hash      SHA-256 %X\n", img.Hash)
	switch s := img.Signature; {
	case s == nil:
		p("signature none\n")
	default:
		p("signature %s by %q, %d bits: ", s.Alg, s.KeyID, len(s.Sig)*8)
		if len(opts.Keys) == 0 {
			p("not checked (no issuer keys given)\n")
		} else if id, err := Verify(img, opts.Keys); err != nil {
			p("DOES NOT VERIFY with the %d keys given\n", len(opts.Keys))
		} else {
			p("verifies with %q\n", id)
		}
	}
	p("languages %s\n", strings.Join(img.Languages, " "))
	if len(img.CardData) > 0 {
		p("card data %s\n", strings.Join(img.CardData, " "))
	}
	p("needs\n")
	for _, c := range img.Needs {
		p("  %02X/%02X %s\n", c.Type, c.Qualifier, cat.CommandType(c.Type))
	}
	if len(img.Keys) > 0 {
		p("keys\n")
		for i, k := range img.Keys {
			p("  k%-3d %s, RSA-%d, %s\n", i, k.Name, k.Bits, k.Scheme)
		}
	}
	if len(img.Vars) > 0 {
		p("vars\n")
		for i, v := range img.Vars {
			p("  v%-3d %s: %s, max %d", i, v.Name, v.Type, v.MaxLen)
			if len(v.Choices) > 0 {
				p(", choices %s", strings.Join(v.Choices, " "))
			}
			p("\n")
		}
	}
	p("texts\n")
	for i, t := range img.Texts {
		p("  t%-3d %s\n", i, t.Context)
		for j, l := range t.Langs {
			lang := "??"
			if j < len(img.Languages) {
				lang = img.Languages[j]
			}
			p("       %s %-11s %s\n", lang, l.Coding, img.textSource(&t, &l))
		}
	}
	p("templates\n")
	for i, t := range img.Templates {
		p("  p%-3d %s (%02X) qualifier %02X to %02X\n", i, cat.CommandType(t.Type), t.Type, t.Qualifier, t.Dest)
		for _, e := range t.Elements {
			var parts []string
			for _, pt := range e.Parts {
				if pt.Text >= 0 {
					parts = append(parts, fmt.Sprintf("t%d", pt.Text))
				} else {
					parts = append(parts, fmt.Sprintf("%X", pt.Lit))
				}
			}
			if len(e.Parts) == 0 {
				parts = append(parts, "(slot)")
			}
			p("       %02X %-22s %s\n", e.Tag, cat.TagName(tlv.Tag(e.Tag&0x7F)), strings.Join(parts, " "))
		}
	}
	if len(img.SMS) > 0 {
		p("sms\n")
		for i, s := range img.SMS {
			p("  s%-3d p%d to %X text t%d", i, s.Template, s.DA, s.Text)
			if s.Concatenate {
				p(" concatenated")
			}
			p("\n")
		}
	}
	menu := func(name string, m Menu) {
		p("  %s p%d\n", name, m.Template)
		for _, it := range m.Items {
			p("       item %d -> %04X", it.ID, it.Entry)
			if it.Help != NoText {
				p(" help t%d", it.Help)
			}
			p("\n")
		}
	}
	p("menus\n")
	menu("main", img.Main)
	for i, m := range img.Menus {
		menu(fmt.Sprintf("m%d", i), m)
	}
	p("code (%d bytes)\n", len(img.Code))
	for pc := 0; pc < len(img.Code); {
		in, err := DecodeInstr(img.Code, pc)
		if err != nil {
			p("  %04X  ?? %v\n", pc, err)
			break
		}
		p("  %04X  %-6s %s\n", pc, in.Op, img.operands(in))
		pc = in.Next()
	}
	return sb.String()
}

func (img *Image) varName(v int) string {
	if v >= 0 && v < len(img.Vars) {
		return img.Vars[v].Name
	}
	return fmt.Sprintf("v%d", v)
}

func (img *Image) operands(in Instr) string {
	a := in.Args
	switch in.Op {
	case OpCmd:
		return fmt.Sprintf("p%d", a[0])
	case OpInput, OpSelect, OpLocal:
		return fmt.Sprintf("p%d -> %s", a[0], img.varName(a[1]))
	case OpInkey:
		if a[1] == 0 {
			return fmt.Sprintf("p%d", a[0])
		}
		return fmt.Sprintf("p%d -> %s", a[0], img.varName(a[1]-1))
	case OpSMS:
		return fmt.Sprintf("s%d", a[0])
	case OpMenu:
		return fmt.Sprintf("m%d", a[0])
	case OpJmp:
		return fmt.Sprintf("%04X", a[0])
	case OpOn:
		return fmt.Sprintf("%s -> %04X", maskString(uint64(a[0])), a[1])
	case OpIfV:
		return fmt.Sprintf("%s %s %s else %04X", img.varName(a[1]), CmpOp(a[0]), img.varName(a[2]), a[3])
	case OpIfL:
		return fmt.Sprintf("%s %s %s else %04X", img.varName(a[1]), CmpOp(a[0]), strconv.Quote(string(in.Lit)), a[2])
	case OpPIN:
		s := fmt.Sprintf("PIN %02X %s", a[0], img.varName(a[1]))
		if a[2] > 0 {
			s += " tries -> " + img.varName(a[2]-1)
		}
		return s
	case OpSign:
		var fs []string
		for _, v := range a[2:] {
			fs = append(fs, img.varName(v))
		}
		key := fmt.Sprintf("k%d", a[0])
		if a[0] < len(img.Keys) {
			key = img.Keys[a[0]].Name
		}
		return fmt.Sprintf("%s [%s] -> %s", key, strings.Join(fs, " "), img.varName(a[1]))
	case OpCount:
		return "-> " + img.varName(a[0])
	}
	return ""
}

// textSource shows a text: fixed texts decoded and quoted, parts with {variables}.
func (img *Image) textSource(t *Text, l *LangText) string {
	if !l.IsParts {
		s, err := img.fixedString(t, l)
		if err != nil {
			return fmt.Sprintf("%X (undecodable: %v)", l.Fixed, err)
		}
		if t.Context == CtxOctets {
			return fmt.Sprintf("%X", l.Fixed)
		}
		return strconv.Quote(s)
	}
	var sb strings.Builder
	for _, p := range l.Parts {
		if p.Var < 0 {
			sb.WriteString(strings.NewReplacer("{", "{{", "}", "}}").Replace(p.Lit))
		} else {
			sb.WriteString("{" + img.varName(p.Var) + "}")
		}
	}
	return strconv.Quote(sb.String())
}
