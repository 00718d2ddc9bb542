package text

import (
	"fmt"
	"unicode/utf8"
)

// AlphaFormat is the coding of an alpha identifier / item text (TS 102 221 Annex A).
type AlphaFormat uint8

const (
	AlphaGSM        AlphaFormat = iota // SMS default alphabet, unpacked, bit 8 = 0
	AlphaUCS2                          // 80: UCS2 big-endian
	AlphaUCS2Base81                    // 81: one-byte base pointer
	AlphaUCS2Base82                    // 82: two-byte base
)

var alphaFormatNames = [...]string{"gsm", "ucs2", "ucs2-81", "ucs2-82"}

func (f AlphaFormat) String() string {
	if int(f) < len(alphaFormatNames) {
		return alphaFormatNames[f]
	}
	return fmt.Sprintf("AlphaFormat(%d)", uint8(f))
}

// ParseAlphaFormat is the inverse of AlphaFormat.String.
func ParseAlphaFormat(s string) (AlphaFormat, error) {
	for i, n := range alphaFormatNames {
		if s == n {
			return AlphaFormat(i), nil
		}
	}
	return 0, fmt.Errorf("text: unknown alpha format %q (want gsm, ucs2, ucs2-81 or ucs2-82)", s)
}

// MarshalText and UnmarshalText let the format appear by name in JSON.
func (f AlphaFormat) MarshalText() ([]byte, error) {
	if int(f) >= len(alphaFormatNames) {
		return nil, fmt.Errorf("text: invalid alpha format %d", uint8(f))
	}
	return []byte(f.String()), nil
}

func (f *AlphaFormat) UnmarshalText(b []byte) error {
	v, err := ParseAlphaFormat(string(b))
	if err == nil {
		*f = v
	}
	return err
}

// Alpha is a decoded alpha identifier with what is needed to encode it again byte for byte.
type Alpha struct {
	Text   string
	Format AlphaFormat
	Base   uint16 // 81/82 base (for 81: the 15-bit value bb<<7); 0 otherwise
	Pad    int    // trailing FF bytes (or FFFF pairs for 80) that followed the text
}

// Prefix bytes of the UCS2 alpha formats (TS 102 221 Annex A).
const (
	alpha80 = 0x80
	alpha81 = 0x81
	alpha82 = 0x82
)

// DecodeAlpha decodes an alpha identifier or item text (TS 102 221 Annex A, TS 102 223 8.2):
//
//   - first byte not 80/81/82: default alphabet unpacked, bit 8 = 0, then optional FF padding;
//   - 80: UCS2 big-endian (surrogate pairs accepted), then optional FFFF padding;
//   - 81 n bb: n bytes, each a default-alphabet septet (bit 8 = 0, 1B escapes allowed) or, with
//     bit 8 = 1, the character base + (c & 7F) with base = bb<<7; then optional FF padding;
//   - 82 n hh ll: the same with base = hhll.
//
// n counts bytes, so an escaped extension character counts two (as Android reads it). Within
// the n bytes FF is a character (base + 7F, TS 102 221 Annex A example 1); only bytes after
// them are padding, and any other byte there is an error. An empty input is the null alpha.
func DecodeAlpha(b []byte) (Alpha, error) {
	if len(b) == 0 {
		return Alpha{}, nil
	}
	switch b[0] {
	case alpha80:
		return decodeAlpha80(b)
	case alpha81, alpha82:
		return decodeAlphaBase(b)
	}
	end := len(b)
	for i, c := range b {
		if c >= 0x80 {
			end = i
			break
		}
	}
	pad, err := padding(b, end, "alpha.pad")
	if err != nil {
		return Alpha{}, err
	}
	s, err := decodeGSM(b[:end], "alpha.text", 0)
	if err != nil {
		return Alpha{}, err
	}
	return Alpha{Text: s, Format: AlphaGSM, Pad: pad}, nil
}

// padding checks that b[from:] is all FF and returns its length.
func padding(b []byte, from int, field string) (int, error) {
	for i := from; i < len(b); i++ {
		if b[i] != 0xFF {
			if i == from {
				return 0, errorf(field, i, "byte %02X is neither a character nor FF padding", b[i])
			}
			return 0, errorf(field, i, "byte %02X after FF padding", b[i])
		}
	}
	return len(b) - from, nil
}

