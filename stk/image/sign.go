package image

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
)

// pssOptions: salt of the hash length, as docs/image-format.md "Signatures" fixes it; Verify
// insists on it too.
var pssOptions = &rsa.PSSOptions{SaltLength: 32, Hash: crypto.SHA256}

// Sign returns img with the bank's signature (docs/image-format.md "Signatures") over its body,
// replacing any signature it had. PKCS#1 v1.5 is deterministic; PSS draws its salt from
// crypto/rand (SignWith takes the randomness).
func Sign(img *Image, key *rsa.PrivateKey, keyID string, alg SigAlg) (*Image, error) {
	return SignWith(rand.Reader, img, key, keyID, alg)
}

// SignWith is Sign with the PSS salt drawn from r.
func SignWith(r io.Reader, img *Image, key *rsa.PrivateKey, keyID string, alg SigAlg) (*Image, error) {
	if key == nil {
		return nil, errors.New("image: no signing key")
	}
	var sig []byte
	var err error
	switch alg {
	case PKCS1v15SHA256:
		sig, err = rsa.SignPKCS1v15(nil, key, crypto.SHA256, img.Hash[:])
	case PSSSHA256:
		sig, err = rsa.SignPSS(r, key, crypto.SHA256, img.Hash[:], pssOptions)
	default:
		return nil, fmt.Errorf("image: signature algorithm %d unknown", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("image: signing: %w", err)
	}
	return assemble(img.body, &Signature{Alg: alg, KeyID: keyID, Sig: sig})
}

// IssuerKey is a public key a card (or a listing) trusts to sign images.
type IssuerKey struct {
	ID  string
	Key *rsa.PublicKey
}

// Verification errors.
var (
	ErrUnsigned     = errors.New("image: not signed")
	ErrBadSignature = errors.New("image: signature does not verify with a trusted issuer key")
)

// Verify checks img's signature against the trusted keys and returns the ID of the key that
// verifies it. Every key is tried (the key ID in the image is only a hint, so a renamed key
// still works and a forged ID gains nothing).
func Verify(img *Image, keys []IssuerKey) (string, error) {
	s := img.Signature
	if s == nil {
		return "", ErrUnsigned
	}
	for _, k := range keys {
		if k.Key == nil || len(s.Sig) != k.Key.Size() {
			continue
		}
		var err error
		switch s.Alg {
		case PKCS1v15SHA256:
			err = rsa.VerifyPKCS1v15(k.Key, crypto.SHA256, img.Hash[:], s.Sig)
		case PSSSHA256:
			err = rsa.VerifyPSS(k.Key, crypto.SHA256, img.Hash[:], s.Sig, pssOptions)
		default:
			err = ErrBadSignature
		}
		if err == nil {
			return k.ID, nil
		}
	}
	return "", ErrBadSignature
}
