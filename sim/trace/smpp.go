package trace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/google/gopacket/layers"
)

// Direction says which way an SMPP PDU travels.
type Direction uint8

const (
	// ESMEToSMSC is from the ESME (the OTA server, a bank) to the SMSC: binds, submit_sm.
	ESMEToSMSC Direction = iota + 1
	// SMSCToESME is from the SMSC to the ESME: responses, deliver_sm (MO PoRs, receipts).
	SMSCToESME
)

func (d Direction) String() string {
	switch d {
	case ESMEToSMSC:
		return "ESME->SMSC"
	case SMSCToESME:
		return "SMSC->ESME"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// smppHeaderLen is the SMPP PDU header: command_length, command_id, command_status,
// sequence_number, four octets each (SMPP 3.4 3.2).
const smppHeaderLen = 16

// maxSegment is the largest TCP payload one IPv4 packet holds (65535 - 20 - 20).
const maxSegment = 65535 - 20 - 20

// SMPPStream is one TCP connection between an ESME and an SMSC. Each PDU is one TCP segment;
// the sequence and acknowledgement numbers of both sides advance with the bytes sent, so
// Wireshark reassembles the stream. The first write is preceded by a three-way handshake.
type SMPPStream struct {
	w          *Writer
	esme, smsc endpoints
	next       [2]uint32 // next sequence number of the ESME side [0] and the SMSC side [1]
	open       bool
	closed     bool
}

// ErrStreamClosed is returned by writes on an SMPPStream after its Close.
var ErrStreamClosed = errors.New("trace: SMPP stream closed")

// SMPPStream returns a new stream between esme and smsc (IPv4 addresses), whose sides start at
// the initial sequence numbers of WithTCPInitialSequence. Streams of one Writer share its
// lock, clock and file.
func (w *Writer) SMPPStream(esme, smsc netip.AddrPort) (*SMPPStream, error) {
	if !esme.Addr().Is4() || !smsc.Addr().Is4() {
		return nil, &Error{Frame: "SMPP", Field: "endpoints", Offset: -1, Msg: fmt.Sprintf("%s and %s must both be IPv4 addresses and ports", esme, smsc)}
	}
	return w.newSMPPStream(esme, smsc), nil
}

func (w *Writer) newSMPPStream(esme, smsc netip.AddrPort) *SMPPStream {
	return &SMPPStream{
		w:    w,
		esme: endpoints{srcMAC: macFor(esme.Addr()), dstMAC: macFor(smsc.Addr()), src: esme, dst: smsc},
		smsc: endpoints{srcMAC: macFor(smsc.Addr()), dstMAC: macFor(esme.Addr()), src: smsc, dst: esme},
		next: [2]uint32{w.conf.esmeISN, w.conf.smscISN},
	}
}

// WriteSMPP writes pdu on the Writer's default stream (see WithSMPPEndpoints).
func (w *Writer) WriteSMPP(dir Direction, pdu []byte) error {
	w.mu.Lock()
	if w.smpp == nil {
		w.smpp = w.newSMPPStream(w.conf.esme, w.conf.smsc)
	}
	s := w.smpp
	w.mu.Unlock()
	return s.Write(dir, pdu)
}

// CheckSMPP refuses what is not one whole SMPP PDU: fewer than 16 bytes, a command_length
// (SMPP 3.4 3.2) that differs from len(pdu), or more than one TCP segment can carry.
func CheckSMPP(pdu []byte) error {
	if len(pdu) < smppHeaderLen {
		return &Error{Frame: "SMPP", Field: "header", Offset: len(pdu), Msg: fmt.Sprintf("%d bytes, the header alone is %d", len(pdu), smppHeaderLen)}
	}
	if n := binary.BigEndian.Uint32(pdu); n != uint32(len(pdu)) {
		return &Error{Frame: "SMPP", Field: "command_length", Offset: 0, Msg: fmt.Sprintf("says %d bytes, the PDU has %d", n, len(pdu))}
	}
	if len(pdu) > maxSegment {
		return &Error{Frame: "SMPP", Field: "command_length", Offset: 0, Msg: fmt.Sprintf("%d bytes, more than the %d one IPv4 TCP segment carries", len(pdu), maxSegment)}
	}
	return nil
}

// Write writes pdu, one whole SMPP PDU, as one TCP segment (PSH, ACK) in direction dir.
func (s *SMPPStream) Write(dir Direction, pdu []byte) error {
	if dir != ESMEToSMSC && dir != SMSCToESME {
		return &Error{Frame: "SMPP", Field: "direction", Offset: -1, Msg: dir.String() + " is neither ESMEToSMSC nor SMSCToESME"}
	}
	if err := CheckSMPP(pdu); err != nil {
		return err
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	if s.w.closed {
		return ErrClosed
	}
	if s.closed {
		return ErrStreamClosed
	}
	if !s.open {
		if err := s.handshake(); err != nil {
			return err
		}
		s.open = true
	}
	from, to := 0, 1
	if dir == SMSCToESME {
		from, to = 1, 0
	}
	err := s.segment(from, tcpFlags{psh: true, ack: true}, s.next[from], s.next[to], pdu)
	s.next[from] += uint32(len(pdu))
	return err
}

// handshake writes SYN, SYN-ACK, ACK (RFC 9293 3.5) so that the stream opens as a capture of
// a real connection would; the caller holds s.w.mu.
func (s *SMPPStream) handshake() error {
	e, c := &s.next[0], &s.next[1]
	if err := s.segment(0, tcpFlags{syn: true}, *e, 0, nil); err != nil {
		return err
	}
	*e++
	if err := s.segment(1, tcpFlags{syn: true, ack: true}, *c, *e, nil); err != nil {
		return err
	}
	*c++
	return s.segment(0, tcpFlags{ack: true}, *e, *c, nil)
}

// Close ends the connection as initiator does (after an unbind, SMPP 3.4 4.2): FIN from it,
// FIN from the other side, and the last ACK (RFC 9293 3.6). A stream that carried nothing
// writes nothing. Later writes return ErrStreamClosed; a second Close returns nil.
func (s *SMPPStream) Close(initiator Direction) error {
	if initiator != ESMEToSMSC && initiator != SMSCToESME {
		return &Error{Frame: "SMPP", Field: "direction", Offset: -1, Msg: initiator.String() + " is neither ESMEToSMSC nor SMSCToESME"}
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	if s.closed {
		return nil
	}
	if s.w.closed {
		return ErrClosed
	}
	s.closed = true
	if !s.open {
		return nil
	}
	a, b := 0, 1
	if initiator == SMSCToESME {
		a, b = 1, 0
	}
	if err := s.segment(a, tcpFlags{fin: true, ack: true}, s.next[a], s.next[b], nil); err != nil {
		return err
	}
	s.next[a]++
	if err := s.segment(b, tcpFlags{fin: true, ack: true}, s.next[b], s.next[a], nil); err != nil {
		return err
	}
	s.next[b]++
	return s.segment(a, tcpFlags{ack: true}, s.next[a], s.next[b], nil)
}

// CloseSMPP closes the Writer's default stream (see SMPPStream.Close).
func (w *Writer) CloseSMPP(initiator Direction) error {
	w.mu.Lock()
	s := w.smpp
	w.mu.Unlock()
	if s == nil {
		return nil
	}
	return s.Close(initiator)
}

type tcpFlags struct{ syn, fin, ack, psh bool }

// segment writes one TCP segment from side (0 ESME, 1 SMSC); the caller holds s.w.mu.
func (s *SMPPStream) segment(side int, f tcpFlags, seq, ack uint32, payload []byte) error {
	e := s.esme
	if side == 1 {
		e = s.smsc
	}
	ip := &layers.IPv4{Protocol: layers.IPProtocolTCP, SrcIP: ipOf(e.src.Addr()), DstIP: ipOf(e.dst.Addr())}
	tcp := &layers.TCP{
		SrcPort: layers.TCPPort(e.src.Port()),
		DstPort: layers.TCPPort(e.dst.Port()),
		Seq:     seq,
		SYN:     f.syn,
		FIN:     f.fin,
		PSH:     f.psh,
		ACK:     f.ack,
		Window:  65535,
	}
	if f.ack {
		tcp.Ack = ack
	}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		return err
	}
	return s.w.writeFrame(e.srcMAC, e.dstMAC, ip, tcp, payload)
}
