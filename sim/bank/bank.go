package bank

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/stk/pay"
	"github.com/stkforge/stkforge/stk/tlv"
)

// Keys finds a card's RSA public key (the one its payment key pair signs with) and the MSISDN
// recorded for it ("" when none is).
type Keys interface {
	CardKey(ctx context.Context, iccid string) (pub *rsa.PublicKey, msisdn string, err error)
}

// StoreKeys finds cards in a key store: the public key is keys.Card.PublicKey (PKIX DER).
type StoreKeys struct{ Store keys.Store }

// CardKey implements Keys. A card the store lacks, or that has no public key recorded, is
// ErrUnknownCard.
func (s StoreKeys) CardKey(ctx context.Context, iccid string) (*rsa.PublicKey, string, error) {
	c, err := s.Store.Card(ctx, keys.ICCID(iccid))
	if errors.Is(err, keys.ErrNotFound) {
		return nil, "", ErrUnknownCard
	}
	if err != nil {
		return nil, "", err
	}
	if len(c.PublicKey) == 0 {
		return nil, "", fmt.Errorf("%w: no public key recorded for %s", ErrUnknownCard, iccid)
	}
	k, err := x509.ParsePKIXPublicKey(c.PublicKey)
	if err != nil {
		return nil, "", fmt.Errorf("card %s public key: %w", iccid, err)
	}
	pub, ok := k.(*rsa.PublicKey)
	if !ok {
		return nil, "", fmt.Errorf("card %s public key: not RSA", iccid)
	}
	return pub, c.MSISDN, nil
}

// KeyMap is Keys from memory: ICCID -> public key, and optionally ICCID -> MSISDN.
type KeyMap struct {
	Pub    map[string]*rsa.PublicKey
	MSISDN map[string]string
}

// CardKey implements Keys.
func (m KeyMap) CardKey(_ context.Context, iccid string) (*rsa.PublicKey, string, error) {
	pub, ok := m.Pub[iccid]
	if !ok {
		return nil, "", ErrUnknownCard
	}
	return pub, m.MSISDN[iccid], nil
}

// Fields names the body variables the bank reads besides the signature (the spec's names).
type Fields struct {
	ICCID, Counter, Payee, Amount string
}

// DefaultFields are the names of fixtures/menus/bank-zh.yaml's pay item.
var DefaultFields = Fields{ICCID: "card.iccid", Counter: "txn", Payee: "payee", Amount: "amount"}

// Config configures a Bank.
type Config struct {
	// Formats are the signed payment messages of the bank's menu (pay.Formats or
	// pay.FormatsFromImage); a body is read with the first that parses it.
	Formats []*pay.Format
	Keys    Keys
	Fields  Fields // zero: DefaultFields
	// Record, when set, receives every payment decided, accepted or refused, as one JSON line.
	Record io.Writer
	Limits Limits
	Now    func() time.Time // default time.Now
}

// Transaction is one payment the bank decided.
type Transaction struct {
	Ref      int64     `json:"ref,omitempty"` // the bank's reference, accepted payments only
	Time     time.Time `json:"time"`
	From     string    `json:"from"`
	ICCID    string    `json:"iccid,omitempty"`
	Counter  string    `json:"txn,omitempty"`
	Payee    string    `json:"payee,omitempty"`
	Amount   string    `json:"amount,omitempty"`
	App      string    `json:"app,omitempty"`
	Accepted bool      `json:"accepted"`
	Reason   string    `json:"reason,omitempty"`
}

// Result is what the bank made of one whole payment message.
type Result struct {
	Transaction Transaction
	Err         error  // a *Refusal, or nil when accepted
	Receipt     string // the text sent back to the payer
}

// Stats counts the bank's decisions.
type Stats struct {
	Accepted int64
	Refused  map[string]int64 // by Refusal.Reason()
}

