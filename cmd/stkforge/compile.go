package main

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/remote"
	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/stk/check"
	"github.com/stkforge/stkforge/stk/gen"
	"github.com/stkforge/stkforge/stk/image"
)

// CompileCmd compiles menu specs into script images.
type CompileCmd struct {
	Specs        []string `arg:"" name:"SPEC" help:"Menu spec files (YAML)."`
	Output       string   `short:"o" name:"output" placeholder:"IMAGE|DIR" help:"Where the image goes; with several specs (or an existing directory) a directory that gets one NAME.img per spec. Without it nothing is written."`
	Listing      bool     `help:"Print each image's listing on stdout (what 'stkforge disasm' prints)."`
	Budget       bool     `help:"Print the budgets (image size, raw commands, SMS to push, bytes per menu item) on stderr and fail when over the card's memory, --max-sms or --max-path-bytes."`
	MaxSMS       int      `name:"max-sms" help:"With --budget: the most SMS a push of the image may take." default:"0"`
	MaxPathBytes int      `name:"max-path-bytes" help:"With --budget: the most bytes of proactive commands one menu selection may make the card send." default:"0"`
	Profile      []string `help:"Handset profiles to check against, replacing each spec's 'handsets' (android, feature-phone, strict)." sep:","`
	Card         string   `help:"Card profile replacing each spec's 'card' (16k, 32k, 64k)."`
	Sign         string   `name:"sign" placeholder:"KEYFILE" help:"Sign the images with the bank's RSA private key: a PEM file of mode 0600 (never a flag value)."`
	KeyID        string   `name:"key-id" help:"The signing key's name in the image (default: sha256: and the first 8 bytes of the public key's SHA-256, hex)."`
	Scheme       string   `help:"Signature scheme: pkcs1v15 (RSASSA-PKCS1-v1_5) or pss (RSASSA-PSS, salt 32), both SHA-256." enum:"pkcs1v15,pss" default:"pkcs1v15"`
	PushSPI      string   `name:"push-spi" help:"Security of the OTA push the SMS count assumes: SPI (TS 102 225 5.1.1), hex." default:"1639"`
	PushKIc      string   `name:"push-kic" help:"KIc of that push, hex (12: AES CBC, key version 1)." default:"12"`
	PushKID      string   `name:"push-kid" help:"KID of that push, hex (12: AES CMAC, key version 1)." default:"12"`
	JSON         bool     `name:"json" help:"Print a JSON summary (diagnostics, images, budgets) on stdout."`
}

// compiledImage is one image in the --json summary.
type compiledImage struct {
	Spec     string      `json:"spec"`
	Name     string      `json:"name"`
	Output   string      `json:"output,omitempty"`
	Bytes    int         `json:"bytes"`
	Hash     string      `json:"hash"`
	SignedBy string      `json:"signed_by,omitempty"`
	Budget   *gen.Report `json:"budget"`
}

func (c *CompileCmd) Run(env *Env) error {
	files, err := readSpecs(c.Specs)
	if err != nil {
		return err
	}
	var signer *imageSigner
	if c.Sign != "" {
		if signer, err = loadImageSigner(c.Sign, c.KeyID, c.Scheme); err != nil {
			return err
		}
	}
	count, err := pushSMSCounter(c.PushSPI, c.PushKIc, c.PushKID)
	if err != nil {
		return err
	}
	opt := gen.Options{Check: check.Options{Handsets: c.Profile, Card: c.Card}, PushSMS: count}
	if c.Budget {
		opt.Budget = &gen.Budget{MaxSMS: c.MaxSMS, MaxPathBytes: c.MaxPathBytes}
	}
	results, diags := gen.Compile(files, opt)
	dir := c.Output != "" && (len(files) > 1 || isDir(c.Output))
	var out []compiledImage
	var reps []*gen.Report
	for _, r := range results {
		if r.Image == nil {
			continue
		}
		img := r.Image
		if signer != nil {
			if img, err = image.Sign(img, signer.key, signer.id, signer.alg); err != nil {
				return err
			}
		}
		ci := compiledImage{Spec: r.File, Name: img.Name, Bytes: len(img.Bytes()), Hash: hex.EncodeToString(img.Hash[:]), Budget: r.Report}
		if signer != nil {
			ci.SignedBy = signer.id
		}
		if c.Output != "" && !diags.HasErrors() {
			ci.Output = c.Output
			if dir {
				ci.Output = filepath.Join(c.Output, img.Name+".img")
			}
			if err := writeFileAtomic(ci.Output, img.Bytes(), 0o644); err != nil {
				return err
			}
		}
		if c.Listing && !c.JSON {
			fmt.Fprint(env.Stdout, img.Listing(image.ListingOptions{}))
		}
		if c.Budget {
			fmt.Fprintf(env.Stderr, "%s: %d bytes, card %s holds %d\n%s", r.File, ci.Bytes, r.Report.Card, r.Report.CardMemory, r.Report.PathTable())
		}
		out = append(out, ci)
		reps = append(reps, r.Report)
	}
	if c.Budget && len(reps) > 0 {
		fmt.Fprint(env.Stderr, gen.Table(reps))
	}
	return report(env, diags, c.JSON, func(w io.Writer, diagJSON []byte) error {
		if out == nil {
			out = []compiledImage{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			Diagnostics json.RawMessage `json:"diagnostics"`
			Images      []compiledImage `json:"images"`
		}{diagJSON, out})
	})
}

