package card

import (
	"sync"

	"github.com/stkforge/stkforge/sim/trace"
)

// TraceAPDU gives the exchange in the trace package's form: one T=0 TPDU carries data one way
// only, so an outgoing instruction's response data goes in Response and every other
// command's data in Data. ok is false for a command too short to have a P3.
func (e Exchange) TraceAPDU() (ex trace.APDUExchange, ok bool) {
	c, r := e.Command, e.Response
	if len(c) < 5 || len(r) < 2 {
		return ex, false
	}
	ex = trace.APDUExchange{CLA: c[0], INS: c[1], P1: c[2], P2: c[3], SW: uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])}
	if Outgoing(c[1]) {
		ex.Response = r[:len(r)-2]
	} else {
		ex.Data = c[5:min(len(c), 5+int(c[4]))]
	}
	return ex, true
}

// Pcap writes a card's exchanges to a trace.Writer as GSMTAP SIM frames (WithTrace(p.Record)).
// Exchanges a trace cannot carry (a command shorter than 5 bytes, an INS that T=0 forbids)
// are counted, not written.
type Pcap struct {
	W       *trace.Writer
	mu      sync.Mutex
	skipped int
	err     error
}

// Record writes one exchange.
func (p *Pcap) Record(e Exchange) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ex, ok := e.TraceAPDU()
	if !ok {
		p.skipped++
		return
	}
	if err := p.W.WriteAPDU(ex); err != nil {
		if _, framing := err.(*trace.Error); framing {
			p.skipped++
			return
		}
		if p.err == nil {
			p.err = err
		}
	}
}

// Result is the number of exchanges skipped and the first write error.
func (p *Pcap) Result() (skipped int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.skipped, p.err
}
