package pcsc

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/sim/pcsc/pcsctest"
)

// dialWhenUp dials pcscd until its socket answers and the vpcd reader shows a card.
func dialWhenUp(t *testing.T, ctx context.Context, served <-chan error) *Client {
	t.Helper()
	for {
		c, err := Dial(ctx)
		if err == nil {
			rs, err := c.Readers()
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if r.Name == pcsctest.Reader && r.CardPresent && len(r.ATR) > 0 {
					return c
				}
			}
			c.Close()
		}
		select {
		case err := <-served:
			t.Fatalf("bridge stopped: %v", err)
		case <-ctx.Done():
			t.Fatalf("pcscd never showed the card: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestClientThroughPCSCD: pcscd + vpcd + our simulated card (the bridge) + this client: list the
// readers, connect, SELECT MF answered whole (61xx resolved), a wrong Le corrected (6Cxx), the
// errors of a reader without a card and of an unknown reader.
func TestClientThroughPCSCD(t *testing.T) {
	pcsctest.StartDaemon(t)
	var log []card.Exchange
	c := newCard(t)
	traced, err := card.New(c.Snapshot(), card.WithTrace(func(e card.Exchange) { log = append(log, e) }))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- DialAndServe(ctx, pcsctest.VPCDAddr, NewBridge(traced)) }()
	cl := dialWhenUp(t, ctx, served)
	if maj, min := cl.ServerProtocol(); maj != 4 || min < 4 {
		t.Errorf("server protocol %d.%d", maj, min)
	}
	rs, err := cl.Readers()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) < 1 || rs[0].Name != pcsctest.Reader || !bytes.Equal(rs[0].ATR, c.ATR()) {
		t.Fatalf("readers %+v", rs)
	}
	first, err := cl.FirstCard()
	if err != nil || first.Name != pcsctest.Reader {
		t.Fatalf("first card: %+v, %v", first, err)
	}

	k, err := cl.Connect(pcsctest.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.ATR(), c.ATR()) {
		t.Errorf("ATR %X, want %X", k.ATR(), c.ATR())
	}
	t.Logf("%s: protocol %d (1 T=0, 2 T=1), ATR %X", k.Reader(), k.Protocol(), k.ATR())
	if p := k.Protocol(); p != ProtocolT0 && p != ProtocolT1 {
		t.Errorf("protocol %d", p)
	}
	// the same commands on a twin of the card through T0 give the same bytes
	twin := T0{Card: newCard(t)}
	for _, tc := range []struct{ name, capdu, want string }{
		{"SELECT MF", "00A40004023F00", ""},
		{"SELECT EF ICCID", "00A4000C022FE2", "9000"},
		{"READ BINARY, Le 12 corrected to 10 (6C0A)", "00B000000C", "98881201000040031 0F09000"},
		{"SIM SELECT DF GSM", "A0A40000027F20", ""},
	} {
		capdu := unhex(t, tc.capdu)
		got := k.Transmit(capdu)
		want := twin.Transmit(capdu)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %X, twin %X", tc.name, got, want)
		}
		if tc.want != "" && !bytes.Equal(got, unhex(t, tc.want)) {
			t.Errorf("%s: %X, want %s", tc.name, got, tc.want)
		}
		if sw := got[len(got)-2:]; sw[0] != 0x90 {
			t.Errorf("%s: SW %X", tc.name, sw)
		}
	}
	if err := k.Err(); err != nil {
		t.Fatal(err)
	}
	// SELECT MF: the card answered 61xx and the client fetched the FCP with GET RESPONSE 00 C0
	var ins []string
	for _, e := range log {
		if len(e.Command) > 1 {
			ins = append(ins, strings.ToUpper(hexs(e.Command[:2])))
		}
	}
	if !strings.Contains(strings.Join(ins, " "), "00A4 00C0 00A4 00B0 00B0 A0A4 A0C0") {
		t.Errorf("the card saw %v", ins)
	}

	// slot 1 has no card; an unknown reader is named with the ones there are
	_, err = cl.Connect("Virtual PCD 00 01")
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != SCardENoSmartcard || !strings.HasPrefix(err.Error(), "SCardConnect: SCARD_E_NO_SMARTCARD (0x8010000C)") {
		t.Errorf("connect to the empty slot: %v", err)
	}
	_, err = cl.Connect("No Such Reader")
	if !errors.As(err, &pe) || pe.Code != SCardEUnknownReader || !strings.Contains(err.Error(), `"Virtual PCD 00 00"`) {
		t.Errorf("connect to an unknown reader: %v", err)
	}
	if err := k.Close(); err != nil {
		t.Error(err)
	}
	if r := k.Transmit(unhex(t, "00A40004023F00")); !bytes.Equal(r, []byte{0x6F, 0x00}) || k.Err() == nil {
		t.Errorf("transmit after close: %X, %v", r, k.Err())
	}
	if err := cl.Close(); err != nil {
		t.Error(err)
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("bridge: %v", err)
	}
}
