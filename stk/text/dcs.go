package text

// Alphabet is the character coding a data coding scheme selects (TS 23.038 clause 4).
type Alphabet uint8

const (
	// GSM7 is the default alphabet packed 7 bits per character (TS 23.038 6.1.2.1).
	GSM7 Alphabet = iota
	// GSM8 is "8-bit data", which SIM Toolkit text objects use for the default alphabet
	// unpacked, one character per byte with bit 8 = 0 (TS 102 223 8.15).
	GSM8
	// UCS2 is 16-bit big-endian UCS2 (TS 23.038 6.2.3), read and written as UTF-16.
	UCS2
)

func (a Alphabet) String() string {
	switch a {
	case GSM7:
		return "gsm7"
	case GSM8:
		return "gsm8"
	case UCS2:
		return "ucs2"
	}
	return "unknown"
}

// Data coding scheme bytes of the three plain codings (TS 23.038 clause 4, group 00xx xxxx).
const (
	DCSGSM7 byte = 0x00
	DCSGSM8 byte = 0x04
	DCSUCS2 byte = 0x08
)

// TextAlphabet returns the alphabet of an SMS data coding scheme as it appears in a Text string
// or Default text object (TS 102 223 8.15, TS 23.038 clause 4). Accepted groups:
//
//   - 0000 xxxx, general data coding without message class: 00 (7-bit), 04 (8-bit), 08 (UCS2);
//   - 0001 xxxx, general data coding with message class: 10-13 (7-bit), 14-17 (8-bit),
//     18-1B (UCS2);
//   - 1111 0xxx, data coding/message class: F0-F3 (7-bit), F4-F7 (8-bit).
//
// Bits are numbered 7..0 as in TS 23.038 clause 4. Refused, each with an *Error naming the
// group: compressed text (bit 5 set: 2x, 3x), bits 1..0 set although bit 4 says they carry no
// class (01-03, 05-07, 09-0B), the reserved alphabet 11 in bits 3..2 (0C-0F, 1C-1F), the
// automatic-deletion group 01xx xxxx, the reserved groups 1000-1011, the message waiting groups
// 1100-1110 and the reserved bit 3 of group 1111 (F8-FF). No terminal is obliged to show those.
func TextAlphabet(dcs byte) (Alphabet, error) {
	switch {
	case dcs&0xE0 == 0x00: // 000x xxxx: general data coding, uncompressed
		if dcs&0x10 == 0 && dcs&0x03 != 0 {
			return 0, errorf("dcs", 0, "DCS %02X: bits 1..0 are reserved when bit 4 is 0", dcs)
		}
		switch dcs & 0x0C {
		case 0x00:
			return GSM7, nil
		case 0x04:
			return GSM8, nil
		case 0x08:
			return UCS2, nil
		}
		return 0, errorf("dcs", 0, "DCS %02X: reserved alphabet (bits 3..2 = 11)", dcs)
	case dcs&0xE0 == 0x20:
		return 0, errorf("dcs", 0, "DCS %02X: compressed text is not supported", dcs)
	case dcs&0xC0 == 0x40:
		return 0, errorf("dcs", 0, "DCS %02X: automatic-deletion group 01xx xxxx is not accepted for text", dcs)
	case dcs&0xF0 == 0xF0:
		if dcs&0x08 != 0 {
			return 0, errorf("dcs", 0, "DCS %02X: bit 3 of group 1111 is reserved", dcs)
		}
		if dcs&0x04 != 0 {
			return GSM8, nil
		}
		return GSM7, nil
	case dcs >= 0xC0:
		return 0, errorf("dcs", 0, "DCS %02X: message waiting indication group is not accepted for text", dcs)
	}
	return 0, errorf("dcs", 0, "DCS %02X: reserved coding group", dcs)
}

// USSDAlphabet returns the alphabet of a cell broadcast data coding scheme (TS 23.038 clause 5),
// the one USSD strings carry (TS 102 223 8.17, TS 23.038 clause 5 applies to USSD). Accepted:
//
//   - 0000 xxxx (languages, 7-bit; 0F = language unspecified, the usual USSD value), 10 (7-bit,
//     the text starts with its language: the three characters stay in the decoded text), 0010 xxxx
//     and 0011 xxxx (more languages, 7-bit);
//   - 01xx xxxx general data coding, uncompressed, alphabet 00/01/10 (7-bit, 8-bit, UCS2);
//   - 1111 0xxx: F0-F3 (7-bit), F4-F7 (8-bit, read as the unpacked default alphabet like
//     TS 102 223 text strings).
//
// Refused: 11 (UCS2 preceded by a 7-bit language code, not supported), 12-1F (reserved),
// compressed text, the reserved alphabet 11, 1001 xxxx (user data header), 1110 xxxx (WAP), the
// reserved groups and F8-FF.
func USSDAlphabet(dcs byte) (Alphabet, error) {
	switch {
	case dcs < 0x10, dcs == 0x10, dcs >= 0x20 && dcs < 0x40:
		return GSM7, nil
	case dcs == 0x11:
		return 0, errorf("dcs", 0, "CBS DCS 11 (UCS2 with language prefix) is not supported")
	case dcs < 0x20:
		return 0, errorf("dcs", 0, "CBS DCS %02X: reserved", dcs)
	case dcs < 0x80:
		if dcs&0x20 != 0 {
			return 0, errorf("dcs", 0, "CBS DCS %02X: compressed text is not supported", dcs)
		}
		switch dcs & 0x0C {
		case 0x00:
			return GSM7, nil
		case 0x04:
			return GSM8, nil
		case 0x08:
			return UCS2, nil
		}
		return 0, errorf("dcs", 0, "CBS DCS %02X: reserved alphabet (bits 3..2 = 11)", dcs)
	case dcs&0xF0 == 0xF0:
		if dcs&0x08 != 0 {
			return 0, errorf("dcs", 0, "CBS DCS %02X: bit 3 of group 1111 is reserved", dcs)
		}
		if dcs&0x04 != 0 {
			return GSM8, nil
		}
		return GSM7, nil
	case dcs&0xF0 == 0x90:
		return 0, errorf("dcs", 0, "CBS DCS %02X: messages with a user data header are not supported", dcs)
	}
	return 0, errorf("dcs", 0, "CBS DCS %02X: reserved or unsupported coding group", dcs)
}

