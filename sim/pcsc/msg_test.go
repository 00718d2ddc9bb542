package pcsc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/sebdah/goldie/v2"
	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

var le = binary.LittleEndian

// TestStructSizes: the sizes are those of the C structs on LP64 (winscard_msg.h,
// eventhandler.h); pcscd closes the connection on a request of any other size.
func TestStructSizes(t *testing.T) {
	for _, tc := range []struct {
		m    message
		size int
	}{
		{&versionMsg{}, 12}, {&establishMsg{}, 12}, {&releaseMsg{}, 8}, {&connectMsg{}, 152},
		{&disconnectMsg{}, 12}, {&transmitMsg{}, 32}, {&readerStatesMsg{}, 16 * 184},
	} {
		if n := sizeOf(tc.m); n != tc.size {
			t.Errorf("%s: %d bytes, want %d", tc.m.msgName(), n, tc.size)
		}
	}
	if readerStateSize != 184 {
		t.Errorf("READER_STATE %d bytes", readerStateSize)
	}
}

// TestRequestBytes checks requests against bytes written out by hand from the C structs.
func TestRequestBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []byte
		want string
	}{
		{"CMD_VERSION 4.4", request(le, CmdVersion, &versionMsg{Major: 4, Minor: 4}, nil),
			"0C000000 11000000 04000000 04000000 00000000"},
		{"SCARD_ESTABLISH_CONTEXT system", request(le, CmdEstablishContext, &establishMsg{Scope: ScopeSystem}, nil),
			"0C000000 01000000 02000000 00000000 00000000"},
		{"CMD_GET_READERS_STATE", request(le, CmdGetReadersState, nil, nil), "00000000 12000000"},
		{"SCARD_TRANSMIT T=0 SELECT MF", request(le, CmdTransmit, &transmitMsg{Card: 0x12345678, SendPciProtocol: ProtocolT0,
			SendPciLength: 16, SendLength: 7, RecvPciProtocol: ProtocolAny, RecvPciLength: 16, RecvLength: MaxBufferSizeExtended},
			[]byte{0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00}),
			"20000000 09000000 78563412 01000000 10000000 07000000 03000000 10000000 0C000100 00000000 00A40004023F00"},
		{"SCARD_DISCONNECT leave", request(le, CmdDisconnect, &disconnectMsg{Card: 7}, nil),
			"0C000000 06000000 07000000 00000000 00000000"},
		{"SCARD_RELEASE_CONTEXT", request(le, CmdReleaseContext, &releaseMsg{Context: 0xA1B2C3D4}, nil),
			"08000000 02000000 D4C3B2A1 00000000"},
	} {
		if want := unhex(t, tc.want); !bytes.Equal(tc.got, want) {
			t.Errorf("%s:\n got %X\nwant %X", tc.name, tc.got, want)
		}
	}
	m := connectMsg{Context: 1, ShareMode: ShareShared, PreferredProtocols: ProtocolAny}
	copy(m.Reader[:], "Virtual PCD 00 00")
	b := request(le, CmdConnect, &m, nil)
	if len(b) != 8+152 || !bytes.Equal(b[:12], unhex(t, "98000000 04000000 01000000")) ||
		string(b[12:29]) != "Virtual PCD 00 00" || !bytes.Equal(b[140:], unhex(t, "02000000 03000000 00000000 00000000 00000000")) {
		t.Errorf("SCARD_CONNECT: %X", b)
	}
}

// sampleStates is a reply to CMD_GET_READERS_STATE: the two vpcd slots, a card in the first.
func sampleStates(atr []byte) *readerStatesMsg {
	var m readerStatesMsg
	copy(m.States[0].Name[:], "Virtual PCD 00 00")
	m.States[0].EventCounter = 1
	m.States[0].State = StatePresent | StatePowered | 0x20 // SCARD_NEGOTIABLE
	copy(m.States[0].ATR[:], atr)
	m.States[0].ATRLength = uint32(len(atr))
	copy(m.States[1].Name[:], "Virtual PCD 00 01")
	m.States[1].State = 0x0002 // SCARD_ABSENT
	return &m
}

// defaultATR is the ATR of fixtures/cards/default.json.
var defaultATR = []byte{0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xA0, 0x73, 0xBE, 0x21, 0x13, 0x67, 0x43, 0x20, 0x07, 0x18, 0x00, 0x00, 0x01, 0xA5}

