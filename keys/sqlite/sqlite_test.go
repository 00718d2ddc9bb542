package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/sqlite"
	"github.com/stkforge/stkforge/keys/storetest"
)

var paths sync.Map // *sqlite.Store -> file path

func newStore(t *testing.T) keys.Store { return openTemp(t) }

func openTemp(t testing.TB) keys.Store {
	path := filepath.Join(t.TempDir(), "keys.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	paths.Store(s, path)
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, newStore, storetest.Hooks{
		RawBytes: func(t *testing.T, s keys.Store) []byte {
			p, _ := paths.Load(s)
			b, err := sqlite.RawBytes(p.(string))
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		TamperAudit: func(t *testing.T, s keys.Store, seq uint64, detail string) {
			if err := s.(*sqlite.Store).TamperAudit(context.Background(), seq, detail); err != nil {
				t.Fatal(err)
			}
		},
	})
}

func specPath(t *testing.T) string { return filepath.Join(t.TempDir(), "keys.db") }

func openSpec(spec string) (keys.Store, error) { return sqlite.Open(context.Background(), spec) }

func TestMultiProcess(t *testing.T) { storetest.MultiProcess(t, specPath, openSpec) }

func TestCrash(t *testing.T) {
	path := storetest.Crash(t, specPath, openSpec)
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var res string
	if err := s.DB().QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Errorf("integrity check after kill -9: %q, %v", res, err)
	}
}

// TestReopen: data and the schema version survive closing; opening again migrates nothing.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keys.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	kp, _ := keys.NewMasterKey(make([]byte, 32), nil)
	if err := s.InsertCards(ctx, []keys.Card{storetest.Card(t, kp, 1)}, keys.AuditRecord{Action: keys.AuditImport}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReserveCounters(ctx, storetest.ICCID(1), 1, 5); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	if err := s.DB().QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil || v != 2 { // 1: keys, 2: ota/campaign
		t.Errorf("schema version %d, %v", v, err)
	}
	if r, err := s.ReserveCounters(ctx, storetest.ICCID(1), 1, 1); err != nil || r.First != 6 {
		t.Errorf("after reopening: %+v, %v", r, err)
	}
	var mode string
	if err := s.DB().QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode %q, %v", mode, err)
	}
	if _, err := s.DB().Exec(`DELETE FROM audit`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("deleting the audit log: %v", err)
	}
}
