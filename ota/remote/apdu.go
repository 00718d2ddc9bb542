package remote

import (
	"bytes"
	"fmt"
)

// Class bytes (TS 102 221 10.1.1, TS 51.011 9.2, TS 102 226 5.1). RFM uses A0 for a SIM file
// system TAR and 00 for a UICC or ADF one; GlobalPlatform commands and UICC proprietary ones
// (INCREASE) use 80.
const (
	CLASIM            byte = 0xA0
	CLAUICC           byte = 0x00
	CLAProprietary    byte = 0x80
	CLAGlobalPlatform byte = 0x80
)

// CommandAPDU is a short command APDU (ISO/IEC 7816-3 12.1, TS 102 221 10.1): Lc is len(Data)
// (no Lc when Data is empty), Le is present when HasLe (Le 00 means 256).
type CommandAPDU struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Le               byte
	HasLe            bool
}

// Case is the ISO/IEC 7816-3 case: 1 no data, 2 Le only, 3 Lc and data, 4 both.
func (c CommandAPDU) Case() int {
	switch {
	case len(c.Data) == 0 && !c.HasLe:
		return 1
	case len(c.Data) == 0:
		return 2
	case !c.HasLe:
		return 3
	}
	return 4
}

// MarshalBinary encodes the APDU in its ISO short form.
func (c CommandAPDU) MarshalBinary() ([]byte, error) {
	if len(c.Data) > 255 {
		return nil, errorf(ErrTooLong, "c_apdu.data", 5, "%d octets, at most 255 in a short APDU", len(c.Data))
	}
	b := make([]byte, 0, 6+len(c.Data))
	b = append(b, c.CLA, c.INS, c.P1, c.P2)
	if len(c.Data) > 0 {
		b = append(b, byte(len(c.Data)))
		b = append(b, c.Data...)
	}
	if c.HasLe {
		b = append(b, c.Le)
	}
	return b, nil
}

func (c CommandAPDU) String() string {
	b, err := c.MarshalBinary()
	if err != nil {
		return "invalid APDU: " + err.Error()
	}
	return fmt.Sprintf("%X", b)
}

// Equal reports whether two APDUs are the same.
func (c CommandAPDU) Equal(o CommandAPDU) bool {
	return c.CLA == o.CLA && c.INS == o.INS && c.P1 == o.P1 && c.P2 == o.P2 && bytes.Equal(c.Data, o.Data) &&
		c.HasLe == o.HasLe && (!c.HasLe || c.Le == o.Le)
}

// ParseCommandAPDU reads exactly one short C-APDU of case 1 to 4 (ISO/IEC 7816-3 12.1.3):
// 4 octets case 1; 5 case 2; 5+Lc case 3; 6+Lc case 4. Lc 00 (the extended form) is refused.
func ParseCommandAPDU(b []byte) (*CommandAPDU, error) {
	if len(b) < 4 {
		return nil, errorf(ErrTruncated, "c_apdu.header", len(b), "%d octets, a header is 4", len(b))
	}
	c := &CommandAPDU{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	switch {
	case len(b) == 4:
	case len(b) == 5:
		c.Le, c.HasLe = b[4], true
	default:
		lc := int(b[4])
		if lc == 0 {
			return nil, errorf(ErrInvalid, "c_apdu.lc", 4, "Lc 00: extended APDUs are not used over OTA")
		}
		switch len(b) {
		case 5 + lc:
		case 6 + lc:
			c.Le, c.HasLe = b[5+lc], true
		default:
			if len(b) < 5+lc {
				return nil, errorf(ErrTruncated, "c_apdu.data", 5, "Lc %d but %d octets follow", lc, len(b)-5)
			}
			return nil, errorf(ErrTrailing, "c_apdu", 6+lc, "%d octets after Le", len(b)-6-lc)
		}
		c.Data = b[5 : 5+lc : 5+lc]
	}
	return c, nil
}

// outgoing lists the INS codes whose T=0 P3 is Le (the card sends data and receives none);
// for every other INS P3 is Lc. The compact format carries T=0 TPDUs (TS 102 226 5.1.1), so this
// is how a card splits a compact script.
var outgoing = map[byte]bool{
	0xB0: true, // READ BINARY
	0xB2: true, // READ RECORD
	0xC0: true, // GET RESPONSE
	0x84: true, // GET CHALLENGE
	0xCA: true, // GET DATA (GlobalPlatform)
	0x12: true, // FETCH
}

// Outgoing reports whether P3 of ins is Le in a T=0 TPDU.
func Outgoing(ins byte) bool { return outgoing[ins] }

// CompactScript encodes C-APDUs for the compact remote format (TS 102 226 5.1.1): T=0 TPDUs one
// after another, CLA INS P1 P2 P3 [data]. A case 1 command gets P3 = 00. A case 4 command has no
// place for Le there: its data comes back by a scripted GET RESPONSE or as the last response
// data in the PoR, so it is refused here rather than silently changed.
func CompactScript(cmds ...CommandAPDU) ([]byte, error) {
	var b []byte
	for i, c := range cmds {
		f := fmt.Sprintf("script.c_apdu[%d]", i)
		switch c.Case() {
		case 1:
			b = append(b, c.CLA, c.INS, c.P1, c.P2, 0x00)
		case 2:
			if !Outgoing(c.INS) {
				return nil, errorf(ErrInvalid, f+".le", len(b)+4, "INS %02X takes data, Le cannot be its P3", c.INS)
			}
			b = append(b, c.CLA, c.INS, c.P1, c.P2, c.Le)
		case 3:
			if Outgoing(c.INS) {
				return nil, errorf(ErrInvalid, f+".lc", len(b)+4, "INS %02X returns data, its P3 is Le", c.INS)
			}
			if len(c.Data) > 255 {
				return nil, errorf(ErrTooLong, f+".data", len(b)+5, "%d octets", len(c.Data))
			}
			b = append(b, c.CLA, c.INS, c.P1, c.P2, byte(len(c.Data)))
			b = append(b, c.Data...)
		case 4:
			return nil, errorf(ErrInvalid, f+".le", len(b)+5+len(c.Data), "case 4 has no Le in the compact format (T=0, TS 102 226 5.1.1)")
		}
	}
	return b, nil
}

// ParseCompactScript splits a compact remote command script into its C-APDUs (TS 102 226
// 5.1.1), reading each P3 as Le for an outgoing INS and as Lc otherwise.
func ParseCompactScript(b []byte) ([]CommandAPDU, error) {
	var out []CommandAPDU
	off := 0
	for off < len(b) {
		f := fmt.Sprintf("script.c_apdu[%d]", len(out))
		if len(b)-off < 5 {
			return nil, errorf(ErrTruncated, f+".header", off, "%d octets, a T=0 header is 5", len(b)-off)
		}
		c := CommandAPDU{CLA: b[off], INS: b[off+1], P1: b[off+2], P2: b[off+3]}
		p3 := int(b[off+4])
		off += 5
		switch {
		case Outgoing(c.INS):
			c.Le, c.HasLe = byte(p3), true
		case p3 > 0:
			if len(b)-off < p3 {
				return nil, errorf(ErrTruncated, f+".data", off, "P3 %d but %d octets follow", p3, len(b)-off)
			}
			c.Data = b[off : off+p3 : off+p3]
			off += p3
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errorf(ErrTruncated, "script", 0, "no command")
	}
	return out, nil
}
