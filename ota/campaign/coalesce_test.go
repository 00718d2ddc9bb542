package campaign_test

import (
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/stkforge/stkforge/keys/sqlite"
	"github.com/stkforge/stkforge/ota/campaign"
)

// TestApplyCoalesces: a batch of updates written by one Apply (which merges a target's
// consecutive updates) leaves every target exactly as the same updates written one Apply at a
// time: random sequences of states, counter conditions, PoR statuses, errors and deadlines,
// each run on two targets that start alike.
func TestApplyCoalesces(t *testing.T) {
	const pairs = 150
	e := newEnv(t, "sqlite", 2*pairs)
	r := e.runner(t)
	if _, _, err := r.Create(ctx, "c", e.spec(t), campaign.Scope{}); err != nil {
		t.Fatal(err)
	}
	ts, err := e.j.Targets(ctx, "c", -1, 2*pairs, "")
	if err != nil || len(ts) != 2*pairs {
		t.Fatalf("%d targets (%v)", len(ts), err)
	}
	rnd := mrand.New(mrand.NewPCG(7, 11))
	base := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	random := func(seq int64) campaign.Update {
		u := campaign.Update{Seq: seq, State: campaign.States[rnd.IntN(len(campaign.States))], PoRStatus: -1}
		switch rnd.IntN(10) {
		case 0:
			u.IfCounter = 0
		case 1:
			u.IfCounter = 6
		default:
			u.IfCounter = 5
		}
		if rnd.IntN(12) == 0 {
			u.Counter = 6
		}
		if rnd.IntN(3) == 0 {
			u.PoRStatus = rnd.IntN(12)
		}
		if rnd.IntN(3) == 0 {
			u.LastError = []string{"lost", "throttled", "por 0A"}[rnd.IntN(3)]
		}
		if rnd.IntN(2) == 0 {
			u.NextAt = base.Add(time.Duration(rnd.IntN(1000)) * time.Second)
		}
		return u
	}
	db := e.store.(*sqlite.Store).DB()
	row := func(seq int64) [5]any {
		var state, lastErr string
		var counter, por, next int64
		if err := db.QueryRow(`SELECT state, counter, por_status, last_error, next_at FROM campaign_targets WHERE campaign = 'c' AND seq = ?`, seq).
			Scan(&state, &counter, &por, &lastErr, &next); err != nil {
			t.Fatal(err)
		}
		return [5]any{state, counter, por, lastErr, next}
	}
	merged := 0
	for i := range pairs {
		a, b := ts[2*i].Seq, ts[2*i+1].Seq
		start := campaign.Update{State: campaign.Sent, Counter: 5, PoRStatus: -1}
		for _, s := range []int64{a, b} {
			start.Seq = s
			if _, err := e.j.Apply(ctx, "c", []campaign.Update{start}); err != nil {
				t.Fatal(err)
			}
		}
		var batch []campaign.Update
		for range 1 + rnd.IntN(6) {
			u := random(a)
			if _, err := e.j.Apply(ctx, "c", []campaign.Update{u}); err != nil {
				t.Fatal(err)
			}
			u.Seq = b
			batch = append(batch, u)
		}
		if _, err := e.j.Apply(ctx, "c", batch); err != nil {
			t.Fatal(err)
		}
		if len(batch) > 1 {
			merged++
		}
		if ra, rb := row(a), row(b); ra != rb {
			t.Fatalf("pair %d: one by one %v, in one batch %v; updates %+v", i, ra, rb, batch)
		}
	}
	if merged < pairs/2 {
		t.Fatalf("only %d batches of several updates", merged)
	}
}
