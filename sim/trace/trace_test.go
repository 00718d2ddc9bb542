package trace_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/sebdah/goldie/v2"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
	"github.com/stkforge/stkforge/sim/trace"
)

const fixtureDir = "../../fixtures/golden/sim/trace"

func golden(t *testing.T) *goldie.Goldie {
	return goldie.New(t, goldie.WithFixtureDir(fixtureDir), goldie.WithNameSuffix(".golden"))
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newWriter(t testing.TB, buf *bytes.Buffer, opts ...trace.Option) *trace.Writer {
	t.Helper()
	opts = append([]trace.Option{trace.WithClock(trace.StepClock(epoch, time.Millisecond))}, opts...)
	w, err := trace.NewWriter(buf, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// readPackets reads a pcap back with gopacket, an implementation independent of the writer's
// framing code, and checks the link type.
func readPackets(t testing.TB, b []byte) []gopacket.Packet {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Fatalf("link type %v, want Ethernet", r.LinkType())
	}
	var pkts []gopacket.Packet
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return pkts
		}
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		p.Metadata().CaptureInfo = ci
		pkts = append(pkts, p)
	}
}

func TestT0Frames(t *testing.T) {
	for _, tc := range []struct {
		name string
		ex   trace.APDUExchange
		want []string
	}{
		{"case 1", trace.APDUExchange{CLA: 0x00, INS: 0x70, P1: 0x80, P2: 0x01, SW: 0x9000},
			[]string{"0070800100 9000"}},
		{"case 2 FETCH", trace.Fetch(unhex(t, "D009810301200082028182")),
			[]string{"801200000B D009810301200082028182 9000"}},
		{"case 2 without data", trace.APDUExchange{CLA: 0x00, INS: 0xB0, SW: 0x6982},
			[]string{"00B0000000 6982"}},
		{"case 3 TERMINAL RESPONSE", trace.TerminalResponse(unhex(t, "810301150002028281830100")),
			[]string{"801400000C 810301150002028281830100 9000"}},
		{"case 4 UICC ENVELOPE with PoR, proactive command pending",
			trace.APDUExchange{CLA: 0x80, INS: 0xC2, Data: unhex(t, "D1020102"), Response: unhex(t, "027100"), SW: 0x910B},
			[]string{"80C2000004 D1020102 6103", "00C0000003 027100 910B"}},
		{"case 4 GSM SIM", trace.APDUExchange{CLA: 0xA0, INS: 0x88, Data: make([]byte, 16), Response: make([]byte, 12), SW: 0x9000},
			[]string{"A088000010 00000000000000000000000000000000 9F0C", "A0C000000C 000000000000000000000000 9000"}},
		{"case 4 channel 2", trace.APDUExchange{CLA: 0x02, INS: 0xA4, P1: 0x00, P2: 0x04, Data: unhex(t, "3F00"), Response: unhex(t, "6200"), SW: 0x9000},
			[]string{"02A4000402 3F00 6102", "02C0000002 6200 9000"}},
		{"case 4 proprietary channel 5", trace.APDUExchange{CLA: 0xC1, INS: 0xC2, Data: unhex(t, "D100"), Response: unhex(t, "AA"), SW: 0x9000},
			[]string{"C1C2000002 D100 6101", "41C0000001 AA 9000"}},
		{"255 bytes either way", trace.APDUExchange{CLA: 0x00, INS: 0xD6, Data: bytes.Repeat([]byte{0x55}, 255), SW: 0x9000},
			[]string{"00D60000FF " + strings.Repeat("55", 255) + " 9000"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frames, err := tc.ex.T0Frames()
			if err != nil {
				t.Fatal(err)
			}
			if len(frames) != len(tc.want) {
				t.Fatalf("%d frames, want %d", len(frames), len(tc.want))
			}
			for i, f := range frames {
				if want := unhex(t, tc.want[i]); !bytes.Equal(f, want) {
					t.Errorf("frame %d = %X, want %X", i, f, want)
				}
			}
		})
	}
}

