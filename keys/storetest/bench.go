package storetest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stkforge/stkforge/keys"
)

// benchCards is how many cards the counter benchmarks spread their reservations over.
const benchCards = 1000

func benchStore(b *testing.B, newStore func(b *testing.B) keys.Store) keys.Store {
	s := newStore(b)
	b.Cleanup(func() { s.Close() })
	kp := masterKey(b)
	cards := make([]keys.Card, benchCards)
	for n := range cards {
		cards[n] = Card(b, kp, n+1)
	}
	insert(b, s, cards...)
	return s
}

// BenchReserve measures single reservations, one at a time: each is its own durable transaction.
func BenchReserve(b *testing.B, newStore func(b *testing.B) keys.Store) {
	s := benchStore(b, newStore)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.ReserveCounters(ctx, ICCID(1+i%benchCards), 1, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
}

// BenchReserveParallel measures single reservations from concurrent goroutines (an OTA server
// sending to many cards at once).
func BenchReserveParallel(b *testing.B, newStore func(b *testing.B) keys.Store) {
	s := benchStore(b, newStore)
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := s.ReserveCounters(ctx, ICCID(1+i%benchCards), 1, 1); err != nil {
				b.Error(err)
				return
			}
			i += 7
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
}

// BenchReserveBatch measures campaign reservations: one value for each of size cards per
// transaction; the figure is card counters per second.
func BenchReserveBatch(b *testing.B, newStore func(b *testing.B) keys.Store, size int) {
	s := benchStore(b, newStore)
	reqs := make([]keys.CounterRequest, size)
	for i := range reqs {
		reqs[i] = keys.CounterRequest{ICCID: ICCID(1 + i%benchCards), KVN: 1 + uint8(i/benchCards%2), N: 1}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.ReserveCounterBatch(ctx, reqs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "card-counters/s")
}

// ManufacturerFile makes a file of n cards with every column a manufacturer gives: KI, OPC,
// ADM1, PIN1, PUK1 and three keysets of KIc, KID and KIK.
func ManufacturerFile(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString("ICCID,IMSI,MSISDN,KI,OPC,ADM1,PIN1,PUK1,KIC1,KID1,KIK1,KIC2,KID2,KIK2,KIC3,KID3,KIK3\n")
	key := func(card, k int) string {
		return fmt.Sprintf("%08X%08X%016X", card, k, uint64(card)*0x9E3779B97F4A7C15)
	}
	for i := 1; i <= n; i++ {
		id := ICCID(i)
		fmt.Fprintf(&buf, "%s,0010100%08d,4670%07d,%s,%s,%08d,%04d,%08d", id, i, i, key(i, 100), key(i, 101), i, i%10000, i)
		for k := range 9 {
			buf.WriteString("," + key(i, k))
		}
		buf.WriteString("\n")
	}
	return buf.Bytes()
}

// BenchImport measures importing a manufacturer file of n cards into an empty store, in one
// transaction; the figures are cards/s and seconds per import.
func BenchImport(b *testing.B, newStore func(b *testing.B) keys.Store, n int) {
	file := ManufacturerFile(n)
	opts := keys.ImportOptions{Tenant: "op", Profile: "sja2", KIcCoding: 0x02, KIDCoding: 0x02, KIKCoding: 0x02,
		TARs: []keys.TARPolicy{{TAR: [3]byte{0xB0, 0x00, 0x10}, MSL: 0x16, Tenant: "op"}}}
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		s := newStore(b)
		kr := &keys.Keyring{Store: s, Provider: masterKey(b), Clock: Clock, Actor: "bench"}
		b.StartTimer()
		res, err := kr.Import(ctx, "bench.csv", bytes.NewReader(file), opts)
		if err != nil {
			b.Fatal(err)
		}
		if res.Cards != n {
			b.Fatalf("imported %d cards", res.Cards)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(n)/sec, "cards/s")
	b.ReportMetric(sec, "s/import")
	b.ReportMetric(0, "ns/op")
}
