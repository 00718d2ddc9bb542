package campaign_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/postgres"
	"github.com/stkforge/stkforge/keys/sqlite"
	"github.com/stkforge/stkforge/keys/storetest"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/remote"
	"github.com/stkforge/stkforge/ota/smpp"
	"github.com/stkforge/stkforge/ota/smspp"
)

var ctx = context.Background()

// fakeCard is the card side of TS 102 225 as far as the campaign tests need it: it opens the
// packet with its keyset, keeps its counter, and answers a PoR. Every counter value a packet
// carried is remembered, to check that none arrives twice.
type fakeCard struct {
	mu      sync.Mutex
	n       int
	keys    packet.Keyset
	last    uint64
	seen    map[uint64]int
	applied int
	reasm   *smspp.Reassembler
	refuse  packet.Status // answer this status instead of running the script (0: run it)
}

// fakeNet is an SMSC plus handsets in memory: it accepts every submit, loses a share of them,
// hands the rest to the card and sends the receipt and the PoR back to the runner.
type fakeNet struct {
	t      testing.TB
	runner atomic.Pointer[campaign.Runner]
	mu     sync.Mutex
	cards  map[string]*fakeCard
	loss   float64
	rnd    *mrand.Rand
	ids    int
	down   atomic.Bool // everything is dropped silently
	wg     sync.WaitGroup
}

func (f *fakeNet) SubmitAsync(_ context.Context, m smpp.Message, done func(smpp.Result)) error {
	f.mu.Lock()
	f.ids++
	id := fmt.Sprintf("m%d", f.ids)
	lost := f.loss > 0 && f.rnd.Float64() < f.loss
	c := f.cards[strings.TrimPrefix(m.Dest, "+")]
	f.mu.Unlock()
	if m.ProtocolID != 0x7F || m.DataCoding != 0xF6 || m.ESMClass != 0x40 || m.RegisteredDelivery != 1 {
		f.t.Errorf("submit_sm PID %02X DCS %02X esm_class %02X registered_delivery %d", m.ProtocolID, m.DataCoding, m.ESMClass, m.RegisteredDelivery)
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		done(smpp.Result{MessageID: id, Attempts: 1})
		if lost || f.down.Load() || c == nil {
			return
		}
		r := f.runner.Load()
		por := c.receive(f.t, m.UD)
		r.HandleReceipt(smpp.Receipt{MessageID: id, State: smpp.Delivered})
		if por != nil {
			r.HandleMO(smpp.MO{From: m.Dest, To: "12345", ESMClass: 0x40, ProtocolID: 0x7F, DataCoding: 0xF6,
				Packet: &smspp.Packet{Kind: smspp.ResponsePacket, Originator: m.Dest, Data: por}})
		}
	}()
	return nil
}

func (c *fakeCard) receive(t testing.TB, ud []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := c.reasm.Add("12345", ud)
	if err != nil {
		t.Errorf("card %d: %v", c.n, err)
		return nil
	}
	if p == nil {
		return nil
	}
	cmd, err := packet.Open(nil, p.Data, &c.keys)
	if err != nil {
		t.Errorf("card %d: %v", c.n, err)
		return nil
	}
	cntr := uint64(cmd.CNTR)
	c.seen[cntr]++
	st := packet.StatusPoROK
	switch {
	case cntr <= c.last:
		st = packet.StatusCounterLow
	case c.refuse != 0:
		st = c.refuse
	default:
		c.last = cntr
		c.applied++
	}
	h := cmd.Header
	if st != packet.StatusPoROK {
		// a refused packet's PoR is neither ciphered nor checksummed (TS 102 225 5.2.2)
		h.SPI.PoRChecksum, h.SPI.PoRCiphering = packet.ChecksumNone, false
	}
	por, err := packet.SealPoR(nil, []byte{0x02, 0x71, 0x00}, &h, st, []byte{0x01, 0x90, 0x00}, &c.keys)
	if err != nil {
		t.Errorf("card %d: %v", c.n, err)
		return nil
	}
	return por
}

type env struct {
	store keys.Store
	kp    keys.KeyProvider
	j     *campaign.Journal
	net   *fakeNet
	cards []*fakeCard
	iccid []string
}

