package campaign

import (
	"runtime"
	"sync"
	"testing"
)

// TestPushWaitsForRoom: events beyond maxEvents wait until processEvents takes the batch, so a
// flood of receipts cannot grow the queue without bound; Close releases a waiting push.
func TestPushWaitsForRoom(t *testing.T) {
	r := &Runner{}
	r.evCond = sync.NewCond(&r.evMu)
	for range maxEvents {
		r.push(event{})
	}
	waiting := func(n int) {
		for {
			r.evMu.Lock()
			w := r.evWaiting
			r.evMu.Unlock()
			if w == n {
				return
			}
			runtime.Gosched()
		}
	}
	done := make(chan struct{})
	go func() { r.push(event{}); close(done) }()
	waiting(1)
	r.evMu.Lock()
	if len(r.events) != maxEvents {
		t.Fatalf("%d events queued; the bound is %d", len(r.events), maxEvents)
	}
	r.events = nil // what processEvents does
	r.evCond.Broadcast()
	r.evMu.Unlock()
	<-done
	if len(r.events) != 1 {
		t.Fatalf("%d events after the wait, want 1", len(r.events))
	}
	for range maxEvents - 1 {
		r.push(event{})
	}
	done = make(chan struct{})
	go func() { r.push(event{}); close(done) }()
	waiting(1)
	r.closed.Store(true) // Close
	r.evMu.Lock()
	r.evCond.Broadcast()
	r.evMu.Unlock()
	<-done
}
