package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sebdah/goldie/v2"

	"github.com/stkforge/stkforge/stk/spec"
)

func golden(t *testing.T, sub string) *goldie.Goldie {
	return goldie.New(t,
		goldie.WithFixtureDir(filepath.Join(fixtureDir, "golden", "stk", "check", sub)),
		goldie.WithNameSuffix(".golden"))
}

// TestListingGolden: the checked program of each example menu, as a listing.
func TestListingGolden(t *testing.T) {
	g := golden(t, "")
	for _, f := range menuFiles(t, "menus") {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			p, out := lintFile(t, f)
			if len(out) > 0 {
				t.Fatalf("diagnostics:\n%s", out)
			}
			g.Assert(t, name, []byte(p.Listing()))
		})
	}
}

// TestBadSpecs: each spec under fixtures/menus/bad shows one error class, named by its file:
// the run fails, reports that code, gives every diagnostic a position inside the file, and
// prints exactly the golden text.
func TestBadSpecs(t *testing.T) {
	g := golden(t, "bad")
	for _, f := range menuFiles(t, "menus/bad") {
		code := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(code, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			name := "fixtures/menus/bad/" + code + ".yaml"
			_, diags := Lint(name, data, Options{})
			if !diags.HasErrors() {
				t.Fatalf("no errors")
			}
			found := false
			for _, d := range diags {
				found = found || d.Code == code
			}
			if !found {
				t.Errorf("no %q diagnostic in:\n%s", code, diags.Format(0))
			}
			src := spec.NewSource(name, data)
			for _, d := range diags {
				if !d.Within(src) {
					t.Errorf("diagnostic without code or position in the file: %+v", d)
				}
			}
			g.Assert(t, code, []byte(diags.Format(0)))
		})
	}
}
