package packet

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestSPIEveryValue(t *testing.T) {
	for v := 0; v < 1<<16; v++ {
		b := [2]byte{byte(v >> 8), byte(v)}
		s, err := DecodeSPI(b, 3)
		reserved := b[0]&0xE0 != 0 || b[1]&0xC0 != 0
		if reserved {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrReserved) || (e.Offset != 3 && e.Offset != 4) {
				t.Fatalf("%04X: %v, want ErrReserved at offset 3 or 4", v, err)
			}
			continue
		}
		if err != nil || s.Bytes() != b {
			t.Fatalf("%04X: %+v %v", v, s, err)
		}
	}
	// The SPIs the spec digest lists, bit by bit.
	s, _ := DecodeSPI([2]byte{0x15, 0x35}, 0)
	want := SPI{Checksum: ChecksumRC, Ciphering: true, Counter: CounterHigher, PoR: PoRAlways,
		PoRChecksum: ChecksumRC, PoRCiphering: true, PoRBySubmit: true}
	if s != want {
		t.Errorf("15 35: %+v", s)
	}
	s, _ = DecodeSPI([2]byte{0x1E, 0x02}, 0)
	if s.Counter != CounterOneHigher || s.PoR != PoROnError || s.Checksum != ChecksumCC || !s.Ciphering {
		t.Errorf("1E 02: %+v", s)
	}
}

func TestPoRModeSend(t *testing.T) {
	for _, tc := range []struct {
		m      PoRMode
		ok, ko bool
	}{{PoRNone, false, false}, {PoRAlways, true, true}, {PoROnError, false, true}, {PoRRFU, false, false}} {
		if tc.m.Send(StatusPoROK) != tc.ok || tc.m.Send(StatusCounterLow) != tc.ko {
			t.Errorf("%v", tc.m)
		}
	}
}

func TestKIcKIDCodings(t *testing.T) {
	kic := map[byte]Algorithm{0x00: AlgImplicit, 0x01: AlgDESCBC, 0x05: AlgTripleDES2Key, 0x09: AlgTripleDES3Key,
		0x0D: AlgDESECB, 0x02: AlgAESCBC, 0x06: AlgReserved, 0x0A: AlgReserved, 0x0E: AlgReserved, 0x03: AlgProprietary,
		0x0F: AlgProprietary, 0x04: AlgImplicit}
	for b, want := range kic {
		for kvn := 0; kvn < 16; kvn++ {
			k := KIc(byte(kvn)<<4 | b)
			if k.Algorithm() != want || k.KeyVersion() != kvn {
				t.Errorf("KIc %02X: %v KVN %d, want %v", byte(k), k.Algorithm(), k.KeyVersion(), want)
			}
		}
	}
	cc := map[byte]Algorithm{0x01: AlgDESCBC, 0x05: AlgTripleDES2Key, 0x09: AlgTripleDES3Key, 0x0D: AlgReserved,
		0x02: AlgAESCMAC, 0x06: AlgReserved, 0x00: AlgImplicit, 0x03: AlgProprietary}
	rc := map[byte]Algorithm{0x01: AlgCRC16, 0x05: AlgCRC32, 0x09: AlgReserved, 0x0D: AlgReserved,
		0x02: AlgReserved, 0x00: AlgImplicit, 0x03: AlgProprietary}
	for b, want := range cc {
		if got := KID(0x30 | b).Algorithm(ChecksumCC); got != want {
			t.Errorf("KID %02X as CC: %v, want %v", b, got, want)
		}
	}
	for b, want := range rc {
		if got := KID(0x30 | b).Algorithm(ChecksumRC); got != want {
			t.Errorf("KID %02X as RC: %v, want %v", b, got, want)
		}
	}
	if KID(0x35).KeyVersion() != 3 {
		t.Error("KID key version")
	}
}

func TestStatusNames(t *testing.T) {
	want := []string{"por_ok", "rc_cc_ds_failed", "cntr_low", "cntr_high", "cntr_blocked", "ciphering_error",
		"undefined_security_error", "insufficient_memory", "more_time_needed", "tar_unknown",
		"insufficient_security_level", "actual_response_sms_submit"}
	for i, w := range want {
		if Status(i).String() != w {
			t.Errorf("%02X: %s, want %s", i, Status(i), w)
		}
	}
	if Status(0x0C).String() != "reserved_0c" {
		t.Error(Status(0x0C))
	}
}

