package card

import (
	"bytes"
)

// findFID applies the selection rules of TS 102 221 8.4.1 and TS 51.011 6.5 from the current
// DF: the MF, the current application (7FFF), a child of the current DF, the current DF itself,
// its parent, or a DF that is a child of its parent.
func (c *Card) findFID(ch *channel, fid uint16) *file {
	d := ch.df
	switch fid {
	case FIDMF:
		return c.fs.mf
	case FIDCurrentAp:
		return ch.adf
	}
	if f := d.child(fid); f != nil {
		return f
	}
	if d.fid == fid {
		return d
	}
	if p := d.parent; p != nil {
		if p.fid == fid {
			return p
		}
		if f := p.child(fid); f != nil && f.kind.isDF() {
			return f
		}
	}
	return nil
}

func (c *Card) setCurrent(ch *channel, f *file) {
	if f.kind.isDF() {
		ch.df, ch.ef = f, nil
	} else {
		ch.df, ch.ef = f.parent, f
	}
	if f.kind == kindADF {
		ch.adf = f
	}
	ch.record = 0
}

func fid16(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }

// cmdSelect is SELECT (TS 102 221 11.1.1, TS 51.011 9.2.1).
func (c *Card) cmdSelect(x *cmd) ([]byte, uint16) {
	if x.sim {
		if x.p1 != 0 || x.p2 != 0 {
			return nil, c.swFor(x, condP1P2)
		}
		if len(x.data) != 2 {
			return nil, SWWrongLength
		}
		f := c.findFID(x.ch, fid16(x.data))
		if f == nil {
			return nil, c.swFor(x, condFileNotFound)
		}
		c.setCurrent(x.ch, f)
		return c.gsmResponse(f), SWOK
	}
	p2 := x.p2
	if x.p1 == 0x04 {
		p2 &^= 0x43 // application session control and occurrence (TS 102 221 11.1.1.2)
	}
	if p2 != 0x04 && p2 != 0x0C {
		return nil, c.swFor(x, condP1P2)
	}
	var f *file
	switch x.p1 {
	case 0x00, 0x01:
		if len(x.data) != 2 {
			return nil, c.swFor(x, condLcP1P2)
		}
		f = c.findFID(x.ch, fid16(x.data))
		if x.p1 == 0x01 && (f == nil || !f.kind.isDF() || f.parent != x.ch.df) {
			f = nil
		}
	case 0x03:
		if len(x.data) != 0 {
			return nil, c.swFor(x, condLcP1P2)
		}
		f = x.ch.df.parent
	case 0x04:
		if len(x.data) < 1 || len(x.data) > 16 {
			return nil, c.swFor(x, condLcP1P2)
		}
		for _, a := range c.fs.adfs {
			if bytes.HasPrefix(a.aid, x.data) {
				f = a
				break
			}
		}
	case 0x08, 0x09:
		if len(x.data) < 2 || len(x.data)%2 != 0 {
			return nil, c.swFor(x, condLcP1P2)
		}
		f = x.ch.df
		if x.p1 == 0x08 {
			f = c.fs.mf
		}
		for i := 0; i < len(x.data) && f != nil; i += 2 {
			fid := fid16(x.data[i:])
			switch {
			case !f.kind.isDF():
				f = nil
			case fid == FIDCurrentAp && i == 0 && x.p1 == 0x08:
				f = x.ch.adf
			case fid == FIDMF && i == 0 && x.p1 == 0x08:
				// TS 102 221 8.4.2: the path from the MF does not name it; tolerate it first
			default:
				f = f.child(fid)
			}
		}
	default:
		return nil, c.swFor(x, condP1P2)
	}
	if f == nil {
		return nil, c.swFor(x, condFileNotFound)
	}
	c.setCurrent(x.ch, f)
	if f.deact {
		return nil, 0x6283 // selected file deactivated (TS 102 221 10.2.1.2)
	}
	if p2 == 0x0C {
		return nil, SWOK
	}
	return c.fcp(f), SWOK
}

