package cat

import (
	"bytes"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

// seeds adds the interoperability vectors and the golden examples to a fuzz corpus.
func seeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, v := range catVectors(f) {
		out = append(out, mustHex(f, v.Hex))
	}
	t := &testing.T{}
	for _, b := range examples(t) {
		out = append(out, b)
	}
	return out
}

// FuzzDecode: any input decodes or fails cleanly; what decodes re-encodes to the same bytes,
// and so does its JSON form.
func FuzzDecode(f *testing.F) {
	fuzzseed.Add(f)
	for _, b := range seeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		out, err := m.Marshal()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("Marshal: %X, %v; want %X", out, err, b)
		}
		j, err := JSON(b)
		if err != nil {
			return // an element the message defines does not decode: rejected with its path
		}
		back, err := FromJSON(j)
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("FromJSON: %X, %v; want %X\n%s", back, err, b, j)
		}
		if _, err := Dump(b); err != nil {
			t.Fatalf("Dump: %v", err)
		}
	})
}

// FuzzCommand: a typed command that decodes encodes to a canonical form that decodes to the
// same command (decode -> encode -> decode is stable).
func FuzzCommand(f *testing.F) {
	fuzzseed.Add(f)
	for _, b := range seeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := UnmarshalCommand(b)
		if err != nil {
			return
		}
		out, err := c.Marshal()
		if err != nil {
			return // e.g. a text that decodes but has no encoding in its format
		}
		c2, err := UnmarshalCommand(out)
		if err != nil {
			t.Fatalf("re-decode of %X: %v", out, err)
		}
		out2, err := c2.Marshal()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("unstable: %X then %X (%v)", out, out2, err)
		}
	})
}

// FuzzTerminalResponse is FuzzCommand for terminal responses.
func FuzzTerminalResponse(f *testing.F) {
	fuzzseed.Add(f)
	for _, b := range seeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var tr TerminalResponse
		if tr.Unmarshal(b) != nil {
			return
		}
		out, err := tr.Marshal()
		if err != nil {
			return
		}
		var tr2 TerminalResponse
		if err := tr2.Unmarshal(out); err != nil {
			t.Fatalf("re-decode of %X: %v", out, err)
		}
		out2, err := tr2.Marshal()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("unstable: %X then %X (%v)", out, out2, err)
		}
	})
}

// FuzzEnvelope is FuzzCommand for envelopes.
func FuzzEnvelope(f *testing.F) {
	fuzzseed.Add(f)
	for _, b := range seeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := UnmarshalEnvelope(b)
		if err != nil {
			return
		}
		out, err := e.Marshal()
		if err != nil {
			return
		}
		e2, err := UnmarshalEnvelope(out)
		if err != nil {
			t.Fatalf("re-decode of %X: %v", out, err)
		}
		out2, err := e2.Marshal()
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("unstable: %X then %X (%v)", out, out2, err)
		}
	})
}

// FuzzFromJSON: any JSON encodes or fails cleanly; what encodes decodes, and its JSON form
// encodes to the same bytes.
func FuzzFromJSON(f *testing.F) {
	fuzzseed.Add(f)
	for _, b := range seeds(f) {
		j, err := JSON(b)
		if err == nil {
			f.Add(j)
		}
	}
	f.Fuzz(func(t *testing.T, j []byte) {
		b, err := FromJSON(j)
		if err != nil {
			return
		}
		j2, err := JSON(b)
		if err != nil {
			t.Fatalf("JSON of encoded %X: %v", b, err)
		}
		b2, err := FromJSON(j2)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("unstable: %X then %X (%v)", b, b2, err)
		}
	})
}
