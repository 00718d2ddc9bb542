package campaign_test

import (
	"os"
	"testing"

	"github.com/stkforge/stkforge/keys/postgres/pgtest"
)

// pg is the PostgreSQL server of the tests: STKFORGE_PG_URL, or a private cluster TestMain
// starts; nil when there is none (pgSkip says why).
var (
	pg     *pgtest.Server
	pgSkip string
)

func TestMain(m *testing.M) {
	code := func() int {
		var err error
		if pg, err = pgtest.Start(); err != nil {
			pgSkip = err.Error()
		}
		defer pg.Stop()
		return m.Run()
	}()
	os.Exit(code)
}

// freshPG returns a URL whose search_path is a new empty schema, or skips (fails under
// STKFORGE_REQUIRE_TOOLS=1) when there is no server.
func freshPG(t testing.TB) string {
	t.Helper()
	pgtest.Need(t, pg, pgSkip)
	return pg.Fresh(t)
}
