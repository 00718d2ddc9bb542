package toolkit

import (
	"bytes"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
	"github.com/stkforge/stkforge/stk/image"
)

func sampleState(t testing.TB) *state {
	k, err := GenerateKey(SeededRand("state test"), 1024)
	if err != nil {
		t.Fatal(err)
	}
	return &state{Counter: 41, SMSRef: 7, Keys: []cardKey{{Name: "pay", Key: k}},
		Issuers: []image.IssuerKey{{ID: "bank", Key: &k.PublicKey}}}
}

// TestStateRoundTrip: EF 6F04 decodes to the same state, padded with FF as an EF is; every
// strict prefix fails cleanly.
func TestStateRoundTrip(t *testing.T) {
	st := sampleState(t)
	b, err := st.marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseState(append(bytes.Clone(b), 0xFF, 0xFF, 0xFF))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := got.marshal()
	if !bytes.Equal(again, b) || !got.Keys[0].Key.Equal(st.Keys[0].Key) || got.Counter != 41 || got.SMSRef != 7 {
		t.Fatal("state does not round-trip")
	}
	for n := 1; n < len(b); n++ {
		if _, err := parseState(b[:n]); err == nil {
			t.Fatalf("prefix of %d bytes parses", n)
		}
	}
	// Deterministic key generation: the same seed gives the same key.
	k2, _ := GenerateKey(SeededRand("state test"), 1024)
	if !k2.Equal(st.Keys[0].Key) {
		t.Fatal("GenerateKey is not deterministic for a seeded reader")
	}
}

func FuzzParseState(f *testing.F) {
	fuzzseed.Add(f)
	b, err := sampleState(f).marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseState(b)
		if err != nil {
			return
		}
		if _, err := st.marshal(); err != nil {
			t.Fatal(err)
		}
	})
}
