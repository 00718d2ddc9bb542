package card

import (
	"github.com/stkforge/stkforge/stk/tlv"
)

// FCP tags (TS 102 221 11.1.1.3).
const (
	tagFCP             byte = 0x62
	tagFileSize        byte = 0x80
	tagTotalSize       byte = 0x81
	tagDescriptor      byte = 0x82
	tagFID             byte = 0x83
	tagDFName          byte = 0x84
	tagSFI             byte = 0x88
	tagLifeCycle       byte = 0x8A
	tagSecExpanded     byte = 0xAB
	tagPINStatus       byte = 0xC6
	tagPSDO            byte = 0x90
	tagKeyRef          byte = 0x83
	tagAMByte          byte = 0x80
	tagAMINS           byte = 0x84
	tagSCAlways        byte = 0x90
	tagSCNever         byte = 0x97
	tagSCCRT           byte = 0xA4
	tagUsageQualifier  byte = 0x95
	usageUserVerifying byte = 0x08 // usage qualifier: user authentication, knowledge based
)

// fcp is the FCP template of a file (TS 102 221 11.1.1.3): descriptor, FID, DF name, life
// cycle status, security attributes in the expanded format (AB, ISO/IEC 7816-4 9.3.3), sizes,
// SFI and, for a DF, the PIN status template.
func (c *Card) fcp(f *file) []byte {
	b := tlv.NewBuilder(make([]byte, 0, 64))
	b.AddBER(tagFCP, func(b *tlv.Builder) {
		b.AddBER(tagDescriptor, func(b *tlv.Builder) {
			switch f.kind {
			case kindMF, kindDF, kindADF:
				b.AddBytes(0x78, 0x21) // shareable DF, data coding 21
			case kindTransparent:
				b.AddBytes(0x41, 0x21)
			case kindLinearFixed, kindCyclic:
				d := byte(0x42)
				if f.kind == kindCyclic {
					d = 0x46
				}
				b.AddBytes(d, 0x21)
				b.AddUint16(uint16(f.recLen))
				b.AddUint8(byte(len(f.records)))
			}
		})
		b.AddBER(tagFID, func(b *tlv.Builder) { b.AddUint16(f.fid) })
		if f.kind == kindADF {
			b.AddBER(tagDFName, func(b *tlv.Builder) { b.AddBytes(f.aid...) })
		}
		b.AddBER(tagLifeCycle, func(b *tlv.Builder) {
			if f.deact {
				b.AddUint8(0x04) // operational, deactivated
			} else {
				b.AddUint8(0x05) // operational, activated
			}
		})
		b.AddBER(tagSecExpanded, func(b *tlv.Builder) { c.securityAttributes(b, f) })
		if f.kind.isDF() {
			b.AddBER(tagPINStatus, func(b *tlv.Builder) { c.pinStatus(b) })
			return
		}
		b.AddBER(tagFileSize, func(b *tlv.Builder) { b.AddUint16(uint16(f.size())) })
		b.AddBER(tagTotalSize, func(b *tlv.Builder) { b.AddUint16(uint16(f.size())) })
		b.AddBER(tagSFI, func(b *tlv.Builder) {
			if f.sfi != 0 {
				b.AddUint8(byte(f.sfi << 3))
			}
		})
	})
	out, err := b.Bytes()
	if err != nil {
		return nil // cannot happen: every length is bounded by the profile checks
	}
	return out
}

