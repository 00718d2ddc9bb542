package image

import (
	"encoding/binary"
	"unicode/utf8"
)

// The compact framing of format 2 (docs/image-format.md "Texts and templates"): inside the
// CBOR body, each text and each template is one CBOR byte string in an encoding of its own,
// so the framing costs about what a COMPREHENSION-TLV header costs in the raw command. Its
// integers are unsigned LEB128 varints in their shortest form (as in the bytecode).

// langHeader packs a LangText's first byte: bit 8 set for parts, bits 7-5 the text's context
// (1..5), bits 4-1 its coding (1..7).
func langHeader(ctx Context, l LangText) byte {
	h := byte(ctx)<<4 | byte(l.Coding)&0x0F
	if l.IsParts {
		h |= 0x80
	}
	return h
}

// appendPart writes a literal (even: length×2, then the bytes) or a reference (odd: index×2+1).
func appendLit(b, lit []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(lit))<<1)
	return append(b, lit...)
}

func appendRef(b []byte, i int) []byte { return binary.AppendUvarint(b, uint64(i)<<1|1) }

// appendLangText writes one language of a text: header, then the fixed bytes or the parts.
func appendLangText(b []byte, ctx Context, l LangText) []byte {
	b = append(b, langHeader(ctx, l))
	if !l.IsParts {
		return append(b, l.Fixed...)
	}
	for _, p := range l.Parts {
		if p.Var < 0 {
			b = appendLit(b, []byte(p.Lit))
		} else {
			b = appendRef(b, p.Var)
		}
	}
	return b
}

// textBytes is a text's byte string: its languages in order, each but the last preceded by its
// length (the image's language count tells where the last begins).
func textBytes(t Text) []byte {
	b := []byte{} // never nil: CBOR would write null
	for i, l := range t.Langs {
		one := appendLangText(nil, t.Context, l)
		if i < len(t.Langs)-1 {
			b = binary.AppendUvarint(b, uint64(len(one)))
		}
		b = append(b, one...)
	}
	return b
}

// templateBytes is a template's byte string: type, qualifier and destination device identity
// (one byte each), then per element its tag, the number of parts (0: a slot) and the parts.
func templateBytes(t Template) []byte {
	b := []byte{t.Type, t.Qualifier, t.Dest}
	for _, e := range t.Elements {
		b = append(b, e.Tag)
		b = binary.AppendUvarint(b, uint64(len(e.Parts)))
		for _, p := range e.Parts {
			if p.Text >= 0 {
				b = appendRef(b, p.Text)
			} else {
				b = appendLit(b, p.Lit)
			}
		}
	}
	return b
}

// needsBytes packs capabilities as (type, qualifier) byte pairs.
func needsBytes(cs []Capability) []byte {
	b := make([]byte, 0, 2*len(cs))
	for _, c := range cs {
		b = append(b, c.Type, c.Qualifier)
	}
	return b
}

// creader reads the compact framing inside one CBOR byte string; errors name the field path and
// the offset in the file.
type creader struct {
	b    []byte
	off  int
	base int // file offset of b[0]
	offs map[string]int
}

func (r *creader) pos() int    { return r.base + r.off }
func (r *creader) empty() bool { return r.off >= len(r.b) }

func (r *creader) mark(field string) {
	if r.offs != nil {
		r.offs[field] = r.pos()
	}
}

