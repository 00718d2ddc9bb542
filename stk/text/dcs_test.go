package text

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// catVector is the part of fixtures/vectors/cat-sample.json (a copy of the shared interoperability vectors) these tests read.
type catVector struct {
	ID  string `json:"id"`
	Hex string `json:"hex"`
}

// loadCATVectors reads the sample vectors.
func loadCATVectors(t testing.TB) map[string][]byte {
	t.Helper()
	raw, err := os.ReadFile("../../fixtures/vectors/cat-sample.json")
	if err != nil {
		t.Fatalf("sample vectors: %v", err)
	}
	var doc struct{ Vectors []catVector }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, v := range doc.Vectors {
		b, err := hex.DecodeString(v.Hex)
		if err == nil {
			out[v.ID] = b
		}
	}
	return out
}

// findValue returns the value of the first top-level C-TLV with tag (CR bit ignored) inside a
// D0 proactive command with one-byte lengths, as all the sample commands read here have.
func findValue(t testing.TB, cmd []byte, tag byte) []byte {
	t.Helper()
	body := cmd[2:]
	for len(body) >= 2 {
		n := int(body[1])
		if body[0]&0x7F == tag {
			return body[2 : 2+n]
		}
		body = body[2+n:]
	}
	t.Fatalf("tag %02X not found in %X", tag, cmd)
	return nil
}

// Published packed texts: GET INKEY `Enter "0"` (cat-get-inkey-01) and the SEND USSD string with
// CBS DCS F0 (cat-send-ussd-01), both from the gecko marionette STK tests.
func TestPackedVectors(t *testing.T) {
	// Independent of the shared file, so the check runs everywhere.
	inkey := mustHex(t, "4537BD2C07896022")
	s, err := DecodeText(0x00, inkey)
	if err != nil || s != `Enter "0"` {
		t.Fatalf("DecodeText(00, %X) = %q, %v", inkey, s, err)
	}
	enc, err := EncodeText(s, 0x00)
	if err != nil || !bytes.Equal(enc, inkey) {
		t.Fatalf("EncodeText = %X, %v; want %X", enc, err, inkey)
	}

	vec := loadCATVectors(t)
	text := findValue(t, vec["cat-get-inkey-01"], 0x0D)
	if s, err := DecodeText(text[0], text[1:]); err != nil || s != `Enter "0"` {
		t.Errorf("cat-get-inkey-01: %q, %v", s, err)
	}
	ussd := findValue(t, vec["cat-send-ussd-01"], 0x0A)
	const want = "ABCDEFGHIJKLMNOPQRSTUVWXYZ-abcdefghijklmnopqrstuvwxyz-1234567890"
	if ussd[0] != 0xF0 {
		t.Fatalf("USSD DCS %02X", ussd[0])
	}
	for name, dec := range map[string]func(byte, []byte) (string, error){"DecodeUSSD": DecodeUSSD, "DecodeText": DecodeText} {
		if s, err := dec(ussd[0], ussd[1:]); err != nil || s != want {
			t.Errorf("%s(F0) = %q, %v", name, s, err)
		}
	}
	enc, err = EncodeUSSD(want, 0xF0)
	if err != nil || !bytes.Equal(enc, ussd[1:]) {
		t.Errorf("EncodeUSSD = %X, %v; want %X", enc, err, ussd[1:])
	}
	// 8-bit texts of the same file.
	for id, want := range map[string]string{"cat-display-text-01": "Toolkit Test 1", "cat-get-input-01": "Enter 12345"} {
		v := findValue(t, vec[id], 0x0D)
		if s, err := DecodeText(v[0], v[1:]); err != nil || s != want {
			t.Errorf("%s: %q, %v", id, s, err)
		}
		if enc, err := EncodeText(want, v[0]); err != nil || !bytes.Equal(enc, v[1:]) {
			t.Errorf("%s: EncodeText = %X, %v", id, enc, err)
		}
	}
}

