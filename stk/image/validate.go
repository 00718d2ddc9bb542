package image

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stkforge/stkforge/stk/cat"
)

// Proactive command types the bytecode sends (TS 102 223 9.4).
const (
	TypeSetUpCall        byte = 0x10
	TypeSendUSSD         byte = 0x12
	TypeSendShortMessage byte = 0x13
	TypeLaunchBrowser    byte = 0x15
	TypePlayTone         byte = 0x20
	TypeDisplayText      byte = 0x21
	TypeGetInkey         byte = 0x22
	TypeGetInput         byte = 0x23
	TypeSelectItem       byte = 0x24
	TypeSetUpMenu        byte = 0x25
	TypeProvideLocalInfo byte = 0x26
)

// cmdOpTypes lists the command types each command instruction may send.
var cmdOpTypes = map[Op][]byte{
	OpCmd:    {TypeDisplayText, TypePlayTone, TypeSetUpCall, TypeLaunchBrowser, TypeSendUSSD},
	OpInput:  {TypeGetInput},
	OpInkey:  {TypeGetInkey},
	OpSelect: {TypeSelectItem},
	OpLocal:  {TypeProvideLocalInfo},
}

var cardData = map[string]bool{"card.iccid": true, "card.imsi": true, "card.msisdn": true}

