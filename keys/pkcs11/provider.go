//go:build pkcs11

package pkcs11

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	p11 "github.com/miekg/pkcs11"

	"github.com/stkforge/stkforge/keys"
)

// Config names the token and the key.
type Config struct {
	Module     string // path of the PKCS #11 library, e.g. /usr/lib/softhsm/libsofthsm2.so
	TokenLabel string
	PIN        string // user PIN; read it from a file or the environment, never a flag
	KeyLabel   string // CKA_LABEL of the AES master key
	Rand       io.Reader
}

// Provider seals with an AES key held in a PKCS #11 token.
type Provider struct {
	mu      sync.Mutex // one session: PKCS #11 sessions are not safe for concurrent operations
	ctx     *p11.Ctx
	session p11.SessionHandle
	key     p11.ObjectHandle
	id      [8]byte
	rand    io.Reader
}

var _ keys.KeyProvider = (*Provider)(nil)

const (
	sealFormat = 1
	nonceLen   = 12
	tagLen     = 16
)

// Open logs in to the token and finds the key labelled cfg.KeyLabel; with create it generates
// the key (AES-256, sensitive, not extractable) when the token has none.
func Open(cfg Config, create bool) (*Provider, error) {
	ctx := p11.New(cfg.Module)
	if ctx == nil {
		return nil, fmt.Errorf("pkcs11: cannot load module %s", cfg.Module)
	}
	p := &Provider{ctx: ctx, rand: cfg.Rand}
	if p.rand == nil {
		p.rand = rand.Reader
	}
	if err := p.open(cfg, create); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func (p *Provider) open(cfg Config, create bool) error {
	if err := p.ctx.Initialize(); err != nil {
		return fmt.Errorf("pkcs11: initialize: %w", err)
	}
	slots, err := p.ctx.GetSlotList(true)
	if err != nil {
		return fmt.Errorf("pkcs11: slots: %w", err)
	}
	slot, found := uint(0), false
	for _, s := range slots {
		ti, err := p.ctx.GetTokenInfo(s)
		if err == nil && trimLabel(ti.Label) == cfg.TokenLabel {
			slot, found = s, true
			break
		}
	}
	if !found {
		return fmt.Errorf("pkcs11: no token labelled %q", cfg.TokenLabel)
	}
	if p.session, err = p.ctx.OpenSession(slot, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION); err != nil {
		return fmt.Errorf("pkcs11: open session: %w", err)
	}
	if err := p.ctx.Login(p.session, p11.CKU_USER, cfg.PIN); err != nil {
		return fmt.Errorf("pkcs11: login: %w", err)
	}
	p.key, err = p.find(cfg.KeyLabel)
	if errors.Is(err, errNoKey) && create {
		p.key, err = p.ctx.GenerateKey(p.session, []*p11.Mechanism{p11.NewMechanism(p11.CKM_AES_KEY_GEN, nil)}, []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, p11.CKO_SECRET_KEY),
			p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_AES),
			p11.NewAttribute(p11.CKA_VALUE_LEN, 32),
			p11.NewAttribute(p11.CKA_LABEL, cfg.KeyLabel),
			p11.NewAttribute(p11.CKA_TOKEN, true),
			p11.NewAttribute(p11.CKA_PRIVATE, true),
			p11.NewAttribute(p11.CKA_SENSITIVE, true),
			p11.NewAttribute(p11.CKA_EXTRACTABLE, false),
			p11.NewAttribute(p11.CKA_ENCRYPT, true),
			p11.NewAttribute(p11.CKA_DECRYPT, true),
		})
	}
	if err != nil {
		return fmt.Errorf("pkcs11: key %q: %w", cfg.KeyLabel, err)
	}
	// The key cannot be read, so its ID comes from where it lives.
	h := sha256.Sum256([]byte("stkforge pkcs11 key id\x00" + cfg.TokenLabel + "\x00" + cfg.KeyLabel))
	copy(p.id[:], h[:])
	return nil
}

