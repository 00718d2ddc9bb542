package smspp

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// vectorDir holds the copy of the shared interoperability vectors.
var vectorDir = filepath.Join("..", "..", "fixtures", "vectors")

type otaCase struct {
	ID       string `json:"id"`
	Expected struct {
		CommandPacket string `json:"command_packet_hex"`
		SMSUD         string `json:"sms_ud_hex"`
		DeliverTPDU   string `json:"sms_deliver_tpdu_hex"`
		Envelope      string `json:"envelope_sms_pp_download_hex"`
	} `json:"expected"`
	PoR struct {
		UD string `json:"por_ud_hex"`
	} `json:"por"`
}

func loadOTA(t testing.TB) []otaCase {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(vectorDir, "ota-sample.json"))
	if err != nil {
		t.Fatalf("shared vectors: %v", err)
	}
	var f struct {
		Cases []otaCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("no cases")
	}
	return f.Cases
}

type catVector struct {
	ID       string `json:"id"`
	Category string `json:"category"`
	Hex      string `json:"hex"`
}

func loadCATTPDUs(t testing.TB) []catVector {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(vectorDir, "cat-sample.json"))
	if err != nil {
		t.Fatalf("shared vectors: %v", err)
	}
	var f struct {
		Vectors []catVector `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	var out []catVector
	for _, v := range f.Vectors {
		if v.Category == "tpdu" {
			out = append(out, v)
		}
	}
	return out
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The vectors' conventions: OA +491720000001, SC +491700000000, SCTS 52107261424300.
var (
	vectorOA    = Number("+491720000001")
	vectorSC    = Number("+491700000000")
	vectorClock = func() time.Time { return time.Date(2025, 1, 27, 16, 24, 34, 0, time.UTC) }
)

func TestVectorsByteExact(t *testing.T) {
	for _, c := range loadOTA(t) {
		t.Run(c.ID, func(t *testing.T) {
			packet := unhex(t, c.Expected.CommandPacket)
			ud, err := UserData(CommandPacket, packet)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(ud); got != c.Expected.SMSUD {
				t.Fatalf("ud\n got %s\nwant %s", got, c.Expected.SMSUD)
			}
			tp, err := NewOTADeliver(vectorOA, ud, vectorClock).MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(tp); got != c.Expected.DeliverTPDU {
				t.Fatalf("tpdu\n got %s\nwant %s", got, c.Expected.DeliverTPDU)
			}
			sc := vectorSC
			env, err := NewSMSPPDownload(&sc, tp).MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(env); got != c.Expected.Envelope {
				t.Fatalf("envelope\n got %s\nwant %s", got, c.Expected.Envelope)
			}
		})
	}
}

// TestVectorsCardSide reads each vector as the card does: ENVELOPE -> TPDU -> user data -> packet.
func TestVectorsCardSide(t *testing.T) {
	for _, c := range loadOTA(t) {
		t.Run(c.ID, func(t *testing.T) {
			e, err := ParseSMSPPDownload(unhex(t, c.Expected.Envelope))
			if err != nil {
				t.Fatal(err)
			}
			if e.SCAddress == nil || e.SCAddress.String() != "+491700000000" {
				t.Fatalf("SC address %v", e.SCAddress)
			}
			d, err := ParseDeliver(e.TPDU)
			if err != nil {
				t.Fatal(err)
			}
			if d.OA.String() != "+491720000001" || d.PID != 0x7F || d.DCS != 0xF6 || !d.UDHI || !d.SCTS.Equal(vectorClock()) {
				t.Fatalf("deliver %+v", d)
			}
			r := NewReassembler(Limits{}, vectorClock)
			p, err := r.Add(d.OA.String(), d.UD)
			if err != nil {
				t.Fatal(err)
			}
			if p == nil || p.Kind != CommandPacket || hex.EncodeToString(p.Data) != c.Expected.CommandPacket {
				t.Fatalf("packet %+v", p)
			}
		})
	}
}

func TestVectorsPoR(t *testing.T) {
	for _, c := range loadOTA(t) {
		if c.PoR.UD == "" {
			continue
		}
		t.Run(c.ID, func(t *testing.T) {
			ud := unhex(t, c.PoR.UD)
			p, err := NewReassembler(Limits{}, vectorClock).Add("card", ud)
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != ResponsePacket {
				t.Fatalf("kind %v", p.Kind)
			}
			// The card sends it back by SMS-SUBMIT ...
			// DA as in a logged real card PoR: 41 00 03 81 19 F0 00 F6 ...
			s, err := NewPoRSubmit(0, Address{TON: TONUnknown, NPI: NPIISDN, Digits: "910"}, p.Data)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(s.UD, ud) {
				t.Fatalf("submit ud % X", s.UD)
			}
			b, err := s.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if want := []byte{0x41, 0x00, 0x03, 0x81, 0x19, 0xF0, 0x00, 0xF6, byte(len(ud))}; !bytes.Equal(b[:9], want) {
				t.Fatalf("submit % X, want % X", b[:9], want)
			}
			back, err := ParseSubmit(b)
			if err != nil || !bytes.Equal(back.UD, ud) {
				t.Fatalf("%v %+v", err, back)
			}
			// ... or the handset carries it in the RP-ACK's SMS-DELIVER-REPORT.
			dr, err := NewPoRDeliverReport(p.Data)
			if err != nil {
				t.Fatal(err)
			}
			b, err = dr.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			want := append([]byte{0x40, 0x07, 0x7F, 0xF6, byte(len(ud))}, ud...)
			if !bytes.Equal(b, want) {
				t.Fatalf("report\n got % X\nwant % X", b, want)
			}
			back2, err := ParseDeliverReport(b, false)
			if err != nil || !bytes.Equal(back2.UD, ud) {
				t.Fatalf("%v %+v", err, back2)
			}
		})
	}
}

// The cat-sample TPDUs from pySim carry TP-UDL 03 for 37 and 45 octets of user data: a strict
// parser must refuse them, naming the user data.
func TestVectorsUDLQuirk(t *testing.T) {
	vs := loadCATTPDUs(t)
	if len(vs) == 0 {
		t.Fatal("no tpdu vectors")
	}
	for _, v := range vs {
		t.Run(v.ID, func(t *testing.T) {
			_, err := ParseDeliver(unhex(t, v.Hex))
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrTrailing) || !strings.Contains(e.Field, "ud") {
				t.Fatalf("want a trailing-bytes error on the user data, got %v", err)
			}
			// With TP-UDL corrected, the same bytes parse and carry a command packet.
			b := unhex(t, v.Hex)
			udlAt := 1 + 2 + (int(b[1])+1)/2 + 2 + 7
			b[udlAt] = byte(len(b) - udlAt - 1)
			d, err := ParseDeliver(b)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := NewReassembler(Limits{}, vectorClock).Add("x", d.UD); err != nil {
				t.Fatal(err)
			}
		})
	}
}