// validate checks everything Load promises beyond the syntax. Errors carry the field path and
// the offset where that field (or the closest enclosing one) starts in the file; bytecode
// errors point at the instruction.
func validate(img *Image) error {
	bad := func(field, format string, args ...any) error { return img.errAt(field, format, args...) }
	if img.Name == "" || len(img.Name) > 255 {
		return bad("body.name", "%d bytes; 1 to 255", len(img.Name))
	}
	if len(img.Languages) == 0 {
		img.Languages = nil
		return bad("body.languages", "no language")
	}
	for i, l := range img.Languages {
		if len(l) != 2 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz") != "" || slices.Index(img.Languages, l) != i {
			return bad(fmt.Sprintf("body.languages[%d]", i), "%q: want distinct ISO 639-1 codes (two lower-case letters)", l)
		}
	}
	for i := 1; i < len(img.Needs); i++ {
		a, b := img.Needs[i-1], img.Needs[i]
		if a.Type > b.Type || (a.Type == b.Type && a.Qualifier >= b.Qualifier) {
			return bad(fmt.Sprintf("body.needs[%d]", i), "%02X/%02X after %02X/%02X: sorted and unique", b.Type, b.Qualifier, a.Type, a.Qualifier)
		}
	}
	for i, k := range img.Keys {
		f := elem("body.keys", i)
		if k.Name == "" || k.Bits < 1024 || k.Bits > 4096 || k.Bits%8 != 0 {
			return bad(f, "key %q of %d bits: want a name and 1024..4096 bits, a multiple of 8", k.Name, k.Bits)
		}
		if k.Scheme != "pkcs1v15-sha256" && k.Scheme != "pss-sha256" {
			return bad(f+".scheme", "%q: pkcs1v15-sha256 or pss-sha256", k.Scheme)
		}
	}
	for i, v := range img.Vars {
		f := elem("body.vars", i)
		if v.Name == "" || len(v.Name) > 255 || img.Var(v.Name) != i {
			return bad(f+".name", "%q: empty, too long or repeated", v.Name)
		}
		if _, ok := varTypeNames[v.Type]; !ok {
			return bad(f+".type", "%d is not a variable type", v.Type)
		}
		if (v.Type == TypeChoice) != (len(v.Choices) > 0) || len(v.Choices) > 255 {
			return bad(f+".choices", "a choice variable, and only one, lists 1..255 item names")
		}
		if v.MaxLen < 1 || v.MaxLen > 4096 {
			return bad(f+".max_len", "%d: 1..4096", v.MaxLen)
		}
		if strings.HasPrefix(v.Name, "card.") && (!cardData[v.Name] || v.Type != TypeDigits) {
			return bad(f+".name", "%q: card data are card.iccid, card.imsi, card.msisdn (digits)", v.Name)
		}
	}
	for i, t := range img.Texts {
		if err := validateText(img, i, t); err != nil {
			return err
		}
	}
	for i, t := range img.Templates {
		f := elem("body.templates", i)
		if !slices.Contains(img.Needs, Capability{t.Type, t.Qualifier}) {
			return bad(f, "%s qualifier %02X is not in needs", cat.CommandType(t.Type), t.Qualifier)
		}
		for j, e := range t.Elements {
			ef := elem(f+".elements", j)
			switch e.Tag & 0x7F {
			case tagCommandDetails, tagDeviceIdentities:
				return bad(ef+".tag", "%02X: the runtime writes command details and device identities", e.Tag)
			case 0, 0x7F:
				return bad(ef+".tag", "%02X is not a one-byte COMPREHENSION-TLV tag", e.Tag)
			}
			for k, p := range e.Parts {
				if p.Text < 0 {
					continue
				}
				ctx, ok := tagContext(e.Tag)
				if !ok {
					return bad(fmt.Sprintf("%s.parts[%d]", ef, k), "tag %02X takes no text", e.Tag)
				}
				if p.Text >= len(img.Texts) {
					return bad(fmt.Sprintf("%s.parts[%d]", ef, k), "text %d of %d", p.Text, len(img.Texts))
				}
				if img.Texts[p.Text].Context != ctx {
					return bad(fmt.Sprintf("%s.parts[%d]", ef, k), "text %d is %s; tag %02X takes %s", p.Text, img.Texts[p.Text].Context, e.Tag, ctx)
				}
			}
			if len(e.Parts) == 0 && (t.Type != TypeSendShortMessage || e.Tag&0x7F != tagSMSTPDU) {
				return bad(ef, "a slot (no parts) is only the SMS TPDU of SEND SHORT MESSAGE")
			}
		}
	}
	for i, s := range img.SMS {
		f := elem("body.sms", i)
		if s.Template >= len(img.Templates) || img.Templates[s.Template].Type != TypeSendShortMessage {
			return bad(f+".template", "%d is not a SEND SHORT MESSAGE template", s.Template)
		}
		slots := 0
		for _, e := range img.Templates[s.Template].Elements {
			if len(e.Parts) == 0 {
				slots++
			}
		}
		if slots != 1 {
			return bad(f+".template", "the template has %d SMS TPDU slots, want 1", slots)
		}
		if len(s.DA) < 2 || len(s.DA) != 2+(int(s.DA[0])+1)/2 || s.DA[0] > 20 {
			return bad(f+".da", "% X is not a TP-DA address field (digit count, TON/NPI, BCD; TS 23.040 9.1.2.5)", s.DA)
		}
		if s.Text >= len(img.Texts) || (img.Texts[s.Text].Context != CtxSMS && img.Texts[s.Text].Context != CtxOctets) {
			return bad(f+".text", "%d is not an SMS text or octets", s.Text)
		}
	}
	if err := validateMenu(img, "body.main", img.Main, TypeSetUpMenu); err != nil {
		return err
	}
	for i, m := range img.Menus {
		if err := validateMenu(img, elem("body.menus", i), m, TypeSelectItem); err != nil {
			return err
		}
	}
	if err := validateCode(img); err != nil {
		return err
	}
	return validateRendering(img)
}

