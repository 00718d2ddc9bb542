package network

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingHandset counts the MT messages it is given.
func countingHandset(s *SMSC) *atomic.Int64 {
	var n atomic.Int64
	s.Register("+491720000001", HandsetFunc(func(context.Context, []byte) ([]byte, error) { n.Add(1); return nil, nil }))
	return &n
}

func dialOTA(t *testing.T, s *SMSC, bind CommandID) *ESME {
	t.Helper()
	e, err := DialESME(context.Background(), s.Addr().String(), bind, "ota", "secret1", func(*SM) Status { return ROK })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func submitStatus(e *ESME) (Status, bool) {
	_, err := e.Submit(context.Background(), otaSubmit())
	var se *SubmitError
	if errors.As(err, &se) {
		return se.Status, se.Nack
	}
	if err != nil {
		return RUnknownErr, false
	}
	return ROK, false
}

// TestRefuseBinds: the first two good binds are refused with ESME_RBINDFAIL, the third is
// accepted; a wrong password is refused for what it is and does not use up a refusal.
func TestRefuseBinds(t *testing.T) {
	s := listen(t, func(c *Config) { c.Faults = Faults{RefuseBinds: 2} })
	var be *BindError
	if _, err := DialESME(context.Background(), s.Addr().String(), BindTransceiver, "ota", "nope", nil); !errors.As(err, &be) || be.Status != RInvPaswd {
		t.Errorf("wrong password: %v", err)
	}
	for i := range 2 {
		_, err := DialESME(context.Background(), s.Addr().String(), BindTransceiver, "ota", "secret1", nil)
		if !errors.As(err, &be) || be.Status != RBindFail {
			t.Errorf("bind %d: %v, want ESME_RBINDFAIL", i+1, err)
		}
	}
	dialOTA(t, s, BindTransceiver)
	s.SetFaults(Faults{RefuseBinds: 1, RefuseBindStatus: RThrottled})
	if _, err := DialESME(context.Background(), s.Addr().String(), BindTransmitter, "ota", "secret1", nil); !errors.As(err, &be) || be.Status != RThrottled {
		t.Errorf("after SetFaults: %v", err)
	}
	dialOTA(t, s, BindTransmitter)
	if st := s.Stats(); st.Binds != 2 || st.BindsRefused != 4 {
		t.Errorf("stats %+v", st)
	}
}

// TestResponseDelay: with the responses held back the SMSC still reads, accepts and delivers a
// whole window of pipelined submit_sm (held an hour, none is answered meanwhile); held 300 ms,
// every response comes no sooner than that after its submit_sm, and a receipt never comes before
// the response naming its message.
func TestResponseDelay(t *testing.T) {
	const window, delay = 10, 300 * time.Millisecond
	s := listen(t, func(c *Config) { c.Faults = Faults{ResponseDelay: time.Hour} })
	got := countingHandset(s)
	c := dialRaw(t, s)
	if h := c.roundTrip(MarshalBind(BindTransceiver, 1, &Bind{SystemID: "ota", Password: "secret1", InterfaceVersion: 0x34})); h.Status != ROK {
		t.Fatalf("bind %+v", h)
	}
	seq := uint32(1)
	sent := map[uint32]time.Time{}
	submitWindow := func() {
		for range window {
			seq++
			p, _ := MarshalSM(SubmitSM, seq, otaSubmit())
			sent[seq] = time.Now()
			if _, err := c.c.Write(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	submitWindow()
	waitFor(t, func() bool { return s.Stats().Submits == window && got.Load() == window })
	c.c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if p, err := ReadPDU(c.r); err == nil {
		h, _ := ParseHeader(p)
		t.Fatalf("%+v while every response is held for an hour", h)
	}
	s.SetFaults(Faults{ResponseDelay: delay})
	submitWindow()
	answered := map[string]bool{}
	for resps, receipts := 0, 0; resps < window || receipts < window; {
		c.c.SetReadDeadline(time.Now().Add(time.Minute))
		p, err := ReadPDU(c.r)
		if err != nil {
			t.Fatalf("after %d responses: %v", resps, err)
		}
		h, _ := ParseHeader(p)
		switch h.ID {
		case SubmitSMResp:
			if d := time.Since(sent[h.Seq]); h.Status != ROK || d < delay {
				t.Errorf("response %+v after %v, want ESME_ROK after %v", h, d, delay)
			}
			_, id, _ := ParseSMResp(p)
			answered[id] = true
			resps++
		case DeliverSM:
			_, sm, _ := ParseSM(p)
			v, _ := Find(sm.TLVs, TagReceiptedMessageID)
			if id := string(v[:len(v)-1]); !answered[id] {
				t.Errorf("receipt for %q before its response", id)
			}
			receipts++
			c.c.Write(MarshalHeaderOnly(DeliverSMResp, ROK, h.Seq))
		}
	}
	if got.Load() != 2*window {
		t.Errorf("handset got %d", got.Load())
	}
}

// TestGenericNack: a fraction of submit_sm get a generic_nack (ESME_RSYSERR by default) with the
// submit_sm's sequence number; those messages are not accepted and never reach the handset.
func TestGenericNack(t *testing.T) {
	const n = 200
	// every message goes to one handset, so through one worker: its queue holds them all
	s := listen(t, func(c *Config) { c.Faults, c.QueueSize = Faults{GenericNack: 0.25}, 64*n })
	got := countingHandset(s)
	e := dialOTA(t, s, BindTransmitter)
	nacked, ok := 0, 0
	for range n {
		switch st, nack := submitStatus(e); {
		case st == ROK:
			ok++
		case nack && st == RSysErr:
			nacked++
		default:
			t.Fatalf("status %v nack %v", st, nack)
		}
	}
	if nacked == 0 || nacked > n/2 {
		t.Errorf("%d of %d nacked at 25 %%", nacked, n)
	}
	waitFor(t, func() bool { return got.Load() >= int64(ok) })
	if st := s.Stats(); st.GenericNacks != int64(nacked) || st.Submits != int64(ok) || got.Load() != int64(ok) {
		t.Errorf("stats %+v; %d delivered, %d accepted, %d nacked", st, got.Load(), ok, nacked)
	}
	s.SetFaults(Faults{GenericNack: 1, GenericNackStatus: RInvCmdLen})
	if st, nack := submitStatus(e); !nack || st != RInvCmdLen {
		t.Errorf("GenericNackStatus: %v nack %v", st, nack)
	}
}

// TestThrottleStorm: on the injected clock, every submit_sm is throttled for the first second
// of every ten, and none outside.
func TestThrottleStorm(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	start := now
	s := listen(t, func(c *Config) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		c.Faults = Faults{StormFor: time.Second, StormEvery: 10 * time.Second}
	})
	e := dialOTA(t, s, BindTransmitter)
	for _, c := range []struct {
		at   time.Duration
		want Status
	}{{0, RThrottled}, {999 * time.Millisecond, RThrottled}, {time.Second, ROK}, {9 * time.Second, ROK},
		{10*time.Second + 500*time.Millisecond, RThrottled}, {11 * time.Second, ROK}} {
		mu.Lock()
		now = start.Add(c.at)
		mu.Unlock()
		if st, _ := submitStatus(e); st != c.want {
			t.Errorf("at %v: %v, want %v", c.at, st, c.want)
		}
	}
	if st := s.Stats(); st.Throttled != 3 || st.Submits != 3 {
		t.Errorf("stats %+v", st)
	}
}

// TestBindRate: each bind has its own bucket (3 at once on a frozen clock, then throttled), so
// a second bind of the same account gets as many again; the account's own limit, when set,
// caps the sum.
func TestBindRate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now } // never refills
	s := listen(t, func(c *Config) { c.Now, c.Faults = clock, Faults{BindRate: 10, BindBurst: 3} })
	run := func(e *ESME, n int) (ok int) {
		for range n {
			if st, _ := submitStatus(e); st == ROK {
				ok++
			} else if st != RThrottled {
				t.Fatalf("status %v", st)
			}
		}
		return ok
	}
	a, b := dialOTA(t, s, BindTransmitter), dialOTA(t, s, BindTransceiver)
	if okA, okB := run(a, 5), run(b, 5); okA != 3 || okB != 3 {
		t.Errorf("per bind: %d and %d accepted of 5, want 3 each", okA, okB)
	}
	s2 := listen(t, func(c *Config) {
		c.Now, c.Faults = clock, Faults{BindRate: 10, BindBurst: 3, ThrottleRate: 10, ThrottleBurst: 4}
	})
	a, b = dialOTA(t, s2, BindTransmitter), dialOTA(t, s2, BindTransmitter)
	if okA, okB := run(a, 5), run(b, 5); okA != 3 || okB != 1 {
		t.Errorf("per bind under an account limit of 4: %d and %d accepted, want 3 and 1", okA, okB)
	}
}

// TestBindRateRefills: on a moving clock a bind gets its rate: 10/s for 2 s is about 20 more.
func TestBindRateRefills(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := listen(t, func(c *Config) {
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		c.Faults = Faults{BindRate: 10, BindBurst: 1}
	})
	e := dialOTA(t, s, BindTransmitter)
	ok := 0
	for range 200 { // 10 ms of clock per submit_sm: 2 s
		if st, _ := submitStatus(e); st == ROK {
			ok++
		}
		mu.Lock()
		now = now.Add(10 * time.Millisecond)
		mu.Unlock()
	}
	if ok < 20 || ok > 21 {
		t.Errorf("%d accepted in 2 s at 10/s", ok)
	}
}

// TestDisconnectMidWindow: the session answers 3 submit_sm, goes silent at the 4th and closes
// once the ESME has stopped writing: the rest of the window (7 of 10) is never answered and
// never delivered.
func TestDisconnectMidWindow(t *testing.T) {
	const window = 10
	s := listen(t, func(c *Config) { c.Faults = Faults{DisconnectAfter: 4, DisconnectIdle: 50 * time.Millisecond} })
	got := countingHandset(s)
	c := dialRaw(t, s)
	if h := c.roundTrip(MarshalBind(BindTransmitter, 1, &Bind{SystemID: "ota", Password: "secret1", InterfaceVersion: 0x34})); h.Status != ROK {
		t.Fatalf("bind %+v", h)
	}
	for i := range window {
		p, _ := MarshalSM(SubmitSM, uint32(2+i), otaSubmit())
		if _, err := c.c.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	c.c.Write(MarshalHeaderOnly(EnquireLink, ROK, 99)) // a dead link answers nothing at all
	var seqs []uint32
	for {
		c.c.SetReadDeadline(time.Now().Add(time.Minute))
		p, err := ReadPDU(c.r)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Errorf("read: %v", err)
			}
			break
		}
		h, _ := ParseHeader(p)
		if h.ID != SubmitSMResp || h.Status != ROK {
			t.Errorf("unexpected %+v", h)
		}
		seqs = append(seqs, h.Seq)
	}
	if len(seqs) != 3 || seqs[0] != 2 || seqs[2] != 4 {
		t.Errorf("answered %v, want 2 3 4", seqs)
	}
	waitFor(t, func() bool { return got.Load() >= 3 })
	if st := s.Stats(); st.Unanswered != window-3 || st.Submits != 3 || got.Load() != 3 {
		t.Errorf("stats %+v, %d delivered", st, got.Load())
	}
}

// waitFor polls cond for up to a minute (only a hang reaches the limit).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never met")
		}
		time.Sleep(time.Millisecond)
	}
}
