package server_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stkforge/stkforge/keys/sqlite"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/server"
)

// node is a second OTA server over the fixture's store, as another `stkforge serve` process on
// the same database would be: its own journal, runner (owner "b") and server, and a clock that
// moves only when the test says so. With discover -1 it has no discovery loop once started (the
// test calls Discover).
type node struct {
	srv    *server.Server
	runner *campaign.Runner
	clock  *fakeClock
	logs   *syncBuffer
}

func (f *fixture) node(t *testing.T, discover time.Duration) *node {
	t.Helper()
	n := &node{clock: &fakeClock{t: time.Now()}, logs: &syncBuffer{}}
	j, err := campaign.OpenJournal(f.keyring.Store, n.clock.now)
	if err != nil {
		t.Fatal(err)
	}
	n.runner = campaign.NewRunner(campaign.Config{Journal: j, Store: f.keyring.Store, Provider: f.keyring.Provider, Sender: &blackhole{},
		Owner: "b", Poll: 5 * time.Millisecond, Now: n.clock.now})
	t.Cleanup(func() { n.runner.Close() })
	n.srv, err = server.New(server.Config{Keyring: f.keyring, Journal: j, Runner: n.runner, Tokens: f.tokens, Discover: discover,
		Logger: slog.New(slog.NewJSONHandler(n.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.srv.Close() })
	return n
}

// counts waits until the campaign's counts satisfy ok (the runner works in the background).
func (f *fixture) counts(t *testing.T, id string, ok func(campaign.Counts) bool) campaign.Counts {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second) // generous: only a hang should reach it
	for {
		c, err := f.journal.Counts(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(c) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %s: counts %v", id, c)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (n *node) wait(t *testing.T, id string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := n.srv.Wait(wctx, id); err != nil {
		t.Fatalf("campaign %s still runs on node b: %v", id, err)
	}
}

// drain moves b's clock past the PoR timeout (60 s) until b's loop for id ends: an attempt
// whose submit_sm outcome b had not yet processed gets its deadline from the moved clock.
func (n *node) drain(t *testing.T, id string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second) // generous: only a hang should reach it
	for {
		n.clock.add(2 * time.Minute)
		wctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		err := n.srv.Wait(wctx, id)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %s still drains on node b", id)
		}
	}
}

