package toolkit

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"

	"github.com/fxamacker/cbor/v2"

	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/stk/image"
)

// Script store paths (sim/card doc.go: DF 7F4F under the MF).
const (
	PathSlotA   = "3F00/7F4F/6F01"
	PathSlotB   = "3F00/7F4F/6F02"
	PathControl = "3F00/7F4F/6F03"
	PathState   = "3F00/7F4F/6F04"
	PathICCID   = "3F00/2FE2"
	PathIMSI    = "3F00/7F20/6F07"
	PathMSISDN  = "3F00/7F10/6F40"
)

// StateSize is the size Personalise gives EF 6F04 when the profile lacks it.
const StateSize = 2048

// Commit statuses in EF 6F03 byte 2 (docs/image-format.md "OTA delivery").
const (
	StatusActivated    byte = 0x00
	StatusIncomplete   byte = 0x01
	StatusHash         byte = 0x02
	StatusInvalid      byte = 0x03
	StatusUnsigned     byte = 0x04
	StatusBadSignature byte = 0x05
	StatusBadRequest   byte = 0x06
	StatusUnsupported  byte = 0x07
)

var statusNames = map[byte]string{StatusActivated: "activated", StatusIncomplete: "incomplete image", StatusHash: "hash mismatch",
	StatusInvalid: "invalid image", StatusUnsigned: "unsigned", StatusBadSignature: "signature does not verify",
	StatusBadRequest: "bad request", StatusUnsupported: "unsupported"}

// StatusName names a commit status.
func StatusName(s byte) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("status %02X", s)
}

func slotPath(slot byte) string {
	if slot == 2 {
		return PathSlotB
	}
	return PathSlotA
}

// state is what the card keeps for the runtime in EF 6F04.
type state struct {
	Counter uint32
	SMSRef  byte
	Keys    []cardKey
	Issuers []image.IssuerKey
}

type cardKey struct {
	Name string
	Key  *rsa.PrivateKey
}

// The CBOR form: [counter, sms_ref, [[name, p, q, e]...], [[id, n, e]...]]. Only the primes are
// kept; the rest of the key is computed when loaded.
type stateCBOR struct {
	_       struct{} `cbor:",toarray"`
	Counter uint32
	SMSRef  byte
	Keys    []keyCBOR
	Issuers []issuerCBOR
}

type keyCBOR struct {
	_    struct{} `cbor:",toarray"`
	Name string
	P, Q []byte
	E    int
}

type issuerCBOR struct {
	_  struct{} `cbor:",toarray"`
	ID string
	N  []byte
	E  int
}

var stateEnc = func() cbor.EncMode {
	m, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()

func (s *state) marshal() ([]byte, error) {
	var c stateCBOR
	c.Counter, c.SMSRef = s.Counter, s.SMSRef
	for _, k := range s.Keys {
		c.Keys = append(c.Keys, keyCBOR{Name: k.Name, P: k.Key.Primes[0].Bytes(), Q: k.Key.Primes[1].Bytes(), E: k.Key.E})
	}
	for _, k := range s.Issuers {
		c.Issuers = append(c.Issuers, issuerCBOR{ID: k.ID, N: k.Key.N.Bytes(), E: k.Key.E})
	}
	return stateEnc.Marshal(c)
}

// parseState reads the first CBOR item of the EF (the rest is padding).
func parseState(b []byte) (*state, error) {
	if len(b) == 0 || b[0] == 0xFF {
		return &state{}, nil // never personalised
	}
	var c stateCBOR
	if err := cbor.NewDecoder(bytes.NewReader(b)).Decode(&c); err != nil {
		return nil, fmt.Errorf("toolkit: EF 6F04: %w", err)
	}
	s := &state{Counter: c.Counter, SMSRef: c.SMSRef}
	for i, k := range c.Keys {
		key, err := keyFromPrimes(k.P, k.Q, k.E)
		if err != nil {
			return nil, fmt.Errorf("toolkit: EF 6F04: key %d (%q): %w", i, k.Name, err)
		}
		s.Keys = append(s.Keys, cardKey{Name: k.Name, Key: key})
	}
	for _, k := range c.Issuers {
		s.Issuers = append(s.Issuers, image.IssuerKey{ID: k.ID, Key: &rsa.PublicKey{N: new(big.Int).SetBytes(k.N), E: k.E}})
	}
	return s, nil
}

func keyFromPrimes(pb, qb []byte, e int) (*rsa.PrivateKey, error) {
	p, q := new(big.Int).SetBytes(pb), new(big.Int).SetBytes(qb)
	one := big.NewInt(1)
	phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
	d := new(big.Int).ModInverse(big.NewInt(int64(e)), phi)
	if d == nil || e < 3 {
		return nil, errors.New("public exponent not invertible")
	}
	k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: e}, D: d, Primes: []*big.Int{p, q}}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	k.Precompute()
	return k, nil
}

func (s *state) key(name string) *rsa.PrivateKey {
	for _, k := range s.Keys {
		if k.Name == name {
			return k.Key
		}
	}
	return nil
}

