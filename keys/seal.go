package keys

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// KeyProvider seals secrets before they reach a store and opens them after. aad binds a sealed
// blob to the record it belongs to, so a blob copied into another row does not open.
type KeyProvider interface {
	Seal(plain, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
	// ID names the master key, so rotation can tell which blobs are already sealed under it.
	ID() string
}

// SecretRef names where a sealed secret lives; its text is the AEAD's additional data.
type SecretRef struct {
	ICCID ICCID  // empty for signing keys
	KVN   uint8  // 0 for card secrets that are not in a keyset
	Name  string // "kic", "kid", "kik", "ki", "opc", ..., or "signing:<id>"
}

// AAD is the additional authenticated data for the secret at r.
func (r SecretRef) AAD() []byte {
	return []byte("stkforge.keys.v1|" + string(r.ICCID) + "|" + strconv.Itoa(int(r.KVN)) + "|" + r.Name)
}

func (r SecretRef) String() string {
	if r.ICCID == "" {
		return r.Name
	}
	if r.KVN == 0 {
		return string(r.ICCID) + "/" + r.Name
	}
	return fmt.Sprintf("%s/kvn%d/%s", r.ICCID, r.KVN, r.Name)
}

// sealFormat is the first byte of a blob sealed by MasterKey: format 1 is
// 01 | key id (8) | nonce (12) | AES-256-GCM ciphertext and tag.
const sealFormat = 1

const masterKeyIDLen = 8

// MasterKey is a KeyProvider sealing with AES-256-GCM under a 32-byte master key.
type MasterKey struct {
	id   [masterKeyIDLen]byte
	aead cipher.AEAD
	rand io.Reader
}

// NewMasterKey makes a provider from 32 key bytes. rnd supplies nonces (crypto/rand when nil).
func NewMasterKey(key []byte, rnd io.Reader) (*MasterKey, error) {
	if len(key) != 32 {
		return nil, &FieldError{Field: "master key", Err: fmt.Errorf("%d bytes, want 32", len(key))}
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	m := &MasterKey{aead: aead, rand: rnd}
	h := sha256.Sum256(append([]byte("stkforge master key id\x00"), key...))
	copy(m.id[:], h[:])
	return m, nil
}

// ID is the hex key identifier written into every blob it seals.
func (m *MasterKey) ID() string { return hex.EncodeToString(m.id[:]) }

// Seal encrypts plain bound to aad.
func (m *MasterKey) Seal(plain, aad []byte) ([]byte, error) {
	out := make([]byte, 1+masterKeyIDLen+m.aead.NonceSize(), 1+masterKeyIDLen+m.aead.NonceSize()+len(plain)+m.aead.Overhead())
	out[0] = sealFormat
	copy(out[1:], m.id[:])
	if _, err := io.ReadFull(m.rand, out[1+masterKeyIDLen:]); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return m.aead.Seal(out, out[1+masterKeyIDLen:], plain, aad), nil
}

// Open decrypts a blob sealed by Seal with the same aad.
func (m *MasterKey) Open(sealed, aad []byte) ([]byte, error) {
	hdr := 1 + masterKeyIDLen + m.aead.NonceSize()
	switch {
	case len(sealed) < hdr+m.aead.Overhead():
		return nil, &FieldError{Field: "sealed", Offset: len(sealed), Err: fmt.Errorf("%w: %d bytes is too short", ErrSealed, len(sealed))}
	case sealed[0] != sealFormat:
		return nil, &FieldError{Field: "sealed.format", Offset: 0, Err: fmt.Errorf("%w: format %d", ErrSealed, sealed[0])}
	case !bytes.Equal(sealed[1:1+masterKeyIDLen], m.id[:]):
		return nil, &FieldError{Field: "sealed.key_id", Offset: 1, Err: fmt.Errorf("%w: sealed under master key %x, this is %s", ErrSealed, sealed[1:1+masterKeyIDLen], m.ID())}
	}
	plain, err := m.aead.Open(nil, sealed[1+masterKeyIDLen:hdr], sealed[hdr:], aad)
	if err != nil {
		return nil, &FieldError{Field: "sealed.ciphertext", Offset: hdr, Err: fmt.Errorf("%w: authentication failed", ErrSealed)}
	}
	return plain, nil
}

// SealedKeyID returns the master key ID a blob was sealed under, or "" when it is not a blob of
// format 1.
func SealedKeyID(sealed []byte) string {
	if len(sealed) < 1+masterKeyIDLen || sealed[0] != sealFormat {
		return ""
	}
	return hex.EncodeToString(sealed[1 : 1+masterKeyIDLen])
}

// ErrKeyFileMode is returned when a master key file can be read by group or others.
var ErrKeyFileMode = errors.New("master key file must have mode 0600")

// LoadMasterKeyFile reads a master key file: 64 hex digits (32 bytes), lines starting with # are
// comments. The file must not be readable or writable by group or others.
func LoadMasterKeyFile(path string, rnd io.Reader) (*MasterKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: mode %04o: %w", path, fi.Mode().Perm(), ErrKeyFileMode)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := parseMasterKeyFile(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return NewMasterKey(key, rnd)
}

func parseMasterKeyFile(data []byte) ([]byte, error) {
	var hexKey string
	for line := range strings.Lines(string(data)) {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if hexKey != "" {
			return nil, &FieldError{Field: "master key", Err: errors.New("more than one key line")}
		}
		hexKey = t
	}
	if len(hexKey) != 64 {
		return nil, &FieldError{Field: "master key", Err: fmt.Errorf("%d hex digits, want 64", len(hexKey))}
	}
	key, err := hex.DecodeString(hexKey)
	if err != nil {
		return nil, &FieldError{Field: "master key", Err: err}
	}
	return key, nil
}

// CreateMasterKeyFile writes a new random master key to path with mode 0600. It refuses to
// overwrite an existing file.
func CreateMasterKeyFile(path string, rnd io.Reader) (*MasterKey, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	key := make([]byte, 32)
	if _, err := io.ReadFull(rnd, key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("master key file %s already exists", path)
		}
		return nil, err
	}
	_, err = fmt.Fprintf(f, "# stkforge master key (AES-256); keep mode 0600, back it up apart from the store\n%x\n", key)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return NewMasterKey(key, rnd)
}

// LoadTransportKeyFile reads a manufacturer transport key: an AES key (16, 24 or 32 bytes) in hex,
// from a file that, like the master key file, must have mode 0600.
func LoadTransportKeyFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: mode %04o: transport key file must have mode 0600", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var key []byte
	for line := range strings.Lines(string(data)) {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if key, err = hex.DecodeString(t); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		break
	}
	switch len(key) {
	case 16, 24, 32:
		return key, nil
	}
	return nil, fmt.Errorf("%s: transport key is %d bytes, want an AES key of 16, 24 or 32", path, len(key))
}

