package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParseBank is the parse alone of the Chinese bank menu (check.BenchmarkLintBank adds
// the checker).
func BenchmarkParseBank(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(fixtureDir, "menus", "bank-zh.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if f, diags := Parse("bank-zh.yaml", data); f == nil || len(diags) > 0 {
			b.Fatal(diags.Format(0))
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "specs/s")
}
