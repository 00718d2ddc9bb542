package text

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

// Seeds: the published bytes used in the other tests (cat-sample.json, TS 102 221 Annex A, the
// gecko STK tests) plus a few hand-made edge cases.
var alphaSeeds = []string{
	"4C61726765", "4C61726765FFFF", "",
	"80041704140420041004120421042204120423041904220415",
	"810C089794A09092A1A292A399A295", "820D041087849080829192829389928531",
	"8104613831EB30", "820430A03832CB30", "800038003030EB0030",
	"8105135395A6A7FFFF", "8205 0530 2D82D32D31", "810308971B65",
	"80D83DDCB3", "82010380 90", "81", "8205",
}

var textSeeds = []struct {
	dcs byte
	hex string
}{
	{0x00, "4537BD2C07896022"},
	{0x04, "546F6F6C6B697420546573742031"},
	{0xF0, "41E19058341E9149E592D9743EA151E9945AB55EB1596D2B2C1E93CBE6333AAD5EB3DBEE373C2E9FD3EBF63B3EAF6FC564335ACD76C3E560"},
	{0x08, "4F59989D67E58BE2"},
	{0x00, "31D98C56B3DD1A0D"},
	{0x0F, "AA180C3602"},
	{0x18, "0050D83DDCB3"},
}

func seedBytes(s string) []byte {
	b, _ := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	return b
}

// FuzzDecodeAlpha: no panic; whatever decodes re-encodes, decodes to the same Alpha, is never
// longer than the input, and is the input itself when the input is canonical.
func FuzzDecodeAlpha(f *testing.F) {
	fuzzseed.Add(f)
	for _, s := range alphaSeeds {
		f.Add(seedBytes(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAlpha(b)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T", err)
			}
			return
		}
		enc, err := a.Encode()
		if err != nil {
			t.Fatalf("%X decodes to %+v which does not encode: %v", b, a, err)
		}
		a2, err := DecodeAlpha(enc)
		if err != nil || a2 != a {
			t.Fatalf("%X -> %+v -> %X -> %+v, %v", b, a, enc, a2, err)
		}
		if len(enc) > len(b) {
			t.Fatalf("%X re-encodes longer: %X", b, enc)
		}
		if IsCanonicalAlpha(b) != bytes.Equal(enc, b) {
			t.Fatalf("IsCanonicalAlpha(%X) disagrees", b)
		}
	})
}

// FuzzDecodeText: no panic; a decoded text re-encodes to the same bytes except, for 7-bit, the
// spare bits of the last octet.
func FuzzDecodeText(f *testing.F) {
	fuzzseed.Add(f)
	for _, s := range textSeeds {
		f.Add(s.dcs, seedBytes(s.hex))
	}
	f.Fuzz(func(t *testing.T, dcs byte, data []byte) {
		for _, dec := range []struct {
			name   string
			decode func(byte, []byte) (string, error)
			encode func(string, byte) ([]byte, error)
			alpha  func(byte) (Alphabet, error)
		}{
			{"text", DecodeText, EncodeText, TextAlphabet},
			{"ussd", DecodeUSSD, EncodeUSSD, USSDAlphabet},
		} {
			s, err := dec.decode(dcs, data)
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %T", err)
				}
				continue
			}
			enc, err := dec.encode(s, dcs)
			if err != nil {
				t.Fatalf("%s %02X %X -> %q does not encode: %v", dec.name, dcs, data, s, err)
			}
			want := data
			if a, _ := dec.alpha(dcs); a == GSM7 && len(data) > 0 {
				want = bytes.Clone(data)
				spare := len(data)*8 - len(data)*8/7*7
				want[len(want)-1] &= byte(0xFF >> spare)
			}
			if !bytes.Equal(enc, want) {
				t.Fatalf("%s %02X %X -> %q -> %X", dec.name, dcs, data, s, enc)
			}
		}
	})
}

// FuzzUnpack7: no panic for any n; the septets decode or fail cleanly; decoded septets encode
// back to themselves; packing them again gives the input up to its spare bits.
func FuzzUnpack7(f *testing.F) {
	fuzzseed.Add(f)
	for _, s := range textSeeds {
		f.Add(seedBytes(s.hex), len(s.hex))
	}
	f.Add([]byte{}, -5)
	f.Fuzz(func(t *testing.T, packed []byte, n int) {
		septets := Unpack7(packed, n)
		if len(septets) > len(packed)*8/7 || (n >= 0 && n <= len(packed)*8/7 && len(septets) != n) {
			t.Fatalf("Unpack7(%X, %d) gave %d septets", packed, n, len(septets))
		}
		if s, err := DecodeGSM(septets); err == nil {
			if enc, err := EncodeGSM(s); err != nil || !bytes.Equal(enc, septets) {
				t.Fatalf("GSM %X -> %q -> %X, %v", septets, s, enc, err)
			}
		} else if _, ok := err.(*Error); !ok {
			t.Fatalf("error %T", err)
		}
		all := Unpack7(packed, len(packed)*8/7)
		re := AppendPacked7(nil, all)
		if len(re) > len(packed) || !bytes.Equal(re[:max(len(re)-1, 0)], packed[:max(len(re)-1, 0)]) {
			t.Fatalf("repack %X -> %X", packed, re)
		}
	})
}

// FuzzDecodeGSM: no panic; what decodes encodes back to the same septets (unpacked GSM has one
// coding per character).
func FuzzDecodeGSM(f *testing.F) {
	fuzzseed.Add(f)
	f.Add([]byte("Toolkit Test 1"))
	f.Add([]byte{0x1B, 0x65, 0x10, 0x09, 0x00})
	f.Add([]byte{0x41, 0x1B})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeGSM(b)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T", err)
			}
			return
		}
		if enc, err := EncodeGSM(s); err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("%X -> %q -> %X, %v", b, s, enc, err)
		}
		if n, ok := GSMLen(s); !ok || n != len(b) {
			t.Fatalf("GSMLen(%q) = %d, %v; want %d", s, n, ok, len(b))
		}
	})
}
