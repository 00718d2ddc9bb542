package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stkforge/stkforge/stk/check"
	"github.com/stkforge/stkforge/stk/gen"
	"github.com/stkforge/stkforge/stk/image"
)

// repoRoot makes the test run from the repository root, so spec paths in diagnostics read as
// in the golden files (fixtures/menus/...).
func repoRoot(t *testing.T) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(wd, "..", ".."))
}

var exampleMenus = []string{"fixtures/menus/hello.yaml", "fixtures/menus/mpesa-en.yaml", "fixtures/menus/bank-zh.yaml"}

// TestLintBadSpecs: every bad spec gives, through `stkforge lint`, exactly the checker's golden
// error text on stderr and a non-zero exit; --json gives the same diagnostics as JSON.
func TestLintBadSpecs(t *testing.T) {
	repoRoot(t)
	bad, err := filepath.Glob("fixtures/menus/bad/*.yaml")
	if err != nil || len(bad) == 0 {
		t.Fatalf("no bad specs: %v", err)
	}
	for _, f := range bad {
		code := strings.TrimSuffix(filepath.Base(f), ".yaml")
		want, err := os.ReadFile(filepath.Join("fixtures/golden/stk/check/bad", code+".golden"))
		if err != nil {
			t.Fatal(err)
		}
		rc, out, errOut := runCLI(t, "", "lint", f)
		if rc != 1 || out != "" {
			t.Errorf("%s: exit %d, stdout %q", code, rc, out)
		}
		got := errOut[:strings.LastIndex(errOut, "stkforge: ")]
		if got != string(want) {
			t.Errorf("%s: stderr\n%s\nwant\n%s", code, got, want)
		}
		rc, out, _ = runCLI(t, "", "lint", "--json", f)
		var diags []map[string]any
		if err := json.Unmarshal([]byte(out), &diags); rc != 1 || err != nil || len(diags) == 0 || diags[0]["file"] != f {
			t.Errorf("%s --json: exit %d, %v, %s", code, rc, err, out)
		}
	}
}

// TestLintSeveral: several specs in one run; all diagnostics of all files; exit 0 only when
// none is an error.
func TestLintSeveral(t *testing.T) {
	repoRoot(t)
	if rc, out, errOut := runCLI(t, "", append([]string{"lint"}, exampleMenus...)...); rc != 0 || out != "" {
		t.Fatalf("examples: exit %d\n%s%s", rc, out, errOut)
	}
	rc, _, errOut := runCLI(t, "", "lint", "fixtures/menus/hello.yaml", "fixtures/menus/bad/unset-variable.yaml", "fixtures/menus/bad/syntax.yaml")
	if rc != 1 || !strings.Contains(errOut, "fixtures/menus/bad/unset-variable.yaml:14:27:") || !strings.Contains(errOut, "fixtures/menus/bad/syntax.yaml:") {
		t.Fatalf("exit %d\n%s", rc, errOut)
	}
	// --profile and --card replace the specs' own.
	if rc, _, errOut := runCLI(t, "", "lint", "--profile", "nokia", "fixtures/menus/hello.yaml"); rc != 1 || !strings.Contains(errOut, `handset profile "nokia" is not known`) {
		t.Errorf("--profile nokia: exit %d %s", rc, errOut)
	}
	if rc, _, errOut := runCLI(t, "", "lint", "--profile", "feature-phone,strict", "--card", "64k", "fixtures/menus/mpesa-en.yaml"); rc != 0 {
		t.Errorf("--profile feature-phone,strict: exit %d %s", rc, errOut)
	}
	// mpesa-en's three signatures (256 bytes each) do not fit a 16k card's 512 bytes of RAM.
	if rc, _, errOut := runCLI(t, "", "lint", "--card", "16k", "fixtures/menus/mpesa-en.yaml"); rc != 1 || !strings.Contains(errOut, "card profile 16k gives a session 512 [card-budget]") {
		t.Errorf("--card 16k: exit %d %s", rc, errOut)
	}
	if rc, _, errOut := runCLI(t, "", "lint", "fixtures/menus/nope.yaml"); rc != 1 || !strings.Contains(errOut, "nope.yaml") {
		t.Fatalf("missing file: exit %d %s", rc, errOut)
	}
}

