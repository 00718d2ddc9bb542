package image

import "unicode/utf8"

// reader reads the subset of CBOR the format uses (RFC 8949): unsigned integers, byte and text
// strings, arrays, maps, one tag, false, true and null, all in the core deterministic form
// (shortest heads, definite lengths). It says where it failed: the field path and the offset
// in the file.
type reader struct {
	b    []byte
	off  int
	base int // offset of b[0] in the file
	// offs records where each list element and body field starts, by field path, so that
	// validation errors found after decoding still name a byte offset.
	offs map[string]int
}

// mark records that field starts at the current position.
func (r *reader) mark(field string) {
	if r.offs != nil {
		r.offs[field] = r.pos()
	}
}

const (
	majUint  = 0
	majBytes = 2
	majText  = 3
	majArray = 4
	majMap   = 5
	majTag   = 6
	majOther = 7
)

var majorNames = [...]string{"unsigned integer", "negative integer", "byte string", "text string", "array", "map", "tag", "simple value"}

func (r *reader) pos() int { return r.base + r.off }

// head reads an item head: major type and argument; it refuses indefinite lengths and
// non-shortest arguments.
func (r *reader) head(field string) (major byte, arg uint64, err error) {
	at := r.pos()
	if r.off >= len(r.b) {
		return 0, 0, errf(field, at, "unexpected end of data")
	}
	ib := r.b[r.off]
	major, ai := ib>>5, ib&0x1F
	r.off++
	var n int
	switch {
	case ai < 24:
		return major, uint64(ai), nil
	case ai == 24:
		n = 1
	case ai == 25:
		n = 2
	case ai == 26:
		n = 4
	case ai == 27:
		n = 8
	default:
		return 0, 0, errf(field, at, "%s with additional information %d (indefinite or reserved): not core deterministic CBOR", majorNames[major], ai)
	}
	if r.off+n > len(r.b) {
		return 0, 0, errf(field, at, "unexpected end of data in a %s head", majorNames[major])
	}
	var v uint64
	for _, c := range r.b[r.off : r.off+n] {
		v = v<<8 | uint64(c)
	}
	r.off += n
	if major == majOther {
		return 0, 0, errf(field, at, "float or simple value %d not used by the format", v)
	}
	if (n == 1 && v < 24) || (n == 2 && v <= 0xFF) || (n == 4 && v <= 0xFFFF) || (n == 8 && v <= 0xFFFFFFFF) {
		return 0, 0, errf(field, at, "argument %d not in its shortest form: not core deterministic CBOR", v)
	}
	return major, v, nil
}

func (r *reader) want(field string, major byte) (uint64, error) {
	at := r.pos()
	m, v, err := r.head(field)
	if err != nil {
		return 0, err
	}
	if m != major {
		return 0, errf(field, at, "%s, want %s", majorNames[m], majorNames[major])
	}
	return v, nil
}

func (r *reader) uint(field string, max uint64) (int, error) {
	at := r.pos()
	v, err := r.want(field, majUint)
	if err != nil {
		return 0, err
	}
	if v > max {
		return 0, errf(field, at, "%d is above %d", v, max)
	}
	return int(v), nil
}

func (r *reader) bytes(field string) ([]byte, int, error) {
	at := r.pos()
	n, err := r.want(field, majBytes)
	if err != nil {
		return nil, at, err
	}
	return r.payload(field, at, n)
}

func (r *reader) payload(field string, at int, n uint64) ([]byte, int, error) {
	if n > uint64(len(r.b)-r.off) {
		return nil, at, errf(field, at, "%d bytes announced, %d left", n, len(r.b)-r.off)
	}
	v := r.b[r.off : r.off+int(n)]
	start := r.pos()
	r.off += int(n)
	return append([]byte{}, v...), start, nil
}

func (r *reader) text(field string) (string, error) {
	at := r.pos()
	n, err := r.want(field, majText)
	if err != nil {
		return "", err
	}
	v, _, err := r.payload(field, at, n)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(v) {
		return "", errf(field, at, "text string is not UTF-8")
	}
	return string(v), nil
}

// array reads an array head with between min and max elements.
func (r *reader) array(field string, min, max int) (int, error) {
	at := r.pos()
	n, err := r.want(field, majArray)
	if err != nil {
		return 0, err
	}
	if n < uint64(min) || n > uint64(max) {
		if min == max {
			return 0, errf(field, at, "array of %d elements, want %d", n, min)
		}
		return 0, errf(field, at, "array of %d elements, want %d to %d", n, min, max)
	}
	return int(n), nil
}

// peek reports the major type of the next item.
func (r *reader) peek() (byte, bool) {
	if r.off >= len(r.b) {
		return 0, false
	}
	return r.b[r.off] >> 5, true
}

// null reads a null when one comes next.
func (r *reader) null() bool {
	if r.off < len(r.b) && r.b[r.off] == 0xF6 {
		r.off++
		return true
	}
	return false
}

func (r *reader) bool(field string) (bool, error) {
	if r.off < len(r.b) {
		switch r.b[r.off] {
		case 0xF4:
			r.off++
			return false, nil
		case 0xF5:
			r.off++
			return true, nil
		}
	}
	return false, errf(field, r.pos(), "want true or false")
}

// compact reads a byte string holding compact framing (docs/image-format.md "Texts and
// templates") and returns a reader over its content.
func (r *reader) compact(field string) (*creader, error) {
	b, at, err := r.bytes(field)
	if err != nil {
		return nil, err
	}
	return &creader{b: b, base: at, offs: r.offs}, nil
}
