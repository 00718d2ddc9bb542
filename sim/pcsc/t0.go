package pcsc

import (
	"bytes"
	"fmt"
)

// maxGetResponse bounds a chain of GET RESPONSEs (each answered with data and 61xx again): 256
// rounds of up to 256 bytes is more than any short-APDU card returns.
const maxGetResponse = 256

// exchange completes one command the way a terminal does over T=0, so that the caller sees the
// whole response with the final status word (TS 102 221 7.3.1.1, TS 51.011 9.4, ISO/IEC 7816-3
// 10.3.3):
//   - 61xx (UICC) or 9Fxx (SIM): xx bytes wait; GET RESPONSE with Le = xx, in the class of the
//     command (see getResponseCLA), again while the card answers data and 61xx, the data
//     concatenated (TS 102 221 7.3.1.1.4, 7.2.2.3);
//   - 6Cxx on a case 2 command (header and Le only): wrong Le, the command is sent again once
//     with Le = xx; 67xx (xx not 00) on a class A0 case 2 command likewise (TS 51.011 9.4.6).
//
// A command with data is never sent twice. send is one SCardTransmit.
func exchange(send func([]byte) ([]byte, error), capdu []byte) ([]byte, error) {
	resp, err := send(capdu)
	if err != nil {
		return nil, err
	}
	if len(resp) < 2 {
		return nil, fmt.Errorf("response of %d bytes, no status word", len(resp))
	}
	if len(capdu) < 4 { // not a command: nothing to complete
		return resp, nil
	}
	sw1, sw2 := resp[len(resp)-2], resp[len(resp)-1]
	if len(capdu) == 5 && sw2 != capdu[4] && (sw1 == 0x6C || sw1 == 0x67 && capdu[0] == 0xA0 && sw2 != 0) {
		again := bytes.Clone(capdu)
		again[4] = sw2
		if resp, err = send(again); err != nil {
			return nil, err
		}
		if len(resp) < 2 {
			return nil, fmt.Errorf("response of %d bytes, no status word", len(resp))
		}
	}
	var data []byte
	for round := 0; ; round++ {
		sw1, sw2 = resp[len(resp)-2], resp[len(resp)-1]
		if sw1 != 0x61 && sw1 != 0x9F {
			break
		}
		if round == maxGetResponse {
			return nil, fmt.Errorf("card still announces %02X%02X after %d GET RESPONSEs", sw1, sw2, round)
		}
		data = append(data, resp[:len(resp)-2]...)
		if resp, err = send([]byte{getResponseCLA(capdu[0]), 0xC0, 0x00, 0x00, sw2}); err != nil {
			return nil, err
		}
		if len(resp) < 2 {
			return nil, fmt.Errorf("GET RESPONSE: response of %d bytes, no status word", len(resp))
		}
	}
	return append(data, resp...), nil
}

// getResponseCLA is the class byte of the GET RESPONSE that fetches a command's data: A0 for the
// SIM class (TS 51.011 9.2.18); else the interindustry class on the command's logical channel,
// without the proprietary bit b8, secure messaging or chaining (TS 102 221 10.1.1: GET RESPONSE
// is coded '0X' or '4X'/'6X'; an ENVELOPE in 80 is followed by GET RESPONSE in 00).
func getResponseCLA(cla byte) byte {
	switch {
	case cla == 0xA0:
		return 0xA0
	case cla&0x40 == 0: // 0X, 8X: channels 0-3 in b1-b2
		return cla & 0x03
	default: // 4X-7X, CX-FX: channels 4-19 in b1-b4
		return 0x40 | cla&0x0F
	}
}

// Transmitter is a card that answers command TPDUs (audit.Card, *card.Card, *Conn).
type Transmitter interface {
	Transmit(capdu []byte) []byte
}

// T0 puts a terminal's T=0 handling in front of a card that answers raw TPDUs (a *card.Card),
// as a PC/SC Conn does: GET RESPONSE after 61xx/9Fxx, the command again after 6Cxx. An audit
// of a card through T0 reads what the same audit reads through a PC/SC reader.
type T0 struct{ Card Transmitter }

// Transmit runs capdu to completion; a response without a status word comes back as it is.
func (t T0) Transmit(capdu []byte) []byte {
	var last []byte
	r, err := exchange(func(c []byte) ([]byte, error) { last = t.Card.Transmit(c); return last, nil }, capdu)
	if err != nil {
		return last
	}
	return r
}