// TestCompileDisasm: compile -o DIR writes one image per spec; disasm of each prints exactly
// the listing compile --listing printed; the images are what the library compiles.
func TestCompileDisasm(t *testing.T) {
	repoRoot(t)
	dir := t.TempDir()
	rc, listing, errOut := runCLI(t, "", append([]string{"compile", "--listing", "-o", dir}, exampleMenus...)...)
	if rc != 0 {
		t.Fatalf("compile: exit %d\n%s", rc, errOut)
	}
	var disasm strings.Builder
	for _, name := range []string{"hello", "mpesa-en", "bank-zh"} {
		rc, out, errOut := runCLI(t, "", "disasm", filepath.Join(dir, name+".img"))
		if rc != 0 {
			t.Fatalf("disasm %s: exit %d\n%s", name, rc, errOut)
		}
		golden, err := os.ReadFile(filepath.Join("fixtures/golden/menus", name+".listing"))
		if err != nil {
			t.Fatal(err)
		}
		if out != string(golden) {
			t.Errorf("disasm %s differs from fixtures/golden/menus/%s.listing", name, name)
		}
		disasm.WriteString(out)
	}
	if listing != disasm.String() {
		t.Error("compile --listing and disasm differ")
	}
	// One spec, -o FILE.
	file := filepath.Join(dir, "one.img")
	if rc, _, errOut := runCLI(t, "", "compile", "fixtures/menus/hello.yaml", "-o", file); rc != 0 {
		t.Fatalf("compile -o file: %d %s", rc, errOut)
	}
	a, _ := os.ReadFile(file)
	b, _ := os.ReadFile(filepath.Join(dir, "hello.img"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("the same spec gave other bytes")
	}
	// A bad image is refused with the field and offset.
	bad := append([]byte{}, a...)
	bad[len(bad)/2] ^= 0xFF
	os.WriteFile(file, bad, 0o644)
	if rc, _, errOut := runCLI(t, "", "disasm", file); rc != 1 || !strings.Contains(errOut, "image: ") {
		t.Errorf("corrupt image: exit %d, %s", rc, errOut)
	}
}

// TestCompileErrorsAndJSON: a spec with errors fails the run and writes nothing; --json is
// the summary.
func TestCompileErrorsAndJSON(t *testing.T) {
	repoRoot(t)
	dir := t.TempDir()
	rc, out, errOut := runCLI(t, "", "compile", "--json", "-o", dir, "fixtures/menus/hello.yaml", "fixtures/menus/bad/unset-variable.yaml")
	if rc != 1 || !strings.Contains(errOut, "[unset-variable]") {
		t.Fatalf("exit %d\n%s", rc, errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("wrote %d files despite errors", len(entries))
	}
	var sum struct {
		Diagnostics []map[string]any `json:"diagnostics"`
		Images      []struct {
			Spec   string      `json:"spec"`
			Bytes  int         `json:"bytes"`
			Budget *gen.Report `json:"budget"`
		} `json:"images"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(sum.Diagnostics) != 1 || len(sum.Images) != 1 || sum.Images[0].Spec != "fixtures/menus/hello.yaml" || sum.Images[0].Budget.PushSMS < 1 {
		t.Errorf("summary %s", out)
	}
}

// TestCompileBudget: --budget fails the build over a given SMS count, and passes within it.
func TestCompileBudget(t *testing.T) {
	repoRoot(t)
	pushSMS := func(args ...string) int {
		rc, out, errOut := runCLI(t, "", append([]string{"compile", "--json"}, args...)...)
		var sum struct {
			Images []struct {
				Budget gen.Report `json:"budget"`
			} `json:"images"`
		}
		if err := json.Unmarshal([]byte(out), &sum); rc != 0 || err != nil || len(sum.Images) != 1 {
			t.Fatalf("compile --json %v: %d %v %s", args, rc, err, errOut)
		}
		return sum.Images[0].Budget.PushSMS
	}
	n := pushSMS("fixtures/menus/bank-zh.yaml")
	rc, _, errOut := runCLI(t, "", "compile", "--budget", "--max-sms", fmt.Sprint(n-1), "fixtures/menus/bank-zh.yaml")
	if rc != 1 || !strings.Contains(errOut, fmt.Sprintf("pushing the image takes %d SMS; the budget is %d [card-budget]", n, n-1)) {
		t.Fatalf("exit %d\n%s", rc, errOut)
	}
	rc, _, errOut = runCLI(t, "", "compile", "--budget", "--max-sms", fmt.Sprint(n), "fixtures/menus/bank-zh.yaml")
	if rc != 0 || !strings.Contains(errOut, "main/pay") {
		t.Fatalf("exit %d\n%s", rc, errOut)
	}
	// Without ciphering (SPI 1221: CC, counter, PoR) a push needs fewer SMS: no padding.
	if m := pushSMS("--push-spi", "1221", "fixtures/menus/bank-zh.yaml"); m >= n {
		t.Errorf("CC only: %d SMS, CC and ciphering: %d", m, n)
	}
	if rc, _, errOut := runCLI(t, "", "compile", "--push-spi", "zz", "fixtures/menus/hello.yaml"); rc != 1 || !strings.Contains(errOut, "--push-spi") {
		t.Errorf("bad spi: %d %s", rc, errOut)
	}
}

// TestSignDisasm: compile --sign and stkforge sign add the bank's signature; disasm --issuer
// verifies it and fails with the wrong key; a key file others can read is refused.
func TestSignDisasm(t *testing.T) {
	repoRoot(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "bank.pem")
	pub := filepath.Join(dir, "bank.pub.pem")
	other := filepath.Join(dir, "other.pub.pem")
	copyFile(t, "stk/pay/testdata/card-2048.pem", key, 0o600)
	copyFile(t, "stk/pay/testdata/card-2048.pub.pem", pub, 0o644)
	copyFile(t, "stk/pay/testdata/card-1024.pub.pem", other, 0o644)
	img := filepath.Join(dir, "bank.img")
	if rc, _, errOut := runCLI(t, "", "compile", "fixtures/menus/bank-zh.yaml", "-o", img, "--sign", key, "--key-id", "bank-2026"); rc != 0 {
		t.Fatalf("compile --sign: %d %s", rc, errOut)
	}
	rc, out, errOut := runCLI(t, "", "disasm", img, "--issuer", pub)
	if rc != 0 || !strings.Contains(out, `signature RSASSA-PKCS1-v1_5 SHA-256 by "bank-2026", 2048 bits: verifies with "sha256:`) {
		t.Fatalf("disasm: %d\n%s%s", rc, firstLines(out, 4), errOut)
	}
	if rc, out, errOut := runCLI(t, "", "disasm", img, "--issuer", other); rc != 1 || !strings.Contains(out, "DOES NOT VERIFY") || !strings.Contains(errOut, "does not verify") {
		t.Errorf("wrong issuer: %d\n%s%s", rc, firstLines(out, 4), errOut)
	}
	// stkforge sign on an unsigned image, PSS, into another file.
	plain := filepath.Join(dir, "plain.img")
	if rc, _, errOut := runCLI(t, "", "compile", "fixtures/menus/hello.yaml", "-o", plain); rc != 0 {
		t.Fatal(errOut)
	}
	signed := filepath.Join(dir, "signed.img")
	if rc, out, errOut := runCLI(t, "", "sign", plain, "--key", key, "--scheme", "pss", "-o", signed); rc != 0 || !strings.Contains(out, "RSASSA-PSS") {
		t.Fatalf("sign: %d %s %s", rc, out, errOut)
	}
	if rc, out, _ := runCLI(t, "", "disasm", signed, "--issuer", pub); rc != 0 || !strings.Contains(out, "RSASSA-PSS SHA-256") {
		t.Errorf("disasm signed: %d\n%s", rc, firstLines(out, 4))
	}
	if rc, _, errOut := runCLI(t, "", "disasm", plain, "--issuer", pub); rc != 1 || !strings.Contains(errOut, "not signed") {
		t.Errorf("unsigned with --issuer: %d %s", rc, errOut)
	}
	// The signature covers the body: the listing of the signed image is the unsigned one's
	// but for the header lines.
	data, _ := os.ReadFile(signed)
	loaded, err := image.Load(data)
	if err != nil || loaded.Signature == nil {
		t.Fatalf("load signed: %v", err)
	}
	os.Chmod(key, 0o644)
	if rc, _, errOut := runCLI(t, "", "sign", plain, "--key", key); rc != 1 || !strings.Contains(errOut, "chmod 600") {
		t.Errorf("world-readable key: %d %s", rc, errOut)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(to, mode)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// TestCompileMatchesLibrary: the CLI's images are the library's bytes.
func TestCompileMatchesLibrary(t *testing.T) {
	repoRoot(t)
	dir := t.TempDir()
	if rc, _, errOut := runCLI(t, "", "compile", "fixtures/menus/mpesa-en.yaml", "-o", filepath.Join(dir, "m.img")); rc != 0 {
		t.Fatal(errOut)
	}
	data, _ := os.ReadFile("fixtures/menus/mpesa-en.yaml")
	res, diags := gen.Compile([]check.SpecFile{{Name: "fixtures/menus/mpesa-en.yaml", Data: data}}, gen.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Format(0))
	}
	got, _ := os.ReadFile(filepath.Join(dir, "m.img"))
	if !bytes.Equal(got, res[0].Image.Bytes()) {
		t.Error("CLI image differs from gen.Compile")
	}
}
