package network

import (
	"context"
	"fmt"
	"testing"
)

// TestOutboxFullWaits: when deliver_sm for an ESME pile up (it answers slowly), the outbox
// stays within MaxOutbox and a further MO waits for room instead of being dropped: every
// message arrives, in order.
func TestOutboxFullWaits(t *testing.T) {
	const limit, n = 3, 12
	s := listen(t, func(c *Config) { c.MaxOutbox, c.DeliverWindow = limit, 1 })
	gate := make(chan struct{})
	got := make(chan string, n)
	bank, err := DialESME(context.Background(), s.Addr().String(), BindTransceiver, "bank", "bankpw", func(sm *SM) Status {
		<-gate
		got <- string(sm.ShortMessage)
		return ROK
	})
	if err != nil {
		t.Fatal(err)
	}
	defer bank.Close()
	errs := make(chan error, n)
	peak := 0
	go func() {
		for i := range n {
			if i == limit+1 { // one in flight, the outbox full: the next waits for room
				close(gate)
			}
			// SMS-SUBMIT to "999" (TS 23.040 9.2.2.2), 8-bit data: "m" and two digits
			tp := append(unhex("0107038199F9000403"), fmt.Sprintf("m%02d", i)...)
			errs <- s.SubmitMO("+491720000001", tp)
			peak = max(peak, s.Outbox("bank"))
		}
		close(errs)
	}()
	for err := range errs {
		if err != nil {
			t.Fatalf("SubmitMO: %v", err)
		}
	}
	for i := range n {
		if m := <-got; m != fmt.Sprintf("m%02d", i) {
			t.Fatalf("message %d is %q", i, m)
		}
	}
	if peak > limit {
		t.Fatalf("outbox held %d deliver_sm; MaxOutbox is %d", peak, limit)
	}
}
