package bank_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"

	"github.com/stkforge/stkforge/sim/bank"
)

var fixedNow = func() time.Time { return time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC) }

func newBank(t testing.TB, rec *bytes.Buffer) *bank.Bank {
	k := cardKey(t)
	cfg := bank.Config{Formats: bankFormats(t), Now: fixedNow,
		Keys: bank.KeyMap{Pub: map[string]*rsa.PublicKey{testICCID: &k.PublicKey}, MSISDN: map[string]string{testICCID: testMSISDN}}}
	if rec != nil {
		cfg.Record = rec
	}
	return bank.New(cfg)
}

// TestDecisions: a good payment is accepted, an altered amount, a wrong card key, a replay,
// an unknown card, another line and a body of no format are refused with their reason; the
// receipts and the JSON-lines record are golden.
func TestDecisions(t *testing.T) {
	var rec bytes.Buffer
	b := newBank(t, &rec)
	ctx := context.Background()
	good := payment(t, cardKey(t), testICCID, "1", "6222020000000001", "100")
	altered := bytes.Replace(bytes.Clone(good), []byte(" 100 "), []byte(" 900 "), 1)
	if bytes.Equal(altered, good) {
		t.Fatal("amount not found in the body")
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		from string
		body []byte
		want error
	}{
		{"good", "+" + testMSISDN, good, nil},
		{"altered amount", testMSISDN, altered, bank.ErrSignature},
		{"wrong card key", testMSISDN, payment(t, other, testICCID, "2", "6222020000000001", "100"), bank.ErrSignature},
		{"replay", testMSISDN, good, bank.ErrReplay},
		{"unknown card", testMSISDN, payment(t, cardKey(t), "89882110000000000029", "1", "6222020000000001", "100"), bank.ErrUnknownCard},
		{"other line", "491700000099", payment(t, cardKey(t), testICCID, "3", "6222020000000001", "100"), bank.ErrWrongLine},
		{"not a payment", testMSISDN, []byte("YE 89882110000000000011"), bank.ErrFormat},
		{"second payment", testMSISDN, payment(t, cardKey(t), testICCID, "4", "6222020000000002", "2550"), nil},
	}
	var out strings.Builder
	for _, c := range cases {
		r := b.Process(ctx, c.from, c.body)
		if !errors.Is(r.Err, c.want) || (c.want == nil) != (r.Err == nil) {
			t.Errorf("%s: got %v, want %v", c.name, r.Err, c.want)
		}
		fmt.Fprintf(&out, "%-15s from %-13s -> %s\n", c.name, c.from, r.Receipt)
		if r.Err != nil {
			fmt.Fprintf(&out, "%15s %v\n", "", r.Err)
		}
	}
	out.WriteString("\nrecord (JSON lines):\n")
	out.Write(rec.Bytes())
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/sim/bank"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "decisions", []byte(out.String()))
	if tx := b.Transactions(); len(tx) != 2 || tx[0].Ref != 1 || tx[1].Amount != "2550" {
		t.Errorf("transactions %+v", tx)
	}
	if s := b.Stats(); s.Accepted != 2 || s.Refused["bad signature"] != 2 || s.Refused["duplicate"] != 1 {
		t.Errorf("stats %+v", s)
	}
}

// TestReassembly: segments in any order, repeated, from two payers with the same reference.
func TestReassembly(t *testing.T) {
	b := newBank(t, nil)
	ctx := context.Background()
	body := payment(t, cardKey(t), testICCID, "7", "6222020000000001", "100")
	segs := segments(body, 0x42)
	if len(segs) < 2 {
		t.Fatalf("%d segments: the body should need concatenation", len(segs))
	}
	// the last first, a repeat, then the rest; another payer's segment with the same
	// reference must not mix in
	if r, err := b.Receive(ctx, testMSISDN, true, segs[len(segs)-1]); r != nil || err != nil {
		t.Fatalf("early result %v %v", r, err)
	}
	b.Receive(ctx, testMSISDN, true, segs[len(segs)-1])
	b.Receive(ctx, "491700000077", true, segs[0])
	var res *bank.Result
	for _, s := range segs[:len(segs)-1] {
		r, err := b.Receive(ctx, testMSISDN, true, s)
		if err != nil {
			t.Fatal(err)
		}
		if r != nil {
			res = r
		}
	}
	if res == nil || res.Err != nil || !strings.HasPrefix(res.Receipt, "OK 100.00 to 6222020000000001 ref 1") {
		t.Fatalf("result %+v", res)
	}
	if b.Pending() != 1 {
		t.Errorf("pending %d, want the other payer's series", b.Pending())
	}
}

