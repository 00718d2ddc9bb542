package campaign_test

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

	"github.com/jackc/pgx/v5"
)

// pgURL is the PostgreSQL server of the tests: STKFORGE_PG_URL, or a private cluster TestMain
// starts in a temporary directory; empty when there is none (pgSkip says why).
var pgURL, pgSkip string

func TestMain(m *testing.M) {
	code := func() int {
		if u := os.Getenv("STKFORGE_PG_URL"); u != "" {
			pgURL = u
			return m.Run()
		}
		stop, err := startCluster()
		if err != nil {
			pgSkip = err.Error()
			return m.Run()
		}
		defer stop()
		return m.Run()
	}()
	os.Exit(code)
}

// startCluster runs initdb and pg_ctl as the postgres user (root may not run the server).
func startCluster() (func(), error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		return nil, fmt.Errorf("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin)")
	}
	bin := filepath.Dir(bins[len(bins)-1])
	dir, err := os.MkdirTemp("", "stkforge-campaign-pg-")
	if err != nil {
		return nil, err
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
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if err := run(fmt.Sprintf("%s/initdb -D %s/data -A trust -U stkforge >/dev/null", bin, dir)); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := run(fmt.Sprintf("%s/pg_ctl -D %s/data -o '-c listen_addresses=127.0.0.1 -p %d -k %s' -l %s/pg.log -w start >/dev/null", bin, dir, port, dir, dir)); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	pgURL = fmt.Sprintf("postgres://stkforge@127.0.0.1:%d/postgres?sslmode=disable", port)
	return func() {
		run(fmt.Sprintf("%s/pg_ctl -D %s/data -m fast stop >/dev/null", bin, dir))
		os.RemoveAll(dir)
	}, nil
}

var schemaSeq atomic.Int64

// freshPG returns a URL whose search_path is a new empty schema, or skips (fails under
// STKFORGE_REQUIRE_TOOLS=1) when there is no server.
func freshPG(t testing.TB) string {
	t.Helper()
	if pgURL == "" {
		if os.Getenv("STKFORGE_REQUIRE_TOOLS") == "1" {
			t.Fatalf("no PostgreSQL server: %s", pgSkip)
		}
		t.Skipf("no PostgreSQL server: %s", pgSkip)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("c%d_%d", os.Getpid(), schemaSeq.Add(1))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	sep := "?"
	if strings.Contains(pgURL, "?") {
		sep = "&"
	}
	return pgURL + sep + "search_path=" + name
}