func TestRefused(t *testing.T) {
	big := make([]byte, 256)
	for _, tc := range []struct {
		name  string
		write func(w *trace.Writer) error
		field string
	}{
		{"command data too long for P3", func(w *trace.Writer) error {
			return w.WriteAPDU(trace.APDUExchange{CLA: 0x80, INS: 0xC2, Data: big, SW: 0x9000})
		}, "APDU.Data"},
		{"response data too long for P3", func(w *trace.Writer) error { return w.WriteAPDU(trace.Fetch(big)) }, "APDU.Response"},
		{"huge exchange", func(w *trace.Writer) error {
			return w.WriteAPDU(trace.APDUExchange{CLA: 0x00, INS: 0xD6, Data: make([]byte, 1<<20), SW: 0x9000})
		}, "APDU.Data"},
		{"SW1 60 is the NULL procedure byte", func(w *trace.Writer) error {
			return w.WriteAPDU(trace.APDUExchange{CLA: 0x80, INS: 0x12, SW: 0x6000})
		}, "APDU.SW"},
		{"SW1 not 6X or 9X", func(w *trace.Writer) error {
			return w.WriteAPDU(trace.APDUExchange{CLA: 0x80, INS: 0x12, SW: 0x1234})
		}, "APDU.SW"},
		{"zero SW", func(w *trace.Writer) error { return w.WriteAPDU(trace.APDUExchange{CLA: 0x80, INS: 0x12}) }, "APDU.SW"},
		{"INS 6X", func(w *trace.Writer) error {
			return w.WriteAPDU(trace.APDUExchange{CLA: 0x00, INS: 0x61, SW: 0x9000})
		}, "APDU.INS"},
		{"INS 9X", func(w *trace.Writer) error {
			return w.WriteAPDU(trace.APDUExchange{CLA: 0x00, INS: 0x9F, SW: 0x9000})
		}, "APDU.INS"},
		{"CLA FF", func(w *trace.Writer) error {
			return w.WriteAPDU(trace.APDUExchange{CLA: 0xFF, INS: 0xA4, SW: 0x9000})
		}, "APDU.CLA"},
		{"SMPP shorter than its header", func(w *trace.Writer) error {
			return w.WriteSMPP(trace.ESMEToSMSC, unhex(t, "00000010000000150000"))
		}, "SMPP.header"},
		{"SMPP empty", func(w *trace.Writer) error { return w.WriteSMPP(trace.ESMEToSMSC, nil) }, "SMPP.header"},
		{"SMPP command_length too big", func(w *trace.Writer) error {
			return w.WriteSMPP(trace.ESMEToSMSC, unhex(t, "0000001100000015000000000A342EE7"))
		}, "SMPP.command_length"},
		{"SMPP two PDUs in one call", func(w *trace.Writer) error {
			return w.WriteSMPP(trace.ESMEToSMSC, unhex(t, "0000001000000015000000000A342EE7 0000001000000015000000000A342EE8"))
		}, "SMPP.command_length"},
		{"SMPP no direction", func(w *trace.Writer) error {
			return w.WriteSMPP(0, unhex(t, "0000001000000015000000000A342EE7"))
		}, "SMPP.direction"},
		{"SMPP IPv6 stream", func(w *trace.Writer) error {
			_, err := w.SMPPStream(netip.MustParseAddrPort("[::1]:40000"), netip.MustParseAddrPort("[::1]:2775"))
			return err
		}, "SMPP.endpoints"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := newWriter(t, &buf)
			err := tc.write(w)
			var te *trace.Error
			if !errors.As(err, &te) {
				t.Fatalf("error %v (%T), want *trace.Error", err, err)
			}
			if got := te.Frame + "." + te.Field; got != tc.field {
				t.Errorf("refused field %s, want %s (%v)", got, tc.field, err)
			}
			if !strings.HasPrefix(err.Error(), "trace: "+tc.field+": ") {
				t.Errorf("message %q does not start with the field", err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if n := len(readPackets(t, buf.Bytes())); n != 0 {
				t.Errorf("%d frames written for a refused input", n)
			}
		})
	}
}

func TestNonIPv4Config(t *testing.T) {
	_, err := trace.NewWriter(io.Discard, trace.WithGSMTAPEndpoints(netip.MustParseAddrPort("[::1]:4729"), netip.MustParseAddrPort("127.0.0.1:4729")))
	var te *trace.Error
	if !errors.As(err, &te) || te.Field != "GSMTAP source" {
		t.Fatalf("error %v, want a *trace.Error on GSMTAP source", err)
	}
}

func TestClosed(t *testing.T) {
	var buf bytes.Buffer
	w := newWriter(t, &buf)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.WriteAPDU(trace.Fetch(unhex(t, "D009810301200082028182"))); !errors.Is(err, trace.ErrClosed) {
		t.Errorf("WriteAPDU after Close: %v, want ErrClosed", err)
	}
	if err := w.WriteSMPP(trace.ESMEToSMSC, unhex(t, "0000001000000015000000000A342EE7")); !errors.Is(err, trace.ErrClosed) {
		t.Errorf("WriteSMPP after Close: %v, want ErrClosed", err)
	}
	if err := w.Flush(); !errors.Is(err, trace.ErrClosed) {
		t.Errorf("Flush after Close: %v, want ErrClosed", err)
	}
}

// ipv4HeaderSumOK checks the IPv4 header checksum by the receiver's rule (RFC 1071): the
// one's complement sum over the header, checksum included, is FFFF.
func ipv4HeaderSumOK(h []byte) bool {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xFFFF {
		sum = sum&0xFFFF + sum>>16
	}
	return sum == 0xFFFF
}

// transportSumOK checks a UDP or TCP checksum over the IPv4 pseudo-header (RFC 768, RFC 9293).
func transportSumOK(ip *layers.IPv4, seg []byte) bool {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i < len(b); i += 2 {
			if i+1 < len(b) {
				sum += uint32(binary.BigEndian.Uint16(b[i:]))
			} else {
				sum += uint32(b[i]) << 8
			}
		}
	}
	add(ip.SrcIP.To4())
	add(ip.DstIP.To4())
	sum += uint32(ip.Protocol) + uint32(len(seg))
	add(seg)
	for sum > 0xFFFF {
		sum = sum&0xFFFF + sum>>16
	}
	return sum == 0xFFFF
}

