package smspp

import "fmt"

// Information element identifiers of the TP-User-Data-Header (TS 23.040 9.2.3.24).
const (
	IEIConcat8        byte = 0x00 // concatenated short messages, 8-bit reference (9.2.3.24.1)
	IEIPort8          byte = 0x04 // application port addressing, 8-bit (9.2.3.24.3)
	IEIPort16         byte = 0x05 // application port addressing, 16-bit (9.2.3.24.4)
	IEIConcat16       byte = 0x08 // concatenated short messages, 16-bit reference (9.2.3.24.8)
	IEILockingShift   byte = 0x24 // national language locking shift (9.2.3.24.15)
	IEISingleShift    byte = 0x25 // national language single shift (9.2.3.24.16)
	IEICommandPacket  byte = 0x70 // (U)SIM toolkit security header: command packet identifier (TS 31.115 4.1)
	IEIResponsePacket byte = 0x71 // (U)SIM toolkit security header: response packet identifier (TS 31.115 4.2)
)

// fixedIEDL gives the information element data length the standard fixes for an IEI; an IE with
// another length is an error, not something to guess at. IEI 70 and 71 carry an empty CHI/RHI
// over SMS (TS 31.115 4.1, 4.2).
var fixedIEDL = map[byte]int{
	IEIConcat8:        3,
	IEIPort8:          2,
	IEIPort16:         4,
	IEIConcat16:       4,
	IEILockingShift:   1,
	IEISingleShift:    1,
	IEICommandPacket:  0,
	IEIResponsePacket: 0,
}

// InformationElement is one IE of a user data header: IEI, IEDL, IED (TS 23.040 9.2.3.24).
type InformationElement struct {
	IEI  byte
	Data []byte
	// Offset is where the IEI octet was found in the user data (set by ParseUDH, ignored by Append).
	Offset int
}

// UDH is a TP-User-Data-Header: its information elements in order (TS 23.040 9.2.3.24).
type UDH []InformationElement

// Len is the encoded size of the header including the UDHL octet.
func (h UDH) Len() int {
	n := 1
	for _, ie := range h {
		n += 2 + len(ie.Data)
	}
	return n
}

// Append appends UDHL and the IEs to b.
func (h UDH) Append(b []byte) ([]byte, error) {
	if h.Len()-1 > 0xFF {
		return nil, errorf(ErrTooLong, "udh.udhl", 0, "header of %d octets", h.Len()-1)
	}
	b = append(b, byte(h.Len()-1))
	for i, ie := range h {
		if n, ok := fixedIEDL[ie.IEI]; ok && n != len(ie.Data) {
			return nil, errorf(ErrInvalid, ieField(i, ie.IEI)+".iedl", 0, "IEI %02X takes %d octets, not %d", ie.IEI, n, len(ie.Data))
		}
		b = append(b, ie.IEI, byte(len(ie.Data)))
		b = append(b, ie.Data...)
	}
	return b, nil
}

// Find returns the last IE with the given IEI (TS 23.040 9.2.3.24: the last occurrence of a
// non-repeatable IE is the one that counts).
func (h UDH) Find(iei byte) (InformationElement, bool) {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].IEI == iei {
			return h[i], true
		}
	}
	return InformationElement{}, false
}

func ieField(i int, iei byte) string { return fmt.Sprintf("udh.ie[%d](IEI %02X)", i, iei) }

// ParseUDH reads the user data header at the start of ud (UDHL, then IEs) and returns it with
// the offset of the first octet after it. Any IEI is accepted; those whose length the standard
// fixes are checked. Errors name the IE (index and IEI) and the offset in ud.
func ParseUDH(ud []byte) (UDH, int, error) {
	if len(ud) == 0 {
		return nil, 0, errorf(ErrTruncated, "udh.udhl", 0, "missing")
	}
	end := 1 + int(ud[0])
	if end > len(ud) {
		return nil, 0, errorf(ErrTruncated, "udh.udhl", 0, "UDHL %d but %d octets follow", ud[0], len(ud)-1)
	}
	var h UDH
	off := 1
	for off < end {
		iei := ud[off]
		f := ieField(len(h), iei)
		if off+2 > end {
			return nil, 0, errorf(ErrTruncated, f+".iedl", off, "IEDL missing inside UDHL")
		}
		n := int(ud[off+1])
		if off+2+n > end {
			return nil, 0, errorf(ErrTruncated, f+".ied", off+2, "IEDL %d runs past the header end at %d", n, end)
		}
		if want, ok := fixedIEDL[iei]; ok && want != n {
			return nil, 0, errorf(ErrInvalid, f+".iedl", off+1, "IEI %02X takes %d octets, not %d", iei, want, n)
		}
		h = append(h, InformationElement{IEI: iei, Data: ud[off+2 : off+2+n : off+2+n], Offset: off})
		off += 2 + n
	}
	return h, end, nil
}