// cipherCase and sumCase are every ciphering and checksum TS 102 225 codes for SMS.
type cipherCase struct {
	name string
	kic  byte
	key  int
}

type sumCase struct {
	name    string
	c       Checksum
	kid     byte
	key     int
	cmacLen int
	sumLen  int
}

var cipherCases = []cipherCase{
	{"clear", 0x11, 0}, {"DES-CBC", 0x11, 8}, {"3DES2-CBC", 0x15, 16}, {"3DES3-CBC", 0x19, 24},
	{"DES-ECB", 0x1D, 8}, {"AES128-CBC", 0x12, 16}, {"AES192-CBC", 0x12, 24}, {"AES256-CBC", 0x12, 32},
}

var sumCases = []sumCase{
	{"none", ChecksumNone, 0x11, 0, 0, 0}, {"CRC16", ChecksumRC, 0x11, 0, 0, 2}, {"CRC32", ChecksumRC, 0x15, 0, 0, 4},
	{"CC-DES", ChecksumCC, 0x11, 8, 0, 8}, {"CC-3DES2", ChecksumCC, 0x15, 16, 0, 8}, {"CC-3DES3", ChecksumCC, 0x19, 24, 0, 8},
	{"CMAC-AES128", ChecksumCC, 0x12, 16, 0, 8}, {"CMAC-AES256", ChecksumCC, 0x12, 32, 0, 8},
	{"CMAC4-AES128", ChecksumCC, 0x12, 16, 4, 4},
}

func keyBytes(n int, seed byte) []byte {
	k := make([]byte, n)
	for i := range k {
		k[i] = seed + byte(i)*13
	}
	return k
}

func pairHeader(cc cipherCase, sc sumCase) (Header, *Keyset) {
	h := Header{Security: Security{
		SPI: SPI{Checksum: sc.c, Ciphering: cc.key > 0, Counter: CounterHigher, PoR: PoRAlways,
			PoRChecksum: sc.c, PoRCiphering: cc.key > 0, PoRBySubmit: true},
		KIc: KIc(cc.kic), KID: KID(sc.kid)}, TAR: TAR{0xB0, 0x00, 0x10}, CNTR: 0x0102030405}
	return h, &Keyset{KIc: keyBytes(cc.key, 0x40), KID: keyBytes(sc.key, 0x90), CMACLength: sc.cmacLen}
}

// Every cipher with every checksum: seal and open both ways, for every data length across two
// AES blocks (padding from none to a whole block), and every single-byte change is refused.
func TestEveryPairRoundTrip(t *testing.T) {
	for _, cc := range cipherCases {
		for _, sc := range sumCases {
			t.Run(cc.name+"/"+sc.name, func(t *testing.T) {
				h, keys := pairHeader(cc, sc)
				for n := 0; n <= 40; n++ {
					data := keyBytes(n, byte(n))
					pkt, err := Seal(nil, &h, data, keys)
					if err != nil {
						t.Fatal(err)
					}
					if int(pkt[offCHL]) != chlBase+sc.sumLen {
						t.Fatalf("CHL %d", pkt[offCHL])
					}
					if cc.key > 0 {
						bs := 8
						if cc.kic&3 == 2 {
							bs = 16
						}
						if (len(pkt)-offCNTR)%bs != 0 {
							t.Fatalf("len %d: ciphered part %d not whole blocks", n, len(pkt)-offCNTR)
						}
					} else if len(pkt) != offRC+sc.sumLen+n {
						t.Fatalf("len %d: unciphered packet padded to %d", n, len(pkt))
					}
					cmd, err := Open(make([]byte, 0, 128), pkt, keys)
					if err != nil {
						t.Fatalf("len %d: %v", n, err)
					}
					if cmd.Header != h || !bytes.Equal(cmd.Data, data) {
						t.Fatalf("len %d: opened %+v %x", n, cmd.Header, cmd.Data)
					}
					por, err := SealPoR(nil, udhPoR, &h, StatusPoROK, data, keys)
					if err != nil {
						t.Fatal(err)
					}
					r, err := OpenPoR(nil, udhPoR, por, h.Security, keys)
					if err != nil || r.TAR != h.TAR || r.CNTR != h.CNTR || r.Status != StatusPoROK || !bytes.Equal(r.Data, data) {
						t.Fatalf("len %d: PoR %+v %v", n, r, err)
					}
					if sc.c == ChecksumNone || n%13 != 0 {
						continue
					}
					for i := range pkt {
						bad := bytes.Clone(pkt)
						bad[i] ^= 0x01
						if _, err := Open(nil, bad, keys); err == nil {
							t.Fatalf("len %d: byte %d changed and still opened", n, i)
						}
					}
					for i := range por {
						bad := bytes.Clone(por)
						bad[i] ^= 0x80
						if _, err := OpenPoR(nil, udhPoR, bad, h.Security, keys); err == nil {
							t.Fatalf("len %d: PoR byte %d changed and still opened", n, i)
						}
					}
					// The transport header is covered too (TS 31.115, response packet over SMS-PP).
					if _, err := OpenPoR(nil, []byte{0x02, 0x71, 0x01}, por, h.Security, keys); !errors.Is(err, ErrChecksum) {
						t.Fatalf("PoR checked without its UDH: %v", err)
					}
				}
			})
		}
	}
}

