package remote

import (
	"errors"
	"strings"

	"github.com/stkforge/stkforge/stk/tlv"
)

func fromTLV(err error) error {
	var te *tlv.Error
	if errors.As(err, &te) {
		kind := ErrInvalid
		if te.Msg == "missing" || strings.HasPrefix(te.Msg, "needs") || strings.Contains(te.Msg, "truncated") {
			kind = ErrTruncated
		}
		return &Error{Field: te.Field, Offset: te.Offset, Err: kind, Msg: te.Msg}
	}
	return err
}
