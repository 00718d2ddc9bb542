package network

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"
	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// otaSubmit is a submit_sm as the OTA server sends it: UDHI, PID 7F, DCS F6, a receipt.
func otaSubmit() *SM {
	return &SM{SourceNPI: 1, Source: "12345", DestTON: 1, DestNPI: 1, Dest: "491720000001", ESMClass: 0x40,
		ProtocolID: 0x7F, RegisteredDelivery: 1, DataCoding: 0xF6,
		ShortMessage: unhex("027000002D15061212B000100000000001C3A1F0D86D0B4AE1F59F6A2EBDE5D1BDC4A0E2F1B07CE2D2B0A5A8A39C5F")}
}

func randomSM(r *rand.Rand) *SM {
	str := func(n int) string {
		b := make([]byte, r.IntN(n))
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		return string(b)
	}
	sm := &SM{ServiceType: str(6), SourceTON: byte(r.IntN(7)), SourceNPI: byte(r.IntN(19)), Source: str(21),
		DestTON: byte(r.IntN(7)), DestNPI: byte(r.IntN(19)), Dest: str(21), ESMClass: byte(r.Uint32()),
		ProtocolID: byte(r.Uint32()), PriorityFlag: byte(r.IntN(4)), RegisteredDelivery: byte(r.IntN(32)),
		DataCoding: byte(r.Uint32()), ShortMessage: make([]byte, r.IntN(255))}
	for i := range sm.ShortMessage {
		sm.ShortMessage[i] = byte(r.Uint32())
	}
	if r.IntN(2) == 0 {
		sm.TLVs = []TLV{{Tag: TagReceiptedMessageID, Value: []byte("42\x00")}, {Tag: TagMessageState, Value: []byte{2}}}
	}
	return sm
}

func TestSMRoundTripAndPrefixes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for i := range 300 {
		sm := randomSM(r)
		p, err := MarshalSM(SubmitSM, uint32(i+1), sm)
		if err != nil {
			t.Fatal(err)
		}
		h, got, err := ParseSM(p)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if h.Seq != uint32(i+1) || h.Length != uint32(len(p)) {
			t.Fatalf("header %+v", h)
		}
		if len(got.ShortMessage) == 0 {
			got.ShortMessage = sm.ShortMessage
		}
		if !reflect.DeepEqual(got, sm) {
			t.Fatalf("%d: round trip\n got %+v\nwant %+v", i, got, sm)
		}
		again, _ := MarshalSM(SubmitSM, uint32(i+1), got)
		if !bytes.Equal(again, p) {
			t.Fatalf("%d: re-encoding differs", i)
		}
		// every strict prefix fails, as received (command_length too large) and as a PDU whose
		// command_length was fixed up to the prefix (the body is cut short)
		for n := range len(p) {
			q := bytes.Clone(p[:n])
			if _, _, err := ParseSM(q); err == nil {
				t.Fatalf("%d: prefix of %d octets parsed", i, n)
			}
			if n >= HeaderLen {
				q[0], q[1], q[2], q[3] = 0, 0, byte(n>>8), byte(n)
				if _, s2, err := ParseSM(q); err == nil && len(sm.TLVs) == 0 {
					t.Fatalf("%d: cut body of %d octets parsed: %+v", i, n, s2)
				}
			}
		}
	}
}

func TestBindRoundTrip(t *testing.T) {
	b := &Bind{SystemID: "ota", Password: "secret1", SystemType: "OTA", InterfaceVersion: 0x34, AddrTON: 1, AddrNPI: 1, AddressRange: "^1234"}
	p := MarshalBind(BindTransceiver, 7, b)
	h, got, err := ParseBind(p)
	if err != nil || h.ID != BindTransceiver || !reflect.DeepEqual(got, b) {
		t.Fatalf("%+v %+v %v", h, got, err)
	}
	for n := range len(p) {
		if _, _, err := ParseBind(p[:n]); err == nil {
			t.Fatalf("prefix %d parsed", n)
		}
	}
	long := MarshalBind(BindTransceiver, 7, &Bind{SystemID: "ota", Password: "0123456789"})
	var de *DecodeError
	if _, _, err := ParseBind(long); !errors.As(err, &de) || de.Field != "password" || de.Offset != 20 {
		t.Errorf("10-octet password: %v", err)
	}
}

func TestDecodeErrorsNameFieldAndOffset(t *testing.T) {
	p, _ := MarshalSM(SubmitSM, 1, otaSubmit())
	// sm_length says one octet more than there is
	smLen := bytes.Index(p, unhex("027000")) - 1
	q := bytes.Clone(p)
	q[smLen]++
	var de *DecodeError
	if _, _, err := ParseSM(q); !errors.As(err, &de) || de.Field != "short_message" || de.Offset != smLen+1 {
		t.Errorf("sm_length too long: %v", err)
	}
	if _, err := ParseHeader(unhex("0000000F000000040000000000000001")); !errors.As(err, &de) || de.Field != "command_length" || de.Status != RInvCmdLen {
		t.Errorf("command_length 15: %v", err)
	}
	dup := append(bytes.Clone(p), unhex("001E000131001E000132")...)
	dup[3] = byte(len(dup))
	if _, _, err := ParseSM(dup); !errors.As(err, &de) || de.Field != "tlv[001E]" {
		t.Errorf("repeated TLV: %v", err)
	}
}

