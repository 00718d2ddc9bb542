package cat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/stkforge/stkforge/stk/tlv"
)

var errorf = fmt.Errorf

// JSON decodes a message (proactive command, envelope or terminal response) and returns its
// JSON form, indented. FromJSON is its exact inverse.
func JSON(b []byte) ([]byte, error) {
	m, err := Decode(b)
	if err != nil {
		return nil, err
	}
	o, err := m.jsonObject()
	if err != nil {
		return nil, err
	}
	raw, err := o.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// DecodeHex is `stkforge cat decode`: hex (spaces allowed) in, indented JSON out.
func DecodeHex(s string) ([]byte, error) {
	b, err := ParseHex(s)
	if err != nil {
		return nil, err
	}
	return JSON(b)
}

// EncodeJSON is `stkforge cat encode`: the JSON form in, upper-case hex out.
func EncodeJSON(r io.Reader) (string, error) {
	j, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	b, err := FromJSON(j)
	if err != nil {
		return "", err
	}
	return hexString(b), nil
}

func (m *Message) jsonObject() (*object, error) {
	o := new(object)
	name := m.Name()
	o.set("type", name)
	elems := m.Elements
	switch m.Kind {
	case KindProactiveCommand, KindTerminalResponse:
		d := m.Details()
		ci := commands[d.Type]
		if m.Kind == KindTerminalResponse && ci != nil {
			o.set("command", ci.name)
		}
		o.set("command_number", d.Number)
		o.set("command_type", hexByteString(byte(d.Type)))
		o.set("qualifier", qualifierJSON(ci, d.Qualifier))
		dev := m.Devices()
		o.set("source", dev.Source.String())
		o.set("destination", dev.Destination.String())
		for i, k := range [2]string{"command_details", "device_identities"} {
			if !elems[i].CR {
				o.set(k+"_cr", false)
			}
			if elems[i].ThreeByte {
				o.set(k+"_three_byte", true)
			}
		}
		elems = elems[2:]
	case KindEnvelope:
		if envelopes[m.BERTag] == nil {
			o.set("ber_tag", hexByteString(m.BERTag))
		}
	}
	rules, _, _ := m.rules()
	list := make([]*object, 0, len(elems))
	for i := range elems {
		e := &elems[i]
		eo, err := m.elementJSON(e, rules)
		if err != nil {
			return nil, rename(err, name+"."+elementName(e.Tag))
		}
		list = append(list, eo)
	}
	o.set("elements", list)
	return o, nil
}

// elementJSON renders one element of m; a GET INKEY yes/no answer shows as "answer".
func (m *Message) elementJSON(e *Element, rules []elemRule) (*object, error) {
	if !m.isYesNoAnswer(e) {
		return elementJSON(e, inRules(rules, e.Tag))
	}
	o := new(object)
	o.set("element", "Text string")
	o.set("dcs", "04")
	o.set("answer", map[byte]string{0: "no", 1: "yes"}[e.Value[1]])
	if !e.CR {
		o.set("cr", false)
	}
	return o, nil
}

// isYesNoAnswer reports a GET INKEY yes/no answer in a terminal response: DCS 04 and the
// byte 01 (yes) or 00 (no) (TS 102 223 6.8.2 and 8.15).
func (m *Message) isYesNoAnswer(e *Element) bool {
	d := m.Details()
	return m.Kind == KindTerminalResponse && d.Type == TypeGetInkey && d.Qualifier&GetInkeyYesNo != 0 &&
		e.Tag == TagTextString && len(e.Value) == 2 && e.Value[0] == 0x04 && e.Value[1] <= 1
}

func inRules(rules []elemRule, t tlv.Tag) bool {
	for _, r := range rules {
		if r.tag == t {
			return true
		}
	}
	return false
}

// elementJSON renders one element. A known element whose value does not decode is an error
// when the message defines it (strict), and is shown raw otherwise. When the canonical
// re-encoding of the decoded value differs from the wire bytes, "hex" carries them.
func elementJSON(e *Element, strict bool) (*object, error) {
	o := new(object)
	ti := lookupTag(e.Tag)
	if ti != nil && !e.ThreeByte {
		v := ti.newValue()
		err := v.decodeValue(e.Value)
		if err == nil {
			o.set("element", ti.name)
			v.appendJSON(o)
			if !e.CR {
				o.set("cr", false)
			}
			if !reencodes(ti, o, e.Value) {
				o.set("hex", hexString(e.Value))
			}
			return o, nil
		}
		if strict {
			if te, ok := err.(*tlv.Error); ok {
				return nil, &tlv.Error{Field: "." + te.Field, Offset: e.Offset + headerLen(e) + te.Offset, Msg: te.Msg}
			}
			return nil, err
		}
	}
	o.set("tag", hexTag(e.Tag))
	o.set("cr", e.CR)
	if e.ThreeByte {
		o.set("three_byte", true)
	}
	o.set("data", hexString(e.Value))
	return o, nil
}

// headerLen is the size of an element's tag and length fields.
func headerLen(e *Element) int {
	n := 1
	if e.ThreeByte || e.Tag > 0x7E {
		n = 3
	}
	switch l := len(e.Value); {
	case l > 0xFF:
		return n + 3
	case l > 0x7F:
		return n + 2
	}
	return n + 1
}

// reencodes reports whether the JSON fields in o encode back to exactly want.
func reencodes(ti *tagInfo, o *object, want []byte) bool {
	raw, err := o.MarshalJSON()
	if err != nil {
		return false
	}
	var f fields
	if json.Unmarshal(raw, &f) != nil {
		return false
	}
	v := ti.newValue()
	if v.fromJSON(f) != nil {
		return false
	}
	got, err := v.appendValue(nil)
	return err == nil && bytes.Equal(got, want)
}

// FromJSON encodes the JSON form back to bytes; FromJSON(JSON(b)) == b for every b that
// decodes.
func FromJSON(j []byte) ([]byte, error) {
	var top fields
	if err := json.Unmarshal(j, &top); err != nil {
		return nil, fmt.Errorf("JSON: %v", err)
	}
	typ, err := top.mustStr("type")
	if err != nil {
		return nil, err
	}
	m := new(Message)
	m.Elements = m.inline[:0]
	switch {
	case typ == "TERMINAL RESPONSE":
		m.Kind = KindTerminalResponse
	case typ == "ENVELOPE" || envelopeByName[typ] != 0:
		m.Kind = KindEnvelope
		m.BERTag = envelopeByName[typ]
		if t, ok, err := top.hexByte("ber_tag"); err != nil {
			return nil, err
		} else if ok {
			if m.BERTag != 0 && t != m.BERTag {
				return nil, fmt.Errorf("ber_tag: %02X is not the tag of %s", t, typ)
			}
			m.BERTag = t
		}
		if m.BERTag < 0xD1 || m.BERTag > 0xDF {
			return nil, fmt.Errorf("ber_tag: envelope tag must be D1..DF")
		}
	default:
		m.Kind, m.BERTag = KindProactiveCommand, TagProactiveCommand
		if _, ok := commandTypeByName[typ]; !ok && typ != "PROACTIVE COMMAND" {
			return nil, fmt.Errorf("type: unknown message type %q", typ)
		}
	}
	if m.Kind != KindEnvelope {
		if err := headerFromJSON(m, top, typ); err != nil {
			return nil, err
		}
	}
	var list []fields
	if raw, ok := top["elements"]; ok {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("elements: want a list of objects")
		}
	}
	for i, f := range list {
		e, err := elementFromJSON(f)
		if err != nil {
			return nil, fmt.Errorf("elements[%d]: %v", i, err)
		}
		m.Elements = append(m.Elements, e)
	}
	b, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	if _, err := Decode(b); err != nil { // the encoder emits only what the decoder accepts
		return nil, fmt.Errorf("encoded message does not decode: %v", err)
	}
	return b, nil
}

