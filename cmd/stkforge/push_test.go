package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/sqlite"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/remote"
	"github.com/stkforge/stkforge/ota/smpp"
	"github.com/stkforge/stkforge/sim/network"
)

const defaultProfile = "../../fixtures/cards/default.json"

// e2e is a whole loopback setup: a SQLite store file with generated cards, the virtual SMSC on
// TCP with a minimal handset and a simulated card per MSISDN, and the OTA side's SMPP settings.
type e2e struct {
	store keys.Store
	kp    keys.KeyProvider
	mk    []byte // the master key's bytes, for a child process
	fleet *netFleet
	smsc  *network.SMSC
	smpp  smpp.Config

	mu   sync.Mutex
	seen map[string]map[packet.Counter]int // counters each card received, read with its keys
}

func newE2E(t *testing.T, n int, faults network.Faults) *e2e {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	return newE2EStore(t, st, n, faults)
}

// newE2EStore is newE2E over a given store (PostgreSQL tests).
func newE2EStore(t *testing.T, st keys.Store, n int, faults network.Faults) *e2e {
	t.Helper()
	ctx := context.Background()
	t.Cleanup(func() { st.Close() })
	mk := make([]byte, 32)
	rand.Read(mk)
	kp, err := keys.NewMasterKey(mk, nil)
	if err != nil {
		t.Fatal(err)
	}
	fleet, err := netFleetFor(ctx, st, kp, n, defaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	if len(fleet.Handsets) != n {
		t.Fatalf("%d handsets", len(fleet.Handsets))
	}
	e := &e2e{store: st, kp: kp, mk: mk, fleet: fleet, seen: map[string]map[packet.Counter]int{}}
	for msisdn, pk := range e.cardKeys(t) {
		e.seen[msisdn] = map[packet.Counter]int{}
		fleet.Handsets[msisdn].Seen = func(ud []byte) {
			if !bytes.HasPrefix(ud, []byte{0x02, 0x70, 0x00}) {
				return
			}
			cmd, err := packet.Open(nil, ud[3:], &pk)
			if err != nil {
				t.Errorf("card %s: %v", msisdn, err)
				return
			}
			e.mu.Lock()
			e.seen[msisdn][cmd.CNTR]++
			e.mu.Unlock()
		}
	}
	e.smsc, err = network.Listen(network.Config{Accounts: map[string]string{"ota": "pw-ota"}, Routes: map[string]string{"12345": "ota"}, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.smsc.Close() })
	fleet.Attach(e.smsc)
	e.smpp = smpp.Config{Addr: e.smsc.Addr().String(), SystemID: "ota", Password: "pw-ota", Source: "12345", SourceNPI: 1, Window: 200,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
	return e
}

// cardKeys opens keyset 1 (the one the tests' campaigns use) of every card of e's fleet, by
// MSISDN: what the tests' hooks need to open the packets the cards receive.
func (e *e2e) cardKeys(t testing.TB) map[string]packet.Keyset {
	t.Helper()
	ctx := context.Background()
	kr := &keys.Keyring{Store: e.store, Provider: e.kp}
	out := map[string]packet.Keyset{}
	for _, id := range e.fleet.ICCIDs {
		c, err := e.store.Card(ctx, keys.ICCID(id))
		if err != nil {
			t.Fatal(err)
		}
		ks, err := kr.OpenKeyset(ctx, c.ICCID, 1)
		if err != nil {
			t.Fatal(err)
		}
		out[c.MSISDN] = packet.Keyset{KIc: ks.KIc, KID: ks.KID}
	}
	return out
}

// spnScript is the RFM update the tests push: EF SPN := text (TS 102 226 6, TS 31.102 4.2.12).
func spnScript(t testing.TB, text string) []byte {
	sel, err := remote.SelectPath(remote.UICC, 0x7F20, 0x6F46)
	if err != nil {
		t.Fatal(err)
	}
	sel[len(sel)-1].P2 = 0x0C
	data := append([]byte{0x01}, text...)
	for len(data) < 17 { // EF SPN is 17 bytes: display condition, name padded with FF
		data = append(data, 0xFF)
	}
	upd, err := remote.UpdateBinary(remote.UICC, 0, data)
	if err != nil {
		t.Fatal(err)
	}
	s, err := remote.CompactScript(append(sel, upd)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func spnSpec(t testing.TB, text string) *campaign.Spec {
	return &campaign.Spec{Name: "spn " + text, Tenant: "op", Script: spnScript(t, text),
		Targets:     campaign.Targets{Filter: &campaign.Filter{Tenant: "op"}},
		Security:    campaign.Security{SPI: "1639", KIc: "12", KID: "12", TAR: "B00000"},
		MaxAttempts: 6, Backoff: campaign.Duration(50 * time.Millisecond), PoRTimeout: campaign.Duration(time.Second)}
}

func readSPN(c interface{ Transmit([]byte) []byte }) string {
	c.Transmit([]byte{0x00, 0xA4, 0x08, 0x0C, 0x04, 0x7F, 0x20, 0x6F, 0x46})
	r := c.Transmit([]byte{0x00, 0xB0, 0x00, 0x00, 0x11})
	if len(r) < 3 {
		return fmt.Sprintf("%X", r)
	}
	return strings.TrimRight(string(r[1:len(r)-2]), "\xff")
}

// check verifies the invariants from the cards' side: no card received a counter value twice,
// every card's counter is one the store reserved, a card whose target is por_ok holds the new
// EF SPN, and every target is in a final state with its reason.
func (e *e2e) check(t *testing.T, id, text string) campaign.Counts {
	t.Helper()
	ctx := context.Background()
	j, _ := campaign.OpenJournal(e.store, nil)
	ts, err := j.Targets(ctx, id, -1, 100000, "")
	if err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, tg := range ts {
		if !tg.State.Final() {
			t.Errorf("target %d (%s) left in %s", tg.Seq, tg.ICCID, tg.State)
		}
		if tg.State != campaign.PoROK && tg.LastError == "" {
			t.Errorf("target %d ended %s without a reason", tg.Seq, tg.State)
		}
		h := e.fleet.Handsets[tg.MSISDN]
		for v, k := range e.seen[tg.MSISDN] {
			if k > 1 {
				t.Errorf("card %s received counter %v %d times", tg.ICCID, v, k)
			}
		}
		cc, _ := h.Card.Counter(1)
		kc, err := e.store.Card(ctx, keys.ICCID(tg.ICCID))
		if err != nil {
			t.Fatal(err)
		}
		ks, _ := kc.Keyset(1)
		if uint64(cc) > ks.Counter {
			t.Errorf("card %s counter %v beyond the store's %d", tg.ICCID, cc, ks.Counter)
		}
		if tg.State == campaign.PoROK {
			if got := readSPN(h.Card); got != text {
				t.Errorf("card %s EF SPN %q, want %q", tg.ICCID, got, text)
			}
			if uint64(cc) != tg.Counter {
				t.Errorf("card %s counter %v, target's %d", tg.ICCID, cc, tg.Counter)
			}
		}
	}
	c, _ := j.Counts(ctx, id)
	return c
}

func TestPushEndToEnd(t *testing.T) {
	const n = 60
	e := newE2E(t, n, network.Faults{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// No fault is injected, so each card must get exactly one packet (Segments == n): the PoR
	// timeout must outlast the slowest PoR on a loaded machine, where spnSpec's 1 s (meant for
	// the lossy tests, to retry quickly) could expire first and send a second attempt.
	spec := spnSpec(t, "OTA one")
	spec.PoRTimeout = campaign.Duration(60 * time.Second)
	sum, err := pushRun(ctx, pushOptions{Store: e.store, Provider: e.kp, SMPP: e.smpp, Spec: spec, ID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != campaign.Finished || sum.Counts[campaign.PoROK] != n || sum.Segments != n {
		t.Fatalf("summary %+v", sum)
	}
	e.check(t, "c1", "OTA one")
}

// TestPushLossAndThrottling: 5 % of the messages vanish and the SMSC throttles; every target
// still ends final and explained, and no counter value reaches a card twice.
func TestPushLossAndThrottling(t *testing.T) {
	const n = 150
	e := newE2E(t, n, network.Faults{Loss: 0.05, ThrottleRate: 400, ThrottleBurst: 20})
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	sum, err := pushRun(ctx, pushOptions{Store: e.store, Provider: e.kp, SMPP: e.smpp, Spec: spnSpec(t, "lossy"), ID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != campaign.Finished {
		t.Fatalf("summary %+v", sum)
	}
	c := e.check(t, "c1", "lossy")
	if c[campaign.PoROK]+c[campaign.Expired] != n || c[campaign.PoROK] < n*9/10 {
		t.Errorf("counts %v", c)
	}
	if st := e.smsc.Stats(); st.Lost == 0 || st.Throttled == 0 {
		t.Errorf("faults not injected: %+v", st)
	}
	if sum.Packets <= int64(n) {
		t.Errorf("%d packets for %d cards with 5%% loss: no retry", sum.Packets, n)
	}
}

// TestPushCrashResume: the push is killed mid-way (context cancelled hard, SMPP connection
// dropped with packets in flight), then resumed by a new runner and client.
func TestPushCrashResume(t *testing.T) {
	const n = 120
	e := newE2E(t, n, network.Faults{Latency: 2 * time.Millisecond})
	ctx, kill := context.WithCancel(context.Background())
	spec := spnSpec(t, "crash")
	spec.Rate = 200 // slow enough to be killed half way
	_, err := pushRun(ctx, pushOptions{Store: e.store, Provider: e.kp, SMPP: e.smpp, Spec: spec, ID: "c1",
		Hook: func(r *campaign.Runner) {
			go func() {
				for r.Stats().PoROK < 30 {
					time.Sleep(time.Millisecond)
				}
				kill()
			}()
		}})
	if err == nil {
		t.Fatal("the killed push returned no error")
	}
	j, _ := campaign.OpenJournal(e.store, nil)
	if c, _ := j.Counts(context.Background(), "c1"); c[campaign.PoROK] == n {
		t.Fatalf("finished before the kill: %v", c)
	}
	ctx2, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sum, err := pushRun(ctx2, pushOptions{Store: e.store, Provider: e.kp, SMPP: e.smpp, ID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != campaign.Finished || sum.Counts[campaign.PoROK] != n {
		t.Fatalf("summary %+v", sum)
	}
	e.check(t, "c1", "crash")
}
