package card

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"fmt"

	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/remote"
	"github.com/stkforge/stkforge/stk/tlv"
)

// Registry is what RAM (TS 102 226 8, GlobalPlatform 11) keeps: load files and application
// instances with their toolkit parameters.
type Registry struct {
	Packages  []Package  `json:"packages,omitempty"`
	Instances []Instance `json:"instances,omitempty"`
}

// Package is a loaded executable load file (GlobalPlatform 11.6).
type Package struct {
	AID    Hex `json:"aid"`
	Size   int `json:"size"`
	SHA256 Hex `json:"sha256"` // of the load file data block (the C4 TLV)
}

// MenuEntry is a menu entry an instance may use (TS 102 226 8.2.1.3.2.1).
type MenuEntry struct {
	Position byte `json:"position"`
	ID       byte `json:"id"`
}

// Instance is an application instance and its toolkit parameters (TS 102 226 8.2.1.3.2).
type Instance struct {
	AID        Hex  `json:"aid"`
	Package    Hex  `json:"package"`
	Module     Hex  `json:"module"`
	Privileges Hex  `json:"privileges"`
	Selectable bool `json:"selectable,omitempty"`
	// TARs the instance answers OTA packets on; the MSL applies to all of them.
	TARs              []Hex       `json:"tars"`
	MSL               Hex         `json:"msl"`
	Priority          byte        `json:"priority"`
	MaxTimers         byte        `json:"max_timers"`
	MaxMenuTextLength byte        `json:"max_menu_text_length"`
	MenuEntries       []MenuEntry `json:"menu_entries,omitempty"`
	MaxChannels       byte        `json:"max_channels"`
	// Script names the script image the toolkit runtime runs for this instance ("" = none):
	// a bank's "applet" delivered as a compiled script with its own TAR and menu entry.
	Script string `json:"script,omitempty"`
}

func (r Registry) clone() Registry {
	out := Registry{Packages: append([]Package(nil), r.Packages...)}
	for _, in := range r.Instances {
		in.TARs = append([]Hex(nil), in.TARs...)
		in.MenuEntries = append([]MenuEntry(nil), in.MenuEntries...)
		out.Instances = append(out.Instances, in)
	}
	return out
}

// Registry returns a copy of the RAM registry.
func (c *Card) Registry() Registry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.registry.clone()
}

// BindScript binds an application instance to a script image name (sim/toolkit runs it).
func (c *Card) BindScript(aid []byte, script string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := c.instanceIndex(aid)
	if i < 0 {
		return fmt.Errorf("card: no application instance %X", aid)
	}
	old := c.registry.Instances[i].Script
	c.registry.Instances[i].Script = script
	if err := c.save(); err != nil {
		c.registry.Instances[i].Script = old
		return err
	}
	return nil
}

func (c *Card) instanceIndex(aid []byte) int {
	for i, in := range c.registry.Instances {
		if bytes.Equal(in.AID, aid) {
			return i
		}
	}
	return -1
}

func (c *Card) packageIndex(aid []byte) int {
	for i, p := range c.registry.Packages {
		if bytes.Equal(p.AID, aid) {
			return i
		}
	}
	return -1
}

