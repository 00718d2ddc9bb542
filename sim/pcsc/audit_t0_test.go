package pcsc

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stkforge/stkforge/sim/audit"
	"github.com/stkforge/stkforge/sim/card"
)

// auditReport audits a fresh default card, seen through wrap, at a fixed time.
func auditReport(t *testing.T, wrap func(audit.Card) audit.Card) *audit.Report {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 11, 27, 23, 0, 0, 0, time.UTC) }
	p, err := card.LoadProfile("../../fixtures/cards/default.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := card.New(p, card.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	ts, ks, err := audit.FromProfile(p)
	if err != nil {
		t.Fatal(err)
	}
	r, err := audit.Run(wrap(c), audit.Options{Targets: ts, Keysets: ks, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAuditThroughT0: the audit of a card through a terminal's T=0 handling (what a PC/SC
// reader gives) finds what the audit of the raw card finds, probe for probe; only the
// envelope's status word reads 9000 where the raw card said 61xx, since the terminal has
// already fetched the PoR with GET RESPONSE (TS 102 221 7.3.1.1.4).
func TestAuditThroughT0(t *testing.T) {
	raw := auditReport(t, func(c audit.Card) audit.Card { return c })
	viaT0 := auditReport(t, func(c audit.Card) audit.Card { return T0{Card: c} })
	fetched := 0
	for i := range raw.Targets {
		for j := range raw.Targets[i].Probes {
			p := &raw.Targets[i].Probes[j]
			if strings.HasPrefix(p.SW, "61") {
				p.SW = "9000"
				fetched++
			}
		}
	}
	if fetched == 0 {
		t.Error("no probe answered 61xx: the test shows nothing")
	}
	a, _ := json.MarshalIndent(raw, "", " ")
	b, _ := json.MarshalIndent(viaT0, "", " ")
	if string(a) != string(b) {
		t.Errorf("reports differ beyond the status words:\n%s\n---\n%s", a, b)
	}
}
