package handset

import (
	"context"
	"errors"
	"fmt"

	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/sim/network"
	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/text"
	"github.com/warthog618/sms/encoding/tpdu"
)

// SMS is a short message the handset sent (MO, an SMS-SUBMIT) or received (MT, an
// SMS-DELIVER), decoded as far as its coding allows.
type SMS struct {
	MO       bool
	Address  string // TP-DA of an MO message, TP-OA of an MT one
	TPDU     []byte
	PID, DCS byte
	UDH      []byte // user data header, when TP-UDHI
	UD       []byte // user data after the header (septets unpacked for 7-bit)
	Text     string // the text, when the DCS is 7-bit or UCS2
	Alpha    string // what SEND SHORT MESSAGE showed ("" for a silent send)
}

// parseSMS reads a TPDU of the given direction with warthog618/sms.
func parseSMS(b []byte, mo bool) (*SMS, error) {
	t := tpdu.TPDU{Direction: tpdu.MT}
	if mo {
		t.Direction = tpdu.MO
	}
	if err := t.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	s := &SMS{MO: mo, TPDU: append([]byte(nil), b...), PID: t.PID, DCS: byte(t.DCS), UD: t.UD}
	if mo {
		if t.SmsType() != tpdu.SmsSubmit {
			return nil, fmt.Errorf("tpdu: %v, want SMS-SUBMIT", t.SmsType())
		}
		s.Address = t.DA.Number()
	} else {
		if t.SmsType() != tpdu.SmsDeliver {
			return nil, fmt.Errorf("tpdu: %v, want SMS-DELIVER", t.SmsType())
		}
		s.Address = t.OA.Number()
	}
	if len(t.UDH) > 0 {
		s.UDH, _ = t.UDH.MarshalBinary()
	}
	switch a, err := t.Alphabet(); {
	case err != nil:
	case a == tpdu.Alpha7Bit:
		s.Text, _ = text.DecodeGSM(t.UD)
	case a == tpdu.AlphaUCS2:
		s.Text, _ = text.DecodeText(0x08, t.UD)
	}
	return s, nil
}

// sendShortMessage (TS 102 223 6.4.10): the SMS-SUBMIT goes to the network as the card built
// it. An alpha identifier is shown while sending; a null one means send silently.
func (h *Handset) sendShortMessage(p *pending) uint16 {
	c := p.cmd.(*cat.SendShortMessage)
	p.icon = c.Icon != nil
	raw := c.TPDU.Data
	if c.PackingRequired() {
		packed, err := pack(raw)
		if err != nil {
			h.note(EventNote, fmt.Sprintf("SEND SHORT MESSAGE: packing: %v -> 32", err))
			return h.answer(p, response(p.details(), cat.ResultDataNotUnderstood))
		}
		raw = packed
	}
	s, err := parseSMS(raw, true)
	if err != nil {
		// 32: the TPDU is not an SMS-SUBMIT the handset can send
		h.note(EventNote, fmt.Sprintf("SEND SHORT MESSAGE: %v -> 32", err))
		return h.answer(p, response(p.details(), cat.ResultDataNotUnderstood))
	}
	if c.Alpha != nil {
		s.Alpha = c.Alpha.Text
	}
	// The terminal sets TP-MR from its own counter (TS 23.040 9.2.3.6: the MS numbers what it
	// submits); the card's value is a placeholder (TS 102 223 6.4.10 hands the TPDU over).
	s.TPDU[1] = h.mr
	h.mr++
	h.outbox = append(h.outbox, *s)
	h.events = append(h.events, Event{Kind: EventSMS, SMS: s})
	if h.network != nil {
		if err := h.network.SubmitMO(h.msisdn, s.TPDU); err != nil {
			// 35 with an RP cause (TS 24.011 8.2.5.4): 01 unassigned number for no route,
			// 2A congestion otherwise
			h.note(EventNote, fmt.Sprintf("network refused the SMS: %v", err))
			cause := byte(0x2A)
			if errors.Is(err, network.ErrNoRoute) {
				cause = 0x01
			}
			return h.answer(p, response(p.details(), cat.ResultSMSRPError, cause))
		}
	}
	return h.answer(p, response(p.details(), cat.ResultOK))
}

// RPError is the RP-ERROR answer to an SMS-DELIVER: the SMS-DELIVER-REPORT with its TP-FCS
// (TS 23.040 9.2.2.1a).
type RPError struct {
	FCS    byte
	Report []byte
}

func (e *RPError) Error() string { return fmt.Sprintf("handset: RP-ERROR, TP-FCS %02X", e.FCS) }

// BusyRetries is how many times the handset retries an SMS-PP DOWNLOAD the card answers 93 00
// before it gives up with RP-ERROR "SIM Application Toolkit busy" (TS 31.111 7.1.1.1).
const BusyRetries = 2