// DisasmCmd prints an image's listing.
type DisasmCmd struct {
	Image  string   `arg:"" name:"IMAGE" help:"Script image file."`
	Issuer []string `name:"issuer" placeholder:"PUBKEY.pem" help:"Issuer public keys (PEM) to verify the signature with; then an image that does not verify fails."`
}

func (c *DisasmCmd) Run(env *Env) error {
	data, err := os.ReadFile(c.Image)
	if err != nil {
		return err
	}
	keys, err := loadIssuerKeys(c.Issuer)
	if err != nil {
		return err
	}
	img, err := image.Load(data)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Image, err)
	}
	fmt.Fprint(env.Stdout, img.Listing(image.ListingOptions{Keys: keys}))
	if len(keys) > 0 {
		if _, err := image.Verify(img, keys); err != nil {
			return fmt.Errorf("%s: %w", c.Image, err)
		}
	}
	return nil
}

// SignCmd adds the bank's signature to an image.
type SignCmd struct {
	Image  string `arg:"" name:"IMAGE" help:"Script image file."`
	Key    string `name:"key" required:"" placeholder:"KEYFILE" help:"The bank's RSA private key: a PEM file of mode 0600."`
	KeyID  string `name:"key-id" help:"The key's name in the image (default: sha256: and the first 8 bytes of the public key's SHA-256, hex)."`
	Scheme string `help:"Signature scheme: pkcs1v15 or pss, both SHA-256." enum:"pkcs1v15,pss" default:"pkcs1v15"`
	Output string `short:"o" name:"output" help:"Where the signed image goes (default: over IMAGE)."`
}

func (c *SignCmd) Run(env *Env) error {
	signer, err := loadImageSigner(c.Key, c.KeyID, c.Scheme)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(c.Image)
	if err != nil {
		return err
	}
	img, err := image.Load(data)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Image, err)
	}
	signed, err := image.Sign(img, signer.key, signer.id, signer.alg)
	if err != nil {
		return err
	}
	out := c.Output
	if out == "" {
		out = c.Image
	}
	if err := writeFileAtomic(out, signed.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: signed by %q (%s), %d bytes\n", out, signer.id, signer.alg, len(signed.Bytes()))
	return nil
}

// imageSigner is a bank's signing key read from a file.
type imageSigner struct {
	key *rsa.PrivateKey
	id  string
	alg image.SigAlg
}

// loadImageSigner reads an RSA private key from a PEM file (PKCS#8 or PKCS#1) that only its
// owner may read: a key file others can read is refused, as a key never comes from a flag.
func loadImageSigner(path, keyID, scheme string) (*imageSigner, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s has mode %04o; a private key must be readable by its owner only (chmod 600 %s)", path, st.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(data)
	if blk == nil {
		return nil, fmt.Errorf("key file %s: no PEM block", path)
	}
	var key *rsa.PrivateKey
	switch blk.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("key file %s: %w", path, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key file %s: not an RSA key", path)
		}
		key = rk
	case "RSA PRIVATE KEY":
		if key, err = x509.ParsePKCS1PrivateKey(blk.Bytes); err != nil {
			return nil, fmt.Errorf("key file %s: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("key file %s: PEM block %q is not an RSA private key", path, blk.Type)
	}
	if keyID == "" {
		keyID = keyFingerprint(&key.PublicKey)
	}
	alg := image.PKCS1v15SHA256
	if scheme == "pss" {
		alg = image.PSSSHA256
	}
	return &imageSigner{key: key, id: keyID, alg: alg}, nil
}

// keyFingerprint names a public key: "sha256:" and the first 8 bytes of the SHA-256 of its
// SubjectPublicKeyInfo, hex.
func keyFingerprint(pub *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "rsa"
	}
	h := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(h[:8])
}

// loadIssuerKeys reads public keys (PEM, PUBLIC KEY or RSA PUBLIC KEY), each named by its
// fingerprint.
func loadIssuerKeys(paths []string) ([]image.IssuerKey, error) {
	var out []image.IssuerKey
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		blk, _ := pem.Decode(data)
		if blk == nil {
			return nil, fmt.Errorf("issuer key %s: no PEM block", p)
		}
		var pub *rsa.PublicKey
		switch blk.Type {
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("issuer key %s: %w", p, err)
			}
			rk, ok := k.(*rsa.PublicKey)
			if !ok {
				return nil, fmt.Errorf("issuer key %s: not an RSA key", p)
			}
			pub = rk
		case "RSA PUBLIC KEY":
			if pub, err = x509.ParsePKCS1PublicKey(blk.Bytes); err != nil {
				return nil, fmt.Errorf("issuer key %s: %w", p, err)
			}
		default:
			return nil, fmt.Errorf("issuer key %s: PEM block %q is not a public key", p, blk.Type)
		}
		out = append(out, image.IssuerKey{ID: keyFingerprint(pub), Key: pub})
	}
	return out, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir() || strings.HasSuffix(p, string(filepath.Separator))
}

