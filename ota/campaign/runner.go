package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/remote"
	"github.com/stkforge/stkforge/ota/smpp"
	"github.com/stkforge/stkforge/ota/smspp"
)

// Sender submits short messages: *smpp.Client.
type Sender interface {
	SubmitAsync(ctx context.Context, m smpp.Message, done func(smpp.Result)) error
}

// Config configures a Runner.
type Config struct {
	Journal  *Journal
	Store    keys.Store       // counters are reserved here, durably, before a packet leaves
	Provider keys.KeyProvider // opens the sealed OTA keys
	Sender   Sender
	// Owner names this node in the claims it writes (default "node").
	Owner string
	// Batch is how many targets are claimed, and their counters reserved, at once (default 256).
	Batch int
	// MaxInFlight bounds the targets awaiting their PoR in memory (default 20000).
	MaxInFlight int
	// Poll is the pause when nothing is due (default 50ms).
	Poll   time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// Stats counts what a Runner did since it started.
type Stats struct {
	Packets, Segments, SubmitErrors int64
	Receipts, Undelivered           int64
	PoROK, PoRError, PoRStale       int64
	PoRBad                          int64 // PoRs that did not verify or matched no target
	Expired, Failed                 int64
	InFlight                        int64
}

// flight is one attempt awaiting its PoR: what is needed to open and match it.
type flight struct {
	campaign string
	seq      int64
	msisdn   string
	counter  uint64
	attempts int
	spec     *runSpec
	keys     packet.Keyset
	segs     int
	acked    int // segments with a DELIVRD receipt
	answered int // segments whose submit_sm has an outcome (submit_sm_resp, error, or unknown)
	retried  bool
	// deadline is when the PoR is overdue: the PoR timeout after the last segment's
	// submit_sm_resp. Zero while segments await their submission (throttling, a full window).
	deadline time.Time
}

// attempt names one target of one campaign.
type attempt struct {
	campaign string
	seq      int64
}

// lease keeps a claimed target's journal deadline ahead of the clock while its packet waits to
// be submitted, so that a slow or throttling SMSC does not make the target due again. A crashed
// runner renews nothing: its targets become due one PoR timeout after the last renewal.
type lease struct {
	counter uint64
	timeout time.Duration
	renewAt time.Time
}

type runSpec struct {
	id     string
	spec   Spec
	parsed Parsed
}

// event is a receipt or a PoR handed over from the SMPP reading goroutine.
type event struct {
	receipt *smpp.Receipt
	mo      *smpp.MO
	result  *submitResult
}

type submitResult struct {
	f   *flight
	res smpp.Result
	// segs is how many segments this outcome settles: 1, or the rest of the packet when its
	// submission stopped part way.
	segs int
}

// Runner runs campaigns: it claims due targets, reserves their counters, seals and submits the
// packets, and turns receipts and PoRs into durable target states. One Runner serves every
// campaign of a node; several nodes may run the same campaign on a shared PostgreSQL store.
type Runner struct {
	cfg Config

	mu       sync.Mutex
	byMSISDN map[string][]*flight
	byMsgID  map[string]*flight
	specs    map[string]*runSpec
	leases   map[attempt]*lease

	evMu      sync.Mutex
	evCond    *sync.Cond
	events    []event
	evWaiting int // pushes waiting for room (tests)

	upMu    sync.Mutex
	updates map[string][]Update
	flushMu sync.Mutex // one flush at a time, so updates are written in the order queued
	wake    chan struct{}

	st      stats
	stop    chan struct{}
	stopped sync.WaitGroup
	closed  atomic.Bool
}

type stats struct {
	packets, segments, submitErrors, receipts, undelivered atomic.Int64
	porOK, porError, porStale, porBad, expired, failed     atomic.Int64
}

// NewRunner starts a Runner's event and writer goroutines; Close stops them.
func NewRunner(cfg Config) *Runner {
	if cfg.Owner == "" {
		cfg.Owner = "node"
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 256
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 20000
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 50 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Runner{cfg: cfg, byMSISDN: map[string][]*flight{}, byMsgID: map[string]*flight{}, specs: map[string]*runSpec{},
		leases: map[attempt]*lease{}, updates: map[string][]Update{}, wake: make(chan struct{}, 1), stop: make(chan struct{})}
	r.evCond = sync.NewCond(&r.evMu)
	r.stopped.Add(2)
	go r.processEvents()
	go r.writer()
	return r
}

// Close stops the Runner's goroutines after writing what is pending.
func (r *Runner) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	close(r.stop)
	r.evMu.Lock()
	r.evCond.Broadcast()
	r.evMu.Unlock()
	r.stopped.Wait()
	return nil
}

// Stats returns the counters.
func (r *Runner) Stats() Stats {
	inflight := r.inFlight()
	return Stats{Packets: r.st.packets.Load(), Segments: r.st.segments.Load(), SubmitErrors: r.st.submitErrors.Load(),
		Receipts: r.st.receipts.Load(), Undelivered: r.st.undelivered.Load(), PoROK: r.st.porOK.Load(), PoRError: r.st.porError.Load(),
		PoRStale: r.st.porStale.Load(), PoRBad: r.st.porBad.Load(), Expired: r.st.expired.Load(), Failed: r.st.failed.Load(), InFlight: int64(inflight)}
}

// HandleReceipt takes a delivery receipt (smpp.Config.OnReceipt); it returns at once.
func (r *Runner) HandleReceipt(rc smpp.Receipt) { r.push(event{receipt: &rc}) }

// HandleMO takes a mobile originated message (smpp.Config.OnMO); it returns at once.
func (r *Runner) HandleMO(mo smpp.MO) { r.push(event{mo: &mo}) }

// maxEvents bounds the events waiting for processEvents. Beyond it push waits: receipts and MO
// are then answered late, so the SMSC's deliver window fills and it holds them back, and
// submissions wait for their results to be taken. Memory stays bounded whatever the SMSC sends.
const maxEvents = 1 << 16

func (r *Runner) push(e event) {
	r.evMu.Lock()
	for len(r.events) >= maxEvents && !r.closed.Load() {
		r.evWaiting++
		r.evCond.Wait()
		r.evWaiting--
	}
	r.events = append(r.events, e)
	r.evMu.Unlock()
}

// Create validates spec, stores the campaign and its targets and returns it with the number of
// targets. Lab security settings are logged as warnings.
func (r *Runner) Create(ctx context.Context, id string, spec Spec, scope Scope) (Info, int, error) {
	spec, p, warn, err := spec.Validate()
	if err != nil {
		return Info{}, 0, err
	}
	if scope.Bank && spec.Tenant != scope.Tenant {
		return Info{}, 0, specErr("tenant", 0, ErrInvalid, "a bank may only create campaigns of its own tenant")
	}
	for _, w := range warn {
		r.cfg.Logger.Warn("lab security setting", "campaign", id, "warning", w)
	}
	return r.cfg.Journal.Create(ctx, id, spec, p, scope)
}

func (r *Runner) runSpec(ctx context.Context, id string) (*runSpec, Info, error) {
	in, err := r.cfg.Journal.Get(ctx, id)
	if err != nil {
		return nil, in, err
	}
	r.mu.Lock()
	rs := r.specs[id]
	r.mu.Unlock()
	if rs != nil {
		return rs, in, nil
	}
	spec, p, _, err := in.Spec.Validate()
	if err != nil {
		return nil, in, err
	}
	rs = &runSpec{id: id, spec: spec, parsed: p}
	r.mu.Lock()
	r.specs[id] = rs
	r.mu.Unlock()
	return rs, in, nil
}

func (r *Runner) inFlight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, fs := range r.byMSISDN {
		n += len(fs)
	}
	return n
}

