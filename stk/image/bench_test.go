package image_test

import (
	"testing"

	"github.com/stkforge/stkforge/stk/image"
)

// BenchmarkLoad: complete validation of the sample payment image (every template and SMS
// rendered with worst-case values in both languages and decoded by stk/cat), as the card does
// before activating it.
func BenchmarkLoad(b *testing.B) {
	file := payment(b).Bytes()
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := image.Load(file); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
	b.ReportMetric(float64(len(file)), "image-bytes")
}