// cmdStatus is STATUS (TS 102 221 11.1.2, TS 51.011 9.2.2).
func (c *Card) cmdStatus(x *cmd) ([]byte, uint16) {
	var r []byte
	if x.sim {
		if x.p1 != 0 || x.p2 != 0 {
			return nil, c.swFor(x, condP1P2)
		}
		r = c.gsmResponse(x.ch.df)
		if x.le > len(r) {
			sw, _ := c.outLen(x, len(r))
			return nil, sw
		}
		return r[:x.le], SWOK // the ME may read fewer bytes (TS 51.011 9.2.2)
	}
	if x.p1 > 0x02 {
		return nil, c.swFor(x, condP1P2)
	}
	switch x.p2 {
	case 0x00:
		r = c.fcp(x.ch.df)
	case 0x01:
		if x.ch.adf == nil {
			r = []byte{}
		} else {
			r = append([]byte{0x84, byte(len(x.ch.adf.aid))}, x.ch.adf.aid...)
		}
	case 0x0C:
		if x.le != 256 { // case 1: P3 = 00
			return nil, SWWrongLength
		}
		return nil, SWOK
	default:
		return nil, c.swFor(x, condP1P2)
	}
	if sw, ok := c.outLen(x, len(r)); !ok {
		return nil, sw
	}
	return r, SWOK
}

// allowed checks an access condition against the session: a remote command script has ADM
// rights (TS 102 226 full access domain), PIN1 counts as verified while it is disabled.
func (c *Card) allowed(s *session, a access) bool {
	if a == accAlways {
		return true
	}
	if a == accNever {
		return false
	}
	if s.rfm {
		return true
	}
	ref := a.keyRef()
	if s.verified[ref] {
		return true
	}
	if a == accPIN1 {
		if p := c.pin(RefPIN1); p != nil && p.disabled {
			return true
		}
		return s.verified[RefUniversal]
	}
	return false
}

// efBySFI finds the EF with short file identifier sfi in the current DF (TS 102 221 8.3).
func (c *Card) efBySFI(ch *channel, sfi int) *file {
	for _, f := range ch.df.children {
		if f.sfi == sfi && !f.kind.isDF() {
			return f
		}
	}
	return nil
}

// binaryTarget resolves the EF and offset of READ/UPDATE BINARY (TS 102 221 11.1.3).
func (c *Card) binaryTarget(x *cmd) (*file, int, uint16) {
	ef, off := x.ch.ef, int(x.p1)<<8|int(x.p2)
	if x.p1&0x80 != 0 {
		if x.sim {
			return nil, 0, c.swFor(x, condP1P2)
		}
		if x.p1&0x60 != 0 || x.p1&0x1F == 0 || x.p1&0x1F == 0x1F {
			return nil, 0, c.swFor(x, condP1P2)
		}
		if ef = c.efBySFI(x.ch, int(x.p1&0x1F)); ef == nil {
			return nil, 0, c.swFor(x, condFileNotFound)
		}
		c.setCurrent(x.ch, ef)
		off = int(x.p2)
	}
	if ef == nil {
		return nil, 0, c.swFor(x, condNoEF)
	}
	if ef.kind != kindTransparent {
		return nil, 0, c.swFor(x, condStructure)
	}
	return ef, off, SWOK
}

// cmdReadBinary is READ BINARY (TS 102 221 11.1.3, TS 51.011 9.2.3).
func (c *Card) cmdReadBinary(x *cmd) ([]byte, uint16) {
	ef, off, sw := c.binaryTarget(x)
	if sw != SWOK {
		return nil, sw
	}
	if !c.allowed(x.s, ef.read) {
		return nil, c.swFor(x, condSecurity)
	}
	if ef.deact {
		return nil, c.swFor(x, condInvalidated)
	}
	if off >= ef.bsize {
		return nil, c.swFor(x, condOutOfRange)
	}
	if n := ef.bsize - off; x.le > n {
		sw, _ := c.outLen(x, n)
		return nil, sw
	}
	return ef.binRead(off, x.le), SWOK
}

