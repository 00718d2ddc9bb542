package smpp

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"
)

// Direction says which way a PDU given to Config.Trace travels; the values are those of
// sim/trace's Direction.
type Direction uint8

// Directions of traced PDUs.
const (
	ESMEToSMSC Direction = 1
	SMSCToESME Direction = 2
)

// tracedConn hands every PDU written and read to a hook (gosmpp writes one PDU per Write; reads
// are cut into PDUs by command_length), and coalesces writes: gosmpp makes one write system
// call per PDU, most of its cost, so Write only queues the octets and one goroutine writes
// whatever has queued up meanwhile in one call. A write error is returned by the next Write.
type tracedConn struct {
	net.Conn
	hook func(Direction, []byte)
	rbuf []byte

	wmu     sync.Mutex
	wcond   *sync.Cond
	pending []byte // queued octets
	spare   []byte
	werr    error
	closed  bool
}

// maxQueued bounds the octets queued for writing; Write waits beyond it.
const maxQueued = 256 << 10

func newTracedConn(c net.Conn, hook func(Direction, []byte)) *tracedConn {
	t := &tracedConn{Conn: c, hook: hook}
	t.wcond = sync.NewCond(&t.wmu)
	go t.flusher()
	return t
}

// Write notes b before queueing it, so that the note precedes the response to it.
func (c *tracedConn) Write(b []byte) (int, error) {
	c.hook(ESMEToSMSC, b[:len(b):len(b)])
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for len(c.pending) >= maxQueued && c.werr == nil && !c.closed {
		c.wcond.Wait()
	}
	if c.werr != nil {
		return 0, c.werr
	}
	if c.closed {
		return 0, net.ErrClosed
	}
	c.pending = append(c.pending, b...)
	c.wcond.Broadcast()
	return len(b), nil
}

func (c *tracedConn) flusher() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for {
		for len(c.pending) == 0 && !c.closed {
			c.wcond.Wait()
		}
		if len(c.pending) == 0 {
			return
		}
		out := c.pending
		c.pending = c.spare[:0]
		c.wmu.Unlock()
		_, err := c.Conn.Write(out)
		c.wmu.Lock()
		c.spare = out
		if err != nil {
			c.werr = err
			c.pending = c.pending[:0]
			c.wcond.Broadcast()
			return
		}
		c.wcond.Broadcast()
	}
}

// Close lets the flusher write what is queued (the unbind included) for a second at most,
// then closes.
func (c *tracedConn) Close() error {
	stuck := time.AfterFunc(time.Second, func() { c.Conn.Close() }) // fails the flusher's write
	defer stuck.Stop()
	c.wmu.Lock()
	c.closed = true
	c.wcond.Broadcast()
	for len(c.pending) > 0 && c.werr == nil {
		c.wcond.Wait()
	}
	c.wmu.Unlock()
	return c.Conn.Close()
}

func (c *tracedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.rbuf = append(c.rbuf, b[:n]...)
		for len(c.rbuf) >= 16 {
			l := int(binary.BigEndian.Uint32(c.rbuf))
			if l < 16 || l > 1<<16 {
				c.rbuf = nil // not SMPP; gosmpp will fail the stream
				break
			}
			if len(c.rbuf) < l {
				break
			}
			c.hook(SMSCToESME, c.rbuf[:l:l])
			if err := guard(c.rbuf[:l]); err != nil {
				c.rbuf = nil
				return 0, err // gosmpp never sees it; the connection ends and the client reconnects
			}
			c.rbuf = c.rbuf[l:]
		}
		if len(c.rbuf) == 0 {
			c.rbuf = c.rbuf[:0]
		} else if cap(c.rbuf) > 1<<17 {
			c.rbuf = append([]byte(nil), c.rbuf...)
		}
	}
	return n, err
}

// guard stops the PDUs gosmpp's parser panics on, which in its reading goroutine would end the
// process: such a PDU from the SMSC ends the connection instead. In gosmpp v0.3.1 that is a
// query_sm with an optional parameter (found by FuzzDeliverSM): QuerySM is the one PDU type it
// builds without its map of optional parameters. Only query_sm, which no SMSC has a reason to
// send (an ESME's request, SMPP 3.4 4.8), pays for the trial parse.
func guard(p []byte) error {
	if binary.BigEndian.Uint32(p[4:]) != uint32(data.QUERY_SM) {
		return nil
	}
	return parsable(p)
}