func (c *Card) loadRegistry(r Registry) error {
	c.registry = r.clone()
	for i := range c.registry.Instances {
		if err := c.registerTARs(i, fmt.Sprintf("registry.instances[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

// registerTARs makes the instance's TARs reachable over the air.
func (c *Card) registerTARs(i int, field string) error {
	in := &c.registry.Instances[i]
	msl, err := c.checkMSL(in.MSL, field+".msl")
	if err != nil {
		return err
	}
	for _, t := range in.TARs {
		var tar packet.TAR
		if len(t) != 3 {
			return profileErr(field+".tars", "a TAR is 3 bytes")
		}
		copy(tar[:], t)
		if c.tars[tar] != nil {
			return profileErr(field+".tars", "TAR %v already in use", tar)
		}
	}
	for _, t := range in.TARs {
		var tar packet.TAR
		copy(tar[:], t)
		c.tars[tar] = &tarEntry{target: targetApplet, msl: msl, instance: in}
		c.tarOrder = append(c.tarOrder, tar)
	}
	return nil
}

// rebuildTARs re-points the applet TARs after the instance slice changed.
func (c *Card) rebuildTARs() {
	order := c.tarOrder[:0]
	for _, t := range c.tarOrder {
		if e := c.tars[t]; e != nil && e.instance != nil {
			delete(c.tars, t)
			continue
		}
		order = append(order, t)
	}
	c.tarOrder = order
	for i := range c.registry.Instances {
		c.registerTARs(i, "registry") // already checked when installed
	}
}

type loadInProgress struct {
	aid   []byte
	hash  []byte
	next  int
	block []byte
}

// GlobalPlatform status words (GlobalPlatform Card Specification 11.1.3).
const (
	swGPWrongData     uint16 = 0x6A80
	swGPNotFound      uint16 = 0x6A88
	swGPConditions    uint16 = 0x6985
	swGPP1P2          uint16 = 0x6A86
	swGPNoMemory      uint16 = 0x6A84
	swGPSecurityState uint16 = 0x6982
)

// ISDAID is the issuer security domain's AID as GET STATUS reports it (GlobalPlatform).
var ISDAID = []byte{0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00}

// ramSession is one RAM script's T=0 state: the data left for GET RESPONSE.
type ramSession struct{ resp []byte }

// ram runs one GlobalPlatform command of a RAM script addressed to the ISD (TS 102 226 8.1):
// INSTALL, LOAD, DELETE, GET STATUS, under T=0 (data behind 61xx, fetched by GET RESPONSE).
func (c *Card) ram(rs *ramSession, b []byte) []byte {
	if len(b) < 5 {
		return swBytes(nil, SWWrongLength)
	}
	cla, ins, p1, p2, p3 := b[0], b[1], b[2], b[3], int(b[4])
	if ins == 0xC0 {
		if cla&0x7C != 0 || p1 != 0 || p2 != 0 {
			return swBytes(nil, swGPP1P2)
		}
		if rs.resp == nil {
			return swBytes(nil, swGPConditions)
		}
		r := rs.resp
		if n := p3; n == 0 || n > len(r) {
			return swBytes(nil, swWrongLeUICC|uint16(len(r)&0xFF))
		} else if n < len(r) {
			rs.resp = r[n:]
			return swBytes(r[:n], swMoreUICC|uint16(len(r)-n))
		}
		rs.resp = nil
		return swBytes(r, SWOK)
	}
	rs.resp = nil
	if cla&0xFC != 0x80 {
		return swBytes(nil, SWClassNotSupp)
	}
	if len(b) != 5+p3 && len(b) != 6+p3 {
		return swBytes(nil, SWWrongLength)
	}
	data := b[5 : 5+p3]
	var out []byte
	var sw uint16
	switch ins {
	case remote.INSInstall:
		out, sw = c.ramInstall(p1, p2, data)
	case remote.INSLoad:
		out, sw = c.ramLoad(p1, p2, data)
	case remote.INSDelete:
		out, sw = c.ramDelete(p1, p2, data)
	case remote.INSGetStatus:
		out, sw = c.ramGetStatus(p1, p2, data)
	default:
		return swBytes(nil, SWINSNotSupp)
	}
	if sw != SWOK || len(out) == 0 {
		return swBytes(nil, sw)
	}
	rs.resp = out
	return swBytes(nil, swMoreUICC|uint16(len(out)&0xFF))
}

// readLV reads the length-value fields of an INSTALL data field.
func readLV(b []byte, n int) ([][]byte, bool) {
	var out [][]byte
	off := 0
	for i := 0; i < n; i++ {
		if off >= len(b) || len(b)-off-1 < int(b[off]) {
			return nil, false
		}
		out = append(out, b[off+1:off+1+int(b[off])])
		off += 1 + int(b[off])
	}
	return out, off == len(b)
}

// ramInstall is INSTALL (GlobalPlatform 11.5): [for load] opens a load, [for install] and
// [for install and make selectable] create an instance with its toolkit parameters
// (TS 102 226 8.2.1.3), [for make selectable] marks one selectable. The answer is 00.
func (c *Card) ramInstall(p1, p2 byte, data []byte) ([]byte, uint16) {
	if p2 != 0 {
		return nil, swGPP1P2
	}
	switch p1 {
	case remote.InstallForLoad:
		f, ok := readLV(data, 5)
		if !ok || len(f[0]) < 5 || len(f[0]) > 16 {
			return nil, swGPWrongData
		}
		if c.packageIndex(f[0]) >= 0 {
			return nil, swGPConditions
		}
		c.load = &loadInProgress{aid: bytes.Clone(f[0]), hash: bytes.Clone(f[2])}
		return []byte{0x00}, SWOK
	case remote.InstallForInstall, remote.InstallForInstallSelectable:
		in, err := remote.ParseInstall(data)
		if err != nil {
			return nil, swGPWrongData
		}
		if c.packageIndex(in.LoadFileAID) < 0 {
			return nil, swGPNotFound
		}
		if len(in.ApplicationAID) < 5 || len(in.ApplicationAID) > 16 || c.instanceIndex(in.ApplicationAID) >= 0 {
			return nil, swGPWrongData
		}
		inst := Instance{AID: bytes.Clone(in.ApplicationAID), Package: bytes.Clone(in.LoadFileAID),
			Module: bytes.Clone(in.ModuleAID), Privileges: bytes.Clone(in.Privileges), Selectable: p1 == remote.InstallForInstallSelectable}
		tp := in.Parameters.UICCToolkit
		if tp == nil {
			tp = in.Parameters.SIMToolkit
		}
		if tp != nil {
			inst.MSL = bytes.Clone(tp.MSL)
			inst.Priority, inst.MaxTimers, inst.MaxMenuTextLength, inst.MaxChannels = tp.Priority, tp.MaxTimers, tp.MaxMenuTextLength, tp.MaxChannels
			for _, m := range tp.MenuEntries {
				inst.MenuEntries = append(inst.MenuEntries, MenuEntry{Position: m.Position, ID: m.ID})
			}
			for _, t := range tp.TARs {
				inst.TARs = append(inst.TARs, Hex{t[0], t[1], t[2]})
			}
			if len(inst.TARs) == 0 && len(inst.AID) >= 15 {
				// no TAR given: the TAR is AID bytes 13 to 15 (TS 102 226 8.2.1.3.2.1.3)
				inst.TARs = []Hex{bytes.Clone(inst.AID[12:15])}
			}
		}
		c.registry.Instances = append(c.registry.Instances, inst)
		if err := c.registerTARs(len(c.registry.Instances)-1, "install"); err != nil {
			c.registry.Instances = c.registry.Instances[:len(c.registry.Instances)-1]
			return nil, swGPWrongData
		}
		if err := c.save(); err != nil {
			c.registry.Instances = c.registry.Instances[:len(c.registry.Instances)-1]
			c.rebuildTARs()
			return nil, swGPNoMemory
		}
		c.rebuildTARs()
		return []byte{0x00}, SWOK
	case remote.InstallForMakeSelectable:
		f, ok := readLV(data, 6)
		if !ok {
			return nil, swGPWrongData
		}
		i := c.instanceIndex(f[2])
		if i < 0 {
			return nil, swGPNotFound
		}
		c.registry.Instances[i].Selectable = true
		if err := c.save(); err != nil {
			c.registry.Instances[i].Selectable = false
			return nil, swGPNoMemory
		}
		return []byte{0x00}, SWOK
	}
	return nil, swGPP1P2
}

// ramLoad is LOAD (GlobalPlatform 11.6): blocks numbered from 00, P1 80 on the last; the
// whole must be one C4 TLV, and match the hash INSTALL [for load] gave (SHA-1 or SHA-256).
func (c *Card) ramLoad(p1, p2 byte, data []byte) ([]byte, uint16) {
	l := c.load
	if l == nil {
		return nil, swGPConditions
	}
	if (p1 != 0x00 && p1 != 0x80) || int(p2) != l.next {
		c.load = nil
		return nil, swGPP1P2
	}
	l.block = append(l.block, data...)
	l.next++
	if p1 == 0x00 {
		return nil, SWOK
	}
	c.load = nil
	r := tlv.NewReader(l.block)
	tag, _, _, err := r.ReadBER("load_file")
	if err != nil || tag != 0xC4 || !r.Empty() {
		return nil, swGPWrongData
	}
	sum := sha256.Sum256(l.block)
	switch len(l.hash) {
	case 0:
	case sha1.Size:
		s1 := sha1.Sum(l.block)
		if !bytes.Equal(s1[:], l.hash) {
			return nil, swGPWrongData
		}
	case sha256.Size:
		if !bytes.Equal(sum[:], l.hash) {
			return nil, swGPWrongData
		}
	default:
		return nil, swGPWrongData
	}
	c.registry.Packages = append(c.registry.Packages, Package{AID: l.aid, Size: len(l.block), SHA256: sum[:]})
	if err := c.save(); err != nil {
		c.registry.Packages = c.registry.Packages[:len(c.registry.Packages)-1]
		return nil, swGPNoMemory
	}
	return []byte{0x00}, SWOK
}

// ramDelete is DELETE (GlobalPlatform 11.2): an instance, or a load file (with its instances
// when P2 asks for related objects; refused while instances use it otherwise).
func (c *Card) ramDelete(p1, p2 byte, data []byte) ([]byte, uint16) {
	if p1 != 0x00 || (p2 != 0x00 && p2 != 0x80) {
		return nil, swGPP1P2
	}
	if len(data) < 2 || data[0] != 0x4F || int(data[1]) != len(data)-2 {
		return nil, swGPWrongData
	}
	aid := data[2:]
	old := c.registry.clone()
	if i := c.instanceIndex(aid); i >= 0 {
		c.registry.Instances = append(c.registry.Instances[:i:i], c.registry.Instances[i+1:]...)
	} else if i := c.packageIndex(aid); i >= 0 {
		var keep []Instance
		for _, in := range c.registry.Instances {
			if bytes.Equal(in.Package, aid) {
				if p2 != 0x80 {
					c.registry = old
					return nil, swGPConditions
				}
				continue
			}
			keep = append(keep, in)
		}
		c.registry.Instances = keep
		c.registry.Packages = append(c.registry.Packages[:i:i], c.registry.Packages[i+1:]...)
	} else {
		return nil, swGPNotFound
	}
	if err := c.save(); err != nil {
		c.registry = old
		c.rebuildTARs()
		return nil, swGPNoMemory
	}
	c.rebuildTARs()
	return []byte{0x00}, SWOK
}

// ramGetStatus is GET STATUS in the TLV format (GlobalPlatform 11.4, P2 02): E3 templates with
// AID (4F), life cycle (9F70) and, for applications, privileges (C5).
func (c *Card) ramGetStatus(p1, p2 byte, data []byte) ([]byte, uint16) {
	if p2&^0x01 != 0x02 {
		return nil, swGPP1P2
	}
	if len(data) < 2 || data[0] != 0x4F || int(data[1]) != len(data)-2 {
		return nil, swGPWrongData
	}
	prefix := data[2:]
	b := tlv.NewBuilder(nil)
	n := 0
	entry := func(aid []byte, lc byte, priv []byte) {
		if !bytes.HasPrefix(aid, prefix) {
			return
		}
		n++
		b.AddBER(0xE3, func(b *tlv.Builder) {
			b.AddBER(0x4F, func(b *tlv.Builder) { b.AddBytes(aid...) })
			b.AddBytes(0x9F, 0x70, 0x01, lc)
			if priv != nil {
				b.AddBER(0xC5, func(b *tlv.Builder) { b.AddBytes(priv...) })
			}
		})
	}
	switch p1 {
	case remote.StatusISD:
		entry(ISDAID, 0x0F, []byte{0x9E}) // SECURED; SD, DAP verification, delegated management, card lock/terminate
	case remote.StatusApplications:
		for _, in := range c.registry.Instances {
			lc := byte(0x03) // INSTALLED
			if in.Selectable {
				lc = 0x07 // SELECTABLE
			}
			entry(in.AID, lc, in.Privileges)
		}
	case remote.StatusLoadFiles, remote.StatusLoadFilesAndModules:
		for _, p := range c.registry.Packages {
			entry(p.AID, 0x01, nil) // LOADED
		}
	default:
		return nil, swGPP1P2
	}
	if n == 0 {
		return nil, swGPNotFound
	}
	out, err := b.Bytes()
	if err != nil || len(out) > 256 {
		return nil, swGPNoMemory
	}
	return out, SWOK
}
