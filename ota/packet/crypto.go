package packet

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/subtle"
	"hash/crc32"
	"sync"
)

// suite is the cipher and checksum one packet needs, keys expanded once (a fresh card per
// packet is the common case, so key schedules dominate the cost).
type suite struct {
	cipherAlg Algorithm
	enc       cipher.Block // nil when the packet is not ciphered
	sumAlg    Algorithm    // AlgImplicit when there is no checksum
	mac       cipher.Block // CC key; shares enc when KIc and KID hold the same key
	sumLen    int
}

// newSuite builds the suite for ciphering (KIc) and checksum kind c (KID); who names the part
// being built ("command" or "por") for errors.
func newSuite(who string, ciphering bool, c Checksum, kic KIc, kid KID, keys *Keyset) (suite, error) {
	var s suite
	if ciphering {
		s.cipherAlg = kic.Algorithm()
		if err := supported(who, "kic", s.cipherAlg, byte(kic)); err != nil {
			return s, err
		}
		b, err := newBlock("keyset.kic", s.cipherAlg, keys.KIc)
		if err != nil {
			return s, err
		}
		s.enc = b
	}
	switch c {
	case ChecksumNone:
		return s, nil
	case ChecksumDS:
		return s, errorf(who+".spi", -1, ErrUnsupported, "digital signature (DS) is not defined for SMS by TS 102 225")
	}
	s.sumAlg = kid.Algorithm(c)
	if err := supported(who, "kid", s.sumAlg, byte(kid)); err != nil {
		return s, err
	}
	switch s.sumAlg {
	case AlgCRC16:
		s.sumLen = 2
		return s, nil
	case AlgCRC32:
		s.sumLen = 4
		return s, nil
	case AlgAESCMAC:
		s.sumLen = 8
		switch keys.CMACLength {
		case 0, 8:
		case 4:
			s.sumLen = 4
		default:
			return s, errorf("keyset.cmac_length", -1, ErrRange, "AES CMAC length %d: want 4 or 8", keys.CMACLength)
		}
	default:
		s.sumLen = 8
	}
	if s.enc != nil && sameKey(s.cipherAlg, s.sumAlg) && bytes.Equal(keys.KIc, keys.KID) {
		s.mac = s.enc
		return s, nil
	}
	b, err := newBlock("keyset.kid", s.sumAlg, keys.KID)
	if err != nil {
		return s, err
	}
	s.mac = b
	return s, nil
}

// sameKey reports whether one expanded key serves both algorithms.
func sameKey(c, m Algorithm) bool {
	switch c {
	case AlgAESCBC:
		return m == AlgAESCMAC
	case AlgDESECB:
		return m == AlgDESCBC
	}
	return c == m
}

// supported refuses the codings no key can serve; the field name is built only on failure, so
// the hot path allocates nothing.
func supported(who, part string, a Algorithm, coding byte) error {
	field := func() string { return who + "." + part }
	switch a {
	case AlgImplicit:
		return errorf(field(), -1, ErrUnsupported, "%02X: algorithm implicitly known (b2-b1 = 00) needs a prior agreement this tool does not have", coding)
	case AlgProprietary:
		return errorf(field(), -1, ErrUnsupported, "%02X: proprietary algorithm (b2-b1 = 11)", coding)
	case AlgReserved:
		return errorf(field(), -1, ErrUnsupported, "%02X: reserved algorithm coding", coding)
	}
	return nil
}

// newBlock expands key for algorithm a; 3DES 2-key takes K1 K2 and runs K1 K2 K1.
func newBlock(field string, a Algorithm, key []byte) (cipher.Block, error) {
	want := 0
	switch a {
	case AlgDESCBC, AlgDESECB:
		want = 8
	case AlgTripleDES2Key:
		want = 16
	case AlgTripleDES3Key:
		want = 24
	case AlgAESCBC, AlgAESCMAC:
		switch len(key) {
		case 16, 24, 32:
			return aes.NewCipher(key)
		}
		return nil, errorf(field, -1, ErrKey, "%v needs 16, 24 or 32 key bytes, have %d", a, len(key))
	}
	if len(key) != want {
		return nil, errorf(field, -1, ErrKey, "%v needs %d key bytes, have %d", a, want, len(key))
	}
	switch a {
	case AlgTripleDES2Key:
		var k [24]byte
		copy(k[:], key)
		copy(k[16:], key[:8])
		return des.NewTripleDESCipher(k[:])
	case AlgTripleDES3Key:
		return des.NewTripleDESCipher(key)
	}
	return des.NewCipher(key)
}

// encrypt ciphers p in place (len(p) is a multiple of the block): CBC with a zero IV, or ECB
// for DES-ECB (TS 102 225 5.1.2).
func (s *suite) encrypt(p []byte) {
	bs := s.cipherAlg.blockSize()
	if s.cipherAlg == AlgDESECB {
		for i := 0; i < len(p); i += bs {
			s.enc.Encrypt(p[i:i+bs], p[i:i+bs])
		}
		return
	}
	var iv [16]byte
	prev := iv[:bs]
	for i := 0; i < len(p); i += bs {
		blk := p[i : i+bs]
		subtle.XORBytes(blk, blk, prev)
		s.enc.Encrypt(blk, blk)
		prev = blk
	}
}