func decodeAlpha80(b []byte) (Alpha, error) {
	end := 1
	for end+1 < len(b) && !(b[end] == 0xFF && b[end+1] == 0xFF) {
		end += 2
	}
	if (len(b)-1)%2 != 0 {
		return Alpha{}, errorf("alpha.ucs2", len(b)-1, "UCS2 alpha has an odd length (%d bytes after 80)", len(b)-1)
	}
	pad, err := padding(b, end, "alpha.pad")
	if err != nil {
		return Alpha{}, err
	}
	s, err := decodeUCS2(b[1:end], "alpha.ucs2", 1)
	if err != nil {
		return Alpha{}, err
	}
	return Alpha{Text: s, Format: AlphaUCS2, Pad: pad / 2}, nil
}

func decodeAlphaBase(b []byte) (Alpha, error) {
	f, head := AlphaUCS2Base81, 3
	if b[0] == alpha82 {
		f, head = AlphaUCS2Base82, 4
	}
	if len(b) < head {
		field := "alpha.base"
		if len(b) < 2 {
			field = "alpha.count"
		}
		return Alpha{}, errorf(field, len(b), "truncated %02X header: want %d bytes, have %d", b[0], head, len(b))
	}
	n := int(b[1])
	var base uint16
	if f == AlphaUCS2Base81 {
		base = uint16(b[2]) << 7
	} else {
		base = uint16(b[2])<<8 | uint16(b[3])
	}
	if head+n > len(b) {
		return Alpha{}, errorf("alpha.count", 1, "count %d runs past the end (%d bytes follow the header)", n, len(b)-head)
	}
	chars := b[head : head+n]
	pad, err := padding(b, head+n, "alpha.pad")
	if err != nil {
		return Alpha{}, err
	}
	var buf [256]byte
	out := buf[:0]
	for i := 0; i < len(chars); i++ {
		c := chars[i]
		if c < 0x80 {
			// A run of septets, escapes included, decodes as default-alphabet text.
			j := i + 1
			for j < len(chars) && (chars[j] < 0x80 || chars[j-1] == Escape) {
				j++
			}
			if out, err = appendGSMText(out, chars[i:j], "alpha.text", head+i); err != nil {
				return Alpha{}, err
			}
			i = j - 1
			continue
		}
		r := rune(base) + rune(c&0x7F)
		switch {
		case r > 0xFFFF:
			return Alpha{}, errorf("alpha.text", head+i, "base %04X + %02X is past U+FFFF", base, c&0x7F)
		case r >= 0xD800 && r < 0xE000:
			return Alpha{}, errorf("alpha.text", head+i, "base %04X + %02X is the surrogate code point %04X", base, c&0x7F, r)
		}
		out = utf8.AppendRune(out, r)
	}
	return Alpha{Text: string(out), Format: f, Base: base, Pad: pad}, nil
}

// Encode codes a: the exact inverse of DecodeAlpha for canonical input (see the package comment).
func (a Alpha) Encode() ([]byte, error) {
	return a.Append(nil)
}

// Append appends the coding of a to dst. On error dst is returned unchanged.
func (a Alpha) Append(dst []byte) ([]byte, error) {
	start := len(dst)
	out, err := a.append(dst)
	if err != nil {
		return dst[:start], err
	}
	return out, nil
}

func (a Alpha) append(dst []byte) ([]byte, error) {
	if a.Pad < 0 {
		return dst, errorf("alpha.pad", 0, "negative padding %d", a.Pad)
	}
	var err error
	switch a.Format {
	case AlphaGSM:
		dst, err = appendGSM(dst, a.Text, "alpha.text")
		return appendFF(dst, a.Pad), err
	case AlphaUCS2:
		dst = append(dst, alpha80)
		dst, err = appendUCS2(dst, a.Text, "alpha.text")
		return appendFF(dst, 2*a.Pad), err
	case AlphaUCS2Base81:
		if !valid81Base(a.Base) {
			return dst, errorf("alpha.base", 0, "base %04X is not a 81 base (bb<<7, at most 7F80)", a.Base)
		}
		dst, err = appendAlphaBase(dst, a.Text, a.Format, a.Base)
		return appendFF(dst, a.Pad), err
	case AlphaUCS2Base82:
		dst, err = appendAlphaBase(dst, a.Text, a.Format, a.Base)
		return appendFF(dst, a.Pad), err
	}
	return dst, errorf("alpha.format", 0, "unknown alpha format %d", a.Format)
}

func valid81Base(b uint16) bool { return b&0x7F == 0 && b <= 0x7F80 }