// securityAttributes writes access mode DOs each followed by its security condition DO: 90 00
// always, 97 00 never, A4 {83 key reference, 95 08} a PIN (ISO/IEC 7816-4 table 20).
// Operations with the same condition share one access mode byte.
func (c *Card) securityAttributes(b *tlv.Builder, f *file) {
	type rule struct {
		am   byte
		cond access
	}
	var rules []rule
	add := func(am byte, a access) {
		for i := range rules {
			if rules[i].cond == a {
				rules[i].am |= am
				return
			}
		}
		rules = append(rules, rule{am, a})
	}
	if f.kind.isDF() {
		add(0x7F, accADM) // delete child, create EF/DF, deactivate, activate, terminate, delete
	} else {
		add(0x01, f.read)   // read
		add(0x02, f.update) // update
		add(0x18, accADM)   // deactivate, activate
	}
	for _, r := range rules {
		b.AddBER(tagAMByte, func(b *tlv.Builder) { b.AddUint8(r.am) })
		addSC(b, r.cond)
	}
	if f.kind == kindCyclic {
		b.AddBER(tagAMINS, func(b *tlv.Builder) { b.AddUint8(0x32) }) // INCREASE
		addSC(b, f.increase)
	}
}

func addSC(b *tlv.Builder, a access) {
	switch a {
	case accAlways:
		b.AddBER(tagSCAlways, func(*tlv.Builder) {})
	case accNever:
		b.AddBER(tagSCNever, func(*tlv.Builder) {})
	default:
		b.AddBER(tagSCCRT, func(b *tlv.Builder) {
			b.AddBER(tagKeyRef, func(b *tlv.Builder) { b.AddUint8(a.keyRef()) })
			b.AddBER(tagUsageQualifier, func(b *tlv.Builder) { b.AddUint8(usageUserVerifying) })
		})
	}
}

// pinStatus is the PIN status template DO (TS 102 221 9.5.2): PS_DO with one bit per key
// reference listed after it (b8 first), set when that PIN is enabled.
func (c *Card) pinStatus(b *tlv.Builder) {
	var ps byte
	for i, p := range c.pins {
		if i < 8 && !p.disabled {
			ps |= 0x80 >> i
		}
	}
	b.AddBER(tagPSDO, func(b *tlv.Builder) { b.AddUint8(ps) })
	for _, p := range c.pins {
		b.AddBER(tagKeyRef, func(b *tlv.Builder) { b.AddUint8(p.ref) })
	}
}

// gsmResponse is the TS 51.011 9.2.1 response to SELECT and STATUS: 22 bytes for the MF or a DF
// (free memory, FID, type, GSM data with CHV statuses), 15 for an EF (size, FID, type, access
// conditions, status, structure, record length).
func (c *Card) gsmResponse(f *file) []byte {
	r := make([]byte, 0, 22)
	if f.kind.isDF() {
		typ := byte(0x02)
		if f.kind == kindMF {
			typ = 0x01
		}
		var dfs, efs byte
		for _, ch := range f.children {
			if ch.kind.isDF() {
				dfs++
			} else {
				efs++
			}
		}
		chars := byte(0x31) // 5 V and 3 V, clock stop allowed (TS 51.011 9.3 byte 14)
		if p := c.pin(RefPIN1); p != nil && p.disabled {
			chars |= 0x80 // CHV1 disabled
		}
		r = append(r, 0, 0, 0xFF, 0xFF, byte(f.fid>>8), byte(f.fid), typ, 0, 0, 0, 0, 0, 9, chars, dfs, efs, byte(len(c.pins)), 0)
		for _, ref := range []byte{RefPIN1, RefPIN2} {
			p := c.pin(ref)
			if p == nil {
				r = append(r, 0, 0)
				continue
			}
			r = append(r, 0x80|byte(p.tries&0x0F), 0x80|byte(p.pukTries&0x0F))
		}
		return r
	}
	structure := map[fileKind]byte{kindTransparent: 0x00, kindLinearFixed: 0x01, kindCyclic: 0x03}[f.kind]
	var b8 byte
	if f.kind == kindCyclic && f.increase != accNever {
		b8 = 0x40 // INCREASE allowed
	}
	status := byte(0x01) // not invalidated
	if f.deact {
		status = 0x00
	}
	size := f.size()
	r = append(r, 0, 0, byte(size>>8), byte(size), byte(f.fid>>8), byte(f.fid), 0x04, b8,
		f.read.gsmNibble()<<4|f.update.gsmNibble(), f.increase.gsmNibble()<<4, 0xAA, status, 2, structure, byte(f.recLen))
	return r
}
