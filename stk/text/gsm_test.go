package text

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "\n", "", "\t", "").Replace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantErr checks that err is an *Error for field at offset.
func wantErr(t *testing.T, err error, field string, offset int) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want *Error %s at %d", err, err, field, offset)
	}
	if e.Field != field || e.Offset != offset {
		t.Fatalf("error %q: field %q offset %d, want %q at %d", e, e.Field, e.Offset, field, offset)
	}
}

// The whole basic table and the extension table, TS 23.038 6.2.1 and 6.2.1.1.
func TestGSMTables(t *testing.T) {
	basic := map[byte]rune{
		0x00: '@', 0x01: '£', 0x02: '$', 0x03: '¥', 0x04: 'è', 0x05: 'é', 0x06: 'ù', 0x07: 'ì',
		0x08: 'ò', 0x09: 'Ç', 0x0A: '\n', 0x0B: 'Ø', 0x0C: 'ø', 0x0D: '\r', 0x0E: 'Å', 0x0F: 'å',
		0x10: 'Δ', 0x11: '_', 0x12: 'Φ', 0x13: 'Γ', 0x14: 'Λ', 0x15: 'Ω', 0x16: 'Π', 0x17: 'Ψ',
		0x18: 'Σ', 0x19: 'Θ', 0x1A: 'Ξ', 0x1C: 'Æ', 0x1D: 'æ', 0x1E: 'ß', 0x1F: 'É',
		0x24: '¤', 0x40: '¡', 0x5B: 'Ä', 0x5C: 'Ö', 0x5D: 'Ñ', 0x5E: 'Ü', 0x5F: '§', 0x60: '¿',
		0x7B: 'ä', 0x7C: 'ö', 0x7D: 'ñ', 0x7E: 'ü', 0x7F: 'à',
	}
	for c := byte(0x20); c < 0x80; c++ {
		if _, ok := basic[c]; !ok && c != 0x24 && c != 0x40 && c != 0x60 {
			basic[c] = rune(c) // ASCII where the table agrees with it
		}
	}
	for c := byte(0); c < 0x80; c++ {
		if c == Escape {
			continue
		}
		want, ok := basic[c]
		if !ok {
			t.Fatalf("test table misses %02X", c)
		}
		got, err := DecodeGSM([]byte{c})
		if err != nil || got != string(want) {
			t.Errorf("DecodeGSM(%02X) = %q, %v; want %q", c, got, err, want)
		}
		enc, err := EncodeGSM(string(want))
		if err != nil || !bytes.Equal(enc, []byte{c}) {
			t.Errorf("EncodeGSM(%q) = %X, %v; want %02X", want, enc, err, c)
		}
	}
	ext := map[byte]rune{0x0A: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2F: '\\', 0x3C: '[',
		0x3D: '~', 0x3E: ']', 0x40: '|', 0x65: '€'}
	for c := byte(0); c < 0x80; c++ {
		got, err := DecodeGSM([]byte{Escape, c})
		want, ok := ext[c]
		if !ok {
			wantErr(t, err, "gsm", 0)
			continue
		}
		if err != nil || got != string(want) {
			t.Errorf("DecodeGSM(1B %02X) = %q, %v; want %q", c, got, err, want)
		}
		enc, err := EncodeGSM(string(want))
		if err != nil || !bytes.Equal(enc, []byte{Escape, c}) {
			t.Errorf("EncodeGSM(%q) = %X, %v", want, enc, err)
		}
	}
}

func TestGSMLen(t *testing.T) {
	for _, c := range []struct {
		s  string
		n  int
		ok bool
	}{
		{"", 0, true},
		{"Hello", 5, true},
		{"5€", 3, true},
		{"{[x]}", 9, true},
		{"ΔΦΓΛΩΠΨΣΘΞ", 10, true},
		{"Α", 0, false}, // Greek capital alpha is not the GSM 'A'
		{"ç", 0, false}, // 09 is the capital Ç
		{"余额", 0, false},
		{"\x1b", 0, false}, // the escape itself is not a character
		{"\xff", 0, false},
	} {
		n, ok := GSMLen(c.s)
		if n != c.n || ok != c.ok {
			t.Errorf("GSMLen(%q) = %d, %v; want %d, %v", c.s, n, ok, c.n, c.ok)
		}
	}
}

func TestEncodeGSMErrors(t *testing.T) {
	_, err := EncodeGSM("Pay 余额")
	wantErr(t, err, "gsm", 4)
	if !strings.Contains(err.Error(), "U+4F59") {
		t.Errorf("error %q does not name the character", err)
	}
	_, err = EncodeGSM("ab\xffc")
	wantErr(t, err, "gsm", 2)
	if !strings.Contains(err.Error(), "invalid UTF-8") {
		t.Errorf("error %q", err)
	}
}

func TestDecodeGSMErrors(t *testing.T) {
	for _, c := range []struct {
		hex    string
		offset int
	}{
		{"41 80", 1},    // bit 8
		{"41 42 1B", 2}, // escape at the end
		{"1B 41", 0},    // reserved extension code
		{"1B 0D", 0},    // CR2, reserved
		{"1B 1B 65", 0}, // escape to another extension table, reserved
		{"41 1B C1", 2}, // bit 8 after an escape
		{"41 FF", 1},    // padding is not a septet
	} {
		_, err := DecodeGSM(mustHex(t, c.hex))
		wantErr(t, err, "gsm", c.offset)
	}
}
