package keys

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Keyring is the store together with the master key that opens its secrets: what the CLI and the
// OTA server work with.
type Keyring struct {
	Store    Store
	Provider KeyProvider
	Clock    Clock     // time.Now when nil
	Rand     io.Reader // crypto/rand when nil
	Actor    string    // written into the audit log
}

func (k *Keyring) now() time.Time {
	if k.Clock != nil {
		return k.Clock()
	}
	return time.Now()
}

func (k *Keyring) rand() io.Reader {
	if k.Rand != nil {
		return k.Rand
	}
	return rand.Reader
}

func (k *Keyring) record(action, subject, detail string) AuditRecord {
	return AuditRecord{Time: k.now(), Actor: k.Actor, Action: action, Subject: subject, Detail: detail}
}

// ImportResult says what an import stored.
type ImportResult struct {
	Cards   int `json:"cards"`
	Keysets int `json:"keysets"`
}

// Import reads a card manufacturer file and stores its cards in one transaction with an audit
// entry: a bad row, or a card already in the store, imports nothing of the file.
func (k *Keyring) Import(ctx context.Context, name string, r io.Reader, opts ImportOptions) (ImportResult, error) {
	if opts.Tenant == "" {
		return ImportResult{}, errors.New("import: no tenant")
	}
	cards, lines, err := ParseCardFile(r, opts, k.Provider)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	for i := range cards {
		cards[i].Created = k.now()
		res.Keysets += len(cards[i].Keysets)
	}
	res.Cards = len(cards)
	sum := sha256.New()
	for _, c := range cards {
		io.WriteString(sum, string(c.ICCID)+"\n")
	}
	rec := k.record(AuditImport, name, fmt.Sprintf(`{"tenant":%q,"cards":%d,"keysets":%d,"iccid_sha256":"%x"}`, opts.Tenant, res.Cards, res.Keysets, sum.Sum(nil)))
	if err := k.Store.InsertCards(ctx, cards, rec); err != nil {
		var ce *CardError
		if errors.As(err, &ce) {
			for i, c := range cards {
				if c.ICCID == ce.ICCID {
					return ImportResult{}, &ImportError{Line: lines[i].Line, Column: lines[i].Column, Name: "ICCID", Err: err}
				}
			}
		}
		return ImportResult{}, err
	}
	return res, nil
}

// CardView is a card as shown to people and programs: everything but secrets.
type CardView struct {
	ICCID       string       `json:"iccid"`
	IMSI        string       `json:"imsi"`
	MSISDN      string       `json:"msisdn,omitempty"`
	Profile     string       `json:"profile,omitempty"`
	Tenant      string       `json:"tenant"`
	Lifecycle   Lifecycle    `json:"lifecycle"`
	Keysets     []KeysetView `json:"keysets"`
	TARs        []TARView    `json:"tars,omitempty"`
	Secrets     []string     `json:"secrets,omitempty"` // names only
	PublicKey   string       `json:"public_key,omitempty"`
	Certificate string       `json:"certificate,omitempty"`
	IssuerKeys  []string     `json:"issuer_keys,omitempty"`
	Created     time.Time    `json:"created"`
}

// KeysetView is a keyset without its keys: codings, algorithms and the counter.
type KeysetView struct {
	KVN     uint8    `json:"kvn"`
	Tenant  string   `json:"tenant"`
	KIc     *KeyView `json:"kic,omitempty"`
	KID     *KeyView `json:"kid,omitempty"`
	KIK     *KeyView `json:"kik,omitempty"`
	Counter string   `json:"counter"` // 5 bytes hex, last value reserved
}

// KeyView describes a key without its bytes; MasterKey names the key it is sealed under.
type KeyView struct {
	Coding    string `json:"coding"`
	Algorithm string `json:"algorithm"`
	MasterKey string `json:"master_key"`
}

// TARView is a TAR policy for display.
type TARView struct {
	TAR    string `json:"tar"`
	MSL    string `json:"msl"`
	Tenant string `json:"tenant,omitempty"`
}

// View makes the public view of a card; it never opens a secret.
func View(c Card) CardView {
	v := CardView{ICCID: string(c.ICCID), IMSI: c.IMSI, MSISDN: c.MSISDN, Profile: c.Profile, Tenant: c.Tenant,
		Lifecycle: c.Lifecycle, IssuerKeys: c.IssuerKeys, Created: c.Created.UTC(), Keysets: []KeysetView{}}
	kv := func(k Key) *KeyView {
		if !k.Present() {
			return nil
		}
		return &KeyView{Coding: fmt.Sprintf("%02X", k.Coding), Algorithm: AlgorithmName(k.Coding), MasterKey: SealedKeyID(k.Sealed)}
	}
	for _, ks := range c.Keysets {
		v.Keysets = append(v.Keysets, KeysetView{KVN: ks.KVN, Tenant: ks.Tenant, KIc: kv(ks.KIc), KID: kv(ks.KID), KIK: kv(ks.KIK), Counter: fmt.Sprintf("%010X", ks.Counter)})
	}
	for _, t := range c.TARs {
		v.TARs = append(v.TARs, TARView{TAR: fmt.Sprintf("%X", t.TAR[:]), MSL: fmt.Sprintf("%02X", t.MSL), Tenant: t.Tenant})
	}
	for _, s := range c.Secrets {
		v.Secrets = append(v.Secrets, s.Name)
	}
	if c.PublicKey != nil {
		v.PublicKey = hex.EncodeToString(c.PublicKey)
	}
	if c.Certificate != nil {
		v.Certificate = hex.EncodeToString(c.Certificate)
	}
	return v
}

