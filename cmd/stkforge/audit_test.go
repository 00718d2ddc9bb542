package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"
	"github.com/stkforge/stkforge/sim/audit"
	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/sim/pcsc"
	"github.com/stkforge/stkforge/sim/pcsc/pcsctest"
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

// waitReader waits until pcscd shows a card in the vpcd reader (present) or none (!present).
func waitReader(t *testing.T, ctx context.Context, present bool, served <-chan error) {
	t.Helper()
	for {
		if cl, err := pcsc.Dial(ctx); err == nil {
			rs, err := cl.Readers()
			cl.Close()
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if r.Name == pcsctest.Reader && r.CardPresent == present && (!present || len(r.ATR) > 0) {
					return
				}
			}
		}
		select {
		case err := <-served: // nil while no bridge runs: never ready
			t.Fatalf("bridge stopped: %v", err)
		case <-ctx.Done():
			t.Fatalf("pcscd never showed the reader with present=%v", present)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestAuditReaderMatchesMemory: pcscd + vpcd + the default card behind the sim/pcsc bridge;
// `stkforge audit PROFILE --reader` over that path reports what the in-memory audit of the same
// card reports, probe for probe. The one difference allowed: the envelope's SW is 9000 where
// the card said 61xx, because the PC/SC client has already fetched the PoR with GET RESPONSE,
// as a terminal does over T=0 (TS 102 221 7.3.1.1.4); and the card is named by its reader.
// Then, without a card, --reader refuses clearly.
func TestAuditReaderMatchesMemory(t *testing.T) {
	pcsctest.StartDaemon(t)
	profile := auditCopy(t, "../../fixtures/cards/default.json")
	p, err := card.LoadProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := card.New(p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	bridgeCtx, stopBridge := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- pcsc.DialAndServe(bridgeCtx, pcsctest.VPCDAddr, pcsc.NewBridge(sc)) }()
	waitReader(t, ctx, true, served)

	code, out, errs := runAudit(t, profile, "--reader", "--json")
	if code != 0 {
		t.Fatalf("--reader: exit %d, stderr %q\n%s", code, errs, out)
	}
	if !strings.Contains(errs, "keyset 1: highest counter sent") {
		t.Errorf("stderr %q", errs)
	}
	code, mem, errs := runAudit(t, profile, "--json")
	if code != 0 {
		t.Fatalf("in memory: exit %d, stderr %q", code, errs)
	}
	var viaReader, inMemory audit.Report
	if err := json.Unmarshal([]byte(out), &viaReader); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(mem), &inMemory); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%s (ATR %X)", pcsctest.Reader, sc.ATR()); viaReader.Card != want {
		t.Errorf("card %q, want %q", viaReader.Card, want)
	}
	viaReader.Card = inMemory.Card
	fetched := 0
	for i := range inMemory.Targets {
		for j := range inMemory.Targets[i].Probes {
			if p := &inMemory.Targets[i].Probes[j]; strings.HasPrefix(p.SW, "61") {
				p.SW = "9000"
				fetched++
			}
		}
	}
	a, _ := json.MarshalIndent(&viaReader, "", "  ")
	b, _ := json.MarshalIndent(&inMemory, "", "  ")
	if fetched == 0 || string(a) != string(b) || !viaReader.Pass || viaReader.Probes == 0 {
		t.Errorf("%d PoRs fetched; reports differ:\n--- via the reader\n%s\n--- in memory\n%s", fetched, a, b)
	}

	// the card leaves the reader: the first-card search and a named reader both refuse
	stopBridge()
	if err := <-served; err != nil {
		t.Fatalf("bridge: %v", err)
	}
	waitReader(t, ctx, false, nil)
	code, _, errs = runAudit(t, "--reader")
	if code != 1 || !strings.Contains(errs, `audit: --reader: SCardConnect: SCARD_E_NO_SMARTCARD (0x8010000C): no card in "Virtual PCD 00 00"`) {
		t.Errorf("no card: exit %d, stderr %q", code, errs)
	}
	code, _, errs = runAudit(t, "--reader="+pcsctest.Reader)
	if code != 1 || !strings.Contains(errs, `audit: --reader "Virtual PCD 00 00": SCardConnect: SCARD_E_NO_SMARTCARD (0x8010000C)`) {
		t.Errorf("named reader without a card: exit %d, stderr %q", code, errs)
	}

	// a fresh card whose keyset 1 is in the key store: the ICCID comes from the card, the
	// counters are reserved in the store before the probes use them
	fresh, err := card.New(p)
	if err != nil {
		t.Fatal(err)
	}
	go func() { served <- pcsc.DialAndServe(ctx, pcsctest.VPCDAddr, pcsc.NewBridge(fresh)) }()
	waitReader(t, ctx, true, served)
	dir := t.TempDir()
	store, mk, csv := filepath.Join(dir, "keys.db"), filepath.Join(dir, "master.key"), filepath.Join(dir, "card.csv")
	os.WriteFile(csv, []byte("ICCID,IMSI,MSISDN,KI,OPC,ADM1,KIC1,KID1,KIK1\n"+
		"8988211000000430010,001010000000001,,000102030405060708090A0B0C0D0E0F,,,000102030405060708090A0B0C0D0E0F,101112131415161718191A1B1C1D1E1F,\n"), 0o600)
	for _, args := range [][]string{
		{"keys", "init", "--store", store, "--master-key", mk, "--tenant", "op:operator:Operator"},
		{"keys", "import", "--store", store, "--master-key", mk, "--tenant", "op", csv},
	} {
		if code, _, errs := keysCLI(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
	}
	code, _, errs = runAudit(t, "--reader", "--store", store, "--master-key", mk, "--iccid", "8988211000000000011")
	if code != 1 || !strings.Contains(errs, `audit: the card in "Virtual PCD 00 00" holds ICCID 8988211000000430010, not --iccid 8988211000000000011: nothing sent`) {
		t.Errorf("wrong --iccid: exit %d, stderr %q", code, errs)
	}
	code, out, errs = runAudit(t, "--reader", "--store", store, "--master-key", mk, "--json")
	if code != 0 {
		t.Fatalf("--reader --store: exit %d, stderr %q\n%s", code, errs, out)
	}
	var fromStore audit.Report
	if err := json.Unmarshal([]byte(out), &fromStore); err != nil {
		t.Fatal(err)
	}
	baselines := 0
	for _, tg := range fromStore.Targets {
		for _, pr := range tg.Probes {
			if pr.Probe == "baseline" && pr.Executed {
				baselines++
			}
		}
	}
	reserved := 4 * len(audit.WellKnownTargets())
	if !fromStore.Pass || baselines == 0 || !strings.Contains(errs, "keyset 1: highest counter sent") {
		t.Errorf("pass %v, %d baselines run; stderr %q", fromStore.Pass, baselines, errs)
	}
	_, show, _ := keysCLI(t, "keys", "show", "--store", store, "--json", "8988211000000430010")
	if !strings.Contains(show, fmt.Sprintf(`"counter": "%010X"`, reserved)) {
		t.Errorf("the store did not reserve %d counter values:\n%s", reserved, show)
	}
}

// TestAuditReaderFlag: --reader alone, --reader NAME, --reader=NAME, and where PROFILE goes.
func TestAuditReaderFlag(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		card, name string
		set        bool
	}{
		{[]string{"p.json"}, "p.json", "", false},
		{[]string{"--reader"}, "", "", true},
		{[]string{"--reader", "--json"}, "", "", true},
		{[]string{"--reader", "Virtual PCD 00 00"}, "", "Virtual PCD 00 00", true},
		{[]string{"--reader=Virtual PCD 00 00", "p.json"}, "p.json", "Virtual PCD 00 00", true},
		{[]string{"p.json", "--reader"}, "p.json", "", true},
		{[]string{"p.json", "--reader", "R 1", "--json"}, "p.json", "R 1", true},
	} {
		var cli struct {
			Audit AuditCmd `cmd:""`
		}
		parser, err := kong.New(&cli)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parser.Parse(append([]string{"audit"}, tc.args...)); err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if a := cli.Audit; a.Card != tc.card || a.Reader.Name != tc.name || a.Reader.Set != tc.set {
			t.Errorf("%q: card %q, reader %+v", tc.args, a.Card, a.Reader)
		}
	}
}

// TestAuditReaderNoDaemon: without pcscd, --reader says which call failed and why.
func TestAuditReaderNoDaemon(t *testing.T) {
	t.Setenv("PCSCLITE_CSOCK_NAME", filepath.Join(t.TempDir(), "pcscd.comm"))
	code, _, errs := runAudit(t, "--reader")
	if code != 1 || !strings.Contains(errs, "audit: --reader: SCardEstablishContext: SCARD_E_NO_SERVICE (0x8010001D)") ||
		!strings.Contains(errs, "is pcscd running?") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	for _, args := range [][]string{{"--reader", "--in-place"}, {"--reader", "--only-profile"}, {}} {
		if code, _, errs := runAudit(t, args...); code != 1 || !strings.Contains(errs, "audit: ") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errs)
		}
	}
}
