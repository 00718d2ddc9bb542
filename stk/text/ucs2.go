package text

import "unicode/utf8"

// UCS2 texts (TS 23.038 6.2.3) are 16-bit big-endian code units. They are read and written as
// UTF-16, as Android and iOS terminals do: a surrogate pair is one supplementary character; an
// unpaired surrogate is an error. Strict UCS2 has no supplementary characters, so a text with one
// is shown as two unknown characters by a strictly UCS2 terminal.

func isHighSurrogate(u uint16) bool { return u >= 0xD800 && u < 0xDC00 }
func isLowSurrogate(u uint16) bool  { return u >= 0xDC00 && u < 0xE000 }

// appendUCS2Text appends the UTF-8 text of the UTF-16BE bytes b to dst.
func appendUCS2Text(dst []byte, b []byte, field string, base int) ([]byte, error) {
	if len(b)%2 != 0 {
		return dst, errorf(field, base+len(b)-1, "UCS2 text has an odd length (%d bytes)", len(b))
	}
	for i := 0; i < len(b); i += 2 {
		u := uint16(b[i])<<8 | uint16(b[i+1])
		switch {
		case u < 0x80:
			dst = append(dst, byte(u))
		case isHighSurrogate(u):
			if i+3 >= len(b) || !isLowSurrogate(uint16(b[i+2])<<8|uint16(b[i+3])) {
				return dst, errorf(field, base+i, "unpaired UTF-16 high surrogate %04X", u)
			}
			lo := rune(b[i+2])<<8 | rune(b[i+3])
			dst = utf8.AppendRune(dst, 0x10000+(rune(u)-0xD800)<<10+(lo-0xDC00))
			i += 2
		case isLowSurrogate(u):
			return dst, errorf(field, base+i, "unpaired UTF-16 low surrogate %04X", u)
		default:
			dst = utf8.AppendRune(dst, rune(u))
		}
	}
	return dst, nil
}

func decodeUCS2(b []byte, field string, base int) (string, error) {
	var buf [256]byte
	out, err := appendUCS2Text(buf[:0], b, field, base)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// ucs2Units is the number of UTF-16 code units of s, or an error for invalid UTF-8.
func ucs2Units(s string, field string) (int, error) {
	n := 0
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return 0, errorf(field, i, "invalid UTF-8 byte %02X", s[i])
			}
		}
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n, nil
}

func appendUCS2(dst []byte, s string, field string) ([]byte, error) {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return dst, errorf(field, i, "invalid UTF-8 byte %02X", s[i])
			}
		}
		if r > 0xFFFF {
			r -= 0x10000
			hi, lo := 0xD800+(r>>10), 0xDC00+(r&0x3FF)
			dst = append(dst, byte(hi>>8), byte(hi), byte(lo>>8), byte(lo))
			continue
		}
		dst = append(dst, byte(r>>8), byte(r))
	}
	return dst, nil
}
