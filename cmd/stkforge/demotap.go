package main

import (
	"bufio"
	"net"
	"net/netip"
	"strings"
	"sync"

	"github.com/stkforge/stkforge/sim/network"
	"github.com/stkforge/stkforge/sim/trace"
)

// demoTap is a loopback TCP relay in front of the SMSC that writes one subscriber's story to
// a trace, each ESME connection as its own TCP stream: the session PDUs (binds, enquire_link,
// unbind and their responses) and the submit_sm and deliver_sm to or from its MSISDN with
// their responses (SMPP 3.4 4), as they really crossed the wire.
type demoTap struct {
	ln     net.Listener
	smsc   string
	msisdn string
	w      *trace.Writer
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// tapKey is a request awaiting its response: who sent it, and its sequence number.
type tapKey struct {
	dir trace.Direction
	seq uint32
}

func newDemoTap(smsc, msisdn string, w *trace.Writer) (*demoTap, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &demoTap{ln: ln, smsc: smsc, msisdn: strings.TrimPrefix(msisdn, "+"), w: w, conns: map[net.Conn]struct{}{}}
	t.wg.Add(1)
	go t.serve()
	return t, nil
}

// Addr is where ESMEs connect instead of the SMSC.
func (t *demoTap) Addr() string { return t.ln.Addr().String() }

// Close stops accepting, ends the relayed connections and waits for them.
func (t *demoTap) Close() {
	t.ln.Close()
	t.mu.Lock()
	for c := range t.conns {
		c.Close()
	}
	t.mu.Unlock()
	t.wg.Wait()
}

func (t *demoTap) track(c net.Conn, on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if on {
		t.conns[c] = struct{}{}
	} else {
		delete(t.conns, c)
	}
}

func (t *demoTap) serve() {
	defer t.wg.Done()
	for {
		c, err := t.ln.Accept()
		if err != nil {
			return
		}
		t.wg.Add(1)
		go t.relay(c)
	}
}

func (t *demoTap) relay(c net.Conn) {
	defer t.wg.Done()
	up, err := net.Dial("tcp", t.smsc)
	if err != nil {
		c.Close()
		return
	}
	t.track(c, true)
	t.track(up, true)
	defer t.track(c, false)
	defer t.track(up, false)
	var stream *trace.SMPPStream
	if esme, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		smsc := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), trace.SMPPPort)
		stream, _ = t.w.SMPPStream(netip.AddrPortFrom(esme.Addr().Unmap(), esme.Port()), smsc)
	}
	var mu sync.Mutex
	pending := map[tapKey]bool{}
	var once sync.Once
	end := func(initiator trace.Direction) {
		once.Do(func() {
			c.Close()
			up.Close()
			if stream != nil {
				mu.Lock()
				stream.Close(initiator)
				mu.Unlock()
			}
		})
	}
	pipe := func(src, dst net.Conn, dir trace.Direction) {
		r := bufio.NewReader(src)
		for {
			p, err := network.ReadPDU(r)
			if err != nil {
				end(dir)
				return
			}
			mu.Lock()
			if stream != nil && t.keep(pending, dir, p) {
				stream.Write(dir, p)
			}
			mu.Unlock()
			if _, err := dst.Write(p); err != nil {
				end(dir)
				return
			}
		}
	}
	done := make(chan struct{})
	go func() {
		pipe(up, c, trace.SMSCToESME)
		close(done)
	}()
	pipe(c, up, trace.ESMEToSMSC)
	<-done
}

// keep says whether a PDU belongs to the subscriber's story; the caller holds the lock.
func (t *demoTap) keep(pending map[tapKey]bool, dir trace.Direction, p []byte) bool {
	h, err := network.ParseHeader(p)
	if err != nil {
		return false
	}
	switch h.ID {
	case network.SubmitSM, network.DeliverSM:
		_, sm, err := network.ParseSM(p)
		if err != nil || (strings.TrimPrefix(sm.Dest, "+") != t.msisdn && strings.TrimPrefix(sm.Source, "+") != t.msisdn) {
			return false
		}
		pending[tapKey{dir, h.Seq}] = true
		return true
	case network.SubmitSMResp, network.DeliverSMResp, network.GenericNack:
		k := tapKey{trace.ESMEToSMSC, h.Seq}
		if dir == trace.ESMEToSMSC {
			k.dir = trace.SMSCToESME
		}
		if pending[k] {
			delete(pending, k)
			return true
		}
		return false
	}
	return true
}
