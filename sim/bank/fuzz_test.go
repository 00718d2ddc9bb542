package bank_test

import (
	"context"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

// FuzzProcess: any body, whole or as a segment with a header, is decided without a panic, and
// only the real payment is ever accepted.
func FuzzProcess(f *testing.F) {
	fuzzseed.Add(f)
	good := payment(f, cardKey(f), testICCID, "1", "6222020000000001", "100")
	f.Add(good, false)
	for _, s := range segments(good, 9) {
		f.Add(s, true)
	}
	f.Add([]byte("PAY 1 2 3 4 "), false)
	f.Add([]byte{0x05, 0x00, 0x03, 0x01, 0x00, 0x01}, true)
	f.Fuzz(func(t *testing.T, data []byte, udhi bool) {
		b := newBank(t, nil)
		r, err := b.Receive(context.Background(), testMSISDN, udhi, data)
		if err != nil || r == nil {
			return
		}
		if r.Err == nil && r.Transaction.Counter != "1" {
			t.Fatalf("accepted a forged payment: %+v", r.Transaction)
		}
	})
}
