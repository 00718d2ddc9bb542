package check

import (
	"os"
	"strings"
	"testing"
)

// TestDocExample: the complete example of docs/spec-language.md checks with exactly the one
// error the page says it has (the call is not in its manifest).
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/spec-language.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	start := strings.Index(s, "```yaml\n")
	end := strings.Index(s[start+8:], "```\n")
	if start < 0 || end < 0 {
		t.Fatal("no yaml example")
	}
	example := s[start+8 : start+8+end]
	_, diags := Lint("example.yaml", []byte(example), Options{})
	if len(diags) != 1 || diags[0].Code != "manifest-undeclared" || !strings.Contains(diags[0].Message, `call to "95588"`) {
		t.Fatalf("want one manifest-undeclared error for the call, got:\n%s", diags.Format(0))
	}
	fixed := strings.Replace(example, "  sms:\n", "  call: [{to: \"95588\", why: the bank's customer service line}]\n  sms:\n", 1)
	p, diags := Lint("example.yaml", []byte(fixed), Options{})
	if len(diags) != 0 {
		t.Fatalf("with the call declared:\n%s", diags.Format(0))
	}
	if p.Main == nil || len(p.Main.Items) != 3 || len(p.Menus) != 1 {
		t.Errorf("unexpected program:\n%s", p.Listing())
	}
}
