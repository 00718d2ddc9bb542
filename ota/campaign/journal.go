package campaign

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/postgres"
	"github.com/stkforge/stkforge/keys/sqlite"
)

// Journal is the durable campaign state in the key store's database (tables campaigns and
// campaign_targets of migration 2). One SQL text serves both backends; PostgreSQL claims work
// with FOR UPDATE SKIP LOCKED so that several nodes share a campaign without taking the same
// target.
type Journal struct {
	db  *sql.DB
	pg  bool
	now func() time.Time
}

// ErrNotFound is a campaign that is not in the journal (or not the caller's tenant's).
var ErrNotFound = errors.New("campaign not found")

// OpenJournal returns the journal living in the same database as st (keys/sqlite or
// keys/postgres); now is the clock (time.Now when nil).
func OpenJournal(st keys.Store, now func() time.Time) (*Journal, error) {
	if now == nil {
		now = time.Now
	}
	switch s := st.(type) {
	case *sqlite.Store:
		return &Journal{db: s.DB(), now: now}, nil
	case *postgres.Store:
		return &Journal{db: stdlib.OpenDBFromPool(s.Pool()), pg: true, now: now}, nil
	}
	return nil, fmt.Errorf("campaign: store %T has no campaign tables", st)
}

// q rewrites ? placeholders as $n for PostgreSQL.
func (j *Journal) q(s string) string {
	if !j.pg {
		return s
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func (j *Journal) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		// database/sql rolls a transaction back by itself when its context ends; Commit then
		// says only "already rolled back". Nothing was written: report why.
		if errors.Is(err, sql.ErrTxDone) && ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return nil
}

// Scope restricts target resolution to what a tenant may touch: for a bank tenant, the cards
// whose TAR and keyset it owns (TS 102 226 8.2.1.3.2.4 TAR policies recorded in the store).
type Scope struct {
	Tenant string // "" or an operator: every card
	Bank   bool
	// MaxTargets caps the targets of one campaign (0: no cap); a campaign over it is refused
	// whole with ErrTooManyTargets.
	MaxTargets int
}

// Create stores a campaign and its targets in one transaction. The spec must have passed
// Validate; p is its parsed security. Targets are resolved in the database (INSERT ... SELECT
// for a filter, pages of 500 for lists), so memory does not grow with the campaign. A listed
// card that is unknown, lacks the keyset, or is outside the scope fails the whole creation.
func (j *Journal) Create(ctx context.Context, id string, spec Spec, p Parsed, scope Scope) (Info, int, error) {
	now := j.now().UTC()
	if m := scope.MaxTargets; m > 0 {
		for _, l := range []struct {
			field string
			n     int
		}{{"iccids", len(spec.Targets.ICCIDs)}, {"imsis", len(spec.Targets.IMSIs)}, {"msisdns", len(spec.Targets.MSISDNs)}} {
			if l.n > m {
				return Info{}, 0, &SpecError{Field: "targets." + l.field, Err: fmt.Errorf("%w: %d listed, the limit is %d", ErrTooManyTargets, l.n, m)}
			}
		}
	}
	raw, err := json.Marshal(spec)
	if err != nil {
		return Info{}, 0, err
	}
	n := 0
	err = j.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, j.q(`INSERT INTO campaigns (id, tenant, name, state, reason, spec, created, updated) VALUES (?, ?, ?, ?, '', ?, ?, ?)`),
			id, spec.Tenant, spec.Name, string(Running), raw, now.UnixMicro(), now.UnixMicro()); err != nil {
			return err
		}
		// joins that keep only cards holding the keyset (and, for a bank, its TAR and keyset)
		join := ` JOIN keysets k ON k.iccid = c.iccid AND k.kvn = ?`
		args := []any{int(p.KVN)}
		if scope.Bank {
			join += ` AND k.tenant = ? JOIN tars t ON t.iccid = c.iccid AND t.tar = ? AND t.tenant = ?`
			args = append(args, scope.Tenant, p.TAR[:], scope.Tenant)
		}
		if f := spec.Targets.Filter; f != nil {
			lc := f.Lifecycle
			if lc == "" {
				lc = keys.LifecycleActive
			}
			where := ` WHERE c.lifecycle = ?`
			wargs := []any{string(lc)}
			if f.Tenant != "" {
				where += ` AND c.tenant = ?`
				wargs = append(wargs, f.Tenant)
			}
			res, err := tx.ExecContext(ctx, j.q(`INSERT INTO campaign_targets (campaign, seq, iccid, msisdn, state, updated)
				SELECT ?, ROW_NUMBER() OVER (ORDER BY c.iccid) - 1, c.iccid, c.msisdn, 'pending', ? FROM cards c`+join+where),
				append(append([]any{id, now.UnixMicro()}, args...), wargs...)...)
			if err != nil {
				return err
			}
			rows, _ := res.RowsAffected()
			n = int(rows)
			if m := scope.MaxTargets; m > 0 && n > m {
				// the transaction is rolled back: nothing of the campaign remains
				return &SpecError{Field: "targets.filter", Err: fmt.Errorf("%w: the filter selects %d cards, the limit is %d", ErrTooManyTargets, n, m)}
			}
			return nil
		}
		col, list, field := "c.iccid", spec.Targets.ICCIDs, "iccids"
		if len(spec.Targets.IMSIs) > 0 {
			col, list, field = "c.imsi", spec.Targets.IMSIs, "imsis"
		} else if len(spec.Targets.MSISDNs) > 0 {
			col, list, field = "c.msisdn", spec.Targets.MSISDNs, "msisdns"
		}
		seen := make(map[string]bool, min(len(list), 100000))
		for start := 0; start < len(list); start += 500 {
			page := list[start:min(start+500, len(list))]
			qargs := append([]any{}, args...)
			for _, v := range page {
				qargs = append(qargs, v)
			}
			rows, err := tx.QueryContext(ctx, j.q(`SELECT `+col+`, c.iccid, c.msisdn FROM cards c`+join+` WHERE `+col+` IN (`+placeholders(len(page))+`)`), qargs...)
			if err != nil {
				return err
			}
			found := map[string][2]string{}
			for rows.Next() {
				var key, iccid, msisdn string
				if err := rows.Scan(&key, &iccid, &msisdn); err != nil {
					rows.Close()
					return err
				}
				found[key] = [2]string{iccid, msisdn}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			var ins []any
			for i, v := range page {
				c, ok := found[v]
				if !ok {
					return &SpecError{Field: fmt.Sprintf("targets.%s[%d]", field, start+i), Err: fmt.Errorf("%w: %s: no such card with keyset %d in scope", ErrInvalid, v, p.KVN)}
				}
				if seen[c[0]] {
					return &SpecError{Field: fmt.Sprintf("targets.%s[%d]", field, start+i), Err: fmt.Errorf("%w: card %s listed twice", ErrInvalid, c[0])}
				}
				seen[c[0]] = true
				ins = append(ins, id, int64(n), c[0], c[1], string(Pending), now.UnixMicro())
				n++
			}
			if _, err := tx.ExecContext(ctx, j.q(`INSERT INTO campaign_targets (campaign, seq, iccid, msisdn, state, updated) VALUES `+
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", len(page)), ", ")), ins...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Info{}, 0, err
	}
	return Info{ID: id, Name: spec.Name, Tenant: spec.Tenant, Status: Running, Spec: spec, Created: now, Updated: now}, n, nil
}

const infoCols = `id, tenant, name, state, reason, spec, created, updated`

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

func scanInfo(sc scanner) (Info, error) {
	var in Info
	var raw []byte
	var created, updated int64
	if err := sc.Scan(&in.ID, &in.Tenant, &in.Name, &in.Status, &in.Reason, &raw, &created, &updated); err != nil {
		return in, err
	}
	if err := json.Unmarshal(raw, &in.Spec); err != nil {
		return in, fmt.Errorf("campaign %s: stored spec: %w", in.ID, err)
	}
	in.Created, in.Updated = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return in, nil
}

// Get returns one campaign.
func (j *Journal) Get(ctx context.Context, id string) (Info, error) {
	in, err := scanInfo(j.db.QueryRowContext(ctx, j.q(`SELECT `+infoCols+` FROM campaigns WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return in, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return in, err
}

// List returns the campaigns of a tenant ("" for all), newest first.
func (j *Journal) List(ctx context.Context, tenant string) ([]Info, error) {
	q, args := `SELECT `+infoCols+` FROM campaigns`, []any{}
	if tenant != "" {
		q += ` WHERE tenant = ?`
		args = append(args, tenant)
	}
	rows, err := j.db.QueryContext(ctx, j.q(q+` ORDER BY created DESC, id`), args...)
	return collect(rows, err, scanInfo)
}

// Running lists the IDs of the running campaigns, oldest first, and reads nothing else: a
// stored spec may hold a million ICCIDs or a whole image, and every server node polls this
// (ota/server discovery).
func (j *Journal) Running(ctx context.Context) ([]string, error) {
	rows, err := j.db.QueryContext(ctx, j.q(`SELECT id FROM campaigns WHERE state = ? ORDER BY created, id`), string(Running))
	return collect(rows, err, func(r scanner) (id string, err error) { return id, r.Scan(&id) })
}

// Counts returns how many targets of a campaign are in each state.
func (j *Journal) Counts(ctx context.Context, id string) (Counts, error) {
	rows, err := j.db.QueryContext(ctx, j.q(`SELECT state, COUNT(*) FROM campaign_targets WHERE campaign = ? GROUP BY state`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	c := Counts{}
	for rows.Next() {
		var s State
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		c[s] = n
	}
	return c, rows.Err()
}

// CanaryOpen counts the targets with seq below n that are not final, and those that ended in
// any state but por_ok.
func (j *Journal) CanaryOpen(ctx context.Context, id string, n int) (open, bad int, err error) {
	err = j.db.QueryRowContext(ctx, j.q(`SELECT
		COALESCE(SUM(CASE WHEN state IN ('pending', 'sent', 'delivered') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state IN ('por_error', 'expired', 'failed') THEN 1 ELSE 0 END), 0)
		FROM campaign_targets WHERE campaign = ? AND seq < ?`), id, n).Scan(&open, &bad)
	return open, bad, err
}

const targetCols = `campaign, seq, iccid, msisdn, state, attempts, counter, por_status, last_error, updated`

func scanTarget(sc scanner) (Target, error) {
	var t Target
	var counter, updated int64
	err := sc.Scan(&t.Campaign, &t.Seq, &t.ICCID, &t.MSISDN, &t.State, &t.Attempts, &counter, &t.PoRStatus, &t.LastError, &updated)
	t.Counter = uint64(counter)
	t.Updated = time.UnixMicro(updated).UTC()
	return t, err
}

// Targets returns up to limit targets after seq (paging), in seq order; state "" for all.
func (j *Journal) Targets(ctx context.Context, id string, after int64, limit int, state State) ([]Target, error) {
	q := `SELECT ` + targetCols + ` FROM campaign_targets WHERE campaign = ? AND seq > ?`
	args := []any{id, after}
	if state != "" {
		q += ` AND state = ?`
		args = append(args, string(state))
	}
	q += ` ORDER BY seq LIMIT ?`
	args = append(args, limit)
	rows, err := j.db.QueryContext(ctx, j.q(q), args...)
	return collect(rows, err, scanTarget)
}

// SetStatus moves a campaign from one of the from statuses to to, with a reason; it reports
// whether it did. Cancelling also cancels every target still pending.
func (j *Journal) SetStatus(ctx context.Context, id string, from []Status, to Status, reason string) (bool, error) {
	now := j.now().UnixMicro()
	changed := false
	err := j.inTx(ctx, func(tx *sql.Tx) error {
		args := []any{string(to), reason, now, id}
		for _, f := range from {
			args = append(args, string(f))
		}
		res, err := tx.ExecContext(ctx, j.q(`UPDATE campaigns SET state = ?, reason = ?, updated = ? WHERE id = ? AND state IN (`+placeholders(len(from))+`)`), args...)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		changed = n > 0
		if changed && to == Stopped {
			_, err = tx.ExecContext(ctx, j.q(`UPDATE campaign_targets SET state = 'cancelled', last_error = ?, updated = ? WHERE campaign = ? AND state = 'pending'`),
				"campaign cancelled: "+reason, now, id)
		}
		return err
	})
	if err == nil && !changed {
		if _, gerr := j.Get(ctx, id); gerr != nil {
			return false, gerr
		}
	}
	return changed, err
}

// Claim is one target taken for an attempt.
type Claim struct {
	Seq      int64
	ICCID    string
	MSISDN   string
	Attempts int // including this one
}

// ExpireOverdue makes final the targets whose PoR did not come in time and that have used all
// their attempts, and returns how many.
// With maxAttempts 0 (a cancelled campaign draining) every overdue target expires.
func (j *Journal) ExpireOverdue(ctx context.Context, id string, maxAttempts int) (int, error) {
	now := j.now().UnixMicro()
	why := fmt.Sprintf("no PoR after %d attempts", maxAttempts)
	if maxAttempts == 0 {
		why = "campaign cancelled: no PoR by the deadline of the last attempt"
	}
	res, err := j.db.ExecContext(ctx, j.q(`UPDATE campaign_targets SET state = 'expired', last_error = ?, updated = ?
		WHERE campaign = ? AND state IN ('sent', 'delivered') AND next_at <= ? AND attempts >= ?`),
		why, now, id, now, maxAttempts)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Claim takes up to limit targets with seq below maxSeq that are due (pending and past their
// backoff, or sent with their PoR overdue), marks them sent by owner with a deadline and
// one more attempt (a lease, renewed by the runner until the packet's last segment has its
// submit_sm_resp, then that time plus the PoR timeout: next_at records it durably), and clears their counter until the new one is recorded. On PostgreSQL the
// rows are locked with SKIP LOCKED so concurrent nodes take different targets. Only a running
// campaign gives targets: a pause or cancel made through any node between a runner's status
// check and its claim sends nothing more.
func (j *Journal) Claim(ctx context.Context, id, owner string, limit int, maxSeq int64, deadline time.Time) ([]Claim, error) {
	now := j.now().UnixMicro()
	lock := ""
	if j.pg {
		lock = ` FOR UPDATE SKIP LOCKED`
	}
	rows, err := j.db.QueryContext(ctx, j.q(`UPDATE campaign_targets SET state = 'sent', attempts = attempts + 1, owner = ?, next_at = ?, counter = 0, updated = ?
		WHERE (campaign, seq) IN (SELECT campaign, seq FROM campaign_targets
			WHERE campaign = ? AND state IN ('pending', 'sent', 'delivered') AND next_at <= ? AND seq < ?
				AND EXISTS (SELECT 1 FROM campaigns WHERE id = ? AND state = ?)
			ORDER BY seq LIMIT ?`+lock+`)
		RETURNING seq, iccid, msisdn, attempts`), owner, deadline.UnixMicro(), now, id, now, maxSeq, id, string(Running), limit)
	return collect(rows, err, func(r scanner) (c Claim, err error) {
		return c, r.Scan(&c.Seq, &c.ICCID, &c.MSISDN, &c.Attempts)
	})
}

// Update is one change to a target's state.
type Update struct {
	Seq int64
	// IfCounter applies the update only while the target's latest attempt has this counter and
	// is not final (0: whatever the counter, as long as it is not final).
	IfCounter uint64
	// Counter sets the counter of the attempt (used when only recording a reservation).
	Counter   uint64
	State     State
	PoRStatus int // -1: unchanged
	LastError string
	NextAt    time.Time // zero: unchanged
}

// Apply writes updates to one campaign's targets in one transaction and returns how many rows
// changed. The comparisons cast their parameter to BIGINT: PostgreSQL would otherwise type a
// bare "? > 0" as int4 and refuse a microsecond time.
func (j *Journal) Apply(ctx context.Context, id string, ups []Update) (int, error) {
	if len(ups) == 0 {
		return 0, nil
	}
	now := j.now().UnixMicro()
	// Rows are locked in seq order (the updates of one target keep their order): two nodes
	// writing overlapping targets, one a PoR the other a submission time, then cannot deadlock,
	// which on PostgreSQL would abort a whole batch of outcomes.
	ups = slices.Clone(ups)
	slices.SortStableFunc(ups, func(a, b Update) int { return cmp.Compare(a.Seq, b.Seq) })
	ups = coalesce(ups)
	n := 0
	err := j.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, j.q(`UPDATE campaign_targets SET
			state = ?, counter = CASE WHEN CAST(? AS BIGINT) > 0 THEN ? ELSE counter END,
			por_status = CASE WHEN ? >= 0 THEN ? ELSE por_status END,
			last_error = CASE WHEN ? <> '' THEN ? ELSE last_error END,
			next_at = CASE WHEN CAST(? AS BIGINT) > 0 THEN ? ELSE next_at END, updated = ?
			WHERE campaign = ? AND seq = ? AND state IN ('pending', 'sent', 'delivered') AND (CAST(? AS BIGINT) = 0 OR counter = ?)`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, u := range ups {
			var next int64
			if !u.NextAt.IsZero() {
				next = u.NextAt.UnixMicro()
			}
			res, err := stmt.ExecContext(ctx, string(u.State), int64(u.Counter), int64(u.Counter), u.PoRStatus, u.PoRStatus,
				u.LastError, u.LastError, next, next, now, id, u.Seq, int64(u.IfCounter), int64(u.IfCounter))
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, err
}

// coalesce merges the consecutive updates of one target that the statement of Apply would
// apply together or not at all, so a one-segment packet's submission, receipt and PoR, written
// in the same flush, cost one row update instead of three. Two updates merge when both are
// conditioned on the same counter and neither sets it: the second applies exactly when the
// first did and left the target open, and then its fields win where it sets them. After an
// update that closes the target, the next ones would not apply and are dropped. ups is sorted
// by seq (stable) and is reused.
func coalesce(ups []Update) []Update {
	out := ups[:0]
	for _, u := range ups {
		if len(out) > 0 {
			p := &out[len(out)-1]
			if p.Seq == u.Seq && p.IfCounter != 0 && p.IfCounter == u.IfCounter && p.Counter == 0 && u.Counter == 0 {
				if p.State.Final() {
					continue
				}
				p.State = u.State
				if u.PoRStatus >= 0 {
					p.PoRStatus = u.PoRStatus
				}
				if u.LastError != "" {
					p.LastError = u.LastError
				}
				if !u.NextAt.IsZero() {
					p.NextAt = u.NextAt
				}
				continue
			}
		}
		out = append(out, u)
	}
	return out
}

// InFlight finds the targets awaiting a PoR from msisdn, in any campaign (the attempts in flight
// of a paused or cancelled campaign still take theirs): the fallback when a PoR arrives at a
// node that did not send the packet, or after a restart.
func (j *Journal) InFlight(ctx context.Context, msisdn string) ([]Target, error) {
	rows, err := j.db.QueryContext(ctx, j.q(`SELECT `+targetCols+` FROM campaign_targets WHERE msisdn = ? AND state IN ('sent', 'delivered') AND counter > 0`), msisdn)
	return collect(rows, err, scanTarget)
}

// collect reads every row of a query with scan; the list is empty, never nil, when no row
// matched.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Keysets returns the sealed keyset kvn of each listed card, in one query.
func (j *Journal) Keysets(ctx context.Context, kvn uint8, iccids []string) (map[string]keys.Keyset, error) {
	out := make(map[string]keys.Keyset, len(iccids))
	for start := 0; start < len(iccids); start += 500 {
		page := iccids[start:min(start+500, len(iccids))]
		args := []any{int(kvn)}
		for _, id := range page {
			args = append(args, id)
		}
		rows, err := j.db.QueryContext(ctx, j.q(`SELECT iccid, tenant, kic_coding, kic, kid_coding, kid, counter FROM keysets WHERE kvn = ? AND iccid IN (`+placeholders(len(page))+`)`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			ks := keys.Keyset{KVN: kvn}
			var kic, kid, counter int64
			if err := rows.Scan(&id, &ks.Tenant, &kic, &ks.KIc.Sealed, &kid, &ks.KID.Sealed, &counter); err != nil {
				rows.Close()
				return nil, err
			}
			ks.KIc.Coding, ks.KID.Coding, ks.Counter = byte(kic), byte(kid), uint64(counter)
			out[id] = ks
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
