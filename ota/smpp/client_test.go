package smpp

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"
)

// fakeSMSC is a scripted SMSC on 127.0.0.1: it accepts any bind_transceiver and hands every
// other PDU to its script, which answers through reply.
type fakeSMSC struct {
	ln     net.Listener
	script func(c *fakeConn, id, seq uint32, body []byte)
}

type fakeConn struct {
	c  net.Conn
	mu sync.Mutex
}

func pduBytes(id, status, seq uint32, body []byte) []byte {
	b := make([]byte, 16, 16+len(body))
	binary.BigEndian.PutUint32(b, uint32(16+len(body)))
	binary.BigEndian.PutUint32(b[4:], id)
	binary.BigEndian.PutUint32(b[8:], status)
	binary.BigEndian.PutUint32(b[12:], seq)
	return append(b, body...)
}

func (f *fakeConn) reply(id, status, seq uint32, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.c.Write(pduBytes(id, status, seq, body))
}

func newFake(t *testing.T, script func(c *fakeConn, id, seq uint32, body []byte)) *fakeSMSC {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMSC{ln: ln, script: script}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeSMSC) serve(c net.Conn) {
	defer c.Close()
	fc := &fakeConn{c: c}
	r := bufio.NewReader(c)
	for {
		var h [16]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(h[:])-16)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		id, seq := binary.BigEndian.Uint32(h[4:]), binary.BigEndian.Uint32(h[12:])
		switch id {
		case 0x09:
			fc.reply(0x80000009, 0, seq, []byte("fake\x00"))
		case 0x06:
			fc.reply(0x80000006, 0, seq, nil)
			return
		default:
			f.script(fc, id, seq, body)
		}
	}
}

func fakeConfig(f *fakeSMSC) Config {
	return Config{Addr: f.ln.Addr().String(), SystemID: "ota", Password: "pw", Source: "12345", SourceNPI: 1,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
}

func dialT(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

var otaUD = []byte{0x02, 0x70, 0x00, 0x00, 0x0D, 0x0D, 0x00, 0x00, 0x00, 0x00, 0xB0, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00}

// TestWindowBound: with a window of 8 and an SMSC that holds its answers, exactly 8 submit_sm
// are written before the first response; the rest follow as answers free the window.
func TestWindowBound(t *testing.T) {
	var mu sync.Mutex
	var held []uint32
	var conn *fakeConn
	maxHeld := 0
	f := newFake(t, func(c *fakeConn, id, seq uint32, body []byte) {
		if id != 0x04 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		conn = c
		held = append(held, seq)
		maxHeld = max(maxHeld, len(held))
	})
	cfg := fakeConfig(f)
	cfg.Window = 8
	c := dialT(t, cfg)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Submit(context.Background(), OTAMessage(fmt.Sprintf("+49%d", i), otaUD)); err != nil {
				t.Error(err)
			}
		}()
	}
	answered := 0
	deadline := time.Now().Add(time.Minute)
	for answered < 40 {
		// Answer only once the window is full (or holds all that remain): on a loaded machine
		// the 40 submitting goroutines may be slow to start, and answering early would drain
		// the window before it ever fills.
		time.Sleep(time.Millisecond)
		mu.Lock()
		if len(held) > 8 {
			t.Fatalf("%d submit_sm unanswered, window is 8", len(held))
		}
		if len(held) < min(8, 40-answered) {
			mu.Unlock()
			if time.Now().After(deadline) {
				t.Fatalf("window never filled: %d answered", answered)
			}
			continue
		}
		for _, seq := range held {
			conn.reply(0x80000004, 0, seq, []byte(fmt.Sprintf("m%d\x00", seq)))
			answered++
		}
		held = held[:0]
		mu.Unlock()
	}
	wg.Wait()
	if maxHeld != 8 {
		t.Errorf("at most %d in flight, want the window of 8 to fill", maxHeld)
	}
	if st := c.Stats(); st.PeakOutstanding != 8 || st.Outstanding != 0 {
		t.Errorf("Stats: peak %d outstanding, %d now; want 8 and 0", st.PeakOutstanding, st.Outstanding)
	}
}