// cmdUpdateBinary is UPDATE BINARY (TS 102 221 11.1.4, TS 51.011 9.2.4).
func (c *Card) cmdUpdateBinary(x *cmd) ([]byte, uint16) {
	ef, off, sw := c.binaryTarget(x)
	if sw != SWOK {
		return nil, sw
	}
	if len(x.data) == 0 {
		return nil, SWWrongLength
	}
	if !c.allowed(x.s, ef.update) {
		return nil, c.swFor(x, condSecurity)
	}
	if ef.deact {
		return nil, c.swFor(x, condInvalidated)
	}
	if off >= ef.bsize {
		return nil, c.swFor(x, condOutOfRange)
	}
	if off+len(x.data) > ef.bsize {
		if x.sim {
			return nil, c.swFor(x, condOutOfRange)
		}
		return nil, SWWrongLength
	}
	old := ef.binWrite(off, x.data)
	if err := c.save(); err != nil {
		ef.binWrite(off, old)
		return nil, c.swFor(x, condMemory)
	}
	c.fileUpdated(ef)
	return nil, SWOK
}

// recordTarget resolves the EF of a record command from P2 b8-b4 (SFI, 0 = current EF).
func (c *Card) recordTarget(x *cmd) (*file, uint16) {
	ef := x.ch.ef
	if sfi := int(x.p2 >> 3); sfi != 0 {
		if x.sim || sfi == 0x1F {
			return nil, c.swFor(x, condP1P2)
		}
		if ef = c.efBySFI(x.ch, sfi); ef == nil {
			return nil, c.swFor(x, condFileNotFound)
		}
		c.setCurrent(x.ch, ef)
	}
	if ef == nil {
		return nil, c.swFor(x, condNoEF)
	}
	if !ef.kind.isRecord() {
		return nil, c.swFor(x, condStructure)
	}
	return ef, SWOK
}

// recordNumber applies the record modes of TS 102 221 11.1.5 / TS 51.011 9.2.5: 02 next,
// 03 previous, 04 absolute (P1 = 00: the current record). It returns the record (1-based)
// and whether the record pointer moves to it (next and previous only).
func (c *Card) recordNumber(x *cmd, ef *file) (int, bool, uint16) {
	n := len(ef.records)
	cur := x.ch.record
	switch x.p2 & 0x07 {
	case 0x02, 0x03:
		if x.p1 != 0 {
			return 0, false, c.swFor(x, condP1P2)
		}
		next := x.p2&0x07 == 0x02
		var r int
		switch {
		case next && cur == 0:
			r = 1
		case next:
			r = cur + 1
		case cur == 0:
			r = n
		default:
			r = cur - 1
		}
		if r < 1 || r > n {
			if ef.kind != kindCyclic {
				return 0, false, c.swFor(x, condRecordNotFound)
			}
			r = (r+n-1)%n + 1
		}
		return r, true, SWOK
	case 0x04:
		r := int(x.p1)
		if r == 0 {
			r = cur
		}
		if r < 1 || r > n {
			return 0, false, c.swFor(x, condRecordNotFound)
		}
		return r, false, SWOK
	}
	return 0, false, c.swFor(x, condP1P2)
}

// cmdReadRecord is READ RECORD (TS 102 221 11.1.5, TS 51.011 9.2.5).
func (c *Card) cmdReadRecord(x *cmd) ([]byte, uint16) {
	ef, sw := c.recordTarget(x)
	if sw != SWOK {
		return nil, sw
	}
	if !c.allowed(x.s, ef.read) {
		return nil, c.swFor(x, condSecurity)
	}
	if ef.deact {
		return nil, c.swFor(x, condInvalidated)
	}
	r, move, sw := c.recordNumber(x, ef)
	if sw != SWOK {
		return nil, sw
	}
	if sw, ok := c.outLen(x, ef.recLen); !ok {
		return nil, sw
	}
	if move {
		x.ch.record = r
	}
	return bytes.Clone(ef.records[r-1]), SWOK
}

