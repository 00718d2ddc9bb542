package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/postgres"
	"github.com/stkforge/stkforge/keys/postgres/pgtest"
	"github.com/stkforge/stkforge/keys/storetest"
)

// server is the PostgreSQL server the tests use (STKFORGE_PG_URL or a private cluster that
// TestMain starts); nil when there is none, skipReason says why.
var (
	server     *pgtest.Server
	skipReason string
)

func TestMain(m *testing.M) {
	code := func() int {
		if os.Getenv("STKFORGE_STORETEST_HELPER") != "" { // a helper child: its store URL comes from the parent
			return m.Run()
		}
		var err error
		if server, err = pgtest.Start(); err != nil {
			skipReason = err.Error()
		}
		defer server.Stop()
		return m.Run()
	}()
	os.Exit(code)
}

// needServer skips (or fails under STKFORGE_REQUIRE_TOOLS=1) when there is no server.
func needServer(t testing.TB) {
	t.Helper()
	pgtest.Need(t, server, skipReason)
}

// freshURL creates an empty schema and returns a URL whose search_path points at it.
func freshURL(t testing.TB) string {
	t.Helper()
	needServer(t)
	return server.Fresh(t)
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