func (r *creader) byte(field string) (byte, error) {
	if r.off >= len(r.b) {
		return 0, errf(field, r.pos(), "unexpected end of data")
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

// uvarint reads an unsigned LEB128 varint of at most max, in its shortest form.
func (r *creader) uvarint(field string, max uint64) (uint64, error) {
	at := r.pos()
	v, n := binary.Uvarint(r.b[r.off:])
	switch {
	case n == 0:
		return 0, errf(field, at, "unexpected end of data in a varint")
	case n < 0:
		return 0, errf(field, at, "varint overflows 64 bits")
	case n > 1 && r.b[r.off+n-1] == 0:
		return 0, errf(field, at, "varint not in its shortest form")
	}
	if v > max {
		return 0, errf(field, at, "%d is above %d", v, max)
	}
	r.off += n
	return v, nil
}

func (r *creader) bytes(field string, n uint64) ([]byte, error) {
	at := r.pos()
	if n > uint64(len(r.b)-r.off) {
		return nil, errf(field, at, "%d bytes announced, %d left", n, len(r.b)-r.off)
	}
	v := append([]byte{}, r.b[r.off:r.off+int(n)]...)
	r.off += int(n)
	return v, nil
}

// sub splits off the next n bytes as a reader of their own.
func (r *creader) sub(field string, n uint64) (*creader, error) {
	at := r.pos()
	if n > uint64(len(r.b)-r.off) {
		return nil, errf(field, at, "%d bytes announced, %d left", n, len(r.b)-r.off)
	}
	s := &creader{b: r.b[r.off : r.off+int(n)], base: at, offs: r.offs}
	r.off += int(n)
	return s, nil
}

// part reads a literal or a reference; ref is -1 for a literal.
func (r *creader) part(field string) (lit []byte, ref int, err error) {
	x, err := r.uvarint(field, 1<<32)
	if err != nil {
		return nil, 0, err
	}
	if x&1 == 1 {
		if x>>1 > maxList {
			return nil, 0, errf(field, r.pos(), "index %d is above %d", x>>1, maxList)
		}
		return nil, int(x >> 1), nil
	}
	lit, err = r.bytes(field, x>>1)
	return lit, -1, err
}

// readTextBytes decodes a text's byte string for an image of nlang languages.
func readTextBytes(r *creader, f string, nlang int) (Text, error) {
	var t Text
	if r.empty() {
		return t, errf(f, r.pos(), "empty: a text has one language per image language")
	}
	nlang = max(nlang, 1)
	for i := 0; i < nlang; i++ {
		lf := elem(f+".langs", i)
		lr := r
		if i < nlang-1 {
			n, err := r.uvarint(lf+".length", 1<<16)
			if err != nil {
				return t, err
			}
			if lr, err = r.sub(lf, n); err != nil {
				return t, err
			}
		}
		lr.mark(lf)
		h, err := lr.byte(lf + ".header")
		if err != nil {
			return t, err
		}
		ctx := Context(h >> 4 & 0x07)
		if i == 0 {
			t.Context = ctx
		} else if ctx != t.Context {
			return t, errf(lf+".header", lr.pos()-1, "context %s; the text's first language is %s", ctx, t.Context)
		}
		l := LangText{Coding: Coding(h & 0x0F), IsParts: h&0x80 != 0}
		if !l.IsParts {
			l.Fixed = append([]byte{}, lr.b[lr.off:]...)
			lr.off = len(lr.b)
			t.Langs = append(t.Langs, l)
			continue
		}
		for k := 0; !lr.empty(); k++ {
			pf := elem(lf+".parts", k)
			lr.mark(pf)
			at := lr.pos()
			lit, ref, err := lr.part(pf)
			if err != nil {
				return t, err
			}
			if ref >= 0 {
				l.Parts = append(l.Parts, VarPart(ref))
				continue
			}
			if !utf8.Valid(lit) {
				return t, errf(pf, at, "literal is not UTF-8")
			}
			l.Parts = append(l.Parts, LitPart(string(lit)))
		}
		t.Langs = append(t.Langs, l)
	}
	if !r.empty() {
		return t, errf(f, r.pos(), "%d bytes after the last language", len(r.b)-r.off)
	}
	return t, nil
}

// readTemplateBytes decodes a template's byte string.
func readTemplateBytes(r *creader, f string) (Template, error) {
	var t Template
	var hdr [3]byte
	for i, name := range []string{".type", ".qualifier", ".dest"} {
		c, err := r.byte(f + name)
		if err != nil {
			return t, err
		}
		hdr[i] = c
	}
	t.Type, t.Qualifier, t.Dest = hdr[0], hdr[1], hdr[2]
	for i := 0; !r.empty(); i++ {
		ef := elem(f+".elements", i)
		if i == 255 {
			return t, errf(ef, r.pos(), "more than 255 elements")
		}
		r.mark(ef)
		tag, err := r.byte(ef + ".tag")
		if err != nil {
			return t, err
		}
		n, err := r.uvarint(ef+".parts", 255)
		if err != nil {
			return t, err
		}
		e := Element{Tag: tag}
		for j := 0; j < int(n); j++ {
			pf := elem(ef+".parts", j)
			r.mark(pf)
			lit, ref, err := r.part(pf)
			if err != nil {
				return t, err
			}
			if ref >= 0 {
				e.Parts = append(e.Parts, ElemPart{Text: ref})
			} else {
				e.Parts = append(e.Parts, ElemPart{Lit: lit, Text: -1})
			}
		}
		t.Elements = append(t.Elements, e)
	}
	return t, nil
}
