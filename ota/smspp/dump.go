package smspp

import (
	"fmt"
	"strings"
)

// ieNames names the IEIs this package knows (TS 23.040 9.2.3.24, TS 31.115 4).
var ieNames = map[byte]string{
	IEIConcat8:        "concatenated SM, 8-bit reference",
	IEIPort8:          "application port, 8-bit",
	IEIPort16:         "application port, 16-bit",
	IEIConcat16:       "concatenated SM, 16-bit reference",
	IEILockingShift:   "national language locking shift",
	IEISingleShift:    "national language single shift",
	IEICommandPacket:  "command packet identifier (CPI)",
	IEIResponsePacket: "response packet identifier (RPI)",
}

// Describe returns an annotated hexdump of one short message's user data: the header octet by
// octet with its meaning, then the data 16 octets a line with offsets. It is for people reading
// bytes (golden files, CLI output), not for machines.
func Describe(ud []byte) (string, error) {
	p, err := ParseUserData(ud)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-24s UDHL = %d\n", fmt.Sprintf("%02X", ud[0]), ud[0])
	for _, ie := range p.UDH {
		raw := ud[ie.Offset : ie.Offset+2+len(ie.Data)]
		name := ieNames[ie.IEI]
		if name == "" {
			name = "unknown IEI"
		}
		meaning := fmt.Sprintf("IEI %02X %s, IEDL %d", ie.IEI, name, len(ie.Data))
		switch ie.IEI {
		case IEIConcat8:
			meaning += fmt.Sprintf(": ref %d, total %d, seq %d", ie.Data[0], ie.Data[1], ie.Data[2])
		case IEIConcat16:
			meaning += fmt.Sprintf(": ref %d, total %d, seq %d", uint16(ie.Data[0])<<8|uint16(ie.Data[1]), ie.Data[2], ie.Data[3])
		}
		fmt.Fprintf(&sb, "%-24s %s\n", fmt.Sprintf("% X", raw), meaning)
	}
	what := "continuation of the secured packet"
	if p.Kind != 0 {
		what = p.Kind.String() + " from CPL/RPL on"
	}
	fmt.Fprintf(&sb, "data: %d octets, %s\n", len(p.Data), what)
	for i := 0; i < len(p.Data); i += 16 {
		fmt.Fprintf(&sb, "  %04X  % X\n", i, p.Data[i:min(i+16, len(p.Data))])
	}
	return sb.String(), nil
}
