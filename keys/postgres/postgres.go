// Package postgres is the key store shared by several OTA server nodes, on PostgreSQL through
// pgx. A counter reservation is one UPDATE ... RETURNING statement, so it is atomic across nodes
// and committed (synchronous_commit) before the values are handed out.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stkforge/stkforge/keys"
)

// Store is a keys.Store on PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
}

var _ keys.Store = (*Store)(nil)

// Open connects to url (postgres://...) and applies pending schema migrations.
func Open(ctx context.Context, url string) (*Store, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, err
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	return s, nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Pool exposes the pool for tests that inspect or damage the database on purpose.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// lockMigrate and lockAudit are advisory lock keys: one node migrates at a time, and audit
// entries are chained one at a time.
const (
	lockMigrate = 0x73746b6d // "stkm"
	lockAudit   = 0x73746b61 // "stka"
)

var migrations = []string{
	`CREATE TABLE tenants (
		id   TEXT PRIMARY KEY,
		kind TEXT NOT NULL,
		name TEXT NOT NULL
	);
	CREATE TABLE cards (
		iccid       TEXT PRIMARY KEY,
		imsi        TEXT NOT NULL,
		msisdn      TEXT NOT NULL,
		profile     TEXT NOT NULL,
		tenant      TEXT NOT NULL,
		lifecycle   TEXT NOT NULL,
		public_key  BYTEA,
		certificate BYTEA,
		created     TIMESTAMPTZ NOT NULL
	);
	CREATE INDEX cards_tenant ON cards (tenant, iccid);
	CREATE TABLE keysets (
		iccid      TEXT NOT NULL REFERENCES cards (iccid),
		kvn        SMALLINT NOT NULL CHECK (kvn BETWEEN 1 AND 15),
		tenant     TEXT NOT NULL,
		kic_coding SMALLINT NOT NULL,
		kic        BYTEA,
		kid_coding SMALLINT NOT NULL,
		kid        BYTEA,
		kik_coding SMALLINT NOT NULL,
		kik        BYTEA,
		counter    BIGINT NOT NULL DEFAULT 0 CHECK (counter BETWEEN 0 AND 1099511627774),
		PRIMARY KEY (iccid, kvn)
	);
	CREATE TABLE card_secrets (
		iccid  TEXT NOT NULL REFERENCES cards (iccid),
		name   TEXT NOT NULL,
		sealed BYTEA NOT NULL,
		PRIMARY KEY (iccid, name)
	);
	CREATE TABLE tars (
		iccid  TEXT NOT NULL REFERENCES cards (iccid),
		tar    BYTEA NOT NULL,
		msl    SMALLINT NOT NULL,
		tenant TEXT NOT NULL,
		PRIMARY KEY (iccid, tar)
	);
	CREATE TABLE issuer_keys (
		iccid  TEXT NOT NULL REFERENCES cards (iccid),
		key_id TEXT NOT NULL,
		PRIMARY KEY (iccid, key_id)
	);
	CREATE TABLE signing_keys (
		id         TEXT PRIMARY KEY,
		tenant     TEXT NOT NULL,
		state      TEXT NOT NULL,
		public_key BYTEA NOT NULL,
		private    BYTEA,
		hsm_label  TEXT NOT NULL,
		created    TIMESTAMPTZ NOT NULL
	);
	CREATE TABLE audit (
		seq     BIGINT PRIMARY KEY,
		time    TIMESTAMPTZ NOT NULL,
		actor   TEXT NOT NULL,
		action  TEXT NOT NULL,
		subject TEXT NOT NULL,
		detail  TEXT NOT NULL,
		prev    BYTEA NOT NULL,
		hash    BYTEA NOT NULL
	);
	CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
		$$ BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$;
	CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
		FOR EACH ROW EXECUTE FUNCTION audit_append_only();`,
	// 2: campaigns of ota/campaign and the durable state of each target (pending, sent,
	// delivered, por_ok, por_error, expired, ...); timestamps are Unix microseconds.
	`CREATE TABLE campaigns (
		id      TEXT PRIMARY KEY,
		tenant  TEXT NOT NULL,
		name    TEXT NOT NULL,
		state   TEXT NOT NULL,
		reason  TEXT NOT NULL,
		spec    BYTEA NOT NULL,
		created BIGINT NOT NULL,
		updated BIGINT NOT NULL
	);
	CREATE TABLE campaign_targets (
		campaign   TEXT NOT NULL REFERENCES campaigns (id),
		seq        BIGINT NOT NULL,
		iccid      TEXT NOT NULL,
		msisdn     TEXT NOT NULL,
		state      TEXT NOT NULL,
		attempts   INTEGER NOT NULL DEFAULT 0,
		counter    BIGINT NOT NULL DEFAULT 0,
		por_status INTEGER NOT NULL DEFAULT -1,
		last_error TEXT NOT NULL DEFAULT '',
		next_at    BIGINT NOT NULL DEFAULT 0,
		owner      TEXT NOT NULL DEFAULT '',
		updated    BIGINT NOT NULL DEFAULT 0,
		PRIMARY KEY (campaign, seq)
	);
	CREATE INDEX campaign_targets_due ON campaign_targets (campaign, state, next_at);
	CREATE INDEX campaign_targets_msisdn ON campaign_targets (msisdn, state);`,
}

func (s *Store) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockMigrate); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return err
		}
		var v int
		switch err := tx.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&v); {
		case errors.Is(err, pgx.ErrNoRows):
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version VALUES (0)`); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		if v > len(migrations) {
			return fmt.Errorf("schema version %d is newer than this program (%d)", v, len(migrations))
		}
		for i := v; i < len(migrations); i++ {
			if _, err := tx.Exec(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
		}
		_, err := tx.Exec(ctx, `UPDATE schema_version SET version = $1`, len(migrations))
		return err
	})
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// PutTenant creates or updates a tenant.
func (s *Store) PutTenant(ctx context.Context, t keys.Tenant) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO tenants (id, kind, name) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name`, t.ID, string(t.Kind), t.Name)
	return err
}

