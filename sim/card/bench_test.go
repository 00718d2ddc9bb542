package card

import "testing"

// BenchmarkSelectReadBinary: SELECT EF ICCID (no response data) + READ BINARY, in process,
// reported as APDUs per second.
func BenchmarkSelectReadBinary(b *testing.B) {
	c := newCard(b)
	sel := unhex(b, "00A4000C022FE2")
	read := unhex(b, "00B000000A")
	b.ReportAllocs()
	for b.Loop() {
		c.Transmit(sel)
		c.Transmit(read)
	}
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "apdus/s")
}

// BenchmarkOTAUpdate: one secured packet (AES CBC + CMAC, counter, PoR ciphered and signed)
// updating EF SPN, PoR fetched; reported as packets per second.
func BenchmarkOTAUpdate(b *testing.B) {
	c := newCard(b)
	env := envelopes(b, header(b, 0x16, 0x19, "B00000", 1), updateSPN(b, "bench"), &kvn1)[0]
	b.ReportAllocs()
	for b.Loop() {
		c.keysets[1].counter = 0 // replay the same packet: the counter check still runs
		r := c.Transmit(env)
		c.Transmit([]byte{0x00, 0xC0, 0x00, 0x00, r[1]})
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}
