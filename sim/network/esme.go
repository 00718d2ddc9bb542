package network

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
)

// ESME is a plain SMPP 3.4 client over one connection, for the simulated endpoints that sit
// behind the SMSC (the bank) and for tests: bind, submit_sm and wait for its response, answer
// every deliver_sm with what OnDeliver returns. It does not reconnect (ota/smpp does).
type ESME struct {
	conn    net.Conn
	wmu     sync.Mutex
	seq     atomic.Uint32
	mu      sync.Mutex
	waiting map[uint32]chan []byte
	done    chan struct{}
	err     error
	// onDeliver answers a deliver_sm; its Status goes in the deliver_sm_resp.
	onDeliver func(*SM) Status
}

// ErrESMEClosed is returned by an ESME's calls once its connection has ended.
var ErrESMEClosed = errors.New("network: ESME connection closed")

// BindError is a refused bind.
type BindError struct{ Status Status }

func (e *BindError) Error() string { return "network: bind refused: " + e.Status.String() }

// DialESME connects to addr and binds with bind (BindTransmitter, BindReceiver or
// BindTransceiver) as systemID. onDeliver (may be nil: answer ESME_ROK) is called on the
// reading goroutine for each deliver_sm.
func DialESME(ctx context.Context, addr string, bind CommandID, systemID, password string, onDeliver func(*SM) Status) (*ESME, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	e := &ESME{conn: c, waiting: map[uint32]chan []byte{}, done: make(chan struct{}), onDeliver: onDeliver}
	go e.read()
	resp, err := e.call(ctx, MarshalBind(bind, e.seq.Add(1), &Bind{SystemID: systemID, Password: password, InterfaceVersion: 0x34}))
	if err != nil {
		c.Close()
		return nil, err
	}
	h, _ := ParseHeader(resp)
	if h.Status != ROK || h.ID != bind|0x80000000 {
		c.Close()
		return nil, &BindError{Status: h.Status}
	}
	return e, nil
}

func (e *ESME) write(p []byte) error {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	_, err := e.conn.Write(p)
	return err
}

// call writes a request and waits for the response with its sequence number.
func (e *ESME) call(ctx context.Context, p []byte) ([]byte, error) {
	h, err := ParseHeader(p)
	if err != nil {
		return nil, err
	}
	ch := make(chan []byte, 1)
	e.mu.Lock()
	e.waiting[h.Seq] = ch
	e.mu.Unlock()
	defer func() { e.mu.Lock(); delete(e.waiting, h.Seq); e.mu.Unlock() }()
	if err := e.write(p); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		return r, nil
	case <-e.done:
		return nil, ErrESMEClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (e *ESME) read() {
	defer close(e.done)
	r := bufio.NewReader(e.conn)
	for {
		p, err := ReadPDU(r)
		if err != nil {
			e.err = err
			return
		}
		h, _ := ParseHeader(p)
		switch {
		case h.ID == DeliverSM:
			st := ROK
			_, sm, err := ParseSM(p)
			if err != nil {
				st = RInvMsgLen
			} else if e.onDeliver != nil {
				st = e.onDeliver(sm)
			}
			_ = e.write(MarshalSMResp(DeliverSMResp, st, h.Seq, ""))
		case h.ID == EnquireLink:
			_ = e.write(MarshalHeaderOnly(EnquireLinkResp, ROK, h.Seq))
		case h.ID == Unbind:
			_ = e.write(MarshalHeaderOnly(UnbindResp, ROK, h.Seq))
		case h.ID.IsResponse():
			e.mu.Lock()
			ch := e.waiting[h.Seq]
			e.mu.Unlock()
			if ch != nil {
				ch <- p
			}
		default:
			_ = e.write(MarshalHeaderOnly(GenericNack, RInvCmdID, h.Seq))
		}
	}
}

// Submit sends a submit_sm and returns the message_id of its response, or a *SubmitError.
func (e *ESME) Submit(ctx context.Context, sm *SM) (string, error) {
	p, err := MarshalSM(SubmitSM, e.seq.Add(1), sm)
	if err != nil {
		return "", err
	}
	resp, err := e.call(ctx, p)
	if err != nil {
		return "", err
	}
	h, id, err := ParseSMResp(resp)
	if err != nil {
		return "", err
	}
	if h.Status != ROK || h.ID != SubmitSMResp {
		return "", &SubmitError{Status: h.Status, Nack: h.ID == GenericNack}
	}
	return id, nil
}

// Call writes any request PDU (its sequence number as given) and returns the response PDU.
func (e *ESME) Call(ctx context.Context, p []byte) ([]byte, error) { return e.call(ctx, p) }

// NextSeq returns a fresh sequence number for a PDU given to Call.
func (e *ESME) NextSeq() uint32 { return e.seq.Add(1) }

// SubmitError is a submit_sm answered with an error status or a generic_nack.
type SubmitError struct {
	Status Status
	Nack   bool
}

func (e *SubmitError) Error() string {
	return fmt.Sprintf("network: submit_sm refused: %s (generic_nack %v)", e.Status, e.Nack)
}

// Close unbinds (SMPP 3.4 4.2) and closes the connection.
func (e *ESME) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2e9)
	defer cancel()
	_, _ = e.call(ctx, MarshalHeaderOnly(Unbind, ROK, e.seq.Add(1)))
	err := e.conn.Close()
	<-e.done
	return err
}

// Done is closed when the connection has ended.
func (e *ESME) Done() <-chan struct{} { return e.done }
