package card

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sebdah/goldie/v2"
	"github.com/stkforge/stkforge/sim/trace"
	"github.com/stkforge/stkforge/sim/trace/tsharktest"
)

// TestTsharkReadsSession: a start-up and an OTA update whose PoR leaves by SEND SHORT MESSAGE,
// written as GSMTAP, read back by tshark: every frame is SIM, none malformed, the FETCH carries
// command type 13.
func TestTsharkReadsSession(t *testing.T) {
	tsharktest.Path(t)
	var p *Pcap
	path := tsharktest.WritePCAP(t, func(w *trace.Writer) error {
		p = &Pcap{W: w}
		c := newCard(t, WithTrace(p.Record), WithClock(fixedNow))
		for _, a := range []string{"00A40004023F00", "00C0000028", "00A4000C022FE2", "00B000000A",
			"A0A40000027F20", "A0C0000016", "801000000AFFFFFFFF7F9C00DFFF00"} {
			c.Transmit(unhex(t, a))
		}
		h := header(t, 0x16, 0x39, "B00000", 1)
		r := sendAll(t, c, envelopes(t, h, updateSPN(t, "pcap"), &kvn1))
		cmd := c.Transmit([]byte{0x80, 0x12, 0x00, 0x00, r[1]})
		c.Transmit(unhex(t, fmt.Sprintf("801400000C 8103%02X1300 82028281 830100", cmd[2])))
		return nil
	})
	if n, err := p.Result(); n != 0 || err != nil {
		t.Fatalf("skipped %d, error %v", n, err)
	}
	rows := tsharktest.Fields(t, path, tsharktest.CATFields...)
	var sb strings.Builder
	sawSM := false
	for _, r := range rows {
		if !strings.Contains(r[0], "gsm_sim") {
			t.Errorf("frame not decoded as SIM: %v", r)
		}
		if r[1] == "0x12" && r[2] == "0x13" {
			sawSM = true
		}
		sb.WriteString(strings.Join(r, "\t") + "\n")
	}
	if !sawSM {
		t.Error("no FETCH of SEND SHORT MESSAGE in the trace")
	}
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/sim/card"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "tshark-ota-session", []byte(sb.String()))
}
