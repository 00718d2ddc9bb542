package pcsc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

// handler answers one request of a fake pcscd: the reply bytes, or nil to hang up.
type handler func(cmd Command, body, apdu []byte) []byte

// fakePCSCD serves the server end of a pipe with h, as pcscd reads requests: the rxHeader, the
// struct it announces, and for SCARD_TRANSMIT the cbSendLength bytes of the APDU.
func fakePCSCD(srv net.Conn, h handler) {
	defer srv.Close()
	for {
		hdr := make([]byte, headerSize)
		if _, err := io.ReadFull(srv, hdr); err != nil {
			return
		}
		body := make([]byte, hostOrder.Uint32(hdr))
		if _, err := io.ReadFull(srv, body); err != nil {
			return
		}
		cmd := Command(hostOrder.Uint32(hdr[4:]))
		var apdu []byte
		if cmd == CmdTransmit && len(body) == 32 {
			apdu = make([]byte, hostOrder.Uint32(body[12:]))
			if _, err := io.ReadFull(srv, apdu); err != nil {
				return
			}
		}
		reply := h(cmd, body, apdu)
		if reply == nil {
			return
		}
		if _, err := srv.Write(reply); err != nil || len(reply) < 4 {
			return // a reply too short for any struct is a daemon dying mid-answer
		}
	}
}

// cardServer is a fake pcscd with the default card in "Virtual PCD 00 00", answering as
// pcscd 1.9.9 does; override changes the answer to some commands.
func cardServer(t testing.TB, override handler) handler {
	c := newCard(t)
	const hCard = 0x4E11A8F0
	return func(cmd Command, body, apdu []byte) []byte {
		if override != nil {
			if r := override(cmd, body, apdu); r != nil {
				return r
			}
		}
		switch cmd {
		case CmdVersion:
			return marshal(hostOrder, &versionMsg{Major: 4, Minor: 4})
		case CmdEstablishContext:
			return marshal(hostOrder, &establishMsg{Scope: ScopeSystem, Context: 0x2A5F1C03})
		case CmdGetReadersState:
			return marshal(hostOrder, sampleStates(c.ATR()))
		case CmdConnect:
			var m connectMsg
			unmarshal(hostOrder, &m, body)
			switch string(bytes.TrimRight(m.Reader[:], "\x00")) {
			case "Virtual PCD 00 00":
				m.Card, m.ActiveProtocol = hCard, ProtocolT0
			case "Virtual PCD 00 01":
				m.RV = uint32(SCardENoSmartcard)
			default:
				m.RV = uint32(SCardEUnknownReader)
			}
			return marshal(hostOrder, &m)
		case CmdTransmit:
			var m transmitMsg
			unmarshal(hostOrder, &m, body)
			if m.Card != hCard || m.SendPciProtocol != ProtocolT0 {
				m.RV = uint32(SCardEInvalidHandle)
				return marshal(hostOrder, &m)
			}
			r := c.Transmit(apdu)
			m.RecvLength, m.RecvPciProtocol = uint32(len(r)), ProtocolT0
			return append(marshal(hostOrder, &m), r...)
		case CmdDisconnect:
			var m disconnectMsg
			unmarshal(hostOrder, &m, body)
			return marshal(hostOrder, &m)
		case CmdReleaseContext:
			var m releaseMsg
			unmarshal(hostOrder, &m, body)
			return marshal(hostOrder, &m)
		}
		return nil
	}
}

func pipeClient(t testing.TB, h handler) (*Client, error) {
	t.Helper()
	cli, srv := net.Pipe()
	go fakePCSCD(srv, h)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return newClient(ctx, cli)
}

