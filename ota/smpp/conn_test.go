package smpp

import (
	"bytes"
	"net"
	"strings"
	"testing"
)

// TestConnDropsUnparsablePDU: a PDU on which gosmpp's parser panics (a query_sm with an
// optional parameter, found by FuzzDeliverSM) never reaches gosmpp: the read fails, so the
// connection ends instead of the process; the PDUs before it pass.
func TestConnDropsUnparsablePDU(t *testing.T) {
	bad := append([]byte("\x00\x00\x00Q\x00\x00\x00\x0300000000\x000000\x0000\x00"), bytes.Repeat([]byte("0"), 56)...)
	if len(bad) != 0x51 {
		t.Fatalf("the PDU is %d octets", len(bad))
	}
	if parsable(bad) == nil {
		t.Fatal("gosmpp parses the PDU now: this guard may be dropped")
	}
	enquire := pduBytes(0x15, 0, 7, nil)
	if err := parsable(enquire); err != nil {
		t.Fatal(err)
	}
	a, b := net.Pipe()
	defer a.Close()
	go func() {
		b.Write(enquire)
		b.Write(bad)
		b.Close()
	}()
	var seen [][]byte
	c := newTracedConn(a, func(d Direction, p []byte) { seen = append(seen, p) })
	buf := make([]byte, 256)
	n, err := c.Read(buf)
	if err != nil || !bytes.Equal(buf[:n], enquire) {
		t.Fatalf("first read: % X, %v", buf[:n], err)
	}
	n, err = c.Read(buf)
	if n != 0 || err == nil || !strings.Contains(err.Error(), "command_id 00000003") {
		t.Fatalf("second read: %d octets, %v", n, err)
	}
	if len(seen) != 2 {
		t.Fatalf("%d PDUs traced", len(seen))
	}
}