func openBackend(t *testing.T, backend string) keys.Store {
	t.Helper()
	var st keys.Store
	var err error
	switch backend {
	case "sqlite":
		st, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "keys.db"))
	case "postgres":
		st, err = postgres.Open(ctx, freshPG(t))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newEnv makes a store with n cards (storetest's test cards: keysets 1 and 2, AES, TAR
// B00010 with MSL 16) and the fake network holding the same cards.
func newEnv(t *testing.T, backend string, n int) *env {
	st := openBackend(t, backend)
	mk := make([]byte, 32)
	rand.Read(mk)
	kp, err := keys.NewMasterKey(mk, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: st, kp: kp, net: &fakeNet{t: t, cards: map[string]*fakeCard{}, rnd: mrand.New(mrand.NewPCG(1, 2))}}
	var cs []keys.Card
	for i := 1; i <= n; i++ {
		c := storetest.Card(t, kp, i)
		c.Lifecycle = keys.LifecycleActive
		cs = append(cs, c)
		fc := &fakeCard{n: i, keys: packet.Keyset{KIc: storetest.ClearKey(i, 1, "kic"), KID: storetest.ClearKey(i, 1, "kid")},
			seen: map[uint64]int{}, reasm: smspp.NewReassembler(smspp.Limits{}, time.Now)}
		e.cards = append(e.cards, fc)
		e.net.cards[c.MSISDN] = fc
		e.iccid = append(e.iccid, string(c.ICCID))
	}
	if err := st.InsertCards(ctx, cs, keys.AuditRecord{Time: storetest.Clock(), Actor: "test", Action: keys.AuditImport, Subject: "cards"}); err != nil {
		t.Fatal(err)
	}
	if e.j, err = campaign.OpenJournal(st, nil); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) runner(t *testing.T) *campaign.Runner {
	r := campaign.NewRunner(campaign.Config{Journal: e.j, Store: e.store, Provider: e.kp, Sender: e.net, Batch: 16, Poll: 5 * time.Millisecond})
	e.net.runner.Store(r)
	t.Cleanup(func() { e.net.wg.Wait(); r.Close() })
	return r
}

// updateSPN is an RFM script: SELECT DF GSM / EF SPN, UPDATE BINARY (TS 102 226 6, TS 51.011).
func updateSPN(t testing.TB, text string) []byte {
	sel, err := remote.SelectPath(remote.UICC, 0x7F20, 0x6F46)
	if err != nil {
		t.Fatal(err)
	}
	upd, err := remote.UpdateBinary(remote.UICC, 0, append([]byte{0x01}, text...))
	if err != nil {
		t.Fatal(err)
	}
	s, err := remote.CompactScript(append(sel, upd)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// spec is the campaign of the tests. Its PoR timeout outlasts the slowest PoR of a loaded
// machine, so tests that assert one attempt per card hold under load; tests where expiry and
// retries are the point (loss, crash) shorten it themselves (quickRetries).
func (e *env) spec(t *testing.T) campaign.Spec {
	return campaign.Spec{Name: "spn", Tenant: "op", Script: updateSPN(t, "stkforge"),
		Targets:     campaign.Targets{ICCIDs: e.iccid},
		Security:    campaign.Security{SPI: "1639", KIc: "12", KID: "12", TAR: "B00010"},
		MaxAttempts: 4, Backoff: campaign.Duration(5 * time.Millisecond), PoRTimeout: campaign.Duration(20 * time.Second)}
}

// quickRetries makes lost packets expire fast: for the tests whose point is the retry.
func quickRetries(s *campaign.Spec) { s.PoRTimeout = campaign.Duration(500 * time.Millisecond) }

func run(t *testing.T, r *campaign.Runner, id string) campaign.Status {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	st, err := r.Run(c, id)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return st
}

func counts(t *testing.T, j *campaign.Journal, id string) campaign.Counts {
	t.Helper()
	c, err := j.Counts(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkCounters fails if a card saw one counter value twice, and checks the store's counter is
// at least every value the card saw.
func (e *env) checkCounters(t *testing.T) {
	t.Helper()
	for i, c := range e.cards {
		c.mu.Lock()
		for v, k := range c.seen {
			if k > 1 {
				t.Errorf("card %d received counter %d %d times", c.n, v, k)
			}
		}
		last := c.last
		c.mu.Unlock()
		card, err := e.store.Card(ctx, keys.ICCID(e.iccid[i]))
		if err != nil {
			t.Fatal(err)
		}
		ks, _ := card.Keyset(1)
		if ks.Counter < last {
			t.Errorf("card %d accepted counter %d above the store's %d", c.n, last, ks.Counter)
		}
	}
}

var backends = []string{"sqlite", "postgres"}

func TestAllPoROK(t *testing.T) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			e := newEnv(t, b, 40)
			r := e.runner(t)
			_, n, err := r.Create(ctx, "c1", e.spec(t), campaign.Scope{})
			if err != nil || n != 40 {
				t.Fatalf("create: %d targets, %v", n, err)
			}
			if st := run(t, r, "c1"); st != campaign.Finished {
				t.Fatalf("status %s", st)
			}
			if c := counts(t, e.j, "c1"); c[campaign.PoROK] != 40 {
				t.Errorf("counts %v", c)
			}
			for _, c := range e.cards {
				if c.applied != 1 {
					t.Errorf("card %d ran the script %d times", c.n, c.applied)
				}
			}
			e.checkCounters(t)
			in, _ := e.j.Get(ctx, "c1")
			if in.Status != campaign.Finished || in.Reason != "40 of 40 por_ok" {
				t.Errorf("info %+v", in)
			}
		})
	}
}

// TestLossRetries: a quarter of the short messages vanish without a receipt; the PoR deadline
// sends them again with new counters until every target is final.
func TestLossRetries(t *testing.T) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			e := newEnv(t, b, 60)
			e.net.loss = 0.25
			r := e.runner(t)
			spec := e.spec(t)
			quickRetries(&spec)
			spec.MaxAttempts = 6
			if _, _, err := r.Create(ctx, "c1", spec, campaign.Scope{}); err != nil {
				t.Fatal(err)
			}
			if st := run(t, r, "c1"); st != campaign.Finished {
				t.Fatalf("status %s", st)
			}
			c := counts(t, e.j, "c1")
			if c[campaign.PoROK]+c[campaign.Expired] != 60 || c[campaign.PoROK] < 55 {
				t.Errorf("counts %v", c)
			}
			ts, err := e.j.Targets(ctx, "c1", -1, 1000, "")
			if err != nil {
				t.Fatal(err)
			}
			retried := 0
			for _, tg := range ts {
				if tg.Attempts > 1 {
					retried++
				}
				if tg.State == campaign.Expired && !strings.Contains(tg.LastError, "no PoR") {
					t.Errorf("expired without a reason: %+v", tg)
				}
			}
			if retried == 0 {
				t.Error("no target needed a second attempt with 25% loss")
			}
			e.checkCounters(t)
		})
	}
}