// inWindow reports whether r is coded as base + offset in a 81/82 string.
func inWindow(r rune, base uint16) bool {
	return r >= rune(base) && r-rune(base) < 0x80 && r <= 0xFFFF
}

func appendFF(dst []byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, 0xFF)
	}
	return dst
}

// appendAlphaBase codes s in the 81 or 82 format with the given base. Each character is coded as
// a basic default-alphabet septet if it is one, else as base + offset if it lies in the window
// base..base+7F, else as 1B + code if it is in the extension table.
func appendAlphaBase(dst []byte, s string, f AlphaFormat, base uint16) ([]byte, error) {
	start := len(dst)
	if f == AlphaUCS2Base81 {
		dst = append(dst, alpha81, 0, byte(base>>7))
	} else {
		dst = append(dst, alpha82, 0, byte(base>>8), byte(base))
	}
	head := len(dst)
	for i, r := range s {
		c, ext, ok := gsmCode(r)
		switch {
		case ok && !ext:
			dst = append(dst, c)
		case inWindow(r, base):
			dst = append(dst, 0x80|byte(r-rune(base)))
		case ok:
			dst = append(dst, Escape, c)
		default:
			return dst[:start], notRepresentable("alpha.text", s, i, r,
				fmt.Sprintf("the GSM alphabet nor in the window %04X-%04X", base, uint32(base)+0x7F))
		}
	}
	n := len(dst) - head
	if n > 0xFF {
		return dst[:start], errorf("alpha.count", 0, "text takes %d bytes, more than the 255 a %02X count can say", n, dst[start])
	}
	dst[start+1] = byte(n)
	return dst, nil
}

// windowFor returns the canonical base of the 81/82 window for s: it must hold every character
// that is neither basic GSM nor in the extension table; with none such, the extension characters
// decide; with none at all the base is 0. For 81 the base is the half-page (multiple of 80) of
// the lowest such character; for 82 it is that character itself. ok is false when they do not fit
// in one window, or when a character is past U+FFFF (or past U+7FFF for 81); the base returned
// then still starts at the lowest character, so that Append names the first one outside.
func windowFor(s string, f AlphaFormat) (base uint16, ok bool) {
	st := statsOf(s)
	return st.window(f)
}

// EncodeAlphaAs codes s in format f. For 81 and 82 the base is the canonical one (windowFor);
// an *Error says which character does not fit.
func EncodeAlphaAs(s string, f AlphaFormat) ([]byte, error) {
	return AppendAlphaAs(nil, s, f)
}

// AppendAlphaAs appends the coding of s in format f to dst.
func AppendAlphaAs(dst []byte, s string, f AlphaFormat) ([]byte, error) {
	a := Alpha{Text: s, Format: f}
	if f == AlphaUCS2Base81 || f == AlphaUCS2Base82 {
		a.Base, _ = windowFor(s, f) // characters outside the window are reported by Append
	}
	return a.Append(dst)
}

// EncodeAlpha codes s in the shortest valid form: the default alphabet if every character is
// in it, else the shortest of 80, 81 and 82 with their canonical bases. Ties go to 80, then 81:
// every UCS2-capable terminal shows 80, while 81/82 support is patchier.
//
// The default alphabet wins even where 81 would be shorter (a text made mostly of extension
// characters such as "{[]}" costs 2 bytes each in GSM, 1 in 81 with base 0000): UCS2 display is
// an optional terminal capability (TS 102 223 5.2, terminal profile byte 2 bit 7), so a text the
// default alphabet can hold never depends on it.
func EncodeAlpha(s string) ([]byte, error) {
	return AppendAlpha(nil, s)
}

// AppendAlpha appends EncodeAlpha(s) to dst.
func AppendAlpha(dst []byte, s string) ([]byte, error) {
	a, err := ShortestAlpha(s)
	if err != nil {
		return dst, err
	}
	return a.Append(dst)
}

// ShortestAlpha returns the Alpha that EncodeAlpha codes, with its encoded length.
func ShortestAlpha(s string) (Alpha, error) {
	a, _, err := shortestAlpha(s)
	return a, err
}

