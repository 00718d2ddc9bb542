package main

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/smpp"
	"github.com/stkforge/stkforge/sim/network"
)

// faultHeapSlack bounds the heap in use after a forced collection at the end of a fault case
// over the heap at its start (the fleet of simulated cards already built): what the runner, the
// SMPP client, the SMSC's queues and the journal keep once the campaign is over.
const faultHeapSlack = 1 << 20

// orderLog records, from each card's side, the counters of the command packets it was given,
// in the order it was given them (one-segment packets: the SPN update).
type orderLog struct {
	mu   sync.Mutex
	seen map[string][]packet.Counter
}

// watchOrder hooks every handset of e, after the hook newE2E put there.
func watchOrder(t *testing.T, e *e2e) *orderLog {
	t.Helper()
	l := &orderLog{seen: map[string][]packet.Counter{}}
	for m, pk := range e.cardKeys(t) {
		h := e.fleet.Handsets[m]
		prev := h.Seen
		h.Seen = func(ud []byte) {
			if prev != nil {
				prev(ud)
			}
			if !bytes.HasPrefix(ud, []byte{0x02, 0x70, 0x00}) {
				return
			}
			cmd, err := packet.Open(nil, ud[3:], &pk)
			if err != nil {
				t.Errorf("card %s: %v", m, err)
				return
			}
			l.mu.Lock()
			l.seen[m] = append(l.seen[m], cmd.CNTR)
			l.mu.Unlock()
		}
	}
	return l
}

// check: every card was given strictly increasing counters, so none twice.
func (l *orderLog) check(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for m, cs := range l.seen {
		for i := 1; i < len(cs); i++ {
			if cs[i] <= cs[i-1] {
				t.Errorf("card %s was given counters %v: not strictly increasing", m, cs)
				break
			}
		}
	}
}

// faultRun is what one campaign through faults left.
type faultRun struct {
	status campaign.Status
	counts campaign.Counts
	runner campaign.Stats
	client smpp.Stats
}

