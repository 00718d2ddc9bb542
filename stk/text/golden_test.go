package text

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sebdah/goldie/v2"
)

// multilingual is the table of texts whose chosen encodings the golden file records.
var multilingual = []struct{ label, text string }{
	{"zh, balance inquiry", "余额查询"},
	{"zh, transfer", "转账"},
	{"zh, pay", "支付"},
	{"zh, gecko SELECT ITEM title", "工具箱选择"},
	{"zh + Latin + extension", "余额: 100€"},
	{"ru, gecko SEND SM alpha", "ЗДРАВСТВУЙТЕ"},
	{"ru, balance", "Баланс"},
	{"ru + Latin", "Pay 100 руб"},
	{"el, good morning", "Καλημέρα"},
	{"el, the capitals GSM has", "ΔΦΓΛΩΠΨΣΘΞ"},
	{"el, Alpha is not GSM 'A'", "ΑΔ"},
	{"ar, hello", "مرحبا"},
	{"ar, balance", "الرصيد"},
	{"hy, hello (crosses the 0580 half-page)", "Բարեւ"},
	{"hi, hello", "नमस्ते"},
	{"ja, gecko 81 title", "81ル0"},
	{"Latin, DISPLAY TEXT 1.1.1", "Toolkit Test 1"},
	{"Latin-1: é is GSM, ç is not", "Café ç"},
	{"extension table", "Price: 5€ [x] {y} ^~|\\"},
	{"only extension characters", "{[]}"},
	{"supplementary (surrogate pair)", "Pay 💳"},
	{"wanted CR on an octet boundary", "1234567\r"},
	{"empty", ""},
}

// charCodes lists each character of a with the bytes that code it.
func charCodes(a Alpha) string {
	var parts []string
	for _, r := range a.Text {
		var b []byte
		switch a.Format {
		case AlphaGSM:
			b, _ = EncodeGSM(string(r))
		case AlphaUCS2:
			b, _ = appendUCS2(nil, string(r), "")
		default:
			enc, _ := appendAlphaBase(nil, string(r), a.Format, a.Base)
			head := 3
			if a.Format == AlphaUCS2Base82 {
				head = 4
			}
			b = enc[head:]
		}
		parts = append(parts, fmt.Sprintf("%s=%X", printable(r), b))
	}
	return strings.Join(parts, " ")
}

func printable(r rune) string {
	switch r {
	case '\r':
		return `\r`
	case ' ':
		return "␠"
	}
	return string(r)
}

// alphaHex shows the header of a UCS2 alpha apart from its characters.
func alphaHex(a Alpha, b []byte) string {
	head := map[AlphaFormat]int{AlphaGSM: 0, AlphaUCS2: 1, AlphaUCS2Base81: 3, AlphaUCS2Base82: 4}[a.Format]
	if len(b) < head {
		head = len(b)
	}
	if len(b) == 0 {
		return "(null)"
	}
	if head == 0 {
		return fmt.Sprintf("% X", b)
	}
	return fmt.Sprintf("% X | % X", b[:head], b[head:])
}

func TestGoldenMultilingual(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("# stk/text: the encodings EncodeAlpha and ShortestText choose (go test ./stk/text -update)\n")
	sb.WriteString("# alpha: Alpha identifier / Item text, TS 102 221 Annex A; header | characters\n")
	sb.WriteString("# forms: length of each alpha form in bytes, - when the text does not fit it\n")
	sb.WriteString("# text:  Text string data after its DCS byte, TS 23.038 (00 = 7-bit packed, 08 = UCS2)\n")
	for _, c := range multilingual {
		fmt.Fprintf(&sb, "\n%q  (%s)\n", c.text, c.label)
		a, err := ShortestAlpha(c.text)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := a.Encode()
		if err != nil {
			t.Fatal(err)
		}
		base := ""
		if a.Format == AlphaUCS2Base81 || a.Format == AlphaUCS2Base82 {
			base = fmt.Sprintf(", base %04X", a.Base)
		}
		fmt.Fprintf(&sb, "  alpha %-8s %3d bytes%s: %s\n", a.Format, len(enc), base, alphaHex(a, enc))
		if c.text != "" {
			fmt.Fprintf(&sb, "        %s\n", charCodes(a))
		}
		var forms []string
		for _, f := range []AlphaFormat{AlphaGSM, AlphaUCS2, AlphaUCS2Base81, AlphaUCS2Base82} {
			n := "-"
			if b, err := EncodeAlphaAs(c.text, f); err == nil {
				n = fmt.Sprint(len(b))
			}
			forms = append(forms, fmt.Sprintf("%s %s", f, n))
		}
		fmt.Fprintf(&sb, "  forms %s\n", strings.Join(forms, ", "))
		dcs, data, err := ShortestText(c.text)
		if err != nil {
			t.Fatal(err)
		}
		back, _ := DecodeText(dcs, data)
		note := ""
		if dcs == DCSGSM7 {
			n, _ := GSMLen(c.text)
			note = fmt.Sprintf(", %d septets", n)
			if needsCRFill(mustGSM(t, c.text)) {
				note += " + CR filler"
			}
		}
		shown := fmt.Sprintf("% X", data)
		if len(data) == 0 {
			shown = "(null)"
		}
		fmt.Fprintf(&sb, "  text  DCS %02X   %3d bytes%s: %s\n", dcs, len(data), note, shown)
		if back != c.text {
			fmt.Fprintf(&sb, "        decodes as %q (TS 23.038 6.1.2.3.1)\n", back)
		}
	}
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/stk/text"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "multilingual", []byte(sb.String()))
}

func mustGSM(t *testing.T, s string) []byte {
	b, err := EncodeGSM(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