// Run drives one campaign until every target is final (it returns Finished), the campaign is
// paused, or cancelled and drained (every attempt in flight has its PoR or expired), or ctx ends. Killing it at any point loses nothing: claimed targets time
// out and are sent again with a new counter, by this node or another.
func (r *Runner) Run(ctx context.Context, id string) (Status, error) {
	rs, in, err := r.runSpec(ctx, id)
	if err != nil {
		return "", err
	}
	spec := rs.spec
	// the packets of one batch are sealed and submitted while the next batch is claimed and its
	// counters reserved: database and network work overlap
	batches := make(chan []sendJob, 2)
	subErr := make(chan error, 1)
	go func() {
		var err error
		for b := range batches {
			for _, j := range b {
				if err == nil {
					err = r.submit(ctx, rs, j.c, j.cnt, j.ks)
				} else {
					// not sent: its journal deadline (last renewal + PoR timeout) makes it due again
					r.release(attempt{rs.id, j.c.Seq})
				}
			}
		}
		subErr <- err
	}()
	defer func() {
		close(batches)
		<-subErr
	}()
	var lastCheck time.Time
	var tokens float64
	lastToken := r.cfg.Now()
	for {
		if err := ctx.Err(); err != nil {
			return in.Status, err
		}
		if in, err = r.cfg.Journal.Get(ctx, id); err != nil {
			return "", err
		}
		if in.Status == Stopped {
			// cancelled: nothing more is sent; the attempts in flight take their PoR or expire
			if _, err := r.cfg.Journal.ExpireOverdue(ctx, id, 0); err != nil {
				return in.Status, err
			}
			c, err := r.cfg.Journal.Counts(ctx, id)
			if err != nil {
				return in.Status, err
			}
			if c.Open() == 0 {
				return in.Status, nil
			}
			select {
			case <-ctx.Done():
				return in.Status, ctx.Err()
			case <-time.After(r.cfg.Poll * 4):
			}
			continue
		}
		if in.Status != Running {
			return in.Status, nil
		}
		if n, err := r.cfg.Journal.ExpireOverdue(ctx, id, spec.MaxAttempts); err != nil {
			return in.Status, err
		} else if n > 0 {
			r.st.expired.Add(int64(n))
		}
		maxSeq := int64(1) << 62
		if spec.Canary > 0 {
			open, bad, err := r.cfg.Journal.CanaryOpen(ctx, id, spec.Canary)
			if err != nil {
				return in.Status, err
			}
			if bad > 0 {
				reason := fmt.Sprintf("canary: %d of the first %d targets did not end por_ok", bad, spec.Canary)
				r.cfg.Logger.Warn("campaign paused", "campaign", id, "reason", reason)
				r.cfg.Journal.SetStatus(ctx, id, []Status{Running}, Paused, reason)
				return Paused, nil
			}
			if open > 0 {
				maxSeq = int64(spec.Canary)
			}
		}
		now := r.cfg.Now()
		if now.Sub(lastCheck) >= 200*time.Millisecond {
			lastCheck = now
			c, err := r.cfg.Journal.Counts(ctx, id)
			if err != nil {
				return in.Status, err
			}
			done := c[PoROK] + c[PoRError] + c[Expired] + c[Failed]
			if done >= spec.MinSample && c[PoRError] > 0 && float64(c[PoRError]) > spec.ErrorThreshold*float64(done) {
				reason := fmt.Sprintf("error threshold: %d PoR errors among %d finished targets exceed %.0f%%", c[PoRError], done, spec.ErrorThreshold*100)
				r.cfg.Logger.Warn("campaign paused", "campaign", id, "reason", reason)
				r.cfg.Journal.SetStatus(ctx, id, []Status{Running}, Paused, reason)
				return Paused, nil
			}
			if c.Open() == 0 {
				r.flush(ctx)
				if c, err = r.cfg.Journal.Counts(ctx, id); err == nil && c.Open() == 0 {
					reason := fmt.Sprintf("%d of %d por_ok", c[PoROK], c.Total())
					r.cfg.Journal.SetStatus(ctx, id, []Status{Running}, Finished, reason)
					r.cfg.Logger.Info("campaign done", "campaign", id, "reason", reason)
					return Finished, nil
				}
			}
		}
		room := min(r.cfg.Batch, r.cfg.MaxInFlight-r.inFlight())
		if spec.Rate > 0 {
			now := r.cfg.Now()
			tokens = min(tokens+now.Sub(lastToken).Seconds()*spec.Rate, max(spec.Rate/10, 1))
			lastToken = now
			room = min(room, int(tokens))
		}
		var claims []Claim
		if room > 0 {
			claims, err = r.cfg.Journal.Claim(ctx, id, r.cfg.Owner, room, maxSeq, r.cfg.Now().Add(time.Duration(spec.PoRTimeout)))
			if err != nil {
				return in.Status, err
			}
			tokens -= float64(len(claims))
		}
		if len(claims) == 0 {
			select {
			case <-ctx.Done():
				return in.Status, ctx.Err()
			case <-r.wake:
			case <-time.After(r.cfg.Poll):
			}
			continue
		}
		jobs, err := r.send(ctx, rs, claims)
		if err != nil {
			return in.Status, err
		}
		select {
		case batches <- jobs:
		case <-ctx.Done():
			return in.Status, ctx.Err()
		}
	}
}

