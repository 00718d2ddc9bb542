package keys

import (
	"fmt"
	"time"
)

// Lifecycle is the state of a card record in the store (GlobalPlatform card life cycle, as far as
// the OTA server cares).
type Lifecycle string

const (
	LifecycleIssued     Lifecycle = "issued"     // imported from the manufacturer, not yet in service
	LifecycleActive     Lifecycle = "active"     // in service: OTA may target it
	LifecycleSuspended  Lifecycle = "suspended"  // OTA must not target it for now
	LifecycleTerminated Lifecycle = "terminated" // out of service for good
)

// Valid reports whether l is one of the defined states.
func (l Lifecycle) Valid() bool {
	switch l {
	case LifecycleIssued, LifecycleActive, LifecycleSuspended, LifecycleTerminated:
		return true
	}
	return false
}

// TenantKind says what a tenant is: the operator that runs OTA, or a bank that owns its applets.
type TenantKind string

const (
	TenantOperator TenantKind = "operator"
	TenantBank     TenantKind = "bank"
)

// Tenant owns cards, keysets, TARs and signing keys.
type Tenant struct {
	ID   string // short stable name, e.g. "op" or "bank1"
	Kind TenantKind
	Name string
}

// CounterMax is the highest counter value the store hands out. CNTR is 5 bytes (TS 102 225 5.1.1);
// a card that accepts FFFFFFFFFF blocks the keyset for good, so that value is never handed out.
const CounterMax uint64 = 0xFFFFFFFFFE

// Key is one secret key of a keyset as held by the store: its algorithm coding and its bytes
// sealed under the master key. The store never holds Clear.
type Key struct {
	// Coding is the KIc or KID byte of TS 102 225 5.1.2/5.1.3 with the key version number in
	// b8-b5 and the algorithm in b4-b1 (e.g. 0x15: KVN 1, triple DES two keys).
	Coding byte
	Sealed []byte
}

// Present reports whether the key is set.
func (k Key) Present() bool { return len(k.Sealed) > 0 }

// Keyset is the OTA keyset of one key version number (TS 102 225 5.1.2): the ciphering key KIc,
// the checksum key KID and the key-encryption key KIK, with the counter of the last value handed
// out for it.
type Keyset struct {
	KVN     uint8 // key version number 1..15
	Tenant  string
	KIc     Key
	KID     Key
	KIK     Key
	Counter uint64 // last counter value reserved; 0 when none yet
}

// TARPolicy is the minimum security level of one TAR on a card and its owner (TS 102 226
// 8.2.1.3.2.4: MSL coded like the first SPI byte, TS 102 225 5.1.1).
type TARPolicy struct {
	TAR    [3]byte
	MSL    byte
	Tenant string
}

// Secret is a card secret that is not an OTA keyset key (KI, OPC, ADM1, PIN1 ...), sealed.
type Secret struct {
	Name   string
	Sealed []byte
}

// Card is one card record.
type Card struct {
	ICCID     ICCID
	IMSI      string
	MSISDN    string
	Profile   string // card profile name (memory, algorithms, handset profile family)
	Tenant    string // owning tenant, normally the operator
	Lifecycle Lifecycle
	Keysets   []Keyset // ordered by KVN
	TARs      []TARPolicy
	Secrets   []Secret // ordered by name
	// PublicKey is the card's RSA public key (PKIX DER), used to verify what the card signs.
	PublicKey []byte
	// Certificate is an optional X.509 certificate (DER) of PublicKey.
	Certificate []byte
	// IssuerKeys lists the signing key IDs whose public parts are provisioned in the card: it
	// activates a script image only if one of them verifies the image's signature.
	IssuerKeys []string
	Created    time.Time
}

// Keyset returns the keyset of the given key version number.
func (c *Card) Keyset(kvn uint8) (*Keyset, bool) {
	for i := range c.Keysets {
		if c.Keysets[i].KVN == kvn {
			return &c.Keysets[i], true
		}
	}
	return nil, false
}

// Validate checks the record's own fields (not its sealed blobs).
func (c *Card) Validate() error {
	if _, err := ParseICCID(string(c.ICCID)); err != nil {
		return err
	}
	if err := digits("imsi", c.IMSI, 6, 15); err != nil {
		return err
	}
	if err := digits("msisdn", c.MSISDN, 0, 15); err != nil {
		return err
	}
	if c.Lifecycle != "" && !c.Lifecycle.Valid() {
		return &FieldError{Field: "lifecycle", Err: fmt.Errorf("unknown state %q", c.Lifecycle)}
	}
	seen := map[uint8]bool{}
	for i, ks := range c.Keysets {
		f := fmt.Sprintf("keyset[%d]", i)
		if ks.KVN < 1 || ks.KVN > 15 {
			return &FieldError{Field: f + ".kvn", Err: fmt.Errorf("key version %d outside 1..15", ks.KVN)}
		}
		if seen[ks.KVN] {
			return &FieldError{Field: f + ".kvn", Err: fmt.Errorf("key version %d twice", ks.KVN)}
		}
		seen[ks.KVN] = true
		if ks.Counter > CounterMax {
			return &FieldError{Field: f + ".counter", Err: ErrCounterExhausted}
		}
	}
	return nil
}

func digits(field, s string, min, max int) error {
	if s == "" && min == 0 {
		return nil
	}
	if len(s) < min || len(s) > max {
		return &FieldError{Field: field, Err: fmt.Errorf("%d digits, want %d to %d", len(s), min, max)}
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return &FieldError{Field: field, Offset: i, Err: fmt.Errorf("%q is not a decimal digit", s[i])}
		}
	}
	return nil
}

// CounterRequest asks for N consecutive counter values of one card keyset.
type CounterRequest struct {
	ICCID ICCID
	KVN   uint8
	N     uint64
}

// CounterRange is the values First..First+N-1 reserved for one card keyset. They are durably
// recorded and will not be handed out again.
type CounterRange struct {
	ICCID ICCID
	KVN   uint8
	First uint64
	N     uint64
}

// Last is the last value of the range.
func (r CounterRange) Last() uint64 { return r.First + r.N - 1 }

// SigningKeyState is where a bank's image-signing key is in its rotation.
type SigningKeyState string

const (
	// SigningActive signs new images; one per tenant.
	SigningActive SigningKeyState = "active"
	// SigningPrevious no longer signs but still verifies: cards may not know the new key yet.
	SigningPrevious SigningKeyState = "previous"
	// SigningRetired neither signs nor verifies.
	SigningRetired SigningKeyState = "retired"
)

// SigningKey is a bank tenant's RSA key for signing script images.
type SigningKey struct {
	ID        string
	Tenant    string
	State     SigningKeyState
	PublicKey []byte // PKIX DER
	// Private is the PKCS #8 DER private key sealed under the master key, or empty when the key
	// lives in an HSM and HSMLabel names it.
	Private  []byte
	HSMLabel string
	Created  time.Time
}

// CardFilter selects cards in List.
type CardFilter struct {
	Tenant string // empty: every tenant
	After  ICCID  // start after this ICCID (paging)
	Limit  int    // 0: no limit
}
