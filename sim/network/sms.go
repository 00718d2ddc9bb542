package network

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/warthog618/sms/encoding/tpdu"
)

// tpDCS maps an SMPP data_coding to the TP-DCS of the SMS-DELIVER the SMSC builds (SMPP 3.4
// 5.2.19, TS 23.038 4): the GSM coding groups (00-3F, C0-FF) pass through; 02 and 04 (octet
// unspecified) become 8-bit data 04; 08 stays UCS2. Other SMPP codings (IA5, Latin-1, ...)
// would need a character conversion the virtual SMSC does not offer.
func tpDCS(dataCoding byte) (byte, bool) {
	switch {
	case dataCoding == 0x02 || dataCoding == 0x04:
		return 0x04, true
	case dataCoding == 0x00 || dataCoding == 0x08:
		return dataCoding, true
	case dataCoding >= 0x10 && dataCoding <= 0x3F, dataCoding >= 0xC0:
		return dataCoding, true
	}
	return 0, false
}

func address(ton, npi byte, digits string) tpdu.Address {
	return tpdu.Address{TOA: 0x80 | (ton&7)<<4 | npi&0x0F, Addr: digits}
}

// splitShortMessage separates the user data header (when esm_class has UDHI) from the rest.
func splitShortMessage(udhi bool, sm []byte) (tpdu.UserDataHeader, []byte, error) {
	if !udhi {
		return nil, sm, nil
	}
	h, end, err := smspp.ParseUDH(sm)
	if err != nil {
		return nil, nil, err
	}
	if len(h) == 0 {
		return nil, nil, fmt.Errorf("short_message: empty user data header")
	}
	udh := make(tpdu.UserDataHeader, 0, len(h))
	for _, ie := range h {
		udh = append(udh, tpdu.InformationElement{ID: ie.IEI, Data: ie.Data})
	}
	return udh, sm[end:], nil
}

// DeliverTPDU builds the SMS-DELIVER (TS 23.040 9.2.2.1) that carries a submit_sm to the
// handset: TP-OA from source_addr, TP-PID from protocol_id, TP-DCS from data_coding, TP-SCTS
// now, TP-UDHI from esm_class and the short message as TP-UD. With a 7-bit TP-DCS the short
// message holds one septet per octet after the header, as SMSCs take SMPP data_coding 00.
func DeliverTPDU(s *SM, now time.Time) ([]byte, error) {
	dcs, ok := tpDCS(s.DataCoding)
	if !ok {
		return nil, fmt.Errorf("data_coding %02X has no TP-DCS here", s.DataCoding)
	}
	udhi := s.ESMClass&ESMClassUDHI != 0
	udh, ud, err := splitShortMessage(udhi, s.ShortMessage)
	if err != nil {
		return nil, err
	}
	fo := tpdu.FirstOctet(0x04) // MTI 00 SMS-DELIVER, TP-MMS: no more messages waiting
	if udhi {
		fo |= 0x40
	}
	t := tpdu.TPDU{Direction: tpdu.MT, FirstOctet: fo, OA: address(s.SourceTON, s.SourceNPI, strings.TrimPrefix(s.Source, "+")),
		PID: s.ProtocolID, DCS: tpdu.DCS(dcs), SCTS: tpdu.Timestamp{Time: now}, UDH: udh, UD: ud}
	return t.MarshalBinary()
}

// moSM turns a handset's SMS-SUBMIT (TS 23.040 9.2.2.2) into the deliver_sm body that brings
// it to an ESME: source from the handset's MSISDN, destination from TP-DA, esm_class 40 when
// TP-UDHI is set, TP-PID and TP-DCS copied, the user data (header included) as short message.
func moSM(from string, b []byte) (*SM, error) {
	t := tpdu.TPDU{Direction: tpdu.MO}
	if err := t.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("SMS-SUBMIT: %w", err)
	}
	if t.MTI() != tpdu.MtSubmit {
		return nil, fmt.Errorf("SMS-SUBMIT: first octet %02X is not an SMS-SUBMIT", b[0])
	}
	sm := &SM{SourceTON: 1, SourceNPI: 1, Source: strings.TrimPrefix(from, "+"),
		DestTON: t.DA.TOA >> 4 & 7, DestNPI: t.DA.TOA & 0x0F, Dest: t.DA.Addr, ProtocolID: t.PID, DataCoding: byte(t.DCS)}
	if !strings.HasPrefix(from, "+") {
		sm.SourceTON = 0
	}
	if t.UDHI() {
		sm.ESMClass = ESMClassUDHI
		h, err := t.UDH.MarshalBinary()
		if err != nil {
			return nil, err
		}
		sm.ShortMessage = append(h, t.UD...)
	} else {
		sm.ShortMessage = bytes.Clone(t.UD)
	}
	return sm, nil
}

// receiptText is the informative text of a delivery receipt (SMPP 3.4 appendix B).
func receiptText(id string, submitted, done time.Time, delivered bool, stat string, errCode int) string {
	d := 0
	if delivered {
		d = 1
	}
	return fmt.Sprintf("id:%s sub:001 dlvrd:%03d submit date:%s done date:%s stat:%s err:%03d text:",
		id, d, submitted.UTC().Format("0601021504"), done.UTC().Format("0601021504"), stat, errCode)
}

// statWords are the stat: words of receipt texts (SMPP 3.4 appendix B).
var statWords = map[MessageState]string{Delivered: "DELIVRD", Expired: "EXPIRED", Deleted: "DELETED", Undeliverable: "UNDELIV",
	Accepted: "ACCEPTD", Unknown: "UNKNOWN", Rejected: "REJECTD", Enroute: "ENROUTE"}

// receiptSM builds the deliver_sm body of a delivery receipt for a submit_sm (SMPP 3.4 2.11,
// 5.2.12 esm_class 04): from the handset back to the submitter, the text of appendix B, then
// receipted_message_id, message_state and, for a failure, network_error_code in this order.
func receiptSM(orig *SM, id string, submitted, done time.Time, state MessageState, netErr uint16) *SM {
	stat := statWords[state]
	sm := &SM{
		SourceTON: orig.DestTON, SourceNPI: orig.DestNPI, Source: orig.Dest,
		DestTON: orig.SourceTON, DestNPI: orig.SourceNPI, Dest: orig.Source,
		ESMClass:     ESMClassDeliveryReceipt,
		ShortMessage: []byte(receiptText(id, submitted, done, state == Delivered, stat, int(netErr))),
		TLVs: []TLV{
			{Tag: TagReceiptedMessageID, Value: append([]byte(id), 0)},
			{Tag: TagMessageState, Value: []byte{byte(state)}},
		},
	}
	if state != Delivered {
		// network type 03 (GSM), then the error code (SMPP 3.4 5.3.2.31)
		sm.TLVs = append(sm.TLVs, TLV{Tag: TagNetworkErrorCode, Value: []byte{0x03, byte(netErr >> 8), byte(netErr)}})
	}
	return sm
}