func TestGenericNackAndErrors(t *testing.T) {
	f := newFake(t, func(c *fakeConn, id, seq uint32, body []byte) {
		switch {
		case id == 0x04 && strings.Contains(string(body), "4901"):
			c.reply(0x80000000, 0x01, seq, nil) // generic_nack, ESME_RINVMSGLEN
		case id == 0x04:
			c.reply(0x80000004, 0x0B, seq, nil) // ESME_RINVDSTADR
		}
	})
	c := dialT(t, fakeConfig(f))
	_, err := c.Submit(context.Background(), OTAMessage("+4901", otaUD))
	var se *StatusError
	if !errors.As(err, &se) || !se.Nack || se.Status != 0x01 {
		t.Errorf("generic_nack: %v", err)
	}
	_, err = c.Submit(context.Background(), OTAMessage("+4902", otaUD))
	if !errors.As(err, &se) || se.Nack || se.Status != 0x0B || OutcomeUnknown(err) {
		t.Errorf("submit_sm_resp 0B: %v", err)
	}
	if _, err := c.Submit(context.Background(), OTAMessage("+4903", make([]byte, 141))); !errors.Is(err, ErrTooLong) {
		t.Errorf("141 octets: %v", err)
	}
}

// TestTimeoutAndEnquireLink: a submit_sm never answered ends in ErrTimeout; an idle client
// sends enquire_link, and answers the SMSC's.
func TestTimeoutAndEnquireLink(t *testing.T) {
	enq := make(chan struct{}, 10)
	answered := make(chan uint32, 1)
	f := newFake(t, func(c *fakeConn, id, seq uint32, body []byte) {
		switch id {
		case 0x15:
			enq <- struct{}{}
			c.reply(0x80000015, 0, seq, nil)
			c.reply(0x15, 0, 777, nil) // and one from the SMSC
		case 0x80000015:
			answered <- seq
		}
	})
	// Two clients, so that neither check depends on the scheduler: the first never idles long
	// enough for an enquire_link (whose read deadline, EnquireLink+ResponseTimeout, could
	// otherwise close the connection on a loaded machine before the submit_sm times out).
	cfg := fakeConfig(f)
	cfg.ResponseTimeout = 100 * time.Millisecond
	cfg.EnquireLink = time.Hour
	c := dialT(t, cfg)
	if _, err := c.Submit(context.Background(), OTAMessage("+491", otaUD)); !errors.Is(err, ErrTimeout) || !OutcomeUnknown(err) {
		t.Errorf("unanswered: %v", err)
	}
	cfg = fakeConfig(f)
	cfg.EnquireLink = 150 * time.Millisecond
	dialT(t, cfg)
	<-enq
	if seq := <-answered; seq != 777 {
		t.Errorf("enquire_link_resp to %d", seq)
	}
}