// decrypt deciphers p in place (len(p) is a multiple of the block).
func (s *suite) decrypt(p []byte) {
	bs := s.cipherAlg.blockSize()
	if s.cipherAlg == AlgDESECB {
		for i := 0; i < len(p); i += bs {
			s.enc.Decrypt(p[i:i+bs], p[i:i+bs])
		}
		return
	}
	var prev, cur [16]byte
	for i := 0; i < len(p); i += bs {
		blk := p[i : i+bs]
		copy(cur[:bs], blk)
		s.enc.Decrypt(blk, blk)
		subtle.XORBytes(blk, blk, prev[:bs])
		prev = cur
	}
}

// checksum computes the RC/CC over the concatenation of parts into out[:s.sumLen].
func (s *suite) checksum(out []byte, parts ...[]byte) {
	switch s.sumAlg {
	case AlgCRC16:
		c := uint16(0xFFFF)
		for _, p := range parts {
			c = crc16Update(c, p)
		}
		c ^= 0xFFFF
		out[0], out[1] = byte(c>>8), byte(c)
	case AlgCRC32:
		var c uint32
		for _, p := range parts {
			c = crc32.Update(c, crc32.IEEETable, p)
		}
		out[0], out[1], out[2], out[3] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
	case AlgAESCMAC:
		st := macPool.Get().(*macState)
		m := &st.cmac
		m.init(s.mac)
		for _, p := range parts {
			m.write(p)
		}
		m.sum(&st.tag)
		copy(out[:s.sumLen], st.tag[:])
		*st = macState{} // no key-derived bytes stay in the pool
		macPool.Put(st)
	default:
		st := macPool.Get().(*macState)
		m := &st.cbc
		m.b = s.mac
		for _, p := range parts {
			m.write(p)
		}
		m.sum(out[:8])
		*st = macState{}
		macPool.Put(st)
	}
}

// macState is the working memory of one MAC. Block ciphers are interfaces, so whatever they
// touch escapes to the heap; a pool keeps that from costing an allocation per packet.
type macState struct {
	cmac cmac
	cbc  cbcMAC
	tag  [16]byte
}

var macPool = sync.Pool{New: func() any { return new(macState) }}

// cbcMAC is the DES/3DES cryptographic checksum of TS 102 225 5.1.3.1: CBC with a zero IV over
// the input padded with zeros to a multiple of 8, the last block being the CC.
type cbcMAC struct {
	b   cipher.Block
	x   [8]byte // chaining value
	buf [8]byte
	n   int
}

func (m *cbcMAC) write(p []byte) {
	for len(p) > 0 {
		k := copy(m.buf[m.n:], p)
		m.n += k
		p = p[k:]
		if m.n == 8 {
			subtle.XORBytes(m.x[:], m.x[:], m.buf[:])
			m.b.Encrypt(m.x[:], m.x[:])
			m.n = 0
		}
	}
}

func (m *cbcMAC) sum(out []byte) {
	if m.n > 0 {
		clear(m.buf[m.n:])
		subtle.XORBytes(m.x[:], m.x[:], m.buf[:])
		m.b.Encrypt(m.x[:], m.x[:])
		m.n = 0
	}
	copy(out, m.x[:])
}

// cmac is AES-CMAC (RFC 4493, NIST SP 800-38B) written over cipher.Block.
type cmac struct {
	b      cipher.Block
	k1, k2 [16]byte
	x      [16]byte
	buf    [16]byte
	n      int // bytes in buf; a full buf is held back until more input shows it is not the last
}

func (m *cmac) init(b cipher.Block) {
	m.b = b
	m.k2 = [16]byte{}
	b.Encrypt(m.k2[:], m.k2[:]) // L = AES(K, 0), held in k2 until k2 is derived
	cmacDouble(&m.k1, &m.k2)
	cmacDouble(&m.k2, &m.k1)
}

// cmacDouble is multiplication by x in GF(2^128) with the polynomial x^128+x^7+x^2+x+1.
func cmacDouble(dst, src *[16]byte) {
	carry := src[0] >> 7
	for i := 0; i < 15; i++ {
		dst[i] = src[i]<<1 | src[i+1]>>7
	}
	dst[15] = src[15]<<1 ^ 0x87&-carry
}

func (m *cmac) write(p []byte) {
	for len(p) > 0 {
		if m.n == 16 {
			subtle.XORBytes(m.x[:], m.x[:], m.buf[:])
			m.b.Encrypt(m.x[:], m.x[:])
			m.n = 0
		}
		k := copy(m.buf[m.n:], p)
		m.n += k
		p = p[k:]
	}
}

func (m *cmac) sum(tag *[16]byte) {
	if m.n == 16 {
		subtle.XORBytes(m.buf[:], m.buf[:], m.k1[:])
	} else {
		m.buf[m.n] = 0x80
		clear(m.buf[m.n+1:])
		subtle.XORBytes(m.buf[:], m.buf[:], m.k2[:])
	}
	subtle.XORBytes(m.x[:], m.x[:], m.buf[:])
	m.b.Encrypt(tag[:], m.x[:])
}

// crc16Table is the reflected table of x^16+x^12+x^5+1 (0x8408 reversed form).
var crc16Table = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0x8408
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

// crc16Update runs the ISO/IEC 13239 CRC16 register over p (no final XOR).
func crc16Update(c uint16, p []byte) uint16 {
	for _, b := range p {
		c = c>>8 ^ crc16Table[byte(c)^b]
	}
	return c
}