// TestMessagesGolden writes every request this client sends and a reply to each as annotated
// hexdumps (little-endian, as on amd64 and arm64).
func TestMessagesGolden(t *testing.T) {
	var out strings.Builder
	req := func(title string, cmd Command, m message, extra []byte, note string) {
		out.WriteString(dump(le, "request "+title, request(le, cmd, m, extra), true, m, note) + "\n")
	}
	rep := func(title string, m message, extra []byte, note string) {
		out.WriteString(dump(le, "reply "+title, append(marshal(le, m), extra...), false, m, note) + "\n")
	}
	req("CMD_VERSION", CmdVersion, &versionMsg{Major: 4, Minor: 4}, nil, "")
	rep("CMD_VERSION", &versionMsg{Major: 4, Minor: 4}, nil, "")
	rep("CMD_VERSION from a 4.2 server", &versionMsg{Major: 4, Minor: 2, RV: uint32(SCardEServiceStopped)}, nil, "")
	req("SCARD_ESTABLISH_CONTEXT", CmdEstablishContext, &establishMsg{Scope: ScopeSystem}, nil, "")
	rep("SCARD_ESTABLISH_CONTEXT", &establishMsg{Scope: ScopeSystem, Context: 0x2A5F1C03}, nil, "")
	req("CMD_GET_READERS_STATE", CmdGetReadersState, nil, nil, "")
	states := sampleStates(defaultATR)
	full := dump(le, "reply CMD_GET_READERS_STATE", marshal(le, states), false, states, "")
	// the 14 free slots read alike: keep the two readers and the first free one
	out.WriteString(full[:strings.Index(full, "0228  ")] + "... 13 more free slots\n\n")
	c := connectMsg{Context: 0x2A5F1C03, ShareMode: ShareShared, PreferredProtocols: ProtocolAny}
	copy(c.Reader[:], "Virtual PCD 00 00")
	req("SCARD_CONNECT", CmdConnect, &c, nil, "")
	c.Card, c.ActiveProtocol = 0x4E11A8F0, ProtocolT0
	rep("SCARD_CONNECT", &c, nil, "")
	c.Card, c.ActiveProtocol, c.RV = 0, 0, uint32(SCardENoSmartcard)
	rep("SCARD_CONNECT, no card", &c, nil, "")
	tr := transmitMsg{Card: 0x4E11A8F0, SendPciProtocol: ProtocolT0, SendPciLength: pciLength, SendLength: 7,
		RecvPciProtocol: ProtocolAny, RecvPciLength: pciLength, RecvLength: MaxBufferSizeExtended}
	req("SCARD_TRANSMIT", CmdTransmit, &tr, unhex(t, "00A40004023F00"), "command APDU: SELECT MF (not counted in header.size)")
	tr.RecvPciProtocol, tr.RecvLength = ProtocolT0, 2
	rep("SCARD_TRANSMIT", &tr, []byte{0x61, 0x21}, "response APDU: 61 21, 33 bytes wait for GET RESPONSE")
	req("SCARD_DISCONNECT", CmdDisconnect, &disconnectMsg{Card: 0x4E11A8F0, Disposition: LeaveCard}, nil, "")
	rep("SCARD_DISCONNECT", &disconnectMsg{Card: 0x4E11A8F0}, nil, "")
	req("SCARD_RELEASE_CONTEXT", CmdReleaseContext, &releaseMsg{Context: 0x2A5F1C03}, nil, "")
	rep("SCARD_RELEASE_CONTEXT", &releaseMsg{Context: 0x2A5F1C03}, nil, "")
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/sim/pcsc"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "client-messages", []byte(out.String()))
}

// randomFill sets every uint32 and byte array of m at random.
func randomFill(r *rand.Rand, m message) {
	for _, f := range m.fields() {
		if f.u32 != nil {
			*f.u32 = r.Uint32()
		}
		for i := range f.raw {
			f.raw[i] = byte(r.Uint32())
		}
	}
}

func replyTypes() []func() message {
	return []func() message{
		func() message { return &versionMsg{} }, func() message { return &establishMsg{} },
		func() message { return &releaseMsg{} }, func() message { return &connectMsg{} },
		func() message { return &disconnectMsg{} }, func() message { return &transmitMsg{} },
		func() message { return &readerStatesMsg{} },
	}
}

