package toolkit_test

import (
	"crypto/rsa"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/sim/toolkit"
	"github.com/stkforge/stkforge/stk/cat/profile"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/image/imagetest"
)

// TestStatePersists: the transaction counter and the card key live in the card's state file
// (EF 6F04): a card reopened from it continues the counter and signs with the same key; the
// EF cannot be read over the APDU interface.
func TestStatePersists(t *testing.T) {
	fixtures(t)
	p, err := card.ParseProfile(profileJSON)
	if err != nil {
		t.Fatal(err)
	}
	pubs, err := toolkit.Personalise(p, toolkit.Personalisation{Keys: map[string]int{},
		KeyPairs: map[string]*rsa.PrivateKey{imagetest.KeyName: cardKey},
		Issuers:  []image.IssuerKey{{ID: "bank", Key: &bankKey.PublicKey}}, Image: signed})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	prof := filepath.Join(dir, "profile.json")
	b, _ := p.Marshal()
	if err := os.WriteFile(prof, b, 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state.json")
	for round := 1; round <= 2; round++ {
		tm := &term{t: t}
		c, err := card.Open(prof, state)
		if err != nil {
			t.Fatal(err)
		}
		tm.c = c
		tm.rt = toolkit.Attach(c, toolkit.Config{})
		tp := profile.Android()
		tm.apdu(append([]byte{0x80, 0x10, 0, 0, byte(tp.Len())}, tp.Encode()...))
		tm.run(func([]byte) (byte, []string) { return 0, nil })
		tm.selectMenu(2, false)
		tm.script(lang, water, payee, amount, yes, pinStep("1234"))
		if got := tm.rt.Counter(); got != uint32(round) {
			t.Fatalf("round %d: counter %d", round, got)
		}
		if pub, ok := tm.rt.PublicKey(imagetest.KeyName); !ok || !pub.Equal(pubs[imagetest.KeyName]) {
			t.Fatalf("round %d: card key changed", round)
		}
		// EF 6F04 is "never" readable: SELECT then READ BINARY answers 6982.
		tm.apdu([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00})
		tm.apdu([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x7F, 0x4F})
		tm.apdu([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x6F, 0x04})
		if r := tm.apdu([]byte{0x00, 0xB0, 0x00, 0x00, 0x10}); sw(r) != 0x6982 {
			t.Fatalf("READ BINARY of EF 6F04: %X, want 6982", r)
		}
	}
}

// TestNoStateEF: a card profile without EF 6F04, issued with an image, still runs the payment:
// the runtime generates the key the image names (from Config.Rand) and keeps its state in memory.
func TestNoStateEF(t *testing.T) {
	fixtures(t)
	p, err := card.ParseProfile(profileJSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := toolkit.Install(p, signed); err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t}
	c, err := card.New(p)
	if err != nil {
		t.Fatal(err)
	}
	tm.c = c
	tm.rt = toolkit.Attach(c, toolkit.Config{Rand: toolkit.SeededRand("no state"),
		Issuers: []image.IssuerKey{{ID: "bank", Key: &bankKey.PublicKey}}})
	tp := profile.Android()
	tm.apdu(append([]byte{0x80, 0x10, 0, 0, byte(tp.Len())}, tp.Encode()...))
	tm.run(func([]byte) (byte, []string) { return 0, nil })
	tm.selectMenu(2, false)
	if types, _ := tm.script(lang, water, payee, amount, yes, pinStep("1234")); len(types) != 10 {
		t.Fatalf("commands %X", types)
	}
	if _, ok := tm.rt.PublicKey(imagetest.KeyName); !ok || tm.rt.Counter() != 1 {
		t.Fatal("no key or counter")
	}
}

// TestKeyPairSupplied: with Config.KeyPair the card takes the key pair an image names from it
// instead of generating one, and refuses a pair of the wrong size. (An image issued with the
// card stays active without its key, as TestNoStateEF's card does; an image committed by OTA is
// refused then: commit status 07.)
func TestKeyPairSupplied(t *testing.T) {
	fixtures(t)
	for _, tc := range []struct {
		name   string
		bits   int
		active bool
	}{{"right size", 2048, true}, {"wrong size", 1024, false}} {
		t.Run(tc.name, func(t *testing.T) {
			key, err := toolkit.GenerateKey(toolkit.SeededRand("supplied "+tc.name), tc.bits)
			if err != nil {
				t.Fatal(err)
			}
			p, err := card.ParseProfile(profileJSON)
			if err != nil {
				t.Fatal(err)
			}
			if err := toolkit.Install(p, signed); err != nil {
				t.Fatal(err)
			}
			c, err := card.New(p)
			if err != nil {
				t.Fatal(err)
			}
			var asked []string
			tm := &term{t: t, c: c}
			tm.rt = toolkit.Attach(c, toolkit.Config{Issuers: []image.IssuerKey{{ID: "bank", Key: &bankKey.PublicKey}},
				KeyPair: func(name string, bits int) (*rsa.PrivateKey, error) {
					asked = append(asked, fmt.Sprintf("%s/%d", name, bits))
					return key, nil
				}})
			tp := profile.Android()
			tm.apdu(append([]byte{0x80, 0x10, 0, 0, byte(tp.Len())}, tp.Encode()...))
			if want := []string{imagetest.KeyName + "/2048"}; fmt.Sprint(asked) != fmt.Sprint(want) {
				t.Fatalf("KeyPair asked for %v, want %v", asked, want)
			}
			pub, ok := tm.rt.PublicKey(imagetest.KeyName)
			if ok != tc.active || (ok && !pub.Equal(&key.PublicKey)) {
				t.Fatalf("card key present %v (want %v)", ok, tc.active)
			}
		})
	}
}