// sendJob is one attempt ready to be sealed and submitted: its counter is durably recorded.
type sendJob struct {
	c   Claim
	cnt uint64
	ks  keys.Keyset
}

// send reserves counters for the claimed targets (durably, in one batch) and records them with
// their targets; it returns the attempts ready to be sealed and submitted.
func (r *Runner) send(ctx context.Context, rs *runSpec, claims []Claim) ([]sendJob, error) {
	p := rs.parsed
	ids := make([]string, len(claims))
	for i, c := range claims {
		ids[i] = c.ICCID
	}
	sealed, err := r.cfg.Journal.Keysets(ctx, p.KVN, ids)
	if err != nil {
		return nil, err
	}
	var ups []Update
	var ok []Claim
	var reqs []keys.CounterRequest
	for _, c := range claims {
		if _, found := sealed[c.ICCID]; !found {
			ups = append(ups, Update{Seq: c.Seq, State: Failed, PoRStatus: -1, LastError: fmt.Sprintf("card has no keyset %d", p.KVN)})
			continue
		}
		ok = append(ok, c)
		reqs = append(reqs, keys.CounterRequest{ICCID: keys.ICCID(c.ICCID), KVN: p.KVN, N: 1})
	}
	counters := make([]uint64, len(ok))
	if len(reqs) > 0 && p.SPI.Counter != packet.CounterNone {
		ranges, err := r.cfg.Store.ReserveCounterBatch(ctx, reqs)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// one card's counter is exhausted (or gone): reserve one by one to find it
			for i, req := range reqs {
				rg, err := r.cfg.Store.ReserveCounters(ctx, req.ICCID, req.KVN, 1)
				if err != nil {
					if ctx.Err() != nil {
						return nil, ctx.Err()
					}
					ups = append(ups, Update{Seq: ok[i].Seq, State: Failed, PoRStatus: -1, LastError: "counter: " + err.Error()})
					continue
				}
				counters[i] = rg.First
			}
		} else {
			for i, rg := range ranges {
				counters[i] = rg.First
			}
		}
	}
	var jobs []sendJob
	for i, c := range ok {
		if p.SPI.Counter != packet.CounterNone && counters[i] == 0 {
			continue
		}
		jobs = append(jobs, sendJob{c, counters[i], sealed[c.ICCID]})
		ups = append(ups, Update{Seq: c.Seq, State: Sent, Counter: counters[i], PoRStatus: -1})
	}
	for _, u := range ups {
		if u.State == Failed {
			r.st.failed.Add(1)
		}
	}
	// the counters are recorded with their targets before any packet leaves
	if _, err := r.cfg.Journal.Apply(ctx, rs.id, ups); err != nil {
		return nil, err
	}
	timeout := time.Duration(rs.spec.PoRTimeout)
	renewAt := r.cfg.Now().Add(timeout / 4)
	r.mu.Lock()
	for _, j := range jobs {
		r.leases[attempt{rs.id, j.c.Seq}] = &lease{counter: j.cnt, timeout: timeout, renewAt: renewAt}
	}
	r.mu.Unlock()
	return jobs, nil
}

