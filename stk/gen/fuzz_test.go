package gen

import (
	"math/rand/v2"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
	"github.com/stkforge/stkforge/stk/check"
	"github.com/stkforge/stkforge/stk/image"
)

// FuzzCompile: any spec bytes: no panic; every diagnostic has a position; whatever compiles
// loads back with the same listing.
func FuzzCompile(f *testing.F) {
	fuzzseed.Add(f)
	for _, name := range menuNames {
		f.Add(readMenu(f, name).Data)
	}
	f.Add(randomSpec(rand.New(rand.NewPCG(2, 2)), "fuzz", 12, 2))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, diags := Compile([]check.SpecFile{{Name: "fuzz.yaml", Data: data}}, Options{})
		for _, d := range diags {
			if d.Line < 1 || d.Col < 1 || d.Code == "" {
				t.Fatalf("diagnostic without position or code: %+v", d)
			}
		}
		img := res[0].Image
		if img == nil {
			return
		}
		back, err := image.Load(img.Bytes())
		if err != nil {
			t.Fatalf("compiled image does not load: %v", err)
		}
		if back.Listing(image.ListingOptions{}) != img.Listing(image.ListingOptions{}) {
			t.Fatal("listing changed through Load")
		}
		if _, err := Hexdump(img.Bytes()); err != nil {
			t.Fatalf("hexdump: %v", err)
		}
	})
}

// FuzzHexdump: the annotated hexdump of arbitrary bytes never panics.
func FuzzHexdump(f *testing.F) {
	fuzzseed.Add(f)
	for _, name := range menuNames {
		res, _ := Compile([]check.SpecFile{readMenu(f, name)}, Options{})
		if res[0].Image != nil {
			f.Add(res[0].Image.Bytes())
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Hexdump(b)
	})
}
