package handset

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/stkforge/stkforge/sim/card"
)

var benchKey = func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}()

func paySession(tb testing.TB, h *Handset) {
	for _, err := range []error{h.SelectText("支付"), h.Enter("100"), h.Yes(), h.Enter("1234"), h.OK()} {
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// TestSignedPayment: the signature the card sends in two SMS verifies with its public key.
func TestSignedPayment(t *testing.T) {
	kit := payKit(t)
	kit.sign = benchKey
	h, _ := newSession(t, kit, "android")
	must(t, h.PowerOn())
	paySession(t, h)
	out := h.Outbox()
	if len(out) != 2 || out[0].Address != "95588" {
		t.Fatalf("outbox %+v", out)
	}
	sum := sha256.Sum256([]byte("PAY 100"))
	if err := rsa.VerifyPKCS1v15(&benchKey.PublicKey, crypto.SHA256, sum[:], append(out[0].UD, out[1].UD...)); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkPaymentSession: full payment sessions in-process (menu selection, amount, yes, PIN
// checked on the card, RSA-2048 signature, two SMS, receipt), with the APDUs they take and,
// measured in the same run, raw RSA-2048 PKCS#1 v1.5 signatures per second on the same core.
func BenchmarkPaymentSession(b *testing.B) {
	sum := sha256.Sum256([]byte("PAY 100"))
	// raw signatures first, on the same goroutine and core, in the same run
	const sigs = 500
	start := time.Now()
	for i := 0; i < sigs; i++ {
		rsa.SignPKCS1v15(nil, benchKey, crypto.SHA256, sum[:])
	}
	sigTime := float64(time.Since(start).Nanoseconds()) / sigs
	kit := payKit(b)
	kit.sign = benchKey
	apdus := 0
	h, _ := newSession(b, kit, "android", WithExchange(func(card.Exchange) { apdus++ }))
	if err := h.PowerOn(); err != nil {
		b.Fatal(err)
	}
	apdus = 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		paySession(b, h)
		if i%64 == 0 {
			h.ClearEvents()
		}
		kit.trs = kit.trs[:0]
	}
	b.StopTimer()
	perSession := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(1/perSession, "sessions/s")
	b.ReportMetric(float64(apdus)/b.Elapsed().Seconds(), "APDUs/s")
	b.ReportMetric(float64(apdus)/float64(b.N), "APDUs/session")
	b.ReportMetric(1e9/sigTime, "rsa2048-signs/s")
	b.ReportMetric((1/perSession)/(1e9/sigTime), "sessions/signs")
}

// BenchmarkBankZhPayment: the real path. fixtures/menus/bank-zh.yaml compiled by stk/gen, run
// by sim/toolkit on the card: menu selection, payee, amount, yes, PIN, the card's RSA-2048
// signature, three concatenated SMS, receipt. Raw RSA-2048 signatures per second with the same
// key size are measured in the same run, on the same goroutine.
func BenchmarkBankZhPayment(b *testing.B) {
	img, err := CompileSpec("../../fixtures/menus/bank-zh.yaml")
	if err != nil {
		b.Fatal(err)
	}
	lab, err := OpenLab("../../fixtures/scenarios/cards/pin6.json", img)
	if err != nil {
		b.Fatal(err)
	}
	prof, _ := LookupProfile("android")
	apdus := 0
	h := New(lab.Card, prof, WithLanguage("zh"), WithExchange(func(card.Exchange) { apdus++ }))
	if err := h.PowerOn(); err != nil {
		b.Fatal(err)
	}
	session := func() {
		for _, err := range []error{h.SelectText("支付"), h.Enter("6222020000000001"), h.Enter("100"), h.Yes(),
			h.Enter("123456"), h.OK()} {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	session() // warm up: the key pair is loaded on first use
	if n, err := lab.VerifyPayments(h.Outbox()); n != 1 || err != nil {
		b.Fatalf("verified %d: %v", n, err)
	}
	sum := sha256.Sum256([]byte("PAY 100"))
	const sigs = 500
	start := time.Now()
	for i := 0; i < sigs; i++ {
		rsa.SignPKCS1v15(nil, benchKey, crypto.SHA256, sum[:])
	}
	sigRate := sigs / time.Since(start).Seconds()
	h.ClearEvents()
	apdus = 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		session()
		if i%64 == 0 {
			h.ClearEvents()
		}
	}
	b.StopTimer()
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "sessions/s")
	b.ReportMetric(float64(apdus)/b.Elapsed().Seconds(), "APDUs/s")
	b.ReportMetric(float64(apdus)/float64(b.N), "APDUs/session")
	b.ReportMetric(sigRate, "rsa2048-signs/s")
	b.ReportMetric(rate/sigRate, "sessions/signs")
}