// The CR filler rule of TS 23.038 6.1.2.3.1.
func TestPackCRFiller(t *testing.T) {
	for _, c := range []struct {
		name   string
		text   string
		packed string // expected bytes
		back   string // what DecodeText gives
	}{
		// 7 characters leave 7 spare bits: CR (0D) goes there, not 0 ('@').
		{"8n-1", "1234567", "31 D9 8C 56 B3 DD 1A", "1234567"},
		// 6 characters: 6 spare bits stay zero.
		{"short", "123456", "31 D9 8C 56 B3 01", "123456"},
		// 8 characters end on an octet boundary; the last is not CR: nothing added.
		{"8n", "12345678", "31 D9 8C 56 B3 DD 70", "12345678"},
		// A wanted CR at the end of 8 characters: a second CR follows, which the receiver keeps.
		{"8n CR", "1234567\r", "31 D9 8C 56 B3 DD 1A 0D", "1234567\r\r"},
		// A wanted CR as the 7th character: the filler CR makes 8, the receiver strips one.
		{"8n-1 CR", "123456\r", "31 D9 8C 56 B3 35 1A", "123456\r"},
		{"empty", "", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := mustHex(t, c.packed)
			got, err := EncodeText(c.text, 0x00)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("EncodeText(%q) = % X, %v; want % X", c.text, got, err, want)
			}
			septets, _ := EncodeGSM(c.text)
			if p := Pack7(septets); !bytes.Equal(p, want) {
				t.Fatalf("Pack7 = % X, want % X", p, want)
			}
			back, err := DecodeText(0x00, got)
			if err != nil || back != c.back {
				t.Fatalf("DecodeText = %q, %v; want %q", back, err, c.back)
			}
		})
	}
}

func TestUnpack7(t *testing.T) {
	packed := mustHex(t, "4537BD2C07896022")
	if got := Unpack7(packed, 9); string(got) != `Enter "0"` {
		t.Errorf("Unpack7 = %q", got)
	}
	if got := Unpack7(packed, 100); len(got) != 9 {
		t.Errorf("Unpack7 clamps to %d septets, want 9", len(got))
	}
	if got := Unpack7(packed, -1); len(got) != 0 {
		t.Errorf("Unpack7(-1) = %X", got)
	}
	if got := Unpack7(nil, 3); len(got) != 0 {
		t.Errorf("Unpack7(nil) = %X", got)
	}
	// AppendPacked7 has no filler: 7 septets leave 7 zero bits.
	if got := AppendPacked7(nil, []byte("1234567")); !bytes.Equal(got, mustHex(t, "31D98C56B3DD00")) {
		t.Errorf("AppendPacked7 = %X", got)
	}
	for n := 0; n < 40; n++ {
		septets := make([]byte, n)
		for i := range septets {
			septets[i] = byte(i*37+11) & 0x7F
		}
		p := AppendPacked7(nil, septets)
		if len(p) != (n*7+7)/8 {
			t.Fatalf("n=%d: %d octets", n, len(p))
		}
		if u := Unpack7(p, n); !bytes.Equal(u, septets) {
			t.Fatalf("n=%d: round trip % X != % X", n, u, septets)
		}
	}
}

func TestTextAlphabet(t *testing.T) {
	accepted := map[byte]Alphabet{0x00: GSM7, 0x04: GSM8, 0x08: UCS2,
		0xF0: GSM7, 0xF1: GSM7, 0xF2: GSM7, 0xF3: GSM7, 0xF4: GSM8, 0xF5: GSM8, 0xF6: GSM8, 0xF7: GSM8}
	for c := 0x10; c <= 0x1B; c++ {
		accepted[byte(c)] = Alphabet(c >> 2 & 3)
	}
	for d := 0; d < 256; d++ {
		a, err := TextAlphabet(byte(d))
		want, ok := accepted[byte(d)]
		if ok != (err == nil) || (ok && a != want) {
			t.Errorf("TextAlphabet(%02X) = %v, %v; want %v accepted=%v", d, a, err, want, ok)
		}
		if err != nil {
			wantErr(t, err, "dcs", 0)
		}
	}
}

func TestUSSDAlphabet(t *testing.T) {
	for _, c := range []struct {
		dcs byte
		a   Alphabet
		ok  bool
	}{
		{0x0F, GSM7, true}, {0x00, GSM7, true}, {0x10, GSM7, true}, {0x11, 0, false},
		{0x12, 0, false}, {0x1F, 0, false}, {0x20, GSM7, true}, {0x3F, GSM7, true},
		{0x40, GSM7, true}, {0x44, GSM8, true}, {0x48, UCS2, true}, {0x4C, 0, false},
		{0x60, 0, false}, {0x58, UCS2, true}, {0x94, 0, false}, {0xE0, 0, false},
		{0xF0, GSM7, true}, {0xF4, GSM8, true}, {0xF8, 0, false},
	} {
		a, err := USSDAlphabet(c.dcs)
		if c.ok != (err == nil) || a != c.a {
			t.Errorf("USSDAlphabet(%02X) = %v, %v; want %v, ok=%v", c.dcs, a, err, c.a, c.ok)
		}
	}
	// 0F, the usual USSD DCS, is reserved in the SMS scheme.
	if _, err := TextAlphabet(0x0F); err == nil {
		t.Error("TextAlphabet(0F) accepted")
	}
	s, err := DecodeUSSD(0x0F, mustHex(t, "AA180C3602"))
	if err != nil || s != "*100#" {
		t.Errorf("DecodeUSSD(0F) = %q, %v", s, err)
	}
}

