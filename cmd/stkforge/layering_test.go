package main

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/stkforge/stkforge"

// forbidden lists, per top-level package, the module packages it must never import (DESIGN.md,
// "Direction of imports"): stk and keys stand alone; ota builds on them; sim may use ota's codecs
// but never its server or campaigns.
var forbidden = map[string][]string{
	"stk":  {"ota", "sim", "keys", "cmd"},
	"keys": {"stk", "ota", "sim", "cmd"},
	"ota":  {"sim", "cmd"},
	"sim":  {"ota/server", "ota/campaign", "ota/smpp", "cmd"},
}

func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps=false", "-f", `{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		top, _, _ := strings.Cut(pkg, "/")
		rules := forbidden[top]
		checked++
		for _, imp := range fields[1:] {
			rel, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				continue
			}
			for _, f := range rules {
				if rel == f || strings.HasPrefix(rel, f+"/") {
					t.Errorf("%s imports %s: %s must not depend on %s", pkg, rel, top, f)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("go list listed no packages")
	}
}
