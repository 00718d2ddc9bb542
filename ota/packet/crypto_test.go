package packet

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"encoding/hex"
	"testing"
)

// RFC 4493 section 4, the four AES-CMAC examples.
func TestCMACRFC4493(t *testing.T) {
	const msg = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" +
		"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
	key := unhex(t, "2b7e151628aed2a6abf7158809cf4f3c")
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	var m cmac
	m.init(b)
	if got := hex.EncodeToString(m.k1[:]) + " " + hex.EncodeToString(m.k2[:]); got !=
		"fbeed618357133667c85e08f7236a8de f7ddac306ae266ccf90bc11ee46d513b" {
		t.Errorf("subkeys %s", got)
	}
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "bb1d6929e95937287fa37d129b756746"},
		{16, "070a16b46b4d4144f79bdd9dd04a287c"},
		{40, "dfa66747de9ae63030ca32611497c827"},
		{64, "51f0bebf7e3b9d92fc49741779363cfe"},
	} {
		in := unhex(t, msg)[:tc.n]
		// Any split of the input gives the same tag: the MAC streams over header and data.
		for split := 0; split <= tc.n; split++ {
			var m cmac
			m.init(b)
			m.write(in[:split])
			m.write(in[split:])
			var tag [16]byte
			m.sum(&tag)
			if got := hex.EncodeToString(tag[:]); got != tc.want {
				t.Fatalf("len %d split %d: %s, want %s", tc.n, split, got, tc.want)
			}
		}
	}
}

// The DES CBC-MAC equals the last block of a CBC encryption with zero IV over the zero-padded
// input (TS 102 225 5.1.3.1), for single DES and both 3DES keyings.
func TestCBCMACIsLastCBCBlock(t *testing.T) {
	key := unhex(t, "0123456789abcdeffedcba987654321089abcdef01234567")
	blocks := map[string]cipher.Block{}
	blocks["des"], _ = des.NewCipher(key[:8])
	blocks["3des"], _ = des.NewTripleDESCipher(key)
	for name, b := range blocks {
		for n := 1; n <= 40; n++ {
			in := make([]byte, n)
			for i := range in {
				in[i] = byte(i * 7)
			}
			padded := make([]byte, (n+7)/8*8)
			copy(padded, in)
			cipher.NewCBCEncrypter(b, make([]byte, 8)).CryptBlocks(padded, padded)
			m := cbcMAC{b: b}
			m.write(in[:n/3])
			m.write(in[n/3:])
			var out [8]byte
			m.sum(out[:])
			if hex.EncodeToString(out[:]) != hex.EncodeToString(padded[len(padded)-8:]) {
				t.Fatalf("%s len %d: %x", name, n, out)
			}
		}
	}
}

// Check values of the catalogued CRCs over "123456789": CRC-16/X-25 906E (ISO/IEC 13239, the
// coding TS 102 225 5.1.3.2 names) and CRC-32 CBF43926.
func TestCRCCheckValues(t *testing.T) {
	in := []byte("123456789")
	s := suite{sumAlg: AlgCRC16, sumLen: 2}
	var out [4]byte
	s.checksum(out[:], in[:4], in[4:])
	if got := hex.EncodeToString(out[:2]); got != "906e" {
		t.Errorf("CRC16 %s, want 906e", got)
	}
	s = suite{sumAlg: AlgCRC32, sumLen: 4}
	s.checksum(out[:], in)
	if got := hex.EncodeToString(out[:]); got != "cbf43926" {
		t.Errorf("CRC32 %s, want cbf43926", got)
	}
}
