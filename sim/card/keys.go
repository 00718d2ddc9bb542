package card

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/stkforge/stkforge/ota/packet"
)

type keyset struct {
	kvn            int
	kicAlg, kidAlg packet.Algorithm
	kic, kid, kik  []byte
	counter        packet.Counter
}

var algByName = map[string]packet.Algorithm{}

func init() {
	for a := packet.AlgDESCBC; a <= packet.AlgCRC32; a++ {
		algByName[a.String()] = a
	}
}

func (c *Card) loadKeysets(specs []KeysetSpec) error {
	c.keysets = map[int]*keyset{}
	for i, s := range specs {
		field := fmt.Sprintf("keysets[%d]", i)
		if s.KVN < 1 || s.KVN > 15 {
			return profileErr(field+".kvn", "%d: key version numbers are 1..15 (TS 102 225 5.1.2)", s.KVN)
		}
		if c.keysets[s.KVN] != nil {
			return profileErr(field+".kvn", "%d repeated", s.KVN)
		}
		k := &keyset{kvn: s.KVN, kic: bytes.Clone(s.KIc), kid: bytes.Clone(s.KID), kik: bytes.Clone(s.KIK)}
		var ok bool
		if k.kicAlg, ok = algByName[s.KIcAlgorithm]; !ok || !slices.Contains([]packet.Algorithm{packet.AlgDESCBC,
			packet.AlgTripleDES2Key, packet.AlgTripleDES3Key, packet.AlgDESECB, packet.AlgAESCBC}, k.kicAlg) {
			return profileErr(field+".kic_algorithm", "%q is not a ciphering algorithm of TS 102 225 5.1.2", s.KIcAlgorithm)
		}
		if k.kidAlg, ok = algByName[s.KIDAlgorithm]; !ok || !slices.Contains([]packet.Algorithm{packet.AlgDESCBC,
			packet.AlgTripleDES2Key, packet.AlgTripleDES3Key, packet.AlgAESCMAC}, k.kidAlg) {
			return profileErr(field+".kid_algorithm", "%q is not a CC algorithm of TS 102 225 5.1.3.1", s.KIDAlgorithm)
		}
		for _, kk := range []struct {
			name string
			alg  packet.Algorithm
			key  []byte
		}{{"kic", k.kicAlg, k.kic}, {"kid", k.kidAlg, k.kid}} {
			if !keyLenOK(kk.alg, len(kk.key)) {
				return profileErr(field+"."+kk.name, "%d bytes do not fit %v", len(kk.key), kk.alg)
			}
			if kk.alg.SingleDES() {
				if !c.lab {
					return profileErr(field+"."+kk.name+"_algorithm", "single DES is refused outside a lab profile")
				}
				c.warnings = append(c.warnings, fmt.Sprintf("keyset %d: single DES %s (lab profile)", s.KVN, kk.name))
			}
		}
		if len(s.Counter) != 5 {
			return profileErr(field+".counter", "%d bytes: CNTR is 5 (TS 102 225 5.1.1)", len(s.Counter))
		}
		for _, b := range s.Counter {
			k.counter = k.counter<<8 | packet.Counter(b)
		}
		c.keysets[s.KVN] = k
	}
	return nil
}

func keyLenOK(a packet.Algorithm, n int) bool {
	switch a {
	case packet.AlgDESCBC, packet.AlgDESECB:
		return n == 8
	case packet.AlgTripleDES2Key:
		return n == 16
	case packet.AlgTripleDES3Key:
		return n == 24
	case packet.AlgAESCBC, packet.AlgAESCMAC:
		return n == 16 || n == 24 || n == 32
	}
	return false
}

func (k *keyset) spec() KeysetSpec {
	ctr := make(Hex, 5)
	for i := 0; i < 5; i++ {
		ctr[i] = byte(k.counter >> (8 * (4 - i)))
	}
	return KeysetSpec{KVN: k.kvn, KIcAlgorithm: k.kicAlg.String(), KIc: bytes.Clone(k.kic),
		KIDAlgorithm: k.kidAlg.String(), KID: bytes.Clone(k.kid), KIK: bytes.Clone(k.kik), Counter: ctr}
}

