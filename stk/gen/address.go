package gen

import (
	"fmt"
	"strings"
)

// Type of number and numbering plan (TS 24.008 10.5.4.7, used by TS 102 223 8.1 and
// TS 23.040 9.1.2.5): bit 8 set, then TON and NPI. A leading "+" makes the number
// international; otherwise the type is unknown and the network reads it as dialled.
const (
	tonNPIInternational = 0x91 // international number, ISDN/telephony numbering plan (E.164)
	tonNPIUnknown       = 0x81 // unknown type, ISDN/telephony numbering plan
)

// bcdDigits packs a number's digits two to an octet, the first in the low nibble, F-filled;
// * is A and # is B (TS 31.102 4.4.2.3, TS 23.040 9.1.2.3). It returns the TON/NPI byte too.
func bcdDigits(number string) (tonNPI byte, digits int, bcd []byte, err error) {
	s := strings.ReplaceAll(number, " ", "")
	tonNPI = tonNPIUnknown
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		s, tonNPI = rest, tonNPIInternational
	}
	if s == "" || len(s) > 20 {
		return 0, 0, nil, fmt.Errorf("number %q: want 1 to 20 digits", number)
	}
	bcd = make([]byte, (len(s)+1)/2)
	for i := range bcd {
		bcd[i] = 0xFF
	}
	for i := 0; i < len(s); i++ {
		var n byte
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			n = c - '0'
		case c == '*':
			n = 0x0A
		case c == '#':
			n = 0x0B
		default:
			return 0, 0, nil, fmt.Errorf("number %q: %q is not a digit, * or #", number, c)
		}
		if i%2 == 0 {
			bcd[i/2] = bcd[i/2]&0xF0 | n
		} else {
			bcd[i/2] = bcd[i/2]&0x0F | n<<4
		}
	}
	return tonNPI, len(s), bcd, nil
}

// bcdNumber is an Address value (TS 102 223 8.1): TON/NPI then the BCD number.
func bcdNumber(number string) ([]byte, error) {
	ton, _, bcd, err := bcdDigits(number)
	if err != nil {
		return nil, err
	}
	return append([]byte{ton}, bcd...), nil
}

// destinationAddress is the TP-Destination-Address of an SMS-SUBMIT (TS 23.040 9.1.2.5): the
// number of useful semi-octets, the type of address, then the BCD number.
func destinationAddress(number string) ([]byte, error) {
	ton, n, bcd, err := bcdDigits(number)
	if err != nil {
		return nil, err
	}
	return append([]byte{byte(n), ton}, bcd...), nil
}
