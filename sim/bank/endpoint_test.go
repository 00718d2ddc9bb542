package bank_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/warthog618/sms/encoding/tpdu"

	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/sim/bank"
	"github.com/stkforge/stkforge/sim/network"
	"github.com/stkforge/stkforge/stk/text"
)

// phone is a handset that keeps the texts it receives.
type phone struct {
	mu    sync.Mutex
	texts []string
	got   chan struct{}
}

func (p *phone) DeliverSMS(_ context.Context, b []byte) ([]byte, error) {
	t := tpdu.TPDU{Direction: tpdu.MT}
	if err := t.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	s, err := text.DecodeGSM(t.UD)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.texts = append(p.texts, s)
	p.mu.Unlock()
	p.got <- struct{}{}
	return nil, nil
}

// TestEndpoint runs the bank over real TCP behind the virtual SMSC: the payer's segments go in
// as MO SMS-SUBMITs to 95588, the bank answers each payment with a receipt the phone receives.
func TestEndpoint(t *testing.T) {
	smsc, err := network.Listen(network.Config{Accounts: map[string]string{"bank": "secret"}, Routes: map[string]string{"95588": "bank"}})
	if err != nil {
		t.Fatal(err)
	}
	defer smsc.Close()
	ph := &phone{got: make(chan struct{}, 16)}
	smsc.Register("+"+testMSISDN, ph)
	b := newBank(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ep, err := bank.Dial(ctx, b, bank.EndpointConfig{Addr: smsc.Addr().String(), SystemID: "bank", Password: "secret", Number: "95588"})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	good := payment(t, cardKey(t), testICCID, "1", "6222020000000001", "100")
	altered := []byte(strings.Replace(string(good), " 100 ", " 900 ", 1))
	steps := []struct {
		name, body, want string
	}{
		{"good", string(good), "OK 100.00 to 6222020000000001 ref 1"},
		{"altered amount", string(altered), "REFUSED 900.00 to 6222020000000001: bad signature"},
		{"wrong card key", string(payment(t, other, testICCID, "2", "6222020000000001", "100")), "REFUSED 100.00 to 6222020000000001: bad signature"},
		{"replay", string(good), "REFUSED 100.00 to 6222020000000001: duplicate"},
	}
	for i, s := range steps {
		for _, ud := range segments([]byte(s.body), byte(i+1)) {
			sub := &smspp.Submit{UDHI: true, MR: byte(i), DA: smspp.Number("95588"), DCS: 0x04, UD: ud}
			tp, err := sub.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if err := smsc.SubmitMO("+"+testMSISDN, tp); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case <-ph.got:
		case <-ctx.Done():
			t.Fatalf("%s: no receipt", s.name)
		}
		ph.mu.Lock()
		got := ph.texts[len(ph.texts)-1]
		ph.mu.Unlock()
		if got != s.want {
			t.Errorf("%s: receipt %q, want %q", s.name, got, s.want)
		}
	}
	if n := len(b.Transactions()); n != 1 {
		t.Errorf("%d transactions accepted", n)
	}
}
