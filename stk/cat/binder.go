package cat

import (
	"github.com/stkforge/stkforge/stk/tlv"
)

// binder walks the fields of a typed message in the order of the spec's table. Decoding, it
// takes each field's element from a decoded Message; encoding, it appends the field as an
// element. One bind method per type thus serves both directions, like a cryptobyte builder and
// reader in one.
type binder struct {
	decoding bool
	name     string
	msg      *Message
	used     []bool
	out      []Element
	buf      []byte // values of the elements put, back to back
	pending  []int  // indexes in out of the elements whose Value lies in buf
	err      error
}

func (b *binder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// needFirst fails when the second of a pair of same-tag fields is set without the first.
func (b *binder) needFirst(second, first bool, secondName, firstName string) {
	if second && !first {
		b.fail(tlv.Errorf(b.name+"."+secondName, -1, "needs %s: same-tag objects are told apart by their order", firstName))
	}
}

// take returns the first element with tag t not taken yet, or nil.
func (b *binder) take(t tlv.Tag) *Element {
	for i := range b.msg.Elements {
		if !b.used[i] && b.msg.Elements[i].Tag == t {
			b.used[i] = true
			return &b.msg.Elements[i]
		}
	}
	return nil
}

func (b *binder) decode(e *Element, v Value) {
	if err := v.decodeValue(e.Value); err != nil {
		path := b.name + "." + elementName(e.Tag)
		if te, ok := err.(*tlv.Error); ok {
			b.fail(&tlv.Error{Field: path + "." + te.Field, Offset: e.Offset + headerLen(e) + te.Offset, Msg: te.Msg})
			return
		}
		b.fail(tlv.Errorf(path, e.Offset, "%v", err))
	}
}

// put appends v's value to the shared buffer; encodeBound points the elements into it once
// the buffer has stopped growing (Element.Offset holds the value's start meanwhile).
func (b *binder) put(t tlv.Tag, v Value) {
	start := len(b.buf)
	buf, err := v.appendValue(b.buf)
	if err != nil {
		b.fail(tlv.Errorf(b.name+"."+elementName(t), -1, "%v", err))
		return
	}
	b.buf = buf
	b.out = append(b.out, Element{Tag: t, CR: true, Offset: start, Value: buf[start:len(buf):len(buf)]})
	b.pending = append(b.pending, len(b.out)-1)
}

type valuePtr[T any] interface {
	*T
	Value
}

// req binds a field the message must carry.
func req[T any, P valuePtr[T]](b *binder, t tlv.Tag, p *T) {
	if !b.decoding {
		b.put(t, P(p))
		return
	}
	e := b.take(t)
	if e == nil {
		b.fail(tlv.Errorf(b.name+"."+elementName(t), -1, "missing"))
		return
	}
	b.decode(e, P(p))
}

// opt binds an optional field; nil means absent.
func opt[T any, P valuePtr[T]](b *binder, t tlv.Tag, p **T) {
	if !b.decoding {
		if *p != nil {
			b.put(t, P(*p))
		}
		return
	}
	if e := b.take(t); e != nil {
		v := new(T)
		b.decode(e, P(v))
		*p = v
	}
}

// list binds a field that may repeat (items, provisioning files).
func list[T any, P valuePtr[T]](b *binder, t tlv.Tag, p *[]T) {
	if !b.decoding {
		for i := range *p {
			b.put(t, P(&(*p)[i]))
		}
		return
	}
	n := 0
	for i := range b.msg.Elements {
		if !b.used[i] && b.msg.Elements[i].Tag == t {
			n++
		}
	}
	if n == 0 {
		return
	}
	*p = make([]T, n)
	for i := range *p {
		b.decode(b.take(t), P(&(*p)[i]))
	}
}

// flag binds an object without value (help request, immediate response).
func flag(b *binder, t tlv.Tag, p *bool) {
	if !b.decoding {
		if *p {
			b.out = append(b.out, Element{Tag: t, CR: true, Value: []byte{}})
		}
		return
	}
	if e := b.take(t); e != nil {
		if len(e.Value) != 0 {
			b.fail(tlv.Errorf(b.name+"."+elementName(t)+".length", e.Offset, "must be 0"))
		}
		*p = true
	}
}

// rest binds the elements no field took (unknown elements without CR) and, encoding, appends
// them after the defined ones.
func rest(b *binder, p *[]Element) {
	if !b.decoding {
		b.out = append(b.out, *p...)
		return
	}
	for i := range b.msg.Elements {
		if !b.used[i] {
			b.used[i] = true
			*p = append(*p, b.msg.Elements[i])
		}
	}
}

// bound is a typed message: a bind method and where it lives.
type bound interface {
	bind(*binder)
}

// decodeBound checks m with the message rules, then lets t take its fields; header counts
// the leading elements (command details, device identities) already consumed.
func decodeBound(m *Message, t bound, header int) error {
	b := &binder{decoding: true, name: m.Name(), msg: m, used: make([]bool, len(m.Elements))}
	for i := 0; i < header && i < len(b.used); i++ {
		b.used[i] = true
	}
	t.bind(b)
	if b.err != nil {
		if te, ok := b.err.(*tlv.Error); ok && te.Offset < 0 {
			te.Offset = 0 // a missing field: point past the last element
			if n := len(m.Elements); n > 0 {
				e := &m.Elements[n-1]
				te.Offset = e.Offset + headerLen(e) + len(e.Value)
			}
		}
	}
	return b.err
}

// encodeBound builds the Message of t with the given header elements in front.
func encodeBound(name string, kind Kind, berTag byte, header []Element, t bound) (*Message, error) {
	m := &Message{Kind: kind, BERTag: berTag}
	b := &binder{name: name, out: append(m.inline[:0], header...), buf: make([]byte, 0, 256)}
	t.bind(b)
	if b.err != nil {
		if te, ok := b.err.(*tlv.Error); ok && te.Offset < 0 {
			te.Offset = 0
		}
		return nil, b.err
	}
	for _, i := range b.pending {
		e := &b.out[i]
		end := e.Offset + len(e.Value)
		e.Value, e.Offset = b.buf[e.Offset:end:end], 0
	}
	m.Elements = b.out
	return m, nil
}