// runFaultPush is pushRun (push.go) with the SMPP client's statistics kept: a runner and a
// client, one campaign created and run to its end.
func runFaultPush(ctx context.Context, e *e2e, cfg smpp.Config, spec *campaign.Spec, id string) (faultRun, error) {
	j, err := campaign.OpenJournal(e.store, nil)
	if err != nil {
		return faultRun{}, err
	}
	ls := &lateSender{}
	r := campaign.NewRunner(campaign.Config{Journal: j, Store: e.store, Provider: e.kp, Sender: ls, Batch: 1000, MaxInFlight: 5000})
	defer r.Close()
	cfg.OnReceipt, cfg.OnMO = r.HandleReceipt, r.HandleMO
	client, err := smpp.Dial(ctx, cfg)
	if err != nil {
		return faultRun{}, err
	}
	defer client.Close()
	ls.c = client
	if _, _, err := r.Create(ctx, id, *spec, campaign.Scope{}); err != nil {
		return faultRun{}, err
	}
	status, runErr := r.Run(ctx, id)
	r.Close() // writes the last states
	client.Close()
	c, err := j.Counts(context.Background(), id)
	if err != nil {
		return faultRun{}, err
	}
	return faultRun{status: status, counts: c, runner: r.Stats(), client: client.Stats()}, runErr
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// faultCase is one row of the SMSC fault matrix.
type faultCase struct {
	name   string
	cards  int
	faults network.Faults
	smpp   func(*smpp.Config)
	spec   func(*campaign.Spec)
	// verify checks what the fault must have done, on the SMSC's and the client's counters.
	verify func(t *testing.T, f faultRun, st network.Stats)
}

const faultWindow = 20

// TestSMSCFaults runs a campaign end to end (runner, SMPP client, the virtual SMSC on TCP,
// simulated cards) through each SMSC fault of issue 8, and through all of them at once: every
// target ends por_ok, no card is given a counter twice or out of order, the client never has more
// submit_sm outstanding than its window, and the heap comes back to within faultHeapSlack of
// where it started.
func TestSMSCFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("a campaign per SMSC fault")
	}
	all := network.Faults{RefuseBinds: 2, ResponseDelay: 40 * time.Millisecond, GenericNack: 0.05,
		StormFor: 100 * time.Millisecond, StormEvery: 300 * time.Millisecond, BindRate: 400, DisconnectAfter: 60,
		DisconnectIdle: 50 * time.Millisecond, Loss: 0.02, QueueFull: 0.02, Latency: time.Millisecond}
	for _, c := range []faultCase{
		{name: "none", cards: 100, verify: func(t *testing.T, f faultRun, st network.Stats) {
			if f.runner.Packets != 100 {
				t.Errorf("%d packets for 100 cards without a fault", f.runner.Packets)
			}
		}},
		{name: "refused binds", cards: 100, faults: network.Faults{RefuseBinds: 3, DisconnectAfter: 70},
			verify: func(t *testing.T, f faultRun, st network.Stats) {
				if st.BindsRefused != 3 || f.client.Reconnects == 0 {
					t.Errorf("%d binds refused, %d reconnections", st.BindsRefused, f.client.Reconnects)
				}
			}},
		{name: "slow responses", cards: 100, faults: network.Faults{ResponseDelay: 150 * time.Millisecond},
			verify: func(t *testing.T, f faultRun, st network.Stats) {
				if f.client.PeakOutstanding != faultWindow || f.runner.Packets != 100 {
					t.Errorf("peak %d outstanding (window %d), %d packets", f.client.PeakOutstanding, faultWindow, f.runner.Packets)
				}
			}},
		{name: "responses after the timeout", cards: 60, faults: network.Faults{ResponseDelay: 400 * time.Millisecond},
			smpp: func(c *smpp.Config) { c.ResponseTimeout = 150 * time.Millisecond },
			verify: func(t *testing.T, f faultRun, st network.Stats) {
				// delivered all the same: the PoR settles each target, no retry
				if f.client.Timeouts == 0 || f.runner.Packets != 60 {
					t.Errorf("%d timeouts, %d packets", f.client.Timeouts, f.runner.Packets)
				}
			}},
		{name: "generic_nack", cards: 100, faults: network.Faults{GenericNack: 0.2},
			verify: func(t *testing.T, f faultRun, st network.Stats) {
				if st.GenericNacks == 0 || f.runner.Packets != 100+st.GenericNacks {
					t.Errorf("%d generic_nack, %d packets for 100 cards", st.GenericNacks, f.runner.Packets)
				}
			}},
		{name: "throttling storms", cards: 150, faults: network.Faults{StormFor: 300 * time.Millisecond, StormEvery: 700 * time.Millisecond, BindRate: 200},
			verify: func(t *testing.T, f faultRun, st network.Stats) {
				if st.Throttled == 0 || f.runner.Packets != 150 {
					t.Errorf("%d throttled, %d packets", st.Throttled, f.runner.Packets)
				}
			}},
		{name: "disconnect mid-window", cards: 100, faults: network.Faults{DisconnectAfter: 30, DisconnectIdle: 50 * time.Millisecond},
			verify: func(t *testing.T, f faultRun, st network.Stats) {
				if f.client.Lost < faultWindow || st.Unanswered != f.client.Lost {
					t.Errorf("client lost %d submit_sm with the connection, the SMSC left %d unanswered: want a whole window (%d) at least",
						f.client.Lost, st.Unanswered, faultWindow)
				}
			}},
		{name: "per-bind limit", cards: 150, faults: network.Faults{BindRate: 150, BindBurst: 10},
			verify: func(t *testing.T, f faultRun, st network.Stats) {
				if st.Throttled == 0 || f.runner.Packets != 150 {
					t.Errorf("%d throttled, %d packets", st.Throttled, f.runner.Packets)
				}
			}},
		{name: "all together", cards: 150, faults: all, spec: func(s *campaign.Spec) { s.MaxAttempts = 10 },
			verify: func(t *testing.T, f faultRun, st network.Stats) {
				// the faults must all fire; random loss and full queues (2 % each) may not
				if st.BindsRefused != 2 || st.GenericNacks == 0 || st.Throttled == 0 || st.Unanswered == 0 || f.client.Reconnects == 0 {
					t.Errorf("a fault did not fire: SMSC %+v", st)
				}
			}},
	} {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) { runFaultCase(t, c) })
	}
}

