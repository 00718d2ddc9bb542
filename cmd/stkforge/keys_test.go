package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stkforge/stkforge/keys/sqlite"
)

func keysCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut})
	return code, out.String(), errOut.String()
}

// fixtureSecrets are the hex keys of the import fixture: no command may print one.
func fixtureSecrets(t *testing.T) []string {
	data, err := os.ReadFile("../../fixtures/keys/cards.csv")
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`[0-9A-F]{32}`).FindAllString(string(data), -1)
}

func TestKeysCommands(t *testing.T) {
	dir := t.TempDir()
	store, mk := filepath.Join(dir, "keys.db"), filepath.Join(dir, "master.key")
	secrets := fixtureSecrets(t)
	if len(secrets) < 10 {
		t.Fatalf("fixture has %d keys", len(secrets))
	}
	var printed strings.Builder
	must := func(args ...string) string {
		t.Helper()
		code, out, errOut := keysCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		printed.WriteString(out + errOut)
		return out
	}
	must("keys", "init", "--store", store, "--master-key", mk, "--tenant", "op:operator:Operator", "--tenant", "bank1:bank")
	if fi, err := os.Stat(mk); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("master key file: %v", err)
	}
	out := must("keys", "import", "--store", store, "--master-key", mk, "--tenant", "op", "--tar", "B00010=16", "--json", "../../fixtures/keys/cards.csv")
	if !strings.Contains(out, `"cards": 3`) || !strings.Contains(out, `"keysets": 4`) {
		t.Errorf("import: %s", out)
	}
	out = must("keys", "list", "--store", store, "--json")
	var views []map[string]any
	if err := json.Unmarshal([]byte(out), &views); err != nil || len(views) != 3 {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	out = must("keys", "list", "--store", store)
	if !strings.Contains(out, "8988211000000000029  001010000000002") {
		t.Errorf("list:\n%s", out)
	}
	out = must("keys", "show", "--store", store, "8988211000000000011")
	for _, want := range []string{"2    25 3DES-2KEY  25 3DES-2KEY  22 AES", "B00010  16", "adm1, ki, opc (sealed)"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	must("keys", "show", "--store", store, "--json", "8988211000000000011")
	out = must("keys", "export", "--store", store)
	if !strings.HasPrefix(out, "ICCID,IMSI,MSISDN,PROFILE,TENANT,LIFECYCLE,KVNS,PUBLIC_KEY\n8988211000000000011,001010000000001,46700000001,,op,issued,1 2,\n") {
		t.Errorf("export:\n%s", out)
	}
	out = must("keys", "export", "--store", store, "--json")
	if !strings.Contains(out, `"kvns": [`) {
		t.Errorf("export --json:\n%s", out)
	}

	// A second import of the same file fails on its first card and imports nothing.
	code, _, errOut := keysCLI(t, "keys", "import", "--store", store, "--master-key", mk, "--tenant", "op", "../../fixtures/keys/cards.csv")
	if code != 1 || !strings.Contains(errOut, "line 3: column 1 (ICCID): card 8988211000000000011: already exists (nothing imported)") {
		t.Errorf("second import: exit %d, %s", code, errOut)
	}

	must("keys", "rotate", "signing", "--store", store, "--master-key", mk, "--tenant", "bank1", "--bits", "1024")
	out = must("keys", "rotate", "master", "--store", store, "--master-key", mk, "--new-master-key", filepath.Join(dir, "next.key"), "--json")
	if !strings.Contains(out, `"resealed": 18`) {
		t.Errorf("rotate master: %s", out)
	}
	// The old master key no longer opens the store's secrets.
	code, _, errOut = keysCLI(t, "keys", "rotate", "master", "--store", store, "--master-key", mk, "--new-master-key", filepath.Join(dir, "third.key"))
	if code != 1 || !strings.Contains(errOut, "nothing changed") {
		t.Errorf("rotation with the old key: exit %d, %s", code, errOut)
	}
	out = must("keys", "audit", "--store", store)
	if !strings.HasPrefix(out, "audit log ok: 6 entries") {
		t.Errorf("audit: %s", out)
	}

	for _, s := range secrets {
		if strings.Contains(strings.ToUpper(printed.String()), s) {
			t.Errorf("a command printed the secret %s", s)
		}
	}

	st, err := sqlite.Open(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.TamperAudit(context.Background(), 2, `{"cards":1}`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	code, out, errOut = keysCLI(t, "keys", "audit", "--store", store, "--json")
	if code != 1 || !strings.Contains(out, `"first_broken": 2`) || !strings.Contains(errOut, "audit log broken at entry 2: hash does not match") {
		t.Errorf("audit of a tampered log: exit %d\n%s%s", code, out, errOut)
	}
}

func TestKeysRefusals(t *testing.T) {
	dir := t.TempDir()
	store, mk := filepath.Join(dir, "keys.db"), filepath.Join(dir, "master.key")
	if code, _, errOut := keysCLI(t, "keys", "list", "--store", store); code != 1 || !strings.Contains(errOut, "does not exist: run stkforge keys init first") {
		t.Errorf("list of a missing store: %d %s", code, errOut)
	}
	if code, _, errOut := keysCLI(t, "keys", "init", "--store", store, "--master-key", mk); code != 0 {
		t.Fatal(errOut)
	}
	os.Chmod(mk, 0o644)
	code, _, errOut := keysCLI(t, "keys", "import", "--store", store, "--master-key", mk, "--tenant", "op", "../../fixtures/keys/cards.csv")
	if code != 1 || !strings.Contains(errOut, "master key file must have mode 0600") {
		t.Errorf("world-readable master key: exit %d, %s", code, errOut)
	}
	os.Chmod(mk, 0o600)
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("ICCID,IMSI,KIC1\n8988211000000000011,001010000000001,0011\n"), 0o644)
	code, _, errOut = keysCLI(t, "keys", "import", "--store", store, "--master-key", mk, "--tenant", "op", bad)
	if code != 1 || !strings.Contains(errOut, "line 2: column 37 (KIC1): 2-byte KIC for algorithm AES") {
		t.Errorf("bad row: exit %d, %s", code, errOut)
	}
	if code, _, errOut := keysCLI(t, "keys", "show", "--store", store, "8988211000000000012"); code != 1 || !strings.Contains(errOut, "Luhn") {
		t.Errorf("show with a bad ICCID: %d %s", code, errOut)
	}
	if code, _, _ := keysCLI(t, "keys", "--help"); code != 0 {
		t.Errorf("keys --help: exit %d", code)
	}
}
