package main

import (
	"context"
	"os"
	"strconv"
	"testing"
)

// BenchmarkDemo runs the whole demo end to end (STKFORGE_DEMO_CARDS cards, default 1000) and
// reports what users care about: OTA SMS segments per second and cards per second from the
// campaign's start to its last PoR, payments verified per second, and the whole run's
// seconds (setup, dominated by an RSA key pair per card, included).
//
//	go test ./cmd/stkforge -run XXX -bench Demo -benchtime 1x
func BenchmarkDemo(b *testing.B) {
	n := 1000
	if s := os.Getenv("STKFORGE_DEMO_CARDS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		n = v
	}
	var seg, cards, pays, e2e, setup float64
	for i := 0; i < b.N; i++ {
		sum, err := demoRun(context.Background(), demoOptions{Cards: n})
		if err != nil {
			b.Fatal(err)
		}
		if !sum.OK {
			b.Fatalf("not every card updated and paid: %+v", sum)
		}
		seg += sum.SegmentsPerS
		cards += sum.CardsPerS
		pays += float64(sum.Payments.Verified) / sum.PaymentsS
		e2e += sum.ElapsedS
		setup += sum.SetupS
	}
	k := float64(b.N)
	b.ReportMetric(seg/k, "segments/s")
	b.ReportMetric(cards/k, "cards/s")
	b.ReportMetric(pays/k, "payments/s")
	b.ReportMetric(setup/k, "setup-s")
	b.ReportMetric(e2e/k, "e2e-s")
}