// TestDiscover: a campaign created through node A's store, not run there, is joined by node B
// at its next look, once however many looks run at once, and B claims its first target (a
// canary of 1 holds the rest until that one ends por_ok). Paused through A, B's loop ends;
// resumed through A, B joins it again and, the canary passed, sends the rest; cancelled through
// A, B's loop drains the attempts in flight (their PoR timeout on B's clock) and ends.
func TestDiscover(t *testing.T) {
	f := newFixture(t)
	b := f.node(t, -1)
	spec, err := campaign.ParseSpec([]byte(specJSON("op", "B00010", "12", f.iccids[:4]...)))
	if err != nil {
		t.Fatal(err)
	}
	spec.Canary = 1
	if _, _, err := f.runner.Create(ctx, "d1", spec, campaign.Scope{}); err != nil {
		t.Fatal(err)
	}
	if got := b.srv.Running(); len(got) != 0 {
		t.Fatalf("node b runs %v before it looked", got)
	}
	joined, err := b.srv.Discover(ctx)
	if err != nil || !slices.Equal(joined, []string{"d1"}) || !slices.Equal(b.srv.Running(), []string{"d1"}) {
		t.Fatalf("discover: joined %v (%v), running %v", joined, err, b.srv.Running())
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if joined, err := b.srv.Discover(ctx); err != nil || len(joined) != 0 {
				t.Errorf("discover again: joined %v (%v)", joined, err)
			}
		})
	}
	wg.Wait()
	const started = `"msg":"campaign run started","campaign":"d1"`
	if k := strings.Count(b.logs.String(), started); k != 1 {
		t.Errorf("node b started %d runner loops for d1:\n%s", k, b.logs)
	}
	f.counts(t, "d1", func(c campaign.Counts) bool { return c[campaign.Sent] == 1 })
	var owner string
	if err := f.keyring.Store.(*sqlite.Store).DB().QueryRowContext(ctx, `SELECT owner FROM campaign_targets WHERE campaign = 'd1' AND state = 'sent'`).Scan(&owner); err != nil || owner != "b" {
		t.Errorf("sent target claimed by %q (%v), want node b", owner, err)
	}

	if err := f.runner.Pause(ctx, "d1", "test"); err != nil {
		t.Fatal(err)
	}
	b.wait(t, "d1")
	if joined, err := b.srv.Discover(ctx); err != nil || len(joined) != 0 || len(b.srv.Running()) != 0 {
		t.Errorf("paused: joined %v (%v), running %v", joined, err, b.srv.Running())
	}

	if err := f.runner.Resume(ctx, "d1"); err != nil {
		t.Fatal(err)
	}
	if joined, err := b.srv.Discover(ctx); err != nil || !slices.Equal(joined, []string{"d1"}) {
		t.Fatalf("resumed: joined %v (%v)", joined, err)
	}
	if k := strings.Count(b.logs.String(), started); k != 2 {
		t.Errorf("node b started %d runner loops for d1, want 2 (once more after the resume)", k)
	}
	// the canary's PoR, as node A would record it
	if n, err := f.journal.Apply(ctx, "d1", []campaign.Update{{Seq: 0, State: campaign.PoROK, PoRStatus: 0}}); err != nil || n != 1 {
		t.Fatalf("canary por_ok: %d (%v)", n, err)
	}
	f.counts(t, "d1", func(c campaign.Counts) bool { return c[campaign.Sent] == 3 })

	if err := f.runner.Cancel(ctx, "d1", "test"); err != nil {
		t.Fatal(err)
	}
	// three attempts await their PoR until their deadline on b's clock: the loop drains
	if joined, err := b.srv.Discover(ctx); err != nil || len(joined) != 0 || !slices.Equal(b.srv.Running(), []string{"d1"}) {
		t.Errorf("cancelled, draining: joined %v (%v), running %v", joined, err, b.srv.Running())
	}
	b.drain(t, "d1")
	c := f.counts(t, "d1", func(c campaign.Counts) bool { return c.Open() == 0 })
	// (the loop may still be in the iteration that read the status before the cancel: then the
	// moved clock makes the three attempts due and they are retried once, as they would have
	// been just before the cancel; so the packets are not counted here)
	if c[campaign.Expired] != 3 || c[campaign.PoROK] != 1 {
		t.Errorf("cancelled: counts %v", c)
	}
	if joined, err := b.srv.Discover(ctx); err != nil || len(joined) != 0 || len(b.srv.Running()) != 0 {
		t.Errorf("after cancel: joined %v (%v), running %v", joined, err, b.srv.Running())
	}
}

// TestDiscoverLoop: Start looks again every Config.Discover, so a campaign created through
// another server's API after Start is joined; the creating server, which runs it already, does
// not start it twice; after Close nothing is joined.
func TestDiscoverLoop(t *testing.T) {
	f := newFixture(t)
	b := f.node(t, 5*time.Millisecond).srv
	defer b.Close()
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if code, m := f.do(t, f.op, "POST", "/v1/campaigns", specJSON("op", "B00010", "12", f.iccids[:2]...)); code != 201 {
		t.Fatalf("create: %d %v", code, m)
	}
	if joined, err := f.srv.Discover(ctx); err != nil || len(joined) != 0 {
		t.Errorf("creating server: joined %v (%v), it runs c1 already", joined, err)
	}
	deadline := time.Now().Add(10 * time.Second) // generous: only a hang should reach it
	for !slices.Contains(b.Running(), "c1") {
		if c, _ := f.journal.Counts(ctx, "c1"); time.Now().After(deadline) {
			t.Fatalf("c1 not joined (counts %v)", c)
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Close()
	if joined, err := b.Discover(ctx); err != nil || len(joined) != 0 || len(b.Running()) != 0 {
		t.Errorf("after Close: joined %v (%v), running %v", joined, err, b.Running())
	}
}
