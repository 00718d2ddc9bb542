package check

import (
	"math/rand"
	"os"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
	"github.com/stkforge/stkforge/stk/spec"
)

// FuzzCheck: parse and check never panic, every diagnostic has a code and a position inside
// the file, and a spec that parsed gives a program whose listing can be printed.
func FuzzCheck(f *testing.F) {
	fuzzseed.Add(f)
	for _, dir := range []string{"menus", "menus/bad"} {
		for _, file := range menuFiles(f, dir) {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, diags := Lint("f.yaml", data, Options{})
		src := spec.NewSource("f.yaml", data)
		for _, d := range diags {
			if !d.Within(src) {
				t.Errorf("diagnostic without code or position in the file: %+v", d)
			}
		}
		if p != nil {
			_ = p.Listing()
		}
		if p == nil && !diags.HasErrors() {
			t.Fatal("no program and no error")
		}
	})
}

// TestMutatedSpecs is a deterministic complement to FuzzCheck that runs with every go test:
// the example and bad specs with random edits (bytes changed, deleted, YAML punctuation
// inserted, spans cut) never make the checker panic or report outside the file.
func TestMutatedSpecs(t *testing.T) {
	var seeds [][]byte
	for _, dir := range []string{"menus", "menus/bad"} {
		for _, file := range menuFiles(t, dir) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			seeds = append(seeds, data)
		}
	}
	const punct = "{}[]:-'\"#&*!|>\n \t,?"
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 1500; i++ {
		b := append([]byte(nil), seeds[r.Intn(len(seeds))]...)
		for j := 1 + r.Intn(6); j > 0 && len(b) > 0; j-- {
			k := r.Intn(len(b))
			switch r.Intn(4) {
			case 0:
				b[k] = byte(r.Intn(256))
			case 1:
				b = append(b[:k], b[k+1:]...)
			case 2:
				b = append(b[:k], append([]byte{punct[r.Intn(len(punct))]}, b[k:]...)...)
			case 3:
				if m := r.Intn(len(b)); m > k {
					b = append(b[:k], b[m:]...)
				}
			}
		}
		p, diags := Lint("f.yaml", b, Options{})
		src := spec.NewSource("f.yaml", b)
		for _, d := range diags {
			if !d.Within(src) {
				t.Fatalf("input %q: diagnostic outside the file: %+v", b, d)
			}
		}
		if p != nil {
			_ = p.Listing()
		}
	}
}

// TestPrefixes: every strict prefix of each example spec (cut anywhere, even inside a UTF-8
// character) checks without a panic and with every diagnostic inside the file.
func TestPrefixes(t *testing.T) {
	for _, file := range menuFiles(t, "menus") {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		step := 1 + len(data)/400 // every byte of small specs, a sample of large ones
		for n := 0; n < len(data); n += step {
			b := data[:n]
			p, diags := Lint("p.yaml", b, Options{})
			src := spec.NewSource("p.yaml", b)
			for _, d := range diags {
				if !d.Within(src) {
					t.Fatalf("%s cut at %d: diagnostic outside the file: %+v", file, n, d)
				}
			}
			if p != nil {
				_ = p.Listing()
			}
		}
	}
}