// DeliverSMS takes an SMS-DELIVER from the network (sim/network's Handset interface). A data
// download (TP-PID 7F, class 2) goes to the card as ENVELOPE (SMS-PP DOWNLOAD) (TS 31.111
// 7.1.1): the card's response data becomes the TP-UD of the SMS-DELIVER-REPORT in RP-ACK, 93 00
// is retried and then refused with TP-FCS D4, an error status with TP-FCS D5. Any other message
// goes to the inbox.
func (h *Handset) DeliverSMS(ctx context.Context, b []byte) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, err := parseSMS(b, false)
	if err != nil {
		h.note(EventNote, fmt.Sprintf("SMS-DELIVER not understood: %v", err))
		return nil, &RPError{FCS: 0xFF}
	}
	h.events = append(h.events, Event{Kind: EventSMS, SMS: s})
	class2 := s.DCS == smspp.DCSClass2Data || s.DCS == smspp.DCSClass2DataAlt
	if s.PID != smspp.PIDSIMDataDownload || !class2 {
		h.inbox = append(h.inbox, *s)
		return nil, nil
	}
	env, err := smspp.NewSMSPPDownload(nil, b).MarshalBinary()
	if err != nil {
		return nil, h.rpError(smspp.FCSSIMDataDownloadError, nil)
	}
	var data []byte
	var sw uint16
	for try := 0; ; try++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, sw = h.envelope(env)
		if sw != card.SWToolkitBusy || try == BusyRetries {
			break
		}
		h.note(EventNote, "card busy (93 00): the handset retries the SMS-PP DOWNLOAD")
	}
	switch {
	case sw == card.SWToolkitBusy:
		return nil, h.rpError(smspp.FCSSIMToolkitBusy, nil)
	case sw == card.SWOK || sw>>8 == 0x91:
		var report []byte
		if len(data) > 0 {
			r := &smspp.DeliverReport{UDHI: true, HasPID: true, PID: smspp.PIDSIMDataDownload, HasDCS: true,
				DCS: smspp.DCSClass2Data, UD: data}
			if report, err = r.MarshalBinary(); err != nil {
				h.note(EventNote, fmt.Sprintf("PoR does not fit an SMS-DELIVER-REPORT: %v", err))
				report = nil
			} else {
				h.note(EventNote, "SMS-DELIVER-REPORT (RP-ACK) carries the PoR:\n"+hexBlock("   REPORT ", report))
			}
		}
		h.pump(sw)
		h.show()
		return report, nil
	case sw>>8 == 0x62 || sw>>8 == 0x63 || sw>>8 == 0x9E:
		// data download error: the response data goes back in RP-ERROR (TS 31.111 7.1.1.2)
		return nil, h.rpError(smspp.FCSSIMDataDownloadError, data)
	}
	return nil, h.rpError(smspp.FCSSIMDataDownloadError, nil)
}

func (h *Handset) rpError(fcs byte, ud []byte) error {
	r := &smspp.DeliverReport{RPError: true, FCS: fcs}
	if ud != nil {
		r.UDHI, r.HasPID, r.PID, r.HasDCS, r.DCS, r.UD = true, true, smspp.PIDSIMDataDownload, true, smspp.DCSClass2Data, ud
	}
	b, _ := r.MarshalBinary()
	h.note(EventNote, fmt.Sprintf("SMS-DELIVER-REPORT (RP-ERROR, TP-FCS %02X):\n%s", fcs, hexBlock("   REPORT ", b)))
	return &RPError{FCS: fcs, Report: b}
}

var _ network.Handset = (*Handset)(nil)

// pack performs the packing SEND SHORT MESSAGE may ask for (TS 102 223 6.4.10, qualifier bit
// 1): an SMS-SUBMIT whose TP-DCS says 8-bit data and whose user data are default-alphabet
// characters one per octet is packed into septets (TS 23.038 6.1.2.1, after the header with
// its fill bits) and its TP-DCS set to the default alphabet. A message already in 7-bit or
// UCS2 is sent as it is.
func pack(b []byte) ([]byte, error) {
	t := tpdu.TPDU{Direction: tpdu.MO}
	if err := t.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	if a, err := t.Alphabet(); err != nil || a != tpdu.Alpha8Bit {
		return b, nil
	}
	for i, c := range t.UD {
		if c > 0x7F {
			return nil, fmt.Errorf("tpdu.ud: offset %d: octet %02X is not a default-alphabet character", i, c)
		}
	}
	d, err := t.DCS.WithAlphabet(tpdu.Alpha7Bit)
	if err != nil {
		return nil, fmt.Errorf("tpdu.dcs: %02X has no default-alphabet form", byte(t.DCS))
	}
	t.DCS = d
	return t.MarshalBinary()
}
