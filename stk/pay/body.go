package pay

import (
	"bytes"
	"crypto/rsa"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/stkforge/stkforge/stk/check"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/tlv"
)

// Kind is how a part of an SMS body is coded (docs/spec-language.md, "Coding": an 8-bit body
// carries literals in UTF-8, digits as ASCII, text in UTF-8, choices as their id, bytes raw).
type Kind uint8

// Part kinds.
const (
	KindLiteral Kind = iota + 1
	KindDigits
	KindText
	KindChoice
	KindBytes
)

func (k Kind) String() string {
	return [...]string{"", "literal", "digits", "text", "choice", "bytes"}[k]
}

// Part is a literal or a variable of a body template.
type Part struct {
	Kind Kind
	Lit  string // KindLiteral
	Name string // the variable, for the other kinds
	// Len is the fixed length of a bytes variable (a signature: the key's bits/8); 0 for the
	// variable-length kinds.
	Len     int
	Choices []string // KindChoice: the ids it may hold
}

// Format describes one signed payment SMS of a spec: the body template of a send_sms that
// carries a signature, and the sign action that made it.
type Format struct {
	App string // the spec's name, the canonical encoding's app
	To  string // the SMS destination as written
	// Line is the send_sms's line in the spec, to tell several formats apart.
	Line  int
	Parts []Part
	// Signed are the signed variables in the sign action's order: the canonical field order.
	Signed    []string
	Signature string // the variable holding the signature
	Key       string
	Scheme    Scheme
	SigLen    int
}

// Formats finds every send_sms of a checked program whose 8-bit body carries a signature, in
// source order. A body that lacks one of the signed fields cannot be verified by its receiver
// and is an error, as is a body the receiver could not split unambiguously (two variables with
// no literal between them, unless the first has a fixed length).
func Formats(p *check.Program) ([]*Format, error) {
	signs := map[*check.Var]*check.Sign{}
	var sends []*check.SendSMS
	walkProgram(p, func(s check.Step) {
		switch s := s.(type) {
		case *check.Sign:
			if s.Into != nil {
				signs[s.Into] = s
			}
		case *check.SendSMS:
			if s.Body != nil {
				sends = append(sends, s)
			}
		}
	})
	var out []*Format
	for _, s := range sends {
		f, err := format(p, s, signs)
		if err != nil {
			return nil, err
		}
		if f != nil {
			out = append(out, f)
		}
	}
	return out, nil
}

func format(p *check.Program, s *check.SendSMS, signs map[*check.Var]*check.Sign) (*Format, error) {
	lt := s.Body.Langs[0] // a body is one string in every language
	var sign *check.Sign
	f := &Format{App: p.Name, To: s.To, Line: s.Pos.Line}
	for _, pt := range lt.Parts {
		if pt.Var == nil {
			if n := len(f.Parts); n > 0 && f.Parts[n-1].Kind == KindLiteral {
				f.Parts[n-1].Lit += pt.Lit
				continue
			}
			f.Parts = append(f.Parts, Part{Kind: KindLiteral, Lit: pt.Lit})
			continue
		}
		v := pt.Var
		part := Part{Name: v.Name}
		switch v.Type {
		case check.TypeDigits:
			part.Kind = KindDigits
		case check.TypeText:
			part.Kind = KindText
		case check.TypeChoice:
			part.Kind = KindChoice
			part.Choices = v.Choices
		case check.TypeBytes:
			part.Kind = KindBytes
			part.Len = v.MaxLen
			if sg := signs[v]; sg != nil && sg.Key != nil {
				if sign != nil && sign != sg {
					return nil, fmt.Errorf("%s:%d: pay: the body carries two signatures", p.Source.Name, s.Pos.Line)
				}
				sign = sg
				part.Len = sg.Key.SignatureLen()
			}
		default:
			return nil, fmt.Errorf("%s:%d: pay: body variable %q is %s, which an 8-bit body cannot carry", p.Source.Name, s.Pos.Line, v.Name, v.Type)
		}
		f.Parts = append(f.Parts, part)
	}
	if sign == nil {
		return nil, nil
	}
	f.Signature = sign.Into.Name
	f.Key = sign.Key.Name
	f.SigLen = sign.Key.SignatureLen()
	sc, err := ParseScheme(sign.Key.Scheme)
	if err != nil {
		return nil, err
	}
	f.Scheme = sc
	for _, v := range sign.Fields {
		if !slices.ContainsFunc(f.Parts, func(pt Part) bool { return pt.Name == v.Name }) {
			return nil, fmt.Errorf("%s:%d: pay: signed field %q is not in the body, so the receiver cannot rebuild what was signed", p.Source.Name, s.Pos.Line, v.Name)
		}
		f.Signed = append(f.Signed, v.Name)
	}
	for i := 1; i < len(f.Parts); i++ {
		a, b := f.Parts[i-1], f.Parts[i]
		if a.Kind != KindLiteral && b.Kind != KindLiteral && a.Len == 0 {
			return nil, fmt.Errorf("%s:%d: pay: body variables %q and %q have no literal between them; the receiver could not split them", p.Source.Name, s.Pos.Line, a.Name, b.Name)
		}
	}
	return f, nil
}