func runFaultCase(t *testing.T, c faultCase) {
	e := newE2E(t, c.cards, c.faults)
	log := watchOrder(t, e)
	cfg := e.smpp
	cfg.Window = faultWindow
	if c.smpp != nil {
		c.smpp(&cfg)
	}
	text := c.name[:min(len(c.name), 16)] // EF SPN holds 16 characters
	spec := spnSpec(t, text)
	spec.PoRTimeout = campaign.Duration(time.Second)
	spec.MaxAttempts = 8
	if c.spec != nil {
		c.spec(spec)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	goroutines := runtime.NumGoroutine()
	base := heapInUse()
	began := time.Now()
	f, err := runFaultPush(ctx, e, cfg, spec, "c1")
	if err != nil {
		t.Fatalf("%v (after %v)", err, time.Since(began))
	}
	took := time.Since(began)
	if f.status != campaign.Finished || f.counts[campaign.PoROK] != c.cards {
		t.Errorf("campaign %s, counts %v", f.status, f.counts)
	}
	e.check(t, "c1", text)
	log.check(t)
	if f.client.PeakOutstanding > cfg.Window || f.client.Outstanding != 0 {
		t.Errorf("client: peak %d outstanding with a window of %d, %d left", f.client.PeakOutstanding, cfg.Window, f.client.Outstanding)
	}
	st := e.smsc.Stats()
	c.verify(t, f, st)
	end := heapInUse()
	if end > base+faultHeapSlack {
		t.Errorf("heap %d KB after the campaign, %d KB before: more than %d KB kept", end>>10, base>>10, faultHeapSlack>>10)
	}
	waitGoroutines(t, goroutines)
	t.Logf("%d cards in %v: %d packets, %v; client %+v; heap %+d KB",
		c.cards, took.Round(time.Millisecond), f.runner.Packets, f.counts, f.client, (int64(end)-int64(base))>>10)
}

// waitGoroutines waits (a minute at most) until no more goroutines run than before the case:
// the client and the runner leave none behind.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSMSCFaultsUnrecoverable: faults no retry can get through end in an explained state. An SMSC
// that nacks every submit_sm: each target expires after its attempts, its last error naming the
// generic_nack, none left open. A wrong password: the push fails at once, naming the status,
// before anything is claimed.
func TestSMSCFaultsUnrecoverable(t *testing.T) {
	if testing.Short() {
		t.Skip("campaigns through SMSC faults")
	}
	const n = 10
	e := newE2E(t, n, network.Faults{GenericNack: 1})
	log := watchOrder(t, e)
	spec := spnSpec(t, "refused")
	spec.MaxAttempts = 3
	spec.Backoff = campaign.Duration(10 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f, err := runFaultPush(ctx, e, e.smpp, spec, "nack")
	if err != nil {
		t.Fatal(err)
	}
	if f.status != campaign.Finished || f.counts[campaign.Expired] != n || f.runner.Packets != 3*n {
		t.Errorf("campaign %s, counts %v, %d packets", f.status, f.counts, f.runner.Packets)
	}
	j, _ := campaign.OpenJournal(e.store, nil)
	ts, err := j.Targets(ctx, "nack", -1, n+1, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range ts {
		if !strings.Contains(tg.LastError, "generic_nack") || !strings.Contains(tg.LastError, "attempt 3 of 3") {
			t.Errorf("target %d: %s %q", tg.Seq, tg.State, tg.LastError)
		}
	}
	if k := len(log.seen); k != 0 {
		t.Errorf("%d cards were given a packet the SMSC never accepted", k)
	}

	cfg := e.smpp
	cfg.Password = "wrong"
	began := time.Now()
	_, err = runFaultPush(ctx, e, cfg, spnSpec(t, "never"), "pw")
	var se *smpp.StatusError
	if !errors.As(err, &se) || se.Status != 0x0E {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := j.Get(ctx, "pw"); err == nil {
		t.Errorf("a campaign was created through a refused bind")
	}
	t.Logf("wrong password refused in %v: %v", time.Since(began).Round(time.Millisecond), err)
}
