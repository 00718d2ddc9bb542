package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The hand tools take a card's keys from the store as well as from a keyset file: the same
// packet comes out either way, and a KIc whose algorithm differs from the stored key's is refused.
func TestOtaSealKeysFromStore(t *testing.T) {
	dir := t.TempDir()
	db, mk := filepath.Join(dir, "store.db"), filepath.Join(dir, "master.key")
	if code, _, errOut := runCLI(t, "", "keys", "init", "--store", db, "--master-key", mk, "--tenant", "op1:operator"); code != 0 {
		t.Fatalf("keys init: %s", errOut)
	}
	if code, _, errOut := runCLI(t, "", "keys", "import", "--store", db, "--master-key", mk, "--tenant", "op1", "../../fixtures/keys/cards.csv"); code != 0 {
		t.Fatalf("keys import: %s", errOut)
	}
	// Card ...011, KVN 1: KIC1 and KID1 of fixtures/keys/cards.csv, AES (coding 12).
	ks := filepath.Join(dir, "ks.json")
	if err := os.WriteFile(ks, []byte(`{"kic": "202122232425262728292A2B2C2D2E2F", "kid": "303132333435363738393A3B3C3D3E3F"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"ota", "seal", "--spi", "1639", "--kic", "12", "--kid", "12", "--tar", "B00001", "--counter", "01", "--data", "00A40004023F00"}
	code, fromFile, errOut := runCLI(t, "", append(args, "--keyset", ks)...)
	if code != 0 {
		t.Fatalf("seal with keyset file: %s", errOut)
	}
	code, fromStore, errOut := runCLI(t, "", append(args, "--iccid", "8988211000000000011", "--store", db, "--master-key", mk)...)
	if code != 0 {
		t.Fatalf("seal with store: %s", errOut)
	}
	if fromFile != fromStore || len(strings.TrimSpace(fromFile)) < 40 {
		t.Fatalf("keyset file gives %q, store gives %q", fromFile, fromStore)
	}
	// The PoR tool and the card-side open read the same keys.
	code, out, errOut := runCLI(t, "", "ota", "open", "--packet", strings.TrimSpace(fromStore), "--iccid", "8988211000000000011", "--store", db, "--master-key", mk)
	if code != 0 || !strings.Contains(out, "00A40004023F00") {
		t.Fatalf("open with store: code %d, %s %s", code, out, errOut)
	}

	args[5] = "15" // KIc: 3DES 2-key, but the stored KVN 1 key is AES
	code, _, errOut = runCLI(t, "", append(args, "--iccid", "8988211000000000011", "--store", db, "--master-key", mk)...)
	if code != 1 || !strings.Contains(errOut, "KIc 15") || !strings.Contains(errOut, "coded 12") {
		t.Fatalf("algorithm mismatch: code %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCLI(t, "", append(args, "--iccid", "8988211000000000011")...)
	if code != 1 || !strings.Contains(errOut, "--store") {
		t.Fatalf("missing store: code %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCLI(t, "", append(args[:len(args):len(args)], "--iccid", "8988211000000000011", "--keyset", ks)...)
	if code != 2 {
		t.Fatalf("--iccid with --keyset: code %d, stderr %q", code, errOut)
	}
}
