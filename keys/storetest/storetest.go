// Package storetest is the one test suite every keys.Store backend must pass.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stkforge/stkforge/keys"
)

// Hooks reach into a backend for the tests that need raw access; a nil hook skips its test.
type Hooks struct {
	// RawBytes returns everything the backend holds, as stored (file bytes, or every row as text).
	RawBytes func(t *testing.T, s keys.Store) []byte
	// TamperAudit changes an audit entry's detail behind the log's append-only guard.
	TamperAudit func(t *testing.T, s keys.Store, seq uint64, detail string)
}

// Run runs the suite; newStore returns an empty store, closed by the suite.
func Run(t *testing.T, newStore func(t *testing.T) keys.Store, hooks Hooks) {
	open := func(t *testing.T) keys.Store {
		s := newStore(t)
		t.Cleanup(func() { s.Close() })
		return s
	}
	t.Run("Tenants", func(t *testing.T) { testTenants(t, open(t)) })
	t.Run("CardRoundTrip", func(t *testing.T) { testCardRoundTrip(t, open(t)) })
	t.Run("InsertAllOrNothing", func(t *testing.T) { testInsertAllOrNothing(t, open(t)) })
	t.Run("CardUpdates", func(t *testing.T) { testCardUpdates(t, open(t)) })
	t.Run("CardsPaging", func(t *testing.T) { testCardsPaging(t, open(t)) })
	t.Run("Counters", func(t *testing.T) { testCounters(t, open(t)) })
	t.Run("CounterExhausted", func(t *testing.T) { testCounterExhausted(t, open(t)) })
	t.Run("CounterBatch", func(t *testing.T) { testCounterBatch(t, open(t)) })
	t.Run("CountersConcurrent", func(t *testing.T) { testCountersConcurrent(t, open(t)) })
	t.Run("SigningKeyRotation", func(t *testing.T) { testSigningKeys(t, open(t)) })
	t.Run("MasterKeyRotation", func(t *testing.T) { testMasterKeyRotation(t, open(t)) })
	t.Run("ImportFile", func(t *testing.T) { testImport(t, open(t)) })
	t.Run("AuditChain", func(t *testing.T) { testAudit(t, open(t), hooks) })
	t.Run("NoClearKeys", func(t *testing.T) {
		if hooks.RawBytes == nil {
			t.Skip("backend gives no raw bytes")
		}
		testNoClearKeys(t, open(t), hooks)
	})
}

var ctx = context.Background()

// Clock is the fixed time the suite stores.
var Clock = func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }

// ICCID makes the n-th test ICCID (19 digits + Luhn).
func ICCID(n int) keys.ICCID {
	s := fmt.Sprintf("898820000000%07d", n)
	return keys.ICCID(s + string(keys.LuhnDigit(s)))
}

