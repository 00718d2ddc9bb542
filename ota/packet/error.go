package packet

import (
	"errors"
	"fmt"
)

// Kinds of failure; every *Error wraps one of them, so callers use errors.Is.
var (
	// ErrTruncated: the bytes end before a field does.
	ErrTruncated = errors.New("truncated")
	// ErrLength: a length field (CPL, CHL, RPL, RHL, PCNTR) disagrees with the bytes or the SPI.
	ErrLength = errors.New("inconsistent length")
	// ErrChecksum: the RC/CC does not match (PoR status 01).
	ErrChecksum = errors.New("RC/CC/DS failed")
	// ErrCiphering: the ciphered part is not a whole number of cipher blocks (PoR status 05).
	ErrCiphering = errors.New("ciphering error")
	// ErrUnsupported: an algorithm coding that is implicit, proprietary, reserved, or DS.
	ErrUnsupported = errors.New("unsupported")
	// ErrKey: the keyset lacks a key or holds one of the wrong length for the algorithm.
	ErrKey = errors.New("bad key")
	// ErrReserved: a reserved bit is set (TS 102 225 5.1.1).
	ErrReserved = errors.New("reserved bits set")
	// ErrRange: a value does not fit its field (counter above 5 bytes, packet above 65535).
	ErrRange = errors.New("out of range")
)

// Error says which field failed, at which byte offset of the packet (-1 when the failure is not
// about a byte, such as a key of the wrong length), and why.
type Error struct {
	Field  string // dotted path: "command.chl", "por.rc_cc", "keyset.kic"
	Offset int
	Kind   error // one of the Err* values above
	Msg    string
}

func (e *Error) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("%s: %v: %s", e.Field, e.Kind, e.Msg)
	}
	return fmt.Sprintf("%s: offset %d: %v: %s", e.Field, e.Offset, e.Kind, e.Msg)
}

func (e *Error) Unwrap() error { return e.Kind }

// Status is the PoR status a card answers for this failure (TS 102 225 5.2.2 table 5).
func (e *Error) Status() Status {
	switch e.Kind {
	case ErrChecksum:
		return StatusRCCCDSFailed
	case ErrCiphering:
		return StatusCipheringError
	}
	return StatusUnidentifiedSecurityError
}

func errorf(field string, off int, kind error, format string, args ...any) *Error {
	return &Error{Field: field, Offset: off, Kind: kind, Msg: fmt.Sprintf(format, args...)}
}
