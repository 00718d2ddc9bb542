package text

import "unicode/utf8"

// Escape is the septet that switches to the extension table for the next septet
// (TS 23.038 6.2.1.1).
const Escape = 0x1B

// CR is the carriage return septet, also the filler of packed texts (TS 23.038 6.1.2.3.1).
const CR = 0x0D

// gsmBasicChars is the GSM 7-bit default alphabet (TS 23.038 6.2.1) in septet order. Position
// 1B is the escape to the extension table and never decodes to a character. 09 is the capital
// C cedilla the table shows; the small ç is therefore not representable.
const gsmBasicChars = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtChars is the default alphabet extension table (TS 23.038 6.2.1.1): septet after 1B ->
// character. The other codes are reserved (1B 0D is CR2, 1B 1B the escape to another table)
// and are decoding errors here.
var gsmExtChars = [...]struct {
	code byte
	r    rune
}{
	{0x0A, '\f'}, {0x14, '^'}, {0x28, '{'}, {0x29, '}'}, {0x2F, '\\'},
	{0x3C, '['}, {0x3D, '~'}, {0x3E, ']'}, {0x40, '|'}, {0x65, '€'},
}

var (
	gsmBasic    [128]rune // septet -> rune; -1 for the escape
	gsmExt      [128]rune // septet after 1B -> rune; 0 if reserved
	gsmUTF8     [128]string
	gsmASCII    [128]bool // the septet is the same byte in UTF-8
	gsmEncLatin [0x3AA]uint16
)

// Values of gsmEncLatin: 0 = not representable, encBasic|c = basic septet c, encExt|c = 1B c.
const (
	encBasic = 0x100
	encExt   = 0x200
	euro     = '€'
)

func init() {
	i := 0
	for _, r := range gsmBasicChars {
		gsmBasic[i] = r
		if i == Escape {
			gsmBasic[i] = -1
		} else {
			gsmEncLatin[r] = encBasic | uint16(i)
			gsmUTF8[i] = string(r)
			gsmASCII[i] = r == rune(i)
		}
		i++
	}
	if i != 128 {
		panic("text: GSM default alphabet table has the wrong size")
	}
	for _, e := range gsmExtChars {
		gsmExt[e.code] = e.r
		if e.r < rune(len(gsmEncLatin)) {
			gsmEncLatin[e.r] = encExt | uint16(e.code)
		}
	}
}

// gsmCode returns the coding of r in the default alphabet: septet c, or 1B c when ext is true.
func gsmCode(r rune) (c byte, ext, ok bool) {
	if r >= 0 && r < rune(len(gsmEncLatin)) {
		v := gsmEncLatin[r]
		return byte(v), v&encExt != 0, v != 0
	}
	if r == euro {
		return 0x65, true, true
	}
	return 0, false, false
}

// GSMLen is the number of septets s takes in the default alphabet, escapes included, and whether
// every character of s is representable (TS 23.038 6.2.1).
func GSMLen(s string) (septets int, ok bool) {
	for _, r := range s {
		_, ext, ok := gsmCode(r)
		if !ok {
			return 0, false
		}
		septets++
		if ext {
			septets++
		}
	}
	return septets, true
}

// EncodeGSM codes s as unpacked septets, one per byte with bit 8 = 0, extension characters as
// 1B followed by their code (TS 23.038 6.2.1). A character outside the alphabet is an *Error whose
// offset is its byte position in s.
func EncodeGSM(s string) ([]byte, error) {
	out, err := appendGSM(make([]byte, 0, len(s)), s, "gsm")
	if err != nil {
		return nil, err
	}
	return out, nil
}

func appendGSM(dst []byte, s string, field string) ([]byte, error) {
	for i, r := range s {
		c, ext, ok := gsmCode(r)
		if !ok {
			return dst, notRepresentable(field, s, i, r, "the GSM 7-bit default alphabet")
		}
		if ext {
			dst = append(dst, Escape)
		}
		dst = append(dst, c)
	}
	return dst, nil
}

func notRepresentable(field, s string, i int, r rune, where string) *Error {
	if r == utf8.RuneError {
		if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
			return errorf(field, i, "invalid UTF-8 byte %02X", s[i])
		}
	}
	return errorf(field, i, "character %U %q is not in %s", r, r, where)
}

// DecodeGSM decodes unpacked septets (TS 23.038 6.2.1). A byte with bit 8 set, an escape at the
// end, or an escape to a reserved extension code is an *Error at that byte.
func DecodeGSM(septets []byte) (string, error) {
	return decodeGSM(septets, "gsm", 0)
}

// appendGSMText appends the UTF-8 text of the septets b (with escapes) to dst, checking them:
// offsets in errors are base + index in b.
func appendGSMText(dst []byte, b []byte, field string, base int) ([]byte, error) {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= 0x80:
			return dst, errorf(field, base+i, "byte %02X is not a septet (bit 8 set)", c)
		case gsmASCII[c]:
			dst = append(dst, c)
		case c != Escape:
			dst = append(dst, gsmUTF8[c]...)
		case i+1 >= len(b):
			return dst, errorf(field, base+i, "escape 1B at the end of the text")
		default:
			i++
			e := b[i]
			if e >= 0x80 {
				return dst, errorf(field, base+i, "byte %02X after escape 1B is not a septet (bit 8 set)", e)
			}
			if gsmExt[e] == 0 {
				return dst, errorf(field, base+i-1, "reserved extension code 1B %02X", e)
			}
			dst = utf8.AppendRune(dst, gsmExt[e])
		}
	}
	return dst, nil
}

func decodeGSM(b []byte, field string, base int) (string, error) {
	var buf [256]byte
	out, err := appendGSMText(buf[:0], b, field, base)
	if err != nil {
		return "", err
	}
	return string(out), nil
}