// Every strict prefix of a valid packet fails cleanly, as truncated.
func TestStrictPrefixes(t *testing.T) {
	for _, c := range loadSamples(t) {
		h, keys := c.header(t)
		pkt := unhex(t, c.Expected.CommandPacket)
		for i := range pkt {
			if _, err := Open(nil, pkt[:i], keys); !errors.Is(err, ErrTruncated) {
				t.Errorf("%s: prefix %d: %v, want ErrTruncated", c.ID, i, err)
			}
		}
		if c.PoR == nil {
			continue
		}
		ud := unhex(t, c.PoR.UD)
		for i := range ud[3:] {
			if _, err := OpenPoR(nil, ud[:3], ud[3:3+i], h.Security, keys); !errors.Is(err, ErrTruncated) {
				t.Errorf("%s: PoR prefix %d: %v, want ErrTruncated", c.ID, i, err)
			}
		}
	}
}

func TestPaddingEdges(t *testing.T) {
	aes := cipherCases[5]
	cc := sumCases[6]
	h, keys := pairHeader(aes, cc)
	for _, tc := range []struct {
		n, pad int
	}{
		{0, 2},  // empty data: CNTR PCNTR CC = 14 bytes, 2 to the block
		{2, 0},  // aligned: 16 bytes exactly, no padding
		{3, 15}, // one over: a whole block of padding less one
		{18, 0}, // two blocks
	} {
		pkt, err := Seal(nil, &h, make([]byte, tc.n), keys)
		if err != nil {
			t.Fatal(err)
		}
		cmd, err := Open(nil, pkt, keys)
		if err != nil || cmd.PCNTR != tc.pad || len(cmd.Data) != tc.n {
			t.Errorf("len %d: PCNTR %d data %d %v, want PCNTR %d", tc.n, cmd.PCNTR, len(cmd.Data), err, tc.pad)
		}
	}
	// Largest packets: CPL is 65535 at most (TS 102 225 5.1.1).
	clear := pairHeader
	for _, tc := range []struct {
		cc   cipherCase
		max  int
		name string
	}{
		{cipherCases[0], 0xFFFF - 1 - chlBase - 8, "clear"}, // CPL = CHL byte + CHL + data
		{aes, 65506, "AES"},             // 16 * 4095 = 65520 ciphered bytes + 7 clear header bytes + CHL byte
		{cipherCases[2], 65506, "3DES"}, // the same 65520 ciphered bytes: 8 * 8190
	} {
		h, keys := clear(tc.cc, cc)
		if tc.cc.kic&3 == 1 && tc.cc.key > 0 {
			h.KID = 0x15
			keys.KID = keyBytes(16, 1)
		}
		pkt, err := Seal(nil, &h, make([]byte, tc.max), keys)
		if err != nil {
			t.Fatalf("%s max %d: %v", tc.name, tc.max, err)
		}
		if len(pkt) != MaxPacket && tc.name == "clear" {
			t.Errorf("%s: %d bytes, want %d", tc.name, len(pkt), MaxPacket)
		}
		if _, err := Open(nil, pkt, keys); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if _, err := Seal(nil, &h, make([]byte, tc.max+1), keys); !errors.Is(err, ErrRange) {
			t.Errorf("%s max+1: %v, want ErrRange", tc.name, err)
		}
	}
}

