// Package text codes the strings of SIM Toolkit: the GSM 7-bit default alphabet and its
// extension table (3GPP TS 23.038 6.2.1, 6.2.1.1), unpacked and packed (TS 23.038 6.1.2), the data
// coding schemes of Text string and Default text objects (TS 23.038 clause 4) and of USSD strings
// (TS 23.038 clause 5), and the three UCS2 alpha identifier formats 80/81/82 (ETSI TS 102 221
// Annex A) used by Alpha identifier and Item objects (TS 102 223 8.2, 8.9).
//
// Every decoder accepts any input without panicking and reports bad bytes as *Error with the
// field and the byte offset relative to the first byte it was given. Every encoder is the exact
// inverse of its decoder for canonical input; the inputs that are accepted but not canonical
// (so that re-encoding the decoded text gives different bytes) are:
//
//   - 81/82 alpha strings where a character is not coded the way Alpha.Encode codes it: a
//     character of the basic GSM table coded through the base pointer (e.g. 'Δ' as base+offset),
//     or an extension character (e.g. '€') coded with the 1B escape although it lies inside the
//     base window. Alpha.Encode codes a character as basic GSM if it can, else through the base
//     pointer if it lies in the window, else with the 1B escape.
//   - 7-bit packed texts whose spare bits in the last octet are not zero (TS 23.038 6.1.2.1.1
//     asks for zero fill bits; they carry nothing and are dropped).
//
// A packed text whose last real character is CR and that ends on an octet boundary cannot be
// coded exactly: TS 23.038 6.1.2.3.1 has the sender add a second CR, which the receiver keeps.
// EncodeText and Pack7 follow that rule, so DecodeText returns such a text with one more CR.
package text

import (
	"fmt"

	"github.com/stkforge/stkforge/stk/tlv"
)

// Error is a decoding or encoding error: the field, the byte offset (into the decoder's input,
// or into the UTF-8 string for encoders) and what is wrong. It is the same type as tlv.Error so
// the CAT codec can rebase offsets and prefix field paths uniformly.
type Error = tlv.Error

func errorf(field string, offset int, format string, args ...any) *Error {
	return &Error{Field: field, Offset: offset, Msg: fmt.Sprintf(format, args...)}
}
