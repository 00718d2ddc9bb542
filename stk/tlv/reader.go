package tlv

// Reader reads TLVs from a byte slice. Offsets in its errors count from the start of the
// outermost slice, so a nested Reader (from Sub) still reports positions in the whole message.
type Reader struct {
	data []byte
	off  int // read position in data
	base int // offset of data[0] in the outermost message
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader { return &Reader{data: b} }

// NewReaderAt returns a Reader over b whose errors count offsets from base.
func NewReaderAt(b []byte, base int) *Reader { return &Reader{data: b, base: base} }

// Empty reports whether everything has been read.
func (r *Reader) Empty() bool { return r.off >= len(r.data) }

// Offset is the absolute offset of the next byte to read.
func (r *Reader) Offset() int { return r.base + r.off }

// Remaining returns the bytes not yet read, without consuming them.
func (r *Reader) Remaining() []byte { return r.data[r.off:] }

// ReadBER reads one BER-TLV with a one-byte tag and returns its tag, its value, and the absolute
// offset of the value.
func (r *Reader) ReadBER(field string) (tag byte, value []byte, valueOff int, err error) {
	start := r.off
	if r.off >= len(r.data) {
		return 0, nil, 0, Errorf(field+".tag", r.Offset(), "missing")
	}
	tag = r.data[r.off]
	if tag == 0x00 || tag == 0xFF {
		return 0, nil, 0, Errorf(field+".tag", r.Offset(), "invalid BER-TLV tag %02X", tag)
	}
	r.off++
	value, err = r.readValue(field)
	if err != nil {
		r.off = start
		return 0, nil, 0, err
	}
	return tag, value, r.Offset() - len(value), nil
}

// PeekTag returns the COMPREHENSION-TLV tag at the read position without consuming it.
func (r *Reader) PeekTag() (tag Tag, cr bool, ok bool) {
	if r.off >= len(r.data) {
		return 0, false, false
	}
	t := r.data[r.off]
	if t == 0x7F {
		if r.off+2 >= len(r.data) {
			return 0, false, false
		}
		v := uint16(r.data[r.off+1])<<8 | uint16(r.data[r.off+2])
		return Tag(v & 0x7FFF), v&0x8000 != 0, true
	}
	return Tag(t & 0x7F), t&CRBit != 0, true
}

// ReadCTLV reads one COMPREHENSION-TLV. field names the enclosing object in errors.
func (r *Reader) ReadCTLV(field string, o *CTLV) error {
	start := r.off
	if r.off >= len(r.data) {
		return Errorf(field+".tag", r.Offset(), "missing")
	}
	t := r.data[r.off]
	switch t {
	case 0x00, 0x80, 0xFF:
		return Errorf(field+".tag", r.Offset(), "invalid COMPREHENSION-TLV tag %02X", t)
	case 0x7F:
		if len(r.data)-r.off < 3 {
			return Errorf(field+".tag", r.Offset(), "three-byte tag truncated")
		}
		v := uint16(r.data[r.off+1])<<8 | uint16(r.data[r.off+2])
		if v&0x7FFF == 0 {
			return Errorf(field+".tag", r.Offset(), "invalid three-byte tag 7F%04X", v)
		}
		*o = CTLV{Tag: Tag(v & 0x7FFF), CR: v&0x8000 != 0, ThreeByte: v&0x7FFF <= 0x7E}
		r.off += 3
	default:
		*o = CTLV{Tag: Tag(t & 0x7F), CR: t&CRBit != 0}
		r.off++
	}
	v, err := r.readValue(field)
	if err != nil {
		r.off = start
		return err
	}
	o.Value = v
	return nil
}

// readValue reads a BER length at the read position and then that many value bytes.
func (r *Reader) readValue(field string) ([]byte, error) {
	lenOff := r.Offset()
	if r.off >= len(r.data) {
		return nil, Errorf(field+".length", lenOff, "missing")
	}
	n := int(r.data[r.off])
	r.off++
	switch {
	case n <= 0x7F:
	case n == 0x81:
		if r.off >= len(r.data) {
			return nil, Errorf(field+".length", lenOff, "81 form truncated")
		}
		n = int(r.data[r.off])
		r.off++
		if n < 0x80 {
			return nil, Errorf(field+".length", lenOff, "non-minimal length 81 %02X", n)
		}
	case n == 0x82:
		if len(r.data)-r.off < 2 {
			return nil, Errorf(field+".length", lenOff, "82 form truncated")
		}
		n = int(r.data[r.off])<<8 | int(r.data[r.off+1])
		r.off += 2
		if n < 0x100 {
			return nil, Errorf(field+".length", lenOff, "non-minimal length 82 %04X", n)
		}
	default:
		return nil, Errorf(field+".length", lenOff, "invalid length byte %02X", n)
	}
	if len(r.data)-r.off < n {
		return nil, Errorf(field+".value", r.Offset(), "needs %d bytes, %d left", n, len(r.data)-r.off)
	}
	v := r.data[r.off : r.off+n : r.off+n]
	r.off += n
	return v, nil
}