func masterKey(t testing.TB) *keys.MasterKey {
	k := make([]byte, 32)
	rand.Read(k)
	m, err := keys.NewMasterKey(k, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Card makes a test card with keysets 1 and 2 sealed by kp; clear keys are derived from n.
func Card(t testing.TB, kp keys.KeyProvider, n int) keys.Card {
	id := ICCID(n)
	c := keys.Card{ICCID: id, IMSI: fmt.Sprintf("0010100%08d", n), MSISDN: fmt.Sprintf("4670000%04d", n%10000), Profile: "sja2",
		Tenant: "op", Lifecycle: keys.LifecycleIssued, Created: Clock(),
		TARs:       []keys.TARPolicy{{TAR: [3]byte{0xB0, 0x00, 0x10}, MSL: 0x16, Tenant: "op"}},
		IssuerKeys: []string{"bank1-k1"}}
	for kvn := uint8(1); kvn <= 2; kvn++ {
		ks := keys.Keyset{KVN: kvn, Tenant: "op"}
		for j, dst := range []*keys.Key{&ks.KIc, &ks.KID, &ks.KIK} {
			name := [3]string{"kic", "kid", "kik"}[j]
			sealed, err := kp.Seal(ClearKey(n, kvn, name), keys.SecretRef{ICCID: id, KVN: kvn, Name: name}.AAD())
			if err != nil {
				t.Fatal(err)
			}
			*dst = keys.Key{Coding: kvn<<4 | 0x02, Sealed: sealed}
		}
		c.Keysets = append(c.Keysets, ks)
	}
	sealed, err := kp.Seal(ClearKey(n, 0, "ki"), keys.SecretRef{ICCID: id, Name: "ki"}.AAD())
	if err != nil {
		t.Fatal(err)
	}
	c.Secrets = []keys.Secret{{Name: "ki", Sealed: sealed}}
	return c
}

// ClearKey is the clear 16-byte key the test card n holds for (kvn, name): recognisable, distinct.
func ClearKey(n int, kvn uint8, name string) []byte {
	s := fmt.Sprintf("K%07d%02d%s", n, kvn, name)
	b := []byte(s + strings.Repeat("#", 16))[:16]
	b[15] = 0xA5
	return b
}

func insert(t testing.TB, s keys.Store, cards ...keys.Card) {
	t.Helper()
	if err := s.InsertCards(ctx, cards, keys.AuditRecord{Time: Clock(), Actor: "test", Action: keys.AuditImport, Subject: "cards"}); err != nil {
		t.Fatal(err)
	}
}

func testTenants(t *testing.T, s keys.Store) {
	for _, tn := range []keys.Tenant{{ID: "op", Kind: keys.TenantOperator, Name: "Operator"}, {ID: "bank1", Kind: keys.TenantBank, Name: "Bank"}} {
		if err := s.PutTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutTenant(ctx, keys.Tenant{ID: "bank1", Kind: keys.TenantBank, Name: "Bank One"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Tenants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint([]keys.Tenant{{ID: "bank1", Kind: keys.TenantBank, Name: "Bank One"}, {ID: "op", Kind: keys.TenantOperator, Name: "Operator"}})
	if fmt.Sprint(got) != want {
		t.Errorf("tenants = %v, want %v", got, want)
	}
}

func testCardRoundTrip(t *testing.T, s keys.Store) {
	kp := masterKey(t)
	c := Card(t, kp, 1)
	c.PublicKey = []byte{0x30, 0x82, 0x01}
	insert(t, s, c)
	got, err := s.Card(ctx, c.ICCID)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", c); g != w {
		t.Errorf("card round trip:\n got %s\nwant %s", g, w)
	}
	kr := &keys.Keyring{Store: s, Provider: kp}
	ks, err := kr.OpenKeyset(ctx, c.ICCID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ks.KID, ClearKey(1, 2, "kid")) || ks.KIDCoding != 0x22 {
		t.Errorf("opened KID = %x coding %02X", ks.KID, ks.KIDCoding)
	}
	if _, err := s.Card(ctx, ICCID(2)); !errors.Is(err, keys.ErrNotFound) {
		t.Errorf("missing card: err = %v, want ErrNotFound", err)
	}
}

func testInsertAllOrNothing(t *testing.T, s keys.Store) {
	kp := masterKey(t)
	insert(t, s, Card(t, kp, 1))
	err := s.InsertCards(ctx, []keys.Card{Card(t, kp, 2), Card(t, kp, 1)}, keys.AuditRecord{Time: Clock(), Action: keys.AuditImport})
	var ce *keys.CardError
	if !errors.Is(err, keys.ErrExists) || !errors.As(err, &ce) || ce.ICCID != ICCID(1) {
		t.Fatalf("duplicate insert: err = %v, want ErrExists for %s", err, ICCID(1))
	}
	if _, err := s.Card(ctx, ICCID(2)); !errors.Is(err, keys.ErrNotFound) {
		t.Errorf("card 2 of the failed batch was stored (err = %v)", err)
	}
	entries, err := s.Audit(ctx)
	if err != nil || len(entries) != 1 {
		t.Errorf("audit after a failed insert has %d entries (err %v), want 1", len(entries), err)
	}
	bad := Card(t, kp, 3)
	bad.Keysets[1].KVN = 1
	if err := s.InsertCards(ctx, []keys.Card{bad}, keys.AuditRecord{Time: Clock()}); err == nil {
		t.Error("card with two keysets of KVN 1 was accepted")
	}
}

func testCardUpdates(t *testing.T, s keys.Store) {
	kp := masterKey(t)
	insert(t, s, Card(t, kp, 1))
	id := ICCID(1)
	if err := s.SetLifecycle(ctx, id, keys.LifecycleActive); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTAR(ctx, id, keys.TARPolicy{TAR: [3]byte{0xB0, 0x00, 0x10}, MSL: 0x06, Tenant: "op"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTAR(ctx, id, keys.TARPolicy{TAR: [3]byte{0x42, 0x41, 0x4E}, MSL: 0x16, Tenant: "bank1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCardPublicKey(ctx, id, []byte{1, 2, 3}, []byte{4, 5}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddIssuerKey(ctx, id, "bank1-k2"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddIssuerKey(ctx, id, "bank1-k2"); err != nil {
		t.Fatalf("adding an issuer key twice: %v", err)
	}
	c, err := s.Card(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(c.Lifecycle, c.TARs, c.PublicKey, c.Certificate, c.IssuerKeys)
	want := fmt.Sprint(keys.LifecycleActive, []keys.TARPolicy{{TAR: [3]byte{0x42, 0x41, 0x4E}, MSL: 0x16, Tenant: "bank1"}, {TAR: [3]byte{0xB0, 0x00, 0x10}, MSL: 0x06, Tenant: "op"}}, []byte{1, 2, 3}, []byte{4, 5}, []string{"bank1-k1", "bank1-k2"})
	if got != want {
		t.Errorf("after updates: %s, want %s", got, want)
	}
	for name, err := range map[string]error{
		"SetLifecycle":     s.SetLifecycle(ctx, ICCID(9), keys.LifecycleActive),
		"PutTAR":           s.PutTAR(ctx, ICCID(9), keys.TARPolicy{}),
		"PutCardPublicKey": s.PutCardPublicKey(ctx, ICCID(9), []byte{1}, nil),
		"AddIssuerKey":     s.AddIssuerKey(ctx, ICCID(9), "x"),
	} {
		if !errors.Is(err, keys.ErrNotFound) {
			t.Errorf("%s on a missing card: err = %v, want ErrNotFound", name, err)
		}
	}
	if err := s.SetLifecycle(ctx, id, "lost"); err == nil {
		t.Error("unknown lifecycle state accepted")
	}
}

func testCardsPaging(t *testing.T, s keys.Store) {
	kp := masterKey(t)
	var cards []keys.Card
	for n := 1; n <= 5; n++ {
		c := Card(t, kp, n)
		if n%2 == 0 {
			c.Tenant = "other"
		}
		cards = append(cards, c)
	}
	insert(t, s, cards...)
	page, err := s.Cards(ctx, keys.CardFilter{Limit: 2})
	if err != nil || len(page) != 2 || page[0].ICCID != ICCID(1) || page[1].ICCID != ICCID(2) {
		t.Fatalf("first page = %d cards, err %v", len(page), err)
	}
	page, err = s.Cards(ctx, keys.CardFilter{After: page[1].ICCID})
	if err != nil || len(page) != 3 || page[0].ICCID != ICCID(3) {
		t.Fatalf("second page = %d cards, err %v", len(page), err)
	}
	if len(page[0].Keysets) != 2 {
		t.Errorf("listed card has %d keysets, want 2", len(page[0].Keysets))
	}
	other, err := s.Cards(ctx, keys.CardFilter{Tenant: "other"})
	if err != nil || len(other) != 2 {
		t.Errorf("tenant filter: %d cards, err %v", len(other), err)
	}
}

func testCounters(t *testing.T, s keys.Store) {
	kp := masterKey(t)
	insert(t, s, Card(t, kp, 1))
	id := ICCID(1)
	want := []keys.CounterRange{{ICCID: id, KVN: 1, First: 1, N: 1}, {ICCID: id, KVN: 1, First: 2, N: 10}, {ICCID: id, KVN: 1, First: 12, N: 1}}
	for i, n := range []uint64{1, 10, 1} {
		r, err := s.ReserveCounters(ctx, id, 1, n)
		if err != nil {
			t.Fatal(err)
		}
		if r != want[i] {
			t.Errorf("reservation %d = %+v, want %+v", i, r, want[i])
		}
	}
	if r, err := s.ReserveCounters(ctx, id, 2, 1); err != nil || r.First != 1 {
		t.Errorf("keyset 2 counts on its own: %+v, %v", r, err)
	}
	c, err := s.Card(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Keysets[0].Counter != 12 {
		t.Errorf("stored counter = %d, want 12", c.Keysets[0].Counter)
	}
	if _, err := s.ReserveCounters(ctx, id, 3, 1); !errors.Is(err, keys.ErrNotFound) {
		t.Errorf("missing keyset: err = %v, want ErrNotFound", err)
	}
	if _, err := s.ReserveCounters(ctx, ICCID(5), 1, 1); !errors.Is(err, keys.ErrNotFound) {
		t.Errorf("missing card: err = %v, want ErrNotFound", err)
	}
	if _, err := s.ReserveCounters(ctx, id, 1, 0); err == nil {
		t.Error("reserving 0 values succeeded")
	}
}

func testCounterExhausted(t *testing.T, s keys.Store) {
	kp := masterKey(t)
	c := Card(t, kp, 1)
	c.Keysets[0].Counter = keys.CounterMax - 3
	insert(t, s, c)
	r, err := s.ReserveCounters(ctx, c.ICCID, 1, 3)
	if err != nil || r.Last() != 0xFFFFFFFFFE {
		t.Fatalf("last 3 values: %+v, %v", r, err)
	}
	_, err = s.ReserveCounters(ctx, c.ICCID, 1, 1)
	var ce *keys.CounterError
	if !errors.Is(err, keys.ErrCounterExhausted) || !errors.As(err, &ce) || ce.KVN != 1 {
		t.Fatalf("past FFFFFFFFFE: err = %v, want CounterError with ErrCounterExhausted", err)
	}
	big := Card(t, kp, 2)
	big.Keysets[0].Counter = keys.CounterMax + 1
	if err := s.InsertCards(ctx, []keys.Card{big}, keys.AuditRecord{Time: Clock()}); err == nil {
		t.Error("keyset with counter FFFFFFFFFF stored")
	}
}

func testCounterBatch(t *testing.T, s keys.Store) {
	kp := masterKey(t)
	insert(t, s, Card(t, kp, 1), Card(t, kp, 2), Card(t, kp, 3))
	reqs := []keys.CounterRequest{{ICCID: ICCID(3), KVN: 1, N: 1}, {ICCID: ICCID(1), KVN: 1, N: 5}, {ICCID: ICCID(3), KVN: 1, N: 2}, {ICCID: ICCID(2), KVN: 2, N: 1}}
	got, err := s.ReserveCounterBatch(ctx, reqs)
	if err != nil {
		t.Fatal(err)
	}
	want := []keys.CounterRange{{ICCID: ICCID(3), KVN: 1, First: 1, N: 1}, {ICCID: ICCID(1), KVN: 1, First: 1, N: 5}, {ICCID: ICCID(3), KVN: 1, First: 2, N: 2}, {ICCID: ICCID(2), KVN: 2, First: 1, N: 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("batch = %v, want %v", got, want)
	}
	// One bad request: nothing of the batch is reserved.
	_, err = s.ReserveCounterBatch(ctx, []keys.CounterRequest{{ICCID: ICCID(1), KVN: 1, N: 1}, {ICCID: ICCID(9), KVN: 1, N: 1}})
	if !errors.Is(err, keys.ErrNotFound) {
		t.Fatalf("batch with a missing card: err = %v", err)
	}
	if r, err := s.ReserveCounters(ctx, ICCID(1), 1, 1); err != nil || r.First != 6 {
		t.Errorf("after a failed batch card 1 continues at %+v (%v), want 6", r, err)
	}
}

func testCountersConcurrent(t *testing.T, s keys.Store) {
	kp := masterKey(t)
	insert(t, s, Card(t, kp, 1), Card(t, kp, 2))
	const workers, each = 8, 40
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				var rs []keys.CounterRange
				if (w+i)%2 == 0 {
					r, err := s.ReserveCounters(ctx, ICCID(1+i%2), 1, 1)
					if err != nil {
						errs <- err
						return
					}
					rs = []keys.CounterRange{r}
				} else {
					var err error
					rs, err = s.ReserveCounterBatch(ctx, []keys.CounterRequest{{ICCID: ICCID(2), KVN: 1, N: 2}, {ICCID: ICCID(1), KVN: 1, N: 1}})
					if err != nil {
						errs <- err
						return
					}
				}
				mu.Lock()
				for _, r := range rs {
					for v := r.First; v <= r.Last(); v++ {
						k := fmt.Sprintf("%s/%d/%d", r.ICCID, r.KVN, v)
						if seen[k] {
							errs <- fmt.Errorf("value handed out twice: %s", k)
						}
						seen[k] = true
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := uint64(0)
	for _, n := range []int{1, 2} {
		c, err := s.Card(ctx, ICCID(n))
		if err != nil {
			t.Fatal(err)
		}
		total += c.Keysets[0].Counter
	}
	if total != uint64(len(seen)) {
		t.Errorf("stored counters add up to %d, %d values handed out", total, len(seen))
	}
}

func testSigningKeys(t *testing.T, s keys.Store) {
	kp := masterKey(t)
	kr := &keys.Keyring{Store: s, Provider: kp, Clock: Clock, Actor: "test"}
	c := Card(t, kp, 1)
	c.Tenant = "bank1"
	c.IssuerKeys = nil
	insert(t, s, c)
	k1, err := kr.RotateSigningKey(ctx, "bank1", 1024)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddIssuerKey(ctx, c.ICCID, k1.ID); err != nil {
		t.Fatal(err)
	}
	k2, err := kr.RotateSigningKey(ctx, "bank1", 1024)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.SigningKeys(ctx, "bank1")
	if err != nil || len(list) != 2 {
		t.Fatalf("signing keys: %d, %v", len(list), err)
	}
	states := map[string]keys.SigningKeyState{}
	for _, k := range list {
		states[k.ID] = k.State
	}
	if states[k1.ID] != keys.SigningPrevious || states[k2.ID] != keys.SigningActive {
		t.Errorf("states after rotation: %v", states)
	}
	if err := kr.RetireSigningKey(ctx, k1.ID); !errors.Is(err, keys.ErrKeyInUse) {
		t.Errorf("retiring while a card lacks the new key: err = %v, want ErrKeyInUse", err)
	}
	if err := s.AddIssuerKey(ctx, c.ICCID, k2.ID); err != nil {
		t.Fatal(err)
	}
	if err := kr.RetireSigningKey(ctx, k1.ID); err != nil {
		t.Errorf("retiring once every card holds the new key: %v", err)
	}
	priv, err := kr.OpenSigningKey(list[1])
	if err != nil {
		t.Fatal(err)
	}
	if priv.N.BitLen() != 1024 {
		t.Errorf("opened signing key has %d bits", priv.N.BitLen())
	}
}

func testMasterKeyRotation(t *testing.T, s keys.Store) {
	old, next := masterKey(t), masterKey(t)
	kr := &keys.Keyring{Store: s, Provider: old, Clock: Clock, Actor: "test"}
	insert(t, s, Card(t, old, 1), Card(t, old, 2))
	if _, err := kr.RotateSigningKey(ctx, "bank1", 1024); err != nil {
		t.Fatal(err)
	}
	n, err := kr.RotateMasterKey(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2*(6+1)+1 {
		t.Errorf("resealed %d blobs, want 15", n)
	}
	ks, err := kr.OpenKeyset(ctx, ICCID(2), 1)
	if err != nil || !bytes.Equal(ks.KIc, ClearKey(2, 1, "kic")) {
		t.Fatalf("KIc after rotation = %x, %v", ks.KIc, err)
	}
	stale := &keys.Keyring{Store: s, Provider: old}
	if _, err := stale.OpenKeyset(ctx, ICCID(2), 1); !errors.Is(err, keys.ErrSealed) {
		t.Errorf("old master key still opens: %v", err)
	}
	if n, err := kr.RotateMasterKey(ctx, next); err != nil || n != 15 {
		t.Errorf("rotating again to the same key: %d, %v", n, err)
	}
	// A rotation that fails half way changes nothing.
	c, _ := s.Card(ctx, ICCID(1))
	broken := &keys.Keyring{Store: s, Provider: masterKey(t)}
	if _, err := broken.RotateMasterKey(ctx, masterKey(t)); !errors.Is(err, keys.ErrSealed) {
		t.Errorf("rotation with a wrong master key: err = %v", err)
	}
	c2, _ := s.Card(ctx, ICCID(1))
	if fmt.Sprint(c) != fmt.Sprint(c2) {
		t.Error("failed rotation changed the store")
	}
}

// ImportFile is a small manufacturer file with 3 cards.
const ImportFile = `# test batch
ICCID,IMSI,MSISDN,KI,OPC,ADM1,KIC1,KID1,KIK1,KIC2,KID2,KIK2,KIC2_CODING,KID2_CODING
8988211000000000011,001010000000001,46700000001,000102030405060708090A0B0C0D0E0F,101112131415161718191A1B1C1D1E1F,12345678,202122232425262728292A2B2C2D2E2F,303132333435363738393A3B3C3D3E3F,404142434445464748494A4B4C4D4E4F,505152535455565758595A5B5C5D5E5F,606162636465666768696A6B6C6D6E6F,707172737475767778797A7B7C7D7E7F,25,25
8988211000000000029,001010000000002,,A00102030405060708090A0B0C0D0E0F,,87654321,A02122232425262728292A2B2C2D2E2F,A03132333435363738393A3B3C3D3E3F,,,,,,
8988211000000000037,001010000000003,46700000003,B00102030405060708090A0B0C0D0E0F,,,B02122232425262728292A2B2C2D2E2F,B03132333435363738393A3B3C3D3E3F,B04142434445464748494A4B4C4D4E4F,,,,,
`

func testImport(t *testing.T, s keys.Store) {
	kp := masterKey(t)
	kr := &keys.Keyring{Store: s, Provider: kp, Clock: Clock, Actor: "test"}
	opts := keys.ImportOptions{Tenant: "op", Profile: "sja2", KIcCoding: 0x02, KIDCoding: 0x02, KIKCoding: 0x02}
	bad := strings.Replace(ImportFile, "B03132333435363738393A3B3C3D3E3F", "B031323334353637383Z3A3B3C3D3E3F", 1)
	_, err := kr.Import(ctx, "bad.csv", strings.NewReader(bad), opts)
	var ie *keys.ImportError
	badLine := strings.Split(bad, "\n")[4]
	wantCol := strings.Index(badLine, "B031") + 1
	if !errors.As(err, &ie) || ie.Line != 5 || ie.Column != wantCol || ie.Name != "KID1" {
		t.Fatalf("bad hex: err = %v, want line 5 column %d KID1", err, wantCol)
	}
	if cards, _ := s.Cards(ctx, keys.CardFilter{}); len(cards) != 0 {
		t.Fatalf("%d cards of a bad file imported", len(cards))
	}
	res, err := kr.Import(ctx, "good.csv", strings.NewReader(ImportFile), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res != (keys.ImportResult{Cards: 3, Keysets: 4}) {
		t.Errorf("import result %+v", res)
	}
	ks, err := kr.OpenKeyset(ctx, "8988211000000000011", 2)
	if err != nil {
		t.Fatal(err)
	}
	if ks.KIcCoding != 0x25 || hex.EncodeToString(ks.KIK) != "707172737475767778797a7b7c7d7e7f" {
		t.Errorf("keyset 2 of card 1: coding %02X KIK %x", ks.KIcCoding, ks.KIK)
	}
	_, err = kr.Import(ctx, "again.csv", strings.NewReader(ImportFile), opts)
	if !errors.As(err, &ie) || ie.Line != 3 || !errors.Is(err, keys.ErrExists) {
		t.Errorf("importing twice: err = %v, want ErrExists on line 3", err)
	}
}

func testAudit(t *testing.T, s keys.Store, hooks Hooks) {
	kr := &keys.Keyring{Store: s, Provider: masterKey(t), Clock: Clock, Actor: "test"}
	for i := range 4 {
		if _, err := s.AppendAudit(ctx, keys.AuditRecord{Time: Clock().Add(time.Duration(i) * time.Second), Actor: "ota", Action: keys.AuditCampaign, Subject: fmt.Sprintf("c%d", i), Detail: `{"cards":10}`}); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := kr.VerifyAudit(ctx)
	if err != nil || !rep.OK || rep.Entries != 4 {
		t.Fatalf("audit report %+v, %v", rep, err)
	}
	entries, _ := s.Audit(ctx)
	if entries[2].Subject != "c2" || entries[2].Prev != entries[1].Hash || !entries[0].Time.Equal(Clock()) {
		t.Errorf("entry 3 = %+v", entries[2])
	}
	if hooks.TamperAudit == nil {
		return
	}
	hooks.TamperAudit(t, s, 2, `{"cards":0}`)
	rep, err = kr.VerifyAudit(ctx)
	if err != nil || rep.OK || rep.FirstBroken != 2 {
		t.Errorf("after tampering with entry 2: %+v, %v", rep, err)
	}
}

func testNoClearKeys(t *testing.T, s keys.Store, hooks Hooks) {
	kp := masterKey(t)
	kr := &keys.Keyring{Store: s, Provider: kp, Clock: Clock, Actor: "test"}
	var cards []keys.Card
	for n := 1; n <= 20; n++ {
		cards = append(cards, Card(t, kp, n))
	}
	insert(t, s, cards...)
	opts := keys.ImportOptions{Tenant: "op", KIcCoding: 0x02, KIDCoding: 0x02, KIKCoding: 0x02}
	if _, err := kr.Import(ctx, "f.csv", strings.NewReader(ImportFile), opts); err != nil {
		t.Fatal(err)
	}
	sk, err := kr.RotateSigningKey(ctx, "bank1", 1024)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := kr.OpenSigningKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	raw := hooks.RawBytes(t, s)
	var secrets [][]byte
	for n := 1; n <= 20; n++ {
		for kvn := uint8(1); kvn <= 2; kvn++ {
			for _, name := range []string{"kic", "kid", "kik"} {
				secrets = append(secrets, ClearKey(n, kvn, name))
			}
		}
		secrets = append(secrets, ClearKey(n, 0, "ki"))
	}
	for _, line := range strings.Split(ImportFile, "\n")[2:] {
		for i, f := range strings.Split(line, ",") {
			if i >= 3 && len(f) == 32 { // KI, OPC and the keyset keys
				b, _ := hex.DecodeString(f)
				secrets = append(secrets, b)
			}
		}
	}
	secrets = append(secrets, []byte("12345678"), []byte("87654321"), priv.D.Bytes()[:32], priv.Primes[0].Bytes()[:32])
	for _, sec := range secrets {
		for _, form := range [][]byte{sec, []byte(hex.EncodeToString(sec)), []byte(strings.ToUpper(hex.EncodeToString(sec)))} {
			if bytes.Contains(raw, form) {
				t.Errorf("store holds a secret in clear: %q", form)
			}
		}
	}
	if !bytes.Contains(raw, []byte("8988211000000000011")) {
		t.Error("raw bytes do not hold even the ICCIDs: the scan reads the wrong thing")
	}
}
