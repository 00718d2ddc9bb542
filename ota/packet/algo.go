package packet

import "fmt"

// Algorithm is what a KIc or KID coding names (TS 102 225 5.1.2, 5.1.3).
type Algorithm uint8

const (
	AlgImplicit      Algorithm = iota // b2-b1 = 00: known to both sides by prior agreement
	AlgProprietary                    // b2-b1 = 11: proprietary implementation
	AlgReserved                       // a coding the standard reserves (RFU)
	AlgDESCBC                         // DES in CBC mode (KIc 0001, KID 0001)
	AlgTripleDES2Key                  // triple DES, outer CBC, 2 keys (KIc/KID 0101)
	AlgTripleDES3Key                  // triple DES, outer CBC, 3 keys (KIc/KID 1001)
	AlgDESECB                         // DES in ECB mode (KIc 1101 only)
	AlgAESCBC                         // AES in CBC mode, key length 16, 24 or 32 (KIc 0010)
	AlgAESCMAC                        // AES CMAC, NIST SP 800-38B / RFC 4493 (KID 0010 with CC)
	AlgCRC16                          // CRC16, ISO/IEC 13239 (KID 0001 with RC)
	AlgCRC32                          // CRC32, ISO/IEC 13239 (KID 0101 with RC)
)

var algNames = [...]string{
	AlgImplicit: "implicit", AlgProprietary: "proprietary", AlgReserved: "reserved",
	AlgDESCBC: "des_cbc", AlgTripleDES2Key: "3des_2key_cbc", AlgTripleDES3Key: "3des_3key_cbc",
	AlgDESECB: "des_ecb", AlgAESCBC: "aes_cbc", AlgAESCMAC: "aes_cmac", AlgCRC16: "crc16",
	AlgCRC32: "crc32",
}

func (a Algorithm) String() string {
	if int(a) < len(algNames) {
		return algNames[a]
	}
	return fmt.Sprintf("Algorithm(%d)", a)
}

func (a Algorithm) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// SingleDES reports whether a is one of the single-DES algorithms that TS 102 225 keeps only
// for old cards.
func (a Algorithm) SingleDES() bool { return a == AlgDESCBC || a == AlgDESECB }

// blockSize is the cipher block of a ciphering or CC algorithm, 0 for the CRCs.
func (a Algorithm) blockSize() int {
	switch a {
	case AlgDESCBC, AlgTripleDES2Key, AlgTripleDES3Key, AlgDESECB:
		return 8
	case AlgAESCBC, AlgAESCMAC:
		return 16
	}
	return 0
}

// KIc is the key and algorithm identifier for ciphering (TS 102 225 5.1.2): b8-b5 key version
// number, b4-b1 algorithm.
type KIc byte

// KeyVersion is b8-b5, the key version number (0 = implicitly known).
func (k KIc) KeyVersion() int { return int(k >> 4) }

// Algorithm decodes b4-b1.
func (k KIc) Algorithm() Algorithm {
	switch k & 3 {
	case 0:
		return AlgImplicit
	case 3:
		return AlgProprietary
	case 1: // DES family, b4-b3
		return [4]Algorithm{AlgDESCBC, AlgTripleDES2Key, AlgTripleDES3Key, AlgDESECB}[k>>2&3]
	}
	if k&0x0C == 0 { // AES, b4-b3 = 00 CBC; the rest is RFU
		return AlgAESCBC
	}
	return AlgReserved
}

// KID is the key and algorithm identifier for the RC/CC/DS (TS 102 225 5.1.3): b8-b5 key
// version number, b4-b1 algorithm, whose meaning depends on whether the SPI asks for a CC or
// an RC.
type KID byte

// KeyVersion is b8-b5, the key version number (0 = implicitly known).
func (k KID) KeyVersion() int { return int(k >> 4) }