func headerFromJSON(m *Message, top fields, typ string) error {
	var ct byte
	t, ok, err := top.hexByte("command_type")
	if err != nil {
		return err
	}
	byName, named := commandTypeByName[typ]
	if m.Kind == KindTerminalResponse {
		c, okc, err := top.str("command")
		if err != nil {
			return err
		}
		byName, named = commandTypeByName[c]
		if okc && !named {
			return fmt.Errorf("command: unknown command %q", c)
		}
	}
	switch {
	case ok && named && CommandType(t) != byName:
		return fmt.Errorf("command_type %02X disagrees with %q", t, byName.String())
	case ok:
		ct = t
	case named:
		ct = byte(byName)
	default:
		return fmt.Errorf("command_type: missing")
	}
	num, err := top.mustByte("command_number")
	if err != nil {
		return err
	}
	q, err := qualifierFromJSON(commands[CommandType(ct)], top["qualifier"])
	if err != nil {
		return fmt.Errorf("qualifier: %v", err)
	}
	src, err := top.mustCode("source", deviceNames)
	if err != nil {
		return err
	}
	dst, err := top.mustCode("destination", deviceNames)
	if err != nil {
		return err
	}
	vals := [2][]byte{{num, ct, q}, {src, dst}}
	for i, k := range [2]string{"command_details", "device_identities"} {
		cr, okc, err := top.boolean(k + "_cr")
		if err != nil {
			return err
		}
		tb, _, err := top.boolean(k + "_three_byte")
		if err != nil {
			return err
		}
		m.Elements = append(m.Elements, Element{Tag: tlv.Tag(i + 1), CR: cr || !okc, ThreeByte: tb, Value: vals[i]})
	}
	return nil
}