// walkProgram calls fn for every step of every flow, handlers and branches included.
func walkProgram(p *check.Program, fn func(check.Step)) {
	var block func(b *check.Block)
	block = func(b *check.Block) {
		if b == nil {
			return
		}
		for _, s := range b.Steps {
			fn(s)
			if i, ok := s.(*check.If); ok {
				block(i.Then)
				block(i.Else)
			}
			for _, h := range check.BaseOf(s).On {
				block(h.Flow)
			}
		}
	}
	menus := append([]*check.Menu{p.Main}, p.Menus...)
	for _, m := range menus {
		if m == nil {
			continue
		}
		for _, it := range m.Items {
			block(it.Flow)
		}
	}
}

// Message is a parsed payment SMS body.
type Message struct {
	Format *Format
	// Values are the body's variables in body order, each coded as the canonical encoding
	// codes it (the body's bytes for it).
	Values    []Field
	Signature []byte
}

// Value returns the named variable's value and whether the body had it.
func (m *Message) Value(name string) ([]byte, bool) {
	for _, v := range m.Values {
		if v.Name == name {
			return v.Value, true
		}
	}
	return nil, false
}

// Transaction rebuilds what the card signed: the signed fields in the sign action's order.
func (m *Message) Transaction() *Transaction {
	t := &Transaction{App: m.Format.App}
	for _, name := range m.Format.Signed {
		v, _ := m.Value(name)
		t.Fields = append(t.Fields, Field{Name: name, Value: v})
	}
	return t
}

// Verify rebuilds the canonical bytes and checks the signature with the card's public key.
func (m *Message) Verify(pub *rsa.PublicKey) error {
	c, err := m.Transaction().Canonical()
	if err != nil {
		return err
	}
	return Verify(pub, m.Format.Scheme, c, m.Signature)
}