// TestPrefixes: every strict prefix of a valid body is refused cleanly, never accepted.
func TestPrefixes(t *testing.T) {
	b := newBank(t, nil)
	body := payment(t, cardKey(t), testICCID, "1", "6222020000000001", "100")
	for i := 0; i < len(body); i++ {
		r := b.Process(context.Background(), testMSISDN, body[:i])
		if r.Err == nil {
			t.Fatalf("prefix of %d octets accepted", i)
		}
	}
	segs := segments(body, 1)
	for i := 0; i < 6; i++ {
		if r, err := b.Receive(context.Background(), testMSISDN, true, segs[0][:i]); err == nil && r != nil && r.Err == nil {
			t.Fatalf("header prefix %d accepted", i)
		}
	}
}

// TestBadHeader: a broken user data header is an error naming the field and the offset.
func TestBadHeader(t *testing.T) {
	b := newBank(t, nil)
	_, err := b.Receive(context.Background(), testMSISDN, true, []byte{0x05, 0x00, 0x03, 0x01, 0x02, 0x03, 'x'})
	var rf *bank.Refusal
	if !errors.As(err, &rf) || rf.Field == "" || rf.Offset < 0 {
		t.Fatalf("err %v", err)
	}
	t.Log(err)
}

func TestAmount(t *testing.T) {
	for in, want := range map[string]string{"100": "100.00", "0": "0.00", "007": "7.00", "": "?", "1.5": "1.5"} {
		if got := bank.Amount(in); got != want {
			t.Errorf("Amount(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLimits: the reassembly holds at most MaxSeries incomplete series and MaxParts segments
// per series, whatever senders do.
func TestLimits(t *testing.T) {
	k := cardKey(t)
	b := bank.New(bank.Config{Formats: bankFormats(t), Now: fixedNow, Limits: bank.Limits{MaxSeries: 2, MaxParts: 4},
		Keys: bank.KeyMap{Pub: map[string]*rsa.PublicKey{testICCID: &k.PublicKey}}})
	ctx := context.Background()
	first := []byte{0x05, 0x00, 0x03, 0x07, 0x03, 0x01, 'P'}
	for i, from := range []string{"491700000001", "491700000002"} {
		if r, err := b.Receive(ctx, from, true, first); r != nil || err != nil {
			t.Fatalf("series %d: %v %v", i, r, err)
		}
	}
	if _, err := b.Receive(ctx, "491700000003", true, first); !errors.Is(err, bank.ErrLimit) {
		t.Errorf("third series: %v", err)
	}
	if _, err := b.Receive(ctx, "491700000001", true, []byte{0x05, 0x00, 0x03, 0x08, 0x05, 0x01, 'P'}); !errors.Is(err, bank.ErrLimit) {
		t.Errorf("five parts: %v", err)
	}
	if b.Pending() != 2 {
		t.Errorf("pending %d", b.Pending())
	}
}

// TestRestore: a bank restarted from its record refuses the replay of a payment accepted
// before the restart and numbers its references on.
func TestRestore(t *testing.T) {
	var rec bytes.Buffer
	ctx := context.Background()
	good := payment(t, cardKey(t), testICCID, "1", "6222020000000001", "100")
	if r := newBank(t, &rec).Process(ctx, testMSISDN, good); r.Err != nil {
		t.Fatal(r.Err)
	}
	b := newBank(t, nil)
	if err := b.Restore(bytes.NewReader(rec.Bytes())); err != nil {
		t.Fatal(err)
	}
	if r := b.Process(ctx, testMSISDN, good); !errors.Is(r.Err, bank.ErrReplay) {
		t.Errorf("replay after restart: %v", r.Err)
	}
	r := b.Process(ctx, testMSISDN, payment(t, cardKey(t), testICCID, "2", "6222020000000001", "100"))
	if r.Err != nil || r.Transaction.Ref != 2 {
		t.Errorf("next payment: ref %d, %v", r.Transaction.Ref, r.Err)
	}
	if err := newBank(t, nil).Restore(strings.NewReader("{\"accepted\":true}\nnot json\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad record: %v", err)
	}
}
