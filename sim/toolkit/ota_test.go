package toolkit_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/remote"
	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/sim/toolkit"
	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/image/imagetest"
)

var (
	otaOrigin = smspp.Number("+491720000001")
	otaSC     = smspp.Number("+491700000000")
	otaNow    = func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }
	// keyset 1 of fixtures/cards/default.json: AES-CBC / AES-CMAC
	kvn1 = packet.Keyset{KIc: []byte{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F},
		KID: []byte{0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F}}
)

// otaPush sends an image by OTA the way an OTA server does: the RFM script of ota/remote
// (docs/image-format.md "OTA delivery") in a packet with CC, ciphering and counter to the RFM
// TAR B00000, as concatenated SMS-PP DOWNLOAD envelopes; it returns the commit read from the PoR.
func (tm *term) otaPush(file []byte, slot byte, cntr packet.Counter) commit {
	t := tm.t
	t.Helper()
	script, err := remote.ImageScript(file, slot)
	if err != nil {
		t.Fatal(err)
	}
	var h packet.Header
	if h.SPI, err = packet.DecodeSPI([2]byte{0x16, 0x19}, 0); err != nil {
		t.Fatal(err)
	}
	h.KIc, h.KID, h.TAR, h.CNTR = 0x12, 0x12, packet.TAR{0xB0, 0x00, 0x00}, cntr
	pk, err := packet.Seal(nil, &h, script, &kvn1)
	if err != nil {
		t.Fatal(err)
	}
	uds, err := smspp.Segment(smspp.CommandPacket, pk, smspp.Reference{Value: uint16(cntr)})
	if err != nil {
		t.Fatal(err)
	}
	var r []byte
	for i, ud := range uds {
		tpdu, err := smspp.NewOTADeliver(otaOrigin, ud, otaNow).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		sc := otaSC
		env, err := smspp.NewSMSPPDownload(&sc, tpdu).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		r = tm.apdu(append([]byte{0x80, 0xC2, 0x00, 0x00, byte(len(env))}, env...))
		if i < len(uds)-1 && sw(r) != 0x9000 {
			t.Fatalf("segment %d of %d: %X", i+1, len(uds), r)
		}
	}
	if r[0] != 0x61 {
		t.Fatalf("last envelope: %X, want 61xx", r)
	}
	ud := tm.apdu([]byte{0x00, 0xC0, 0x00, 0x00, r[1]})
	ud = ud[:len(ud)-2]
	if !bytes.HasPrefix(ud, []byte{0x02, 0x71, 0x00}) {
		t.Fatalf("PoR user data %X", ud)
	}
	por, err := packet.OpenPoR(nil, ud[:3], ud[3:], h.Security, &kvn1)
	if err != nil {
		t.Fatal(err)
	}
	if por.Status != packet.StatusPoROK {
		t.Fatalf("PoR status %v", por.Status)
	}
	// TS 102 226 5.1.2: commands executed, last status word, last response data (EF 6F03).
	cr, err := remote.ParseCompactResponse(por.Data)
	if err != nil || cr.SW != 0x9000 || len(cr.Data) != 4 {
		t.Fatalf("PoR data % X: %v", por.Data, err)
	}
	return commit{Active: cr.Data[0], Status: cr.Data[2], Version: cr.Data[3]}
}

// commit is EF 6F03 as the PoR returns it.
type commit struct{ Active, Status, Version byte }

// TestOTA: an image pushed by OTA, secured with the card's keyset, is activated only when the
// bank signed it; signed by another bank, or unsigned, the PoR says so and the menu stays.
func TestOTA(t *testing.T) {
	fixtures(t)
	hello := imagetest.Hello("Hello Bank")
	good, err := image.Sign(hello, bankKey, "bank-2026", image.PKCS1v15SHA256)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := image.Sign(hello, otherKey, "bank-2026", image.PKCS1v15SHA256)
	tm := newTerm(t, setup{img: signed})
	tm.run(func([]byte) (byte, []string) { return 0, nil })

	for i, c := range []struct {
		file   []byte
		status byte
	}{{other.Bytes(), toolkit.StatusBadSignature}, {hello.Bytes(), toolkit.StatusUnsigned}} {
		got := tm.otaPush(c.file, 2, packet.Counter(i+1))
		if got.Active != 1 || got.Status != c.status || got.Version != image.Version {
			t.Fatalf("push %d: commit %+v, want active 1 status %02X", i, got, c.status)
		}
		if tm.pending != 0 || tm.rt.Image().Name != "demo-bank" {
			t.Fatalf("push %d: refused image changed the menu", i)
		}
	}
	got := tm.otaPush(good.Bytes(), 2, 3)
	if got.Active != 2 || got.Status != toolkit.StatusActivated {
		t.Fatalf("commit %+v (%s)", got, toolkit.StatusName(got.Status))
	}
	cmd := tm.fetch()
	var m cat.SetUpMenu
	if err := m.Unmarshal(cmd); err != nil || m.Alpha.Text != "Hello Bank" {
		t.Fatalf("after the update: %X %v", cmd, err)
	}
}