// writeFileAtomic writes through a temporary file and a rename, so a reader never sees half an
// image; missing directories are made.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".stkforge-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Where a push writes an image (docs/image-format.md "OTA delivery"): DF 7F4F, slot EF 6F01,
// control EF 6F03, through the UICC RFM TAR.
const (
	pushDF      = 0x7F4F
	pushSlot    = 0x6F01
	pushControl = 0x6F03
)

var pushTAR = packet.TAR{0xB0, 0x00, 0x00}

// pushSMSCounter counts the SMS that push an image under a security setting: each secured
// command packet fits one SMS (TS 31.115 4.1, user data 02 70 00 + packet), so a lost SMS costs
// one packet. Each packet's script (compact format, TS 102 226 5.1.1) selects the slot by path
// from the MF (a script starts there) and writes the next chunk with UPDATE BINARY; the last
// one commits through EF 6F03 (UPDATE BINARY offset 1, then READ BINARY of the 4 status bytes
// for the PoR), in its own packet when it does not fit the last chunk's.
func pushSMSCounter(spiHex, kicHex, kidHex string) (func([]byte) (int, error), error) {
	parse := func(name, h string, n int) ([]byte, error) {
		b, err := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
		if err != nil || len(b) != n {
			return nil, fmt.Errorf("--push-%s %q: want %d bytes of hex", name, h, n)
		}
		return b, nil
	}
	sb, err := parse("spi", spiHex, 2)
	if err != nil {
		return nil, err
	}
	spi, err := packet.DecodeSPI([2]byte(sb), 0)
	if err != nil {
		return nil, fmt.Errorf("--push-spi: %w", err)
	}
	kic, err := parse("kic", kicHex, 1)
	if err != nil {
		return nil, err
	}
	kid, err := parse("kid", kidHex, 1)
	if err != nil {
		return nil, err
	}
	hdr := &packet.Header{Security: packet.Security{SPI: spi, KIc: packet.KIc(kic[0]), KID: packet.KID(kid[0])}, TAR: pushTAR, CNTR: 1}
	// The sizes do not depend on the key bytes; keys of the longest AES length fit every algorithm.
	keys := &packet.Keyset{KIc: make([]byte, 16), KID: make([]byte, 16)}
	capacity := smspp.SegmentCapacity(false).Single
	selectSlot, err := remote.SelectPath(remote.UICC, 0x3F00, pushDF, pushSlot)
	if err != nil {
		return nil, err
	}
	readStatus, err := remote.ReadBinary(remote.UICC, 0, 4)
	if err != nil {
		return nil, err
	}
	commit := func() ([]remote.CommandAPDU, error) {
		up, err := remote.UpdateBinary(remote.UICC, 1, []byte{0x01})
		if err != nil {
			return nil, err
		}
		return []remote.CommandAPDU{remote.SelectFID(remote.UICC, pushControl), up, readStatus}, nil
	}
	sealedLen := func(cmds []remote.CommandAPDU) (int, error) {
		script, err := remote.CompactScript(cmds...)
		if err != nil {
			return 0, err
		}
		p, err := packet.Seal(nil, hdr, script, keys)
		return len(p), err
	}
	return func(img []byte) (int, error) {
		cm, err := commit()
		if err != nil {
			return 0, err
		}
		packets := 0
		for off := 0; off < len(img); {
			n := min(255, len(img)-off)
			for ; n > 0; n-- {
				up, err := remote.UpdateBinary(remote.UICC, uint16(off), img[off:off+n])
				if err != nil {
					return 0, err
				}
				cmds := append(append([]remote.CommandAPDU{}, selectSlot...), up)
				if off+n == len(img) {
					if l, err := sealedLen(append(cmds, cm...)); err == nil && l <= capacity {
						packets++
						return packets, nil
					}
				}
				l, err := sealedLen(cmds)
				if err != nil {
					return 0, err
				}
				if l <= capacity {
					break
				}
			}
			if n == 0 {
				return 0, errors.New("not even one byte of the image fits a secured SMS under this security setting")
			}
			packets++
			off += n
		}
		// The commit did not fit the last chunk's packet.
		l, err := sealedLen(cm)
		if err != nil {
			return 0, err
		}
		if l > capacity {
			return 0, errors.New("the commit does not fit a secured SMS under this security setting")
		}
		return packets + 1, nil
	}, nil
}