// Tenants lists tenants by ID.
func (s *Store) Tenants(ctx context.Context) ([]keys.Tenant, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, kind, name FROM tenants ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (keys.Tenant, error) {
		var t keys.Tenant
		err := r.Scan(&t.ID, &t.Kind, &t.Name)
		return t, err
	})
}

// InsertCards stores cards and the audit record in one transaction, with COPY for speed.
func (s *Store) InsertCards(ctx context.Context, cards []keys.Card, rec keys.AuditRecord) error {
	for i := range cards {
		if err := cards[i].Validate(); err != nil {
			return &keys.CardError{ICCID: cards[i].ICCID, Err: err}
		}
	}
	var cardRows, ksRows, secretRows, tarRows, issuerRows [][]any
	for _, c := range cards {
		lc := c.Lifecycle
		if lc == "" {
			lc = keys.LifecycleIssued
		}
		cardRows = append(cardRows, []any{string(c.ICCID), c.IMSI, c.MSISDN, c.Profile, c.Tenant, string(lc), nilIfEmpty(c.PublicKey), nilIfEmpty(c.Certificate), c.Created.UTC()})
		for _, ks := range c.Keysets {
			ksRows = append(ksRows, []any{string(c.ICCID), int16(ks.KVN), ks.Tenant, int16(ks.KIc.Coding), nilIfEmpty(ks.KIc.Sealed), int16(ks.KID.Coding), nilIfEmpty(ks.KID.Sealed), int16(ks.KIK.Coding), nilIfEmpty(ks.KIK.Sealed), int64(ks.Counter)})
		}
		for _, sc := range c.Secrets {
			secretRows = append(secretRows, []any{string(c.ICCID), sc.Name, sc.Sealed})
		}
		for _, t := range c.TARs {
			tarRows = append(tarRows, []any{string(c.ICCID), t.TAR[:], int16(t.MSL), t.Tenant})
		}
		for _, id := range c.IssuerKeys {
			issuerRows = append(issuerRows, []any{string(c.ICCID), id})
		}
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Existing ICCIDs first, so the error names the card (COPY would only say "duplicate").
		ids := make([]string, len(cards))
		for i, c := range cards {
			ids[i] = string(c.ICCID)
		}
		var dup string
		switch err := tx.QueryRow(ctx, `SELECT iccid FROM cards WHERE iccid = ANY($1) ORDER BY iccid LIMIT 1`, ids).Scan(&dup); {
		case err == nil:
			return &keys.CardError{ICCID: keys.ICCID(dup), Err: keys.ErrExists}
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		for _, cp := range []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"cards", []string{"iccid", "imsi", "msisdn", "profile", "tenant", "lifecycle", "public_key", "certificate", "created"}, cardRows},
			{"keysets", []string{"iccid", "kvn", "tenant", "kic_coding", "kic", "kid_coding", "kid", "kik_coding", "kik", "counter"}, ksRows},
			{"card_secrets", []string{"iccid", "name", "sealed"}, secretRows},
			{"tars", []string{"iccid", "tar", "msl", "tenant"}, tarRows},
			{"issuer_keys", []string{"iccid", "key_id"}, issuerRows},
		} {
			if len(cp.rows) == 0 {
				continue
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{cp.table}, cp.cols, pgx.CopyFromRows(cp.rows)); err != nil {
				if pgCode(err) == uniqueViolation && cp.table == "cards" {
					return fmt.Errorf("a card is twice in the batch: %w", keys.ErrExists)
				}
				return fmt.Errorf("%s: %w", cp.table, err)
			}
		}
		_, err := appendAudit(ctx, tx, rec)
		return err
	})
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// Card returns one card.
func (s *Store) Card(ctx context.Context, iccid keys.ICCID) (keys.Card, error) {
	cards, err := s.loadCards(ctx, `WHERE iccid = $1`, string(iccid))
	if err != nil {
		return keys.Card{}, err
	}
	if len(cards) == 0 {
		return keys.Card{}, &keys.CardError{ICCID: iccid, Err: keys.ErrNotFound}
	}
	return cards[0], nil
}