// parsable reports whether gosmpp parses p without panicking.
func parsable(p []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("smpp: a PDU from the SMSC that cannot be parsed (command_id %08X, %d octets): %v",
				binary.BigEndian.Uint32(p[4:]), len(p), r)
		}
	}()
	pdu.Parse(bytes.NewReader(p))
	return nil
}

// connector dials and binds as a transceiver (SMPP 3.4 4.1.5) for gosmpp's Session, with a
// deadline on the whole bind and a response read by hand: gosmpp's own connector waits without
// a deadline and cannot read the empty body of a refused bind_transceiver_resp.
type connector struct {
	cfg   *Config
	ctx   context.Context
	codes *codings
}

// codings remembers the data_coding of each deliver_sm read, by sequence number, because
// gosmpp keeps only the codings it knows (not F6) once it has parsed the PDU.
type codings struct {
	mu sync.Mutex
	m  map[int32]byte
}

func (k *codings) note(dir Direction, p []byte) {
	if dir != SMSCToESME || binary.BigEndian.Uint32(p[4:]) != uint32(data.DELIVER_SM) {
		return
	}
	if dc, ok := dataCoding(p); ok {
		k.mu.Lock()
		k.m[int32(binary.BigEndian.Uint32(p[12:]))] = dc
		k.mu.Unlock()
	}
}

func (k *codings) take(seq int32) (byte, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	dc, ok := k.m[seq]
	delete(k.m, seq)
	return dc, ok
}

// dataCoding finds data_coding in a deliver_sm (SMPP 3.4 4.6.1): after service_type, source
// and destination addresses, esm_class, protocol_id, priority_flag, the two times,
// registered_delivery and replace_if_present_flag.
func dataCoding(p []byte) (byte, bool) {
	off := 16
	skip := func(fixed int, cstrings int) bool {
		off += fixed
		for ; cstrings > 0; cstrings-- {
			i := bytes.IndexByte(p[min(off, len(p)):], 0)
			if i < 0 {
				return false
			}
			off += i + 1
		}
		return off <= len(p)
	}
	if !skip(0, 1) || !skip(2, 1) || !skip(2, 1) || !skip(3, 2) || !skip(2, 0) || off >= len(p) {
		return 0, false
	}
	return p[off], true
}

func (k *connector) GetBindType() pdu.BindingType { return pdu.Transceiver }

func (k *connector) Connect() (*gosmpp.Connection, error) {
	cfg := k.cfg
	dctx, cancel := context.WithTimeout(k.ctx, cfg.BindTimeout)
	defer cancel()
	nc, err := cfg.Dial(dctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	nc = newTracedConn(nc, func(dir Direction, p []byte) {
		k.codes.note(dir, p)
		if cfg.Trace != nil {
			cfg.Trace(dir, p)
		}
	})
	deadline, _ := dctx.Deadline()
	_ = nc.SetDeadline(deadline)
	stop := context.AfterFunc(dctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	req := pdu.NewBindRequest(pdu.Transceiver)
	req.SystemID = cfg.SystemID
	req.Password = cfg.Password
	req.SystemType = cfg.SystemType
	buf := pdu.NewBuffer(make([]byte, 0, 64))
	req.Marshal(buf)
	if _, err := nc.Write(buf.Bytes()); err != nil {
		nc.Close()
		return nil, fmt.Errorf("smpp: bind_transceiver: %w", err)
	}
	for {
		var h [16]byte
		if _, err := io.ReadFull(nc, h[:]); err != nil {
			nc.Close()
			return nil, fmt.Errorf("smpp: bind_transceiver_resp: %w", err)
		}
		n := binary.BigEndian.Uint32(h[:])
		id := data.CommandIDType(binary.BigEndian.Uint32(h[4:]))
		st := Status(binary.BigEndian.Uint32(h[8:]))
		if n < 16 || n > 1<<16 {
			nc.Close()
			return nil, fmt.Errorf("smpp: bind_transceiver_resp: command_length %d", n)
		}
		if _, err := io.CopyN(io.Discard, nc, int64(n-16)); err != nil {
			nc.Close()
			return nil, fmt.Errorf("smpp: bind_transceiver_resp: %w", err)
		}
		switch id {
		case data.BIND_TRANSCEIVER_RESP, data.GENERIC_NACK:
			if st != ROK || id == data.GENERIC_NACK {
				nc.Close()
				return nil, &StatusError{Command: "bind_transceiver", Status: st, Nack: id == data.GENERIC_NACK}
			}
			_ = nc.SetDeadline(time.Time{})
			return gosmpp.NewConnection(nc), nil
		}
		// anything else before the bind response (an early enquire_link) is skipped
	}
}
