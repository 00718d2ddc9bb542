package packet

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// sample is one case of fixtures/vectors/ota-sample.json, a copy of the shared interoperability
// vectors (pySim, re-verified with openssl).
type sample struct {
	ID    string `json:"id"`
	Input struct {
		KIcHex     string `json:"kic_hex"`
		KIDHex     string `json:"kid_hex"`
		KIcByte    string `json:"kic_byte_hex"`
		KIDByte    string `json:"kid_byte_hex"`
		SPIHex     string `json:"spi_hex"`
		TARHex     string `json:"tar_hex"`
		Counter    uint64 `json:"counter"`
		PayloadHex string `json:"payload_hex"`
		SPI        struct {
			PoRRCCCDS string `json:"por_rc_cc_ds"`
		} `json:"spi"`
	} `json:"input"`
	Expected struct {
		CommandPacket string `json:"command_packet_hex"`
		SMSUD         string `json:"sms_ud_hex"`
		RCCC          string `json:"rc_cc_hex"`
		SecuredPlain  string `json:"secured_plain_hex"`
	} `json:"expected"`
	PoR *struct {
		Status     int    `json:"status"`
		StatusName string `json:"status_name"`
		Data       string `json:"additional_data_hex"`
		UD         string `json:"por_ud_hex"`
		TamperedUD string `json:"tampered_por_ud_hex"`
	} `json:"por"`
}

func loadSamples(t testing.TB) []sample {
	t.Helper()
	b, err := os.ReadFile("../../fixtures/vectors/ota-sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Cases []sample }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("no cases")
	}
	return f.Cases
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return b
}

func (c *sample) header(t testing.TB) (Header, *Keyset) {
	t.Helper()
	spiB := unhex(t, c.Input.SPIHex)
	spi, err := DecodeSPI([2]byte{spiB[0], spiB[1]}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var h Header
	h.SPI = spi
	h.KIc = KIc(unhex(t, c.Input.KIcByte)[0])
	h.KID = KID(unhex(t, c.Input.KIDByte)[0])
	copy(h.TAR[:], unhex(t, c.Input.TARHex))
	h.CNTR = Counter(c.Input.Counter)
	return h, &Keyset{KIc: unhex(t, c.Input.KIcHex), KID: unhex(t, c.Input.KIDHex)}
}

var udhPoR = []byte{0x02, 0x71, 0x00}

func TestSamplesSeal(t *testing.T) {
	for _, c := range loadSamples(t) {
		t.Run(c.ID, func(t *testing.T) {
			h, keys := c.header(t)
			data := unhex(t, c.Input.PayloadHex)
			got, err := Seal(nil, &h, data, keys)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != c.Expected.CommandPacket {
				t.Fatalf("Seal:\n got %x\nwant %s", got, c.Expected.CommandPacket)
			}
			ud, err := Seal([]byte{0x02, 0x70, 0x00}, &h, data, keys)
			if err != nil || hex.EncodeToString(ud) != c.Expected.SMSUD {
				t.Fatalf("Seal after UDH: %x, %v", ud, err)
			}
			cmd, err := Open(nil, got, keys)
			if err != nil {
				t.Fatal(err)
			}
			if cmd.Header != h || hex.EncodeToString(cmd.Data) != c.Input.PayloadHex {
				t.Fatalf("Open: %+v %x", cmd.Header, cmd.Data)
			}
			// The secured part as the vectors list it in clear.
			s, err := newSuite("command", h.SPI.Ciphering, h.SPI.Checksum, h.KIc, h.KID, keys)
			if err != nil {
				t.Fatal(err)
			}
			plain := append([]byte(nil), got[offCNTR:]...)
			if s.enc != nil {
				s.decrypt(plain)
			}
			if hex.EncodeToString(plain) != c.Expected.SecuredPlain {
				t.Errorf("secured part in clear %x, want %s", plain, c.Expected.SecuredPlain)
			}
			if rc := plain[6 : 6+s.sumLen]; hex.EncodeToString(rc) != c.Expected.RCCC {
				t.Errorf("RC/CC %x, want %s", rc, c.Expected.RCCC)
			}
		})
	}
}

func TestSamplesPoR(t *testing.T) {
	for _, c := range loadSamples(t) {
		if c.PoR == nil {
			continue
		}
		t.Run(c.ID, func(t *testing.T) {
			h, keys := c.header(t)
			ud := unhex(t, c.PoR.UD)
			r, err := OpenPoR(nil, ud[:3], ud[3:], h.Security, keys)
			if err != nil {
				t.Fatal(err)
			}
			if int(r.Status) != c.PoR.Status || r.Status.String() != c.PoR.StatusName {
				t.Errorf("status %02X %s, want %02X %s", byte(r.Status), r.Status, c.PoR.Status, c.PoR.StatusName)
			}
			if hex.EncodeToString(r.Data) != c.PoR.Data || r.TAR != h.TAR || r.CNTR != h.CNTR {
				t.Errorf("PoR %+v data %x", r, r.Data)
			}
			// The card side rebuilds the same bytes.
			again, err := SealPoR(append([]byte(nil), udhPoR...), udhPoR, &h, r.Status, r.Data, keys)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(again) != c.PoR.UD {
				t.Errorf("SealPoR:\n got %x\nwant %s", again, c.PoR.UD)
			}
			if c.PoR.TamperedUD != "" && c.Input.SPI.PoRRCCCDS == "cc" {
				bad := unhex(t, c.PoR.TamperedUD)
				_, err := OpenPoR(nil, bad[:3], bad[3:], h.Security, keys)
				if !errors.Is(err, ErrChecksum) {
					t.Fatalf("tampered PoR: %v, want ErrChecksum", err)
				}
			}
		})
	}
}
