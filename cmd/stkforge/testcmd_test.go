package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A user's own menu directory needs no card profile: scenarios that name none run on the
// embedded default card, --update writes the golden file, and a changed menu fails with a diff.
func TestTestCmdDefaultCard(t *testing.T) {
	dir := t.TempDir()
	spec, err := os.ReadFile("../../fixtures/menus/hello.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("hello.yaml", string(spec))
	write("hello.scenario.yaml", "name: hello\nhandset: strict\nspec: hello.yaml\nsteps:\n  - expect: Hello\n  - select: Say hello\n  - ok\n")
	if code, out, errOut := runCLI(t, "", "test", dir, "--update"); code != 0 || !strings.Contains(out, "UPDATED") {
		t.Fatalf("test --update: code %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "", "test", dir); code != 0 || !strings.Contains(out, "--- PASS") {
		t.Fatalf("test: code %d\n%s%s", code, out, errOut)
	}
	write("hello.yaml", strings.Replace(string(spec), "Say hello", "Say hi", 1))
	code, out, _ := runCLI(t, "", "test", dir)
	if code != 1 || !strings.Contains(out, "--- FAIL") {
		t.Fatalf("changed menu: code %d\n%s", code, out)
	}
}
