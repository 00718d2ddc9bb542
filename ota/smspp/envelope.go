package smspp

import (
	"errors"
	"strings"

	"github.com/stkforge/stkforge/stk/tlv"
)

// Tags of the ENVELOPE (SMS-PP DOWNLOAD) (TS 31.111 7.1.1, TS 101 220 7.2).
const (
	TagSMSPPDownload    byte    = 0xD1 // BER-TLV tag
	tagDeviceIdentities tlv.Tag = 0x02
	tagAddress          tlv.Tag = 0x06
	tagSMSTPDU          tlv.Tag = 0x0B
	deviceNetwork       byte    = 0x83
	deviceUICC          byte    = 0x81
)

// SMSPPDownload is the ENVELOPE (SMS-PP DOWNLOAD) a handset sends the card for a TP-PID 7F
// message (TS 31.111 7.1.1.1): device identities network -> UICC, the service centre address
// (optional; TS 102 223 8.1 coding), and the SMS-DELIVER TPDU.
type SMSPPDownload struct {
	SCAddress *Address
	TPDU      []byte
}

// MarshalBinary encodes D1 { 82 02 83 81, [86 SC address], 8B TPDU } with stk/tlv.
func (e *SMSPPDownload) MarshalBinary() ([]byte, error) {
	var addr []byte
	if e.SCAddress != nil {
		var err error
		if addr, err = e.SCAddress.AppendCAT(nil); err != nil {
			return nil, err
		}
	}
	b := tlv.NewBuilder(nil)
	b.AddBER(TagSMSPPDownload, func(b *tlv.Builder) {
		b.AddCTLVBytes(tagDeviceIdentities, true, []byte{deviceNetwork, deviceUICC})
		if addr != nil {
			b.AddCTLVBytes(tagAddress, true, addr)
		}
		b.AddCTLVBytes(tagSMSTPDU, true, e.TPDU)
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, &Error{Field: "envelope", Err: ErrTooLong, Msg: err.Error()}
	}
	return out, nil
}

// NewSMSPPDownload wraps an SMS-DELIVER TPDU, with the SC address if sc is not nil.
func NewSMSPPDownload(sc *Address, deliverTPDU []byte) *SMSPPDownload {
	return &SMSPPDownload{SCAddress: sc, TPDU: deliverTPDU}
}

// ParseSMSPPDownload reads an ENVELOPE (SMS-PP DOWNLOAD) with stk/tlv: the device identities
// must be network -> UICC, the TPDU is mandatory, no object may repeat, an unknown object with
// the comprehension-required bit is an error and one without it is skipped (TS 102 223 6.10).
// The TPDU is returned as octets; ParseDeliver reads it.
func ParseSMSPPDownload(b []byte) (*SMSPPDownload, error) {
	r := tlv.NewReader(b)
	tag, v, voff, err := r.ReadBER("envelope")
	if err != nil {
		return nil, fromTLV(err)
	}
	if tag != TagSMSPPDownload {
		return nil, errorf(ErrInvalid, "envelope.tag", 0, "tag %02X is not SMS-PP download (D1)", tag)
	}
	if !r.Empty() {
		return nil, errorf(ErrTrailing, "envelope", r.Offset(), "%d octets after the BER-TLV", len(r.Remaining()))
	}
	e := &SMSPPDownload{}
	seen := map[tlv.Tag]bool{}
	in := tlv.NewReaderAt(v, voff)
	for !in.Empty() {
		at := in.Offset()
		var o tlv.CTLV
		if err := in.ReadCTLV("envelope.object", &o); err != nil {
			return nil, fromTLV(err)
		}
		valOff := in.Offset() - len(o.Value)
		if seen[o.Tag] {
			return nil, errorf(ErrInvalid, "envelope.object", at, "tag %02X repeated", byte(o.Tag))
		}
		seen[o.Tag] = true
		switch o.Tag {
		case tagDeviceIdentities:
			if len(o.Value) != 2 || o.Value[0] != deviceNetwork || o.Value[1] != deviceUICC {
				return nil, errorf(ErrInvalid, "envelope.device_identities", valOff, "% X, want 83 81 (network to UICC)", o.Value)
			}
		case tagAddress:
			a, err := ParseCATAddress(o.Value, "envelope.address", valOff)
			if err != nil {
				return nil, err
			}
			e.SCAddress = &a
		case tagSMSTPDU:
			e.TPDU = o.Value
		default:
			if o.CR {
				return nil, errorf(ErrInvalid, "envelope.object", at, "unknown comprehension-required tag %02X", byte(o.Tag))
			}
		}
	}
	if !seen[tagDeviceIdentities] {
		return nil, errorf(ErrTruncated, "envelope.device_identities", len(b), "missing")
	}
	if e.TPDU == nil {
		return nil, errorf(ErrTruncated, "envelope.sms_tpdu", len(b), "missing")
	}
	return e, nil
}

func fromTLV(err error) error {
	var te *tlv.Error
	if errors.As(err, &te) {
		kind := ErrInvalid
		if te.Msg == "missing" || strings.HasPrefix(te.Msg, "needs") || strings.Contains(te.Msg, "truncated") {
			kind = ErrTruncated
		}
		return &Error{Field: te.Field, Offset: te.Offset, Err: kind, Msg: te.Msg}
	}
	return &Error{Field: "envelope", Err: ErrInvalid, Msg: err.Error()}
}