func golden(t *testing.T) *goldie.Goldie {
	return goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/sim/network"), goldie.WithNameSuffix(".golden"))
}

var testTime = time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)

func TestGoldenPDUs(t *testing.T) {
	g := golden(t)
	sub, _ := MarshalSM(SubmitSM, 2, otaSubmit())
	rcpt, _ := MarshalSM(DeliverSM, 3, receiptSM(otaSubmit(), "17", testTime, testTime.Add(time.Minute), Delivered, 0))
	fail, _ := MarshalSM(DeliverSM, 4, receiptSM(otaSubmit(), "18", testTime, testTime.Add(time.Minute), Undeliverable, netErrAbsentSubscriber))
	for name, p := range map[string][]byte{
		"submit-sm-ota":           sub,
		"submit-sm-resp":          MarshalSMResp(SubmitSMResp, ROK, 2, "17"),
		"submit-sm-resp-throttle": MarshalSMResp(SubmitSMResp, RThrottled, 2, ""),
		"deliver-sm-receipt":      rcpt,
		"deliver-sm-receipt-fail": fail,
		"bind-transceiver":        MarshalBind(BindTransceiver, 1, &Bind{SystemID: "ota", Password: "secret1", InterfaceVersion: 0x34}),
		"bind-transceiver-resp":   MarshalBindResp(BindTransceiver, ROK, 1, "stkforge"),
		"generic-nack":            MarshalHeaderOnly(GenericNack, RInvCmdID, 9),
	} {
		d, err := Describe(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		g.Assert(t, name, []byte(d))
	}
}

func TestGoldenDeliverTPDU(t *testing.T) {
	tp, err := DeliverTPDU(otaSubmit(), testTime)
	if err != nil {
		t.Fatal(err)
	}
	// first octet 44 (DELIVER, MMS, UDHI), OA 05 81 21 43 F5 (unknown TON, ISDN, "12345"),
	// PID 7F, DCS F6, SCTS 2026-03-01 12:30:00 +0, UDL, UD
	ud := otaSubmit().ShortMessage
	want := "4405812143F57FF6" + "62301021030000" + hex.EncodeToString([]byte{byte(len(ud))}) + hex.EncodeToString(ud)
	if got := hex.EncodeToString(tp); got != lower(want) {
		t.Errorf("SMS-DELIVER\n got %s\nwant %s", got, lower(want))
	}
	text := &SM{Source: "BANK", SourceTON: 5, DataCoding: 0, ShortMessage: []byte("Paid 100.00")}
	tp, err = DeliverTPDU(text, testTime)
	if err != nil {
		t.Fatal(err)
	}
	// first octet 04, OA 07 D0 "BANK" packed (alphanumeric), PID 00, DCS 00, SCTS, UDL 11
	// septets, "Paid 100.00" packed
	if got, want := hex.EncodeToString(tp), lower("0407D0C2A07309000062301021030000"+"0BD0709A0C8AC1602E180C"); got != want {
		t.Errorf("text SMS-DELIVER\n got %s\nwant %s", got, want)
	}
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }

// FuzzParse feeds every decoder arbitrary octets: they fail cleanly or give something that
// encodes back to the same octets.
func FuzzParse(f *testing.F) {
	fuzzseed.Add(f)
	sub, _ := MarshalSM(SubmitSM, 2, otaSubmit())
	rcpt, _ := MarshalSM(DeliverSM, 3, receiptSM(otaSubmit(), "17", testTime, testTime, Delivered, 0))
	f.Add(sub)
	f.Add(rcpt)
	f.Add(MarshalBind(BindTransceiver, 1, &Bind{SystemID: "ota", Password: "secret1", InterfaceVersion: 0x34}))
	f.Add(MarshalBindResp(BindTransceiver, ROK, 1, "stkforge"))
	f.Add(MarshalSMResp(SubmitSMResp, ROK, 2, "17"))
	f.Fuzz(func(t *testing.T, p []byte) {
		_, _ = Describe(p)
		if _, sm, err := ParseSM(p); err == nil {
			if _, ok := Find(sm.TLVs, TagMessagePayload); !ok {
				h, _ := ParseHeader(p)
				again, err := MarshalSM(h.ID, h.Seq, sm)
				if err == nil && !bytes.Equal(again[HeaderLen:], p[HeaderLen:]) {
					t.Fatalf("re-encoding differs:\n% X\n% X", p, again)
				}
			}
		}
		if h, b, err := ParseBind(p); err == nil {
			again := MarshalBind(h.ID, h.Seq, b)
			if !bytes.Equal(again[HeaderLen:], p[HeaderLen:]) {
				t.Fatalf("bind re-encoding differs")
			}
		}
		_, _, _ = ParseSMResp(p)
		_, _ = DeliverTPDU(&SM{ESMClass: 0x40, DataCoding: 0xF6, ShortMessage: p}, testTime)
		_, _ = moSM("+1", p)
	})
}
