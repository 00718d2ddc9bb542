package cat

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

type vector struct {
	ID          string `json:"id"`
	Category    string `json:"category"`
	Hex         string `json:"hex"`
	Description string `json:"description"`
	Decoded     struct {
		TLVs []struct {
			Tag   string          `json:"tag"`
			Name  string          `json:"name"`
			CR    bool            `json:"CR"`
			Len   int             `json:"len"`
			Value json.RawMessage `json:"value"`
		} `json:"tlvs"`
	} `json:"decoded"`
}

// catVectors returns the CAT vectors of fixtures/vectors/cat-sample.json.
func catVectors(t testing.TB) []vector {
	t.Helper()
	raw, err := os.ReadFile("../../fixtures/vectors/cat-sample.json")
	if err != nil {
		t.Fatalf("sample vectors: %v", err)
	}
	var f struct{ Vectors []vector }
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	var out []vector
	for _, v := range f.Vectors {
		switch v.Category {
		case "proactive_command", "terminal_response", "envelope":
			out = append(out, v)
		}
	}
	return out
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVectorsRoundTrip(t *testing.T) {
	for _, v := range catVectors(t) {
		t.Run(v.ID, func(t *testing.T) {
			b := mustHex(t, v.Hex)
			m, err := Decode(b)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			got, err := m.Marshal()
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("re-encode: %X, %v; want %X", got, err, b)
			}
			j, err := JSON(b)
			if err != nil {
				t.Fatalf("JSON: %v", err)
			}
			back, err := FromJSON(j)
			if err != nil || !bytes.Equal(back, b) {
				t.Fatalf("FromJSON: %X, %v; want %X\n%s", back, err, b, j)
			}
			checkPrefixes(t, b)
		})
	}
}

// TestVectorsMeaning checks each vector's elements against the meaning documented beside it:
// tag, CR bit, length, name and value.
func TestVectorsMeaning(t *testing.T) {
	for _, v := range catVectors(t) {
		t.Run(v.ID, func(t *testing.T) {
			m, err := Decode(mustHex(t, v.Hex))
			if err != nil {
				t.Fatal(err)
			}
			tl := v.Decoded.TLVs
			if len(tl) != len(m.Elements) {
				t.Fatalf("%d elements, documented %d", len(m.Elements), len(tl))
			}
			for i, d := range tl {
				e := &m.Elements[i]
				tag := byte(e.Tag)
				if e.CR {
					tag |= 0x80
				}
				if got := hexByteString(tag); got != d.Tag || e.CR != d.CR || len(e.Value) != d.Len || TagName(e.Tag) != d.Name {
					t.Fatalf("element %d: %s CR=%v len %d %q, documented %s CR=%v len %d %q", i, got, e.CR, len(e.Value), TagName(e.Tag), d.Tag, d.CR, d.Len, d.Name)
				}
				checkMeaning(t, m, e, d.Name, d.Value)
			}
		})
	}
}

func checkMeaning(t *testing.T, m *Message, e *Element, name string, doc json.RawMessage) {
	t.Helper()
	if len(doc) == 0 {
		return
	}
	v := lookupTag(e.Tag).newValue()
	if err := v.decodeValue(e.Value); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	fail := func(got, want any) { t.Errorf("%s: got %v, documented %v", name, got, want) }
	var s string
	_ = json.Unmarshal(doc, &s)
	switch x := v.(type) {
	case *CommandDetails:
		var d struct {
			Number    int
			Type      string
			Qualifier string
		}
		json.Unmarshal(doc, &d)
		if got := hexByteString(byte(x.Type)) + " " + x.Type.String(); int(x.Number) != d.Number || got != d.Type || hexByteString(x.Qualifier) != d.Qualifier {
			fail(*x, d)
		}
	case *DeviceIdentities:
		if got := x.Source.String() + " -> " + x.Destination.String(); !strings.EqualFold(got, s) {
			fail(got, s)
		}
	case *TextString:
		if x.Text != s {
			fail(x.Text, s)
		}
	case *AlphaIdentifier:
		if x.Text != s {
			fail(x.Text, s)
		}
	case *Item:
		var d struct {
			ID   int
			Text string
		}
		json.Unmarshal(doc, &d)
		if int(x.Identifier) != d.ID || x.Text != d.Text {
			fail(*x, d)
		}
	case *ResponseLength:
		var d struct{ Min, Max int }
		json.Unmarshal(doc, &d)
		if int(x.Min) != d.Min || int(x.Max) != d.Max {
			fail(*x, d)
		}
	case *Address:
		var d struct{ TON_NPI, Number string }
		json.Unmarshal(doc, &d)
		if hexByteString(x.TONNPI) != d.TON_NPI || x.Number != d.Number {
			fail(*x, d)
		}
	case *SSString:
		var d struct{ TON_NPI, SS_String string }
		json.Unmarshal(doc, &d)
		if hexByteString(x.TONNPI) != d.TON_NPI || x.String != d.SS_String {
			fail(*x, d)
		}
	case *USSDString:
		var d struct{ DCS, Text string }
		json.Unmarshal(doc, &d)
		if hexByteString(x.DCS) != d.DCS || x.Text != d.Text {
			fail(*x, d)
		}
	case *FileList:
		var d struct {
			Count int
			Path  string
		}
		json.Unmarshal(doc, &d)
		if len(x.Files) != d.Count || !strings.EqualFold(hexString(x.Files[0]), d.Path) {
			fail(*x, d)
		}
	case *Duration:
		if got := fmt.Sprintf("%d %s", x.Interval, timeUnitNames.name(byte(x.Unit))); got != s {
			fail(got, s)
		}
	case *EventList:
		var d []string
		json.Unmarshal(doc, &d)
		if len(d) != len(x.Events) || x.Events[0].String() != d[0] {
			fail(x.Events, d)
		}
	case *TimerIdentifier:
		if got := fmt.Sprint(x.Identifier); got != string(doc) {
			fail(got, string(doc))
		}
	case *ItemIdentifier:
		if got := fmt.Sprint(x.Identifier); got != string(doc) {
			fail(got, string(doc))
		}
	case *TimerValue:
		if got := fmt.Sprintf("%02d:%02d:%02d", x.Hours, x.Minutes, x.Seconds); got != s {
			fail(got, s)
		}
	case *Result:
		var d struct{ General_Result, Additional string }
		json.Unmarshal(doc, &d)
		if hexByteString(byte(x.General)) != d.General_Result || hexString(x.Additional) != d.Additional {
			fail(*x, d)
		}
	case *SMSTPDU:
		// The TPDU's own fields belong to the SMS codec; the length was checked above.
	default:
		t.Errorf("%s: no check for %T", name, v)
	}
}
