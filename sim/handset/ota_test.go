package handset

import (
	"bytes"
	"context"
	"testing"

	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/remote"
	"github.com/stkforge/stkforge/ota/smspp"
)

// kvn1 are the default card profile's test keys (fixtures/cards/default.json, KVN 1: AES).
var kvn1 = packet.Keyset{KIc: []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	KID: []byte{0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F}}

var porUDH = []byte{0x02, 0x71, 0x00}

// otaDelivers seals an RFM script that writes EF SPN (CC, ciphering, counter higher, KVN 1
// AES) and returns the SMS-DELIVERs that carry it.
func otaDelivers(t *testing.T, h *Handset, spi2 byte, cntr packet.Counter) ([][]byte, packet.Header) {
	sel, _ := remote.SelectPath(remote.UICC, 0x7F20, 0x6F46)
	sel[len(sel)-1].P2 = 0x0C
	upd, err := remote.UpdateBinary(remote.UICC, 0, append([]byte{0x01}, "OTA!"...))
	if err != nil {
		t.Fatal(err)
	}
	script, err := remote.CompactScript(append(sel, upd)...)
	if err != nil {
		t.Fatal(err)
	}
	var hd packet.Header
	if hd.SPI, err = packet.DecodeSPI([2]byte{0x16, spi2}, 0); err != nil {
		t.Fatal(err)
	}
	hd.KIc, hd.KID = 0x12, 0x12
	copy(hd.TAR[:], []byte{0xB0, 0x00, 0x00})
	hd.CNTR = cntr
	pk, err := packet.Seal(nil, &hd, script, &kvn1)
	if err != nil {
		t.Fatal(err)
	}
	uds, err := smspp.Segment(smspp.CommandPacket, pk, smspp.Reference{Value: 7})
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, ud := range uds {
		b, err := smspp.NewOTADeliver(smspp.Number("1234"), ud, h.Now).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out, hd
}

// TestOTAThroughHandset: an OTA update reaches the card through the handset as ENVELOPE
// (SMS-PP DOWNLOAD); the PoR comes back in the SMS-DELIVER-REPORT (SPI2 b6 = 0) or as an
// SMS-SUBMIT the handset sends for the card (b6 = 1), checksummed with the card's keys, and
// EF SPN holds the new name. A replayed packet gets counter status 02 and changes nothing.
func TestOTAThroughHandset(t *testing.T) {
	kit := payKit(t)
	h, c := newSession(t, kit, "android")
	must(t, h.PowerOn())
	tpdus, hd := otaDelivers(t, h, 0x19, 1)
	var report []byte
	for _, b := range tpdus {
		r, err := h.DeliverSMS(context.Background(), b)
		must(t, err)
		report = r
	}
	dr, err := smspp.ParseDeliverReport(report, false)
	if err != nil || !bytes.HasPrefix(dr.UD, porUDH) || dr.PID != 0x7F {
		t.Fatalf("report % X: %v", report, err)
	}
	por, err := packet.OpenPoR(nil, porUDH, dr.UD[3:], hd.Security, &kvn1)
	if err != nil || por.Status != packet.StatusPoROK {
		t.Fatalf("PoR %+v, %v", por, err)
	}
	if spn, _ := c.ReadFile("3F00/7F20/6F46"); !bytes.HasPrefix(spn, []byte("\x01OTA!")) {
		t.Errorf("EF SPN % X", spn)
	}
	golden(t).Assert(t, "ota-por-in-report", []byte(Transcript(h.Events())))

	// the same packet again: replayed counter
	h.ClearEvents()
	r, err := h.DeliverSMS(context.Background(), tpdus[0])
	must(t, err)
	dr, err = smspp.ParseDeliverReport(r, false)
	if err != nil {
		t.Fatal(err)
	}
	sec := hd.Security
	sec.SPI.PoRChecksum, sec.SPI.PoRCiphering = packet.ChecksumNone, false
	if por, err := packet.OpenPoR(nil, porUDH, dr.UD[3:], sec, &kvn1); err != nil || por.Status != packet.StatusCounterLow {
		t.Fatalf("replay PoR %+v, %v", por, err)
	}

	// PoR by SMS-SUBMIT: the card asks the handset to send it to the originator
	h.ClearEvents()
	tpdus, hd = otaDelivers(t, h, 0x39, 2)
	r, err = h.DeliverSMS(context.Background(), tpdus[0])
	if err != nil || r != nil {
		t.Fatalf("report % X, %v", r, err)
	}
	out := h.Outbox()
	if len(out) != 1 || out[0].Address != "1234" || !bytes.Equal(out[0].UDH, []byte{0x02, 0x71, 0x00}) {
		t.Fatalf("outbox %+v", out)
	}
	if por, err := packet.OpenPoR(nil, porUDH, out[0].UD, hd.Security, &kvn1); err != nil || por.Status != packet.StatusPoROK {
		t.Fatalf("PoR by SMS %+v, %v", por, err)
	}
}