func (r *Runner) openKeys(iccid string, ks keys.Keyset) (packet.Keyset, error) {
	var out packet.Keyset
	for _, x := range []struct {
		k    keys.Key
		name string
		dst  *[]byte
	}{{ks.KIc, "kic", &out.KIc}, {ks.KID, "kid", &out.KID}} {
		if !x.k.Present() {
			continue
		}
		v, err := r.cfg.Provider.Open(x.k.Sealed, keys.SecretRef{ICCID: keys.ICCID(iccid), KVN: ks.KVN, Name: x.name}.AAD())
		if err != nil {
			return out, fmt.Errorf("keyset %d %s: %w", ks.KVN, x.name, err)
		}
		*x.dst = v
	}
	return out, nil
}

func (r *Runner) submit(ctx context.Context, rs *runSpec, c Claim, cnt uint64, ks keys.Keyset) error {
	fail := func(msg string) {
		r.release(attempt{rs.id, c.Seq})
		r.st.failed.Add(1)
		r.queue(rs.id, Update{Seq: c.Seq, IfCounter: cnt, State: Failed, PoRStatus: -1, LastError: msg})
	}
	pk, err := r.openKeys(c.ICCID, ks)
	if err != nil {
		fail(err.Error())
		return nil
	}
	h := packet.Header{Security: rs.parsed.Security, TAR: rs.parsed.TAR, CNTR: packet.Counter(cnt)}
	pkt, err := packet.Seal(nil, &h, rs.parsed.Data, &pk)
	if err != nil {
		fail("seal: " + err.Error())
		return nil
	}
	segs, err := smspp.Segment(smspp.CommandPacket, pkt, smspp.Reference{Value: uint16(cnt & 0xFF)})
	if err != nil {
		fail("segment: " + err.Error())
		return nil
	}
	f := &flight{campaign: rs.id, seq: c.Seq, msisdn: c.MSISDN, counter: cnt, attempts: c.Attempts, spec: rs, keys: pk,
		segs: len(segs)}
	r.mu.Lock()
	r.byMSISDN[c.MSISDN] = append(r.byMSISDN[c.MSISDN], f)
	r.mu.Unlock()
	r.st.packets.Add(1)
	for i, ud := range segs {
		m := smpp.OTAMessage("+"+c.MSISDN, ud)
		err := r.cfg.Sender.SubmitAsync(ctx, m, func(res smpp.Result) { r.push(event{result: &submitResult{f: f, res: res, segs: 1}}) })
		if err != nil {
			// the segments not written get no outcome: this one settles them all
			r.push(event{result: &submitResult{f: f, res: smpp.Result{Err: err}, segs: len(segs) - i}})
			if ctx.Err() != nil {
				return ctx.Err()
			}
			break
		}
		r.st.segments.Add(1)
	}
	return nil
}