var errNoKey = errors.New("no such key in the token")

func (p *Provider) find(label string) (p11.ObjectHandle, error) {
	if err := p.ctx.FindObjectsInit(p.session, []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_SECRET_KEY),
		p11.NewAttribute(p11.CKA_LABEL, label),
	}); err != nil {
		return 0, err
	}
	objs, _, err := p.ctx.FindObjects(p.session, 2)
	p.ctx.FindObjectsFinal(p.session)
	switch {
	case err != nil:
		return 0, err
	case len(objs) == 0:
		return 0, errNoKey
	case len(objs) > 1:
		return 0, errors.New("more than one key with this label")
	}
	return objs[0], nil
}

func trimLabel(s string) string {
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == 0) {
		s = s[:len(s)-1]
	}
	return s
}

// ID is the hex key identifier written into every blob.
func (p *Provider) ID() string { return hex.EncodeToString(p.id[:]) }

// Seal encrypts plain with AES-GCM in the token, bound to aad.
func (p *Provider) Seal(plain, aad []byte) ([]byte, error) {
	nonce := make([]byte, nonceLen)
	if _, err := io.ReadFull(p.rand, nonce); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	params := p11.NewGCMParams(nonce, aad, tagLen*8)
	defer params.Free()
	if err := p.ctx.EncryptInit(p.session, []*p11.Mechanism{p11.NewMechanism(p11.CKM_AES_GCM, params)}, p.key); err != nil {
		return nil, fmt.Errorf("pkcs11: seal: %w", err)
	}
	ct, err := p.ctx.Encrypt(p.session, plain)
	if err != nil {
		return nil, fmt.Errorf("pkcs11: seal: %w", err)
	}
	out := append([]byte{sealFormat}, p.id[:]...)
	out = append(out, nonce...)
	return append(out, ct...), nil
}

// Open decrypts a blob sealed by Seal with the same aad.
func (p *Provider) Open(sealed, aad []byte) ([]byte, error) {
	hdr := 1 + len(p.id) + nonceLen
	switch {
	case len(sealed) < hdr+tagLen:
		return nil, &keys.FieldError{Field: "sealed", Offset: len(sealed), Err: fmt.Errorf("%w: %d bytes is too short", keys.ErrSealed, len(sealed))}
	case sealed[0] != sealFormat:
		return nil, &keys.FieldError{Field: "sealed.format", Offset: 0, Err: fmt.Errorf("%w: format %d", keys.ErrSealed, sealed[0])}
	case !bytes.Equal(sealed[1:1+len(p.id)], p.id[:]):
		return nil, &keys.FieldError{Field: "sealed.key_id", Offset: 1, Err: fmt.Errorf("%w: sealed under master key %x, this is %s", keys.ErrSealed, sealed[1:1+len(p.id)], p.ID())}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	params := p11.NewGCMParams(bytes.Clone(sealed[1+len(p.id):hdr]), aad, tagLen*8)
	defer params.Free()
	if err := p.ctx.DecryptInit(p.session, []*p11.Mechanism{p11.NewMechanism(p11.CKM_AES_GCM, params)}, p.key); err != nil {
		return nil, fmt.Errorf("pkcs11: open: %w", err)
	}
	plain, err := p.ctx.Decrypt(p.session, sealed[hdr:])
	if err != nil {
		return nil, &keys.FieldError{Field: "sealed.ciphertext", Offset: hdr, Err: fmt.Errorf("%w: %v", keys.ErrSealed, err)}
	}
	return plain, nil
}

// Close logs out and unloads the module.
func (p *Provider) Close() error {
	if p.ctx == nil {
		return nil
	}
	if p.session != 0 {
		p.ctx.Logout(p.session)
		p.ctx.CloseSession(p.session)
	}
	p.ctx.Finalize()
	p.ctx.Destroy()
	p.ctx = nil
	return nil
}
