package pcsc

import (
	"context"
	"testing"
	"time"

	"github.com/stkforge/stkforge/sim/pcsc/pcsctest"
)

// BenchmarkTransmitPipe: the client's own cost per APDU (encode the request, decode the reply,
// T=0 completion), against a fake pcscd with the simulated card over an in-memory pipe.
// SELECT MF is two SCardTransmits (61xx, then GET RESPONSE).
func BenchmarkTransmitPipe(b *testing.B) {
	cl, err := pipeClient(b, cardServer(b, nil))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	k, err := cl.Connect("Virtual PCD 00 00")
	if err != nil {
		b.Fatal(err)
	}
	selectMF := []byte{0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00}
	b.ResetTimer()
	for b.Loop() {
		if r := k.Transmit(selectMF); r[len(r)-2] != 0x90 {
			b.Fatalf("%X", r)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commands/s")
}

// BenchmarkTransmitPCSCD: commands per second through the real stack: this client, pcscd 1.9.9,
// the vpcd driver, the sim/pcsc bridge and the simulated card. SELECT MF is two APDUs on the
// card (61xx, GET RESPONSE), READ BINARY one. Without TCP_QUICKACK in the bridge (before
// quickack_linux.go) every message waited for a delayed ACK: about 10 SELECT MF/s.
func BenchmarkTransmitPCSCD(b *testing.B) {
	pcsctest.StartDaemon(b)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- DialAndServe(ctx, pcsctest.VPCDAddr, NewBridge(newCard(b))) }()
	var cl *Client
	for cl == nil {
		if c, err := Dial(ctx); err == nil {
			if r, err := c.FirstCard(); err == nil && len(r.ATR) > 0 {
				cl = c
				break
			}
			c.Close()
		}
		select {
		case err := <-served:
			b.Fatalf("bridge: %v", err)
		case <-ctx.Done():
			b.Fatal("no card")
		case <-time.After(50 * time.Millisecond):
		}
	}
	defer cl.Close()
	k, err := cl.Connect(pcsctest.Reader)
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	for _, bc := range []struct {
		name  string
		capdu []byte
	}{
		{"select-mf", []byte{0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00}},
		{"read-binary", []byte{0x00, 0xB0, 0x00, 0x00, 0x0A}},
	} {
		if bc.name == "read-binary" {
			k.Transmit([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0xE2})
		}
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if r := k.Transmit(bc.capdu); r[len(r)-2] != 0x90 {
					b.Fatalf("%X, %v", r, k.Err())
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commands/s")
		})
	}
}
