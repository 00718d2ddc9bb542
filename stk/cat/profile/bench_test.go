package profile

import (
	"encoding/json"
	"testing"
)

// BenchmarkParseSupports is what a card does on TERMINAL PROFILE and then before each proactive
// command: parse the bytes once, ask about a command. Reports profiles parsed and checked per
// second.
func BenchmarkParseSupports(b *testing.B) {
	raw := Android().Encode()
	b.ReportAllocs()
	for b.Loop() {
		p, err := Parse(raw)
		if err != nil || !p.Supports(0x25, 0x00) {
			b.Fatal("SET UP MENU not supported")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "profiles/s")
}

// BenchmarkSupports is the per-command check alone: commands checked per second.
func BenchmarkSupports(b *testing.B) {
	p := Android()
	b.ReportAllocs()
	for b.Loop() {
		if !p.Supports(0x26, 0x04) {
			b.Fatal("PLI language not supported")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
}

// BenchmarkJSONRoundTrip reports handset profiles loaded from JSON per second.
func BenchmarkJSONRoundTrip(b *testing.B) {
	js, _ := json.Marshal(Strict())
	b.ReportAllocs()
	for b.Loop() {
		var p Profile
		if err := json.Unmarshal(js, &p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "profiles/s")
}
