package cat

import (
	"github.com/stkforge/stkforge/stk/tlv"
)

// Kind says what a message is.
type Kind uint8

// Message kinds.
const (
	KindProactiveCommand Kind = iota + 1 // BER-TLV D0 (TS 102 223 6.6)
	KindEnvelope                         // BER-TLV D1..DF (TS 102 223 clause 7)
	KindTerminalResponse                 // bare COMPREHENSION-TLVs (TS 102 223 6.8)
)

// Element is one COMPREHENSION-TLV as it was on the wire: tag, CR bit, tag form and a value
// that slices into the decoded input (nothing is copied).
type Element struct {
	Tag       tlv.Tag
	CR        bool
	ThreeByte bool
	Offset    int // of the tag, from the start of the message
	Value     []byte
}

// Message is a proactive command, envelope or terminal response as an ordered list of its
// elements. It re-encodes to exactly the bytes it was decoded from: element order, CR bits and
// unknown elements without CR are all kept. For a proactive command and a terminal response,
// Elements[0] is the command details and Elements[1] the device identities.
type Message struct {
	Kind     Kind
	BERTag   byte // D0 proactive command, D1..DF envelope, 0 for a terminal response
	Elements []Element
	inline   [16]Element // backing array for Elements, so decoding allocates once
}

// Decode decodes a proactive command (D0), an envelope (D1..DF) or a terminal response (first
// byte 01 or 81, the command details), telling them apart by the first byte.
func Decode(b []byte) (*Message, error) {
	m := new(Message)
	if err := m.Unmarshal(b); err != nil {
		return nil, err
	}
	return m, nil
}

// Details returns the command details of a proactive command or terminal response.
func (m *Message) Details() CommandDetails {
	if m.Kind == KindEnvelope || len(m.Elements) == 0 || len(m.Elements[0].Value) != 3 {
		return CommandDetails{}
	}
	v := m.Elements[0].Value
	return CommandDetails{v[0], CommandType(v[1]), v[2]}
}

// Devices returns the first device identities element.
func (m *Message) Devices() DeviceIdentities {
	if e := m.Find(TagDeviceIdentities); e != nil && len(e.Value) == 2 {
		return DeviceIdentities{Device(e.Value[0]), Device(e.Value[1])}
	}
	return DeviceIdentities{}
}

// Find returns the first element with tag t, or nil.
func (m *Message) Find(t tlv.Tag) *Element {
	for i := range m.Elements {
		if m.Elements[i].Tag == t {
			return &m.Elements[i]
		}
	}
	return nil
}

// Name is the message's name as the spec spells it: the command ("DISPLAY TEXT"), "TERMINAL
// RESPONSE", or the envelope ("MENU SELECTION"); "PROACTIVE COMMAND" and "ENVELOPE" for types
// this package does not know.
func (m *Message) Name() string {
	switch m.Kind {
	case KindProactiveCommand:
		if c := commands[m.Details().Type]; c != nil {
			return c.name
		}
		return "PROACTIVE COMMAND"
	case KindTerminalResponse:
		return "TERMINAL RESPONSE"
	case KindEnvelope:
		if e := envelopes[m.BERTag]; e != nil {
			return e.name
		}
		return "ENVELOPE"
	}
	return "message"
}

// Unmarshal decodes b into m, replacing what m held.
func (m *Message) Unmarshal(b []byte) error {
	els := m.Elements[:0]
	if cap(els) < len(m.inline) {
		els = m.inline[:0]
	}
	m.Kind, m.BERTag, m.Elements = 0, 0, els
	if len(b) == 0 {
		return tlv.Errorf("message", 0, "empty")
	}
	body, base, trailing := b, 0, 0
	switch first := b[0]; {
	case first >= 0xD0 && first <= 0xDF:
		m.BERTag = first
		m.Kind = KindEnvelope
		if first == TagProactiveCommand {
			m.Kind = KindProactiveCommand
		}
		r := tlv.NewReader(b)
		_, v, off, err := r.ReadBER("")
		if err != nil {
			return rename(err, m.Name())
		}
		body, base = v, off
		trailing = len(r.Remaining())
	case first&0x7F == byte(TagCommandDetails):
		m.Kind = KindTerminalResponse
	default:
		return tlv.Errorf("message", 0, "first byte %02X is neither a BER-TLV tag (D0..DF) nor command details (01/81)", first)
	}
	r := tlv.NewReaderAt(body, base)
	for !r.Empty() {
		off := r.Offset()
		var o tlv.CTLV
		if err := r.ReadCTLV("", &o); err != nil {
			name := "element"
			if t, _, ok := r.PeekTag(); ok {
				name = elementName(t)
			}
			return rename(err, m.Name()+"."+name)
		}
		m.Elements = append(m.Elements, Element{o.Tag, o.CR, o.ThreeByte, off, o.Value})
	}
	if err := m.check(base + len(body)); err != nil {
		return err
	}
	if trailing > 0 {
		return tlv.Errorf(m.Name(), base+len(body), "%d bytes after the BER-TLV", trailing)
	}
	return nil
}

