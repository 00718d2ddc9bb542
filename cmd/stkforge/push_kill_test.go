package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/sqlite"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/smpp"
	"github.com/stkforge/stkforge/sim/network"
)

// The kill test re-runs this test binary as a child that pushes; these variables tell it how.
const (
	envKillChild = "STKFORGE_PUSH_KILL_CHILD" // JSON of killChild
)

type killChild struct {
	Store, MasterKey, SMSC, Spec string
}

// TestPushKill9: a child process pushes a campaign through the parent's SMSC and is killed with
// SIGKILL half way; the parent resumes the campaign from the store file. Every target ends
// final, none is lost, and no card ever received a counter value twice.
func TestPushKill9(t *testing.T) {
	if v := os.Getenv(envKillChild); v != "" {
		pushChild(v)
		return
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	const n = 120
	e := newE2E(t, n, network.Faults{Latency: time.Millisecond})
	dir := t.TempDir()
	// the child opens the same store file: find it through the SQLite handle's database list
	var path string
	if err := e.store.(*sqlite.Store).DB().QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
		t.Fatal(err)
	}
	mk := filepath.Join(dir, "master.key")
	spec := spnSpec(t, "killed")
	spec.Rate = 150
	sb, _ := json.Marshal(spec)
	cfg, _ := json.Marshal(killChild{Store: path, MasterKey: mk, SMSC: e.smpp.Addr, Spec: string(sb)})
	if err := os.WriteFile(mk, []byte(hex.EncodeToString(e.mk)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestPushKill9$", "-test.v")
	cmd.Env = append(os.Environ(), envKillChild+"="+string(cfg))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// the child prints a line per target it saw finish; kill it after 30
	sc := bufio.NewScanner(out)
	seen := 0
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "por_ok ") {
			if seen++; seen == 30 {
				break
			}
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if seen < 30 {
		t.Fatalf("the child saw %d PoRs before it ended", seen)
	}
	j, _ := campaign.OpenJournal(e.store, nil)
	c, _ := j.Counts(context.Background(), "killed")
	if c[campaign.PoROK] == n || c.Total() != n {
		t.Fatalf("after the kill: %v", c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sum, err := pushRun(ctx, pushOptions{Store: e.store, Provider: e.kp, SMPP: e.smpp, ID: "killed"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != campaign.Finished || sum.Counts[campaign.PoROK] != n {
		t.Fatalf("summary %+v", sum)
	}
	e.check(t, "killed", "killed")
}

// pushChild runs in the child: it pushes and reports each PoR OK on stdout until it is killed.
func pushChild(v string) {
	var kc killChild
	if err := json.Unmarshal([]byte(v), &kc); err != nil {
		os.Exit(3)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, kc.Store)
	if err != nil {
		os.Exit(3)
	}
	kp, err := keys.LoadProvider(kc.MasterKey, false)
	if err != nil {
		os.Exit(3)
	}
	spec, err := campaign.ParseSpec([]byte(kc.Spec))
	if err != nil {
		os.Exit(3)
	}
	_, err = pushRun(ctx, pushOptions{Store: st, Provider: kp, ID: "killed", Spec: &spec,
		SMPP: smpp.Config{Addr: kc.SMSC, SystemID: "ota", Password: "pw-ota", Source: "12345", SourceNPI: 1, Window: 200},
		Hook: func(r *campaign.Runner) {
			go func() {
				last := int64(0)
				for {
					if n := r.Stats().PoROK; n > last {
						for ; last < n; last++ {
							os.Stdout.WriteString("por_ok " + time.Now().Format(time.RFC3339Nano) + "\n")
						}
					}
					time.Sleep(time.Millisecond)
				}
			}()
		}})
	if err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}
