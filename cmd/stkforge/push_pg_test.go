package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stkforge/stkforge/keys/postgres"
	"github.com/stkforge/stkforge/keys/postgres/pgtest"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/sim/network"
)

// pgServer returns a PostgreSQL URL with an empty schema of its own, on the server of
// STKFORGE_PG_URL or on a private cluster started for this test; it skips when there is none,
// or fails under STKFORGE_REQUIRE_TOOLS=1.
func pgServer(t *testing.T) string {
	t.Helper()
	s, err := pgtest.Start()
	if err == nil {
		t.Cleanup(s.Stop)
	} else {
		s = nil
	}
	pgtest.Need(t, s, fmt.Sprint(err))
	return s.Fresh(t)
}

// TestPushPostgres: the loopback end to end on the shared store, with 5 % loss and throttling,
// then a crash (context cancelled, connection dropped) and a resume.
func TestPushPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	url := pgServer(t)
	st, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	e := newE2EStore(t, st, n, network.Faults{Loss: 0.05, ThrottleRate: 400, ThrottleBurst: 20})
	spec := spnSpec(t, "on pg")
	spec.Rate = 150
	ctx, kill := context.WithCancel(context.Background())
	_, err = pushRun(ctx, pushOptions{Store: e.store, Provider: e.kp, SMPP: e.smpp, Spec: spec, ID: "pg",
		Hook: func(r *campaign.Runner) {
			go func() {
				for r.Stats().PoROK < 25 {
					time.Sleep(time.Millisecond)
				}
				kill()
			}()
		}})
	if err == nil {
		t.Fatal("the killed push returned no error")
	}
	ctx2, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	sum, err := pushRun(ctx2, pushOptions{Store: e.store, Provider: e.kp, SMPP: e.smpp, ID: "pg"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != campaign.Finished {
		t.Fatalf("summary %+v", sum)
	}
	c := e.check(t, "pg", "on pg")
	if c[campaign.PoROK]+c[campaign.Expired] != n || c[campaign.PoROK] < n*9/10 {
		t.Errorf("counts %v", c)
	}
}
