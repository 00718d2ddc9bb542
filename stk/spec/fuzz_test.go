package spec

import (
	"os"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

// FuzzParse: no input makes the parser panic, every diagnostic has a code and a position inside
// the file, and a spec without errors has a tree.
func FuzzParse(f *testing.F) {
	fuzzseed.Add(f)
	for _, dir := range []string{"menus", "menus/bad"} {
		for _, file := range specFiles(f, dir) {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("stkforge: 1\nname: x\nmenu: {title: T, items: [{id: a, text: A, do: [{if: \"a >\"}]}]}\n"))
	f.Add([]byte("menu: !!map {a: *b}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, diags := Parse("f.yaml", data)
		CheckPositions(t, diags, NewSource("f.yaml", data))
		if !diags.HasErrors() && tree == nil {
			t.Fatal("no errors and no tree")
		}
		_ = diags.Normalize().Format(0)
		_ = Dump(tree)
	})
}

// CheckPositions fails t for a diagnostic without a code or outside src.
func CheckPositions(t testing.TB, diags Diagnostics, src *Source) {
	t.Helper()
	for _, d := range diags {
		if !d.Within(src) {
			t.Errorf("diagnostic without code or position inside %s (%d lines): %+v", src.Name, src.Lines(), d)
		}
	}
}