func TestFramesReadBack(t *testing.T) {
	var buf bytes.Buffer
	w := newWriter(t, &buf)
	cmd := unhex(t, "D01A8103012180820281028D0F04546F6F6C6B697420546573742031")
	if err := w.WriteAPDU(trace.Fetch(cmd)); err != nil {
		t.Fatal(err)
	}
	enq := unhex(t, "0000001000000015000000000A342EE7")
	resp := unhex(t, "0000001080000015000000000A342EE7")
	for _, pdu := range []struct {
		dir trace.Direction
		b   []byte
	}{{trace.ESMEToSMSC, enq}, {trace.SMSCToESME, resp}, {trace.ESMEToSMSC, enq}} {
		if err := w.WriteSMPP(pdu.dir, pdu.b); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	pkts := readPackets(t, buf.Bytes())
	if len(pkts) != 1+3+3 {
		t.Fatalf("%d frames, want 7 (1 GSMTAP, TCP handshake, 3 SMPP)", len(pkts))
	}
	for i, p := range pkts {
		if want := epoch.Add(time.Duration(i) * time.Millisecond); !p.Metadata().Timestamp.Equal(want) {
			t.Errorf("frame %d at %v, want %v", i, p.Metadata().Timestamp, want)
		}
		ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if !ipv4HeaderSumOK(ip.Contents) {
			t.Errorf("frame %d: IPv4 header checksum %04X wrong", i, ip.Checksum)
		}
		if !transportSumOK(ip, ip.Payload) {
			t.Errorf("frame %d: %v checksum wrong", i, ip.Protocol)
		}
	}
	udp := pkts[0].Layer(layers.LayerTypeUDP).(*layers.UDP)
	if udp.DstPort != trace.GSMTAPPort {
		t.Errorf("UDP destination port %d", udp.DstPort)
	}
	want := append(unhex(t, "02040400 0000 00 00 00000000 00000000 801200001C"), append(cmd, 0x90, 0x00)...)
	if !bytes.Equal(udp.Payload, want) {
		t.Errorf("GSMTAP payload %X\nwant %X", udp.Payload, want)
	}

	// TCP: SYN, SYN-ACK, ACK, then each side's sequence advances by the bytes it sent and
	// acknowledges all the other side sent.
	type seg struct {
		syn, ack bool
		seq, an  uint32
		sport    layers.TCPPort
		n        int
	}
	wantSegs := []seg{
		{syn: true, seq: 1000, sport: 40000},
		{syn: true, ack: true, seq: 5000, an: 1001, sport: 2775},
		{ack: true, seq: 1001, an: 5001, sport: 40000},
		{ack: true, seq: 1001, an: 5001, sport: 40000, n: 16},
		{ack: true, seq: 5001, an: 1017, sport: 2775, n: 16},
		{ack: true, seq: 1017, an: 5017, sport: 40000, n: 16},
	}
	for i, ws := range wantSegs {
		tcp := pkts[1+i].Layer(layers.LayerTypeTCP).(*layers.TCP)
		got := seg{syn: tcp.SYN, ack: tcp.ACK, seq: tcp.Seq, an: tcp.Ack, sport: tcp.SrcPort, n: len(tcp.Payload)}
		if got != ws {
			t.Errorf("segment %d = %+v, want %+v", i, got, ws)
		}
	}
}

func TestConcurrentWriters(t *testing.T) {
	var buf bytes.Buffer
	w := newWriter(t, &buf)
	cmd := unhex(t, "D009810301200082028182")
	enq := unhex(t, "0000001000000015000000000A342EE7")
	const goroutines, each = 8, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				var err error
				if g%2 == 0 {
					err = w.WriteAPDU(trace.Fetch(cmd))
				} else {
					err = w.WriteSMPP(trace.ESMEToSMSC, enq)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	pkts := readPackets(t, buf.Bytes())
	if want := goroutines*each + 3; len(pkts) != want {
		t.Fatalf("%d frames, want %d", len(pkts), want)
	}
	next := uint32(1001)
	for i, p := range pkts {
		if p.ErrorLayer() != nil {
			t.Fatalf("frame %d: %v", i, p.ErrorLayer().Error())
		}
		if tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && len(tcp.Payload) > 0 {
			if tcp.Seq != next {
				t.Fatalf("frame %d: seq %d, want %d: segments interleaved", i, tcp.Seq, next)
			}
			next += uint32(len(tcp.Payload))
		}
	}
}

func TestSMPPStreams(t *testing.T) {
	var buf bytes.Buffer
	w := newWriter(t, &buf, trace.WithTCPInitialSequence(0xFFFFFFF0, 7))
	a, err := w.SMPPStream(netip.MustParseAddrPort("10.0.0.1:50001"), netip.MustParseAddrPort("10.0.0.9:2775"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := w.SMPPStream(netip.MustParseAddrPort("10.0.0.2:50002"), netip.MustParseAddrPort("10.0.0.9:2775"))
	if err != nil {
		t.Fatal(err)
	}
	enq := unhex(t, "0000001000000015000000000A342EE7")
	for _, s := range []*trace.SMPPStream{a, b, a} {
		if err := s.Write(trace.ESMEToSMSC, enq); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(trace.SMSCToESME); err != nil {
		t.Fatal(err)
	}
	if err := b.Write(trace.ESMEToSMSC, enq); !errors.Is(err, trace.ErrStreamClosed) {
		t.Errorf("write after stream Close: %v, want ErrStreamClosed", err)
	}
	if err := b.Close(trace.SMSCToESME); err != nil {
		t.Errorf("second stream Close: %v", err)
	}
	w.Close()
	pkts := readPackets(t, buf.Bytes())
	if len(pkts) != 3+1+3+1+1+3 {
		t.Fatalf("%d frames, want 12", len(pkts))
	}
	// Stream b's close, initiated by the SMSC: FIN ACK, FIN ACK, ACK, each FIN counting one.
	type fin struct {
		fin, ack bool
		sport    layers.TCPPort
		seq, an  uint32
	}
	for i, want := range []fin{
		{true, true, 2775, 8, 1}, // 0xFFFFFFF0 + 1 (SYN) + 16 wraps to 1
		{true, true, 50002, 1, 9},
		{false, true, 2775, 9, 2},
	} {
		tcp := pkts[9+i].Layer(layers.LayerTypeTCP).(*layers.TCP)
		if got := (fin{tcp.FIN, tcp.ACK, tcp.SrcPort, tcp.Seq, tcp.Ack}); got != want {
			t.Errorf("close segment %d = %+v, want %+v", i, got, want)
		}
	}
	last := pkts[8].Layer(layers.LayerTypeTCP).(*layers.TCP)
	ip := pkts[8].Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	// Sequence numbers wrap modulo 2^32 (RFC 9293 3.4): 0xFFFFFFF0 + 1 (SYN) + 16 = 1.
	if last.Seq != 1 || ip.SrcIP.String() != "10.0.0.1" || last.SrcPort != 50001 {
		t.Errorf("second PDU of stream a: %v:%d seq %d", ip.SrcIP, last.SrcPort, last.Seq)
	}
}

// hexLine is one annotated line of a golden hexdump.
func hexLine(sb *strings.Builder, off int, b []byte, meaning string) {
	const width = 16
	for i := 0; i < len(b) || i == 0; i += width {
		end := min(i+width, len(b))
		h := strings.ToUpper(hex.EncodeToString(b[i:end]))
		var spaced []string
		for j := 0; j < len(h); j += 2 {
			spaced = append(spaced, h[j:j+2])
		}
		m := meaning
		if i > 0 {
			m = ""
		}
		fmt.Fprintf(sb, "  %04x  %-47s  %s\n", off+i, strings.Join(spaced, " "), m)
		if len(b) == 0 {
			break
		}
	}
}

// dumpFrames annotates each frame layer by layer, the APDU field by field.
func dumpFrames(t *testing.T, pcap []byte) string {
	var sb strings.Builder
	for i, p := range readPackets(t, pcap) {
		fmt.Fprintf(&sb, "frame %d  %s  %d bytes\n", i+1, p.Metadata().Timestamp.UTC().Format("15:04:05.000"), len(p.Data()))
		off := 0
		eth := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		hexLine(&sb, off, eth.Contents, fmt.Sprintf("Ethernet %s -> %s, IPv4", eth.SrcMAC, eth.DstMAC))
		off += len(eth.Contents)
		ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		hexLine(&sb, off, ip.Contents, fmt.Sprintf("IPv4 %s -> %s, %v, id %d, header checksum %04X", ip.SrcIP, ip.DstIP, ip.Protocol, ip.Id, ip.Checksum))
		off += len(ip.Contents)
		if udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
			hexLine(&sb, off, udp.Contents, fmt.Sprintf("UDP %d -> %d, length %d, checksum %04X", udp.SrcPort, udp.DstPort, udp.Length, udp.Checksum))
			off += len(udp.Contents)
			pl := udp.Payload
			hexLine(&sb, off, pl[:16], "GSMTAP v2, header 4 words, type 4 (SIM)")
			apdu := pl[16:]
			p3 := int(apdu[4])
			hexLine(&sb, off+16, apdu[:5], fmt.Sprintf("CLA %02X INS %02X P1 %02X P2 %02X P3 %02X", apdu[0], apdu[1], apdu[2], apdu[3], apdu[4]))
			if p3 > 0 {
				hexLine(&sb, off+21, apdu[5:5+p3], fmt.Sprintf("data, %d bytes", p3))
			}
			hexLine(&sb, off+21+p3, apdu[5+p3:], "SW1 SW2")
		}
		if tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
			var flags []string
			for _, f := range []struct {
				on   bool
				name string
			}{{tcp.SYN, "SYN"}, {tcp.PSH, "PSH"}, {tcp.ACK, "ACK"}} {
				if f.on {
					flags = append(flags, f.name)
				}
			}
			hexLine(&sb, off, tcp.Contents, fmt.Sprintf("TCP %d -> %d, %s, seq %d, ack %d, checksum %04X", tcp.SrcPort, tcp.DstPort, strings.Join(flags, " "), tcp.Seq, tcp.Ack, tcp.Checksum))
			off += len(tcp.Contents)
			if pl := tcp.Payload; len(pl) >= 16 {
				hexLine(&sb, off, pl[:16], fmt.Sprintf("SMPP command_length %d, command_id %08X, command_status %08X, sequence_number %08X",
					binary.BigEndian.Uint32(pl), binary.BigEndian.Uint32(pl[4:]), binary.BigEndian.Uint32(pl[8:]), binary.BigEndian.Uint32(pl[12:])))
				if len(pl) > 16 {
					hexLine(&sb, off+16, pl[16:], "SMPP body")
				}
			}
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

func TestGoldenFrames(t *testing.T) {
	var buf bytes.Buffer
	w := newWriter(t, &buf)
	for _, ex := range []trace.APDUExchange{
		trace.Fetch(unhex(t, "D01A8103012180820281028D0F04546F6F6C6B697420546573742031")),
		trace.TerminalResponse(unhex(t, "81030221010202828183022001")),
		{CLA: 0x80, INS: 0xC2, Data: unhex(t, "D30782020181900100"), Response: unhex(t, "AB"), SW: 0x9000},
	} {
		if err := w.WriteAPDU(ex); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteSMPP(trace.ESMEToSMSC, unhex(t, "0000001000000015000000000A342EE7")); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSMPP(trace.SMSCToESME, unhex(t, "0000001080000015000000000A342EE7")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	golden(t).Assert(t, "frames", []byte(dumpFrames(t, buf.Bytes())))
}

// BenchmarkWriteAPDU measures FETCH exchanges written per second into memory.
func BenchmarkWriteAPDU(b *testing.B) {
	w, err := trace.NewWriter(io.Discard, trace.WithClock(trace.StepClock(epoch, time.Millisecond)))
	if err != nil {
		b.Fatal(err)
	}
	ex := trace.Fetch(unhex(b, "D03D810301240082028182850E546F6F6C6B69742053656C6563748F07014974656D20318F07024974656D20328F07034974656D20338F07044974656D2034"))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := w.WriteAPDU(ex); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkWriteSMPP measures SMPP PDUs (one TCP segment each) written per second.
func BenchmarkWriteSMPP(b *testing.B) {
	w, err := trace.NewWriter(io.Discard, trace.WithClock(trace.StepClock(epoch, time.Millisecond)))
	if err != nil {
		b.Fatal(err)
	}
	pdu := unhex(b, "0000001000000015000000000A342EE7")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := w.WriteSMPP(trace.ESMEToSMSC, pdu); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "PDUs/s")
}

// TestSMPPPrefixesRefused: no strict prefix of a valid PDU passes for a whole PDU.
func TestSMPPPrefixesRefused(t *testing.T) {
	pdu := submitSMOTA(t)
	if err := trace.CheckSMPP(pdu); err != nil {
		t.Fatal(err)
	}
	for n := range len(pdu) {
		var te *trace.Error
		if err := trace.CheckSMPP(pdu[:n]); !errors.As(err, &te) {
			t.Fatalf("prefix of %d bytes: %v, want *trace.Error", n, err)
		}
	}
}

func ExampleAPDUExchange_T0Frames() {
	// An ENVELOPE (SMS-PP download) answered with a PoR and a pending proactive command: under
	// T=0 the card first answers 61 xx and the terminal fetches the data with GET RESPONSE.
	ex := trace.APDUExchange{
		CLA: trace.CLAUICC, INS: trace.INSEnvelope,
		Data:     []byte{0xD1, 0x03, 0x82, 0x01, 0x83},
		Response: []byte{0x02, 0x71, 0x00},
		SW:       0x910B,
	}
	frames, err := ex.T0Frames()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range frames {
		fmt.Printf("% X\n", f)
	}
	_, err = trace.Fetch(make([]byte, 300)).T0Frames()
	fmt.Println(err)
	// Output:
	// 80 C2 00 00 05 D1 03 82 01 83 61 03
	// 00 C0 00 00 03 02 71 00 91 0B
	// trace: APDU.Response: 300 bytes, more than the 255 that P3 can count
}

// FuzzT0Frames: any exchange is either refused with an *Error or framed so that every frame
// holds exactly P3 data bytes between header and status word.
func FuzzT0Frames(f *testing.F) {
	fuzzseed.Add(f)
	f.Add(byte(0x80), byte(0x12), byte(0), byte(0), []byte(nil), unhex(f, "D01A8103012180820281028D0F04546F6F6C6B697420546573742031"), uint16(0x9000))
	f.Add(byte(0x80), byte(0x14), byte(0), byte(0), unhex(f, "810303240002028281830113900105"), []byte(nil), uint16(0x9000))
	f.Add(byte(0xA0), byte(0x88), byte(0), byte(0), make([]byte, 16), make([]byte, 12), uint16(0x9000))
	f.Add(byte(0xC3), byte(0xC2), byte(0), byte(0), unhex(f, "D60799010482028281"), []byte{1}, uint16(0x910B))
	f.Fuzz(func(t *testing.T, cla, ins, p1, p2 byte, data, resp []byte, sw uint16) {
		ex := trace.APDUExchange{CLA: cla, INS: ins, P1: p1, P2: p2, Data: data, Response: resp, SW: sw}
		frames, err := ex.T0Frames()
		if err != nil {
			var te *trace.Error
			if !errors.As(err, &te) {
				t.Fatalf("error %v is not a *trace.Error", err)
			}
			return
		}
		if len(frames) == 0 || len(frames) > 2 {
			t.Fatalf("%d frames", len(frames))
		}
		for _, fr := range frames {
			if int(fr[4]) != len(fr)-7 {
				t.Fatalf("frame %X: P3 %d, %d data bytes", fr, fr[4], len(fr)-7)
			}
		}
		last := frames[len(frames)-1]
		if uint16(last[len(last)-2])<<8|uint16(last[len(last)-1]) != sw {
			t.Fatalf("last frame %X does not end with SW %04X", last, sw)
		}
	})
}