// Show returns the public view of one card.
func (k *Keyring) Show(ctx context.Context, iccid ICCID) (CardView, error) {
	c, err := k.Store.Card(ctx, iccid)
	if err != nil {
		return CardView{}, err
	}
	return View(c), nil
}

// List returns the public views of the selected cards.
func (k *Keyring) List(ctx context.Context, f CardFilter) ([]CardView, error) {
	cards, err := k.Store.Cards(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]CardView, len(cards))
	for i, c := range cards {
		out[i] = View(c)
	}
	return out, nil
}

// ClearKeyset is a keyset with its keys opened, for the OTA server's packet sealing.
type ClearKeyset struct {
	KVN       uint8
	KIcCoding byte
	KIc       []byte
	KIDCoding byte
	KID       []byte
	KIKCoding byte
	KIK       []byte
}

// OpenKeyset opens the keys of one card keyset.
func (k *Keyring) OpenKeyset(ctx context.Context, iccid ICCID, kvn uint8) (ClearKeyset, error) {
	c, err := k.Store.Card(ctx, iccid)
	if err != nil {
		return ClearKeyset{}, err
	}
	ks, ok := c.Keyset(kvn)
	if !ok {
		return ClearKeyset{}, &CardError{ICCID: iccid, Err: fmt.Errorf("keyset %d: %w", kvn, ErrNotFound)}
	}
	out := ClearKeyset{KVN: kvn, KIcCoding: ks.KIc.Coding, KIDCoding: ks.KID.Coding, KIKCoding: ks.KIK.Coding}
	for _, x := range []struct {
		key  Key
		name string
		dst  *[]byte
	}{{ks.KIc, "kic", &out.KIc}, {ks.KID, "kid", &out.KID}, {ks.KIK, "kik", &out.KIK}} {
		if !x.key.Present() {
			continue
		}
		if *x.dst, err = k.Provider.Open(x.key.Sealed, SecretRef{ICCID: iccid, KVN: kvn, Name: x.name}.AAD()); err != nil {
			return ClearKeyset{}, &CardError{ICCID: iccid, Err: fmt.Errorf("keyset %d %s: %w", kvn, x.name, err)}
		}
	}
	return out, nil
}

// ExportRow is the public data of one card as exported: never a secret, sealed or not.
type ExportRow struct {
	ICCID     string    `json:"iccid"`
	IMSI      string    `json:"imsi"`
	MSISDN    string    `json:"msisdn"`
	Profile   string    `json:"profile"`
	Tenant    string    `json:"tenant"`
	Lifecycle Lifecycle `json:"lifecycle"`
	KVNs      []int     `json:"kvns"`
	PublicKey string    `json:"public_key"` // PKIX DER, hex
}

// Export writes the public data of the selected cards, as CSV or (asJSON) a JSON array, and
// records the export in the audit log. It returns how many cards it wrote.
func (k *Keyring) Export(ctx context.Context, w io.Writer, f CardFilter, asJSON bool) (int, error) {
	cards, err := k.Store.Cards(ctx, f)
	if err != nil {
		return 0, err
	}
	rows := make([]ExportRow, len(cards))
	for i, c := range cards {
		rows[i] = ExportRow{ICCID: string(c.ICCID), IMSI: c.IMSI, MSISDN: c.MSISDN, Profile: c.Profile, Tenant: c.Tenant,
			Lifecycle: c.Lifecycle, KVNs: []int{}, PublicKey: hex.EncodeToString(c.PublicKey)}
		for _, ks := range c.Keysets {
			rows[i].KVNs = append(rows[i].KVNs, int(ks.KVN))
		}
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err = enc.Encode(rows)
	} else {
		cw := csv.NewWriter(w)
		cw.Write([]string{"ICCID", "IMSI", "MSISDN", "PROFILE", "TENANT", "LIFECYCLE", "KVNS", "PUBLIC_KEY"})
		for _, r := range rows {
			kvns := make([]string, len(r.KVNs))
			for i, v := range r.KVNs {
				kvns[i] = strconv.Itoa(v)
			}
			cw.Write([]string{r.ICCID, r.IMSI, r.MSISDN, r.Profile, r.Tenant, string(r.Lifecycle), strings.Join(kvns, " "), r.PublicKey})
		}
		cw.Flush()
		err = cw.Error()
	}
	if err != nil {
		return 0, err
	}
	_, err = k.Store.AppendAudit(ctx, k.record(AuditExport, "cards", fmt.Sprintf(`{"tenant":%q,"cards":%d}`, f.Tenant, len(cards))))
	return len(cards), err
}

