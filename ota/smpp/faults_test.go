package smpp

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// refusingSMSC answers the first refuse bind_transceiver with status, then accepts binds and
// answers submit_sm with ESME_ROK.
func refusingSMSC(t *testing.T, refuse int, status uint32) (addr string, binds *atomic.Int64) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	binds = &atomic.Int64{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					var h [16]byte
					if _, err := io.ReadFull(r, h[:]); err != nil {
						return
					}
					if _, err := io.CopyN(io.Discard, r, int64(binary.BigEndian.Uint32(h[:])-16)); err != nil {
						return
					}
					id, seq := binary.BigEndian.Uint32(h[4:]), binary.BigEndian.Uint32(h[12:])
					switch id {
					case 0x09:
						if binds.Add(1) <= int64(refuse) {
							c.Write(pduBytes(0x80000009, status, seq, nil))
							return
						}
						c.Write(pduBytes(0x80000009, 0, seq, []byte("fake\x00")))
					case 0x04:
						c.Write(pduBytes(0x80000004, 0, seq, []byte("1\x00")))
					case 0x06:
						c.Write(pduBytes(0x80000006, 0, seq, nil))
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), binds
}

// TestDialRetriesRefusedBind: a bind refused with ESME_RBINDFAIL (all the account's binds
// taken) is tried again with backoff and Dial succeeds; refused credentials end Dial at the first
// answer, and so does any refusal with BindRetries negative.
func TestDialRetriesRefusedBind(t *testing.T) {
	cfg := Config{SystemID: "ota", Password: "pw", Source: "12345", MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	for _, c := range []struct {
		name    string
		status  uint32
		retries int
		binds   int64
		ok      bool
	}{
		{"ESME_RBINDFAIL", 0x0D, 0, 3, true},
		{"ESME_RTHROTTLED", 0x58, 0, 3, true},
		{"ESME_RINVPASWD", 0x0E, 0, 1, false},
		{"ESME_RINVSYSID", 0x0F, 0, 1, false},
		{"no retries", 0x0D, -1, 1, false},
		{"too few retries", 0x0D, 1, 2, false},
	} {
		addr, binds := refusingSMSC(t, 2, c.status)
		cfg := cfg
		cfg.Addr, cfg.BindRetries = addr, c.retries
		cl, err := Dial(context.Background(), cfg)
		var se *StatusError
		switch {
		case c.ok && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case !c.ok && (!errors.As(err, &se) || se.Status != Status(c.status)):
			t.Errorf("%s: %v, want the refusal", c.name, err)
		}
		if binds.Load() != c.binds {
			t.Errorf("%s: %d binds, want %d", c.name, binds.Load(), c.binds)
		}
		if cl != nil {
			if _, err := cl.Submit(context.Background(), OTAMessage("+491", otaUD)); err != nil {
				t.Errorf("%s: submit after the bind: %v", c.name, err)
			}
			cl.Close()
		}
	}
}

// TestThrottleStormBounded: an SMSC throttles the first 20 submit_sm of 60 senders sharing a
// window of 40; every message ends accepted, no more than the window is ever outstanding, and
// the senders waiting out the pauses share one wake-up timer instead of arming one each per
// response (which grew with window x responses).
func TestThrottleStormBounded(t *testing.T) {
	var n atomic.Int64
	f := newFake(t, func(c *fakeConn, id, seq uint32, body []byte) {
		if id != 0x04 {
			return
		}
		if n.Add(1) <= 20 {
			c.reply(0x80000004, 0x58, seq, nil)
			return
		}
		c.reply(0x80000004, 0, seq, []byte("m\x00"))
	})
	cfg := fakeConfig(f)
	cfg.Window = 40
	cfg.ThrottleDelay = time.Millisecond
	c := dialT(t, cfg)
	var wg sync.WaitGroup
	for range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if _, err := c.Submit(context.Background(), OTAMessage("+491", otaUD)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	st := c.Stats()
	c.mu.Lock()
	arms := c.wakeArms
	c.mu.Unlock()
	if st.Accepted != 300 || st.Throttled != 20 || st.PeakOutstanding > 40 || st.Outstanding != 0 {
		t.Errorf("stats %+v", st)
	}
	// at most one arming per throttling pause (the rate cap is off here), whatever the number
	// of senders waiting (arming a timer per waiting sender and wake-up made 279 to 1,517 here)
	if arms > int(st.Throttled) {
		t.Errorf("%d wake-up timers armed for %d submit_sm", arms, st.Submitted)
	}
	t.Logf("%d wake-up timers for %d submit_sm, %d throttled", arms, st.Submitted, st.Throttled)
}
