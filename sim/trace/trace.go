// Package trace writes what the simulator exchanges to a pcap file that Wireshark and tshark
// decode: APDU exchanges between terminal and card as GSMTAP SIM frames (GSMTAP v2, type 4, over
// UDP port 4729) and SMPP 3.4 PDUs between an ESME and an SMSC as TCP segments on port 2775.
//
// Every frame is Ethernet + IPv4 + UDP/TCP with correct IPv4, UDP and TCP checksums. Timestamps
// come from an injected clock so that a trace written by a test is byte-exact.
package trace

import (
	"bufio"
	"errors"
	"io"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Snaplen is the snapshot length written in the pcap file header; no frame is ever cut.
const Snaplen = 262144

// GSMTAPPort is the UDP port registered for GSMTAP (IANA 4729), where Wireshark looks for it.
const GSMTAPPort = 4729

// SMPPPort is the TCP port registered for SMPP (IANA 2775), where Wireshark looks for it.
const SMPPPort = 2775

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("trace: writer closed")

// Writer writes frames to a pcap stream (Ethernet link type). It is safe for concurrent use:
// each frame is written whole, in the order the calls take the writer's lock.
type Writer struct {
	mu     sync.Mutex
	buf    *bufio.Writer
	pcap   *pcapgo.Writer
	closer io.Closer // set by Create: the file the writer owns
	closed bool

	clock  func() time.Time
	ipID   uint16
	gsmtap endpoints
	smpp   *SMPPStream // the default stream of WriteSMPP, made on first use
	conf   config
}

type endpoints struct {
	srcMAC, dstMAC [6]byte
	src, dst       netip.AddrPort
}

type config struct {
	clock      func() time.Time
	gsmtapSrc  netip.AddrPort
	gsmtapDst  netip.AddrPort
	esme, smsc netip.AddrPort
	esmeISN    uint32
	smscISN    uint32
}

// Option configures a Writer.
type Option func(*config)

// WithClock sets the clock read once per frame for its timestamp (default time.Now).
func WithClock(clock func() time.Time) Option {
	return func(c *config) { c.clock = clock }
}

// WithGSMTAPEndpoints sets the IPv4 addresses and UDP ports of the GSMTAP frames (default
// 127.0.0.1:4729 to 127.0.0.1:4729). Wireshark finds GSMTAP by the destination port 4729.
func WithGSMTAPEndpoints(src, dst netip.AddrPort) Option {
	return func(c *config) { c.gsmtapSrc, c.gsmtapDst = src, dst }
}

// WithSMPPEndpoints sets the IPv4 addresses and TCP ports of the stream WriteSMPP uses (default
// ESME 127.0.0.1:40000, SMSC 127.0.0.1:2775). Wireshark finds SMPP by port 2775 on either side.
func WithSMPPEndpoints(esme, smsc netip.AddrPort) Option {
	return func(c *config) { c.esme, c.smsc = esme, smsc }
}

// WithTCPInitialSequence sets the initial sequence numbers (the SYN's) of the ESME and SMSC
// sides of every SMPP stream (default 1000 and 5000).
func WithTCPInitialSequence(esme, smsc uint32) Option {
	return func(c *config) { c.esmeISN, c.smscISN = esme, smsc }
}

// StepClock returns a clock that reads start, then start+step, start+2*step, and so on: the
// deterministic clock of tests and golden files. It is safe for concurrent use.
func StepClock(start time.Time, step time.Duration) func() time.Time {
	var mu sync.Mutex
	next := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := next
		next = next.Add(step)
		return t
	}
}

// NewWriter writes the pcap file header to w and returns a Writer of frames after it. Close
// flushes but does not close w.
func NewWriter(w io.Writer, opts ...Option) (*Writer, error) {
	c := config{
		clock:     time.Now,
		gsmtapSrc: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), GSMTAPPort),
		gsmtapDst: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), GSMTAPPort),
		esme:      netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), 40000),
		smsc:      netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), SMPPPort),
		esmeISN:   1000,
		smscISN:   5000,
	}
	for _, o := range opts {
		o(&c)
	}
	for _, ap := range []struct {
		name string
		ap   netip.AddrPort
	}{{"GSMTAP source", c.gsmtapSrc}, {"GSMTAP destination", c.gsmtapDst}, {"ESME", c.esme}, {"SMSC", c.smsc}} {
		if !ap.ap.Addr().Is4() {
			return nil, &Error{Frame: "config", Field: ap.name, Offset: -1, Msg: ap.ap.String() + " is not an IPv4 address and port"}
		}
	}
	buf := bufio.NewWriter(w)
	p := pcapgo.NewWriter(buf)
	if err := p.WriteFileHeader(Snaplen, layers.LinkTypeEthernet); err != nil {
		return nil, err
	}
	tw := &Writer{
		buf:   buf,
		pcap:  p,
		clock: c.clock,
		gsmtap: endpoints{
			srcMAC: macFor(c.gsmtapSrc.Addr()), dstMAC: macFor(c.gsmtapDst.Addr()),
			src: c.gsmtapSrc, dst: c.gsmtapDst,
		},
		conf: c,
	}
	return tw, nil
}

// Create creates (or truncates) the pcap file at path; Close closes it.
func Create(path string, opts ...Option) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w, err := NewWriter(f, opts...)
	if err != nil {
		f.Close()
		return nil, err
	}
	w.closer = f
	return w, nil
}

// Flush writes buffered frames to the underlying writer.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	return w.buf.Flush()
}

// Close flushes buffered frames and, for a Writer made by Create, closes the file. Later writes
// return ErrClosed; a second Close returns nil.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.buf.Flush()
	if w.closer != nil {
		if cerr := w.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// writeFrame serialises one Ethernet/IPv4 frame around transport and payload and writes it.
// The caller holds w.mu.
func (w *Writer) writeFrame(srcMAC, dstMAC [6]byte, ip *layers.IPv4, transport gopacket.SerializableLayer, payload []byte) error {
	if w.closed {
		return ErrClosed
	}
	w.ipID++
	ip.Version = 4
	ip.IHL = 5
	ip.TTL = 64
	ip.Flags = layers.IPv4DontFragment
	ip.Id = w.ipID
	eth := &layers.Ethernet{
		SrcMAC:       srcMAC[:],
		DstMAC:       dstMAC[:],
		EthernetType: layers.EthernetTypeIPv4,
	}
	sb := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(sb, opts, eth, ip, transport, gopacket.Payload(payload)); err != nil {
		return err
	}
	data := sb.Bytes()
	ci := gopacket.CaptureInfo{Timestamp: w.clock(), CaptureLength: len(data), Length: len(data)}
	return w.pcap.WritePacket(ci, data)
}

// macFor derives a locally administered unicast MAC address from an IPv4 address, so that the
// frames of one host carry one address (02:00 + the four address bytes).
func macFor(a netip.Addr) [6]byte {
	b := a.As4()
	return [6]byte{0x02, 0x00, b[0], b[1], b[2], b[3]}
}
