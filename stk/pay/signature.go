package pay

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"io"
)

// Scheme is an RSA signature scheme a card key uses (docs/spec-language.md, "Keys").
type Scheme string

// Schemes.
const (
	// PKCS1v15SHA256 is RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 8.2). Deterministic.
	PKCS1v15SHA256 Scheme = "pkcs1v15-sha256"
	// PSSSHA256 is RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt (RFC 8017 8.1).
	PSSSHA256 Scheme = "pss-sha256"
)

// pssOptions fixes the salt at the hash length, as the spec language documents; verification
// insists on it too, so a signature made with another salt length is refused.
var pssOptions = &rsa.PSSOptions{SaltLength: 32, Hash: crypto.SHA256}

// ParseScheme checks a scheme name.
func ParseScheme(s string) (Scheme, error) {
	switch Scheme(s) {
	case PKCS1v15SHA256, PSSSHA256:
		return Scheme(s), nil
	case "":
		return PKCS1v15SHA256, nil
	}
	return "", fmt.Errorf("pay: unknown signature scheme %q (want %s or %s)", s, PKCS1v15SHA256, PSSSHA256)
}

// Sign signs msg (the canonical bytes) with key under scheme, as the card does. rand is used by
// PSS only; PKCS#1 v1.5 signatures are deterministic.
func Sign(rand io.Reader, key *rsa.PrivateKey, scheme Scheme, msg []byte) ([]byte, error) {
	h := sha256.Sum256(msg)
	switch scheme {
	case PKCS1v15SHA256:
		return rsa.SignPKCS1v15(nil, key, crypto.SHA256, h[:])
	case PSSSHA256:
		return rsa.SignPSS(rand, key, crypto.SHA256, h[:], pssOptions)
	}
	return nil, fmt.Errorf("pay: unknown signature scheme %q", scheme)
}

// Verify checks a signature over msg with the card's public key. The signature must be exactly
// the modulus length (big-endian, as the card writes it).
func Verify(pub *rsa.PublicKey, scheme Scheme, msg, sig []byte) error {
	if len(sig) != pub.Size() {
		return fmt.Errorf("pay: signature of %d bytes; a %d-bit key signs %d", len(sig), pub.N.BitLen(), pub.Size())
	}
	h := sha256.Sum256(msg)
	var err error
	switch scheme {
	case PKCS1v15SHA256:
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
	case PSSSHA256:
		err = rsa.VerifyPSS(pub, crypto.SHA256, h[:], sig, pssOptions)
	default:
		return fmt.Errorf("pay: unknown signature scheme %q", scheme)
	}
	if err != nil {
		return fmt.Errorf("pay: %s signature does not verify with the card's key", scheme)
	}
	return nil
}
