package text

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
)

// Character pools for random strings: each script of the project's users, GSM's own letters and
// the characters that sit at the edges of the codings.
var runePools = [][]rune{
	[]rune(gsmBasicChars[:27] + gsmBasicChars[28:]), // the basic table without the escape
	[]rune("\f^{}\\[~]|€"),                          // extension table
	[]rune("余额查询转账支付充值账单设置帮助工具箱选择项目一二三四"),            // Chinese
	[]rune("ЗДРАВСТВУЙТЕБалансрубПриветЁёЀѐҀҁ"),      // Cyrillic, across the 0480 half-page
	[]rune("ΑΒΓΔΚαλημέραΩωΐ"),                        // Greek, GSM capitals and not
	[]rune("مرحباالرصيدتحويل"),                       // Arabic
	[]rune("Բարեւ\u0530\u057F\u0580\u0583"),          // Armenian
	[]rune("çÿ\u00A0\u0080\u07FF\u0800\uFFFD\uFFFE"), // Latin-1 outside GSM, UTF-8 length edges
	[]rune("💳🏦\U0010FFFF\U00010000"),                 // supplementary: 80 only, as surrogate pairs
}

// randomString draws from one to three pools, so that 81/82 windows are sometimes possible.
func randomString(r *rand.Rand) string {
	pools := []int{r.Intn(len(runePools))}
	for r.Intn(3) == 0 {
		pools = append(pools, r.Intn(len(runePools)))
	}
	n := r.Intn(40)
	var sb strings.Builder
	for i := 0; i < n; i++ {
		p := runePools[pools[r.Intn(len(pools))]]
		sb.WriteRune(p[r.Intn(len(p))])
	}
	return sb.String()
}

// endsWithPackedCREdge reports the one 7-bit text that cannot be coded exactly: a wanted CR last
// on an octet boundary (TS 23.038 6.1.2.3.1 makes the receiver see CR CR).
func endsWithPackedCREdge(s string) bool {
	n, _ := GSMLen(s)
	return strings.HasSuffix(s, "\r") && n > 0 && n%8 == 0
}

func TestRandomRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	formats := []AlphaFormat{AlphaGSM, AlphaUCS2, AlphaUCS2Base81, AlphaUCS2Base82}
	counts := map[AlphaFormat]int{}
	for i := 0; i < 20000; i++ {
		s := randomString(r)
		if i%7 == 0 {
			s += "\r" // exercise the CR filler
		}
		enc, err := EncodeAlpha(s)
		if err != nil {
			t.Fatalf("EncodeAlpha(%q): %v", s, err)
		}
		a, err := DecodeAlpha(enc)
		if err != nil || a.Text != s {
			t.Fatalf("DecodeAlpha(EncodeAlpha(%q) = % X) = %+v, %v", s, enc, a, err)
		}
		counts[a.Format]++
		if _, gsm := GSMLen(s); gsm != (a.Format == AlphaGSM) {
			t.Fatalf("EncodeAlpha(%q) chose %v", s, a.Format)
		}
		if !IsCanonicalAlpha(enc) {
			t.Fatalf("EncodeAlpha(%q) = % X is not canonical", s, enc)
		}
		for _, f := range formats {
			enc2, err := EncodeAlphaAs(s, f)
			if err != nil {
				continue
			}
			// GSM is chosen whenever possible (see EncodeAlpha); among the UCS2 forms, the shortest.
			if a.Format != AlphaGSM && len(enc2) < len(enc) {
				t.Fatalf("%q: %v is %d bytes, shorter than EncodeAlpha's %d", s, f, len(enc2), len(enc))
			}
			a2, err := DecodeAlpha(enc2)
			if err != nil || a2.Text != s || a2.Format != f || !IsCanonicalAlpha(enc2) {
				t.Fatalf("%q as %v = % X: %+v, %v", s, f, enc2, a2, err)
			}
		}

		dcs, data, err := ShortestText(s)
		if err != nil {
			t.Fatalf("ShortestText(%q): %v", s, err)
		}
		back, err := DecodeText(dcs, data)
		want := s
		if dcs == DCSGSM7 && endsWithPackedCREdge(s) {
			want += "\r"
		}
		if err != nil || back != want {
			t.Fatalf("DecodeText(ShortestText(%q)) = %q, %v", s, back, err)
		}
		for _, dcs := range []byte{DCSGSM8, DCSUCS2, 0xF6, 0x1A} {
			data, err := EncodeText(s, dcs)
			if err != nil {
				continue
			}
			if back, err := DecodeText(dcs, data); err != nil || back != s {
				t.Fatalf("DCS %02X %q: %q, %v", dcs, s, back, err)
			}
		}
		if septets, err := EncodeGSM(s); err == nil {
			if back, err := DecodeGSM(septets); err != nil || back != s {
				t.Fatalf("GSM %q: %q, %v", s, back, err)
			}
		}
	}
	for _, f := range formats {
		if counts[f] == 0 {
			t.Errorf("no random string chose %v", f)
		}
	}
}

