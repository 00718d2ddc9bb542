package profile

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

func fuzzSeeds() [][]byte {
	var seeds [][]byte
	for _, name := range NamedProfiles() {
		p, _ := Named(name)
		seeds = append(seeds, p.Encode())
	}
	te, _ := ParseHex(AndroidTEHex)
	return append(seeds, te.Encode(), []byte{0xFF}, []byte{0x00}, bytesOf(0xFF, 40))
}

// FuzzParse: any 1..255 bytes parse, re-encode to themselves, survive the JSON form, and never
// make Supports panic.
func FuzzParse(f *testing.F) {
	fuzzseed.Add(f)
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if len(b) == 0 || len(b) > MaxLen {
			if err == nil {
				t.Fatalf("Parse accepted %d bytes", len(b))
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p.Encode(), b) {
			t.Fatalf("Encode(Parse(%X)) = %X", b, p.Encode())
		}
		for _, n := range p.Names() {
			if !p.Has(n) {
				t.Fatalf("Names lists %s, Has says no", n)
			}
		}
		js, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q Profile
		if err := json.Unmarshal(js, &q); err != nil || !q.Equal(p) {
			t.Fatalf("JSON round trip of %X: %v, %s", b, err, q)
		}
		for typ := 0; typ < 256; typ++ {
			p.Supports(byte(typ), b[0])
		}
		_ = p.Listing()
	})
}

// FuzzUnmarshalJSON: whatever JSON decodes re-encodes to the same bytes through its own JSON.
func FuzzUnmarshalJSON(f *testing.F) {
	fuzzseed.Add(f)
	for _, s := range fuzzSeeds() {
		p, _ := Parse(s)
		js, _ := json.Marshal(p)
		f.Add(js)
	}
	f.Add([]byte(`{"length":3,"capabilities":["display_text"],"fields":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Profile
		if err := p.UnmarshalJSON(data); err != nil {
			return
		}
		js, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q Profile
		if err := json.Unmarshal(js, &q); err != nil || !q.Equal(p) {
			t.Fatalf("%s -> %s -> %v %s", data, js, err, q)
		}
	})
}
