package packet

import "fmt"

// Checksum is the RC/CC/DS indication of SPI1 b2-b1 and SPI2 b4-b3 (TS 102 225 5.1.1).
type Checksum uint8

const (
	ChecksumNone Checksum = 0 // 00: no RC, CC or DS
	ChecksumRC   Checksum = 1 // 01: redundancy check (CRC, TS 102 225 5.1.3.2)
	ChecksumCC   Checksum = 2 // 10: cryptographic checksum (TS 102 225 5.1.3.1)
	ChecksumDS   Checksum = 3 // 11: digital signature (not defined by TS 102 225 for SMS)
)

var checksumNames = [...]string{"none", "rc", "cc", "ds"}

func (c Checksum) String() string { return checksumNames[c&3] }

func (c Checksum) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// CounterMode is SPI1 b5-b4, the counter (CNTR) handling the card applies (TS 102 225 5.1.1).
type CounterMode uint8

const (
	CounterNone       CounterMode = 0 // 00: no counter available
	CounterNotChecked CounterMode = 1 // 01: counter available, no replay or sequence checking
	CounterHigher     CounterMode = 2 // 10: process only if CNTR is higher than the card's value
	CounterOneHigher  CounterMode = 3 // 11: process only if CNTR is exactly one higher
)

var counterNames = [...]string{"no_counter", "not_checked", "higher", "one_higher"}

func (m CounterMode) String() string { return counterNames[m&3] }

func (m CounterMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// PoRMode is SPI2 b2-b1, when the card answers with a proof of receipt (TS 102 225 5.1.1).
type PoRMode uint8

const (
	PoRNone    PoRMode = 0 // 00: no PoR
	PoRAlways  PoRMode = 1 // 01: PoR required
	PoROnError PoRMode = 2 // 10: PoR only when an error occurred
	PoRRFU     PoRMode = 3 // 11: reserved
)

var porNames = [...]string{"none", "always", "on_error", "rfu"}

func (m PoRMode) String() string { return porNames[m&3] }

func (m PoRMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// Send reports whether the card answers with a PoR when processing ended with status st
// (TS 102 225 5.1.1): never for 00, always for 01, only for a status other than PoR OK for 10.
// The reserved 11 is treated as 00: a card cannot know what the sender meant.
func (m PoRMode) Send(st Status) bool {
	switch m {
	case PoRAlways:
		return true
	case PoROnError:
		return st != StatusPoROK
	}
	return false
}

// SPI is the security parameter indicator, two bytes (TS 102 225 5.1.1; SPI2 b6 from
// TS 31.115 4.2). Reserved bits (SPI1 b8-b6, SPI2 b8-b7) have no field: [DecodeSPI] refuses
// them, so every decoded SPI encodes back to the same bytes.
type SPI struct {
	Checksum  Checksum    `json:"rc_cc_ds"`  // SPI1 b2-b1
	Ciphering bool        `json:"ciphering"` // SPI1 b3
	Counter   CounterMode `json:"counter"`   // SPI1 b5-b4

	PoR          PoRMode  `json:"por"`           // SPI2 b2-b1
	PoRChecksum  Checksum `json:"por_rc_cc_ds"`  // SPI2 b4-b3
	PoRCiphering bool     `json:"por_ciphering"` // SPI2 b5
	// PoRBySubmit is SPI2 b6 (TS 31.115 4.2): 1 = the card sends the PoR in an SMS-SUBMIT,
	// 0 = the PoR goes back in the SMS-DELIVER-REPORT (RP-ACK or RP-ERROR).
	PoRBySubmit bool `json:"por_by_sms_submit"`
}

// Bytes is the SPI as it goes on the wire.
func (s SPI) Bytes() [2]byte {
	b1 := byte(s.Checksum&3) | byte(s.Counter&3)<<3
	if s.Ciphering {
		b1 |= 1 << 2
	}
	b2 := byte(s.PoR&3) | byte(s.PoRChecksum&3)<<2
	if s.PoRCiphering {
		b2 |= 1 << 4
	}
	if s.PoRBySubmit {
		b2 |= 1 << 5
	}
	return [2]byte{b1, b2}
}

func (s SPI) String() string { b := s.Bytes(); return fmt.Sprintf("%02X%02X", b[0], b[1]) }

// DecodeSPI reads the two SPI bytes; off is where they sit in the packet, for errors.
func DecodeSPI(b [2]byte, off int) (SPI, error) {
	if b[0]&0xE0 != 0 {
		return SPI{}, errorf("spi.spi1", off, ErrReserved, "SPI1 %02X: b8-b6 are reserved", b[0])
	}
	if b[1]&0xC0 != 0 {
		return SPI{}, errorf("spi.spi2", off+1, ErrReserved, "SPI2 %02X: b8-b7 are reserved", b[1])
	}
	return SPI{
		Checksum:     Checksum(b[0] & 3),
		Ciphering:    b[0]&(1<<2) != 0,
		Counter:      CounterMode(b[0] >> 3 & 3),
		PoR:          PoRMode(b[1] & 3),
		PoRChecksum:  Checksum(b[1] >> 2 & 3),
		PoRCiphering: b[1]&(1<<4) != 0,
		PoRBySubmit:  b[1]&(1<<5) != 0,
	}, nil
}