// Parse splits a received body (the 8-bit user data, concatenated segments joined, headers
// removed) by the format's template. Fixed-length parts at the end (the signature, literals)
// are taken from the end first, so the signature is found by its length whatever its bytes;
// the rest is read from the front, each variable ending where the next literal first occurs.
func (f *Format) Parse(body []byte) (*Message, error) {
	m := &Message{Format: f}
	vals := make([]Field, len(f.Parts))
	end := len(body)
	last := len(f.Parts)
	for last > 0 {
		pt := f.Parts[last-1]
		var n int
		switch {
		case pt.Kind == KindLiteral:
			n = len(pt.Lit)
		case pt.Kind == KindBytes && pt.Len > 0:
			n = pt.Len
		default:
			n = -1
		}
		if n < 0 {
			break
		}
		if n > end {
			return nil, tlv.Errorf(f.path(last-1), 0, "needs %d bytes at the end of the body, %d left", n, end)
		}
		start := end - n
		if pt.Kind == KindLiteral && string(body[start:end]) != pt.Lit {
			return nil, tlv.Errorf(f.path(last-1), start, "want %q, have %q", pt.Lit, body[start:end])
		}
		vals[last-1] = Field{Name: pt.Name, Value: body[start:end:end]}
		end = start
		last--
	}
	off := 0
	for i := 0; i < last; i++ {
		pt := f.Parts[i]
		path := f.path(i)
		switch {
		case pt.Kind == KindLiteral:
			if !bytes.HasPrefix(body[off:end], []byte(pt.Lit)) {
				return nil, tlv.Errorf(path, off, "want %q", pt.Lit)
			}
			off += len(pt.Lit)
			continue
		case pt.Kind == KindBytes && pt.Len > 0:
			if pt.Len > end-off {
				return nil, tlv.Errorf(path, off, "want %d bytes, %d left", pt.Len, end-off)
			}
			vals[i] = Field{Name: pt.Name, Value: body[off : off+pt.Len : off+pt.Len]}
			off += pt.Len
			continue
		}
		stop := end
		if i+1 < last && f.Parts[i+1].Kind == KindLiteral {
			k := bytes.Index(body[off:end], []byte(f.Parts[i+1].Lit))
			if k < 0 {
				return nil, tlv.Errorf(f.path(i+1), off, "literal %q not found", f.Parts[i+1].Lit)
			}
			stop = off + k
		}
		v := body[off:stop:stop]
		if err := checkValue(pt, v); err != "" {
			return nil, tlv.Errorf(path, off, "%s", err)
		}
		vals[i] = Field{Name: pt.Name, Value: v}
		off = stop
	}
	if off != end {
		return nil, tlv.Errorf("body", off, "%d unexpected bytes", end-off)
	}
	for i, pt := range f.Parts {
		if pt.Kind == KindLiteral {
			continue
		}
		if pt.Name == f.Signature {
			m.Signature = vals[i].Value
			continue
		}
		if _, dup := m.Value(pt.Name); dup {
			prev, _ := m.Value(pt.Name)
			if !bytes.Equal(prev, vals[i].Value) {
				return nil, tlv.Errorf(f.path(i), 0, "%q differs from its earlier value in the body", pt.Name)
			}
			continue
		}
		m.Values = append(m.Values, vals[i])
	}
	return m, nil
}

// Build writes a body from the variables' values (what the card sends); Parse(Build(v))
// gives v back for every value Parse can split.
func (f *Format) Build(values map[string][]byte) ([]byte, error) {
	var b []byte
	for i, pt := range f.Parts {
		if pt.Kind == KindLiteral {
			b = append(b, pt.Lit...)
			continue
		}
		v, ok := values[pt.Name]
		if !ok {
			return nil, fmt.Errorf("pay: %s: no value", f.path(i))
		}
		if pt.Kind == KindBytes && pt.Len > 0 && len(v) != pt.Len {
			return nil, fmt.Errorf("pay: %s: %d bytes, want %d", f.path(i), len(v), pt.Len)
		}
		if pt.Kind != KindBytes {
			if err := checkValue(pt, v); err != "" {
				return nil, fmt.Errorf("pay: %s: %s", f.path(i), err)
			}
		}
		b = append(b, v...)
	}
	return b, nil
}

func (f *Format) path(i int) string {
	pt := f.Parts[i]
	if pt.Kind == KindLiteral {
		return fmt.Sprintf("body.parts[%d]", i)
	}
	return "body." + pt.Name
}

// checkValue checks a variable's value against its kind; "" when it is fine.
func checkValue(pt Part, v []byte) string {
	switch pt.Kind {
	case KindDigits:
		if len(v) == 0 {
			return "empty, want digits"
		}
		if i := bytes.IndexFunc(v, func(r rune) bool { return !strings.ContainsRune("0123456789*#+", r) }); i >= 0 {
			return fmt.Sprintf("byte %d (%q) is not a digit", i, v[i])
		}
	case KindText:
		if !utf8.Valid(v) {
			return "not UTF-8"
		}
	case KindChoice:
		if !slices.Contains(pt.Choices, string(v)) {
			return fmt.Sprintf("%q is not one of %s", v, strings.Join(pt.Choices, ", "))
		}
	}
	return ""
}