// queue adds an update for the writer; it is written within a few milliseconds, in order.
func (r *Runner) queue(campaign string, u Update) {
	r.upMu.Lock()
	r.updates[campaign] = append(r.updates[campaign], u)
	r.upMu.Unlock()
}

func (r *Runner) flush(ctx context.Context) {
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	r.upMu.Lock()
	ups := r.updates
	r.updates = map[string][]Update{}
	r.upMu.Unlock()
	wrote := false
	for id, u := range ups {
		if _, err := r.cfg.Journal.Apply(ctx, id, u); err != nil {
			r.cfg.Logger.Error("writing target states", "campaign", id, "err", err)
			continue
		}
		wrote = true
	}
	if wrote {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

// writer writes queued updates in one transaction per campaign every 20 ms: a PoR whose state
// is lost in a crash only makes its target be sent again with a new counter.
func (r *Runner) writer() {
	defer r.stopped.Done()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			r.flush(context.Background())
			return
		case <-t.C:
			r.renew()
			r.flush(context.Background())
		}
	}
}

func (r *Runner) processEvents() {
	defer r.stopped.Done()
	sweep := time.NewTicker(time.Second)
	defer sweep.Stop()
	for {
		r.evMu.Lock()
		for len(r.events) == 0 && !r.closed.Load() {
			r.evMu.Unlock()
			select {
			case <-sweep.C:
				r.sweep()
			case <-time.After(5 * time.Millisecond):
			case <-r.stop:
			}
			r.evMu.Lock()
		}
		evs := r.events
		r.events = nil
		r.evCond.Broadcast() // room for pushes that wait
		r.evMu.Unlock()
		if len(evs) == 0 && r.closed.Load() {
			return
		}
		for _, e := range evs {
			switch {
			case e.result != nil:
				r.onResult(e.result)
			case e.receipt != nil:
				r.onReceipt(e.receipt)
			case e.mo != nil:
				r.onMO(e.mo)
			}
		}
	}
}

// release ends the lease of an attempt: it was submitted, or will not be.
func (r *Runner) release(a attempt) {
	r.mu.Lock()
	delete(r.leases, a)
	r.mu.Unlock()
}

