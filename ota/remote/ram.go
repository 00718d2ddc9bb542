package remote

import (
	"fmt"

	"github.com/stkforge/stkforge/stk/tlv"
)

// GlobalPlatform instruction codes used by RAM (TS 102 226 8.1, GlobalPlatform Card Spec 11).
const (
	INSInstall   byte = 0xE6
	INSLoad      byte = 0xE8
	INSDelete    byte = 0xE4
	INSGetStatus byte = 0xF2
	INSGetData   byte = 0xCA
	INSPutKey    byte = 0xD8
	INSSetStatus byte = 0xF0
	INSStoreData byte = 0xE2
)

// INSTALL P1 values (GlobalPlatform 11.5.2.1).
const (
	InstallForLoad              byte = 0x02
	InstallForInstall           byte = 0x04
	InstallForMakeSelectable    byte = 0x08
	InstallForInstallSelectable byte = 0x0C
)

var installNames = map[byte]string{
	InstallForLoad: "for load", InstallForInstall: "for install", InstallForMakeSelectable: "for make selectable",
	InstallForInstallSelectable: "for install and make selectable",
}

// lv appends a one-octet length and v.
func lv(b []byte, field string, v []byte) ([]byte, error) {
	if len(v) > 255 {
		return nil, errorf(ErrTooLong, field, len(b), "%d octets, at most 255", len(v))
	}
	return append(append(b, byte(len(v))), v...), nil
}

// InstallLoad builds INSTALL [for load] (GlobalPlatform 11.5.2.3.1): load file AID, security
// domain AID (empty: the ISD), load file data block hash, load parameters and token (each may
// be empty).
func InstallLoad(loadFileAID, sdAID, hash, params, token []byte) (CommandAPDU, error) {
	var b []byte
	var err error
	for _, f := range []struct {
		name string
		v    []byte
	}{{"load_file_aid", loadFileAID}, {"sd_aid", sdAID}, {"hash", hash}, {"load_parameters", params}, {"token", token}} {
		if b, err = lv(b, "install_for_load."+f.name, f.v); err != nil {
			return CommandAPDU{}, err
		}
	}
	if len(loadFileAID) < 5 || len(loadFileAID) > 16 {
		return CommandAPDU{}, errorf(ErrInvalid, "install_for_load.load_file_aid", 1, "AID of %d octets, 5..16", len(loadFileAID))
	}
	if len(b) > 255 {
		return CommandAPDU{}, errorf(ErrTooLong, "install_for_load", 0, "%d octets", len(b))
	}
	return CommandAPDU{CLA: CLAGlobalPlatform, INS: INSInstall, P1: InstallForLoad, Data: b}, nil
}