// cmdUpdateRecord is UPDATE RECORD (TS 102 221 11.1.6, TS 51.011 9.2.6); a cyclic EF is
// written only in PREVIOUS mode, the oldest record becoming record 1.
func (c *Card) cmdUpdateRecord(x *cmd) ([]byte, uint16) {
	ef, sw := c.recordTarget(x)
	if sw != SWOK {
		return nil, sw
	}
	if !c.allowed(x.s, ef.update) {
		return nil, c.swFor(x, condSecurity)
	}
	if ef.deact {
		return nil, c.swFor(x, condInvalidated)
	}
	if ef.kind == kindCyclic {
		if x.p2&0x07 != 0x03 || x.p1 != 0 {
			return nil, c.swFor(x, condP1P2)
		}
		if len(x.data) != ef.recLen {
			return nil, SWWrongLength
		}
		return nil, c.pushCyclic(x, ef, bytes.Clone(x.data))
	}
	r, move, sw := c.recordNumber(x, ef)
	if sw != SWOK {
		return nil, sw
	}
	if len(x.data) != ef.recLen {
		return nil, SWWrongLength
	}
	old := ef.records[r-1]
	ef.records[r-1] = bytes.Clone(x.data)
	if err := c.save(); err != nil {
		ef.records[r-1] = old
		return nil, c.swFor(x, condMemory)
	}
	if move {
		x.ch.record = r
	}
	c.fileUpdated(ef)
	return nil, SWOK
}

// pushCyclic writes rec as the new record 1 of a cyclic EF, dropping the oldest.
func (c *Card) pushCyclic(x *cmd, ef *file, rec []byte) uint16 {
	old := ef.records
	ef.records = append([][]byte{rec}, old[:len(old)-1]...)
	if err := c.save(); err != nil {
		ef.records = old
		return c.swFor(x, condMemory)
	}
	x.ch.record = 1
	c.fileUpdated(ef)
	return SWOK
}

// cmdSearchRecord is SEARCH RECORD simple search (TS 102 221 11.1.7: P2 mode 04 forward or
// 05 backward from record P1, the pattern anywhere in the record, answer the matching record
// numbers) and TS 51.011 SEEK (9.2.7: pattern at the start of the record, types 1 and 2).
func (c *Card) cmdSearchRecord(x *cmd) ([]byte, uint16) {
	if x.sim {
		return c.seek(x)
	}
	ef, sw := c.recordTarget(x)
	if sw != SWOK {
		return nil, sw
	}
	if !c.allowed(x.s, ef.read) {
		return nil, c.swFor(x, condSecurity)
	}
	if len(x.data) == 0 {
		return nil, SWWrongLength
	}
	n := len(ef.records)
	start := int(x.p1)
	if start == 0 {
		start = max(x.ch.record, 1)
	}
	if start > n {
		return nil, c.swFor(x, condRecordNotFound)
	}
	var found []byte
	switch x.p2 & 0x07 {
	case 0x04:
		for r := start; r <= n; r++ {
			if bytes.Contains(ef.records[r-1], x.data) {
				found = append(found, byte(r))
			}
		}
	case 0x05:
		for r := start; r >= 1; r-- {
			if bytes.Contains(ef.records[r-1], x.data) {
				found = append(found, byte(r))
			}
		}
	default:
		return nil, c.swFor(x, condP1P2)
	}
	if len(found) == 0 {
		return nil, c.swFor(x, condPatternNotFound)
	}
	x.ch.record = int(found[0])
	return found, SWOK
}