// RotateMasterKey reseals every secret of the store under next, in one transaction. Blobs already
// sealed under next are left as they are, so an interrupted rotation can simply be run again
// (with a provider that opens both, or after the first run committed).
func (k *Keyring) RotateMasterKey(ctx context.Context, next KeyProvider) (int, error) {
	rec := k.record(AuditRotateMaster, next.ID(), fmt.Sprintf(`{"from":%q,"to":%q}`, k.Provider.ID(), next.ID()))
	n, err := k.Store.Reseal(ctx, func(ref SecretRef, sealed []byte) ([]byte, error) {
		if SealedKeyID(sealed) == next.ID() {
			return sealed, nil
		}
		aad := ref.AAD()
		plain, err := k.Provider.Open(sealed, aad)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ref, err)
		}
		defer clear(plain)
		return next.Seal(plain, aad)
	}, rec)
	if err != nil {
		return 0, err
	}
	k.Provider = next
	return n, nil
}

// RotateSigningKey makes a new RSA image-signing key for a bank tenant; the active key becomes
// previous and still verifies until the tenant's cards hold the new public key.
func (k *Keyring) RotateSigningKey(ctx context.Context, tenant string, bits int) (SigningKey, error) {
	priv, err := rsa.GenerateKey(k.rand(), bits)
	if err != nil {
		return SigningKey{}, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return SigningKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return SigningKey{}, err
	}
	defer clear(der)
	h := sha256.Sum256(pub)
	id := tenant + "-" + hex.EncodeToString(h[:6])
	sealed, err := k.Provider.Seal(der, SecretRef{Name: "signing:" + id}.AAD())
	if err != nil {
		return SigningKey{}, err
	}
	sk := SigningKey{ID: id, Tenant: tenant, State: SigningActive, PublicKey: pub, Private: sealed, Created: k.now().UTC()}
	rec := k.record(AuditRotateSigning, id, fmt.Sprintf(`{"tenant":%q,"bits":%d}`, tenant, bits))
	if err := k.Store.PutSigningKey(ctx, sk, rec); err != nil {
		return SigningKey{}, err
	}
	return sk, nil
}

// ErrKeyInUse is returned when retiring a signing key that cards may still need.
var ErrKeyInUse = errors.New("signing key still needed")

// RetireSigningKey retires a previous signing key once every live card of its tenant holds the
// tenant's active key; until then images signed with the old key must stay verifiable.
func (k *Keyring) RetireSigningKey(ctx context.Context, id string) error {
	all, err := k.Store.SigningKeys(ctx, "")
	if err != nil {
		return err
	}
	var target *SigningKey
	for i := range all {
		if all[i].ID == id {
			target = &all[i]
		}
	}
	if target == nil {
		return fmt.Errorf("signing key %s: %w", id, ErrNotFound)
	}
	if target.State == SigningActive {
		return fmt.Errorf("signing key %s is active: rotate first: %w", id, ErrKeyInUse)
	}
	for _, s := range all {
		if s.Tenant == target.Tenant && s.State == SigningActive {
			n, err := k.Store.CardsLackingIssuerKey(ctx, s.Tenant, s.ID)
			if err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("%d cards of %s do not hold the active key %s yet: %w", n, s.Tenant, s.ID, ErrKeyInUse)
			}
		}
	}
	return k.Store.SetSigningKeyState(ctx, id, SigningRetired, k.record(AuditRetireSigning, id, fmt.Sprintf(`{"tenant":%q}`, target.Tenant)))
}

// OpenSigningKey returns the private key of a signing key sealed in the store.
func (k *Keyring) OpenSigningKey(sk SigningKey) (*rsa.PrivateKey, error) {
	der, err := k.Provider.Open(sk.Private, SecretRef{Name: "signing:" + sk.ID}.AAD())
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", sk.ID, err)
	}
	defer clear(der)
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s is not RSA", sk.ID)
	}
	return rk, nil
}

// AuditReport is the result of checking the audit chain.
type AuditReport struct {
	Entries     int    `json:"entries"`
	OK          bool   `json:"ok"`
	FirstBroken uint64 `json:"first_broken,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Head        string `json:"head,omitempty"` // hash of the last entry
}

// VerifyAudit checks the store's audit chain. A broken chain is reported, not returned as err.
func (k *Keyring) VerifyAudit(ctx context.Context) (AuditReport, error) {
	entries, err := k.Store.Audit(ctx)
	if err != nil {
		return AuditReport{}, err
	}
	rep := AuditReport{Entries: len(entries), OK: true}
	if len(entries) > 0 {
		rep.Head = hex.EncodeToString(entries[len(entries)-1].Hash[:])
	}
	var ce *AuditChainError
	if err := VerifyAudit(entries); errors.As(err, &ce) {
		rep.OK, rep.FirstBroken, rep.Reason = false, ce.Seq, ce.Reason
	}
	return rep, nil
}
