package toolkit_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/stkforge/stkforge/stk/cat/profile"
)

// BenchmarkPaymentSession runs whole payment sessions in-process (MENU SELECTION -> language ->
// select -> 2 inputs -> confirm -> PIN -> RSA-2048 signature -> 3 SEND SHORT MESSAGE -> DISPLAY
// TEXT, 21 APDUs) and, in the same run on the same core, raw RSA-2048 PKCS#1 v1.5 signatures,
// reporting sessions/s, signatures/s and their ratio (goal: at least 0.8).
func BenchmarkPaymentSession(b *testing.B) {
	tm := started(b, profile.Profile{})
	session := func() {
		tm.log = tm.log[:0]
		tm.sms = tm.sms[:0]
		tm.selectMenu(2, false)
		tm.script(lang, water, payee, amount, yes, pinStep("1234"))
	}
	session()
	if len(tm.sms) != 3 {
		b.Fatalf("%d SMS", len(tm.sms))
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		session()
	}
	sessions := time.Since(start)
	b.StopTimer()

	digest := sha256.Sum256([]byte("stkforge-sign-v1 benchmark"))
	start = time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := rsa.SignPKCS1v15(nil, cardKey, crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
	raw := time.Since(start)
	sps := float64(b.N) / sessions.Seconds()
	rps := float64(b.N) / raw.Seconds()
	b.ReportMetric(sps, "sessions/s")
	b.ReportMetric(rps, "rsa2048-signs/s")
	b.ReportMetric(sps/rps, "ratio")
}