func TestCheckCounter(t *testing.T) {
	for _, tc := range []struct {
		mode             CounterMode
		stored, received Counter
		next             Counter
		st               Status
	}{
		{CounterNone, 5, 0, 5, StatusPoROK},
		{CounterNone, 5, 9, 5, StatusPoROK},
		{CounterNotChecked, 5, 1, 5, StatusPoROK},
		{CounterNotChecked, 5, 5, 5, StatusPoROK},
		{CounterHigher, 5, 6, 6, StatusPoROK},
		{CounterHigher, 5, 1000, 1000, StatusPoROK},
		{CounterHigher, 5, 5, 5, StatusCounterLow},
		{CounterHigher, 5, 4, 5, StatusCounterLow},
		{CounterHigher, MaxCounter - 1, MaxCounter, MaxCounter, StatusPoROK},
		{CounterHigher, MaxCounter, MaxCounter, MaxCounter, StatusCounterBlocked},
		{CounterOneHigher, 5, 6, 6, StatusPoROK},
		{CounterOneHigher, 5, 7, 5, StatusCounterHigh},
		{CounterOneHigher, 5, 5, 5, StatusCounterLow},
		{CounterOneHigher, 0, 1, 1, StatusPoROK},
		{CounterOneHigher, MaxCounter, 0, MaxCounter, StatusCounterBlocked},
	} {
		next, st := CheckCounter(tc.mode, tc.stored, tc.received)
		if next != tc.next || st != tc.st {
			t.Errorf("%v stored %d received %d: %d %v, want %d %v", tc.mode, tc.stored, tc.received, next, st, tc.next, tc.st)
		}
	}
}

// Negative paths: each is a typed error naming the field (and the byte, where there is one).
func TestOpenErrors(t *testing.T) {
	s := loadSamples(t)[0] // ota-001: 3DES 2-key, CC, ciphered
	h, keys := s.header(t)
	pkt := unhex(t, s.Expected.CommandPacket)
	mod := func(f func(p []byte) []byte) []byte { return f(bytes.Clone(pkt)) }
	other := &Keyset{KIc: keys.KIc, KID: keyBytes(16, 7)}
	for _, tc := range []struct {
		name   string
		pkt    []byte
		keys   *Keyset
		kind   error
		field  string
		offset int
		status Status
	}{
		{"wrong CC", mod(func(p []byte) []byte { p[len(p)-1] ^= 1; return p }), keys, ErrChecksum, "command.rc_cc", offRC, StatusRCCCDSFailed},
		{"wrong KID key", pkt, other, ErrChecksum, "command.rc_cc", offRC, StatusRCCCDSFailed},
		{"wrong KIc key", pkt, &Keyset{KIc: keyBytes(16, 3), KID: keys.KID}, ErrChecksum, "command.rc_cc", offRC, StatusRCCCDSFailed},
		{"truncated", pkt[:len(pkt)-1], keys, ErrTruncated, "command.cpl", 0, StatusUnidentifiedSecurityError},
		{"trailing byte", append(bytes.Clone(pkt), 0), keys, ErrLength, "command.cpl", 0, StatusUnidentifiedSecurityError},
		{"CHL says CRC32", mod(func(p []byte) []byte { p[offCHL] = 0x11; return p }), keys, ErrLength, "command.chl", offCHL, StatusUnidentifiedSecurityError},
		{"half a block", mod(func(p []byte) []byte { p[1]++; return append(p, 0) }), keys, ErrCiphering, "command.secured_data", offCNTR, StatusCipheringError},
		{"KIc proprietary", mod(func(p []byte) []byte { p[offKIc] = 0x37; return p }), keys, ErrUnsupported, "command.kic", -1, StatusUnidentifiedSecurityError},
		{"KIc implicit", mod(func(p []byte) []byte { p[offKIc] = 0x30; return p }), keys, ErrUnsupported, "command.kic", -1, StatusUnidentifiedSecurityError},
		{"KIc AES RFU mode", mod(func(p []byte) []byte { p[offKIc] = 0x36; return p }), keys, ErrUnsupported, "command.kic", -1, StatusUnidentifiedSecurityError},
		{"KID CC RFU", mod(func(p []byte) []byte { p[offKID] = 0x3D; return p }), keys, ErrUnsupported, "command.kid", -1, StatusUnidentifiedSecurityError},
		{"KIc wants AES key", mod(func(p []byte) []byte { p[offKIc] = 0x32; return p }), &Keyset{KIc: keyBytes(20, 0), KID: keys.KID}, ErrKey, "keyset.kic", -1, StatusUnidentifiedSecurityError},
		{"KIc wants 3-key", mod(func(p []byte) []byte { p[offKIc] = 0x39; return p }), keys, ErrKey, "keyset.kic", -1, StatusUnidentifiedSecurityError},
		{"SPI DS", mod(func(p []byte) []byte { p[offSPI] = 0x07; return p }), keys, ErrUnsupported, "command.spi", -1, StatusUnidentifiedSecurityError},
		{"SPI reserved", mod(func(p []byte) []byte { p[offSPI] |= 0x80; return p }), keys, ErrReserved, "spi.spi1", offSPI, StatusUnidentifiedSecurityError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(nil, tc.pkt, tc.keys)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, tc.kind) || e.Field != tc.field || e.Offset != tc.offset || e.Status() != tc.status {
				t.Fatalf("%v, want %v in %s at %d", err, tc.kind, tc.field, tc.offset)
			}
		})
	}
	// PCNTR larger than the data: build a clear packet by hand.
	h.SPI = SPI{Checksum: ChecksumRC}
	h.KID = 0x15
	p, err := Seal(nil, &h, []byte{1, 2, 3}, &Keyset{})
	if err != nil {
		t.Fatal(err)
	}
	p[offPCNTR] = 9
	// fix the CRC32 so that only PCNTR is wrong
	s2 := suite{sumAlg: AlgCRC32, sumLen: 4}
	s2.checksum(p[offRC:], p[:offRC], p[offRC+4:])
	if _, err := Open(nil, p, &Keyset{}); !errors.Is(err, ErrLength) || err.(*Error).Field != "command.pcntr" {
		t.Errorf("PCNTR 9 over 3 bytes: %v", err)
	}
	if _, err := Seal(nil, &Header{CNTR: MaxCounter + 1}, nil, &Keyset{}); !errors.Is(err, ErrRange) {
		t.Errorf("6-byte counter: %v", err)
	}
	if _, err := Seal(nil, &Header{Security: Security{SPI: SPI{Checksum: ChecksumCC}, KID: 0x12}}, nil, &Keyset{KID: keyBytes(16, 0), CMACLength: 6}); !errors.Is(err, ErrRange) {
		t.Errorf("CMAC length 6: %v", err)
	}
}