// providerOpeners are the key providers named by a scheme ("pkcs11:...") instead of a key file;
// packages built in register theirs (keys/pkcs11 under its build tag).
var providerOpeners = map[string]func(spec string, create bool) (KeyProvider, error){}

// RegisterProvider makes LoadProvider open specs that start with scheme + ":" with open; create
// asks it to make the key when there is none.
func RegisterProvider(scheme string, open func(spec string, create bool) (KeyProvider, error)) {
	providerOpeners[scheme] = open
}

// LoadProvider opens the master key named by spec: a registered scheme such as
// "pkcs11:token=stkforge;key=master", or else a master key file (mode 0600). With create, a key
// that does not exist yet is made (a file with mode 0600, or a key object in the token).
func LoadProvider(spec string, create bool) (KeyProvider, error) {
	if scheme, rest, ok := strings.Cut(spec, ":"); ok && scheme == "pkcs11" {
		open, found := providerOpeners[scheme]
		if !found {
			return nil, fmt.Errorf("master key %q: this stkforge was built without PKCS#11 support (build with CGO_ENABLED=1 -tags pkcs11)", spec)
		}
		return open(rest, create)
	}
	mk, err := LoadMasterKeyFile(spec, nil)
	if create && errors.Is(err, fs.ErrNotExist) {
		return CreateMasterKeyFile(spec, nil)
	}
	return mk, err
}