// elementFromJSON encodes one element. A "hex" is used only while it still decodes to the
// fields given beside it, so an edited element is encoded afresh.
func elementFromJSON(f fields) (Element, error) {
	cr, okc, err := f.boolean("cr")
	if err != nil {
		return Element{}, err
	}
	tb, _, err := f.boolean("three_byte")
	if err != nil {
		return Element{}, err
	}
	e := Element{CR: cr || !okc, ThreeByte: tb}
	name, named, err := f.str("element")
	if err != nil {
		return e, err
	}
	if !named {
		tag, err := f.mustHex("tag")
		if err != nil {
			return e, err
		}
		switch len(tag) {
		case 1:
			e.Tag = tlv.Tag(tag[0] & 0x7F)
		case 2:
			e.Tag = tlv.Tag(uint16(tag[0])<<8|uint16(tag[1])) & 0x7FFF
		default:
			return e, fmt.Errorf("tag: want 2 or 4 hex digits")
		}
		if e.Tag == 0 || (e.Tag == 0x7F && len(tag) == 1) {
			return e, fmt.Errorf("tag: %s is not a COMPREHENSION-TLV tag", hexString(tag))
		}
		e.Value, err = f.mustHex("data")
		return e, err
	}
	tag, ok := tagByName[name]
	if !ok {
		return e, fmt.Errorf("element: unknown element %q", name)
	}
	e.Tag = tag
	ti := lookupTag(tag)
	v := ti.newValue()
	ferr := v.fromJSON(f)
	if raw, ok, err := f.hexBytes("hex"); err != nil {
		return e, err
	} else if ok && ferr == nil && sameJSON(ti, v, raw) {
		e.Value = raw
		return e, nil
	}
	var enc []byte
	if ferr == nil {
		enc, ferr = v.appendValue(nil)
	}
	if ferr == nil {
		// The encoder emits only what the decoder reads back.
		if err := ti.newValue().decodeValue(enc); err != nil {
			ferr = err
		}
	}
	if ferr != nil {
		return e, fmt.Errorf("%s: %v", name, ferr)
	}
	e.Value = enc
	return e, nil
}

// sameJSON reports whether raw decodes to a value whose JSON form equals that of v.
func sameJSON(ti *tagInfo, v Value, raw []byte) bool {
	w := ti.newValue()
	if w.decodeValue(raw) != nil {
		return false
	}
	a, b := new(object), new(object)
	v.appendJSON(a)
	w.appendJSON(b)
	ja, err1 := a.MarshalJSON()
	jb, err2 := b.MarshalJSON()
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}
