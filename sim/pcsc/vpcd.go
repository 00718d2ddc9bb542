// The vpcd bridge: the virtual smart card side of the vsmartcard vpcd protocol (package doc in
// doc.go).
//
// The protocol, as the vpcd driver speaks it over TCP (port 35963 for slot 0, 35964 for slot
// 1; the card side connects): every message, both ways, is a 2-byte big-endian length and a
// payload. A 1-byte payload from the reader is a control code: 00 power off, 01 power on,
// 02 reset (none of them answered), 04 get ATR (answered with the ATR). A longer payload is a
// command APDU, answered with the response APDU, SW1 SW2 last.
//
// Latency: the driver writes a message's length and its payload in two send()s with Nagle on,
// so each message would wait for our delayed ACK (about 40 ms on Linux) before its payload
// came; on Linux the bridge re-arms TCP_QUICKACK before every read (quickack_linux.go). Our own
// answers go out as one write per message (length and payload together), on a socket Go opens
// with TCP_NODELAY, so the driver never waits on us the same way.

package pcsc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Control codes of the vpcd protocol.
const (
	CtrlPowerOff byte = 0x00
	CtrlPowerOn  byte = 0x01
	CtrlReset    byte = 0x02
	CtrlGetATR   byte = 0x04
)

// DefaultAddr is where pcscd's vpcd driver listens for slot 0.
const DefaultAddr = "127.0.0.1:35963"

// Card is what the bridge needs of a card; *card.Card has these methods.
type Card interface {
	Transmit(capdu []byte) []byte
	ATR() []byte
	Reset()
}

// FrameError is a message the bridge cannot handle: which part, where in the stream (bytes
// read before it), and why.
type FrameError struct {
	Field  string // "length", "payload", "control"
	Offset int64
	Msg    string
}

func (e *FrameError) Error() string {
	return fmt.Sprintf("vpcd: %s: offset %d: %s", e.Field, e.Offset, e.Msg)
}

// Stats counts what a bridge served.
type Stats struct {
	APDUs    int
	Controls int
}

// Bridge serves one card over one vpcd connection.
type Bridge struct {
	card    Card
	mu      sync.Mutex
	stats   Stats
	powered bool
}

// NewBridge returns a bridge for card.
func NewBridge(card Card) *Bridge { return &Bridge{card: card} }

// Stats returns the counters so far.
func (b *Bridge) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stats
}

// Serve answers the reader on rw until it closes the connection (nil) or a frame is broken.
// Each answer is written whole in one Write. When rw is a TCP connection (*net.TCPConn), on
// Linux, TCP_QUICKACK is re-armed before every read, so that the driver's payload does not wait
// for a delayed ACK of its length.
func (b *Bridge) Serve(rw io.ReadWriter) error {
	rw = withQuickACK(rw)
	var off int64
	var hdr [2]byte
	buf := make([]byte, 0, 512)
	for {
		if _, err := io.ReadFull(rw, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return &FrameError{Field: "length", Offset: off, Msg: "connection closed inside the length"}
			}
			return err
		}
		n := int(binary.BigEndian.Uint16(hdr[:]))
		off += 2
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(rw, buf); err != nil {
			return &FrameError{Field: "payload", Offset: off, Msg: fmt.Sprintf("%d bytes announced: %v", n, err)}
		}
		reply, err := b.handle(buf, off)
		off += int64(n)
		if err != nil {
			return err
		}
		if reply == nil {
			continue
		}
		// length and payload in one write: split, the payload would wait for the driver's ACK
		out := make([]byte, 2, 2+len(reply))
		binary.BigEndian.PutUint16(out, uint16(len(reply)))
		if _, err := rw.Write(append(out, reply...)); err != nil {
			return err
		}
	}
}

func (b *Bridge) handle(p []byte, off int64) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch len(p) {
	case 0:
		return nil, &FrameError{Field: "payload", Offset: off, Msg: "empty message"}
	case 1:
		b.stats.Controls++
		switch p[0] {
		case CtrlPowerOff:
			b.powered = false
			b.card.Reset()
		case CtrlPowerOn, CtrlReset:
			b.powered = true
			b.card.Reset()
		case CtrlGetATR:
			return b.card.ATR(), nil
		default:
			return nil, &FrameError{Field: "control", Offset: off, Msg: fmt.Sprintf("unknown control code %02X", p[0])}
		}
		return nil, nil
	}
	b.stats.APDUs++
	return b.card.Transmit(p), nil
}

// DialAndServe connects to the vpcd driver at addr, retrying until ctx ends (pcscd may still be
// starting), and serves the card until the reader closes the connection or ctx ends.
func DialAndServe(ctx context.Context, addr string, b *Bridge) error {
	var d net.Dialer
	var conn net.Conn
	for {
		var err error
		conn, err = d.DialContext(ctx, "tcp", addr)
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("vpcd: dial %s: %w", addr, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	err := b.Serve(conn)
	if ctx.Err() != nil {
		return nil
	}
	return err
}
