package main

import (
	"context"
	"testing"
	"time"

	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/sim/network"
)

// TestPushThrottledNoRetry: the SMSC accepts 2 submit_sm a second and answers the rest
// ESME_RTHROTTLED, so the 20 packets, all claimed at once, take about three PoR timeouts to
// leave. The PoR deadline starts at each packet's submit_sm_resp (the claim's journal deadline
// is renewed while the packet waits), so no card is sent its packet twice and no target is
// retried although most PoRs arrive long after their target was queued. (It lives here, not in
// ota/campaign, because ota must not import the simulator.)
func TestPushThrottledNoRetry(t *testing.T) {
	const n = 20
	e := newE2E(t, n, network.Faults{ThrottleRate: 2, ThrottleBurst: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	spec := spnSpec(t, "throttled")
	spec.PoRTimeout = campaign.Duration(3 * time.Second)
	spec.MaxAttempts = 3
	sum, err := pushRun(ctx, pushOptions{Store: e.store, Provider: e.kp, SMPP: e.smpp, Spec: spec, ID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != campaign.Finished || sum.Counts[campaign.PoROK] != n || sum.Packets != n {
		t.Fatalf("summary %+v: want every target por_ok after one packet each", sum)
	}
	e.check(t, "c1", "throttled")
	j, _ := campaign.OpenJournal(e.store, nil)
	ts, err := j.Targets(ctx, "c1", -1, n+1, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range ts {
		if tg.Attempts != 1 {
			t.Errorf("target %d (%s): %d attempts, last error %q", tg.Seq, tg.ICCID, tg.Attempts, tg.LastError)
		}
	}
	// the SMSC's bucket (2/s, burst 1) spreads 20 packets over about 10 s: 3 PoR timeouts
	if st := e.smsc.Stats(); st.Throttled == 0 || st.Submits != n {
		t.Errorf("SMSC: %d accepted, %d throttled; want %d accepted after some throttling", st.Submits, st.Throttled, n)
	}
}
