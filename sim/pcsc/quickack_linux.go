//go:build linux

package pcsc

import (
	"io"
	"syscall"
)

// quickACKConn re-arms TCP_QUICKACK (Linux tcp(7)) on the connection before every read.
//
// The vpcd driver sends a message's 2-byte length and its payload in two send()s with Nagle on,
// so its payload waits for our ACK of the length; Linux would delay that ACK by up to 40 ms
// (its delayed-ACK timer), once per message each way. The kernel leaves quick-ACK mode on its
// own, so the option is set again before each read, not once.
type quickACKConn struct {
	io.ReadWriter
	raw syscall.RawConn
}

func (q quickACKConn) Read(p []byte) (int, error) {
	// a failure here (socket closed, not TCP) only costs latency; the read reports a real one
	q.raw.Control(setQuickACK)
	return q.ReadWriter.Read(p)
}

func setQuickACK(fd uintptr) {
	syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
}

// withQuickACK returns rw with TCP_QUICKACK re-armed before each read when rw is a socket
// (a *net.TCPConn), else rw itself.
func withQuickACK(rw io.ReadWriter) io.ReadWriter {
	sc, ok := rw.(syscall.Conn)
	if !ok {
		return rw
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return rw
	}
	return quickACKConn{ReadWriter: rw, raw: raw}
}