func TestTextErrors(t *testing.T) {
	for _, c := range []struct {
		dcs    byte
		hex    string
		field  string
		offset int
	}{
		{0x08, "00 41 00", "text", 2},    // odd UCS2 length
		{0x08, "D8 3D 00 41", "text", 0}, // unpaired high surrogate
		{0x08, "DC 00", "text", 0},       // lone low surrogate
		{0x04, "41 42 C3", "text", 2},    // bit 8 in 8-bit text
		{0x04, "41 1B", "text", 1},       // escape at the end
		{0x00, "C1 0D", "text", 0},       // packed: septet 41 then 1B..., see below
		{0x0C, "41", "dcs", 0},           // reserved alphabet
		{0x24, "41", "dcs", 0},           // compressed
	} {
		_, err := DecodeText(c.dcs, mustHex(t, c.hex))
		if err == nil {
			t.Errorf("DecodeText(%02X, %s) accepted", c.dcs, c.hex)
			continue
		}
		wantErr(t, err, c.field, c.offset)
	}
	// Packed septets 41 1B 03: reserved escape 1B 03 in septet 1, which starts in octet 0.
	p := Pack7([]byte{0x41, 0x1B, 0x03})
	_, err := DecodeText(0x00, p)
	wantErr(t, err, "text", 0)
	// Packed septets 41 42 43 44 45 46 47 48 1B 09: the escape is septet 8, in octet 7.
	p = Pack7([]byte{0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x1B, 0x09})
	_, err = DecodeText(0x00, p)
	wantErr(t, err, "text", 7)

	_, err = EncodeText("余", 0x00)
	wantErr(t, err, "text", 0)
	_, err = EncodeText("x", 0x0C)
	wantErr(t, err, "dcs", 0)
}

// UCS2 texts: Chinese, and a supplementary character as a surrogate pair.
func TestUCS2Text(t *testing.T) {
	for _, c := range []struct{ s, hex string }{
		{"余额查询", "4F59 989D 67E5 8BE2"},
		{"Pay 💳", "0050 0061 0079 0020 D83D DCB3"},
		{"", ""},
	} {
		got, err := EncodeText(c.s, 0x08)
		if err != nil || !bytes.Equal(got, mustHex(t, c.hex)) {
			t.Errorf("EncodeText(%q, 08) = %X, %v", c.s, got, err)
		}
		back, err := DecodeText(0x18, got) // class-bearing UCS2 reads the same
		if err != nil || back != c.s {
			t.Errorf("DecodeText(18) = %q, %v", back, err)
		}
	}
}

func TestShortestText(t *testing.T) {
	for _, c := range []struct {
		s   string
		dcs byte
		n   int
	}{
		{"Toolkit Test 1", 0x00, 13},
		{"余额查询", 0x08, 8},
		{"Price 5€", 0x00, 8}, // 9 septets
		{"", 0x00, 0},
	} {
		dcs, data, err := ShortestText(c.s)
		if err != nil || dcs != c.dcs || len(data) != c.n {
			t.Errorf("ShortestText(%q) = %02X, %d bytes, %v; want %02X, %d", c.s, dcs, len(data), err, c.dcs, c.n)
		}
	}
}

func TestIsCanonicalText(t *testing.T) {
	if !IsCanonicalText(0x00, mustHex(t, "4537BD2C07896022")) {
		t.Error("GET INKEY text not canonical")
	}
	// Same text with a non-zero fill bit in the last octet (bit 8 of 22 -> A2).
	nc := mustHex(t, "4537BD2C078960A2")
	if s, err := DecodeText(0x00, nc); err != nil || s != `Enter "0"` {
		t.Fatalf("non-zero fill bits: %q, %v", s, err)
	}
	if IsCanonicalText(0x00, nc) {
		t.Error("non-zero fill bits reported canonical")
	}
	if IsCanonicalText(0x0C, nil) {
		t.Error("reserved DCS reported canonical")
	}
}

func TestAlphabetString(t *testing.T) {
	got := strings.Join([]string{GSM7.String(), GSM8.String(), UCS2.String(), Alphabet(9).String()}, ",")
	if got != "gsm7,gsm8,ucs2,unknown" {
		t.Error(got)
	}
}
