package postgres_test

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
	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/postgres"
	"github.com/stkforge/stkforge/keys/storetest"
)

// serverURL is the PostgreSQL server the tests use: STKFORGE_PG_URL, or a private cluster that
// TestMain starts; empty when there is none.
var serverURL string

var skipReason string

func TestMain(m *testing.M) {
	code := func() int {
		if os.Getenv("STKFORGE_STORETEST_HELPER") != "" { // a helper child: its store URL comes from the parent
			return m.Run()
		}
		if u := os.Getenv("STKFORGE_PG_URL"); u != "" {
			serverURL = u
			return m.Run()
		}
		stop, err := startCluster()
		if err != nil {
			skipReason = err.Error()
			return m.Run()
		}
		defer stop()
		return m.Run()
	}()
	os.Exit(code)
}

// startCluster runs initdb and pg_ctl as the postgres user (root may not run the server) in a
// temporary directory, listening on 127.0.0.1 at a free port with its socket in that directory.
func startCluster() (stop func(), err error) {
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
		var c *exec.Cmd
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
		} else {
			c = exec.Command("sh", "-c", cmd)
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
	if err := run(fmt.Sprintf("%s/pg_ctl -D %s/data -o '-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=on' -l %s/pg.log -w start >/dev/null", bin, dir, port, dir, dir)); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	serverURL = fmt.Sprintf("postgres://stkforge@127.0.0.1:%d/postgres?sslmode=disable", port)
	return func() {
		run(fmt.Sprintf("%s/pg_ctl -D %s/data -m fast stop >/dev/null", bin, dir))
		os.RemoveAll(dir)
	}, nil
}

// needServer skips (or fails under STKFORGE_REQUIRE_TOOLS=1) when there is no server.
func needServer(t testing.TB) {
	t.Helper()
	if serverURL != "" {
		return
	}
	if os.Getenv("STKFORGE_REQUIRE_TOOLS") == "1" {
		t.Fatalf("no PostgreSQL server: %s", skipReason)
	}
	t.Skipf("no PostgreSQL server: %s", skipReason)
}

var schemaSeq atomic.Int64

// freshURL creates an empty schema and returns a URL whose search_path points at it.
func freshURL(t testing.TB) string {
	t.Helper()
	needServer(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("t%d_%d", os.Getpid(), schemaSeq.Add(1))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	sep := "?"
	if strings.Contains(serverURL, "?") {
		sep = "&"
	}
	return serverURL + sep + "search_path=" + name
}

func newStore(t *testing.T) keys.Store { return openTemp(t) }

func openTemp(t testing.TB) keys.Store {
	s, err := postgres.Open(context.Background(), freshURL(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStore(t *testing.T) {
	needServer(t)
	storetest.Run(t, newStore, storetest.Hooks{
		RawBytes: func(t *testing.T, s keys.Store) []byte {
			b, err := s.(*postgres.Store).RawText(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		TamperAudit: func(t *testing.T, s keys.Store, seq uint64, detail string) {
			if err := s.(*postgres.Store).TamperAudit(context.Background(), seq, detail); err != nil {
				t.Fatal(err)
			}
		},
	})
}

func TestMigrateTwice(t *testing.T) {
	u := freshURL(t)
	for range 2 {
		s, err := postgres.Open(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
}

func specURL(t *testing.T) string { return freshURL(t) }

func openSpec(spec string) (keys.Store, error) { return postgres.Open(context.Background(), spec) }

func TestMultiProcess(t *testing.T) {
	if os.Getenv("STKFORGE_STORETEST_HELPER") == "" {
		needServer(t)
	}
	storetest.MultiProcess(t, specURL, openSpec)
}

func TestCrash(t *testing.T) {
	if os.Getenv("STKFORGE_STORETEST_HELPER") == "" {
		needServer(t)
	}
	storetest.Crash(t, specURL, openSpec)
}