// TestCrashResume: the runner is stopped hard mid-way while the network is partitioned (the
// packets in flight are lost), then a new runner finishes the campaign.
func TestCrashResume(t *testing.T) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			e := newEnv(t, b, 80)
			r1 := campaign.NewRunner(campaign.Config{Journal: e.j, Store: e.store, Provider: e.kp, Sender: e.net, Batch: 8, Poll: 5 * time.Millisecond})
			e.net.runner.Store(r1)
			spec := e.spec(t)
			quickRetries(&spec) // the packets lost in the crash are sent again after it
			spec.Rate = 100     // slow enough to be killed part way, however loaded the machine
			if _, _, err := r1.Create(ctx, "c1", spec, campaign.Scope{}); err != nil {
				t.Fatal(err)
			}
			c1, kill := context.WithCancel(ctx)
			go func() {
				for r1.Stats().PoROK < 20 {
					time.Sleep(time.Millisecond)
				}
				e.net.down.Store(true)
				kill()
			}()
			if _, err := r1.Run(c1, "c1"); !errors.Is(err, context.Canceled) {
				t.Fatalf("run 1: %v", err)
			}
			e.net.wg.Wait()
			r1.Close()
			e.net.down.Store(false)
			before := counts(t, e.j, "c1")
			if before[campaign.PoROK] == 80 || before.Total() != 80 {
				t.Fatalf("after the crash: %v", before)
			}
			r2 := e.runner(t)
			if st := run(t, r2, "c1"); st != campaign.Finished {
				t.Fatalf("status %s", st)
			}
			if c := counts(t, e.j, "c1"); c[campaign.PoROK] != 80 {
				t.Errorf("counts %v", c)
			}
			e.checkCounters(t)
		})
	}
}