func (c *Card) seek(x *cmd) ([]byte, uint16) {
	typ, mode := x.p2>>4, x.p2&0x0F
	if x.p1 != 0 || typ > 1 || mode > 3 {
		return nil, c.swFor(x, condP1P2)
	}
	if len(x.data) < 1 || len(x.data) > 16 {
		return nil, SWWrongLength
	}
	ef, sw := c.recordTarget(x)
	if sw != SWOK {
		return nil, sw
	}
	if ef.kind != kindLinearFixed {
		return nil, c.swFor(x, condStructure)
	}
	if !c.allowed(x.s, ef.read) {
		return nil, c.swFor(x, condSecurity)
	}
	n, cur := len(ef.records), x.ch.record
	var order []int
	switch mode {
	case 0:
		for r := 1; r <= n; r++ {
			order = append(order, r)
		}
	case 1:
		for r := n; r >= 1; r-- {
			order = append(order, r)
		}
	case 2:
		for r := cur + 1; r <= n; r++ {
			order = append(order, r)
		}
	case 3:
		if cur == 0 {
			cur = n + 1
		}
		for r := cur - 1; r >= 1; r-- {
			order = append(order, r)
		}
	}
	for _, r := range order {
		if bytes.HasPrefix(ef.records[r-1], x.data) {
			x.ch.record = r
			if typ == 1 {
				return []byte{byte(r)}, SWOK
			}
			return nil, SWOK
		}
	}
	return nil, c.swFor(x, condPatternNotFound)
}

// cmdIncrease is INCREASE (TS 102 221 11.1.8, TS 51.011 9.2.8): record 1 of a cyclic EF plus
// the 3-byte value becomes the new record 1; the answer is the new record and the value added.
func (c *Card) cmdIncrease(x *cmd) ([]byte, uint16) {
	if x.p1 != 0 || x.p2 != 0 {
		return nil, c.swFor(x, condP1P2)
	}
	if len(x.data) != 3 {
		return nil, SWWrongLength
	}
	ef := x.ch.ef
	if ef == nil {
		return nil, c.swFor(x, condNoEF)
	}
	if ef.kind != kindCyclic || ef.recLen < 3 {
		return nil, c.swFor(x, condStructure)
	}
	if !c.allowed(x.s, ef.increase) {
		return nil, c.swFor(x, condSecurity)
	}
	if ef.deact {
		return nil, c.swFor(x, condInvalidated)
	}
	sum := bytes.Clone(ef.records[0])
	carry := 0
	for i := 0; i < len(sum); i++ {
		j := len(sum) - 1 - i
		v := int(sum[j]) + carry
		if i < 3 {
			v += int(x.data[2-i])
		}
		sum[j], carry = byte(v), v>>8
	}
	if carry != 0 {
		return nil, SWMaxValue
	}
	if sw := c.pushCyclic(x, ef, sum); sw != SWOK {
		return nil, sw
	}
	return append(bytes.Clone(sum), x.data...), SWOK
}

// fileForLifeCycle resolves DEACTIVATE/ACTIVATE's file: the current EF, or the FID in the data
// (TS 102 221 11.1.14, 11.1.15; TS 51.011 INVALIDATE / REHABILITATE 9.2.14, 9.2.15).
func (c *Card) fileForLifeCycle(x *cmd) (*file, uint16) {
	if x.p1 != 0 || x.p2 != 0 {
		return nil, c.swFor(x, condP1P2)
	}
	switch {
	case len(x.data) == 2 && !x.sim:
		f := c.findFID(x.ch, fid16(x.data))
		if f == nil {
			return nil, c.swFor(x, condFileNotFound)
		}
		c.setCurrent(x.ch, f)
	case len(x.data) != 0:
		return nil, SWWrongLength
	}
	if x.ch.ef == nil {
		return nil, c.swFor(x, condNoEF)
	}
	if !c.allowed(x.s, accADM) {
		return nil, c.swFor(x, condSecurity)
	}
	return x.ch.ef, SWOK
}

func (c *Card) setLifeCycle(x *cmd, deact bool) ([]byte, uint16) {
	f, sw := c.fileForLifeCycle(x)
	if sw != SWOK {
		return nil, sw
	}
	old := f.deact
	f.deact = deact
	if err := c.save(); err != nil {
		f.deact = old
		return nil, c.swFor(x, condMemory)
	}
	return nil, SWOK
}

func (c *Card) cmdDeactivate(x *cmd) ([]byte, uint16) { return c.setLifeCycle(x, true) }
func (c *Card) cmdActivate(x *cmd) ([]byte, uint16)   { return c.setLifeCycle(x, false) }
