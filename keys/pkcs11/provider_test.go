//go:build pkcs11

package pkcs11_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/pkcs11"
	"github.com/stkforge/stkforge/keys/sqlite"
	"github.com/stkforge/stkforge/keys/storetest"
)

const softhsmModule = "/usr/lib/softhsm/libsofthsm2.so"

// softHSM makes a fresh SoftHSM token in a temporary directory and returns its config.
func softHSM(t *testing.T) pkcs11.Config {
	t.Helper()
	util, err := exec.LookPath("softhsm2-util")
	if _, serr := os.Stat(softhsmModule); err != nil || serr != nil {
		if os.Getenv("STKFORGE_REQUIRE_TOOLS") == "1" {
			t.Fatalf("SoftHSM not installed (softhsm2-util, %s)", softhsmModule)
		}
		t.Skip("SoftHSM not installed (Debian package softhsm2)")
	}
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	os.Mkdir(tokens, 0o700)
	conf := filepath.Join(dir, "softhsm2.conf")
	os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)
	if out, err := exec.Command(util, "--init-token", "--free", "--label", "stkforge", "--pin", "1234", "--so-pin", "5678").CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
	return pkcs11.Config{Module: softhsmModule, TokenLabel: "stkforge", PIN: "1234", KeyLabel: "stkforge-master"}
}

func TestSealOpen(t *testing.T) {
	cfg := softHSM(t)
	if _, err := pkcs11.Open(cfg, false); err == nil {
		t.Fatal("opened a key the token does not have")
	}
	p, err := pkcs11.Open(cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	aad := keys.SecretRef{ICCID: "8988211000000000011", KVN: 1, Name: "kic"}.AAD()
	plain := []byte("0123456789abcdef")
	sealed, err := p.Seal(plain, aad)
	if err != nil {
		t.Fatal(err)
	}
	if keys.SealedKeyID(sealed) != p.ID() || len(sealed) != 1+8+12+16+16 {
		t.Fatalf("sealed = %x", sealed)
	}
	got, err := p.Open(sealed, aad)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %x, %v", got, err)
	}
	if _, err := p.Open(sealed, []byte("other")); !errors.Is(err, keys.ErrSealed) {
		t.Errorf("wrong aad: %v", err)
	}
	for i := range sealed {
		if _, err := p.Open(sealed[:i], aad); !errors.Is(err, keys.ErrSealed) {
			t.Errorf("prefix %d: %v", i, err)
		}
	}
	p.Close()
	// The key persists in the token: a new session opens the blob.
	p2, err := pkcs11.Open(cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	if got, err := p2.Open(sealed, aad); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("after reopening: %x, %v", got, err)
	}
}

// TestRotateIntoHSM moves a store sealed under a master key file into the HSM and back.
func TestRotateIntoHSM(t *testing.T) {
	cfg := softHSM(t)
	hsm, err := pkcs11.Open(cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	defer hsm.Close()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	file, err := keys.NewMasterKey(bytes.Repeat([]byte{7}, 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	var cards []keys.Card
	for n := 1; n <= 5; n++ {
		cards = append(cards, storetest.Card(t, file, n))
	}
	if err := st.InsertCards(ctx, cards, keys.AuditRecord{Action: keys.AuditImport}); err != nil {
		t.Fatal(err)
	}
	kr := &keys.Keyring{Store: st, Provider: file}
	if n, err := kr.RotateMasterKey(ctx, hsm); err != nil || n != 5*7 {
		t.Fatalf("into the HSM: %d, %v", n, err)
	}
	ks, err := kr.OpenKeyset(ctx, storetest.ICCID(3), 2)
	if err != nil || !bytes.Equal(ks.KID, storetest.ClearKey(3, 2, "kid")) {
		t.Fatalf("KID via the HSM = %x, %v", ks.KID, err)
	}
	back, _ := keys.NewMasterKey(bytes.Repeat([]byte{8}, 32), nil)
	if _, err := kr.RotateMasterKey(ctx, back); err != nil {
		t.Fatalf("out of the HSM: %v", err)
	}
	if ks, err := kr.OpenKeyset(ctx, storetest.ICCID(5), 1); err != nil || !bytes.Equal(ks.KIc, storetest.ClearKey(5, 1, "kic")) {
		t.Errorf("after rotating out: %x, %v", ks.KIc, err)
	}
}

// TestLoadProvider: --master-key pkcs11:... reaches the token through keys.LoadProvider.
func TestLoadProvider(t *testing.T) {
	cfg := softHSM(t)
	p, err := pkcs11.Open(cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	t.Setenv("STKFORGE_PKCS11_PIN", cfg.PIN)
	kp, err := keys.LoadProvider("pkcs11:module="+cfg.Module+";token=stkforge;key="+cfg.KeyLabel, false)
	if err != nil {
		t.Fatal(err)
	}
	if kp.ID() != p.ID() {
		t.Errorf("ID %s, want %s", kp.ID(), p.ID())
	}
	if _, err := keys.LoadProvider("pkcs11:token=stkforge;pin=1234", false); err == nil || !strings.Contains(err.Error(), "STKFORGE_PKCS11_PIN") {
		t.Errorf("PIN in the spec: %v", err)
	}
}
