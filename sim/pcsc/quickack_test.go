package pcsc

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// writes records each Write the bridge makes.
type writes struct {
	in  *bytes.Reader
	out [][]byte
}

func (w *writes) Read(p []byte) (int, error) { return w.in.Read(p) }
func (w *writes) Write(p []byte) (int, error) {
	w.out = append(w.out, append([]byte(nil), p...))
	return len(p), nil
}

// TestBridgeOneWritePerFrame: every answer leaves in one Write, length and payload together,
// so the driver never waits for a segment of ours held back by Nagle.
func TestBridgeOneWritePerFrame(t *testing.T) {
	c := newCard(t)
	in := append(frame(CtrlPowerOn), frame(CtrlGetATR)...)
	in = append(in, frame(0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0xE2)...)
	in = append(in, frame(0x00, 0xB0, 0x00, 0x00, 0x0A)...)
	w := &writes{in: bytes.NewReader(in)}
	if err := NewBridge(c).Serve(w); err != nil {
		t.Fatal(err)
	}
	want := [][]byte{
		frame(c.ATR()...),
		frame(0x90, 0x00),
		frame(0x98, 0x88, 0x12, 0x01, 0x00, 0x00, 0x40, 0x03, 0x10, 0xF0, 0x90, 0x00),
	}
	if len(w.out) != len(want) {
		t.Fatalf("%d writes, want %d: %X", len(w.out), len(want), w.out)
	}
	for i := range want {
		if !bytes.Equal(w.out[i], want[i]) {
			t.Errorf("write %d: %X, want %X", i, w.out[i], want[i])
		}
	}
}

// TestBridgeOverTCPSplitWrites: a stand-in for the vpcd driver on loopback, Nagle on, sending
// each message's length and payload in two writes as the driver does; DialAndServe answers
// every message and returns nil when the driver closes the connection.
func TestBridgeOverTCPSplitWrites(t *testing.T) {
	c := newCard(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- DialAndServe(ctx, ln.Addr().String(), NewBridge(c)) }()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetNoDelay(false)
	conn.SetDeadline(time.Now().Add(30 * time.Second)) // a hung bridge fails the test, not the run

	for _, ex := range []struct{ msg, answer []byte }{
		{[]byte{CtrlPowerOn}, nil},
		{[]byte{CtrlGetATR}, c.ATR()},
		{[]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0xE2}, []byte{0x90, 0x00}},
		{[]byte{0x00, 0xB0, 0x00, 0x00, 0x0A}, []byte{0x98, 0x88, 0x12, 0x01, 0x00, 0x00, 0x40, 0x03, 0x10, 0xF0, 0x90, 0x00}},
		{[]byte{0x00, 0xB0, 0x00, 0x00, 0x0A}, []byte{0x98, 0x88, 0x12, 0x01, 0x00, 0x00, 0x40, 0x03, 0x10, 0xF0, 0x90, 0x00}},
	} {
		f := frame(ex.msg...)
		if _, err := conn.Write(f[:2]); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(f[2:]); err != nil {
			t.Fatal(err)
		}
		if ex.answer == nil {
			continue
		}
		got := make([]byte, 2+len(ex.answer))
		if _, err := io.ReadFull(conn, got); err != nil {
			t.Fatalf("%X: %v", ex.msg, err)
		}
		if want := frame(ex.answer...); !bytes.Equal(got, want) {
			t.Errorf("%X: got %X, want %X", ex.msg, got, want)
		}
	}
	conn.Close()
	if err := <-served; err != nil {
		t.Errorf("DialAndServe: %v", err)
	}
}
