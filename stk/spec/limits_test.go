package spec

import (
	"strings"
	"testing"
)

// TestLimits: deeply nested brackets (which the YAML parser takes minutes over) and huge files
// are refused at once, with a position; brackets in quotes and comments do not count.
func TestLimits(t *testing.T) {
	deep := "a: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n"
	tree, diags := Parse("d.yaml", []byte(deep))
	if tree != nil || len(diags) != 1 || diags[0].Line != 1 || diags[0].Col != 4+MaxNesting {
		t.Errorf("deep nesting: %v", diags)
	}
	ok := "stkforge: 1\nname: t\n# " + strings.Repeat("[", 100) + "\nmenu: {title: \"" + strings.Repeat("{", 100) + "\", items: []}\n"
	if _, diags := Parse("q.yaml", []byte(ok)); len(diags) != 0 {
		t.Errorf("brackets in a comment and a quoted string: %v", diags)
	}
	if tree, diags := Parse("big.yaml", make([]byte, MaxSpecSize+1)); tree != nil || len(diags) != 1 {
		t.Errorf("oversized spec: %v", diags)
	}
}
