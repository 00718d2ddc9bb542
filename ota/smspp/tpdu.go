package smspp

import (
	"bytes"
	"errors"
	"slices"
	"time"

	"github.com/warthog618/sms/encoding/tpdu"
)

// Values an OTA short message carries (TS 31.115 4.1, TS 23.040 9.2.3.9, TS 23.038 4).
const (
	PIDSIMDataDownload byte = 0x7F // TP-PID (U)SIM data download
	PIDPlain           byte = 0x00 // TP-PID default short message
	DCSClass2Data      byte = 0xF6 // TP-DCS 8-bit data, class 2 (coding group 1111)
	DCSClass2DataAlt   byte = 0x16 // TP-DCS 8-bit data, class 2 (coding group 00xx)
)

// First octet bits (TS 23.040 9.2.3.1 - 9.2.3.26).
const (
	foMMS  = 0x04 // SMS-DELIVER TP-MMS; SMS-SUBMIT TP-RD
	foLP   = 0x08 // SMS-DELIVER TP-LP
	foSRI  = 0x20 // TP-SRI / TP-SRR
	foUDHI = 0x40
	foRP   = 0x80
)

// Deliver is an SMS-DELIVER TPDU (TS 23.040 9.2.2.1) whose user data is 8-bit. UD holds the
// whole TP-UD, user data header included when UDHI is set.
type Deliver struct {
	NoMoreMessages         bool // TP-MMS = 1: no more messages waiting at the SC
	LoopPrevention         bool // TP-LP
	StatusReportIndication bool // TP-SRI
	ReplyPath              bool // TP-RP
	UDHI                   bool
	OA                     Address
	PID                    byte
	DCS                    byte
	SCTS                   time.Time
	UD                     []byte
}

// NewOTADeliver returns the SMS-DELIVER that brings OTA user data to a handset: UDHI set, TP-PID
// 7F, TP-DCS F6, SCTS from the injected clock (TS 31.115 4.1 and 6.1).
func NewOTADeliver(oa Address, ud []byte, now func() time.Time) *Deliver {
	return &Deliver{UDHI: true, OA: oa, PID: PIDSIMDataDownload, DCS: DCSClass2Data, SCTS: now(), UD: ud}
}

// Submit is an SMS-SUBMIT TPDU (TS 23.040 9.2.2.2) with 8-bit user data. Only the absent and
// relative validity period formats are supported.
type Submit struct {
	RejectDuplicates    bool // TP-RD
	StatusReportRequest bool // TP-SRR
	ReplyPath           bool // TP-RP
	UDHI                bool
	MR                  byte
	DA                  Address
	PID                 byte
	DCS                 byte
	RelativeVP          *byte // TP-VP relative format (9.2.3.12.1); nil = absent
	UD                  []byte
}

// NewPoRSubmit returns the SMS-SUBMIT a card sends by SEND SHORT MESSAGE to return a PoR when
// SPI2 b6 asks for it (TS 31.115 4.2, 5.2 and TS 102 225 5.1.1): UDHI set, TP-DCS F6, UD =
// 02 71 00 + response packet, TP-PID 00 and no validity period as real cards send it.
func NewPoRSubmit(mr byte, da Address, response []byte) (*Submit, error) {
	ud, err := UserData(ResponsePacket, response)
	if err != nil {
		return nil, err
	}
	return &Submit{UDHI: true, MR: mr, DA: da, PID: PIDPlain, DCS: DCSClass2Data, UD: ud}, nil
}

func (a Address) wt() tpdu.Address { return tpdu.Address{TOA: a.TOA(), Addr: a.Digits} }

func fromWT(a tpdu.Address) Address {
	return Address{TON: a.TOA >> 4 & 7, NPI: a.TOA & 0x0F, Digits: a.Addr}
}

// splitUD gives warthog the header as IEs and the rest as octets.
func splitUD(udhi bool, ud []byte) (tpdu.UserDataHeader, []byte, error) {
	if len(ud) > MaxUserData {
		return nil, nil, errorf(ErrTooLong, "tpdu.ud", 0, "%d octets, at most %d", len(ud), MaxUserData)
	}
	if !udhi {
		return nil, ud, nil
	}
	h, end, err := ParseUDH(ud)
	if err != nil {
		return nil, nil, err
	}
	udh := make(tpdu.UserDataHeader, 0, len(h))
	for _, ie := range h {
		udh = append(udh, tpdu.InformationElement{ID: ie.IEI, Data: ie.Data})
	}
	if len(udh) == 0 {
		// warthog writes no UDHL for an empty header; an empty one is legal (UDHL 00).
		return nil, nil, errorf(ErrInvalid, "tpdu.ud.udh", 0, "empty user data header")
	}
	return udh, ud[end:], nil
}

