package handset

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/stk/cat"
)

// echoCard answers every APDU 90 00 and keeps the TERMINAL RESPONSEs.
type echoCard struct{ trs [][]byte }

func (c *echoCard) ATR() []byte { return []byte{0x3B, 0x00} }
func (c *echoCard) Transmit(b []byte) []byte {
	if len(b) > 5 && b[1] == 0x14 {
		c.trs = append(c.trs, append([]byte(nil), b[5:]...))
	}
	return []byte{0x90, 0x00}
}

// seeds are real commands: the CAT codec's vectors and the test toolkit's.
func seeds(t testing.TB) [][]byte {
	out := [][]byte{
		{0xD0, 0x1A, 0x81, 0x03, 0x01, 0x21, 0x80, 0x82, 0x02, 0x81, 0x02, 0x8D, 0x0F, 0x04, 'T', 'o', 'o', 'l', 'k', 'i', 't', ' ', 'T', 'e', 's', 't', ' ', '1'},
	}
	kit := payKit(t)
	out = append(out, mustMarshal(t, kit.menu))
	for _, s := range kit.scripts {
		for _, c := range s {
			out = append(out, mustMarshal(t, c))
		}
	}
	for _, c := range everyCommand(t) {
		out = append(out, mustMarshal(t, c.cmd))
	}
	return out
}

// FuzzProactive: whatever D0 the card sends, the handset never panics and answers with one
// TERMINAL RESPONSE that decodes, or waits for the user on a screen.
func FuzzProactive(f *testing.F) {
	fuzzseed.Add(f)
	for _, s := range seeds(f) {
		f.Add(s)
	}
	prof, _ := LookupProfile("strict")
	f.Fuzz(func(t *testing.T, b []byte) {
		c := &echoCard{}
		h := New(c, prof)
		h.on = true
		h.proactive(b)
		if h.pending != nil {
			if len(c.trs) != 0 {
				t.Fatalf("answered and waiting")
			}
			for _, act := range []func() error{h.Cancel} {
				if err := act(); err != nil {
					t.Fatal(err)
				}
			}
		}
		if len(c.trs) != 1 {
			t.Fatalf("%d terminal responses to % X", len(c.trs), b)
		}
		var tr cat.TerminalResponse
		if err := tr.Unmarshal(c.trs[0]); err != nil {
			t.Fatalf("terminal response % X: %v", c.trs[0], err)
		}
	})
}

// TestStrictPrefixes: every strict prefix of a real command is refused cleanly, with 32.
func TestStrictPrefixes(t *testing.T) {
	prof, _ := LookupProfile("strict")
	for _, s := range seeds(t) {
		for n := 0; n < len(s); n++ {
			c := &echoCard{}
			h := New(c, prof)
			h.proactive(s[:n])
			var tr cat.TerminalResponse
			if len(c.trs) != 1 || tr.Unmarshal(c.trs[0]) != nil || tr.Result.General != cat.ResultDataNotUnderstood {
				t.Fatalf("prefix % X: %d responses %X", s[:n], len(c.trs), c.trs)
			}
		}
	}
}

var _ Card = (*card.Card)(nil)

// FuzzDeliverSMS: whatever TPDU the network delivers, the handset never panics; a data
// download reaches the card, whose answer becomes a report or an RP-ERROR.
func FuzzDeliverSMS(f *testing.F) {
	fuzzseed.Add(f)
	for _, s := range []string{"4005812143F57FF6621010000000000302700000", "000581598 5F8000462101000000000024869"} {
		b, _ := hexDecode(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, _ := newSession(t, payKit(t), "android")
		if err := h.PowerOn(); err != nil {
			t.Fatal(err)
		}
		h.DeliverSMS(context.Background(), b)
	})
}

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(strings.ReplaceAll(s, " ", "")) }
