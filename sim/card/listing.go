package card

import (
	"fmt"
	"strings"
)

// swNames are the status words this card answers, as TS 102 221 10.2.1 and TS 51.011 9.4 name
// them; a byte pair with a count (61xx, 91xx, 63Cx ...) is named in swMeaning.
var swNames = map[uint16]string{
	0x9000: "normal ending",
	0x9300: "toolkit busy",
	0x6283: "selected file deactivated",
	0x6581: "memory problem",
	0x6700: "wrong length",
	0x6881: "logical channel not supported",
	0x6882: "secure messaging not supported",
	0x6981: "command incompatible with file structure",
	0x6982: "security status not satisfied",
	0x6983: "authentication method blocked",
	0x6984: "referenced data invalidated",
	0x6985: "conditions of use not satisfied",
	0x6986: "command not allowed (no EF selected)",
	0x6A80: "incorrect parameters in the data field",
	0x6A81: "function not supported",
	0x6A82: "file or application not found",
	0x6A83: "record not found",
	0x6A84: "not enough memory space",
	0x6A86: "incorrect parameters P1 to P2",
	0x6A87: "Lc inconsistent with P1 to P2",
	0x6A88: "referenced data not found",
	0x6B00: "wrong parameters P1-P2",
	0x6D00: "instruction not supported",
	0x6E00: "class not supported",
	0x6F00: "technical problem",
	0x9240: "memory problem",
	0x9400: "no EF selected",
	0x9402: "out of range",
	0x9404: "file or pattern not found",
	0x9408: "file inconsistent with the command",
	0x9802: "no CHV initialised",
	0x9804: "access condition not fulfilled / wrong CHV",
	0x9808: "in contradiction with CHV status",
	0x9810: "in contradiction with invalidation status",
	0x9840: "CHV blocked",
	0x9850: "INCREASE: maximum value reached",
}

// SWMeaning names a status word for listings.
func SWMeaning(sw uint16) string {
	if n, ok := swNames[sw]; ok {
		return n
	}
	x := sw & 0xFF
	switch sw >> 8 {
	case 0x61:
		return fmt.Sprintf("%d bytes available (GET RESPONSE)", x)
	case 0x9F:
		return fmt.Sprintf("%d bytes available (GET RESPONSE, GSM)", x)
	case 0x91:
		return fmt.Sprintf("normal ending, proactive command of %d bytes pending", x)
	case 0x6C:
		return fmt.Sprintf("wrong Le, %d expected", x)
	case 0x67:
		return fmt.Sprintf("incorrect P3, %d expected", x)
	case 0x63:
		if x&0xF0 == 0xC0 {
			return fmt.Sprintf("verification failed, %d tries left", x&0x0F)
		}
	}
	return "?"
}

// Listing writes exchanges for people and golden files: each command as header | data with
// its instruction's name, each response as data | SW with its meaning.
func Listing(ex []Exchange) string {
	var sb strings.Builder
	for _, e := range ex {
		c := e.Command
		switch {
		case len(c) >= 5:
			name := InstructionName(c[1])
			if name == "" {
				name = "?"
			}
			fmt.Fprintf(&sb, "> % X", c[:5])
			if len(c) > 5 {
				fmt.Fprintf(&sb, " | % X", c[5:])
			}
			fmt.Fprintf(&sb, "   %s\n", name)
		default:
			fmt.Fprintf(&sb, "> % X   (short command)\n", c)
		}
		r := e.Response
		if len(r) < 2 {
			fmt.Fprintf(&sb, "< % X\n", r)
			continue
		}
		sw := uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
		sb.WriteString("<")
		if len(r) > 2 {
			fmt.Fprintf(&sb, " % X |", r[:len(r)-2])
		}
		fmt.Fprintf(&sb, " %02X %02X   %s\n", sw>>8, sw&0xFF, SWMeaning(sw))
	}
	return sb.String()
}
