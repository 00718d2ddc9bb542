package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/sqlite"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/smpp"
	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/sim/network"
)

// benchKey is the clear key n of a benchmark card: derived, so neither side keeps 100,000 keys.
func benchKey(n int, name string) []byte {
	h := sha256.Sum256([]byte(fmt.Sprintf("bench %d %s", n, name)))
	return h[:16]
}

// benchHandset is the lean card side for the benchmark: the TS 102 225 checks and PoR of
// ota/packet with a counter per card, no file system; the PoR goes back by SMS-SUBMIT.
type benchHandset struct {
	n       int
	msisdn  string
	mu      sync.Mutex
	counter uint64
	smsc    *network.SMSC
}

func (h *benchHandset) DeliverSMS(_ context.Context, tpdu []byte) ([]byte, error) {
	d, err := smspp.ParseDeliver(tpdu)
	if err != nil {
		return nil, err
	}
	ks := packet.Keyset{KIc: benchKey(h.n, "kic"), KID: benchKey(h.n, "kid")}
	cmd, err := packet.Open(nil, d.UD[3:], &ks)
	if err != nil {
		return nil, err
	}
	st := packet.StatusPoROK
	h.mu.Lock()
	if uint64(cmd.CNTR) <= h.counter {
		st = packet.StatusCounterLow
	} else {
		h.counter = uint64(cmd.CNTR)
	}
	h.mu.Unlock()
	hd := cmd.Header
	if st != packet.StatusPoROK {
		hd.SPI.PoRChecksum, hd.SPI.PoRCiphering = packet.ChecksumNone, false
	}
	ud := []byte{0x02, 0x71, 0x00}
	ud, err = packet.SealPoR(ud, ud[:3], &hd, st, []byte{0x01, 0x90, 0x00}, &ks)
	if err != nil {
		return nil, err
	}
	sub := &smspp.Submit{UDHI: true, MR: byte(cmd.CNTR), DA: d.OA, PID: smspp.PIDPlain, DCS: smspp.DCSClass2Data, UD: ud}
	b, err := sub.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return nil, h.smsc.SubmitMO(h.msisdn, b)
}

// benchCampaign pushes the SPN update to n cards end to end on loopback: SQLite store file,
// campaign runner, SMPP client, virtual SMSC on TCP, one lean handset per card.
func benchCampaign(b *testing.B, n int) {
	ctx := context.Background()
	dir := b.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "keys.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	kp, _ := keys.NewMasterKey(make([]byte, 32), nil)
	smsc, err := network.Listen(network.Config{Accounts: map[string]string{"ota": "pw"}, Routes: map[string]string{"12345": "ota"}, QueueSize: 65536})
	if err != nil {
		b.Fatal(err)
	}
	defer smsc.Close()
	var cards []keys.Card
	for i := 1; i <= n; i++ {
		id := netICCID(i)
		c := keys.Card{ICCID: id, IMSI: fmt.Sprintf("00101%010d", i), MSISDN: netMSISDN(i), Profile: "bench", Tenant: "op", Lifecycle: keys.LifecycleActive}
		ks := keys.Keyset{KVN: 1, Tenant: "op"}
		for _, x := range []struct {
			name string
			dst  *keys.Key
		}{{"kic", &ks.KIc}, {"kid", &ks.KID}} {
			sealed, err := kp.Seal(benchKey(i, x.name), keys.SecretRef{ICCID: id, KVN: 1, Name: x.name}.AAD())
			if err != nil {
				b.Fatal(err)
			}
			*x.dst = keys.Key{Coding: 0x12, Sealed: sealed}
		}
		c.Keysets = []keys.Keyset{ks}
		cards = append(cards, c)
		if len(cards) == 2000 || i == n {
			if err := st.InsertCards(ctx, cards, keys.AuditRecord{Action: keys.AuditImport}); err != nil {
				b.Fatal(err)
			}
			cards = cards[:0]
		}
		smsc.Register(netMSISDN(i), &benchHandset{n: i, msisdn: netMSISDN(i), smsc: smsc})
	}
	cards = nil
	spec := spnSpec(b, "bench")
	spec.PoRTimeout = campaign.Duration(30 * time.Second)
	cfg := smpp.Config{Addr: smsc.Addr().String(), SystemID: "ota", Password: "pw", Source: "12345", SourceNPI: 1, Window: 1000}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	// peak is the largest HeapInuse seen (garbage included, so it follows GOGC and the
	// simulator's own live heap); live is the largest heap right after a collection, every
	// 250 ms: what the campaign really holds on top of base.
	var peak, live atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for i := 0; ; i++ {
			if i%12 == 11 {
				runtime.GC()
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > live.Load() {
					live.Store(m.HeapAlloc)
					if f := os.Getenv("STKFORGE_BENCH_HEAPPROFILE"); f != "" { // where the peak's memory is
						if w, err := os.Create(f); err == nil {
							pprof.WriteHeapProfile(w)
							w.Close()
						}
					}
				}
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	b.ResetTimer()
	sum, err := pushRun(ctx, pushOptions{Store: st, Provider: kp, SMPP: cfg, Spec: spec, ID: "bench"})
	b.StopTimer()
	close(stop)
	<-sampled
	if err != nil {
		b.Fatal(err)
	}
	if sum.Status != campaign.Finished || sum.Counts[campaign.PoROK] != n {
		b.Fatalf("summary %+v", sum)
	}
	b.ReportMetric(sum.SegmentsPerS, "segments/s")
	b.ReportMetric(sum.CardsPerS, "cards/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(live.Load()-min(live.Load(), base.HeapAlloc))/(1<<20), "campaign-live-MB")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkCampaign runs with -benchtime=1x: each size is one whole campaign.
func BenchmarkCampaign(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("cards=%d", n), func(b *testing.B) {
			for range b.N {
				benchCampaign(b, n)
			}
		})
	}
}
