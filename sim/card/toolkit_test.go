package card

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/sebdah/goldie/v2"
	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/remote"
)

// menuToolkit queues SET UP MENU after TERMINAL PROFILE and DISPLAY TEXT on MENU SELECTION.
type menuToolkit struct {
	responses [][]byte
}

var (
	setUpMenu   = unhexs("D01C8103012500820281828509" + "53544B20466F726765" + "8F0601" + "5061792021")
	displayText = unhexs("D01A8103012180820281028D0F04546F6F6C6B697420546573742031")
)

func (m *menuToolkit) TerminalProfile(p *Proactive, profile []byte) { p.Queue(setUpMenu) }
func (m *menuToolkit) Envelope(p *Proactive, env []byte) ([]byte, uint16) {
	if env[0] == 0xD3 {
		p.Queue(displayText)
	}
	return nil, SWOK
}
func (m *menuToolkit) TerminalResponse(p *Proactive, cmd, tr []byte) uint16 {
	m.responses = append(m.responses, tr)
	return SWOK
}
func (m *menuToolkit) SecuredData(p *Proactive, in *Instance, data []byte) []byte { return nil }

// TestProactiveSession: 91xx after the command that queued, FETCH with the exact length, 93 00
// for an envelope during the session, the TERMINAL RESPONSE handed to the toolkit.
func TestProactiveSession(t *testing.T) {
	if setUpMenu[1] != byte(len(setUpMenu)-2) {
		t.Fatalf("fixture SET UP MENU length %d vs %d", setUpMenu[1], len(setUpMenu)-2)
	}
	var log []Exchange
	c := newCard(t, WithTrace(func(e Exchange) { log = append(log, e) }))
	tk := &menuToolkit{}
	c.SetToolkit(tk)
	sm := fmt.Sprintf("%X", setUpMenu)
	dt := fmt.Sprintf("%X", displayText)
	expect(t, c,
		"801000000AFFFFFFFF7F9C00DFFF00", fmt.Sprintf("91%02X", len(setUpMenu)),
		"80F2000C00", fmt.Sprintf("91%02X", len(setUpMenu)), // still pending: every 90 00 becomes 91xx
		"8012000010", fmt.Sprintf("6C%02X", len(setUpMenu)),
		"A012000010", fmt.Sprintf("67%02X", len(setUpMenu)),
		fmt.Sprintf("80120000%02X", len(setUpMenu)), sm+"9000",
		fmt.Sprintf("80120000%02X", len(setUpMenu)), sm+"9000", // fetched again before its answer
		"80C2000009D30782020181900101", "9300",
		"801400000C810301250082028281830100", "9000",
		"80C2000009D30782020181900101", fmt.Sprintf("91%02X", len(displayText)),
		fmt.Sprintf("80120000%02X", len(displayText)), dt+"9000",
		"801400000C810301218082028281830100", "9000",
		"80F2000C00", "9000",
		"8012000000", "6F00",
	)
	if len(tk.responses) != 2 || !bytes.Equal(tk.responses[1], unhexs("810301218082028281830100")) {
		t.Errorf("terminal responses %X", tk.responses)
	}
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/sim/card"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "proactive-session", []byte(Listing(log)))
}

// TestOTAGolden: an RFM update of EF SPN by OTA, as the terminal sees it, and the PoR decoded.
func TestOTAGolden(t *testing.T) {
	var log []Exchange
	c := newCard(t, WithTrace(func(e Exchange) { log = append(log, e) }), WithClock(fixedNow))
	h := header(t, 0x16, 0x19, "B00000", 1)
	ud := porFromEnvelope(t, c, sendAll(t, c, envelopes(t, h, updateSPN(t, "OTA!"), &kvn1)))
	por := openPoR(t, ud, h.Security, &kvn1)
	out := Listing(log) + fmt.Sprintf("PoR: status %02X (%v), TAR %v, CNTR %v, data % X\n", byte(por.Status), por.Status, por.TAR, por.CNTR, por.Data)
	if por.Status != packet.StatusPoROK {
		t.Fatal(out)
	}
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/sim/card"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "ota-rfm-update-spn", []byte(out))
}

// storeToolkit re-issues SET UP MENU when the script store's control EF changes, as the
// script runtime will after an image arrives by OTA.
type storeToolkit struct {
	menuToolkit
	seen []string
	ctl  []byte
	pin  []bool
}

func (s *storeToolkit) FileUpdated(p *Proactive, path string) {
	s.seen = append(s.seen, path)
	if path == "3F00/7F4F/6F03" {
		s.ctl, _ = p.ReadFile(path)
		p.Queue(setUpMenu)
	}
}

func (s *storeToolkit) Envelope(p *Proactive, env []byte) ([]byte, uint16) {
	ok, _, _ := p.CheckPIN(RefPIN1, "0000")
	ok2, left, _ := p.CheckPIN(RefPIN1, "1234")
	s.pin = append(s.pin, ok, ok2, left == 3)
	p.UpdateFile("3F00/7F4F/6F03", 1, []byte{0xEE}) // no FileUpdated for its own write
	return nil, SWOK
}

// TestToolkitHandle: file updates by RFM reach the toolkit, which reads the files, checks PINs
// with the card's counters and queues commands that follow the envelope's PoR.
func TestToolkitHandle(t *testing.T) {
	c, _ := stateCard(t)
	tk := &storeToolkit{}
	c.SetToolkit(tk)
	sel, _ := remote.SelectPath(remote.UICC, 0x7F4F, 0x6F03)
	sel[len(sel)-1].P2 = 0x0C
	upd, _ := remote.UpdateBinary(remote.UICC, 0, []byte{0x02})
	script, _ := remote.CompactScript(append(sel, upd)...)
	h := header(t, 0x16, 0x19, "B00000", 1)
	r := sendAll(t, c, envelopes(t, h, script, &kvn1))
	if r[0] != 0x61 {
		t.Fatalf("%X", r)
	}
	r = c.Transmit([]byte{0x00, 0xC0, 0x00, 0x00, r[1]})
	if sw := r[len(r)-2:]; sw[0] != 0x91 || int(sw[1]) != len(setUpMenu) {
		t.Fatalf("after the PoR: %X, want 91%02X (SET UP MENU queued)", sw, len(setUpMenu))
	}
	if fmt.Sprint(tk.seen) != "[3F00/7F4F/6F03]" || !bytes.Equal(tk.ctl, []byte{0x02, 0xFF, 0xFF, 0xFF}) {
		t.Errorf("seen %v, control %X", tk.seen, tk.ctl)
	}
	expect(t, c, fmt.Sprintf("80120000%02X", len(setUpMenu)), fmt.Sprintf("%X9000", setUpMenu),
		"801400000C810301250082028281830100", "9000",
		"80C2000009D30782020181900101", "9000")
	if fmt.Sprint(tk.pin) != "[false true true]" || len(tk.seen) != 1 {
		t.Errorf("PIN checks %v, seen %v", tk.pin, tk.seen)
	}
	if b, _ := c.ReadFile("3F00/7F4F/6F03"); !bytes.Equal(b, []byte{0x02, 0xEE, 0xFF, 0xFF}) {
		t.Errorf("control EF %X", b)
	}
}
