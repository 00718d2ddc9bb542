package keys

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound is returned when a card, keyset, tenant or signing key is not in the store.
	ErrNotFound = errors.New("not found")
	// ErrExists is returned when a record with the same identity is already in the store.
	ErrExists = errors.New("already exists")
	// ErrCounterExhausted is returned when a reservation would reach the counter value FFFFFFFFFF,
	// at which the card blocks the keyset for good (TS 102 225 5.1.1).
	ErrCounterExhausted = errors.New("counter exhausted")
	// ErrSealed is returned when a sealed secret cannot be opened: wrong master key, altered
	// bytes, or a blob moved to another record.
	ErrSealed = errors.New("sealed secret cannot be opened")
)

// FieldError says which field of a value is wrong and at which byte offset inside it.
type FieldError struct {
	Field  string // path of the field, e.g. "iccid" or "keyset[1].kic"
	Offset int    // byte offset inside the field's text or bytes
	Err    error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s: offset %d: %v", e.Field, e.Offset, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// ImportError names the line and column (both from 1) of a manufacturer file where import failed,
// and the column's name. No card of that file is imported.
type ImportError struct {
	Line   int
	Column int
	Name   string // column name from the header, empty when the error is not about one column
	Err    error
}

func (e *ImportError) Error() string {
	if e.Name == "" {
		if e.Column > 0 {
			return fmt.Sprintf("line %d: column %d: %v", e.Line, e.Column, e.Err)
		}
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: column %d (%s): %v", e.Line, e.Column, e.Name, e.Err)
}

func (e *ImportError) Unwrap() error { return e.Err }

// CounterError is a counter reservation that failed for one card keyset.
type CounterError struct {
	ICCID ICCID
	KVN   uint8
	Err   error
}

func (e *CounterError) Error() string {
	return fmt.Sprintf("counter of card %s keyset %d: %v", e.ICCID, e.KVN, e.Err)
}

func (e *CounterError) Unwrap() error { return e.Err }

// CardError is an error about one card.
type CardError struct {
	ICCID ICCID
	Err   error
}

func (e *CardError) Error() string { return fmt.Sprintf("card %s: %v", e.ICCID, e.Err) }

func (e *CardError) Unwrap() error { return e.Err }