// Algorithm decodes b4-b1 as the SPI's checksum kind c says: a CC algorithm (5.1.3.1), a CRC
// (5.1.3.2), or nothing for ChecksumNone and ChecksumDS.
func (k KID) Algorithm(c Checksum) Algorithm {
	switch c {
	case ChecksumCC:
		switch k & 3 {
		case 0:
			return AlgImplicit
		case 3:
			return AlgProprietary
		case 1:
			return [4]Algorithm{AlgDESCBC, AlgTripleDES2Key, AlgTripleDES3Key, AlgReserved}[k>>2&3]
		}
		if k&0x0C == 0 {
			return AlgAESCMAC
		}
		return AlgReserved
	case ChecksumRC:
		switch k & 3 {
		case 0:
			return AlgImplicit
		case 3:
			return AlgProprietary
		case 1:
			return [4]Algorithm{AlgCRC16, AlgCRC32, AlgReserved, AlgReserved}[k>>2&3]
		}
		return AlgReserved
	}
	return AlgImplicit
}

// TAR is the toolkit application reference, 3 bytes (TS 101 220 annex D).
type TAR [3]byte

func (t TAR) String() string { return fmt.Sprintf("%02X%02X%02X", t[0], t[1], t[2]) }

func (t TAR) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Counter is the 5-byte replay counter CNTR, big-endian on the wire (TS 102 225 5.1.1).
type Counter uint64

// MaxCounter is the highest CNTR; a card whose counter reaches it is blocked (TS 102 225 5.1.1).
const MaxCounter Counter = 1<<40 - 1

func (c Counter) String() string { return fmt.Sprintf("%010X", uint64(c)) }

func (c Counter) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

func putCounter(b []byte, c Counter) {
	_ = b[4]
	b[0], b[1], b[2], b[3], b[4] = byte(c>>32), byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
}

func getCounter(b []byte) Counter {
	_ = b[4]
	return Counter(b[0])<<32 | Counter(b[1])<<24 | Counter(b[2])<<16 | Counter(b[3])<<8 | Counter(b[4])
}

// Status is the response status code of a PoR (TS 102 225 5.2.2 table 5; 0B from TS 31.115).
type Status byte

const (
	StatusPoROK                     Status = 0x00 // PoR OK
	StatusRCCCDSFailed              Status = 0x01 // RC/CC/DS failed
	StatusCounterLow                Status = 0x02 // CNTR low
	StatusCounterHigh               Status = 0x03 // CNTR high
	StatusCounterBlocked            Status = 0x04 // CNTR blocked
	StatusCipheringError            Status = 0x05 // ciphering error
	StatusUnidentifiedSecurityError Status = 0x06 // unidentified security error
	StatusInsufficientMemory        Status = 0x07 // insufficient memory to process incoming message
	StatusMoreTime                  Status = 0x08 // more time needed to process the command packet
	StatusTARUnknown                Status = 0x09 // TAR unknown
	StatusInsufficientSecurityLevel Status = 0x0A // insufficient security level (below the MSL)
	StatusResponseBySubmit          Status = 0x0B // actual response data sent using SMS-SUBMIT (TS 31.115)
)

// Names as pySim spells them, so JSON from both tools compares.
var statusNames = [...]string{
	"por_ok", "rc_cc_ds_failed", "cntr_low", "cntr_high", "cntr_blocked", "ciphering_error",
	"undefined_security_error", "insufficient_memory", "more_time_needed", "tar_unknown",
	"insufficient_security_level", "actual_response_sms_submit",
}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("reserved_%02x", byte(s))
}

// Keyset holds the key bytes of one key version of one card: KIc for ciphering, KID for the
// CC, KIK (key for keys, TS 102 225 5.1.2) carried for callers that need it. The algorithms
// come from the KIc/KID bytes of the packet, not from here.
type Keyset struct {
	KIc []byte
	KID []byte
	KIK []byte
	// CMACLength is the length of an AES CMAC cryptographic checksum: 8 (also when 0) or 4.
	CMACLength int
}