// DecodeText decodes the data of a Text string, Default text or similar object (the bytes after
// the DCS byte) under an SMS data coding scheme (TS 102 223 8.15, TS 23.038 clause 4). A packed
// text ending on an octet boundary with CR loses that CR (the filler of TS 23.038 6.1.2.3.1).
// Offsets in errors count from the first data byte; a DCS error has offset 0 and field "dcs".
func DecodeText(dcs byte, data []byte) (string, error) {
	a, err := TextAlphabet(dcs)
	if err != nil {
		return "", err
	}
	return decodeAs(a, data)
}

// DecodeUSSD decodes the data of a USSD string (after its DCS byte) under a cell broadcast data
// coding scheme (TS 23.038 clause 5), with the same packing rules as DecodeText.
func DecodeUSSD(dcs byte, data []byte) (string, error) {
	a, err := USSDAlphabet(dcs)
	if err != nil {
		return "", err
	}
	return decodeAs(a, data)
}

func decodeAs(a Alphabet, data []byte) (string, error) {
	switch a {
	case GSM7:
		var buf [320]byte // a 255-byte object holds at most 291 septets
		septets := unpackText(buf[:0], data)
		s, err := decodeGSM(septets, "text", 0)
		if err != nil {
			// Point at the octet that holds the start of the bad septet.
			e := err.(*Error)
			e.Offset = e.Offset * 7 / 8
			e.Msg = "packed " + e.Msg
			return "", e
		}
		return s, nil
	case GSM8:
		return decodeGSM(data, "text", 0)
	default:
		return decodeUCS2(data, "text", 0)
	}
}

// EncodeText codes s under an SMS data coding scheme and returns the data without the DCS byte.
// 7-bit texts are packed with the CR filler rule (see Pack7).
func EncodeText(s string, dcs byte) ([]byte, error) {
	a, err := TextAlphabet(dcs)
	if err != nil {
		return nil, err
	}
	return appendAs(nil, s, a)
}

// EncodeUSSD codes s under a cell broadcast data coding scheme (TS 23.038 clause 5), data only.
func EncodeUSSD(s string, dcs byte) ([]byte, error) {
	a, err := USSDAlphabet(dcs)
	if err != nil {
		return nil, err
	}
	return appendAs(nil, s, a)
}

// AppendText appends the coding of s under an SMS data coding scheme to dst, data only.
func AppendText(dst []byte, s string, dcs byte) ([]byte, error) {
	a, err := TextAlphabet(dcs)
	if err != nil {
		return dst, err
	}
	return appendAs(dst, s, a)
}

func appendAs(dst []byte, s string, a Alphabet) ([]byte, error) {
	switch a {
	case GSM7:
		var buf [320]byte
		septets, err := appendGSM(buf[:0], s, "text")
		if err != nil {
			return dst, err
		}
		dst = AppendPacked7(dst, septets)
		if needsCRFill(septets) {
			dst = appendPackedCR(dst, len(septets))
		}
		return dst, nil
	case GSM8:
		return appendGSM(dst, s, "text")
	default:
		return appendUCS2(dst, s, "text")
	}
}

// ShortestText picks the shortest coding of s for a Text string: 00 (7-bit packed) when every
// character is in the default alphabet, else 08 (UCS2). 04 is never shorter than 00.
func ShortestText(s string) (dcs byte, data []byte, err error) {
	if _, ok := GSMLen(s); ok {
		data, err = appendAs(nil, s, GSM7)
		return DCSGSM7, data, err
	}
	data, err = appendAs(nil, s, UCS2)
	return DCSUCS2, data, err
}

// IsCanonicalText reports whether data, under dcs, is exactly what EncodeText gives for its
// decoded text, so a codec can keep the raw bytes when it is not.
func IsCanonicalText(dcs byte, data []byte) bool {
	s, err := DecodeText(dcs, data)
	if err != nil {
		return false
	}
	var buf [320]byte
	enc, err := AppendText(buf[:0], s, dcs)
	return err == nil && string(enc) == string(data)
}