// Cards lists cards in ICCID order.
func (s *Store) Cards(ctx context.Context, f keys.CardFilter) ([]keys.Card, error) {
	q := `WHERE iccid > $1 AND ($2 = '' OR tenant = $2) ORDER BY iccid`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return s.loadCards(ctx, q, string(f.After), f.Tenant)
}

func (s *Store) loadCards(ctx context.Context, where string, args ...any) ([]keys.Card, error) {
	rows, err := s.pool.Query(ctx, `SELECT iccid, imsi, msisdn, profile, tenant, lifecycle, public_key, certificate, created FROM cards `+where, args...)
	if err != nil {
		return nil, err
	}
	cards, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (keys.Card, error) {
		var c keys.Card
		err := r.Scan(&c.ICCID, &c.IMSI, &c.MSISDN, &c.Profile, &c.Tenant, &c.Lifecycle, &c.PublicKey, &c.Certificate, &c.Created)
		c.Created = c.Created.UTC()
		return c, err
	})
	if err != nil || len(cards) == 0 {
		return cards, err
	}
	ids := make([]string, len(cards))
	index := map[keys.ICCID]*keys.Card{}
	for i := range cards {
		ids[i] = string(cards[i].ICCID)
		index[cards[i].ICCID] = &cards[i]
	}
	rows, err = s.pool.Query(ctx, `SELECT iccid, kvn, tenant, kic_coding, kic, kid_coding, kid, kik_coding, kik, counter FROM keysets WHERE iccid = ANY($1) ORDER BY iccid, kvn`, ids)
	if err != nil {
		return nil, err
	}
	var id keys.ICCID
	var kvn, c1, c2, c3 int16
	var counter int64
	var ks keys.Keyset
	if _, err := pgx.ForEachRow(rows, []any{&id, &kvn, &ks.Tenant, &c1, &ks.KIc.Sealed, &c2, &ks.KID.Sealed, &c3, &ks.KIK.Sealed, &counter}, func() error {
		ks.KVN, ks.KIc.Coding, ks.KID.Coding, ks.KIK.Coding, ks.Counter = uint8(kvn), byte(c1), byte(c2), byte(c3), uint64(counter)
		index[id].Keysets = append(index[id].Keysets, ks)
		ks = keys.Keyset{}
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = s.pool.Query(ctx, `SELECT iccid, tar, msl, tenant FROM tars WHERE iccid = ANY($1) ORDER BY iccid, tar`, ids)
	if err != nil {
		return nil, err
	}
	var tar []byte
	var msl int16
	var tenant string
	if _, err := pgx.ForEachRow(rows, []any{&id, &tar, &msl, &tenant}, func() error {
		p := keys.TARPolicy{MSL: byte(msl), Tenant: tenant}
		copy(p.TAR[:], tar)
		index[id].TARs = append(index[id].TARs, p)
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = s.pool.Query(ctx, `SELECT iccid, name, sealed FROM card_secrets WHERE iccid = ANY($1) ORDER BY iccid, name`, ids)
	if err != nil {
		return nil, err
	}
	var sc keys.Secret
	if _, err := pgx.ForEachRow(rows, []any{&id, &sc.Name, &sc.Sealed}, func() error {
		index[id].Secrets = append(index[id].Secrets, sc)
		sc = keys.Secret{}
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = s.pool.Query(ctx, `SELECT iccid, key_id FROM issuer_keys WHERE iccid = ANY($1) ORDER BY iccid, key_id`, ids)
	if err != nil {
		return nil, err
	}
	var keyID string
	if _, err := pgx.ForEachRow(rows, []any{&id, &keyID}, func() error {
		index[id].IssuerKeys = append(index[id].IssuerKeys, keyID)
		return nil
	}); err != nil {
		return nil, err
	}
	return cards, nil
}

func (s *Store) execCard(ctx context.Context, iccid keys.ICCID, q string, args ...any) error {
	tag, err := s.pool.Exec(ctx, q, args...)
	if err != nil {
		if pgCode(err) == foreignKeyViolation {
			return &keys.CardError{ICCID: iccid, Err: keys.ErrNotFound}
		}
		return &keys.CardError{ICCID: iccid, Err: err}
	}
	if tag.RowsAffected() == 0 {
		return &keys.CardError{ICCID: iccid, Err: keys.ErrNotFound}
	}
	return nil
}

// SetLifecycle changes a card's state.
func (s *Store) SetLifecycle(ctx context.Context, iccid keys.ICCID, l keys.Lifecycle) error {
	if !l.Valid() {
		return &keys.FieldError{Field: "lifecycle", Err: fmt.Errorf("unknown state %q", l)}
	}
	return s.execCard(ctx, iccid, `UPDATE cards SET lifecycle = $1 WHERE iccid = $2`, string(l), string(iccid))
}

// PutTAR creates or replaces a TAR policy.
func (s *Store) PutTAR(ctx context.Context, iccid keys.ICCID, p keys.TARPolicy) error {
	return s.execCard(ctx, iccid, `INSERT INTO tars (iccid, tar, msl, tenant) VALUES ($1, $2, $3, $4)
		ON CONFLICT (iccid, tar) DO UPDATE SET msl = excluded.msl, tenant = excluded.tenant`, string(iccid), p.TAR[:], int16(p.MSL), p.Tenant)
}

// PutCardPublicKey stores the card's public key and certificate.
func (s *Store) PutCardPublicKey(ctx context.Context, iccid keys.ICCID, pub, cert []byte) error {
	return s.execCard(ctx, iccid, `UPDATE cards SET public_key = $1, certificate = $2 WHERE iccid = $3`, nilIfEmpty(pub), nilIfEmpty(cert), string(iccid))
}

// AddIssuerKey records a provisioned issuer key.
func (s *Store) AddIssuerKey(ctx context.Context, iccid keys.ICCID, keyID string) error {
	return s.execCard(ctx, iccid, `INSERT INTO issuer_keys (iccid, key_id) SELECT iccid, $2 FROM cards WHERE iccid = $1
		ON CONFLICT (iccid, key_id) DO UPDATE SET key_id = excluded.key_id`, string(iccid), keyID)
}

const reserveSQL = `UPDATE keysets SET counter = counter + $1 WHERE iccid = $2 AND kvn = $3 AND counter + $1 <= $4 RETURNING counter`

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func reserve(ctx context.Context, db queryRower, req keys.CounterRequest) (keys.CounterRange, error) {
	if req.N < 1 || req.N > keys.CounterMax {
		return keys.CounterRange{}, &keys.CounterError{ICCID: req.ICCID, KVN: req.KVN, Err: fmt.Errorf("cannot reserve %d values", req.N)}
	}
	var last int64
	err := db.QueryRow(ctx, reserveSQL, int64(req.N), string(req.ICCID), int16(req.KVN), int64(keys.CounterMax)).Scan(&last)
	if errors.Is(err, pgx.ErrNoRows) {
		var cur int64
		switch err := db.QueryRow(ctx, `SELECT counter FROM keysets WHERE iccid = $1 AND kvn = $2`, string(req.ICCID), int16(req.KVN)).Scan(&cur); {
		case errors.Is(err, pgx.ErrNoRows):
			return keys.CounterRange{}, &keys.CounterError{ICCID: req.ICCID, KVN: req.KVN, Err: keys.ErrNotFound}
		case err != nil:
			return keys.CounterRange{}, err
		}
		return keys.CounterRange{}, &keys.CounterError{ICCID: req.ICCID, KVN: req.KVN, Err: fmt.Errorf("%w: at %010X, %d more would pass %010X", keys.ErrCounterExhausted, cur, req.N, keys.CounterMax)}
	}
	if err != nil {
		return keys.CounterRange{}, err
	}
	return keys.CounterRange{ICCID: req.ICCID, KVN: req.KVN, First: uint64(last) - req.N + 1, N: req.N}, nil
}

// ReserveCounters reserves n values with one UPDATE ... RETURNING (its own transaction).
func (s *Store) ReserveCounters(ctx context.Context, iccid keys.ICCID, kvn uint8, n uint64) (keys.CounterRange, error) {
	return reserve(ctx, s.pool, keys.CounterRequest{ICCID: iccid, KVN: kvn, N: n})
}

// batchSQL reserves for many keysets in one statement. Requests for the same keyset are summed
// before, so each row appears once; rows are locked in (ICCID, KVN) order, so concurrent batches
// cannot deadlock; a row the limit stops is locked but not updated, which the caller detects.
const batchSQL = `WITH req AS (
	SELECT * FROM unnest($1::text[], $2::smallint[], $3::bigint[]) AS r(iccid, kvn, n)
), locked AS MATERIALIZED (
	SELECT k.iccid, k.kvn FROM keysets k JOIN req ON k.iccid = req.iccid AND k.kvn = req.kvn
	ORDER BY k.iccid, k.kvn FOR UPDATE OF k
)
UPDATE keysets k SET counter = k.counter + req.n
FROM req, locked
WHERE k.iccid = req.iccid AND k.kvn = req.kvn AND locked.iccid = k.iccid AND locked.kvn = k.kvn
	AND k.counter + req.n <= $4
RETURNING k.iccid, k.kvn, k.counter`

// ReserveCounterBatch reserves for many keysets in one transaction and one statement.
func (s *Store) ReserveCounterBatch(ctx context.Context, reqs []keys.CounterRequest) ([]keys.CounterRange, error) {
	batch, err := keys.NewCounterBatch(reqs)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(batch.Unique))
	kvns := make([]int16, len(batch.Unique))
	ns := make([]int64, len(batch.Unique))
	for i, u := range batch.Unique {
		ids[i], kvns[i], ns[i] = string(u.ICCID), int16(u.KVN), int64(u.N)
	}
	var out []keys.CounterRange
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, batchSQL, ids, kvns, ns, int64(keys.CounterMax))
		if err != nil {
			return err
		}
		last := make([]uint64, len(batch.Unique))
		var id string
		var kvn int16
		var counter int64
		if _, err := pgx.ForEachRow(rows, []any{&id, &kvn, &counter}, func() error {
			if i, ok := batch.Position(keys.KeysetRef{ICCID: keys.ICCID(id), KVN: uint8(kvn)}); ok {
				last[i] = uint64(counter)
			}
			return nil
		}); err != nil {
			return err
		}
		var failed *keys.CounterRequest
		if out, failed = batch.Ranges(last); failed != nil { // say why, then roll back everything
			_, err := reserve(ctx, tx, *failed)
			if err == nil {
				err = &keys.CounterError{ICCID: failed.ICCID, KVN: failed.KVN, Err: keys.ErrCounterExhausted}
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutSigningKey adds a signing key, demoting the tenant's active one.
func (s *Store) PutSigningKey(ctx context.Context, k keys.SigningKey, rec keys.AuditRecord) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if k.State == keys.SigningActive {
			if _, err := tx.Exec(ctx, `UPDATE signing_keys SET state = $1 WHERE tenant = $2 AND state = $3`, string(keys.SigningPrevious), k.Tenant, string(keys.SigningActive)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO signing_keys (id, tenant, state, public_key, private, hsm_label, created) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			k.ID, k.Tenant, string(k.State), k.PublicKey, nilIfEmpty(k.Private), k.HSMLabel, k.Created.UTC()); err != nil {
			if pgCode(err) == uniqueViolation {
				return fmt.Errorf("signing key %s: %w", k.ID, keys.ErrExists)
			}
			return err
		}
		_, err := appendAudit(ctx, tx, rec)
		return err
	})
}

// SetSigningKeyState changes a signing key's state.
func (s *Store) SetSigningKeyState(ctx context.Context, id string, st keys.SigningKeyState, rec keys.AuditRecord) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE signing_keys SET state = $1 WHERE id = $2`, string(st), id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("signing key %s: %w", id, keys.ErrNotFound)
		}
		_, err = appendAudit(ctx, tx, rec)
		return err
	})
}

// SigningKeys lists signing keys oldest first.
func (s *Store) SigningKeys(ctx context.Context, tenant string) ([]keys.SigningKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, tenant, state, public_key, private, hsm_label, created FROM signing_keys WHERE $1 = '' OR tenant = $1 ORDER BY created, id`, tenant)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (keys.SigningKey, error) {
		var k keys.SigningKey
		err := r.Scan(&k.ID, &k.Tenant, &k.State, &k.PublicKey, &k.Private, &k.HSMLabel, &k.Created)
		k.Created = k.Created.UTC()
		return k, err
	})
}

// CardsLackingIssuerKey counts live cards of a tenant without keyID.
func (s *Store) CardsLackingIssuerKey(ctx context.Context, tenant, keyID string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM cards c WHERE c.tenant = $1 AND c.lifecycle <> $2
		AND NOT EXISTS (SELECT 1 FROM issuer_keys i WHERE i.iccid = c.iccid AND i.key_id = $3)`, tenant, string(keys.LifecycleTerminated), keyID).Scan(&n)
	return n, err
}

// Reseal rewrites every sealed blob through fn in one transaction.
func (s *Store) Reseal(ctx context.Context, fn func(keys.SecretRef, []byte) ([]byte, error), rec keys.AuditRecord) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		n = 0
		type item struct {
			ref    keys.SecretRef
			sealed []byte
		}
		collect := func(q string) ([]item, error) {
			rows, err := tx.Query(ctx, q)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, func(r pgx.CollectableRow) (item, error) {
				var it item
				var kvn int16
				err := r.Scan(&it.ref.ICCID, &kvn, &it.ref.Name, &it.sealed)
				it.ref.KVN = uint8(kvn)
				return it, err
			})
		}
		for _, col := range []string{"kic", "kid", "kik"} {
			items, err := collect(fmt.Sprintf(`SELECT iccid, kvn, '%s', %s FROM keysets WHERE %s IS NOT NULL FOR UPDATE`, col, col, col))
			if err != nil {
				return err
			}
			for _, it := range items {
				out, err := fn(it.ref, it.sealed)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE keysets SET %s = $1 WHERE iccid = $2 AND kvn = $3`, col), out, string(it.ref.ICCID), int16(it.ref.KVN)); err != nil {
					return err
				}
				n++
			}
		}
		items, err := collect(`SELECT iccid, 0::smallint, name, sealed FROM card_secrets FOR UPDATE`)
		if err != nil {
			return err
		}
		for _, it := range items {
			out, err := fn(it.ref, it.sealed)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE card_secrets SET sealed = $1 WHERE iccid = $2 AND name = $3`, out, string(it.ref.ICCID), it.ref.Name); err != nil {
				return err
			}
			n++
		}
		items, err = collect(`SELECT '', 0::smallint, id, private FROM signing_keys WHERE private IS NOT NULL FOR UPDATE`)
		if err != nil {
			return err
		}
		for _, it := range items {
			id := it.ref.Name
			out, err := fn(keys.SecretRef{Name: "signing:" + id}, it.sealed)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE signing_keys SET private = $1 WHERE id = $2`, out, id); err != nil {
				return err
			}
			n++
		}
		_, err = appendAudit(ctx, tx, rec)
		return err
	})
	return n, err
}