// renew pushes the journal deadline of the attempts still waiting for their submission one PoR
// timeout ahead, every quarter of a timeout (a margin for a busy machine).
func (r *Runner) renew() {
	now := r.cfg.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for a, l := range r.leases {
		if now.Before(l.renewAt) {
			continue
		}
		l.renewAt = now.Add(l.timeout / 4)
		// queued under r.mu: an update that ends the lease (release, then queue) comes after it
		r.queue(a.campaign, Update{Seq: a.seq, IfCounter: l.counter, State: Sent, PoRStatus: -1, NextAt: now.Add(l.timeout)})
	}
}

// sweep forgets attempts whose PoR deadline passed: the journal retries or expires them.
// Attempts whose segments are still being submitted have no deadline yet and stay.
func (r *Runner) sweep() {
	now := r.cfg.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for m, fs := range r.byMSISDN {
		keep := fs[:0]
		for _, f := range fs {
			if f.deadline.IsZero() || now.Before(f.deadline) {
				keep = append(keep, f)
			} else {
				clear(f.keys.KIc)
				clear(f.keys.KID)
			}
		}
		if len(keep) == 0 {
			delete(r.byMSISDN, m)
		} else {
			r.byMSISDN[m] = keep
		}
	}
	for id, f := range r.byMsgID {
		if !f.deadline.IsZero() && !now.Before(f.deadline) {
			delete(r.byMsgID, id)
		}
	}
}

// forget removes a flight once its target has an outcome.
func (r *Runner) forget(f *flight) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fs := r.byMSISDN[f.msisdn]
	for i, g := range fs {
		if g == f {
			fs = append(fs[:i], fs[i+1:]...)
			break
		}
	}
	if len(fs) == 0 {
		delete(r.byMSISDN, f.msisdn)
	} else {
		r.byMSISDN[f.msisdn] = fs
	}
}

func (r *Runner) backoff(f *flight) time.Time {
	d := time.Duration(f.spec.spec.Backoff)
	for i := 1; i < f.attempts && d < time.Hour; i++ {
		d *= 2
	}
	return r.cfg.Now().Add(d)
}

// retry schedules the target's next attempt, or expires it after the last.
func (r *Runner) retry(f *flight, why string) {
	r.forget(f)
	f.retried = true
	if f.attempts >= f.spec.spec.MaxAttempts {
		r.st.expired.Add(1)
		r.queue(f.campaign, Update{Seq: f.seq, IfCounter: f.counter, State: Expired, PoRStatus: -1, LastError: fmt.Sprintf("%s (attempt %d of %d)", why, f.attempts, f.spec.spec.MaxAttempts)})
		return
	}
	r.queue(f.campaign, Update{Seq: f.seq, IfCounter: f.counter, State: Pending, PoRStatus: -1, LastError: why, NextAt: r.backoff(f)})
}

// onResult takes the outcome of one segment's submit_sm. When every segment has one, the
// attempt's PoR deadline starts: at the last submit_sm_resp, not at the claim, so that time
// spent queued behind throttling or a full window is not counted against the card. The start
// is written to the journal (next_at = now + PoR timeout), so a restarted runner keeps it.
func (r *Runner) onResult(s *submitResult) {
	f := s.f
	f.answered += max(s.segs, 1)
	if err := s.res.Err; err != nil {
		r.st.submitErrors.Add(1)
		stopped := errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
		if !smpp.OutcomeUnknown(err) && !stopped {
			r.release(attempt{f.campaign, f.seq})
			if !f.retried {
				r.retry(f, "submit_sm: "+err.Error())
			}
			return
		}
		// it may have gone out: the PoR or the deadline decides
	} else {
		r.mu.Lock()
		r.byMsgID[s.res.MessageID] = f
		r.mu.Unlock()
	}
	if f.answered < f.segs || f.retried || !f.deadline.IsZero() {
		return
	}
	now := r.cfg.Now()
	r.mu.Lock()
	f.deadline = now.Add(time.Duration(f.spec.spec.PoRTimeout))
	delete(r.leases, attempt{f.campaign, f.seq})
	r.queue(f.campaign, Update{Seq: f.seq, IfCounter: f.counter, State: Sent, PoRStatus: -1, NextAt: f.deadline})
	r.mu.Unlock()
}

