package text

import (
	"bytes"
	"encoding/json"
	"testing"
)

// Published alpha identifiers: the examples of TS 102 221 Annex A and the SELECT ITEM / SEND SHORT
// MESSAGE alpha identifiers of the gecko marionette STK tests (the bytes quoted in
// /work/shared/spec/stk-proactive.md section 5).
func TestAlphaVectors(t *testing.T) {
	for _, c := range []struct {
		name string
		hex  string
		want Alpha
	}{
		{"gsm", "4C 61 72 67 65", Alpha{Text: "Large"}},
		{"gsm padded", "4C 61 72 67 65 FF FF", Alpha{Text: "Large", Pad: 2}},
		{"null", "", Alpha{}},
		{"80 Cyrillic", "80 0417 0414 0420 0410 0412 0421 0422 0412 0423 0419 0422 0415",
			Alpha{Text: "ЗДРАВСТВУЙТЕ", Format: AlphaUCS2}},
		{"80 padded", "80 0417 0414 FFFF FFFF", Alpha{Text: "ЗД", Format: AlphaUCS2, Pad: 2}},
		{"81 Cyrillic", "81 0C 08 97 94 A0 90 92 A1 A2 92 A3 99 A2 95",
			Alpha{Text: "ЗДРАВСТВУЙТЕ", Format: AlphaUCS2Base81, Base: 0x0400}},
		{"81 item", "81 0D 08 97 94 A0 90 92 A1 A2 92 A3 99 A2 95 31",
			Alpha{Text: "ЗДРАВСТВУЙТЕ1", Format: AlphaUCS2Base81, Base: 0x0400}},
		{"82 Cyrillic", "82 0C 0410 87 84 90 80 82 91 92 82 93 89 92 85",
			Alpha{Text: "ЗДРАВСТВУЙТЕ", Format: AlphaUCS2Base82, Base: 0x0410}},
		{"82 item", "82 0D 0410 87 84 90 80 82 91 92 82 93 89 92 85 31",
			Alpha{Text: "ЗДРАВСТВУЙТЕ1", Format: AlphaUCS2Base82, Base: 0x0410}},
		{"80 Chinese", "80 5DE5 5177 7BB1 9009 62E9", Alpha{Text: "工具箱选择", Format: AlphaUCS2}},
		{"80 katakana", "80 0038 0030 30EB 0030", Alpha{Text: "80ル0", Format: AlphaUCS2}},
		{"81 katakana", "81 04 61 38 31 EB 30", Alpha{Text: "81ル0", Format: AlphaUCS2Base81, Base: 0x3080}},
		{"82 katakana", "82 04 30A0 38 32 CB 30", Alpha{Text: "82ル0", Format: AlphaUCS2Base82, Base: 0x30A0}},
		// TS 102 221 Annex A example 1 (Bengali), 81 05 13 53 95 A6 XX FF FF, with its unspecified
		// XX taken as A7 here: the first FF is the fifth character (base + 7F = U+09FF), the
		// second is padding.
		{"81 Annex A", "81 05 13 53 95 A6 A7 FF FF",
			Alpha{Text: "S\u0995\u09A6\u09A7\u09FF", Format: AlphaUCS2Base81, Base: 0x0980, Pad: 1}},
		// TS 102 221 Annex A example 2 (Armenian).
		{"82 Annex A", "82 05 0530 2D 82 D3 2D 31",
			Alpha{Text: "-\u0532\u0583-1", Format: AlphaUCS2Base82, Base: 0x0530}},
		// An extension character inside an 81 string: 1B 65 is '€', and the count includes 1B.
		{"81 escape", "81 03 08 97 1B 65", Alpha{Text: "З€", Format: AlphaUCS2Base81, Base: 0x0400}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := mustHex(t, c.hex)
			got, err := DecodeAlpha(b)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("DecodeAlpha = %+v, want %+v", got, c.want)
			}
			enc, err := got.Encode()
			if err != nil || !bytes.Equal(enc, b) {
				t.Fatalf("Encode = % X, %v; want % X", enc, err, b)
			}
			if !IsCanonicalAlpha(b) {
				t.Error("not canonical")
			}
			if n, ok := AlphaLen(got); !ok || n != len(b) {
				t.Errorf("AlphaLen = %d, %v; want %d", n, ok, len(b))
			}
		})
	}
}

// Inputs that decode but do not re-encode to the same bytes (listed in the package comment).
func TestAlphaNotCanonical(t *testing.T) {
	for _, c := range []struct{ hex, text string }{
		{"82 02 0380 94 41", "ΔA"}, // Δ (basic GSM 10) coded through the base 0380
		{"82 02 20AC 1B 65", "€"},  // € escaped although base + 00 is €
	} {
		b := mustHex(t, c.hex)
		a, err := DecodeAlpha(b)
		if err != nil || a.Text != c.text {
			t.Fatalf("%s: %+v, %v", c.hex, a, err)
		}
		if IsCanonicalAlpha(b) {
			t.Errorf("%s reported canonical", c.hex)
		}
		again, err := a.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if a2, err := DecodeAlpha(again); err != nil || a2.Text != a.Text {
			t.Errorf("%s: re-encoded % X decodes to %+v, %v", c.hex, again, a2, err)
		}
	}
}

func TestDecodeAlphaErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		hex    string
		field  string
		offset int
	}{
		{"80 odd length", "80 0041 00", "alpha.ucs2", 3},
		{"80 odd padding", "80 0041 FF", "alpha.ucs2", 3},
		{"80 char after padding", "80 0041 FFFF 0042", "alpha.pad", 5},
		{"80 unpaired surrogate", "80 D83D 0041", "alpha.ucs2", 1},
		{"81 no count", "81", "alpha.count", 1},
		{"81 no base", "81 02", "alpha.base", 2},
		{"82 short base", "82 02 04", "alpha.base", 3},
		{"81 count past end", "81 05 08 97 94", "alpha.count", 1},
		{"82 count past end", "82 03 0410 87", "alpha.count", 1},
		{"81 trailing byte", "81 01 08 97 41", "alpha.pad", 4},
		{"81 escape at end", "81 02 08 97 1B", "alpha.text", 4},
		{"81 escape then UCS2", "81 03 08 41 1B 97", "alpha.text", 5},
		{"81 reserved escape", "81 03 08 1B 41 97", "alpha.text", 3},
		{"82 past FFFF", "82 01 FFF0 9F", "alpha.text", 4},
		{"82 surrogate", "82 01 D800 80", "alpha.text", 4},
		{"gsm bit 8", "41 C1", "alpha.pad", 1},
		{"gsm after padding", "41 FF 42", "alpha.pad", 2},
		{"gsm starts high", "C1 42", "alpha.pad", 0},
		{"gsm reserved escape", "41 1B 41", "alpha.text", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := DecodeAlpha(mustHex(t, c.hex))
			if err == nil {
				t.Fatalf("accepted as %+v", a)
			}
			wantErr(t, err, c.field, c.offset)
		})
	}
}

func TestEncodeAlphaErrors(t *testing.T) {
	// 81 base not a multiple of 80.
	_, err := Alpha{Text: "З", Format: AlphaUCS2Base81, Base: 0x0410}.Encode()
	wantErr(t, err, "alpha.base", 0)
	// Character outside the window and not GSM: offset is its byte position in the text.
	_, err = Alpha{Text: "ЗД余", Format: AlphaUCS2Base81, Base: 0x0400}.Encode()
	wantErr(t, err, "alpha.text", 4)
	_, err = EncodeAlphaAs("余额查询", AlphaUCS2Base82)
	wantErr(t, err, "alpha.text", 3)
	// Supplementary characters only exist in the 80 form.
	_, err = EncodeAlphaAs("💳", AlphaUCS2Base82)
	wantErr(t, err, "alpha.text", 0)
	if _, err := EncodeAlphaAs("余", AlphaGSM); err == nil {
		t.Error("GSM accepted 余")
	}
	// More than 255 bytes of characters cannot be counted in one byte.
	long := make([]rune, 256)
	for i := range long {
		long[i] = 'З'
	}
	_, err = EncodeAlphaAs(string(long), AlphaUCS2Base81)
	wantErr(t, err, "alpha.count", 0)
	_, err = Alpha{Format: 9}.Encode()
	wantErr(t, err, "alpha.format", 0)
	_, err = Alpha{Pad: -1}.Encode()
	wantErr(t, err, "alpha.pad", 0)
	_, err = EncodeAlpha("ab\xff")
	wantErr(t, err, "alpha.text", 2)
	// On error, Append leaves dst as it was.
	dst := []byte{1, 2}
	out, err := Alpha{Text: "ЗД余", Format: AlphaUCS2Base81, Base: 0x0400}.Append(dst)
	if err == nil || !bytes.Equal(out, []byte{1, 2}) {
		t.Errorf("Append on error = % X, %v", out, err)
	}
}

