package handset

import (
	"crypto/rsa"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/sim/toolkit"
	"github.com/stkforge/stkforge/stk/check"
	"github.com/stkforge/stkforge/stk/gen"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/pay"
)

// The deterministic lab every scripted run uses: a test bank that signs images, the card's key
// pairs and the runtime's randomness all come from fixed seeds, so the same menu gives the same
// bytes on every machine. These keys are for tests only.
const (
	TestBankKeyID = "stkforge-test-bank"
	seedBank      = "stkforge test bank"
	seedCard      = "stkforge test card"
	seedSession   = "stkforge test session"
)

var testBank = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	return toolkit.GenerateKey(toolkit.SeededRand(seedBank), 2048)
})

// TestBankKey is the lab bank's key pair that signs images for scripted runs.
func TestBankKey() (*rsa.PrivateKey, error) { return testBank() }

// CompileSpec compiles one menu spec into its script image (stk/gen); the diagnostics are the
// error when it has any.
func CompileSpec(path string) (*image.Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	res, diags := gen.Compile([]check.SpecFile{{Name: path, Data: data}}, gen.Options{})
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s", diags.Format(20))
	}
	if len(res) != 1 || res[0].Image == nil {
		return nil, fmt.Errorf("%s: no image", path)
	}
	return res[0].Image, nil
}

// LoadImage reads a compiled script image.
func LoadImage(path string) (*image.Image, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return image.Load(b)
}

// Lab is a card issued with a menu: the card, its runtime and the public keys of its key pairs
// (what a bank verifies signatures with).
type Lab struct {
	Card     *card.Card
	Runtime  *toolkit.Runtime
	CardKeys map[string]*rsa.PublicKey
	Image    *image.Image
}

// OpenLab personalises a fresh card from a card profile with the lab keys, installs img
// (signed by the lab bank when it is unsigned; a signed image keeps its signature and the card
// then refuses it unless it trusts that signer, as a real card would) and attaches the script
// runtime.
func OpenLab(profilePath string, img *image.Image) (*Lab, error) {
	p, err := card.LoadProfile(profilePath)
	if err != nil {
		return nil, err
	}
	bank, err := testBank()
	if err != nil {
		return nil, err
	}
	if img != nil && img.Signature == nil {
		if img, err = image.Sign(img, bank, TestBankKeyID, image.PKCS1v15SHA256); err != nil {
			return nil, err
		}
	}
	pubs, err := toolkit.Personalise(p, toolkit.Personalisation{Rand: toolkit.SeededRand(seedCard),
		Issuers: []image.IssuerKey{{ID: TestBankKeyID, Key: &bank.PublicKey}}, Image: img})
	if err != nil {
		return nil, err
	}
	c, err := card.New(p, card.WithClock(func() time.Time { return DefaultClock }))
	if err != nil {
		return nil, err
	}
	rt := toolkit.Attach(c, toolkit.Config{Rand: toolkit.SeededRand(seedSession)})
	return &Lab{Card: c, Runtime: rt, CardKeys: pubs, Image: img}, nil
}

// concatRef reads the concatenation IE of a user data header (TS 23.040 9.2.3.24.1 and
// .24.8): reference, total, sequence; ok is false for a single message.
func concatRef(udh []byte) (ref, total, seq int, ok bool) {
	for i := 1; i+1 < len(udh); {
		iei, l := udh[i], int(udh[i+1])
		v := udh[i+2 : min(i+2+l, len(udh))]
		switch {
		case iei == 0x00 && len(v) == 3:
			return int(v[0]), int(v[1]), int(v[2]), true
		case iei == 0x08 && len(v) == 4:
			return int(v[0])<<8 | int(v[1]), int(v[2]), int(v[3]), true
		}
		i += 2 + l
	}
	return 0, 0, 0, false
}

// Bodies joins the 8-bit user data of sent messages into whole bodies per destination:
// concatenated segments in sequence order, single messages as they are, in the order the
// last segment left.
func Bodies(out []SMS) []SMS {
	type key struct {
		to  string
		ref int
	}
	parts := map[key]map[int][]byte{}
	var whole []SMS
	for _, s := range out {
		ref, total, seq, ok := concatRef(s.UDH)
		if !ok {
			whole = append(whole, s)
			continue
		}
		k := key{s.Address, ref}
		if parts[k] == nil {
			parts[k] = map[int][]byte{}
		}
		parts[k][seq] = s.UD
		if len(parts[k]) == total {
			b := s
			b.UD, b.UDH = nil, nil
			for i := 1; i <= total; i++ {
				b.UD = append(b.UD, parts[k][i]...)
			}
			whole = append(whole, b)
			delete(parts, k)
		}
	}
	return whole
}

// VerifyPayments finds the signed payment messages of the lab's menu (stk/pay formats) among
// the messages sent and checks each signature with the card's public key. It returns how many
// verified; the first body that parses but does not verify is the error.
func (l *Lab) VerifyPayments(out []SMS) (int, error) {
	if l.Image == nil {
		return 0, nil
	}
	formats, err := pay.FormatsFromImage(l.Image)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, b := range Bodies(out) {
		for _, f := range formats {
			m, err := f.Parse(b.UD)
			if err != nil {
				continue
			}
			pub, ok := l.Runtime.PublicKey(f.Key)
			if !ok {
				return n, fmt.Errorf("handset: the card has no key %q", f.Key)
			}
			if err := m.Verify(pub); err != nil {
				return n, fmt.Errorf("handset: payment SMS to %s: %w", b.Address, err)
			}
			n++
			break
		}
	}
	return n, nil
}
