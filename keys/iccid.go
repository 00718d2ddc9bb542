package keys

import "fmt"

// ICCID is an integrated circuit card identifier (ITU-T E.118): 19 or 20 decimal digits, the last
// of which is the Luhn check digit (ISO/IEC 7812-1 annex B). It is kept as its decimal string.
type ICCID string

// ParseICCID checks s is an ICCID of 18 to 20 digits whose last digit is its Luhn check digit.
// 18-digit ICCIDs are accepted because some issuers dropped a digit of the issuer number.
func ParseICCID(s string) (ICCID, error) {
	if len(s) < 18 || len(s) > 20 {
		return "", &FieldError{Field: "iccid", Offset: 0, Err: fmt.Errorf("%d digits, want 18 to 20", len(s))}
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", &FieldError{Field: "iccid", Offset: i, Err: fmt.Errorf("%q is not a decimal digit", s[i])}
		}
	}
	if want := LuhnDigit(s[:len(s)-1]); s[len(s)-1] != want {
		return "", &FieldError{Field: "iccid", Offset: len(s) - 1, Err: fmt.Errorf("Luhn check digit is %c, want %c", s[len(s)-1], want)}
	}
	return ICCID(s), nil
}

// LuhnDigit returns the Luhn check digit (ISO/IEC 7812-1 annex B) of the decimal string s.
// s must hold only digits.
func LuhnDigit(s string) byte {
	sum := 0
	double := true // the digit next to the check digit is doubled
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return byte('0' + (10-sum%10)%10)
}
