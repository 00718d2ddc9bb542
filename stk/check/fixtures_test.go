package check

import (
	"os"
	"path/filepath"
	"testing"
)

// fixtureDir is the repository's fixtures directory, from this package's directory.
const fixtureDir = "../../fixtures"

func menuFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fixtureDir, dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no specs in %s", dir)
	}
	return files
}

func lintFile(t testing.TB, path string) (*Program, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, diags := Lint(filepath.ToSlash(filepath.Join("fixtures", filepath.Base(filepath.Dir(path)), filepath.Base(path))), data, Options{})
	return p, []byte(diags.Format(0))
}

// TestGoodMenusClean: every example menu checks without errors or warnings.
func TestGoodMenusClean(t *testing.T) {
	for _, f := range menuFiles(t, "menus") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, out := lintFile(t, f)
			if len(out) > 0 {
				t.Errorf("diagnostics:\n%s", out)
			}
			if p == nil || p.Main == nil {
				t.Fatal("no program")
			}
		})
	}
}
