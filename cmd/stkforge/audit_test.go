package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runAudit(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"audit"}, args...), Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func auditCopy(t *testing.T, src string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestAuditDefaultCardPasses(t *testing.T) {
	path := auditCopy(t, "../../fixtures/cards/default.json")
	before, _ := os.ReadFile(path)
	code, out, errs := runAudit(t, path)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if !strings.Contains(out, "findings: none") || !strings.HasPrefix(auditLastLine(out), "PASS: ") {
		t.Errorf("report:\n%s", out)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("the audit changed the profile without --in-place")
	}
}

func TestAuditWeakCardFails(t *testing.T) {
	code, out, errs := runAudit(t, "../../sim/audit/testdata/weak.json", "--json")
	if code != 1 || !strings.Contains(errs, "audit: FAIL") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var r struct {
		Pass     bool
		Findings []struct{ ID, TAR, Probe string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	ids := map[string]bool{}
	for _, f := range r.Findings {
		ids[f.ID] = true
	}
	for _, id := range []string{"below_required_level", "no_counter_accepted", "single_des_accepted", "replay_accepted"} {
		if !ids[id] {
			t.Errorf("no %s finding in %v", id, ids)
		}
	}
	if r.Pass {
		t.Error("pass: true")
	}
}

func TestAuditInPlaceKeepsCounters(t *testing.T) {
	path := auditCopy(t, "../../fixtures/cards/default.json")
	if code, _, errs := runAudit(t, path, "--in-place", "--only-profile"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"counter": "0000000012"`) {
		t.Errorf("state file after --in-place does not hold the baseline counters:\n%s", b)
	}
}

func TestAuditBadProfile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(p, []byte(`{"name": 1}`), 0o600)
	code, _, errs := runAudit(t, p)
	if code != 1 || !strings.Contains(errs, "card profile: name") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

func auditLastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
