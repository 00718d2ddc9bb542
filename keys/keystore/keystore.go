// Package keystore opens the key store a user names: a file path for the embedded SQLite store,
// or a postgres:// URL for the shared PostgreSQL store.
package keystore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/postgres"
	"github.com/stkforge/stkforge/keys/sqlite"
)

// IsPostgres reports whether name is a PostgreSQL URL rather than a file path.
func IsPostgres(name string) bool {
	return strings.HasPrefix(name, "postgres://") || strings.HasPrefix(name, "postgresql://")
}

// Redacted is name fit to print: a URL's password is replaced by xxxxx.
func Redacted(name string) string {
	if !IsPostgres(name) {
		return name
	}
	u, err := url.Parse(name)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// Open opens (and migrates) the existing store called name.
func Open(ctx context.Context, name string) (keys.Store, error) {
	if name == "" {
		return nil, errors.New("no store: give --store PATH or a postgres:// URL")
	}
	if IsPostgres(name) {
		return postgres.Open(ctx, name)
	}
	if _, err := os.Stat(name); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("store %s does not exist: run stkforge keys init first", name)
	}
	return sqlite.Open(ctx, name)
}

// InitResult says what Init did.
type InitResult struct {
	Store            string `json:"store"`
	MasterKey        string `json:"master_key"` // ID of the master key, never the key
	MasterKeyCreated bool   `json:"master_key_created"`
	Tenants          int    `json:"tenants"`
}

// Init creates (or migrates) the store, creates the master key file when it does not exist (mode
// 0600), adds the tenants and writes an init entry in the audit log.
func Init(ctx context.Context, name, masterKeyPath string, tenants []keys.Tenant, actor string, clock keys.Clock) (InitResult, error) {
	if name == "" || masterKeyPath == "" {
		return InitResult{}, errors.New("init needs --store and --master-key")
	}
	res := InitResult{Store: Redacted(name), Tenants: len(tenants)}
	_, statErr := os.Stat(masterKeyPath)
	mk, err := keys.LoadProvider(masterKeyPath, true)
	res.MasterKeyCreated = errors.Is(statErr, fs.ErrNotExist) && !strings.HasPrefix(masterKeyPath, "pkcs11:")
	if err != nil {
		return InitResult{}, err
	}
	res.MasterKey = mk.ID()
	var st keys.Store
	if IsPostgres(name) {
		st, err = postgres.Open(ctx, name)
	} else {
		st, err = sqlite.Open(ctx, name)
	}
	if err != nil {
		return InitResult{}, err
	}
	defer st.Close()
	for _, t := range tenants {
		if err := st.PutTenant(ctx, t); err != nil {
			return InitResult{}, err
		}
	}
	ids := make([]string, len(tenants))
	for i, t := range tenants {
		ids[i] = t.ID
	}
	if clock == nil {
		clock = keys.Clock(nowUTC)
	}
	_, err = st.AppendAudit(ctx, keys.AuditRecord{Time: clock(), Actor: actor, Action: keys.AuditInit, Subject: mk.ID(),
		Detail: fmt.Sprintf(`{"tenants":%q}`, strings.Join(ids, ","))})
	return res, err
}

func nowUTC() time.Time { return time.Now().UTC() }
