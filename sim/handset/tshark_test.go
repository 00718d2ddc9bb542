package handset

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/sim/trace"
	"github.com/stkforge/stkforge/sim/trace/tsharktest"
	"github.com/stkforge/stkforge/stk/cat"
)

// TestTsharkReadsSession: the APDUs of a session with every command type, written as GSMTAP,
// read back by tshark: every frame is a SIM APDU, none is malformed, and every FETCH carries
// the command type the card sent, in order.
func TestTsharkReadsSession(t *testing.T) {
	tsharktest.Path(t)
	var sent []string
	var pc *card.Pcap
	path := tsharktest.WritePCAP(t, func(w *trace.Writer) error {
		pc = &card.Pcap{W: w}
		kit := payKit(t)
		h, _ := newSession(t, kit, "strict", WithExchange(pc.Record))
		must(t, h.PowerOn())
		for _, c := range everyCommand(t) {
			id := h.Screen().Items[0].ID
			kit.scripts[id] = []cat.Command{c.cmd}
			must(t, h.Select(id))
			if c.act != nil {
				must(t, c.act(h))
			}
		}
		for _, e := range h.Events() {
			if x := e.Exchange; x != nil && x.Command[1] == 0x12 && len(x.Response) > 5 {
				sent = append(sent, fmt.Sprintf("0x%02x", x.Response[5]))
			}
		}
		return nil
	})
	if n, err := pc.Result(); n != 0 || err != nil {
		t.Fatalf("skipped %d, %v", n, err)
	}
	var got []string
	for _, r := range tsharktest.Fields(t, path, "frame.protocols", "gsm_sim.apdu.ins", "etsi_cat.comp_tlv.cmd_type", "_ws.malformed") {
		if !strings.Contains(r[0], "gsm_sim") || r[3] != "" {
			t.Errorf("frame %v", r)
		}
		if r[1] == "0x12" {
			got = append(got, r[2])
		}
	}
	if strings.Join(got, " ") != strings.Join(sent, " ") || len(sent) < 30 {
		t.Errorf("FETCH command types\n tshark %v\n sent   %v", got, sent)
	}
}
