package pcsc

import (
	"bytes"
	"testing"
)

// scripted is a card that answers from a table, and records what it was sent.
type scripted struct {
	answers map[string]string
	sent    []string
}

func (s *scripted) Transmit(c []byte) []byte {
	s.sent = append(s.sent, hexs(c))
	if a, ok := s.answers[hexs(c)]; ok {
		b := make([]byte, len(a)/2)
		for i := range b {
			b[i] = byte(hexVal(a[2*i])<<4 | hexVal(a[2*i+1]))
		}
		return b
	}
	return []byte{0x6D, 0x00}
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// TestT0WithSimCard: what sim/card answers to case 4 (61xx; 9Fxx under class A0) and to a
// wrong Le (6Cxx; 67xx under class A0), and that T0 turns each into the whole response: the
// same bytes a terminal gets by sending GET RESPONSE or the corrected command by hand.
func TestT0WithSimCard(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  []string
		capdu  string
		rawSW1 byte   // what the card itself answers
		byHand string // the follow-up a terminal sends, "" for none
		want   string
	}{
		{"SELECT MF: case 4 -> 61xx", nil, "00A40004023F00", 0x61, "00C00000", ""},
		{"SIM SELECT DF GSM: case 4 -> 9Fxx", nil, "A0A40000027F20", 0x9F, "A0C00000", ""},
		{"SELECT EF ICCID without data", nil, "00A4000C022FE2", 0x90, "", "9000"},
		{"READ BINARY Le 12 of 10 -> 6C0A", []string{"00A4000C022FE2"}, "00B000000C", 0x6C, "00B00000",
			"988812010000400310F09000"},
		{"SIM READ BINARY P3 12 of 10 -> 670A", []string{"A0A40000022FE2"}, "A0B000000C", 0x67, "A0B00000",
			"988812010000400310F09000"},
	} {
		raw, viaT0 := newCard(t), newCard(t)
		for _, c := range tc.setup {
			raw.Transmit(unhex(t, c))
			viaT0.Transmit(unhex(t, c))
		}
		r := raw.Transmit(unhex(t, tc.capdu))
		if r[len(r)-2] != tc.rawSW1 {
			t.Errorf("%s: the card answered %X", tc.name, r)
		}
		if tc.byHand != "" {
			r = raw.Transmit(append(unhex(t, tc.byHand), r[len(r)-1]))
		}
		got := T0{Card: viaT0}.Transmit(unhex(t, tc.capdu))
		if !bytes.Equal(got, r) {
			t.Errorf("%s: through T0 %X, by hand %X", tc.name, got, r)
		}
		if sw := got[len(got)-2:]; sw[0] != 0x90 && sw[0] != 0x91 {
			t.Errorf("%s: through T0 %X", tc.name, got)
		}
		if tc.want != "" && hexs(got) != lower(tc.want) {
			t.Errorf("%s: %X, want %s", tc.name, got, tc.want)
		}
	}
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }

func TestT0Procedure(t *testing.T) {
	for _, tc := range []struct {
		name    string
		capdu   string
		answers map[string]string
		want    string
		sent    []string
	}{
		{"GET RESPONSE in 00 after an ENVELOPE in 80", "80c2000003d10100",
			map[string]string{"80c2000003d10100": "6103", "00c0000003": "0102039000"},
			"0102039000", []string{"80c2000003d10100", "00c0000003"}},
		{"channel 5 (CLA C1): GET RESPONSE in 41", "c1f2000000",
			map[string]string{"c1f2000000": "6102", "41c0000002": "aabb9000"},
			"aabb9000", []string{"c1f2000000", "41c0000002"}},
		{"chained GET RESPONSE: data and 61xx again", "00a40004023f00",
			map[string]string{"00a40004023f00": "6102", "00c0000002": "aabb6101", "00c0000001": "cc9000"},
			"aabbcc9000", []string{"00a40004023f00", "00c0000002", "00c0000001"}},
		{"6Cxx then 61xx", "00b0000004",
			map[string]string{"00b0000004": "6c02", "00b0000002": "6102", "00c0000002": "01029000"},
			"01029000", []string{"00b0000004", "00b0000002", "00c0000002"}},
		{"6Cxx on a command with data is not repeated", "00d6000001ff",
			map[string]string{"00d6000001ff": "6c01"}, "6c01", []string{"00d6000001ff"}},
		{"67xx under class 00 is not a length to retry", "00b0000004",
			map[string]string{"00b0000004": "6702"}, "6702", []string{"00b0000004"}},
		{"67 00 under class A0 is not retried", "a0b0000004",
			map[string]string{"a0b0000004": "6700"}, "6700", []string{"a0b0000004"}},
		{"6Cxx repeated once only", "00b0000004",
			map[string]string{"00b0000004": "6c02", "00b0000002": "6c04"}, "6c04", []string{"00b0000004", "00b0000002"}},
		{"GET RESPONSE failing gives its status", "00a40004023f00",
			map[string]string{"00a40004023f00": "6105", "00c0000005": "6f00"}, "6f00", []string{"00a40004023f00", "00c0000005"}},
		{"91xx passes", "80140000030102 03",
			map[string]string{"8014000003010203": "910a"}, "910a", []string{"8014000003010203"}},
		{"not a command", "00", map[string]string{"00": "6100"}, "6100", []string{"00"}},
	} {
		s := &scripted{answers: tc.answers}
		got := T0{Card: s}.Transmit(unhex(t, tc.capdu))
		if hexs(got) != tc.want {
			t.Errorf("%s: %x, want %s", tc.name, got, tc.want)
		}
		if len(s.sent) != len(tc.sent) {
			t.Errorf("%s: sent %v, want %v", tc.name, s.sent, tc.sent)
			continue
		}
		for i := range s.sent {
			if s.sent[i] != tc.sent[i] {
				t.Errorf("%s: sent %v, want %v", tc.name, s.sent, tc.sent)
			}
		}
	}
	// a card that announces data forever is cut off
	s := &scripted{answers: map[string]string{"00c0000001": "aa6101", "00a40004023f00": "6101"}}
	if _, err := exchange(func(c []byte) ([]byte, error) { return s.Transmit(c), nil }, unhex(t, "00a40004023f00")); err == nil || len(s.sent) != maxGetResponse+1 {
		t.Errorf("endless 61xx: %v after %d commands", err, len(s.sent))
	}
}