func check8Bit(dcs byte, off int) error {
	a, err := tpdu.DCS(dcs).Alphabet()
	if err != nil || a != tpdu.Alpha8Bit {
		return errorf(ErrInvalid, "tpdu.dcs", off, "DCS %02X is not 8-bit data (TS 23.038 4)", dcs)
	}
	return nil
}

// MarshalBinary encodes the TPDU with warthog618/sms, which reproduces the TS 31.115 vectors.
func (d *Deliver) MarshalBinary() ([]byte, error) {
	if err := check8Bit(d.DCS, 0); err != nil {
		return nil, err
	}
	udh, sm, err := splitUD(d.UDHI, d.UD)
	if err != nil {
		return nil, err
	}
	fo := 0x00 | flag(d.NoMoreMessages, foMMS) | flag(d.LoopPrevention, foLP) | flag(d.StatusReportIndication, foSRI) |
		flag(d.ReplyPath, foRP) | flag(d.UDHI, foUDHI) // MTI 00
	t := tpdu.TPDU{Direction: tpdu.MT, FirstOctet: tpdu.FirstOctet(fo), OA: d.OA.wt(), PID: d.PID, DCS: tpdu.DCS(d.DCS),
		SCTS: tpdu.Timestamp{Time: d.SCTS}, UDH: udh, UD: sm}
	b, err := t.MarshalBinary()
	if err != nil {
		return nil, &Error{Field: "tpdu", Err: ErrInvalid, Msg: err.Error()}
	}
	return b, nil
}

// MarshalBinary encodes the TPDU with warthog618/sms.
func (s *Submit) MarshalBinary() ([]byte, error) {
	if err := check8Bit(s.DCS, 0); err != nil {
		return nil, err
	}
	udh, sm, err := splitUD(s.UDHI, s.UD)
	if err != nil {
		return nil, err
	}
	fo := 0x01 | flag(s.RejectDuplicates, foMMS) | flag(s.StatusReportRequest, foSRI) | flag(s.ReplyPath, foRP) |
		flag(s.UDHI, foUDHI) // MTI 01
	t := tpdu.TPDU{Direction: tpdu.MO, FirstOctet: tpdu.FirstOctet(fo), MR: s.MR, DA: s.DA.wt(), PID: s.PID,
		DCS: tpdu.DCS(s.DCS), UDH: udh, UD: sm}
	b, err := t.MarshalBinary()
	if err != nil {
		return nil, &Error{Field: "tpdu", Err: ErrInvalid, Msg: err.Error()}
	}
	if s.RelativeVP != nil {
		// warthog618/sms v0.3.0 takes the period as a duration and writes relative VP 00
		// (5 minutes) as 01, so the octet goes in here, after TP-DCS, with TP-VPF = 10.
		at := 2 + 2 + (int(b[2])+1)/2 + 2
		b = slices.Insert(b, at, *s.RelativeVP)
		b[0] |= 0x10
	}
	return b, nil
}

// ParseDeliver decodes an SMS-DELIVER carrying 8-bit user data. It decodes with warthog618/sms,
// then insists that re-encoding gives the same octets (which catches a TP-UDL that disagrees with
// the user data, as in pySim's published vectors, and any non-canonical field), and checks the
// user data header strictly with ParseUDH.
func ParseDeliver(b []byte) (*Deliver, error) {
	if len(b) == 0 {
		return nil, errorf(ErrTruncated, "tpdu.first_octet", 0, "missing")
	}
	if b[0]&0x03 != 0x00 {
		return nil, errorf(ErrInvalid, "tpdu.first_octet.mti", 0, "MTI %d is not SMS-DELIVER", b[0]&3)
	}
	if len(b) >= 2 {
		// first octet, OA (length in semi-octets, TOA, digits), PID, DCS, SCTS, UDL
		if err := checkUDH(b, 1+2+(int(b[1])+1)/2+2+7+1); err != nil {
			return nil, err
		}
	}
	t := tpdu.TPDU{Direction: tpdu.MT}
	if err := t.UnmarshalBinary(b); err != nil {
		return nil, fromWTError(err)
	}
	d := &Deliver{
		NoMoreMessages: b[0]&foMMS != 0, LoopPrevention: b[0]&foLP != 0, StatusReportIndication: b[0]&foSRI != 0,
		ReplyPath: b[0]&foRP != 0, UDHI: b[0]&foUDHI != 0,
		OA: fromWT(t.OA), PID: t.PID, DCS: byte(t.DCS), SCTS: t.SCTS.Time,
	}
	// first octet, OA (length in semi-octets, TOA, digits), PID, DCS, SCTS, UDL
	udOff := 1 + 2 + (int(b[1])+1)/2 + 2 + 7 + 1
	if err := check8Bit(d.DCS, udOff-9); err != nil {
		return nil, err
	}
	if udOff > len(b) {
		return nil, errorf(ErrTruncated, "tpdu.udl", len(b), "missing")
	}
	d.UD = bytes.Clone(b[udOff:])
	if err := checkCanonical(b, d.MarshalBinary); err != nil {
		return nil, err
	}
	return d, nil
}

