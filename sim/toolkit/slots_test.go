package toolkit_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/stkforge/stkforge/sim/toolkit"
	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/image/imagetest"
)

// push writes an image file into a slot and commits it with the commands an RFM script uses
// (docs/image-format.md "OTA delivery"), here sent by the terminal with ADM rights. It
// returns EF 6F03 as read back at the end.
func (tm *term) push(file []byte, slot, commit byte) []byte {
	tm.t.Helper()
	ok := func(r []byte, what string) {
		if s := sw(r); s != 0x9000 && s>>8 != 0x91 {
			tm.t.Fatalf("%s: %04X", what, s)
		}
	}
	ok(tm.apdu([]byte{0x00, 0x20, 0x00, 0x0A, 0x08, '8', '8', '8', '8', '8', '8', '8', '8'}), "VERIFY ADM1")
	ok(tm.apdu([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00}), "SELECT MF")
	ok(tm.apdu([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x7F, 0x4F}), "SELECT 7F4F")
	ok(tm.apdu([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x6F, slot}), "SELECT slot")
	for off := 0; off < len(file); off += 200 {
		chunk := file[off:min(off+200, len(file))]
		ok(tm.apdu(append([]byte{0x00, 0xD6, byte(off >> 8), byte(off), byte(len(chunk))}, chunk...)), "UPDATE BINARY")
	}
	ok(tm.apdu([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x6F, 0x03}), "SELECT 6F03")
	ok(tm.apdu([]byte{0x00, 0xD6, 0x00, 0x01, 0x01, commit}), "UPDATE BINARY 6F03")
	r := tm.apdu([]byte{0x00, 0xB0, 0x00, 0x00, 0x04})
	ok(r, "READ BINARY 6F03")
	return r[:len(r)-2]
}

// rehashed alters a text of a signed image and fixes the hash, keeping the signature: what an
// operator forging a bank's menu would try.
func rehashed(t *testing.T, img *image.Image) []byte {
	file := img.Bytes()
	body := img.Body()
	i := bytes.Index(file, body)
	j := bytes.Index(body, []byte("Hello, world")[:0])
	_ = j
	nb := bytes.Replace(body, []byte{0x4D, 0x6F, 0x62}, []byte{0x4D, 0x6F, 0x63}, 1) // "Mob" -> "Moc"
	if bytes.Equal(nb, body) {
		t.Fatal("nothing to alter")
	}
	out := bytes.Clone(file)
	copy(out[i:], nb)
	h := sha256.Sum256(nb)
	k := bytes.Index(out, img.Hash[:])
	copy(out[k:], h[:])
	if _, err := image.Load(out); err != nil {
		t.Fatalf("the forged image should load (only its signature is wrong): %v", err)
	}
	return out
}

func TestSlotSwitch(t *testing.T) {
	fixtures(t)
	hello := imagetest.Hello("Hello Bank")
	helloSigned, err := image.Sign(hello, bankKey, "bank-2026", image.PSSSHA256)
	if err != nil {
		t.Fatal(err)
	}
	byOther, _ := image.Sign(hello, otherKey, "bank-2026", image.PKCS1v15SHA256)
	flipped := helloSigned.Bytes()
	flipped[20] ^= 0x40
	forged, _ := image.Sign(unsigned, bankKey, "bank-2026", image.PKCS1v15SHA256)
	for _, c := range []struct {
		name    string
		file    []byte
		slot    byte
		commit  byte
		status  byte
		switchd bool
	}{
		{"signed", helloSigned.Bytes(), 0x02, 0x02, toolkit.StatusActivated, true},
		{"unsigned", hello.Bytes(), 0x02, 0x02, toolkit.StatusUnsigned, false},
		{"other bank", byOther.Bytes(), 0x02, 0x02, toolkit.StatusBadSignature, false},
		{"altered", flipped, 0x02, 0x02, toolkit.StatusHash, false},
		{"forged", rehashed(t, forged), 0x02, 0x02, toolkit.StatusBadSignature, false},
		{"truncated", helloSigned.Bytes()[:100], 0x02, 0x02, toolkit.StatusIncomplete, false},
		{"truncated in the signature", helloSigned.Bytes()[:300], 0x02, 0x02, toolkit.StatusBadSignature, false},
		{"active slot", helloSigned.Bytes(), 0x01, 0x01, toolkit.StatusBadRequest, false},
		{"bad request", helloSigned.Bytes(), 0x02, 0x07, toolkit.StatusBadRequest, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tm := newTerm(t, setup{img: signed})
			tm.run(func([]byte) (byte, []string) { return 0, nil })
			before := tm.c.Snapshot()
			ctl := tm.push(c.file, c.slot, c.commit)
			wantActive := byte(0x01)
			if c.switchd {
				wantActive = 0x02
			}
			if ctl[0] != wantActive || ctl[1] != 0 || ctl[2] != c.status {
				t.Fatalf("EF 6F03 % X, want active %02X status %02X (%s)\n%v", ctl, wantActive, c.status, toolkit.StatusName(c.status), tm.logs)
			}
			name := tm.rt.Image().Name
			if c.switchd != (name == "hello") {
				t.Fatalf("active image %q", name)
			}
			if !c.switchd {
				if tm.pending != 0 {
					t.Fatal("a refused image made the card send a command")
				}
				_ = before
				return
			}
			cmd := tm.fetch()
			var m cat.SetUpMenu
			if err := m.Unmarshal(cmd); err != nil {
				t.Fatal(err)
			}
			if m.Alpha.Text != "Hello Bank" {
				t.Fatalf("new SET UP MENU %X", cmd)
			}
		})
	}
}

var _ = fmt.Sprint