// TestDeliverSMAnswered: receipts and MO PoRs (one arriving in two parts) are answered with
// deliver_sm_resp of their sequence number and handed to the callbacks.
func TestDeliverSMAnswered(t *testing.T) {
	resp := make(chan uint32, 10)
	conns := make(chan *fakeConn, 1)
	f := newFake(t, func(fc *fakeConn, id, seq uint32, body []byte) {
		switch id {
		case 0x04: // the test's submit_sm shows which connection is the client's
			fc.reply(0x80000004, 0, seq, []byte("1\x00"))
			conns <- fc
		case 0x80000005:
			resp <- seq
		}
	})
	receipts := make(chan Receipt, 1)
	mos := make(chan MO, 1)
	cfg := fakeConfig(f)
	cfg.OnReceipt = func(r Receipt) { receipts <- r }
	cfg.OnMO = func(m MO) { mos <- m }
	c := dialT(t, cfg)
	if _, err := c.Submit(context.Background(), OTAMessage("+491", otaUD)); err != nil {
		t.Fatal(err)
	}
	conn := <-conns
	sm := func(esm, dc byte, text []byte, tlvs []byte) []byte {
		b := []byte("\x00\x01\x01491720000001\x00\x00\x0112345\x00")
		b = append(b, esm, 0, 0, 0, 0, 0, 0, dc, 0, byte(len(text)))
		return append(append(b, text...), tlvs...)
	}
	conn.reply(0x05, 0, 100, sm(0x04, 0, []byte("id:1 sub:001 dlvrd:001 submit date:2601010000 done date:2601010000 stat:DELIVRD err:000 text:"),
		[]byte{0x04, 0x27, 0x00, 0x01, 0x02}))
	if r := <-receipts; r.MessageID != "1" || r.State != Delivered || r.From != "+491720000001" || r.Err != "000" {
		t.Errorf("receipt %+v", r)
	}
	por := []byte{0x00, 0x0E, 0x0A, 0xB0, 0x00, 0x10, 0, 0, 0, 0, 1, 0, 0, 0xAA, 0xBB, 0xCC}
	part1 := append([]byte{0x07, 0x00, 0x03, 0x05, 0x02, 0x01, 0x71, 0x00}, por[:6]...)
	part2 := append([]byte{0x05, 0x00, 0x03, 0x05, 0x02, 0x02}, por[6:]...)
	conn.reply(0x05, 0, 101, sm(0x40, 0xF6, part2, nil))
	conn.reply(0x05, 0, 102, sm(0x40, 0xF6, part1, nil))
	m := <-mos
	if m.Packet == nil || hex.EncodeToString(m.Packet.Data) != hex.EncodeToString(por) || m.Packet.Segments != 2 || m.DataCoding != 0xF6 {
		t.Errorf("MO %+v", m)
	}
	got := map[uint32]bool{}
	for range 3 {
		got[<-resp] = true
	}
	if !got[100] || !got[101] || !got[102] {
		t.Errorf("deliver_sm_resp to %v", got)
	}
}

// TestSubmitSMOctets: the submit_sm of an OTA segment, octet for octet (sequence number aside,
// which gosmpp draws from a process-wide counter).
func TestSubmitSMOctets(t *testing.T) {
	f := newFake(t, func(c *fakeConn, id, seq uint32, body []byte) {
		if id == 0x04 {
			c.reply(0x80000004, 0, seq, []byte("1\x00"))
		}
	})
	var mu sync.Mutex
	var sub []byte
	cfg := fakeConfig(f)
	cfg.Trace = func(d Direction, p []byte) {
		mu.Lock()
		defer mu.Unlock()
		if d == ESMEToSMSC && binary.BigEndian.Uint32(p[4:]) == 0x04 {
			sub = append([]byte(nil), p...)
		}
	}
	c := dialT(t, cfg)
	if _, err := c.Submit(context.Background(), OTAMessage("+491720000001", otaUD)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	binary.BigEndian.PutUint32(sub[12:], 0)
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/ota/smpp"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "submit-sm-ota", []byte(annotate(sub)))
}

// annotate lays out a submit_sm field by field (SMPP 3.4 4.4.1).
func annotate(p []byte) string {
	var sb strings.Builder
	off := 0
	put := func(n int, name string) {
		fmt.Fprintf(&sb, "%04X  %-36s %s\n", off, fmt.Sprintf("% X", p[off:off+n]), name)
		off += n
	}
	cstr := func(name string) {
		n := strings.IndexByte(string(p[off:]), 0) + 1
		put(n, fmt.Sprintf("%s = %q", name, p[off:off+n-1]))
	}
	put(4, "command_length")
	put(4, "command_id submit_sm")
	put(4, "command_status")
	put(4, "sequence_number (zeroed here)")
	cstr("service_type")
	put(1, "source_addr_ton")
	put(1, "source_addr_npi")
	cstr("source_addr")
	put(1, "dest_addr_ton (international)")
	put(1, "dest_addr_npi (ISDN)")
	cstr("destination_addr")
	put(1, "esm_class (UDHI)")
	put(1, "protocol_id ((U)SIM data download)")
	put(1, "priority_flag")
	cstr("schedule_delivery_time")
	cstr("validity_period")
	put(1, "registered_delivery (receipt on success or failure)")
	put(1, "replace_if_present_flag")
	put(1, "data_coding (8-bit data, class 2)")
	put(1, "sm_default_msg_id")
	put(1, "sm_length")
	put(3, "short_message: UDHL 02, IEI 70 (command packet), IEDL 00")
	for off < len(p) {
		put(min(12, len(p)-off), "  command packet")
	}
	return sb.String()
}
