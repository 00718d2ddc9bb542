// Package pgtest gives tests a PostgreSQL server: the one STKFORGE_PG_URL names, or a private
// cluster started in a temporary directory (as in RECIPES.md: initdb and pg_ctl as the postgres
// user when root, which may not run the server; 127.0.0.1 on a free port; socket in that
// directory). Every test gets its own empty schema, so tests of several packages running at once
// never see each other's rows.
package pgtest

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

// Server is a PostgreSQL server for tests.
type Server struct {
	URL  string // base URL, database postgres
	stop func()
}

// Start returns the server of STKFORGE_PG_URL, or starts a private cluster. Stop it with Stop.
func Start() (*Server, error) {
	if u := os.Getenv("STKFORGE_PG_URL"); u != "" {
		return &Server{URL: u, stop: func() {}}, nil
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		return nil, fmt.Errorf("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin)")
	}
	bin := filepath.Dir(bins[len(bins)-1])
	dir, err := os.MkdirTemp("", "stkforge-pg-")
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
		os.RemoveAll(dir)
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if err := run(fmt.Sprintf("%s/initdb -D %s/data -A trust -U stkforge >/dev/null", bin, dir)); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := run(fmt.Sprintf("%s/pg_ctl -D %s/data -o '-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=on' -l %s/pg.log -w start >/dev/null", bin, dir, port, dir, dir)); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Server{
		URL: fmt.Sprintf("postgres://stkforge@127.0.0.1:%d/postgres?sslmode=disable", port),
		stop: func() {
			run(fmt.Sprintf("%s/pg_ctl -D %s/data -m fast stop >/dev/null", bin, dir))
			os.RemoveAll(dir)
		},
	}, nil
}

// Stop stops a private cluster (a server named by STKFORGE_PG_URL is left running).
func (s *Server) Stop() {
	if s != nil {
		s.stop()
	}
}

var schemaSeq atomic.Int64

// Fresh creates an empty schema and returns a URL whose search_path points at it.
func (s *Server) Fresh(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("t%d_%d", os.Getpid(), schemaSeq.Add(1))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	sep := "?"
	if strings.Contains(s.URL, "?") {
		sep = "&"
	}
	return s.URL + sep + "search_path=" + name
}

// Need skips a test when there is no server (why says why), or fails it under
// STKFORGE_REQUIRE_TOOLS=1.
func Need(t testing.TB, s *Server, why string) {
	t.Helper()
	if s != nil {
		return
	}
	if os.Getenv("STKFORGE_REQUIRE_TOOLS") == "1" {
		t.Fatalf("no PostgreSQL server: %s", why)
	}
	t.Skipf("no PostgreSQL server: %s", why)
}
