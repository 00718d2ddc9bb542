package network

import (
	"fmt"
	"strings"
)

// Describe returns an annotated hexdump of one PDU: the header, then each field with its offset,
// octets and meaning, for golden files and people reading bytes (SMPP 3.4 3.2, 4).
func Describe(p []byte) (string, error) {
	h, err := ParseHeader(p)
	if err != nil {
		return "", err
	}
	var spans []span
	switch h.ID {
	case BindTransmitter, BindReceiver, BindTransceiver:
		_, _, err = parseBind(p, &spans)
	case SubmitSM, DeliverSM:
		_, _, err = parseSM(p, &spans)
	case SubmitSMResp, DeliverSMResp:
		_, _, err = parseSMResp(p, &spans)
	case BindTransmitterResp, BindReceiverResp, BindTransceiverResp:
		err = describeBindResp(p, h, &spans)
	default:
		if len(p) != HeaderLen {
			err = fmt.Errorf("%s with a body is not described", h.ID)
		}
	}
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	line := func(off int, b []byte, what string) {
		hx := fmt.Sprintf("% X", b)
		if b == nil {
			hx = "(hidden)"
		}
		if len(b) > 12 {
			hx = fmt.Sprintf("% X ...", b[:12])
		}
		fmt.Fprintf(&sb, "%04X  %-40s %s\n", off, hx, what)
	}
	line(0, p[0:4], fmt.Sprintf("command_length = %d", h.Length))
	line(4, p[4:8], "command_id = "+h.ID.String())
	line(8, p[8:12], "command_status = "+h.Status.String())
	line(12, p[12:16], fmt.Sprintf("sequence_number = %d", h.Seq))
	for _, s := range spans {
		v := p[s.start:s.end]
		what := s.field
		switch {
		case s.field == "password":
			line(s.start, nil, fmt.Sprintf("password (%d octets, not shown)", len(v)))
			continue
		case s.kind == 't':
			tag := uint16(v[0])<<8 | uint16(v[1])
			what = fmt.Sprintf("%s: tag %04X %s, length %d", s.field, tag, tagNames[tag], int(v[2])<<8|int(v[3]))
		case s.kind == 's':
			what += fmt.Sprintf(" = %q", v[:len(v)-1])
		case s.kind == 'b':
			what += fmt.Sprintf(" = 0x%02X", v[0])
		case printable(v):
			what += fmt.Sprintf(" (%d octets) = %q", len(v), v)
		default:
			what += fmt.Sprintf(" (%d octets)", len(v))
		}
		line(s.start, v, what)
		for i := 12; i < len(v); i += 12 {
			fmt.Fprintf(&sb, "%04X  % X\n", s.start+i, v[i:min(i+12, len(v))])
		}
	}
	return sb.String(), nil
}

var tagNames = map[uint16]string{
	TagReceiptedMessageID: "receipted_message_id", TagNetworkErrorCode: "network_error_code",
	TagMessageState: "message_state", TagSCInterfaceVersion: "sc_interface_version", TagMessagePayload: "message_payload",
}

func describeBindResp(p []byte, h Header, spans *[]span) error {
	r := &reader{b: p, off: HeaderLen, pdu: h.ID.String(), spans: spans}
	if len(p) > HeaderLen {
		var id string
		r.cstring("system_id", maxSystemID, &id)
		var t []TLV
		r.tlvs(&t)
	}
	if r.err != nil {
		return r.err
	}
	return nil
}

func printable(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}