// TestRoundTripAndPrefixes: marshal then unmarshal gives the message back; every strict
// prefix and one trailing byte fail with a MsgError at the right offset.
func TestRoundTripAndPrefixes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, mk := range replyTypes() {
		for range 20 {
			m := mk()
			randomFill(r, m)
			b := marshal(le, m)
			back := mk()
			if err := unmarshal(le, back, b); err != nil || !reflect.DeepEqual(m, back) {
				t.Fatalf("%s: round trip: %v", m.msgName(), err)
			}
			for n := range len(b) {
				err := unmarshal(le, mk(), b[:n])
				var me *MsgError
				if !errors.As(err, &me) || me.Offset > n || me.Offset+4 <= n && me.Offset+MaxReaderName <= n {
					t.Fatalf("%s: prefix %d: %v", m.msgName(), n, err)
				}
			}
			var me *MsgError
			if err := unmarshal(le, mk(), append(b, 0)); !errors.As(err, &me) || me.Offset != len(b) {
				t.Fatalf("%s: trailing byte: %v", m.msgName(), err)
			}
		}
	}
	var me *MsgError
	err := unmarshal(le, &transmitMsg{}, make([]byte, 30))
	if !errors.As(err, &me) || me.Field != "rv" || me.Offset != 28 || err.Error() != "pcscd: transmit_struct.rv: offset 28: need 4 bytes, have 2" {
		t.Errorf("%v", err)
	}
}

func TestDecodeReaderStates(t *testing.T) {
	rs, err := decodeReaderStates(le, marshal(le, sampleStates(defaultATR)))
	if err != nil {
		t.Fatal(err)
	}
	want := []Reader{
		{Name: "Virtual PCD 00 00", CardPresent: true, ATR: defaultATR, State: 0x34},
		{Name: "Virtual PCD 00 01", State: 0x02},
	}
	if !reflect.DeepEqual(rs, want) {
		t.Errorf("%+v", rs)
	}
	// a reader not yet initialised has no ATR; a length above 34 is an error
	m := sampleStates(defaultATR)
	m.States[0].ATRLength = readerNotInitialized
	if rs, err := decodeReaderStates(le, marshal(le, m)); err != nil || rs[0].ATR != nil {
		t.Errorf("not initialised: %+v %v", rs, err)
	}
	m.States[1].ATRLength = 40
	_, err = decodeReaderStates(le, marshal(le, m))
	if err == nil || err.Error() != "pcscd: readerStates[1].cardAtrLength: offset 360: 40, at most 33" {
		t.Errorf("ATR length 40: %v", err)
	}
	m = sampleStates(defaultATR)
	copy(m.States[2].Name[:], bytes.Repeat([]byte{'x'}, MaxReaderName))
	if _, err := decodeReaderStates(le, marshal(le, m)); err == nil || !strings.Contains(err.Error(), "[2].readerName: offset 368: no NUL") {
		t.Errorf("name without NUL: %v", err)
	}
}

func TestRVString(t *testing.T) {
	for rv, want := range map[RV]string{
		SCardENoSmartcard: "SCARD_E_NO_SMARTCARD (0x8010000C)",
		SCardSSuccess:     "SCARD_S_SUCCESS (0x00000000)",
		0x80100099:        "unknown return code (0x80100099)",
	} {
		if got := rv.String(); got != want {
			t.Errorf("%08X: %q", uint32(rv), got)
		}
	}
	e := &Error{Call: "SCardConnect", Code: SCardENoSmartcard}
	if e.Error() != "SCardConnect: SCARD_E_NO_SMARTCARD (0x8010000C)" {
		t.Error(e)
	}
}

// FuzzDecodeReplies: any bytes as any reply struct or reader state array: an error or a value,
// never a panic, and what decodes encodes back to the same bytes.
func FuzzDecodeReplies(f *testing.F) {
	fuzzseed.Add(f)
	f.Add(marshal(le, sampleStates(defaultATR)))
	f.Add(marshal(le, &versionMsg{Major: 4, Minor: 4}))
	f.Add(append(marshal(le, &transmitMsg{RecvLength: 2}), 0x90, 0x00))
	c := connectMsg{Card: 1, ActiveProtocol: ProtocolT0}
	copy(c.Reader[:], "Virtual PCD 00 00")
	f.Add(marshal(le, &c))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, mk := range replyTypes() {
			m := mk()
			if unmarshal(le, m, b) == nil && !bytes.Equal(marshal(le, m), b) {
				t.Fatalf("%s: re-encoding differs", m.msgName())
			}
		}
		decodeReaderStates(le, b)
		decodeReaderStates(le, append(b, make([]byte, max(0, 16*184-len(b)))...))
	})
}
