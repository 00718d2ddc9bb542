//go:build linux

package pcsc

import (
	"bytes"
	"io"
	"net"
	"syscall"
	"testing"
)

// TestWithQuickACK: a TCP connection gets the re-arming reader, anything else is left as it is;
// reads through it still work, and a closed socket gives the read's error, not a panic.
func TestWithQuickACK(t *testing.T) {
	mem := &rw{in: bytes.NewReader(nil)}
	if got := withQuickACK(mem); got != io.ReadWriter(mem) {
		t.Errorf("in-memory connection wrapped: %T", got)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	q, ok := withQuickACK(c).(quickACKConn)
	if !ok {
		t.Fatalf("TCP connection not wrapped: %T", withQuickACK(c))
	}
	peer.Write([]byte{0x00, 0x01, 0x04})
	got := make([]byte, 3)
	if _, err := io.ReadFull(q, got); err != nil || !bytes.Equal(got, []byte{0x00, 0x01, 0x04}) {
		t.Fatalf("read %X, %v", got, err)
	}
	// the option is accepted by the kernel on this socket (no error from setsockopt)
	var serr error
	if err := q.raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	}); err != nil || serr != nil {
		t.Errorf("TCP_QUICKACK: %v, %v", err, serr)
	}
	c.Close()
	if _, err := q.Read(got); err == nil {
		t.Error("read on a closed connection succeeded")
	}
}
