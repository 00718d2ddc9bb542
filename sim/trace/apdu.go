package trace

import (
	"fmt"
	"net/netip"

	"github.com/google/gopacket/layers"
)

// APDUExchange is one command-response pair as the application sees it (ISO/IEC 7816-4 5.1,
// cases 1 to 4): the command header, the command data field, the response data field and the
// status word. The writer maps it to T=0 transport frames (see T0Frames).
type APDUExchange struct {
	CLA, INS, P1, P2 byte
	// Data is the command data field (Nc bytes, 0..255).
	Data []byte
	// Response is the response data field (Nr bytes, 0..255).
	Response []byte
	// SW is SW1 SW2 (ISO/IEC 7816-4 5.6), e.g. 0x9000 or 0x910B.
	SW uint16
}

// Class bytes and instructions of the toolkit commands (TS 102 221 10.1.2, TS 51.011 9.2).
const (
	CLAUICC byte = 0x80 // proprietary class of FETCH, TERMINAL RESPONSE, ENVELOPE on a UICC
	CLAGSM  byte = 0xA0 // the GSM SIM class (TS 51.011 9.1)

	INSFetch            byte = 0x12
	INSTerminalResponse byte = 0x14
	INSEnvelope         byte = 0xC2
	INSGetResponse      byte = 0xC0
)

// Fetch is a FETCH (TS 102 221 10.1.2) whose response is the proactive command cmd (its whole
// D0 BER-TLV) and SW 90 00: `80 12 00 00 len(cmd)`, cmd, `90 00` on the wire.
func Fetch(cmd []byte) APDUExchange {
	return APDUExchange{CLA: CLAUICC, INS: INSFetch, Response: cmd, SW: 0x9000}
}

// TerminalResponse is a TERMINAL RESPONSE (TS 102 221 10.1.2) carrying tr (the bare
// COMPREHENSION-TLVs of TS 102 223 6.8) answered by SW 90 00.
func TerminalResponse(tr []byte) APDUExchange {
	return APDUExchange{CLA: CLAUICC, INS: INSTerminalResponse, Data: tr, SW: 0x9000}
}

// Envelope is an ENVELOPE (TS 102 221 10.1.2) carrying env (a D1..D7 BER-TLV of TS 102 223
// 7) answered by SW 90 00.
func Envelope(env []byte) APDUExchange {
	return APDUExchange{CLA: CLAUICC, INS: INSEnvelope, Data: env, SW: 0x9000}
}

// maxP3 is the largest count P3 can carry in a GSMTAP SIM frame: Wireshark reads P3 as the
// number of data bytes, so the T=0 meaning of P3 = 00 as 256 outgoing bytes (ISO/IEC 7816-3
// 10.3.2) cannot be written.
const maxP3 = 255

// check refuses an exchange that cannot be carried as T=0 frames.
func (ex APDUExchange) check() error {
	switch {
	case ex.CLA == 0xFF:
		return &Error{Frame: "APDU", Field: "CLA", Offset: 0, Msg: "FF is reserved for PPS (ISO/IEC 7816-3 9.2)"}
	case ex.INS&0xF0 == 0x60 || ex.INS&0xF0 == 0x90:
		return &Error{Frame: "APDU", Field: "INS", Offset: 1, Msg: fmt.Sprintf("%02X is invalid: 6X and 9X are procedure bytes under T=0 (ISO/IEC 7816-3 10.3.2)", ex.INS)}
	case len(ex.Data) > maxP3:
		return &Error{Frame: "APDU", Field: "Data", Offset: -1, Msg: fmt.Sprintf("%d bytes, more than the %d that P3 can count", len(ex.Data), maxP3)}
	case len(ex.Response) > maxP3:
		return &Error{Frame: "APDU", Field: "Response", Offset: -1, Msg: fmt.Sprintf("%d bytes, more than the %d that P3 can count", len(ex.Response), maxP3)}
	}
	sw1 := byte(ex.SW >> 8)
	if (sw1&0xF0 != 0x60 && sw1&0xF0 != 0x90) || sw1 == 0x60 {
		return &Error{Frame: "APDU", Field: "SW", Offset: 0, Msg: fmt.Sprintf("SW1 %02X is not a status byte: it must be 6X (not 60) or 9X (ISO/IEC 7816-3 10.3.3)", sw1)}
	}
	return nil
}

