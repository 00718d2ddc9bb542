package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stkforge/stkforge/keys/sqlite"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/server"
	"github.com/stkforge/stkforge/sim/network"
)

// TestServeEndToEnd: the server on a real TCP port, bound to the virtual SMSC; a campaign made
// through the API reaches every card and the API reports it done.
func TestServeEndToEnd(t *testing.T) {
	e := newE2E(t, 25, network.Faults{})
	tok, tt, err := server.NewToken("ops", server.RoleOperator, "op")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- serveRun(ctx, serveOptions{Store: e.store, Provider: e.kp, SMPP: e.smpp, Tokens: []server.Token{tt}, Listen: "127.0.0.1:0", Node: "t"},
			func(a string) { addrc <- a })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-errc:
		t.Fatal(err)
	}
	spec, _ := json.Marshal(spnSpec(t, "via API"))
	req, _ := http.NewRequest("POST", "http://"+addr+"/v1/campaigns", strings.NewReader(string(spec)))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create: %s", resp.Status)
	}
	deadline := time.Now().Add(2 * time.Minute) // generous: only a hang should reach it
	for {
		req, _ := http.NewRequest("GET", "http://"+addr+"/v1/campaigns/"+created.ID, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Status string
			Counts map[string]int
		}
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if st.Status == "done" {
			if st.Counts["por_ok"] != 25 {
				t.Fatalf("counts %v", st.Counts)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not done: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.check(t, created.ID, "via API")
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestServeAddToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	code, out, errOut := runCLI(t, "", "serve", "--store", "x", "--master-key", "y", "--tokens", path, "--add-token", "ops:operator")
	if code != 0 || !strings.HasPrefix(out, "stk_") {
		t.Fatalf("code %d, out %q, err %q", code, out, errOut)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), strings.TrimSpace(out)) || !strings.Contains(string(b), `"sha256"`) {
		t.Errorf("tokens file holds the token or no hash:\n%s", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("tokens file mode %v", fi.Mode())
	}
	for _, args := range [][]string{
		{"--add-token", "ops:operator"}, // exists
		{"--add-token", "x:root"},       // unknown role
		{"--add-token", "nobody"},       // no role
	} {
		if code, _, _ := runCLI(t, "", append([]string{"serve", "--store", "x", "--master-key", "y", "--tokens", path}, args...)...); code != 1 {
			t.Errorf("%v: code %d", args, code)
		}
	}
	if code, _, errOut := runCLI(t, "", "serve", "--store", "x", "--master-key", "y", "--tokens", path, "--max-rate=-1"); code != 1 || !strings.Contains(errOut, "--max-rate") {
		t.Errorf("--max-rate -1: code %d, %q", code, errOut)
	}
}

func TestPushRefusals(t *testing.T) {
	t.Setenv("STKFORGE_SMPP_PASSWORD", "")
	for _, args := range [][]string{
		{"push", "--store", "x", "--master-key", "y"},
		{"push", "--store", "x", "--master-key", "y", "--spec", "a", "--resume", "b"},
		{"push", "--store", "x", "--master-key", "y", "--spec", "a"}, // no password in the environment
		{"net", "--store", "x", "--master-key", "y"},
	} {
		code, _, errOut := runCLI(t, "", args...)
		if code != 1 || !strings.Contains(errOut, "stkforge:") {
			t.Errorf("%v: code %d, %q", args, code, errOut)
		}
	}
}

// TestPushMaxRate: the SMSC licenses each bind 50 submit_sm/s (ESME_RTHROTTLED above, a bucket
// of half a second, as a busy machine may hold the SMSC's reading back that long). `stkforge
// push` without --max-rate sends its 60 packets at once and is throttled; with --max-rate 40, a
// little under the licence, the SMSC never throttles it: the flag reaches the SMPP client.
// (`serve --max-rate`: TestServeNodesJoinLater.)
func TestPushMaxRate(t *testing.T) {
	const n = 60
	dir := t.TempDir()
	store := filepath.Join(dir, "keys.db")
	st, err := sqlite.Open(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	e := newE2EStore(t, st, n, network.Faults{BindRate: 50, BindBurst: 25})
	mk := filepath.Join(dir, "master.key")
	if err := os.WriteFile(mk, []byte(hex.EncodeToString(e.mk)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	spec := spnSpec(t, "max rate")
	spec.PoRTimeout = campaign.Duration(10 * time.Second)
	b, _ := json.Marshal(spec)
	specFile := filepath.Join(dir, "spec.json")
	if err := os.WriteFile(specFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("STKFORGE_SMPP_PASSWORD", "pw-ota")
	for _, c := range []struct {
		id        string
		flags     []string
		throttled bool
	}{{"unpaced", nil, true}, {"paced", []string{"--max-rate", "40"}, false}} {
		before := e.smsc.Stats()
		code, out, errOut := runCLI(t, "", append([]string{"push", "--store", store, "--master-key", mk, "--spec", specFile,
			"--smsc", e.smsc.Addr().String(), "--id", c.id, "--json"}, c.flags...)...)
		if code != 0 {
			t.Fatalf("%s: code %d\n%s\n%s", c.id, code, out, errOut)
		}
		var sum pushSummary
		if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Counts[campaign.PoROK] != n {
			t.Fatalf("%s: summary %s (%v)", c.id, out, err)
		}
		after := e.smsc.Stats()
		throttled := after.Throttled - before.Throttled
		t.Logf("%s %v: %d submit_sm accepted, %d throttled, %.0f segments/s", c.id, c.flags, after.Submits-before.Submits, throttled, sum.SegmentsPerS)
		if (throttled > 0) != c.throttled {
			t.Errorf("%s %v: %d submit_sm throttled", c.id, c.flags, throttled)
		}
	}
	if code, _, errOut := runCLI(t, "", "push", "--store", store, "--master-key", mk, "--spec", specFile, "--max-rate=-1"); code != 1 || !strings.Contains(errOut, "--max-rate") {
		t.Errorf("--max-rate -1: code %d, %q", code, errOut)
	}
}