// AlphaLen is the length of a's encoding, or ok = false if a cannot be encoded.
func AlphaLen(a Alpha) (n int, ok bool) {
	switch a.Format {
	case AlphaGSM:
		n, ok = GSMLen(a.Text)
		return n + a.Pad, ok
	case AlphaUCS2:
		u, err := ucs2Units(a.Text, "")
		return 1 + 2*u + 2*a.Pad, err == nil
	case AlphaUCS2Base81, AlphaUCS2Base82:
		if a.Format == AlphaUCS2Base81 && !valid81Base(a.Base) {
			return 0, false
		}
		m, ok := baseLen(a.Text, a.Base)
		if !ok || m > 0xFF {
			return 0, false
		}
		head := 3
		if a.Format == AlphaUCS2Base82 {
			head = 4
		}
		return head + m + a.Pad, true
	}
	return 0, false
}

// baseLen is the number of character bytes of s in a 81/82 string with the given base.
func baseLen(s string, base uint16) (int, bool) {
	n := 0
	for _, r := range s {
		_, ext, ok := gsmCode(r)
		switch {
		case ok && !ext, inWindow(r, base):
			n++
		case ok:
			n += 2
		default:
			return 0, false
		}
	}
	return n, true
}

// alphaStats is what one pass over a text tells about its possible alpha forms.
type alphaStats struct {
	gsmOK     bool // every character is basic GSM or extension
	units     int  // UTF-16 code units
	septets   int  // GSM septets, valid if gsmOK
	basic     int  // characters of the basic GSM table
	need      int  // characters in neither GSM table
	ext       int  // extension characters
	lo, hi    rune // lowest and highest of the "need" characters
	extLo     rune // lowest extension character
	badOffset int  // byte offset of invalid UTF-8, or -1
}

func statsOf(s string) alphaStats {
	st := alphaStats{gsmOK: true, lo: -1, hi: -1, extLo: -1, badOffset: -1}
	for i, r := range s {
		st.units++
		if r > 0xFFFF {
			st.units++
		}
		_, ext, ok := gsmCode(r)
		switch {
		case ok && !ext:
			st.basic++
			st.septets++
		case ok:
			st.ext++
			st.septets += 2
			if st.extLo < 0 || r < st.extLo {
				st.extLo = r
			}
		default:
			st.gsmOK = false
			if r == 0xFFFD && st.badOffset < 0 {
				if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
					st.badOffset = i
				}
			}
			st.need++
			if st.lo < 0 || r < st.lo {
				st.lo = r
			}
			if r > st.hi {
				st.hi = r
			}
		}
	}
	return st
}

// window is windowFor computed from the statistics of one pass.
func (st *alphaStats) window(f AlphaFormat) (base uint16, ok bool) {
	lo, hi := st.lo, st.hi
	if lo < 0 {
		if st.extLo < 0 {
			return 0, true
		}
		lo, hi = st.extLo, st.extLo
	}
	limit := rune(0xFFFF)
	if f == AlphaUCS2Base81 {
		limit = 0x7FFF
		lo &^= 0x7F
	}
	if lo > limit {
		return 0, false
	}
	return uint16(lo), hi <= limit && hi-lo <= 0x7F
}

func shortestAlpha(s string) (Alpha, int, error) {
	st := statsOf(s)
	if st.gsmOK {
		return Alpha{Text: s, Format: AlphaGSM}, st.septets, nil
	}
	if st.badOffset >= 0 {
		return Alpha{}, 0, errorf("alpha.text", st.badOffset, "invalid UTF-8 byte %02X", s[st.badOffset])
	}
	best := Alpha{Text: s, Format: AlphaUCS2}
	bestLen := 1 + 2*st.units
	for _, f := range [2]AlphaFormat{AlphaUCS2Base81, AlphaUCS2Base82} {
		base, ok := st.window(f)
		if !ok {
			continue
		}
		n := st.basic + st.need
		if st.ext > 0 { // rare: extension characters cost 1 inside the window, 2 outside
			n, _ = baseLen(s, base)
		}
		if n > 0xFF {
			continue
		}
		n += 3
		if f == AlphaUCS2Base82 {
			n++
		}
		if n < bestLen {
			best, bestLen = Alpha{Text: s, Format: f, Base: base}, n
		}
	}
	return best, bestLen, nil
}

// IsCanonicalAlpha reports whether b is exactly what Alpha.Encode gives for DecodeAlpha(b).
func IsCanonicalAlpha(b []byte) bool {
	a, err := DecodeAlpha(b)
	if err != nil {
		return false
	}
	var buf [256]byte
	enc, err := a.Append(buf[:0])
	return err == nil && string(enc) == string(b)
}