func validateText(img *Image, i int, t Text) error {
	f := elem("body.texts", i)
	cods, ok := allowed[t.Context]
	if !ok {
		return img.errAt(f+".context", "%d is not a text context", t.Context)
	}
	if len(t.Langs) != len(img.Languages) {
		return img.errAt(f+".langs", "%d versions for %d languages", len(t.Langs), len(img.Languages))
	}
	for j, l := range t.Langs {
		lf := elem(f+".langs", j)
		if !slices.Contains(cods, l.Coding) {
			return img.errAt(lf+".coding", "%s is not allowed in a %s text", l.Coding, t.Context)
		}
		if !l.IsParts {
			if t.Context == CtxSMS || t.Context == CtxUSSD {
				return img.errAt(lf, "a %s text is stored as parts (the card packs it)", t.Context)
			}
			if _, err := img.fixedString(&t, &l); err != nil {
				return img.errAt(lf+".fixed", "does not decode as %s: %v", l.Coding, err)
			}
			continue
		}
		for k, p := range l.Parts {
			if p.Var < 0 {
				continue
			}
			pf := elem(lf+".parts", k)
			if p.Var >= len(img.Vars) {
				return img.errAt(pf, "variable %d of %d", p.Var, len(img.Vars))
			}
			vt := img.Vars[p.Var].Type
			if t.Context != CtxOctets && (vt == TypeBool || vt == TypeBytes) {
				return img.errAt(pf, "variable %q is %s; only an 8-bit body can hold it", img.Vars[p.Var].Name, vt)
			}
		}
	}
	return nil
}

func validateMenu(img *Image, f string, m Menu, want byte) error {
	if m.Template >= len(img.Templates) || img.Templates[m.Template].Type != want {
		return img.errAt(f+".template", "%d is not a %s template", m.Template, cat.CommandType(want))
	}
	t := img.Templates[m.Template]
	var ids []byte
	for _, e := range t.Elements {
		if e.Tag&0x7F == tagItem && len(e.Parts) > 0 && e.Parts[0].Text < 0 && len(e.Parts[0].Lit) > 0 {
			ids = append(ids, e.Parts[0].Lit[0])
		}
	}
	if len(m.Items) != len(ids) {
		return img.errAt(f+".items", "%d entries for the %d items of the template", len(m.Items), len(ids))
	}
	for i, it := range m.Items {
		itf := elem(f+".items", i)
		if it.ID != ids[i] || it.ID == 0 {
			return img.errAt(itf+".id", "item %d, the template has %d there", it.ID, ids[i])
		}
		if it.Entry >= len(img.Code) {
			return img.errAt(itf+".entry", "address %d outside the code (%d bytes)", it.Entry, len(img.Code))
		}
		if it.Help != NoText && (it.Help >= len(img.Texts) || img.Texts[it.Help].Context != CtxTextString) {
			return img.errAt(itf+".help", "%d is not a text string", it.Help)
		}
	}
	return nil
}

