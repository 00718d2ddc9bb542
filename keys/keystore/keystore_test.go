package keystore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/keystore"
)

func TestInitAndOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, mk := filepath.Join(dir, "keys.db"), filepath.Join(dir, "master.key")
	if _, err := keystore.Open(ctx, store); err == nil || !strings.Contains(err.Error(), "run stkforge keys init first") {
		t.Fatalf("opening a missing store: %v", err)
	}
	clock := func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }
	res, err := keystore.Init(ctx, store, mk, []keys.Tenant{{ID: "op", Kind: keys.TenantOperator, Name: "Op"}}, "test", clock)
	if err != nil || !res.MasterKeyCreated || res.Tenants != 1 {
		t.Fatalf("init: %+v, %v", res, err)
	}
	again, err := keystore.Init(ctx, store, mk, nil, "test", clock)
	if err != nil || again.MasterKeyCreated || again.MasterKey != res.MasterKey {
		t.Fatalf("second init: %+v, %v", again, err)
	}
	st, err := keystore.Open(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	entries, err := st.Audit(ctx)
	if err != nil || len(entries) != 2 || entries[0].Action != keys.AuditInit || entries[0].Subject != res.MasterKey {
		t.Errorf("audit after init: %+v, %v", entries, err)
	}
	os.Chmod(mk, 0o644)
	if _, err := keystore.Init(ctx, store, mk, nil, "test", clock); err == nil {
		t.Error("init accepted a master key file of mode 0644")
	}
	if got := keystore.Redacted("postgres://ota:s3cret@db:5432/keys"); got != "postgres://ota:xxxxx@db:5432/keys" {
		t.Errorf("Redacted = %s", got)
	}
	if !keystore.IsPostgres("postgres://u@h/db") || !keystore.IsPostgres("postgresql://h") || keystore.IsPostgres("/var/lib/keys.db") {
		t.Error("IsPostgres")
	}
}
