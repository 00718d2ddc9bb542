package smspp

import "bytes"

// TP-PI bits (TS 23.040 9.2.3.27).
const (
	piPID = 0x01
	piDCS = 0x02
	piUDL = 0x04
)

// DeliverReport is an SMS-DELIVER-REPORT TPDU (TS 23.040 9.2.2.1a): for RP-ACK when RPError is
// false, for RP-ERROR (with TP-FCS) when it is true. PID and DCS are present when HasPID and
// HasDCS say so; UD (8-bit, header included when UDHI) is present when non-nil.
//
// Our own codec: warthog618/sms v0.3.0 always reads a TP-FCS octet when decoding, so it cannot
// read the RP-ACK form that carries a PoR.
type DeliverReport struct {
	RPError bool
	FCS     byte
	UDHI    bool
	HasPID  bool
	PID     byte
	HasDCS  bool
	DCS     byte
	UD      []byte
}

// Failure causes for an RP-ERROR report of a data download (TS 23.040 9.2.3.22).
const (
	FCSSIMToolkitBusy       byte = 0xD4
	FCSSIMDataDownloadError byte = 0xD5
)

// NewPoRDeliverReport returns the SMS-DELIVER-REPORT a handset sends in RP-ACK with the response
// data of the ENVELOPE (SMS-PP DOWNLOAD) (TS 31.111 7.1.1.2, TS 31.115 5.1): UDHI, TP-PID 7F,
// TP-DCS F6 as in the SMS-DELIVER, UD = 02 71 00 + response packet.
func NewPoRDeliverReport(response []byte) (*DeliverReport, error) {
	ud, err := UserData(ResponsePacket, response)
	if err != nil {
		return nil, err
	}
	return &DeliverReport{UDHI: true, HasPID: true, PID: PIDSIMDataDownload, HasDCS: true, DCS: DCSClass2Data, UD: ud}, nil
}

// MarshalBinary encodes the report.
func (r *DeliverReport) MarshalBinary() ([]byte, error) {
	if len(r.UD) > MaxUserData {
		return nil, errorf(ErrTooLong, "tpdu.ud", 0, "%d octets, at most %d", len(r.UD), MaxUserData)
	}
	if r.UD != nil && r.HasDCS {
		if err := check8Bit(r.DCS, 0); err != nil {
			return nil, err
		}
	}
	if r.UDHI {
		if _, _, err := ParseUDH(r.UD); err != nil {
			return nil, err
		}
	}
	fo := byte(0x00)
	if r.UDHI {
		fo |= foUDHI
	}
	b := []byte{fo}
	if r.RPError {
		b = append(b, r.FCS)
	}
	pi := byte(0)
	if r.HasPID {
		pi |= piPID
	}
	if r.HasDCS {
		pi |= piDCS
	}
	if r.UD != nil {
		pi |= piUDL
	}
	b = append(b, pi)
	if r.HasPID {
		b = append(b, r.PID)
	}
	if r.HasDCS {
		b = append(b, r.DCS)
	}
	if r.UD != nil {
		b = append(b, byte(len(r.UD)))
		b = append(b, r.UD...)
	}
	return b, nil
}

// ParseDeliverReport decodes an SMS-DELIVER-REPORT; rpError says whether it came in RP-ERROR
// (and so carries TP-FCS), which only the RP layer knows.
func ParseDeliverReport(b []byte, rpError bool) (*DeliverReport, error) {
	r := &DeliverReport{RPError: rpError}
	off := 0
	next := func(field string) (byte, error) {
		if off >= len(b) {
			return 0, errorf(ErrTruncated, field, off, "missing")
		}
		off++
		return b[off-1], nil
	}
	fo, err := next("tpdu.first_octet")
	if err != nil {
		return nil, err
	}
	if fo&0x03 != 0 || fo&^(0x03|foUDHI) != 0 {
		return nil, errorf(ErrInvalid, "tpdu.first_octet", 0, "%02X: MTI must be 0 and only TP-UDHI may be set", fo)
	}
	r.UDHI = fo&foUDHI != 0
	if rpError {
		if r.FCS, err = next("tpdu.fcs"); err != nil {
			return nil, err
		}
	}
	pi, err := next("tpdu.pi")
	if err != nil {
		return nil, err
	}
	if pi&^(piPID|piDCS|piUDL) != 0 {
		return nil, errorf(ErrInvalid, "tpdu.pi", off-1, "%02X: extension and reserved bits not supported", pi)
	}
	if pi&piPID != 0 {
		r.HasPID = true
		if r.PID, err = next("tpdu.pid"); err != nil {
			return nil, err
		}
	}
	if pi&piDCS != 0 {
		r.HasDCS = true
		if r.DCS, err = next("tpdu.dcs"); err != nil {
			return nil, err
		}
		if pi&piUDL != 0 {
			if err := check8Bit(r.DCS, off-1); err != nil {
				return nil, err
			}
		}
	}
	if pi&piUDL != 0 {
		udl, err := next("tpdu.udl")
		if err != nil {
			return nil, err
		}
		if udl > MaxUserData {
			return nil, errorf(ErrTooLong, "tpdu.udl", off-1, "%d octets, at most %d", udl, MaxUserData)
		}
		if int(udl) > len(b)-off {
			return nil, errorf(ErrTruncated, "tpdu.ud", off, "TP-UDL %d but %d octets follow", udl, len(b)-off)
		}
		r.UD = bytes.Clone(b[off : off+int(udl)])
		if r.UD == nil {
			r.UD = []byte{}
		}
		if r.UDHI {
			if _, _, err := ParseUDH(r.UD); err != nil {
				e := err.(*Error)
				e.Field = "tpdu.ud." + e.Field
				e.Offset += off
				return nil, e
			}
		}
		off += int(udl)
	}
	if r.UDHI && r.UD == nil {
		return nil, errorf(ErrInvalid, "tpdu.first_octet.udhi", 0, "TP-UDHI set but TP-PI says no user data")
	}
	if off != len(b) {
		return nil, errorf(ErrTrailing, "tpdu", off, "%d octets after the last field", len(b)-off)
	}
	return r, nil
}