// AppendAudit adds one audit entry.
func (s *Store) AppendAudit(ctx context.Context, rec keys.AuditRecord) (keys.AuditEntry, error) {
	var e keys.AuditEntry
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		e, err = appendAudit(ctx, tx, rec)
		return err
	})
	return e, err
}

func appendAudit(ctx context.Context, tx pgx.Tx, rec keys.AuditRecord) (keys.AuditEntry, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockAudit); err != nil {
		return keys.AuditEntry{}, err
	}
	var prev *keys.AuditEntry
	var p keys.AuditEntry
	var hash []byte
	switch err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&p.Seq, &hash); {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return keys.AuditEntry{}, err
	default:
		copy(p.Hash[:], hash)
		prev = &p
	}
	e := keys.ChainAudit(prev, rec)
	_, err := tx.Exec(ctx, `INSERT INTO audit (seq, time, actor, action, subject, detail, prev, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		int64(e.Seq), e.Time, e.Actor, e.Action, e.Subject, e.Detail, e.Prev[:], e.Hash[:])
	return e, err
}

// Audit returns the audit log.
func (s *Store) Audit(ctx context.Context) ([]keys.AuditEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, time, actor, action, subject, detail, prev, hash FROM audit ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (keys.AuditEntry, error) {
		var e keys.AuditEntry
		var seq int64
		var t time.Time
		var prev, hash []byte
		err := r.Scan(&seq, &t, &e.Actor, &e.Action, &e.Subject, &e.Detail, &prev, &hash)
		e.Seq, e.Time = uint64(seq), t.UTC()
		copy(e.Prev[:], prev)
		copy(e.Hash[:], hash)
		return e, err
	})
}

// RawText returns every row of every table as PostgreSQL prints it (bytea as hex), for tests
// that scan for secrets in clear.
func (s *Store) RawText(ctx context.Context) ([]byte, error) {
	var out []byte
	for _, table := range []string{"tenants", "cards", "keysets", "card_secrets", "tars", "issuer_keys", "signing_keys", "audit"} {
		var text *string
		if err := s.pool.QueryRow(ctx, fmt.Sprintf(`SELECT string_agg(t::text, E'\n') FROM %s t`, table)).Scan(&text); err != nil {
			return nil, err
		}
		if text != nil {
			out = append(out, *text...)
			out = append(out, '\n')
		}
	}
	return out, nil
}

// TamperAudit rewrites an audit entry's detail behind the append-only trigger: a test's stand-in
// for someone with write access to the database.
func (s *Store) TamperAudit(ctx context.Context, seq uint64, detail string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, q := range []string{`ALTER TABLE audit DISABLE TRIGGER audit_no_change`, fmt.Sprintf(`UPDATE audit SET detail = '%s' WHERE seq = %d`, strings.ReplaceAll(detail, "'", "''"), seq), `ALTER TABLE audit ENABLE TRIGGER audit_no_change`} {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
}
