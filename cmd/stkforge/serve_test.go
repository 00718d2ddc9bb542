package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