// EncodeAlphaAs with each format, and the canonical bases.
func TestEncodeAlphaAs(t *testing.T) {
	for _, c := range []struct {
		s   string
		f   AlphaFormat
		hex string
	}{
		{"ЗДРАВСТВУЙТЕ", AlphaUCS2Base81, "81 0C 08 97 94 A0 90 92 A1 A2 92 A3 99 A2 95"},
		{"ЗДРАВСТВУЙТЕ", AlphaUCS2Base82, "82 0C 0410 87 84 90 80 82 91 92 82 93 89 92 85"},
		{"ЗДРАВСТВУЙТЕ", AlphaUCS2, "80 0417 0414 0420 0410 0412 0421 0422 0412 0423 0419 0422 0415"},
		{"81ル0", AlphaUCS2Base81, "81 04 61 38 31 EB 30"},
		{"82ル0", AlphaUCS2Base82, "82 04 30EB 38 32 80 30"}, // canonical base = lowest character
		{"Large", AlphaGSM, "4C 61 72 67 65"},
		{"Large", AlphaUCS2Base81, "81 05 00 4C 61 72 67 65"},
		{"€", AlphaUCS2Base82, "82 01 20AC 80"}, // only extension characters: they set the base
		{"ΔA", AlphaUCS2Base82, "82 02 0000 10 41"},
		{"", AlphaUCS2, "80"},
		{"", AlphaUCS2Base81, "81 00 00"},
	} {
		got, err := EncodeAlphaAs(c.s, c.f)
		if err != nil || !bytes.Equal(got, mustHex(t, c.hex)) {
			t.Errorf("EncodeAlphaAs(%q, %v) = % X, %v; want %s", c.s, c.f, got, err, c.hex)
		}
	}
}

// Which form EncodeAlpha picks, and its length.
func TestEncodeAlphaShortest(t *testing.T) {
	for _, c := range []struct {
		s string
		f AlphaFormat
		n int
	}{
		{"", AlphaGSM, 0},
		{"Café", AlphaGSM, 4},
		{"Price: 5€ [x]", AlphaGSM, 16},
		{"{[]}", AlphaGSM, 8},  // 81 with base 0000 would take 7: GSM still wins
		{"ΔΦΓΛΩ", AlphaGSM, 5}, // GSM's Greek capitals
		{"余额查询", AlphaUCS2, 9}, // 4 half-pages apart
		{"转账", AlphaUCS2, 5},
		{"支付", AlphaUCS2, 5},
		{"ЗДРАВСТВУЙТЕ", AlphaUCS2Base81, 15},
		{"Баланс", AlphaUCS2Base81, 9},
		{"Καλημέρα", AlphaUCS2Base81, 11},
		{"مرحبا", AlphaUCS2Base81, 8},
		{"Pay 100 руб", AlphaUCS2Base81, 14},
		{"Բարեւ", AlphaUCS2Base82, 9}, // Armenian crosses the 0580 half-page: only 82 fits
		{"ΑΔ", AlphaUCS2, 5},          // 80 and 81 both 5 bytes: the tie goes to 80
		{"ç", AlphaUCS2, 3},
		{"Pay 💳", AlphaUCS2, 13}, // a surrogate pair
		{"余额: 100€", AlphaUCS2, 17},
	} {
		a, err := ShortestAlpha(c.s)
		if err != nil || a.Format != c.f {
			t.Errorf("ShortestAlpha(%q) = %v, %v; want %v", c.s, a.Format, err, c.f)
			continue
		}
		enc, err := EncodeAlpha(c.s)
		if err != nil || len(enc) != c.n {
			t.Errorf("EncodeAlpha(%q) = % X (%d bytes), %v; want %d bytes", c.s, enc, len(enc), err, c.n)
			continue
		}
		back, err := DecodeAlpha(enc)
		if err != nil || back.Text != c.s || back.Format != c.f {
			t.Errorf("DecodeAlpha(EncodeAlpha(%q)) = %+v, %v", c.s, back, err)
		}
		// No other UCS2 form is shorter (GSM wins whenever it can: see EncodeAlpha).
		for _, f := range []AlphaFormat{AlphaUCS2, AlphaUCS2Base81, AlphaUCS2Base82} {
			if other, err := EncodeAlphaAs(c.s, f); err == nil && len(other) < len(enc) && c.f != AlphaGSM {
				t.Errorf("%q: %v gives %d bytes < %d", c.s, f, len(other), len(enc))
			}
		}
	}
}

func TestAlphaFormatNames(t *testing.T) {
	for f := AlphaGSM; f <= AlphaUCS2Base82; f++ {
		g, err := ParseAlphaFormat(f.String())
		if err != nil || g != f {
			t.Errorf("ParseAlphaFormat(%q) = %v, %v", f, g, err)
		}
	}
	if _, err := ParseAlphaFormat("utf8"); err == nil {
		t.Error("ParseAlphaFormat(utf8) accepted")
	}
	if s := AlphaFormat(7).String(); s != "AlphaFormat(7)" {
		t.Error(s)
	}
	j, err := json.Marshal(Alpha{Text: "З", Format: AlphaUCS2Base81, Base: 0x400})
	if err != nil || string(j) != `{"Text":"З","Format":"ucs2-81","Base":1024,"Pad":0}` {
		t.Errorf("JSON %s, %v", j, err)
	}
	var a Alpha
	if err := json.Unmarshal(j, &a); err != nil || a.Format != AlphaUCS2Base81 {
		t.Errorf("JSON back %+v, %v", a, err)
	}
	if _, err := json.Marshal(AlphaFormat(7)); err == nil {
		t.Error("invalid format marshalled")
	}
}