// ParseSubmit decodes an SMS-SUBMIT carrying 8-bit user data, as ParseDeliver does.
func ParseSubmit(b []byte) (*Submit, error) {
	if len(b) == 0 {
		return nil, errorf(ErrTruncated, "tpdu.first_octet", 0, "missing")
	}
	if b[0]&0x03 != 0x01 {
		return nil, errorf(ErrInvalid, "tpdu.first_octet.mti", 0, "MTI %d is not SMS-SUBMIT", b[0]&3)
	}
	vpf := b[0] >> 3 & 3
	if vpf == 1 || vpf == 3 {
		return nil, errorf(ErrInvalid, "tpdu.first_octet.vpf", 0, "only absent or relative validity periods are supported")
	}
	if len(b) >= 3 {
		// first octet, MR, DA (length in semi-octets, TOA, digits), PID, DCS, [VP], UDL
		udOff := 2 + 2 + (int(b[2])+1)/2 + 2 + 1
		if vpf == 2 {
			udOff++
		}
		if err := checkUDH(b, udOff); err != nil {
			return nil, err
		}
	}
	t := tpdu.TPDU{Direction: tpdu.MO}
	if err := t.UnmarshalBinary(b); err != nil {
		return nil, fromWTError(err)
	}
	s := &Submit{
		RejectDuplicates: b[0]&foMMS != 0, StatusReportRequest: b[0]&foSRI != 0, ReplyPath: b[0]&foRP != 0,
		UDHI: b[0]&foUDHI != 0, MR: t.MR, DA: fromWT(t.DA), PID: t.PID, DCS: byte(t.DCS),
	}
	daLen := (int(b[2]) + 1) / 2
	vpOff := 2 + 2 + daLen + 2
	udOff := vpOff + 1
	if vpf == 2 {
		if vpOff >= len(b) {
			return nil, errorf(ErrTruncated, "tpdu.vp", vpOff, "missing")
		}
		v := b[vpOff]
		s.RelativeVP = &v
		udOff++
	}
	if err := check8Bit(s.DCS, vpOff-1); err != nil {
		return nil, err
	}
	if udOff > len(b) {
		return nil, errorf(ErrTruncated, "tpdu.udl", len(b), "missing")
	}
	s.UD = bytes.Clone(b[udOff:])
	if err := checkCanonical(b, s.MarshalBinary); err != nil {
		return nil, err
	}
	return s, nil
}

// checkUDH reads the user data header with ParseUDH before warthog618/sms sees it: that
// library lets an IE run past UDHL into the short message, and our errors name the IE.
func checkUDH(b []byte, udOff int) error {
	if b[0]&foUDHI == 0 || udOff >= len(b) {
		return nil
	}
	if _, _, err := ParseUDH(b[udOff:]); err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Field = "tpdu.ud." + e.Field
			e.Offset += udOff
		}
		return err
	}
	return nil
}

func checkCanonical(b []byte, marshal func() ([]byte, error)) error {
	again, err := marshal()
	if err != nil {
		return err
	}
	if bytes.Equal(again, b) {
		return nil
	}
	i := 0
	for i < len(again) && i < len(b) && again[i] == b[i] {
		i++
	}
	return errorf(ErrInvalid, "tpdu", i, "not a canonical encoding (differs from its re-encoding at this octet)")
}

func fromWTError(err error) error {
	var de tpdu.DecodeError
	if errors.As(err, &de) {
		kind := ErrInvalid
		if errors.Is(de.Err, tpdu.ErrUnderflow) {
			kind = ErrTruncated
		} else if errors.Is(de.Err, tpdu.ErrOverlength) {
			kind = ErrTrailing
		}
		return &Error{Field: "tpdu." + de.Field, Offset: de.Offset, Err: kind, Msg: de.Err.Error()}
	}
	return &Error{Field: "tpdu", Err: ErrInvalid, Msg: err.Error()}
}

func flag(on bool, bit byte) byte {
	if on {
		return bit
	}
	return 0
}