// LoadFileDataBlock wraps a load file's contents in the C4 TLV that LOAD carries (GlobalPlatform
// 11.6.2.3). For a CAP file, contents are its components in load order (CAPLoadOrder).
func LoadFileDataBlock(components ...[]byte) ([]byte, error) {
	b := tlv.NewBuilder(nil)
	b.AddBER(0xC4, func(b *tlv.Builder) {
		for _, c := range components {
			b.AddBytes(c...)
		}
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, &Error{Field: "load_file", Err: ErrTooLong, Msg: err.Error()}
	}
	return out, nil
}

// Load splits a load file data block (C4 ...) into LOAD commands of at most blockSize octets:
// P1 00 for more blocks, 80 for the last; P2 the block number from 00 (GlobalPlatform 11.6.2).
func Load(block []byte, blockSize int) ([]CommandAPDU, error) {
	if blockSize < 1 || blockSize > 255 {
		return nil, errorf(ErrInvalid, "block_size", 0, "%d, 1..255", blockSize)
	}
	if len(block) == 0 {
		return nil, errorf(ErrInvalid, "load_file", 0, "empty")
	}
	n := (len(block) + blockSize - 1) / blockSize
	if n > 256 {
		return nil, errorf(ErrTooLong, "load_file", 0, "%d octets need %d blocks of %d, at most 256", len(block), n, blockSize)
	}
	out := make([]CommandAPDU, 0, n)
	for i := 0; i < n; i++ {
		c := CommandAPDU{CLA: CLAGlobalPlatform, INS: INSLoad, P2: byte(i), Data: block[i*blockSize : min((i+1)*blockSize, len(block))]}
		if i == n-1 {
			c.P1 = 0x80
		}
		out = append(out, c)
	}
	return out, nil
}

// MenuEntry is a menu entry an application may add: its position in the menu and its item
// identifier (00 = any).
type MenuEntry struct {
	Position byte
	ID       byte
}

// ToolkitParameters are the toolkit application specific parameters of an INSTALL: in the SIM
// form (TS 102 226 8.2.1.3.2.1, "SIM file access and toolkit application specific parameters",
// tag CA) they start with the access domain; in the UICC form (8.2.1.3.2.2.1, tag 80 of the UICC
// system specific parameters) there is no access domain and MaxServices may end them.
type ToolkitParameters struct {
	AccessDomain      []byte // SIM form: access domain parameter and data (00 = full access)
	Priority          byte   // priority level of the toolkit application instance
	MaxTimers         byte
	MaxMenuTextLength byte
	MenuEntries       []MenuEntry // their count is the maximum number of menu entries
	MaxChannels       byte
	MSL               []byte // minimum security level (TS 102 225 5.1.1 SPI1 when 1 octet)
	TARs              [][3]byte
	MaxServices       *byte // UICC form only, optional
}

func (t *ToolkitParameters) marshal(uicc bool) ([]byte, error) {
	var b []byte
	var err error
	if !uicc {
		if b, err = lv(b, "access_domain", t.AccessDomain); err != nil {
			return nil, err
		}
	}
	if len(t.MenuEntries) > 255 {
		return nil, errorf(ErrTooLong, "menu_entries", len(b)+3, "%d entries", len(t.MenuEntries))
	}
	b = append(b, t.Priority, t.MaxTimers, t.MaxMenuTextLength, byte(len(t.MenuEntries)))
	for _, m := range t.MenuEntries {
		b = append(b, m.Position, m.ID)
	}
	b = append(b, t.MaxChannels)
	if b, err = lv(b, "msl", t.MSL); err != nil {
		return nil, err
	}
	if len(t.TARs) > 85 {
		return nil, errorf(ErrTooLong, "tar", len(b), "%d TARs", len(t.TARs))
	}
	b = append(b, byte(3*len(t.TARs)))
	for _, tar := range t.TARs {
		b = append(b, tar[:]...)
	}
	if t.MaxServices != nil {
		if !uicc {
			return nil, errorf(ErrInvalid, "max_services", len(b), "only in the UICC form")
		}
		b = append(b, *t.MaxServices)
	}
	return b, nil
}

func parseToolkitParameters(v []byte, uicc bool, field string, base int) (*ToolkitParameters, error) {
	t := &ToolkitParameters{}
	off := 0
	need := func(n int, what string) error {
		if len(v)-off < n {
			return errorf(ErrTruncated, field+"."+what, base+off, "needs %d octets, %d left", n, len(v)-off)
		}
		return nil
	}
	if !uicc {
		if err := need(1, "access_domain"); err != nil {
			return nil, err
		}
		n := int(v[off])
		off++
		if err := need(n, "access_domain"); err != nil {
			return nil, err
		}
		t.AccessDomain = v[off : off+n : off+n]
		off += n
	}
	if err := need(4, "priority"); err != nil {
		return nil, err
	}
	t.Priority, t.MaxTimers, t.MaxMenuTextLength = v[off], v[off+1], v[off+2]
	entries := int(v[off+3])
	off += 4
	if err := need(2*entries, "menu_entries"); err != nil {
		return nil, err
	}
	for i := 0; i < entries; i++ {
		t.MenuEntries = append(t.MenuEntries, MenuEntry{Position: v[off], ID: v[off+1]})
		off += 2
	}
	if err := need(2, "max_channels"); err != nil {
		return nil, err
	}
	t.MaxChannels = v[off]
	n := int(v[off+1])
	off += 2
	if err := need(n+1, "msl"); err != nil {
		return nil, err
	}
	t.MSL = v[off : off+n : off+n]
	off += n
	n = int(v[off])
	if n%3 != 0 {
		return nil, errorf(ErrInvalid, field+".tar.length", base+off, "%d is not a multiple of 3", n)
	}
	off++
	if err := need(n, "tar"); err != nil {
		return nil, err
	}
	for i := 0; i < n; i += 3 {
		t.TARs = append(t.TARs, [3]byte{v[off], v[off+1], v[off+2]})
		off += 3
	}
	if uicc && off < len(v) {
		s := v[off]
		t.MaxServices = &s
		off++
	}
	if off != len(v) {
		return nil, errorf(ErrTrailing, field, base+off, "%d octets after the last field", len(v)-off)
	}
	return t, nil
}

// FileSystemAccess grants an application access to one file system (TS 102 226 8.2.1.3.2.3):
// the AID of the ADF (empty: the UICC shared file system), the access domain and its DAP.
type FileSystemAccess struct {
	AID          []byte
	AccessDomain []byte
	DAP          []byte
}

// Access domain parameters (TS 102 226 8.2.1.3.2.3.1... first octet of AccessDomain).
const (
	AccessFull byte = 0x00
	AccessNone byte = 0xFF
)

// InstallParameters is the install parameters field of INSTALL [for install] (TS 102 226
// 8.2.1.3.2, GlobalPlatform 11.5.2.3.7).
type InstallParameters struct {
	ApplicationSpecific    []byte             // C9, always present (may be empty)
	VolatileMemoryQuota    *uint16            // EF / C7
	NonVolatileMemoryQuota *uint16            // EF / C8
	SIMToolkit             *ToolkitParameters // EF / CA (SIM form)
	UICCToolkit            *ToolkitParameters // EA / 80 (UICC form)
	UICCAccess             []FileSystemAccess // EA / 81
	UICCAdminAccess        []FileSystemAccess // EA / 82
}

// Tags of the install parameters.
const (
	tagAppSpecific     byte = 0xC9
	tagSystemSpecific  byte = 0xEF
	tagVolatileQuota   byte = 0xC7
	tagNonVolatile     byte = 0xC8
	tagSIMToolkit      byte = 0xCA
	tagUICCSystem      byte = 0xEA
	tagUICCToolkit     byte = 0x80
	tagUICCAccess      byte = 0x81
	tagUICCAdminAccess byte = 0x82
)

func appendAccess(b *tlv.Builder, list []FileSystemAccess) {
	for _, a := range list {
		for _, v := range [][]byte{a.AID, a.AccessDomain, a.DAP} {
			if len(v) > 255 {
				b.SetError(fmt.Errorf("access field of %d octets", len(v)))
				return
			}
			b.AddUint8(byte(len(v)))
			b.AddBytes(v...)
		}
	}
}

// MarshalBinary encodes the parameters: C9, then EF { C7, C8, CA } and EA { 80, 81, 82 } when
// they have content.
func (p *InstallParameters) MarshalBinary() ([]byte, error) {
	var sim, uicc []byte
	var err error
	if p.SIMToolkit != nil {
		if sim, err = p.SIMToolkit.marshal(false); err != nil {
			return nil, within(err, "install_parameters.sim_toolkit", 0)
		}
	}
	if p.UICCToolkit != nil {
		if uicc, err = p.UICCToolkit.marshal(true); err != nil {
			return nil, within(err, "install_parameters.uicc_toolkit", 0)
		}
	}
	b := tlv.NewBuilder(nil)
	b.AddBER(tagAppSpecific, func(b *tlv.Builder) { b.AddBytes(p.ApplicationSpecific...) })
	if p.VolatileMemoryQuota != nil || p.NonVolatileMemoryQuota != nil || sim != nil {
		b.AddBER(tagSystemSpecific, func(b *tlv.Builder) {
			if p.VolatileMemoryQuota != nil {
				b.AddBER(tagVolatileQuota, func(b *tlv.Builder) { b.AddUint16(*p.VolatileMemoryQuota) })
			}
			if p.NonVolatileMemoryQuota != nil {
				b.AddBER(tagNonVolatile, func(b *tlv.Builder) { b.AddUint16(*p.NonVolatileMemoryQuota) })
			}
			if sim != nil {
				b.AddBER(tagSIMToolkit, func(b *tlv.Builder) { b.AddBytes(sim...) })
			}
		})
	}
	if uicc != nil || p.UICCAccess != nil || p.UICCAdminAccess != nil {
		b.AddBER(tagUICCSystem, func(b *tlv.Builder) {
			if uicc != nil {
				b.AddBER(tagUICCToolkit, func(b *tlv.Builder) { b.AddBytes(uicc...) })
			}
			if p.UICCAccess != nil {
				b.AddBER(tagUICCAccess, func(b *tlv.Builder) { appendAccess(b, p.UICCAccess) })
			}
			if p.UICCAdminAccess != nil {
				b.AddBER(tagUICCAdminAccess, func(b *tlv.Builder) { appendAccess(b, p.UICCAdminAccess) })
			}
		})
	}
	out, err := b.Bytes()
	if err != nil {
		return nil, &Error{Field: "install_parameters", Err: ErrInvalid, Msg: err.Error()}
	}
	return out, nil
}

func parseAccess(v []byte, field string, base int) ([]FileSystemAccess, error) {
	out := []FileSystemAccess{}
	off := 0
	for off < len(v) {
		var a FileSystemAccess
		for i, dst := range []*[]byte{&a.AID, &a.AccessDomain, &a.DAP} {
			name := [...]string{"aid", "access_domain", "dap"}[i]
			f := fmt.Sprintf("%s[%d].%s", field, len(out), name)
			if off >= len(v) {
				return nil, errorf(ErrTruncated, f, base+off, "missing")
			}
			n := int(v[off])
			if len(v)-off-1 < n {
				return nil, errorf(ErrTruncated, f, base+off, "length %d, %d octets left", n, len(v)-off-1)
			}
			*dst = v[off+1 : off+1+n : off+1+n]
			off += 1 + n
		}
		out = append(out, a)
	}
	return out, nil
}

// ParseInstallParameters reads an install parameters field; base is its offset in the enclosing
// message, for errors. Unknown tags are refused, so that nothing a card is told goes unread.
func ParseInstallParameters(v []byte, base int) (*InstallParameters, error) {
	p := &InstallParameters{}
	r := tlv.NewReaderAt(v, base)
	seen := map[byte]bool{}
	for !r.Empty() {
		at := r.Offset()
		tag, val, voff, err := r.ReadBER("install_parameters")
		if err != nil {
			return nil, fromTLV(err)
		}
		if seen[tag] {
			return nil, errorf(ErrInvalid, "install_parameters", at, "tag %02X repeated", tag)
		}
		seen[tag] = true
		switch tag {
		case tagAppSpecific:
			p.ApplicationSpecific = val
		case tagSystemSpecific:
			if err := p.parseSystem(val, voff); err != nil {
				return nil, err
			}
		case tagUICCSystem:
			if err := p.parseUICCSystem(val, voff); err != nil {
				return nil, err
			}
		default:
			return nil, errorf(ErrInvalid, "install_parameters", at, "unknown tag %02X", tag)
		}
	}
	if !seen[tagAppSpecific] {
		return nil, errorf(ErrTruncated, "install_parameters.c9", base, "application specific parameters (C9) missing")
	}
	return p, nil
}

func quota(val []byte, field string, off int) (*uint16, error) {
	if len(val) != 2 {
		return nil, errorf(ErrInvalid, field, off, "%d octets, want 2", len(val))
	}
	q := uint16(val[0])<<8 | uint16(val[1])
	return &q, nil
}

func (p *InstallParameters) parseSystem(v []byte, base int) error {
	r := tlv.NewReaderAt(v, base)
	seen := map[byte]bool{}
	for !r.Empty() {
		at := r.Offset()
		tag, val, voff, err := r.ReadBER("install_parameters.ef")
		if err != nil {
			return fromTLV(err)
		}
		if seen[tag] {
			return errorf(ErrInvalid, "install_parameters.ef", at, "tag %02X repeated", tag)
		}
		seen[tag] = true
		switch tag {
		case tagVolatileQuota:
			p.VolatileMemoryQuota, err = quota(val, "install_parameters.ef.c7", voff)
		case tagNonVolatile:
			p.NonVolatileMemoryQuota, err = quota(val, "install_parameters.ef.c8", voff)
		case tagSIMToolkit:
			p.SIMToolkit, err = parseToolkitParameters(val, false, "install_parameters.ef.ca", voff)
		default:
			err = errorf(ErrInvalid, "install_parameters.ef", at, "unknown tag %02X", tag)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *InstallParameters) parseUICCSystem(v []byte, base int) error {
	r := tlv.NewReaderAt(v, base)
	seen := map[byte]bool{}
	for !r.Empty() {
		at := r.Offset()
		tag, val, voff, err := r.ReadBER("install_parameters.ea")
		if err != nil {
			return fromTLV(err)
		}
		if seen[tag] {
			return errorf(ErrInvalid, "install_parameters.ea", at, "tag %02X repeated", tag)
		}
		seen[tag] = true
		switch tag {
		case tagUICCToolkit:
			p.UICCToolkit, err = parseToolkitParameters(val, true, "install_parameters.ea.80", voff)
		case tagUICCAccess:
			p.UICCAccess, err = parseAccess(val, "install_parameters.ea.81", voff)
		case tagUICCAdminAccess:
			p.UICCAdminAccess, err = parseAccess(val, "install_parameters.ea.82", voff)
		default:
			err = errorf(ErrInvalid, "install_parameters.ea", at, "unknown tag %02X", tag)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Install is the data of INSTALL [for install] (GlobalPlatform 11.5.2.3.2).
type Install struct {
	LoadFileAID    []byte // executable load file
	ModuleAID      []byte // executable module (the applet class)
	ApplicationAID []byte // the instance
	Privileges     []byte // 1 or 3 octets
	Parameters     InstallParameters
	Token          []byte
}

// InstallApplication builds INSTALL [for install] (P1 04), or [for install and make selectable]
// (P1 0C) when selectable.
func InstallApplication(in *Install, selectable bool) (CommandAPDU, error) {
	params, err := in.Parameters.MarshalBinary()
	if err != nil {
		return CommandAPDU{}, err
	}
	var b []byte
	for _, f := range []struct {
		name string
		v    []byte
	}{{"load_file_aid", in.LoadFileAID}, {"module_aid", in.ModuleAID}, {"application_aid", in.ApplicationAID},
		{"privileges", in.Privileges}, {"install_parameters", params}, {"token", in.Token}} {
		if b, err = lv(b, "install."+f.name, f.v); err != nil {
			return CommandAPDU{}, err
		}
	}
	if len(b) > 255 {
		return CommandAPDU{}, errorf(ErrTooLong, "install", 0, "%d octets", len(b))
	}
	p1 := InstallForInstall
	if selectable {
		p1 = InstallForInstallSelectable
	}
	return CommandAPDU{CLA: CLAGlobalPlatform, INS: INSInstall, P1: p1, Data: b}, nil
}

// ParseInstall reads the data of INSTALL [for install] (the card's side).
func ParseInstall(b []byte) (*Install, error) {
	in := &Install{}
	off := 0
	var params []byte
	paramsOff := 0
	for i, dst := range []*[]byte{&in.LoadFileAID, &in.ModuleAID, &in.ApplicationAID, &in.Privileges, &params, &in.Token} {
		name := [...]string{"load_file_aid", "module_aid", "application_aid", "privileges", "install_parameters", "token"}[i]
		if off >= len(b) {
			return nil, errorf(ErrTruncated, "install."+name, off, "length missing")
		}
		n := int(b[off])
		if len(b)-off-1 < n {
			return nil, errorf(ErrTruncated, "install."+name, off, "length %d, %d octets left", n, len(b)-off-1)
		}
		*dst = b[off+1 : off+1+n : off+1+n]
		if i == 4 {
			paramsOff = off + 1
		}
		off += 1 + n
	}
	if off != len(b) {
		return nil, errorf(ErrTrailing, "install", off, "%d octets after the token", len(b)-off)
	}
	p, err := ParseInstallParameters(params, paramsOff)
	if err != nil {
		return nil, err
	}
	in.Parameters = *p
	return in, nil
}

// Delete builds DELETE of an AID (GlobalPlatform 11.2), with its related objects (P2 80) when
// related is set.
func Delete(aid []byte, related bool) (CommandAPDU, error) {
	if len(aid) < 5 || len(aid) > 16 {
		return CommandAPDU{}, errorf(ErrInvalid, "aid", 0, "%d octets, 5..16", len(aid))
	}
	c := CommandAPDU{CLA: CLAGlobalPlatform, INS: INSDelete, Data: append([]byte{0x4F, byte(len(aid))}, aid...)}
	if related {
		c.P2 = 0x80
	}
	return c, nil
}

// GET STATUS subsets (GlobalPlatform 11.4.2.1), P1.
const (
	StatusISD                 byte = 0x80
	StatusApplications        byte = 0x40
	StatusLoadFiles           byte = 0x20
	StatusLoadFilesAndModules byte = 0x10
)

// GetStatus builds GET STATUS for a subset, filtered by AID prefix (empty: all), asking for the
// TLV response format (P2 02; GlobalPlatform 11.4.2).
func GetStatus(subset byte, aidPrefix []byte) (CommandAPDU, error) {
	if len(aidPrefix) > 16 {
		return CommandAPDU{}, errorf(ErrInvalid, "aid", 0, "%d octets", len(aidPrefix))
	}
	return CommandAPDU{CLA: CLAGlobalPlatform, INS: INSGetStatus, P1: subset, P2: 0x02,
		Data: append([]byte{0x4F, byte(len(aidPrefix))}, aidPrefix...)}, nil
}