// validEncodings are alpha identifiers and texts to cut into prefixes.
func validAlphas(t *testing.T) [][]byte {
	var out [][]byte
	for _, h := range []string{
		"4C 61 72 67 65 FF FF",
		"80 0417 0414 0420 0410 0412 0421 0422 0412 0423 0419 0422 0415 FFFF",
		"81 0C 08 97 94 A0 90 92 A1 A2 92 A3 99 A2 95",
		"82 0D 0410 87 84 90 80 82 91 92 82 93 89 92 85 31",
		"81 05 13 53 95 A6 A7 FF FF",
		"81 03 08 97 1B 65",
	} {
		out = append(out, mustHex(t, h))
	}
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 200; i++ {
		if enc, err := EncodeAlpha(randomString(r)); err == nil {
			out = append(out, enc)
		}
	}
	return out
}

// Every strict prefix decodes without panic; those that cut a count, a base, a UCS2 pair or an
// escape are errors.
func TestStrictPrefixes(t *testing.T) {
	for _, b := range validAlphas(t) {
		for n := 0; n < len(b); n++ {
			p := b[:n]
			_, err := DecodeAlpha(p)
			mustFail := false
			switch {
			case n == 0:
			case b[0] == 0x80:
				mustFail = (n-1)%2 != 0
			case b[0] == 0x81:
				mustFail = n < 3+int(b[1])
			case b[0] == 0x82:
				mustFail = n < 4+int(b[1])
			default:
				mustFail = p[n-1] == Escape
			}
			if mustFail && err == nil {
				t.Errorf("prefix % X of % X accepted", p, b)
			}
		}
	}
	// Texts: a UCS2 text cut inside a character, a packed text cut anywhere.
	ucs2, _ := EncodeText("余额查询💳", DCSUCS2)
	for n := 0; n < len(ucs2); n++ {
		_, err := DecodeText(DCSUCS2, ucs2[:n])
		if n%2 == 1 && err == nil {
			t.Errorf("UCS2 prefix of %d bytes accepted", n)
		}
		if n == len(ucs2)-2 && err == nil {
			t.Errorf("UCS2 prefix cutting a surrogate pair accepted")
		}
	}
	packed, _ := EncodeText("ABC€{}xyz", DCSGSM7)
	for n := 0; n < len(packed); n++ {
		DecodeText(DCSGSM7, packed[:n]) // no panic; a prefix may be a shorter valid text
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	dst := []byte("head")
	out, err := AppendAlpha(dst, "ЗДРАВСТВУЙТЕ")
	if err != nil || !bytes.HasPrefix(out, []byte("head")) || out[4] != 0x81 {
		t.Fatalf("AppendAlpha = % X, %v", out, err)
	}
	out, err = AppendText([]byte{0xAA}, "1234567", DCSGSM7)
	if err != nil || !bytes.Equal(out, mustHex(t, "AA 31 D9 8C 56 B3 DD 1A")) {
		t.Fatalf("AppendText = % X, %v", out, err)
	}
	out, err = AppendAlphaAs([]byte{0xAA}, "З", AlphaUCS2Base82)
	if err != nil || !bytes.Equal(out, mustHex(t, "AA 82 01 0417 80")) {
		t.Fatalf("AppendAlphaAs = % X, %v", out, err)
	}
}