// FormatsFromImage finds the signed payment SMS of a script image, as Formats does for a
// checked program: for a bank that holds the image it deployed rather than the spec. The
// bodies are the image's 8-bit SMS texts (context octets) carrying a variable that a SIGN
// instruction fills; Line is 0.
func FormatsFromImage(img *image.Image) ([]*Format, error) {
	type signOp struct {
		key, into int
		fields    []int
	}
	signs := map[int]signOp{}
	for pc := 0; pc < len(img.Code); {
		in, err := image.DecodeInstr(img.Code, pc)
		if err != nil {
			return nil, fmt.Errorf("pay: image code: %w", err)
		}
		if in.Op == image.OpSign && len(in.Args) >= 2 {
			signs[in.Args[1]] = signOp{key: in.Args[0], into: in.Args[1], fields: in.Args[2:]}
		}
		pc = in.Next()
	}
	var out []*Format
	for si, s := range img.SMS {
		if s.Text < 0 || s.Text >= len(img.Texts) || img.Texts[s.Text].Context != image.CtxOctets {
			continue
		}
		langs := img.Texts[s.Text].Langs
		if len(langs) == 0 || !langs[0].IsParts {
			continue
		}
		f := &Format{App: img.Name, To: daNumber(s.DA)}
		var sign *signOp
		for _, p := range langs[0].Parts {
			if p.Var < 0 {
				if n := len(f.Parts); n > 0 && f.Parts[n-1].Kind == KindLiteral {
					f.Parts[n-1].Lit += p.Lit
				} else {
					f.Parts = append(f.Parts, Part{Kind: KindLiteral, Lit: p.Lit})
				}
				continue
			}
			if p.Var >= len(img.Vars) {
				return nil, fmt.Errorf("pay: sms %d: variable %d out of range", si, p.Var)
			}
			v := img.Vars[p.Var]
			part := Part{Name: v.Name}
			switch v.Type {
			case image.TypeDigits:
				part.Kind = KindDigits
			case image.TypeText:
				part.Kind = KindText
			case image.TypeChoice:
				part.Kind, part.Choices = KindChoice, v.Choices
			case image.TypeBytes:
				part.Kind, part.Len = KindBytes, v.MaxLen
				if op, ok := signs[p.Var]; ok && op.key < len(img.Keys) {
					op := op
					sign = &op
					part.Len = (img.Keys[op.key].Bits + 7) / 8
				}
			default:
				return nil, fmt.Errorf("pay: sms %d: variable %q is %s, which an 8-bit body cannot carry", si, v.Name, v.Type)
			}
			f.Parts = append(f.Parts, part)
		}
		if sign == nil {
			continue
		}
		k := img.Keys[sign.key]
		f.Signature, f.Key, f.SigLen = img.Vars[sign.into].Name, k.Name, (k.Bits+7)/8
		sc, err := ParseScheme(k.Scheme)
		if err != nil {
			return nil, err
		}
		f.Scheme = sc
		for _, fv := range sign.fields {
			if fv >= len(img.Vars) {
				return nil, fmt.Errorf("pay: sign field %d out of range", fv)
			}
			name := img.Vars[fv].Name
			if !slices.ContainsFunc(f.Parts, func(pt Part) bool { return pt.Name == name }) {
				return nil, fmt.Errorf("pay: sms %d: signed field %q is not in the body, so the receiver cannot rebuild what was signed", si, name)
			}
			f.Signed = append(f.Signed, name)
		}
		out = append(out, f)
	}
	return out, nil
}

// daNumber reads a TP-Destination-Address (TS 23.040 9.1.2.5) back to the number as written:
// "+" for an international number, then the BCD digits (A is *, B is #).
func daNumber(da []byte) string {
	if len(da) < 2 {
		return ""
	}
	var b strings.Builder
	if da[1]&0x70 == 0x10 {
		b.WriteByte('+')
	}
	n := int(da[0])
	for i := 0; i < n && 2+i/2 < len(da); i++ {
		c := da[2+i/2]
		if i%2 == 1 {
			c >>= 4
		}
		b.WriteByte("0123456789*#abcf"[c&0x0F])
	}
	return b.String()
}
