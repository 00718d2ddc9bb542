package smspp

import (
	"errors"
	"fmt"
)

// Error is a decoding, segmenting or reassembly error: the field (a dotted path such as
// "udh.ie[1](IEI 00).seq"), the byte offset in the message where it was found, and why. Err is
// one of the Err values below, so callers can test the kind with errors.Is.
type Error struct {
	Field  string
	Offset int
	Err    error
	Msg    string
}

func (e *Error) Error() string {
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	} else if e.Err != nil {
		msg = e.Err.Error() + ": " + msg
	}
	return fmt.Sprintf("smspp: %s: offset %d: %s", e.Field, e.Offset, msg)
}

// Unwrap returns the kind of the error.
func (e *Error) Unwrap() error { return e.Err }

func errorf(kind error, field string, off int, format string, args ...any) *Error {
	return &Error{Field: field, Offset: off, Err: kind, Msg: fmt.Sprintf(format, args...)}
}

// Kinds of Error.
var (
	ErrTruncated = errors.New("truncated")
	ErrTrailing  = errors.New("trailing bytes")
	ErrInvalid   = errors.New("invalid value")
	ErrTooLong   = errors.New("too long")
	// ErrTotalMismatch: a part names the same reference as a pending series but another total.
	ErrTotalMismatch = errors.New("inconsistent total number of segments")
	// ErrSequence: a sequence number of 0 or above the total (TS 23.040 9.2.3.24.1).
	ErrSequence = errors.New("sequence number out of range")
	// ErrNoPacketHeader: a single message or first segment without IEI 70 or 71 (TS 31.115 4.1).
	ErrNoPacketHeader = errors.New("no command or response packet identifier")
	// ErrMisplacedPacketHeader: IEI 70/71 in a segment other than the first (TS 31.115 4.2).
	ErrMisplacedPacketHeader = errors.New("packet identifier outside the first segment")
	// ErrConflictingDuplicate: a part received twice with different contents.
	ErrConflictingDuplicate = errors.New("conflicting duplicate segment")
	// ErrLimit: a reassembly bound (segments, bytes, concurrent series) was hit.
	ErrLimit = errors.New("reassembly limit exceeded")
	// ErrLength: the reassembled packet's CPL/RPL does not match its length.
	ErrLength = errors.New("packet length mismatch")
)