func validateCode(img *Image) error {
	starts := map[int]bool{}
	var ins []Instr
	for pc := 0; pc < len(img.Code); {
		in, err := DecodeInstr(img.Code, pc)
		if err != nil {
			return img.codeErr(pc, "%v", err)
		}
		starts[pc] = true
		ins = append(ins, in)
		pc = in.Next()
	}
	bad := func(in Instr, format string, args ...any) error {
		return img.codeErr(in.PC, "pc %d: %s: %s", in.PC, in.Op, fmt.Sprintf(format, args...))
	}
	checkVar := func(in Instr, v int, types ...VarType) error {
		if v < 0 || v >= len(img.Vars) {
			return bad(in, "variable %d of %d", v, len(img.Vars))
		}
		if len(types) > 0 && !slices.Contains(types, img.Vars[v].Type) {
			return bad(in, "variable %q is %s", img.Vars[v].Name, img.Vars[v].Type)
		}
		return nil
	}
	checkAddr := func(in Instr, a int) error {
		if !starts[a] {
			return bad(in, "jump to %d, not an instruction", a)
		}
		return nil
	}
	for _, in := range ins {
		var err error
		a := in.Args
		if types, ok := cmdOpTypes[in.Op]; ok {
			if a[0] >= len(img.Templates) || !slices.Contains(types, img.Templates[a[0]].Type) {
				return bad(in, "template %d is not one of the commands it sends", a[0])
			}
		}
		switch in.Op {
		case OpInput:
			err = checkVar(in, a[1], TypeDigits, TypeText)
		case OpInkey:
			if a[1] > 0 {
				err = checkVar(in, a[1]-1, TypeBool)
			}
		case OpSelect:
			err = checkVar(in, a[1], TypeChoice)
		case OpLocal:
			err = checkVar(in, a[1])
		case OpSMS:
			if a[0] >= len(img.SMS) {
				err = bad(in, "sms %d of %d", a[0], len(img.SMS))
			}
		case OpMenu:
			if a[0] >= len(img.Menus) {
				err = bad(in, "menu %d of %d", a[0], len(img.Menus))
			}
		case OpJmp:
			err = checkAddr(in, a[0])
		case OpOn:
			if a[0] == 0 || a[0] >= 1<<len(outcomeNames) || a[0]&1 != 0 {
				err = bad(in, "mask %X", a[0])
			} else {
				err = checkAddr(in, a[1])
			}
		case OpIfV, OpIfL:
			if !CmpOp(a[0]).valid() {
				return bad(in, "comparison %02X", a[0])
			}
			if err = checkVar(in, a[1]); err == nil && in.Op == OpIfV {
				err = checkVar(in, a[2])
			}
			if err == nil {
				err = checkAddr(in, a[len(a)-1])
			}
		case OpPIN:
			if a[0] > 0xFF {
				err = bad(in, "PIN reference %d", a[0])
			} else if err = checkVar(in, a[1], TypeDigits); err == nil && a[2] > 0 {
				err = checkVar(in, a[2]-1, TypeDigits)
			}
		case OpSign:
			if a[0] >= len(img.Keys) {
				return bad(in, "key %d of %d", a[0], len(img.Keys))
			}
			if err = checkVar(in, a[1], TypeBytes); err == nil && img.Vars[a[1]].MaxLen < img.Keys[a[0]].Bits/8 {
				err = bad(in, "variable %q holds %d bytes; the signature is %d", img.Vars[a[1]].Name, img.Vars[a[1]].MaxLen, img.Keys[a[0]].Bits/8)
			}
			for _, v := range a[2:] {
				if err == nil {
					err = checkVar(in, v)
				}
			}
		case OpCount:
			err = checkVar(in, a[0], TypeDigits)
		}
		if err != nil {
			return err
		}
	}
	for i, m := range append([]Menu{img.Main}, img.Menus...) {
		for _, it := range m.Items {
			if !starts[it.Entry] {
				return img.errAt("body.menus", "menu %d item %d: entry %d is not an instruction", i-1, it.ID, it.Entry)
			}
		}
	}
	return nil
}

// validateRendering renders every template and SMS in every language with worst-case values and
// decodes the result with stk/cat.
func validateRendering(img *Image) error {
	vals := img.WorstCase()
	decode := func(f string, b []byte) error {
		if _, err := cat.UnmarshalCommand(b); err != nil {
			return img.errAt(f, "does not decode with stk/cat: %v", err)
		}
		return nil
	}
	for lang := range img.Languages {
		for i, t := range img.Templates {
			if t.Type == TypeSendShortMessage {
				continue // rendered with its TPDUs below
			}
			f := elem("body.templates", i) + " (" + img.Languages[lang] + ")"
			b, err := img.Command(i, lang, 1, vals, nil)
			if err != nil {
				return img.errAt(f, "worst case: %v", err)
			}
			if err := decode(f, b); err != nil {
				return err
			}
		}
		for i := range img.SMS {
			f := elem("body.sms", i) + " (" + img.Languages[lang] + ")"
			cmds, err := img.SMSCommands(i, lang, vals, 0xFF, func() byte { return 1 })
			if err != nil {
				return img.errAt(f, "worst case: %v", err)
			}
			for j, b := range cmds {
				if err := decode(fmt.Sprintf("%s segment %d", f, j+1), b); err != nil {
					return err
				}
			}
		}
		for i, t := range img.Texts {
			if t.Context == CtxTextString && !t.Langs[lang].IsParts {
				continue
			}
			if t.Context == CtxSMS || t.Context == CtxTextString || t.Context == CtxAlpha || t.Context == CtxUSSD {
				if _, err := img.RenderString(i, lang, vals); err != nil {
					return img.errAt(fmt.Sprintf("body.texts[%d].langs[%d]", i, lang), "worst case: %v", err)
				}
			}
		}
	}
	return nil
}
