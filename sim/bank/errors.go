package bank

import (
	"errors"
	"fmt"
)

// Kinds of refusal; a *Refusal wraps one of them.
var (
	ErrFormat      = errors.New("not a payment message")
	ErrUnknownCard = errors.New("unknown card")
	ErrWrongLine   = errors.New("sent from a line that is not the card's")
	ErrSignature   = errors.New("signature does not verify")
	ErrReplay      = errors.New("transaction already processed")
	ErrLimit       = errors.New("reassembly limit exceeded")
)

// Refusal is a payment the bank did not accept: the kind, the field of the body it concerns
// (a dotted path, "" when the message as a whole), the byte offset in the body (or in the
// short message's user data for header errors; -1 when it does not apply), and the detail.
type Refusal struct {
	Kind   error
	Field  string
	Offset int
	Detail string
}

func (r *Refusal) Error() string {
	s := "bank: " + r.Kind.Error()
	if r.Field != "" {
		s += ": " + r.Field
	}
	if r.Offset >= 0 {
		s += fmt.Sprintf(": offset %d", r.Offset)
	}
	if r.Detail != "" {
		s += ": " + r.Detail
	}
	return s
}

// Unwrap returns the kind, for errors.Is.
func (r *Refusal) Unwrap() error { return r.Kind }

// Reason is the short text the payer's receipt gives for the refusal.
func (r *Refusal) Reason() string {
	switch r.Kind {
	case ErrFormat:
		return "bad message"
	case ErrUnknownCard:
		return "unknown card"
	case ErrWrongLine:
		return "wrong line"
	case ErrSignature:
		return "bad signature"
	case ErrReplay:
		return "duplicate"
	}
	return "error"
}

func refuse(kind error, field string, off int, format string, args ...any) *Refusal {
	return &Refusal{Kind: kind, Field: field, Offset: off, Detail: fmt.Sprintf(format, args...)}
}
