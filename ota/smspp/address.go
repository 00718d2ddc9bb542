package smspp

import (
	"fmt"
	"strings"
)

// Type of number and numbering plan values used here (TS 23.040 9.1.2.5).
const (
	TONUnknown       byte = 0
	TONInternational byte = 1
	TONNational      byte = 2
	TONAlphanumeric  byte = 5
	NPIISDN          byte = 1
)

// Address is a TS 23.040 address: type of number, numbering plan, and the digits (0-9, '*', '#',
// 'a', 'b', 'c' as TS 23.040 9.1.2.3 semi-octets; text for the alphanumeric type).
type Address struct {
	TON    byte
	NPI    byte
	Digits string
}

// Number parses "+491720000001" (international, ISDN) or "12345" (unknown type, ISDN).
func Number(s string) Address {
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		return Address{TON: TONInternational, NPI: NPIISDN, Digits: rest}
	}
	return Address{TON: TONUnknown, NPI: NPIISDN, Digits: s}
}

func (a Address) String() string {
	if a.TON == TONInternational {
		return "+" + a.Digits
	}
	return a.Digits
}

// TOA is the type-of-address octet: 1 TTT NNNN.
func (a Address) TOA() byte { return 0x80 | (a.TON&7)<<4 | a.NPI&0x0F }

const semiOctetDigits = "0123456789*#abc"

// appendSemiOctets appends digits two to an octet, low nibble first, odd count padded with F
// (TS 23.040 9.1.2.3).
func appendSemiOctets(b []byte, digits string) ([]byte, error) {
	var cur byte
	for i := 0; i < len(digits); i++ {
		v := strings.IndexByte(semiOctetDigits, digits[i])
		if v < 0 {
			return nil, fmt.Errorf("digit %q at %d is not a semi-octet", digits[i], i)
		}
		if i%2 == 0 {
			cur = byte(v)
		} else {
			b = append(b, cur|byte(v)<<4)
		}
	}
	if len(digits)%2 == 1 {
		b = append(b, cur|0xF0)
	}
	return b, nil
}

// readSemiOctets reads digits from semi-octets; F is accepted only as the final filler.
func readSemiOctets(b []byte, field string, off int) (string, error) {
	var sb strings.Builder
	for i, o := range b {
		for j, v := range [2]byte{o & 0x0F, o >> 4} {
			if v == 0x0F {
				if i != len(b)-1 || j != 1 {
					return "", errorf(ErrInvalid, field, off+i, "filler F before the last semi-octet")
				}
				continue
			}
			if int(v) >= len(semiOctetDigits) {
				return "", errorf(ErrInvalid, field, off+i, "semi-octet %X", v)
			}
			sb.WriteByte(semiOctetDigits[v])
		}
	}
	return sb.String(), nil
}

// AppendCAT appends the value of a CAT Address data object: TON/NPI octet then the dialling
// number as semi-octets, without a length (TS 102 223 8.1; also the RP/SC address of TS 24.011
// 8.2.5.1 after its length octet).
func (a Address) AppendCAT(b []byte) ([]byte, error) {
	if a.TON == TONAlphanumeric {
		return nil, errorf(ErrInvalid, "address.ton", 0, "alphanumeric address in a CAT Address object")
	}
	b = append(b, a.TOA())
	b, err := appendSemiOctets(b, a.Digits)
	if err != nil {
		return nil, errorf(ErrInvalid, "address.digits", 0, "%v", err)
	}
	return b, nil
}

// ParseCATAddress reads the value of a CAT Address data object (TS 102 223 8.1); off is the
// value's offset in the enclosing message, for errors.
func ParseCATAddress(v []byte, field string, off int) (Address, error) {
	if len(v) == 0 {
		return Address{}, errorf(ErrTruncated, field+".ton_npi", off, "missing")
	}
	if v[0]&0x80 == 0 {
		return Address{}, errorf(ErrInvalid, field+".ton_npi", off, "bit 8 of %02X must be 1", v[0])
	}
	// A CAT Address holds a dialling number in semi-octets (TS 102 223 8.1); the alphanumeric
	// type of TS 23.040 9.1.2.5 has no coding there, so it is refused rather than misread.
	if v[0]>>4&7 == TONAlphanumeric {
		return Address{}, errorf(ErrInvalid, field+".ton_npi", off, "alphanumeric type %02X in a CAT Address object", v[0])
	}
	d, err := readSemiOctets(v[1:], field+".digits", off+1)
	if err != nil {
		return Address{}, err
	}
	return Address{TON: v[0] >> 4 & 7, NPI: v[0] & 0x0F, Digits: d}, nil
}
