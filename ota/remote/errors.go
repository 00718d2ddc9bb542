package remote

import (
	"errors"
	"fmt"
)

// Error is a decoding or building error: the field (a dotted path such as
// "script.item[2].c_apdu.lc"), the byte offset in the message where it was found, and why.
type Error struct {
	Field  string
	Offset int
	Err    error
	Msg    string
}

func (e *Error) Error() string {
	msg := e.Msg
	if e.Err != nil {
		if msg == "" {
			msg = e.Err.Error()
		} else {
			msg = e.Err.Error() + ": " + msg
		}
	}
	return fmt.Sprintf("remote: %s: offset %d: %s", e.Field, e.Offset, msg)
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
)

// within moves an error found in a sub-slice to its place in the whole message.
func within(err error, field string, base int) error {
	var e *Error
	if errors.As(err, &e) {
		return &Error{Field: field + "." + e.Field, Offset: base + e.Offset, Err: e.Err, Msg: e.Msg}
	}
	return err
}