func TestOpenPoRErrors(t *testing.T) {
	s := loadSamples(t)[0]
	h, keys := s.header(t)
	ud := unhex(t, s.PoR.UD)
	por := ud[3:]
	for _, tc := range []struct {
		name  string
		pkt   []byte
		sec   Security
		kind  error
		field string
	}{
		{"RHL for CRC32", func() []byte { p := bytes.Clone(por); p[offRHL] = 0x0E; return p }(), h.Security, ErrLength, "por.rhl"},
		{"RPL short", func() []byte { p := bytes.Clone(por); p[1]--; return p }(), h.Security, ErrLength, "por.rpl"},
		{"PoR not ciphered as SPI says", por, func() Security { x := h.Security; x.SPI.PoRCiphering = false; return x }(), ErrChecksum, "por.rc_cc"},
		{"half a block", func() []byte { p := append(bytes.Clone(por), 0); p[1]++; return p }(), h.Security, ErrCiphering, "por.secured_data"},
	} {
		_, err := OpenPoR(nil, ud[:3], tc.pkt, tc.sec, keys)
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, tc.kind) || e.Field != tc.field {
			t.Errorf("%s: %v, want %v in %s", tc.name, err, tc.kind, tc.field)
		}
	}
}

// A card refusing a packet answers with an unciphered PoR (TS 102 225 5.2.2), which the server
// opens by the same SPI with ciphering cleared.
func TestSecurityFailurePoR(t *testing.T) {
	h, keys := pairHeader(cipherCases[2], sumCases[4])
	h.SPI.PoRCiphering = false
	por, err := SealPoR(nil, udhPoR, &h, StatusCounterLow, nil, keys)
	if err != nil {
		t.Fatal(err)
	}
	r, err := OpenPoR(nil, udhPoR, por, h.Security, keys)
	if err != nil || r.Status != StatusCounterLow {
		t.Fatalf("%+v %v", r, err)
	}
	if got := fmt.Sprintf("%x", por[:offRRC]); got != "001312b0001001020304050002" {
		t.Errorf("header %s", got)
	}
}
