package campaign_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/smpp"
)

// The throttled end-to-end case (a real SMSC answering ESME_RTHROTTLED) is
// cmd/stkforge's TestPushThrottledNoRetry: ota must not import the simulator.

// heldSender keeps every submit_sm unanswered until the test answers it.
type heldSender struct{ done chan func(smpp.Result) }

func (h *heldSender) SubmitAsync(_ context.Context, _ smpp.Message, done func(smpp.Result)) error {
	h.done <- done
	return nil
}

// TestDeadlineFromSubmission: on an injected clock, a packet claimed at t0 waits 8 s for its
// submit_sm_resp; its PoR deadline (timeout 10 s) is then t0+18 s in the journal, so after a
// restart the target is not due at t0+12 s (the old deadline from the claim) but at t0+18 s.
func TestDeadlineFromSubmission(t *testing.T) {
	e := newEnv(t, "sqlite", 1)
	var mu sync.Mutex
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(d time.Duration) { mu.Lock(); now = t0.Add(d); mu.Unlock() }
	j, err := campaign.OpenJournal(e.store, clock)
	if err != nil {
		t.Fatal(err)
	}
	hs := &heldSender{done: make(chan func(smpp.Result), 1)}
	r := campaign.NewRunner(campaign.Config{Journal: j, Store: e.store, Provider: e.kp, Sender: hs, Poll: 5 * time.Millisecond, Now: clock})
	spec := e.spec(t)
	spec.PoRTimeout = campaign.Duration(10 * time.Second)
	if _, _, err := r.Create(ctx, "c1", spec, campaign.Scope{}); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { defer close(ran); r.Run(rctx, "c1") }()
	done := <-hs.done // claimed and submitted at t0, no submit_sm_resp yet
	set(8 * time.Second)
	done(smpp.Result{MessageID: "m1", Attempts: 1})
	// the runner writes the submission time within a few milliseconds (wall clock)
	for i := 0; ; i++ {
		ts, err := j.Targets(ctx, "c1", -1, 1, "")
		if err != nil {
			t.Fatal(err)
		}
		if ts[0].Updated.Equal(t0.Add(8 * time.Second)) {
			break
		}
		if i == 1000 {
			t.Fatalf("submission time not written: %+v", ts[0])
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel() // the node stops: only the journal remains
	<-ran
	r.Close()
	for _, c := range []struct {
		at   time.Duration
		want int
	}{{12 * time.Second, 0}, {17*time.Second + 999*time.Millisecond, 0}, {18 * time.Second, 1}} {
		set(c.at)
		cl, err := j.Claim(ctx, "c1", "node2", 10, 1<<62, clock().Add(10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if len(cl) != c.want {
			t.Errorf("claim at t0+%v: %d targets due, want %d", c.at, len(cl), c.want)
		}
	}
}