// Bank verifies payment messages and keeps the accepted transactions. It is safe for
// concurrent use.
type Bank struct {
	cfg Config

	mu       sync.Mutex
	re       *reassembler
	seen     map[[2]string]int64 // (ICCID, txn) -> ref
	accepted []Transaction
	refused  map[string]int64
	ref      int64
}

// New returns a bank.
func New(cfg Config) *Bank {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Fields == (Fields{}) {
		cfg.Fields = DefaultFields
	}
	return &Bank{cfg: cfg, re: newReassembler(cfg.Limits, cfg.Now), seen: map[[2]string]int64{}, refused: map[string]int64{}}
}

// Receive takes the user data of one short message from originator (udhi: it starts with a
// user data header) and returns the result once the payment's last segment is in, nil while
// segments are missing. An error is a segment that cannot be used (a *Refusal); it has no
// result because there is no body to answer about.
func (b *Bank) Receive(ctx context.Context, from string, udhi bool, ud []byte) (*Result, error) {
	b.mu.Lock()
	body, err := b.re.add(from, udhi, ud)
	b.mu.Unlock()
	if err != nil || body == nil {
		return nil, err
	}
	r := b.Process(ctx, from, body)
	return &r, nil
}

// Process decides one whole payment body from originator: parse it with the menu's formats,
// find the card by the ICCID it carries, check the line, the signature and that the
// transaction counter was not used before, record it and write the receipt.
func (b *Bank) Process(ctx context.Context, from string, body []byte) Result {
	t := Transaction{Time: b.cfg.Now().UTC(), From: from}
	m, err := b.parse(body)
	if err == nil {
		t.App = m.Format.App
		t.ICCID = value(m, b.cfg.Fields.ICCID)
		t.Counter = value(m, b.cfg.Fields.Counter)
		t.Payee = value(m, b.cfg.Fields.Payee)
		t.Amount = value(m, b.cfg.Fields.Amount)
		err = b.check(ctx, from, body, m, &t)
	}
	if err == nil {
		b.mu.Lock()
		k := [2]string{t.ICCID, t.Counter}
		if ref, dup := b.seen[k]; dup {
			err = refuse(ErrReplay, b.cfg.Fields.Counter, -1, "card %s transaction %s was accepted as ref %d", t.ICCID, t.Counter, ref)
		} else {
			b.ref++
			t.Ref, t.Accepted = b.ref, true
			b.seen[k] = t.Ref
			b.accepted = append(b.accepted, t)
		}
		b.mu.Unlock()
	}
	r := Result{Transaction: t, Err: err}
	if err != nil {
		var rf *Refusal
		if !errors.As(err, &rf) {
			rf = &Refusal{Kind: errors.New("internal error"), Offset: -1, Detail: err.Error()}
			r.Err = rf
		}
		r.Transaction.Reason = rf.Error()
		b.mu.Lock()
		b.refused[rf.Reason()]++
		b.mu.Unlock()
	}
	r.Receipt = receipt(r.Transaction, r.Err)
	b.record(r.Transaction)
	return r
}

func (b *Bank) parse(body []byte) (*pay.Message, error) {
	if len(b.cfg.Formats) == 0 {
		return nil, refuse(ErrFormat, "", -1, "the bank knows no payment format")
	}
	var first error
	for _, f := range b.cfg.Formats {
		m, err := f.Parse(body)
		if err == nil {
			return m, nil
		}
		if first == nil {
			first = err
		}
	}
	var te *tlv.Error
	if errors.As(first, &te) {
		return nil, refuse(ErrFormat, te.Field, te.Offset, "%s", te.Msg)
	}
	return nil, refuse(ErrFormat, "", -1, "%v", first)
}