// Personalisation is what Personalise puts on a card.
type Personalisation struct {
	// Rand is the randomness for the card's key pairs (crypto/rand when nil). Tests inject a
	// deterministic reader so the keys, and so the golden files, are byte-stable.
	Rand io.Reader
	// Keys names the RSA key pairs to generate and their sizes (default: "pay", 2048 bits).
	Keys map[string]int
	// KeyPairs are key pairs made elsewhere, used instead of generating those names (tests
	// reuse one key; a personalisation bureau may bring its own).
	KeyPairs map[string]*rsa.PrivateKey
	// Issuers are the bank keys the card trusts to sign images.
	Issuers []image.IssuerKey
	// Image, when set, is installed into slot A and made active (a card issued with its menu).
	Image *image.Image
}

// Personalise prepares a card profile for the runtime before the card starts: it generates the
// card's RSA key pairs and writes them, the trusted issuer keys and a zero transaction counter
// into EF 6F04 (adding the EF, read and update "never", when the profile lacks it), and
// optionally installs an image. It returns the public keys by name, for the key store.
func Personalise(p *card.Profile, per Personalisation) (map[string]*rsa.PublicKey, error) {
	keys := per.Keys
	if keys == nil {
		keys = map[string]int{"pay": 2048}
	}
	names := make([]string, 0, len(keys)+len(per.KeyPairs))
	for n := range keys {
		names = append(names, n)
	}
	for n := range per.KeyPairs {
		if _, ok := keys[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	st := &state{Issuers: slices.Clone(per.Issuers)}
	pubs := map[string]*rsa.PublicKey{}
	for _, n := range names {
		k, err := per.KeyPairs[n], error(nil)
		if k == nil {
			k, err = GenerateKey(per.Rand, keys[n])
		}
		if err != nil {
			return nil, fmt.Errorf("toolkit: key %q: %w", n, err)
		}
		st.Keys = append(st.Keys, cardKey{Name: n, Key: k})
		pubs[n] = &k.PublicKey
	}
	b, err := st.marshal()
	if err != nil {
		return nil, err
	}
	f := profileFile(p, PathState)
	if f == nil {
		p.Files = append(p.Files, card.FileSpec{Path: PathState, Name: "EF.SCRIPT_STATE", Type: "transparent",
			Size: max(StateSize, len(b)), Read: "never", Update: "never"})
		f = &p.Files[len(p.Files)-1]
	}
	if len(b) > f.Size {
		return nil, fmt.Errorf("toolkit: EF 6F04 holds %d bytes; the state needs %d", f.Size, len(b))
	}
	f.Data = card.Hex(b)
	if per.Image != nil {
		if err := Install(p, per.Image); err != nil {
			return nil, err
		}
	}
	return pubs, nil
}

// Install writes an image into slot A of a card profile and makes it active (the card is
// issued with it; over the air, images arrive by RFM as docs/image-format.md describes).
func Install(p *card.Profile, img *image.Image) error {
	slot, ctl := profileFile(p, PathSlotA), profileFile(p, PathControl)
	if slot == nil || ctl == nil {
		return fmt.Errorf("toolkit: the profile has no script store (%s, %s)", PathSlotA, PathControl)
	}
	b := img.Bytes()
	if len(b) > slot.Size {
		return fmt.Errorf("toolkit: image of %d bytes; slot A holds %d", len(b), slot.Size)
	}
	slot.Data = card.Hex(b)
	ctl.Data = card.Hex{0x01, 0x00, StatusActivated, image.Version}
	return nil
}

func profileFile(p *card.Profile, path string) *card.FileSpec {
	for i := range p.Files {
		if strings.EqualFold(p.Files[i].Path, path) {
			return &p.Files[i]
		}
	}
	return nil
}

// GenerateKey makes an RSA key pair from r (crypto/rand when nil). With a reader given, the
// primes are drawn from it by primeFrom, so a deterministic reader gives the same key every
// time (crypto/rsa.GenerateKey does not promise that), which golden files need.
func GenerateKey(r io.Reader, bits int) (*rsa.PrivateKey, error) {
	if r == nil {
		return rsa.GenerateKey(cryptoRand, bits)
	}
	for {
		p, err := primeFrom(r, bits/2)
		if err != nil {
			return nil, err
		}
		q, err := primeFrom(r, bits-bits/2)
		if err != nil {
			return nil, err
		}
		if p.Cmp(q) == 0 {
			continue
		}
		k, err := keyFromPrimes(p.Bytes(), q.Bytes(), 65537)
		if err != nil || k.N.BitLen() != bits {
			continue
		}
		return k, nil
	}
}

var cryptoRand = rand.Reader

// primeFrom draws a prime of exactly bits bits from r: random bytes with the two top bits and
// the low bit set, then the next probable prime (Miller-Rabin and Baillie-PSW, math/big).
func primeFrom(r io.Reader, bits int) (*big.Int, error) {
	b := make([]byte, (bits+7)/8)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	extra := len(b)*8 - bits
	b[0] &= 0xFF >> extra
	b[0] |= 0xC0 >> extra
	if extra == 7 {
		b[1] |= 0x80
	}
	b[len(b)-1] |= 1
	p := new(big.Int).SetBytes(b)
	two := big.NewInt(2)
	for !p.ProbablyPrime(20) {
		p.Add(p, two)
	}
	if p.BitLen() != bits {
		return primeFrom(r, bits)
	}
	return p, nil
}