func TestClientSession(t *testing.T) {
	cl, err := pipeClient(t, cardServer(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	k, err := cl.Connect("Virtual PCD 00 00")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.ATR(), defaultATR) || k.Protocol() != ProtocolT0 || k.Reader() != "Virtual PCD 00 00" {
		t.Errorf("conn %X %d %q", k.ATR(), k.Protocol(), k.Reader())
	}
	want := T0{Card: newCard(t)}.Transmit(unhex(t, "00A40004023F00"))
	if got := k.Transmit(unhex(t, "00A40004023F00")); !bytes.Equal(got, want) || len(got) < 20 {
		t.Errorf("SELECT MF: %X, want %X", got, want)
	}
	if err := k.Close(); err != nil {
		t.Error(err)
	}
	for reader, want := range map[string]string{
		"Virtual PCD 00 01":      "SCardConnect: SCARD_E_NO_SMARTCARD (0x8010000C)",
		"Nowhere":                `SCardConnect: SCARD_E_UNKNOWN_READER (0x80100009): no reader "Nowhere"; readers: "Virtual PCD 00 00", "Virtual PCD 00 01"`,
		strings.Repeat("x", 200): "SCardConnect: SCARD_E_INVALID_VALUE (0x80100011): reader name of 200 bytes, at most 127 without NUL",
	} {
		if _, err := cl.Connect(reader); err == nil || err.Error() != want {
			t.Errorf("connect %q: %v", reader, err)
		}
	}
	if err := cl.Close(); err != nil {
		t.Error(err)
	}
}

func TestClientVersionRefused(t *testing.T) {
	_, err := pipeClient(t, func(cmd Command, body, apdu []byte) []byte {
		return marshal(hostOrder, &versionMsg{Major: 4, Minor: 2, RV: uint32(SCardEServiceStopped)})
	})
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != SCardEServiceStopped ||
		!strings.HasPrefix(err.Error(), "SCardEstablishContext: SCARD_E_SERVICE_STOPPED (0x8010001E): pcscd speaks client protocol 4.2, this client 4.4") {
		t.Errorf("%v", err)
	}
	// a server that says yes but to another major version is refused too
	_, err = pipeClient(t, func(cmd Command, body, apdu []byte) []byte {
		return marshal(hostOrder, &versionMsg{Major: 5, Minor: 0})
	})
	if err == nil || !strings.Contains(err.Error(), "pcscd speaks client protocol 5.0") {
		t.Errorf("%v", err)
	}
}

func TestClientTransportErrors(t *testing.T) {
	sent := 0
	cl, err := pipeClient(t, cardServer(t, func(cmd Command, body, apdu []byte) []byte {
		if cmd == CmdTransmit {
			sent++
			if sent == 2 { // the second APDU: half a reply, then hang up
				return []byte{1, 2, 3}
			}
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	k, err := cl.Connect("Virtual PCD 00 00")
	if err != nil {
		t.Fatal(err)
	}
	if r := k.Transmit(unhex(t, "00A4000C022FE2")); !bytes.Equal(r, []byte{0x90, 0}) {
		t.Fatalf("%X", r)
	}
	// the handler's nil for the first call sends the normal answer; the second breaks
	r := k.Transmit(unhex(t, "00B000000A"))
	var pe *Error
	if !bytes.Equal(r, []byte{0x6F, 0x00}) || !errors.As(k.Err(), &pe) || pe.Code != SCardFCommError ||
		!strings.HasPrefix(k.Err().Error(), "SCardTransmit: SCARD_F_COMM_ERROR (0x80100013): ") {
		t.Errorf("%X, %v", r, k.Err())
	}
	if r := k.Transmit(unhex(t, "00B000000A")); !bytes.Equal(r, []byte{0x6F, 0x00}) || sent != 2 {
		t.Errorf("after the error: %X, %d transmits", r, sent)
	}
	cl.Close()

	// a reply announcing more than any APDU
	cl, err = pipeClient(t, cardServer(t, func(cmd Command, body, apdu []byte) []byte {
		if cmd == CmdTransmit {
			var m transmitMsg
			unmarshal(hostOrder, &m, body)
			m.RecvLength = 1 << 20
			return marshal(hostOrder, &m)
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	k, _ = cl.Connect("Virtual PCD 00 00")
	if _, err := k.TransmitErr([]byte{0, 0xA4, 0, 0}); err == nil || !strings.Contains(err.Error(), "transmit_struct.pcbRecvLength: offset 24: 1048576, at most 65548") {
		t.Errorf("%v", err)
	}
	cl.Close()
}

func TestDialNoDaemon(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pcscd.comm")
	t.Setenv("PCSCLITE_CSOCK_NAME", path)
	if SocketPath() != path {
		t.Fatalf("SocketPath %q", SocketPath())
	}
	_, err := Dial(context.Background())
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != SCardENoService || !strings.Contains(err.Error(), "(is pcscd running?)") {
		t.Errorf("%v", err)
	}
	t.Setenv("PCSCLITE_CSOCK_NAME", "")
	if SocketPath() != DefaultSocket {
		t.Errorf("SocketPath %q", SocketPath())
	}
}

// sessionStream is what pcscd answers to Dial, Readers, Connect, one Transmit (SELECT MF: 61xx
// then GET RESPONSE), Close and Close, back to back.
func sessionStream(t testing.TB) []byte {
	var s []byte
	s = append(s, marshal(hostOrder, &versionMsg{Major: 4, Minor: 4})...)
	s = append(s, marshal(hostOrder, &establishMsg{Scope: ScopeSystem, Context: 9})...)
	s = append(s, marshal(hostOrder, sampleStates(defaultATR))...)
	c := connectMsg{Context: 9, ShareMode: ShareShared, PreferredProtocols: ProtocolAny, Card: 3, ActiveProtocol: ProtocolT0}
	copy(c.Reader[:], "Virtual PCD 00 00")
	s = append(s, marshal(hostOrder, &c)...)
	s = append(s, marshal(hostOrder, sampleStates(defaultATR))...)
	tr := transmitMsg{Card: 3, RecvLength: 2}
	s = append(append(s, marshal(hostOrder, &tr)...), 0x61, 0x03)
	tr.RecvLength = 5
	s = append(append(s, marshal(hostOrder, &tr)...), 0x62, 0x01, 0x82, 0x90, 0x00)
	s = append(s, marshal(hostOrder, &disconnectMsg{Card: 3})...)
	s = append(s, marshal(hostOrder, &releaseMsg{Context: 9})...)
	return s
}

// runSession drives a client over stream as pcscd's replies; it returns the SELECT MF answer.
func runSession(stream []byte) ([]byte, error) {
	cli, srv := net.Pipe()
	go io.Copy(io.Discard, srv)
	go func() { srv.Write(stream); srv.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cl, err := newClient(ctx, cli)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	if _, err := cl.Readers(); err != nil {
		return nil, err
	}
	k, err := cl.Connect("Virtual PCD 00 00")
	if err != nil {
		return nil, err
	}
	r := k.Transmit([]byte{0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00})
	if err := k.Close(); err != nil {
		return r, err
	}
	return r, cl.Close()
}

// TestSessionPrefixes: pcscd's replies cut anywhere end the session with an error, never a
// panic or a hang; whole, they give the answer.
func TestSessionPrefixes(t *testing.T) {
	s := sessionStream(t)
	r, err := runSession(s)
	if err != nil || !bytes.Equal(r, []byte{0x62, 0x01, 0x82, 0x90, 0x00}) {
		t.Fatalf("whole session: %X, %v", r, err)
	}
	for n := 0; n < len(s); n += 1 + n/64 {
		if _, err := runSession(s[:n]); err == nil {
			t.Fatalf("prefix %d of %d: no error", n, len(s))
		}
	}
}

// FuzzClientReplies: any byte stream as pcscd's replies to a whole session.
func FuzzClientReplies(f *testing.F) {
	fuzzseed.Add(f)
	s := sessionStream(f)
	f.Add(s)
	f.Add(s[:12])
	f.Add(append(marshal(hostOrder, &versionMsg{Major: 4, Minor: 2, RV: uint32(SCardEServiceStopped)}), s[12:]...))
	f.Fuzz(func(t *testing.T, stream []byte) {
		runSession(stream)
	})
}

// TestFirstCard: no reader at all, readers without a card, and the first one with a card.
func TestFirstCard(t *testing.T) {
	for _, tc := range []struct {
		states *readerStatesMsg
		want   string
	}{
		{&readerStatesMsg{}, "SCardListReaders: SCARD_E_NO_READERS_AVAILABLE (0x8010002E)"},
		{func() *readerStatesMsg { m := sampleStates(nil); m.States[0].State = 0x02; return m }(),
			`SCardConnect: SCARD_E_NO_SMARTCARD (0x8010000C): no card in "Virtual PCD 00 00", "Virtual PCD 00 01"`},
		{sampleStates(defaultATR), ""},
	} {
		cl, err := pipeClient(t, cardServer(t, func(cmd Command, body, apdu []byte) []byte {
			if cmd == CmdGetReadersState {
				return marshal(hostOrder, tc.states)
			}
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		r, err := cl.FirstCard()
		switch {
		case tc.want == "" && (err != nil || r.Name != "Virtual PCD 00 00"):
			t.Errorf("%+v, %v", r, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%v, want %s", err, tc.want)
		}
		cl.Close()
	}
}