func (b *Bank) check(ctx context.Context, from string, body []byte, m *pay.Message, t *Transaction) error {
	f := b.cfg.Fields
	if _, ok := m.Value(f.ICCID); !ok {
		return refuse(ErrFormat, f.ICCID, -1, "the body carries no ICCID")
	}
	if _, ok := m.Value(f.Counter); !ok {
		return refuse(ErrFormat, f.Counter, -1, "the body carries no transaction counter")
	}
	pub, msisdn, err := b.cfg.Keys.CardKey(ctx, t.ICCID)
	if errors.Is(err, ErrUnknownCard) {
		return refuse(ErrUnknownCard, f.ICCID, -1, "%q: %v", t.ICCID, err)
	}
	if err != nil {
		return err
	}
	if msisdn != "" && digits(msisdn) != digits(from) {
		return refuse(ErrWrongLine, "", -1, "card %s belongs to %s, the message came from %s", t.ICCID, msisdn, from)
	}
	if err := m.Verify(pub); err != nil {
		return refuse(ErrSignature, m.Format.Signature, bytes.LastIndex(body, m.Signature), "card %s: %v", t.ICCID, err)
	}
	return nil
}

func (b *Bank) record(t Transaction) {
	if b.cfg.Record == nil {
		return
	}
	line, _ := json.Marshal(t)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cfg.Record.Write(append(line, '\n'))
}

// Restore reads a record written earlier (Config.Record: JSON lines) and takes its accepted
// payments back, so a restarted bank still refuses their replays and goes on numbering its
// references after theirs. A line that does not read is an error naming its line number.
func (b *Bank) Restore(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	b.mu.Lock()
	defer b.mu.Unlock()
	for line := 1; sc.Scan(); line++ {
		var t Transaction
		if err := json.Unmarshal(sc.Bytes(), &t); err != nil {
			return fmt.Errorf("bank: record line %d: %w", line, err)
		}
		if !t.Accepted {
			continue
		}
		k := [2]string{t.ICCID, t.Counter}
		if _, dup := b.seen[k]; dup {
			return fmt.Errorf("bank: record line %d: card %s transaction %s accepted twice", line, t.ICCID, t.Counter)
		}
		b.seen[k] = t.Ref
		b.accepted = append(b.accepted, t)
		b.ref = max(b.ref, t.Ref)
	}
	return sc.Err()
}

// Transactions returns the accepted payments in the order they were accepted.
func (b *Bank) Transactions() []Transaction {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Transaction(nil), b.accepted...)
}

// Stats returns the counts so far.
func (b *Bank) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := Stats{Accepted: int64(len(b.accepted)), Refused: map[string]int64{}}
	for k, v := range b.refused {
		s.Refused[k] = v
	}
	return s
}

// Pending is the number of incomplete concatenated messages held.
func (b *Bank) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.re.series)
}

func value(m *pay.Message, name string) string {
	v, _ := m.Value(name)
	return string(v)
}

func digits(s string) string {
	return strings.TrimLeft(strings.TrimPrefix(s, "+"), "0")
}

// receipt is the text the payer's handset shows: "OK 100.00 to X ref N", or the refusal.
func receipt(t Transaction, err error) string {
	if err == nil {
		return fmt.Sprintf("OK %s to %s ref %d", Amount(t.Amount), printable(t.Payee), t.Ref)
	}
	reason := "error"
	var rf *Refusal
	if errors.As(err, &rf) {
		reason = rf.Reason()
	}
	if t.Amount == "" {
		return "REFUSED: " + reason
	}
	return fmt.Sprintf("REFUSED %s to %s: %s", Amount(t.Amount), printable(t.Payee), reason)
}

// Amount shows an amount entered in yuan (digits) with two decimals: "100" -> "100.00".
// Anything else is shown as it is, made printable.
func Amount(s string) string {
	if s == "" {
		return "?"
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return printable(s)
		}
	}
	s = strings.TrimLeft(s, "0")
	if s == "" {
		s = "0"
	}
	return s + ".00"
}

// printable keeps the characters the GSM 7-bit default alphabet and ASCII share, so a receipt
// never fails to encode; at most 24 of them.
func printable(s string) string {
	var b strings.Builder
	for _, c := range s {
		if b.Len() == 24 {
			b.WriteString("...")
			break
		}
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == ' ', c == '.', c == '-', c == '+':
			b.WriteRune(c)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
