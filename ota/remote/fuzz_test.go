package remote

import (
	"bytes"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

func FuzzParseCompactResponse(f *testing.F) {
	fuzzseed.Add(f)
	for _, s := range []string{"016132", "0290006202820001", "019f0a5eeaaf847b167f9d7ec1ece38817d5e1a7", "02612fd7cb42cdc1f55a9755a3cabcd600be8fa0"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseCompactResponse(b)
		if err != nil {
			return
		}
		again, err := r.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("% X -> % X %v", b, again, err)
		}
	})
}

func FuzzParseExpandedResponse(f *testing.F) {
	fuzzseed.Add(f)
	for _, s := range []string{"AB0C800102230290002303016A82", "AF80230290009001020000", "AB06800102810101"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseExpandedResponse(b)
		if err != nil {
			return
		}
		again, err := r.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("% X -> % X %v", b, again, err)
		}
	})
}

func FuzzParseExpandedScript(f *testing.F) {
	fuzzseed.Add(f)
	for _, s := range []string{"AA07220580E2900000", "AE80220580E29000000000", "AA0E830101220700A40004023F00810101"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseExpandedScript(b)
		if err != nil {
			return
		}
		again, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("% X -> % X %v", b, again, err)
		}
		_, _ = s.Listing()
	})
}

func FuzzParseCommandAPDU(f *testing.F) {
	fuzzseed.Add(f)
	for _, s := range []string{"00A40000", "00B0000010", "00A40004023F00", "00A40004023F0000", "a0a40000027f20a0c0000016"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := ParseCommandAPDU(b); err == nil {
			again, err := c.MarshalBinary()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("% X -> % X %v", b, again, err)
			}
		}
		if cmds, err := ParseCompactScript(b); err == nil {
			again, err := CompactScript(cmds...)
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("compact % X -> % X %v", b, again, err)
			}
		}
	})
}

func FuzzParseInstall(f *testing.F) {
	fuzzseed.Add(f)
	c, _ := InstallApplication(sampleInstall(), true)
	f.Add(c.Data)
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := ParseInstall(b)
		if err != nil {
			return
		}
		// Parse -> build -> parse must be stable (encodings may differ only in BER length form).
		c, err := InstallApplication(in, false)
		if err != nil {
			return
		}
		if _, err := ParseInstall(c.Data); err != nil {
			t.Fatalf("rebuilt install does not parse: %v", err)
		}
	})
}