// Counter returns the counter stored for a keyset (TS 102 225 5.1.1), false when there is no
// such keyset.
func (c *Card) Counter(kvn int) (packet.Counter, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k := c.keysets[kvn]; k != nil {
		return k.counter, true
	}
	return 0, false
}

// target of a TAR.
type target uint8

const (
	targetRFMUICC target = iota + 1
	targetRFMSIM
	targetRFMADF
	targetRAM
	targetApplet
)

var targetNames = map[string]target{"rfm_uicc": targetRFMUICC, "rfm_sim": targetRFMSIM, "rfm_adf": targetRFMADF, "ram": targetRAM}

type tarEntry struct {
	spec     TARSpec
	target   target
	adf      *file
	msl      byte
	expanded bool
	instance *Instance // targetApplet
}

func (c *Card) loadTARs(specs []TARSpec) error {
	c.tars = map[packet.TAR]*tarEntry{}
	for i, s := range specs {
		field := fmt.Sprintf("tars[%d]", i)
		e, err := c.tarEntry(s, field)
		if err != nil {
			return err
		}
		var t packet.TAR
		copy(t[:], s.TAR)
		if c.tars[t] != nil {
			return profileErr(field+".tar", "%v repeated", t)
		}
		c.tars[t] = e
		c.tarOrder = append(c.tarOrder, t)
	}
	return nil
}

func (c *Card) tarEntry(s TARSpec, field string) (*tarEntry, error) {
	if len(s.TAR) != 3 {
		return nil, profileErr(field+".tar", "a TAR is 3 bytes (TS 101 220 annex D)")
	}
	e := &tarEntry{spec: s, target: targetNames[s.Target]}
	if e.target == 0 {
		return nil, profileErr(field+".target", "%q: want rfm_uicc, rfm_sim, rfm_adf or ram", s.Target)
	}
	if e.target == targetRFMADF {
		for _, a := range c.fs.adfs {
			if len(s.AID) > 0 && bytes.HasPrefix(a.aid, s.AID) {
				e.adf = a
			}
		}
		if e.adf == nil {
			return nil, profileErr(field+".aid", "no ADF with AID %X", []byte(s.AID))
		}
	}
	msl, err := c.checkMSL(s.MSL, field+".msl")
	if err != nil {
		return nil, err
	}
	e.msl = msl
	switch s.Format {
	case "", "compact":
	case "expanded":
		e.expanded = true
	default:
		return nil, profileErr(field+".format", "%q: compact or expanded", s.Format)
	}
	return e, nil
}

// checkMSL reads an MSL: one SPI1 byte, reserved bits clear; a production profile asks at
// least for a CC (TS 102 225 5.1.1; DESIGN "Security defaults").
func (c *Card) checkMSL(v []byte, field string) (byte, error) {
	if len(v) == 0 {
		v = []byte{0}
	}
	if len(v) != 1 || v[0]&0xE0 != 0 {
		return 0, profileErr(field, "one SPI1 byte with b8-b6 clear")
	}
	if v[0]&0x03 < byte(packet.ChecksumCC) {
		if !c.lab {
			return 0, profileErr(field, "MSL %02X asks for no CC: refused outside a lab profile", v[0])
		}
		c.warnings = append(c.warnings, fmt.Sprintf("%s: MSL %02X without CC (lab profile)", field, v[0]))
	}
	return v[0], nil
}

// meetsMSL compares the SPI1 of a packet with an MSL, field by field (TS 102 226 8.2.1.3.2.4.2):
// RC/CC/DS none < RC < CC < DS, ciphering off < on, counter none < present unchecked < higher
// < one higher. The packet must be at least as strong in each.
func meetsMSL(spi packet.SPI, msl byte) bool {
	m, _ := packet.DecodeSPI([2]byte{msl, 0}, 0)
	return spi.Checksum >= m.Checksum && (spi.Ciphering || !m.Ciphering) && spi.Counter >= m.Counter
}
