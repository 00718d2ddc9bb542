package remote

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestImports holds the layering of DESIGN.md: ota may import stk and keys, never sim, cmd or
// the other ota packages' servers; these codecs need only stk/tlv and the pinned SMS library.
func TestImports(t *testing.T) {
	allowed := map[string]bool{
		"github.com/stkforge/stkforge/stk/tlv":    true,
		"github.com/warthog618/sms/encoding/tpdu": true,
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(p, ".") && !allowed[p] {
				t.Errorf("%s imports %s", e.Name(), p)
			}
		}
	}
}
