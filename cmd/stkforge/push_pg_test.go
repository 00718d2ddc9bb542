package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stkforge/stkforge/keys/postgres"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/sim/network"
)

// pgServer starts a private PostgreSQL cluster for one test (as the postgres user when root,
// which may not run the server) and returns its URL; it skips when the server binaries are
// missing, or fails under STKFORGE_REQUIRE_TOOLS=1. STKFORGE_PG_URL names a server to use instead.
func pgServer(t *testing.T) string {
	t.Helper()
	if u := os.Getenv("STKFORGE_PG_URL"); u != "" {
		return freshSchema(t, u)
	}
	skip := func(why string) string {
		if os.Getenv("STKFORGE_REQUIRE_TOOLS") == "1" {
			t.Fatalf("no PostgreSQL server: %s", why)
		}
		t.Skipf("no PostgreSQL server: %s", why)
		return ""
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		return skip("binaries not found (/usr/lib/postgresql/*/bin)")
	}
	bin := filepath.Dir(bins[len(bins)-1])
	dir, err := os.MkdirTemp("", "stkforge-push-pg-")
	if err != nil {
		t.Fatal(err)
	}
	run := func(cmd string) error {
		c := exec.Command("sh", "-c", cmd)
		if os.Geteuid() == 0 {
			u, err := user.Lookup("postgres")
			if err != nil {
				return err
			}
			var uid, gid int
			fmt.Sscan(u.Uid, &uid)
			fmt.Sscan(u.Gid, &gid)
			if err := os.Chown(dir, uid, gid); err != nil {
				return err
			}
			c = exec.Command("su", "postgres", "-c", cmd)
		}
		if out, err := c.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", cmd, err, out)
		}
		return nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if err := run(fmt.Sprintf("%s/initdb -D %s/data -A trust -U stkforge >/dev/null", bin, dir)); err != nil {
		os.RemoveAll(dir)
		return skip(err.Error())
	}
	if err := run(fmt.Sprintf("%s/pg_ctl -D %s/data -o '-c listen_addresses=127.0.0.1 -p %d -k %s' -l %s/pg.log -w start >/dev/null", bin, dir, port, dir, dir)); err != nil {
		os.RemoveAll(dir)
		return skip(err.Error())
	}
	t.Cleanup(func() {
		run(fmt.Sprintf("%s/pg_ctl -D %s/data -m fast stop >/dev/null", bin, dir))
		os.RemoveAll(dir)
	})
	return fmt.Sprintf("postgres://stkforge@127.0.0.1:%d/postgres?sslmode=disable", port)
}

// TestPushPostgres: the loopback end to end on the shared store, with 5 % loss and throttling,
// then a crash (context cancelled, connection dropped) and a resume.
func TestPushPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	url := pgServer(t)
	st, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	e := newE2EStore(t, st, n, network.Faults{Loss: 0.05, ThrottleRate: 400, ThrottleBurst: 20})
	spec := spnSpec(t, "on pg")
	spec.Rate = 150
	ctx, kill := context.WithCancel(context.Background())
	_, err = pushRun(ctx, pushOptions{Store: e.store, Provider: e.kp, SMPP: e.smpp, Spec: spec, ID: "pg",
		Hook: func(r *campaign.Runner) {
			go func() {
				for r.Stats().PoROK < 25 {
					time.Sleep(time.Millisecond)
				}
				kill()
			}()
		}})
	if err == nil {
		t.Fatal("the killed push returned no error")
	}
	ctx2, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	sum, err := pushRun(ctx2, pushOptions{Store: e.store, Provider: e.kp, SMPP: e.smpp, ID: "pg"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != campaign.Finished {
		t.Fatalf("summary %+v", sum)
	}
	c := e.check(t, "pg", "on pg")
	if c[campaign.PoROK]+c[campaign.Expired] != n || c[campaign.PoROK] < n*9/10 {
		t.Errorf("counts %v", c)
	}
}

var pgSchemaSeq atomic.Int64

// freshSchema creates an empty schema on a shared server and returns a URL whose search_path
// points at it, so tests of several packages running at once never see each other's rows.
func freshSchema(t *testing.T, server string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("cmd_%d_%d", os.Getpid(), pgSchemaSeq.Add(1))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	sep := "?"
	if strings.Contains(server, "?") {
		sep = "&"
	}
	return server + sep + "search_path=" + name
}
