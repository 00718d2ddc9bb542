package campaign_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"

	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/packet"
)

// listing is the readable form of a campaign's targets the golden files hold.
func listing(t *testing.T, j *campaign.Journal, id string) string {
	in, err := j.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "campaign %s %q: %s (%s)\n", in.ID, in.Name, in.Status, in.Reason)
	c := counts(t, j, id)
	for _, s := range campaign.States {
		if c[s] > 0 {
			fmt.Fprintf(&b, "  %-10s %d\n", s, c[s])
		}
	}
	fmt.Fprintf(&b, "%-4s %-20s %-10s %-8s %-10s %-3s %s\n", "seq", "iccid", "state", "attempts", "counter", "por", "last_error")
	ts, err := j.Targets(ctx, id, -1, 1000, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range ts {
		por := "-"
		if tg.PoRStatus >= 0 {
			por = fmt.Sprintf("%02X", tg.PoRStatus)
		}
		line := fmt.Sprintf("%-4d %-20s %-10s %-8d %010X %-3s %s", tg.Seq, tg.ICCID, tg.State, tg.Attempts, tg.Counter, por, tg.LastError)
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return b.String()
}

// TestGoldenCanary: the canary of 5 stops at the third card's refusal (PoR 0A, insufficient
// security level); the listing shows every target's state, counter and reason.
func TestGoldenCanary(t *testing.T) {
	e := newEnv(t, "sqlite", 8)
	fixed := func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }
	j, err := campaign.OpenJournal(e.store, fixed)
	if err != nil {
		t.Fatal(err)
	}
	e.j = j
	e.cards[2].refuse = packet.StatusInsufficientSecurityLevel
	r := e.runner(t)
	spec := e.spec(t)
	spec.Canary = 5
	if _, _, err := r.Create(ctx, "canary", spec, campaign.Scope{}); err != nil {
		t.Fatal(err)
	}
	if st := run(t, r, "canary"); st != campaign.Paused {
		t.Fatalf("status %s", st)
	}
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/ota/campaign"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "canary-paused", []byte(listing(t, j, "canary")))
}