func (r *Runner) onReceipt(rc *smpp.Receipt) {
	r.st.receipts.Add(1)
	r.mu.Lock()
	f := r.byMsgID[rc.MessageID]
	delete(r.byMsgID, rc.MessageID)
	r.mu.Unlock()
	if f == nil {
		return
	}
	switch {
	case rc.State == smpp.Delivered:
		f.acked++
		if f.acked == f.segs {
			r.queue(f.campaign, Update{Seq: f.seq, IfCounter: f.counter, State: Delivered, PoRStatus: -1})
		}
	case rc.State.Final():
		r.st.undelivered.Add(1)
		r.retry(f, fmt.Sprintf("receipt %v err:%s", rc.State, rc.Err))
	}
}

// onMO matches a PoR to its attempt by originator and TAR, opens it with the card's keys, and
// accepts it only when its CNTR is the attempt's counter (TS 102 225 5.2.2). Attempts held in
// memory are tried first, then those the journal knows (another node's, an earlier run's, or
// another campaign's to the same card).
func (r *Runner) onMO(mo *smpp.MO) {
	if mo.Packet == nil || mo.Packet.Kind != smspp.ResponsePacket {
		return
	}
	por := mo.Packet.Data
	if len(por) < 6 {
		r.st.porBad.Add(1)
		return
	}
	var tar packet.TAR
	copy(tar[:], por[3:6])
	msisdn := strings.TrimPrefix(mo.From, "+")
	r.mu.Lock()
	cands := append([]*flight(nil), r.byMSISDN[msisdn]...)
	r.mu.Unlock()
	if r.match(por, tar, cands) {
		return
	}
	tried := map[[2]any]bool{}
	for _, f := range cands {
		tried[[2]any{f.campaign, f.seq}] = true
	}
	var more []*flight
	for _, f := range r.lookup(msisdn) {
		if !tried[[2]any{f.campaign, f.seq}] {
			more = append(more, f)
		}
	}
	if r.match(por, tar, more) {
		return
	}
	if len(cands)+len(more) > 0 {
		r.st.porStale.Add(1)
		return
	}
	r.st.porBad.Add(1)
}

// match tries a PoR against candidate attempts and records the outcome of the one it fits.
func (r *Runner) match(por []byte, tar packet.TAR, cands []*flight) bool {
	transport := []byte{0x02, 0x71, 0x00}
	for _, f := range cands {
		if f.spec.parsed.TAR != tar {
			continue
		}
		resp, err := packet.OpenPoR(nil, transport, por, f.spec.parsed.Security, &f.keys)
		if err != nil {
			// a refused packet's PoR is neither ciphered nor checksummed (TS 102 225 5.2.2)
			plain := f.spec.parsed.Security
			plain.SPI.PoRChecksum, plain.SPI.PoRCiphering = packet.ChecksumNone, false
			r2, err2 := packet.OpenPoR(nil, transport, por, plain, &f.keys)
			if err2 != nil || r2.Status == packet.StatusPoROK {
				continue
			}
			if r2.CNTR != 0 && uint64(r2.CNTR) != f.counter {
				continue // a refusal that echoes another attempt's counter
			}
			// unauthenticated: only a refusal can be read this way; its CNTR may be zeroed
			r.porFailed(f, r2.Status, fmt.Sprintf("PoR %02X %v (unsigned, as for a refused packet)", byte(r2.Status), r2.Status))
			return true
		}
		if uint64(resp.CNTR) != f.counter {
			continue
		}
		r.forget(f)
		if resp.Status == packet.StatusPoROK && f.spec.parsed.Image {
			// the packet ran; whether the card activated the image is in the control EF it read back
			c, err := remote.ParseImageCommit(resp.Data)
			if err == nil && alreadyCommitted(c, f) {
				// An earlier attempt of this target committed the image and its PoR was lost
				// (SMS loss, or a server killed before it recorded the PoR): this retry wrote the
				// same bytes again and the card refused to commit the slot it already runs
				// (commit status 06, docs/image-format.md). The card holds the image: done.
				c.Status = 0
			}
			if err != nil || c.Status != 0 || c.Active != f.spec.parsed.ImageSlot {
				why := fmt.Sprintf("image not activated: %v", err)
				if err == nil {
					why = fmt.Sprintf("image not activated: commit status %02X (%s), active slot %02X, want %02X",
						c.Status, remote.ImageCommitStatus(c.Status), c.Active, f.spec.parsed.ImageSlot)
				}
				r.st.porError.Add(1)
				r.queue(f.campaign, Update{Seq: f.seq, IfCounter: f.counter, State: PoRError, PoRStatus: 0, LastError: why})
				return true
			}
		}
		if resp.Status == packet.StatusPoROK {
			r.st.porOK.Add(1)
			r.queue(f.campaign, Update{Seq: f.seq, IfCounter: f.counter, State: PoROK, PoRStatus: 0})
		} else {
			r.porFailed(f, resp.Status, fmt.Sprintf("PoR %02X %v", byte(resp.Status), resp.Status))
		}
		return true
	}
	return false
}