// rename puts path in front of the field of a *tlv.Error from the reader.
func rename(err error, path string) error {
	if e, ok := err.(*tlv.Error); ok {
		return &tlv.Error{Field: path + e.Field, Offset: e.Offset, Msg: e.Msg}
	}
	return err
}

func elementName(t tlv.Tag) string {
	if n := TagName(t); n != "" {
		return n
	}
	return "element " + hexTag(t)
}

// wireTag is the tag as it was on the wire, CR bit included.
func wireTag(e *Element) string {
	if e.ThreeByte || e.Tag > 0x7E {
		t := uint16(e.Tag)
		if e.CR {
			t |= 0x8000
		}
		return "7F" + hexByteString(byte(t>>8)) + hexByteString(byte(t))
	}
	t := byte(e.Tag)
	if e.CR {
		t |= 0x80
	}
	return hexByteString(t)
}

func hexTag(t tlv.Tag) string {
	if t <= 0x7F {
		return hexByteString(byte(t))
	}
	return hexByteString(byte(t>>8)) + hexByteString(byte(t))
}

// rules returns the element rules of m, the number of leading header elements they skip, and
// whether unknown elements are checked at all (not for command types this package does not
// know).
func (m *Message) rules() (rules []elemRule, header int, known bool) {
	switch m.Kind {
	case KindProactiveCommand:
		if c := commands[m.Details().Type]; c != nil {
			return c.rules, 2, true
		}
		return nil, 2, false
	case KindTerminalResponse:
		return trRules, 2, true
	case KindEnvelope:
		if e := envelopes[m.BERTag]; e != nil {
			return e.rules, 0, true
		}
	}
	return nil, 0, false
}

// check applies the structure of TS 102 223 to the elements: command details and device
// identities first, no unknown element with CR set, no duplicates where one is allowed, every
// required element present, and the fixed lengths of known elements.
func (m *Message) check(end int) error {
	name := m.Name()
	if m.Kind != KindEnvelope {
		for i, t := range [2]tlv.Tag{TagCommandDetails, TagDeviceIdentities} {
			if len(m.Elements) <= i {
				return tlv.Errorf(name+"."+TagName(t), end, "missing")
			}
			e := &m.Elements[i]
			if e.Tag != t {
				return tlv.Errorf(name+"."+TagName(t), e.Offset, "missing: element %d is %s", i+1, elementName(e.Tag))
			}
			if err := checkLength(name, e); err != nil {
				return err
			}
		}
		name = m.Name() // now that the command type is known
	}
	rules, header, known := m.rules()
	var counts [32]uint8 // rule tables stay under 32 entries (TestRuleTablesFit)
	for i := header; i < len(m.Elements); i++ {
		e := &m.Elements[i]
		k := -1
		for j := range rules {
			if rules[j].tag == e.Tag {
				k = j
				break
			}
		}
		if k < 0 {
			if e.CR && known {
				return tlv.Errorf(name+"."+elementName(e.Tag), e.Offset, "tag %s not understood in a %s and comprehension required", wireTag(e), name)
			}
			continue
		}
		counts[k]++
		if rules[k].max != 0 && counts[k] > rules[k].max {
			return tlv.Errorf(name+"."+elementName(e.Tag), e.Offset, "more than %d", rules[k].max)
		}
		if err := checkLength(name, e); err != nil {
			return err
		}
	}
	if m.BERTag == TagEventDownload {
		// TS 102 223 7.5: the event list of an EVENT DOWNLOAD holds exactly one event.
		if e := m.Find(TagEventList); e != nil && len(e.Value) != 1 {
			return tlv.Errorf(name+".Event list.length", e.Offset, "is %d, must be 1", len(e.Value))
		}
	}
	for j, r := range rules {
		if r.required && counts[j] == 0 {
			return tlv.Errorf(name+"."+elementName(r.tag), end, "missing")
		}
	}
	return nil
}

func checkLength(name string, e *Element) error {
	ti := lookupTag(e.Tag)
	if ti == nil {
		return nil
	}
	if n := len(e.Value); n < ti.min || (ti.max >= 0 && n > ti.max) {
		if ti.min == ti.max {
			return tlv.Errorf(name+"."+ti.name+".length", e.Offset, "is %d, must be %d", n, ti.min)
		}
		return tlv.Errorf(name+"."+ti.name+".length", e.Offset, "is %d, out of range", n)
	}
	return nil
}

// Marshal encodes m.
func (m *Message) Marshal() ([]byte, error) {
	n := 0
	for i := range m.Elements {
		n += 5 + len(m.Elements[i].Value)
	}
	return m.AppendMarshal(make([]byte, 0, n+4))
}

// AppendMarshal appends the encoding of m to dst.
func (m *Message) AppendMarshal(dst []byte) ([]byte, error) {
	b := tlv.NewBuilder(dst)
	body := func(b *tlv.Builder) {
		for i := range m.Elements {
			e := &m.Elements[i]
			b.AddObject(tlv.CTLV{Tag: e.Tag, CR: e.CR, ThreeByte: e.ThreeByte, Value: e.Value})
		}
	}
	if m.Kind == KindTerminalResponse {
		body(b)
	} else {
		b.AddBER(m.BERTag, body)
	}
	return b.Bytes()
}
