package keys

import (
	"context"
	"time"
)

// Store is where card records, keysets, counters, signing keys and the audit log live. It only
// ever receives sealed secrets. Implementations: keys/sqlite (embedded) and keys/postgres (shared
// by several OTA server nodes); both pass keys/storetest.
type Store interface {
	// PutTenant creates or updates a tenant.
	PutTenant(ctx context.Context, t Tenant) error
	// Tenants lists the tenants ordered by ID.
	Tenants(ctx context.Context) ([]Tenant, error)

	// InsertCards adds cards and appends rec to the audit log in one transaction: either all of
	// them are stored or none. A card whose ICCID is already stored is ErrExists.
	InsertCards(ctx context.Context, cards []Card, rec AuditRecord) error
	// Card returns one card with its keysets, TARs, secrets and issuer keys.
	Card(ctx context.Context, iccid ICCID) (Card, error)
	// Cards lists cards in ICCID order with their keysets (sealed), TARs and issuer keys.
	Cards(ctx context.Context, f CardFilter) ([]Card, error)
	// SetLifecycle changes the state of a card.
	SetLifecycle(ctx context.Context, iccid ICCID, l Lifecycle) error
	// PutTAR creates or replaces a TAR's minimum security level on a card.
	PutTAR(ctx context.Context, iccid ICCID, p TARPolicy) error
	// PutCardPublicKey stores the card's RSA public key and optional certificate (DER).
	PutCardPublicKey(ctx context.Context, iccid ICCID, publicKey, certificate []byte) error
	// AddIssuerKey records that the public part of signing key keyID is provisioned in the card.
	AddIssuerKey(ctx context.Context, iccid ICCID, keyID string) error

	// ReserveCounters reserves n consecutive counter values for a card's keyset and returns
	// them; they are durably recorded before it returns and never handed out again.
	ReserveCounters(ctx context.Context, iccid ICCID, kvn uint8, n uint64) (CounterRange, error)
	// ReserveCounterBatch reserves for many card keysets in one transaction (campaigns): all or
	// none. Results are in request order.
	ReserveCounterBatch(ctx context.Context, reqs []CounterRequest) ([]CounterRange, error)

	// PutSigningKey adds a signing key and, when it is active, demotes the tenant's active key to
	// previous; rec goes to the audit log in the same transaction.
	PutSigningKey(ctx context.Context, k SigningKey, rec AuditRecord) error
	// SetSigningKeyState changes a signing key's state, with rec in the audit log.
	SetSigningKeyState(ctx context.Context, id string, s SigningKeyState, rec AuditRecord) error
	// SigningKeys lists a tenant's signing keys, oldest first ("" for every tenant).
	SigningKeys(ctx context.Context, tenant string) ([]SigningKey, error)
	// CardsLackingIssuerKey counts the tenant's cards, not terminated, that do not yet hold keyID.
	CardsLackingIssuerKey(ctx context.Context, tenant, keyID string) (int, error)

	// Reseal passes every sealed secret in the store to fn and stores what fn returns, in one
	// transaction with rec appended to the audit log. It returns how many blobs it rewrote.
	Reseal(ctx context.Context, fn func(ref SecretRef, sealed []byte) ([]byte, error), rec AuditRecord) (int, error)

	// AppendAudit adds one entry to the audit log.
	AppendAudit(ctx context.Context, rec AuditRecord) (AuditEntry, error)
	// Audit returns the whole audit log in sequence order.
	Audit(ctx context.Context) ([]AuditEntry, error)

	Close() error
}

// Clock gives the current time; tests inject a fixed one.
type Clock func() time.Time