// T0Frames returns the APDU frames of ex as a GSMTAP SIM trace carries them, each
// `CLA INS P1 P2 P3 | P3 data bytes | SW1 SW2`, P3 being the number of data bytes:
//
//   - no data either way (case 1): one frame, P3 = 00;
//   - response data only (case 2): one frame whose data is the response, P3 = Nr;
//   - command data only (case 3): one frame whose data is the command data, P3 = Nc;
//   - both (case 4): two frames, as T=0 carries them (TS 102 221 7.3.1.1, TS 51.011 9.4.1):
//     the command with its data answered `61 Nr` (`9F Nr` for the GSM class A0), then
//     GET RESPONSE `CLA' C0 00 00 Nr` with the response data and ex.SW.
//
// A case 2 command that got no data (an error, or 6C xx) is written with P3 = 00: the Le
// the terminal sent is not kept, since Wireshark would read P3 data bytes that are not there.
func (ex APDUExchange) T0Frames() ([][]byte, error) {
	if err := ex.check(); err != nil {
		return nil, err
	}
	frame := func(cla, ins, p1, p2 byte, data []byte, sw uint16) []byte {
		b := make([]byte, 0, 5+len(data)+2)
		b = append(b, cla, ins, p1, p2, byte(len(data)))
		b = append(b, data...)
		return append(b, byte(sw>>8), byte(sw))
	}
	switch {
	case len(ex.Data) > 0 && len(ex.Response) > 0:
		more := uint16(0x6100)
		if ex.CLA == CLAGSM {
			more = 0x9F00
		}
		more |= uint16(len(ex.Response))
		return [][]byte{
			frame(ex.CLA, ex.INS, ex.P1, ex.P2, ex.Data, more),
			frame(getResponseCLA(ex.CLA), INSGetResponse, 0, 0, ex.Response, ex.SW),
		}, nil
	case len(ex.Response) > 0:
		return [][]byte{frame(ex.CLA, ex.INS, ex.P1, ex.P2, ex.Response, ex.SW)}, nil
	default:
		return [][]byte{frame(ex.CLA, ex.INS, ex.P1, ex.P2, ex.Data, ex.SW)}, nil
	}
}

// getResponseCLA is the class of the GET RESPONSE that fetches a case 4 answer: A0 on a GSM
// SIM; on a UICC the interindustry class of the same logical channel (TS 102 221 10.1.1:
// '0X' for channels 0-3 from '0X'/'8X', '4X' for channels 4-19 from '4X'/'6X'/'CX'/'EX'),
// without secure messaging.
func getResponseCLA(cla byte) byte {
	if cla == CLAGSM {
		return CLAGSM
	}
	if cla&0x40 == 0 {
		return cla & 0x03
	}
	return 0x40 | cla&0x0F
}

// gsmtapSIMHeader is the 16-byte GSMTAP v2 header of a SIM frame (osmocom gsmtap.h):
// version 2, header length 4 words, type 4 (SIM), then timeslot, ARFCN, signal level, SNR,
// frame number, sub-type, antenna and sub-slot all zero, and a reserved byte.
var gsmtapSIMHeader = [16]byte{0x02, 0x04, 0x04}

// WriteAPDU writes ex as one or two GSMTAP SIM frames (see T0Frames). An exchange that cannot
// be framed is refused with an *Error and nothing is written.
func (w *Writer) WriteAPDU(ex APDUExchange) error {
	frames, err := ex.T0Frames()
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range frames {
		payload := make([]byte, 0, len(gsmtapSIMHeader)+len(f))
		payload = append(payload, gsmtapSIMHeader[:]...)
		payload = append(payload, f...)
		if err := w.writeUDP(w.gsmtap, payload); err != nil {
			return err
		}
	}
	return nil
}

// writeUDP writes one UDP datagram; the caller holds w.mu.
func (w *Writer) writeUDP(e endpoints, payload []byte) error {
	ip := &layers.IPv4{Protocol: layers.IPProtocolUDP, SrcIP: ipOf(e.src.Addr()), DstIP: ipOf(e.dst.Addr())}
	udp := &layers.UDP{SrcPort: layers.UDPPort(e.src.Port()), DstPort: layers.UDPPort(e.dst.Port())}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		return err
	}
	return w.writeFrame(e.srcMAC, e.dstMAC, ip, udp, payload)
}

func ipOf(a netip.Addr) []byte {
	b := a.As4()
	return b[:]
}
