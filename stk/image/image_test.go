package image_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/sebdah/goldie/v2"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/image/imagetest"
)

func golden(t *testing.T) *goldie.Goldie {
	return goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/stk/image"), goldie.WithNameSuffix(".golden"))
}

var (
	sampleOnce sync.Once
	sample     *image.Image
)

// payment is the sample bank image (imagetest.Payment), built once.
func payment(t testing.TB) *image.Image {
	sampleOnce.Do(func() { sample = imagetest.Payment(2048) })
	return sample
}

// testKey is a deterministic-enough RSA key for the tests (generation is slow; do it once).
var (
	keyOnce sync.Once
	keys    [2]*rsa.PrivateKey
)

func bankKeys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	keyOnce.Do(func() {
		for i := range keys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys[i] = k
		}
	})
	return keys[0], keys[1]
}

func TestRoundTrip(t *testing.T) {
	img := payment(t)
	b := img.Bytes()
	if !bytes.HasPrefix(b, []byte{0xD9, 0xD9, 0xF7, 0x84, 0x02}) {
		t.Fatalf("image starts % X, want D9 D9 F7 84 02", b[:5])
	}
	again, err := image.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), b) || again.Listing(image.ListingOptions{}) != img.Listing(image.ListingOptions{}) {
		t.Fatal("Load(Bytes()) differs")
	}
	// Determinism: building twice gives the same bytes.
	if b2 := imagetest.Payment(2048).Bytes(); !bytes.Equal(b, b2) {
		t.Fatal("two builds differ")
	}
}

func TestListingGolden(t *testing.T) {
	golden(t).Assert(t, "payment-listing", []byte(payment(t).Listing(image.ListingOptions{})))
}

// TestCommandsGolden renders every template in both languages with worst-case values, as
// annotated hexdumps from stk/cat.
func TestCommandsGolden(t *testing.T) {
	img := payment(t)
	var sb strings.Builder
	vals := img.WorstCase()
	for lang, l := range img.Languages {
		for i, tp := range img.Templates {
			if tp.Type == image.TypeSendShortMessage {
				continue
			}
			b, err := img.Command(i, lang, 1, vals, nil)
			if err != nil {
				t.Fatal(err)
			}
			d, err := cat.Dump(b)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&sb, "== p%d %s, worst case (%d bytes)\n%s\n", i, l, len(b), d)
		}
		for i := range img.SMS {
			cmds, err := img.SMSCommands(i, lang, vals, 0x42, func() byte { return 1 })
			if err != nil {
				t.Fatal(err)
			}
			for j, b := range cmds {
				d, err := cat.Dump(b)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&sb, "== s%d %s segment %d/%d, worst case (%d bytes)\n%s\n", i, l, j+1, len(cmds), len(b), d)
			}
		}
	}
	golden(t).Assert(t, "payment-commands", []byte(sb.String()))
}

func TestPrefixesFail(t *testing.T) {
	b := payment(t).Bytes()
	for n := 0; n < len(b); n++ {
		if _, err := image.Load(b[:n]); err == nil {
			t.Fatalf("prefix of %d bytes loads", n)
		}
	}
}

func TestAltered(t *testing.T) {
	b := payment(t).Bytes()
	// flip a byte inside the body: the hash no longer matches
	c := bytes.Clone(b)
	c[40] ^= 0x01
	_, err := image.Load(c)
	var fe *image.FormatError
	if !errors.As(err, &fe) || fe.Field != "file.hash" {
		t.Fatalf("altered body: %v, want a file.hash error", err)
	}
	if _, err := image.Load(append(bytes.Clone(b), 0)); err == nil || !strings.Contains(err.Error(), "after the image") {
		t.Fatalf("trailing byte: %v", err)
	}
	// a format 1 image (before the compact framing) is refused by its version, not misread
	c = bytes.Clone(b)
	c[4] = 0x01
	if _, err := image.Load(c); err == nil || !strings.Contains(err.Error(), "file.version: offset 4: format version 1") {
		t.Fatalf("version 1: %v", err)
	}
}

func TestSignVerify(t *testing.T) {
	bank, other := bankKeys(t)
	img := payment(t)
	trusted := []image.IssuerKey{{ID: "bank", Key: &bank.PublicKey}}
	if _, err := image.Verify(img, trusted); !errors.Is(err, image.ErrUnsigned) {
		t.Fatalf("unsigned: %v", err)
	}
	for _, alg := range []image.SigAlg{image.PKCS1v15SHA256, image.PSSSHA256} {
		s, err := image.Sign(img, bank, "bank-2026", alg)
		if err != nil {
			t.Fatal(err)
		}
		if s.Hash != img.Hash || !bytes.Equal(s.Body(), img.Body()) {
			t.Fatal("signing changed the body")
		}
		l, err := image.Load(s.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if id, err := image.Verify(l, trusted); err != nil || id != "bank" {
			t.Fatalf("%v: verify: %q %v", alg, id, err)
		}
		if _, err := image.Verify(l, []image.IssuerKey{{ID: "other", Key: &other.PublicKey}}); !errors.Is(err, image.ErrBadSignature) {
			t.Fatalf("%v: other bank's key: %v", alg, err)
		}
		if !strings.Contains(l.Listing(image.ListingOptions{Keys: trusted}), `verifies with "bank"`) {
			t.Fatal("listing does not say the signature verifies")
		}
		// Another bank signs the same body: refused by a card trusting only "bank".
		o, _ := image.Sign(img, other, "bank-2026", alg)
		if _, err := image.Verify(o, trusted); !errors.Is(err, image.ErrBadSignature) {
			t.Fatalf("%v: forged: %v", alg, err)
		}
	}
}

// TestRandomCorruption: random byte changes never panic and, when they load, re-encode the same.
func TestRandomCorruption(t *testing.T) {
	b := payment(t).Bytes()
	r := mrand.New(mrand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		c := bytes.Clone(b)
		for j := 0; j < 1+r.IntN(4); j++ {
			c[r.IntN(len(c))] = byte(r.IntN(256))
		}
		if img, err := image.Load(c); err == nil && !bytes.Equal(img.Bytes(), c) {
			t.Fatal("loaded image does not keep its bytes")
		}
	}
}

// FuzzLoad: Load never panics and every error is a *FormatError. Run it with
// -fuzzminimizetime 1s: minimizing an input as large as the payment image otherwise stalls the
// fuzzer for minutes.
func FuzzLoad(f *testing.F) {
	fuzzseed.Add(f)
	f.Add(payment(f).Bytes())
	f.Add(imagetest.Hello("Hello").Bytes())
	f.Add([]byte{0xD9, 0xD9, 0xF7, 0x84, 0x01})
	f.Add([]byte{0xD9, 0xD9, 0xF7, 0x84, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := image.Load(b)
		if err != nil {
			var fe *image.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		_ = img.Listing(image.ListingOptions{})
		vals := img.WorstCase()
		for i := range img.Templates {
			img.Command(i, 0, 1, vals, []byte{0})
		}
	})
}
