package tlv

import "fmt"

// Builder appends TLV encodings to a buffer. Nested objects are written by callbacks, and their
// lengths (including the 81 xx and 82 xxxx forms) are filled in when the callback returns, so no
// caller computes a length by hand. The first error sticks and is returned by Bytes.
type Builder struct {
	buf []byte
	err error
}

// NewBuilder returns a Builder that appends to buf (which may be nil).
func NewBuilder(buf []byte) *Builder { return &Builder{buf: buf} }

// Bytes returns the encoding, or the first error met while building.
func (b *Builder) Bytes() ([]byte, error) {
	if b.err != nil {
		return nil, b.err
	}
	return b.buf, nil
}

// Err returns the first error met while building.
func (b *Builder) Err() error { return b.err }

// SetError records err (the first one wins) so that Bytes fails.
func (b *Builder) SetError(err error) {
	if b.err == nil {
		b.err = err
	}
}

// Len is the number of bytes written so far.
func (b *Builder) Len() int { return len(b.buf) }

// AddBytes appends raw bytes.
func (b *Builder) AddBytes(v ...byte) {
	if b.err == nil {
		b.buf = append(b.buf, v...)
	}
}

// AddUint8 appends one byte.
func (b *Builder) AddUint8(v byte) {
	if b.err == nil {
		b.buf = append(b.buf, v)
	}
}

// AddUint16 appends v big-endian.
func (b *Builder) AddUint16(v uint16) {
	if b.err == nil {
		b.buf = append(b.buf, byte(v>>8), byte(v))
	}
}

// AddBER appends a BER-TLV with a one-byte tag (D0 proactive command, D1..D7 envelopes) whose
// value the callback writes.
func (b *Builder) AddBER(tag byte, f func(*Builder)) {
	if b.err != nil {
		return
	}
	b.buf = append(b.buf, tag)
	b.addLengthPrefixed(f)
}

// AddCTLV appends a COMPREHENSION-TLV in its one-byte tag form when tag fits (01..7E) and in the
// three-byte 7F form otherwise.
func (b *Builder) AddCTLV(tag Tag, cr bool, f func(*Builder)) {
	b.addCTLV(tag, cr, false, f)
}

// AddCTLVBytes appends a COMPREHENSION-TLV whose value is v.
func (b *Builder) AddCTLVBytes(tag Tag, cr bool, v []byte) {
	b.addCTLV(tag, cr, false, func(b *Builder) { b.AddBytes(v...) })
}

// AddObject appends o exactly as it was read, keeping its tag form and CR bit.
func (b *Builder) AddObject(o CTLV) {
	b.addCTLV(o.Tag, o.CR, o.ThreeByte, func(b *Builder) { b.AddBytes(o.Value...) })
}

func (b *Builder) addCTLV(tag Tag, cr, threeByte bool, f func(*Builder)) {
	if b.err != nil {
		return
	}
	switch {
	case tag == 0 || tag > 0x7FFF:
		b.err = fmt.Errorf("tlv: tag %04X cannot be encoded", uint16(tag))
		return
	case tag <= 0x7E && !threeByte:
		t := byte(tag)
		if cr {
			t |= CRBit
		}
		b.buf = append(b.buf, t)
	default:
		t := uint16(tag)
		if cr {
			t |= 0x8000
		}
		b.buf = append(b.buf, 0x7F, byte(t>>8), byte(t))
	}
	b.addLengthPrefixed(f)
}

// addLengthPrefixed reserves one length byte, lets f write the value in place, then widens the
// length to 81 xx or 82 xxxx if the value turned out longer than 127 bytes.
func (b *Builder) addLengthPrefixed(f func(*Builder)) {
	at := len(b.buf)
	b.buf = append(b.buf, 0)
	f(b)
	if b.err != nil {
		return
	}
	n := len(b.buf) - at - 1
	switch {
	case n <= 0x7F:
		b.buf[at] = byte(n)
	case n <= 0xFF:
		b.buf = append(b.buf, 0)
		copy(b.buf[at+2:], b.buf[at+1:len(b.buf)-1])
		b.buf[at], b.buf[at+1] = 0x81, byte(n)
	case n <= 0xFFFF:
		b.buf = append(b.buf, 0, 0)
		copy(b.buf[at+3:], b.buf[at+1:len(b.buf)-2])
		b.buf[at], b.buf[at+1], b.buf[at+2] = 0x82, byte(n>>8), byte(n)
	default:
		b.err = fmt.Errorf("tlv: value of %d bytes exceeds 65535", n)
	}
}
