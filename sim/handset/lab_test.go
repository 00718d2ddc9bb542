package handset

import (
	"strings"
	"testing"
)

// TestLabPaymentSignature: the bank-zh payment's SMS carry a signature that verifies with the
// card's public key; one changed byte of the payee (altered in transit) and it no longer does.
func TestLabPaymentSignature(t *testing.T) {
	sc, err := LoadScenario("../../fixtures/scenarios/bank-zh-pay.scenario.yaml")
	if err != nil {
		t.Fatal(err)
	}
	img, err := CompileSpec("../../fixtures/menus/bank-zh.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lab, err := OpenLab("../../fixtures/scenarios/cards/pin6.json", img)
	if err != nil {
		t.Fatal(err)
	}
	prof, _ := LookupProfile("android")
	h := New(lab.Card, prof, WithLanguage("zh"))
	sc.Verifier = lab.VerifyPayments
	if err := sc.Run(h); err != nil {
		t.Fatal(err)
	}
	out := h.Outbox()
	if n, err := lab.VerifyPayments(out); n != 1 || err != nil {
		t.Fatalf("verified %d, %v", n, err)
	}
	bodies := Bodies(out)
	if len(bodies) != 1 || !strings.HasPrefix(string(bodies[0].UD), "PAY 8988211000000430010 1 6222020000000001 100 ") {
		t.Fatalf("bodies %+v", bodies)
	}
	i := strings.Index(string(out[0].UD), "6222")
	out[0].UD = append([]byte(nil), out[0].UD...)
	out[0].UD[i] = '7'
	if n, err := lab.VerifyPayments(out); n != 0 || err == nil {
		t.Fatalf("altered payee: verified %d, %v", n, err)
	}
}
