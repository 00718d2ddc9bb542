package bank_test

import (
	"crypto/rsa"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stkforge/stkforge/sim/handset"
	"github.com/stkforge/stkforge/stk/check"
	"github.com/stkforge/stkforge/stk/gen"
	"github.com/stkforge/stkforge/stk/pay"
)

const (
	testICCID  = "89882110000000000011"
	testMSISDN = "491700000001"
)

var (
	formatsOnce sync.Once
	formats     []*pay.Format
	formatsErr  error
)

// bankFormats are the signed payment formats of fixtures/menus/bank-zh.yaml.
func bankFormats(t testing.TB) []*pay.Format {
	t.Helper()
	formatsOnce.Do(func() {
		path := filepath.Join("..", "..", "fixtures", "menus", "bank-zh.yaml")
		data, err := os.ReadFile(path)
		if err != nil {
			formatsErr = err
			return
		}
		res, diags := gen.Compile([]check.SpecFile{{Name: path, Data: data}}, gen.Options{})
		if diags.HasErrors() {
			formatsErr = diags
			return
		}
		formats, formatsErr = pay.Formats(res[0].Program)
	})
	if formatsErr != nil {
		t.Fatal(formatsErr)
	}
	return formats
}

// cardKey is a fixed key pair (the lab's), so signatures and golden files are byte-stable.
func cardKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := handset.TestBankKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// payment builds the body a card sends for a payment, signed with key.
func payment(t testing.TB, key *rsa.PrivateKey, iccid, txn, payee, amount string) []byte {
	t.Helper()
	f := bankFormats(t)[0]
	v := map[string][]byte{"card.iccid": []byte(iccid), "txn": []byte(txn), "payee": []byte(payee), "amount": []byte(amount)}
	tr := pay.Transaction{App: f.App}
	for _, n := range f.Signed {
		tr.Fields = append(tr.Fields, pay.Field{Name: n, Value: v[n]})
	}
	msg, err := tr.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := pay.Sign(nil, key, f.Scheme, msg)
	if err != nil {
		t.Fatal(err)
	}
	v[f.Signature] = sig
	body, err := f.Build(v)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// segments cuts a body into concatenated 8-bit user data with the UDH 00 reference
// (TS 23.040 9.2.3.24.1): 134 octets of data per segment after the 6-octet header.
func segments(body []byte, ref byte) [][]byte {
	const per = 140 - 6
	n := (len(body) + per - 1) / per
	var out [][]byte
	for i := 0; i < n; i++ {
		end := min((i+1)*per, len(body))
		ud := append([]byte{0x05, 0x00, 0x03, ref, byte(n), byte(i + 1)}, body[i*per:end]...)
		out = append(out, ud)
	}
	return out
}