// alreadyCommitted reports whether an image commit refused with status 06 ("the request names the
// active slot") only means that an earlier attempt of the same target already activated this
// campaign's image in the requested slot. On a first attempt it means something else (the slot
// was active before this campaign) and stays an error.
func alreadyCommitted(c remote.ImageCommit, f *flight) bool {
	return c.Status == 0x06 && c.Active == f.spec.parsed.ImageSlot && f.attempts > 1
}

// porFailed records a PoR other than OK. CNTR low (02) is retried with a new counter while
// attempts remain: the store hands out increasing values, so the card saw a later one first (two
// campaigns to one card, or a retry overtaking its original); any other status is final.
func (r *Runner) porFailed(f *flight, st packet.Status, why string) {
	if st == packet.StatusCounterLow && f.attempts < f.spec.spec.MaxAttempts {
		r.st.porStale.Add(1)
		r.retry(f, why)
		return
	}
	r.forget(f)
	r.st.porError.Add(1)
	r.queue(f.campaign, Update{Seq: f.seq, IfCounter: f.counter, State: PoRError, PoRStatus: int(st), LastError: why})
}

// lookup finds attempts this runner does not hold (another node's, or from before a restart).
func (r *Runner) lookup(msisdn string) []*flight {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ts, err := r.cfg.Journal.InFlight(ctx, msisdn)
	if err != nil {
		r.cfg.Logger.Error("looking up a PoR's target", "msisdn", msisdn, "err", err)
		return nil
	}
	var out []*flight
	for _, t := range ts {
		rs, _, err := r.runSpec(ctx, t.Campaign)
		if err != nil {
			continue
		}
		kss, err := r.cfg.Journal.Keysets(ctx, rs.parsed.KVN, []string{t.ICCID})
		if err != nil || len(kss) == 0 {
			continue
		}
		pk, err := r.openKeys(t.ICCID, kss[t.ICCID])
		if err != nil {
			continue
		}
		out = append(out, &flight{campaign: t.Campaign, seq: t.Seq, msisdn: msisdn, counter: t.Counter, attempts: t.Attempts, spec: rs, keys: pk})
	}
	return out
}

// Control errors.
var ErrState = errors.New("campaign is not in a state that allows this")

// Pause stops a running campaign after the packets in flight; Resume starts it again.
func (r *Runner) Pause(ctx context.Context, id, reason string) error {
	return r.control(ctx, id, []Status{Running}, Paused, reason)
}

// Resume makes a paused campaign runnable again (the caller runs it).
func (r *Runner) Resume(ctx context.Context, id string) error {
	return r.control(ctx, id, []Status{Paused}, Running, "")
}

// Cancel stops a campaign for good; targets not yet sent become cancelled, those in flight
// still take their PoR.
func (r *Runner) Cancel(ctx context.Context, id, reason string) error {
	return r.control(ctx, id, []Status{Running, Paused}, Stopped, reason)
}

func (r *Runner) control(ctx context.Context, id string, from []Status, to Status, reason string) error {
	ok, err := r.cfg.Journal.SetStatus(ctx, id, from, to, reason)
	if err != nil {
		return err
	}
	if !ok {
		return ErrState
	}
	r.cfg.Logger.Info("campaign status", "campaign", id, "status", to, "reason", reason)
	return nil
}