// TestCanaryPauses: the third card refuses the packet; the canary of 5 stops the campaign
// before any target beyond it is sent.
func TestCanaryPauses(t *testing.T) {
	e := newEnv(t, "sqlite", 30)
	e.cards[2].refuse = packet.StatusInsufficientSecurityLevel
	r := e.runner(t)
	spec := e.spec(t)
	spec.Canary = 5
	if _, _, err := r.Create(ctx, "c1", spec, campaign.Scope{}); err != nil {
		t.Fatal(err)
	}
	if st := run(t, r, "c1"); st != campaign.Paused {
		t.Fatalf("status %s", st)
	}
	in, _ := e.j.Get(ctx, "c1")
	if !strings.Contains(in.Reason, "canary: 1 of the first 5") {
		t.Errorf("reason %q", in.Reason)
	}
	c := counts(t, e.j, "c1")
	if c[campaign.Pending] != 25 || c[campaign.PoROK] != 4 || c[campaign.PoRError] != 1 {
		t.Errorf("counts %v", c)
	}
	ts, _ := e.j.Targets(ctx, "c1", 1, 1, "")
	if ts[0].State != campaign.PoRError || ts[0].PoRStatus != 0x0A || !strings.Contains(ts[0].LastError, "0A") {
		t.Errorf("target 2: %+v", ts[0])
	}
	// resume: the operator accepts the risk; the canary still holds, so it pauses again
	if err := r.Resume(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if err := r.Resume(ctx, "c1"); !errors.Is(err, campaign.ErrState) {
		t.Errorf("resume twice: %v", err)
	}
	if err := r.Cancel(ctx, "c1", "canary failed"); err != nil {
		t.Fatal(err)
	}
	if c := counts(t, e.j, "c1"); c[campaign.Cancelled] != 25 {
		t.Errorf("after cancel: %v", c)
	}
}

// TestErrorThreshold: 30 % of the cards refuse; past 10 finished targets the share of PoR
// errors exceeds 10 % and the campaign pauses itself.
func TestErrorThreshold(t *testing.T) {
	e := newEnv(t, "sqlite", 100)
	for i := 0; i < 100; i += 3 {
		e.cards[i].refuse = packet.StatusTARUnknown
	}
	r := e.runner(t)
	spec := e.spec(t)
	spec.MinSample, spec.ErrorThreshold, spec.Rate = 10, 0.1, 200
	if _, _, err := r.Create(ctx, "c1", spec, campaign.Scope{}); err != nil {
		t.Fatal(err)
	}
	if st := run(t, r, "c1"); st != campaign.Paused {
		t.Fatalf("status %s", st)
	}
	in, _ := e.j.Get(ctx, "c1")
	if !strings.HasPrefix(in.Reason, "error threshold:") {
		t.Errorf("reason %q", in.Reason)
	}
	if c := counts(t, e.j, "c1"); c[campaign.Pending] == 0 {
		t.Errorf("nothing left pending: %v", c)
	}
}

func TestPauseResume(t *testing.T) {
	e := newEnv(t, "sqlite", 20)
	r := e.runner(t)
	spec := e.spec(t)
	spec.Rate = 20
	if _, _, err := r.Create(ctx, "c1", spec, campaign.Scope{}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for r.Stats().PoROK < 3 {
			time.Sleep(time.Millisecond)
		}
		r.Pause(ctx, "c1", "operator")
	}()
	if st := run(t, r, "c1"); st != campaign.Paused {
		t.Fatalf("status %s", st)
	}
	if err := r.Resume(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if st := run(t, r, "c1"); st != campaign.Finished {
		t.Fatalf("status %s", st)
	}
	if c := counts(t, e.j, "c1"); c[campaign.PoROK] != 20 {
		t.Errorf("counts %v", c)
	}
}

// TestTwoNodes: two runners share one PostgreSQL campaign; SKIP LOCKED keeps their claims apart.
func TestTwoNodes(t *testing.T) {
	e := newEnv(t, "postgres", 100)
	ra := campaign.NewRunner(campaign.Config{Journal: e.j, Store: e.store, Provider: e.kp, Sender: e.net, Owner: "a", Batch: 8, Poll: 5 * time.Millisecond})
	rb := campaign.NewRunner(campaign.Config{Journal: e.j, Store: e.store, Provider: e.kp, Sender: e.net, Owner: "b", Batch: 8, Poll: 5 * time.Millisecond})
	// PoRs reach node a only, as an SMSC routes a short code to one bind
	e.net.runner.Store(ra)
	defer func() { e.net.wg.Wait(); ra.Close(); rb.Close() }()
	spec := e.spec(t)
	spec.Rate = 200 // so that neither node can claim everything before the other starts
	if _, _, err := ra.Create(ctx, "c1", spec, campaign.Scope{}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, r := range []*campaign.Runner{ra, rb} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			r.Run(c, "c1")
		}()
	}
	wg.Wait()
	if c := counts(t, e.j, "c1"); c[campaign.PoROK] != 100 {
		t.Errorf("counts %v", c)
	}
	if ra.Stats().Packets == 0 || rb.Stats().Packets == 0 {
		t.Errorf("one node did all the work: a %d, b %d", ra.Stats().Packets, rb.Stats().Packets)
	}
	e.checkCounters(t)
}

func TestFilterAndScope(t *testing.T) {
	e := newEnv(t, "sqlite", 5)
	r := e.runner(t)
	spec := e.spec(t)
	spec.Targets = campaign.Targets{Filter: &campaign.Filter{Tenant: "op"}}
	if _, n, err := r.Create(ctx, "all", spec, campaign.Scope{}); err != nil || n != 5 {
		t.Fatalf("filter: %d, %v", n, err)
	}
	// a bank owns neither TAR B00010 nor keyset 1 of these cards
	spec.Tenant = "bank1"
	if _, n, err := r.Create(ctx, "bank", spec, campaign.Scope{Tenant: "bank1", Bank: true}); err != nil || n != 0 {
		t.Fatalf("bank filter: %d, %v", n, err)
	}
	spec.Targets = campaign.Targets{ICCIDs: e.iccid[:2]}
	_, _, err := r.Create(ctx, "bank2", spec, campaign.Scope{Tenant: "bank1", Bank: true})
	var se *campaign.SpecError
	if !errors.As(err, &se) || se.Field != "targets.iccids[0]" {
		t.Fatalf("bank list: %v", err)
	}
	spec.Tenant = "op"
	if _, _, err := r.Create(ctx, "bank3", spec, campaign.Scope{Tenant: "bank1", Bank: true}); err == nil {
		t.Error("a bank created an operator campaign")
	}
	spec.Targets = campaign.Targets{MSISDNs: []string{"99999"}}
	if _, _, err := r.Create(ctx, "x", spec, campaign.Scope{}); !errors.As(err, &se) || se.Field != "targets.msisdns[0]" {
		t.Fatalf("unknown msisdn: %v", err)
	}
}

// TestCancelDrains: cancelling stops new attempts; the ones in flight get no PoR (the network
// is down) and expire at their deadline with the reason, so no target is left open.
func TestCancelDrains(t *testing.T) {
	e := newEnv(t, "sqlite", 12)
	e.net.down.Store(true)
	r := e.runner(t)
	spec := e.spec(t)
	spec.Rate = 40
	if _, _, err := r.Create(ctx, "c1", spec, campaign.Scope{}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for r.Stats().Packets < 4 {
			time.Sleep(time.Millisecond)
		}
		r.Cancel(ctx, "c1", "operator")
	}()
	if st := run(t, r, "c1"); st != campaign.Stopped {
		t.Fatalf("status %s", st)
	}
	c := counts(t, e.j, "c1")
	if c.Open() != 0 || c[campaign.Expired] < 4 || c[campaign.Cancelled]+c[campaign.Expired] != 12 {
		t.Errorf("counts %v", c)
	}
	ts, _ := e.j.Targets(ctx, "c1", -1, 100, campaign.Expired)
	for _, tg := range ts {
		if !strings.HasPrefix(tg.LastError, "campaign cancelled") {
			t.Errorf("expired target %d: %q", tg.Seq, tg.LastError)
		}
	}
}

// TestCounterLowRetried: a card already holds a counter above the store's first value (updated
// by another system); its PoR 02 makes the campaign try again with the next counter.
func TestCounterLowRetried(t *testing.T) {
	e := newEnv(t, "sqlite", 3)
	e.cards[1].last = 2
	r := e.runner(t)
	if _, _, err := r.Create(ctx, "c1", e.spec(t), campaign.Scope{}); err != nil {
		t.Fatal(err)
	}
	if st := run(t, r, "c1"); st != campaign.Finished {
		t.Fatalf("status %s", st)
	}
	ts, _ := e.j.Targets(ctx, "c1", -1, 10, "")
	if tg := ts[1]; tg.State != campaign.PoROK || tg.Attempts != 3 || tg.Counter != 3 {
		t.Errorf("target 1: %+v", tg)
	}
	if c := counts(t, e.j, "c1"); c[campaign.PoROK] != 3 {
		t.Errorf("counts %v", c)
	}
}
