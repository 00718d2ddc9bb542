package packet

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"math/rand/v2"
	"testing"
)

// benchSuites are the algorithm pairs the benchmarks cover: SPI 16 39 (CC, ciphering, counter
// higher; PoR CC ciphered by SMS-SUBMIT), as a production profile asks.
var benchSuites = []struct {
	name       string
	kic, kid   byte
	kicN, kidN int
	bare       func(kic, kid []byte) (enc, mac cipher.Block)
	cmac       bool
	blockSize  int
}{
	{"AES128", 0x12, 0x12, 16, 16, func(kic, kid []byte) (cipher.Block, cipher.Block) {
		e, _ := aes.NewCipher(kic)
		m, _ := aes.NewCipher(kid)
		return e, m
	}, true, 16},
	{"3DES2", 0x15, 0x15, 16, 16, func(kic, kid []byte) (cipher.Block, cipher.Block) {
		var k1, k2 [24]byte
		copy(k1[:], kic)
		copy(k1[16:], kic[:8])
		copy(k2[:], kid)
		copy(k2[16:], kid[:8])
		e, _ := des.NewTripleDESCipher(k1[:])
		m, _ := des.NewTripleDESCipher(k2[:])
		return e, m
	}, false, 8},
}

// benchKeys are distinct keysets, one per packet in turn: every card has its own keys, so no
// key schedule is reused between consecutive packets.
func benchKeys(n, kicN, kidN int) []Keyset {
	r := rand.New(rand.NewPCG(1, 2))
	ks := make([]Keyset, n)
	for i := range ks {
		ks[i].KIc = make([]byte, kicN)
		ks[i].KID = make([]byte, kidN)
		for j := range ks[i].KIc {
			ks[i].KIc[j] = byte(r.Uint32())
		}
		for j := range ks[i].KID {
			ks[i].KID[j] = byte(r.Uint32())
		}
	}
	return ks
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkSeal seals a 100-byte payload with a fresh keyset per packet; Bare is the ceiling:
// the same key schedules, CBC over the same ciphered bytes and the MAC over the same input.
func BenchmarkSeal(b *testing.B) {
	data := make([]byte, 100)
	for _, bs := range benchSuites {
		keys := benchKeys(1024, bs.kicN, bs.kidN)
		h := Header{Security: Security{SPI: SPI{Checksum: ChecksumCC, Ciphering: true, Counter: CounterHigher,
			PoR: PoRAlways, PoRChecksum: ChecksumCC, PoRCiphering: true, PoRBySubmit: true},
			KIc: KIc(bs.kic), KID: KID(bs.kid)}, TAR: TAR{0xB0, 0x00, 0x01}}
		buf := make([]byte, 0, 256)
		pkt, _ := Seal(nil, &h, data, &keys[0])
		b.Run(bs.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				h.CNTR = Counter(i)
				if _, err := Seal(buf[:0], &h, data, &keys[i%len(keys)]); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b)
		})
		b.Run(bs.name+"/Bare", func(b *testing.B) {
			b.ReportAllocs()
			bare(b, bs.bare, bs.cmac, bs.blockSize, keys, pkt)
		})
	}
}

// BenchmarkOpen opens the same packets on the card side, with the same ceiling.
func BenchmarkOpen(b *testing.B) {
	data := make([]byte, 100)
	for _, bs := range benchSuites {
		keys := benchKeys(1024, bs.kicN, bs.kidN)
		h := Header{Security: Security{SPI: SPI{Checksum: ChecksumCC, Ciphering: true, Counter: CounterHigher,
			PoR: PoRAlways, PoRChecksum: ChecksumCC, PoRCiphering: true, PoRBySubmit: true},
			KIc: KIc(bs.kic), KID: KID(bs.kid)}, TAR: TAR{0xB0, 0x00, 0x01}}
		pkts := make([][]byte, len(keys))
		for i := range keys {
			pkts[i], _ = Seal(nil, &h, data, &keys[i])
		}
		buf := make([]byte, 0, 256)
		b.Run(bs.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				k := i % len(keys)
				if _, err := Open(buf, pkts[k], &keys[k]); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b)
		})
		b.Run(bs.name+"/Bare", func(b *testing.B) {
			b.ReportAllocs()
			bare(b, bs.bare, bs.cmac, bs.blockSize, keys, pkts[0])
		})
	}
}

// bare runs what any implementation must: both key schedules, CBC over CNTR..end and the MAC
// over the rest of the packet, with stdlib CBC.
func bare(b *testing.B, newBlocks func(kic, kid []byte) (cipher.Block, cipher.Block), useCMAC bool, bsz int, keys []Keyset, pkt []byte) {
	work := make([]byte, len(pkt))
	var iv [16]byte
	var tag [16]byte
	for i := 0; b.Loop(); i++ {
		k := &keys[i%len(keys)]
		enc, mac := newBlocks(k.KIc, k.KID)
		if useCMAC {
			var m cmac
			m.init(mac)
			m.write(pkt[:16])
			m.write(pkt[24:])
			m.sum(&tag)
		} else {
			m := cbcMAC{b: mac}
			m.write(pkt[:16])
			m.write(pkt[24:])
			m.sum(tag[:8])
		}
		copy(work, pkt)
		cipher.NewCBCEncrypter(enc, iv[:bsz]).CryptBlocks(work[10:], work[10:])
	}
	reportRate(b)
}
