package card

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// File identifiers the card knows by name (TS 102 221 13, TS 51.011 10, TS 31.102 4).
const (
	FIDMF        uint16 = 0x3F00
	FIDICCID     uint16 = 0x2FE2
	FIDDIR       uint16 = 0x2F00
	FIDARR       uint16 = 0x2F06
	FIDTelecom   uint16 = 0x7F10
	FIDGSM       uint16 = 0x7F20
	FIDCurrentAp uint16 = 0x7FFF // the current application (TS 102 221 8.4.1)
	FIDADN       uint16 = 0x6F3A
	FIDSMS       uint16 = 0x6F3C
	FIDMSISDN    uint16 = 0x6F40
	FIDSMSP      uint16 = 0x6F42
	FIDIMSI      uint16 = 0x6F07
	FIDSPN       uint16 = 0x6F46

	// FIDScriptStore is the DF of the toolkit script store, under the MF. 7F4X is the range
	// TS 51.011 6.2 keeps for administrative use, so no standard DF collides with it.
	FIDScriptStore uint16 = 0x7F4F
	// FIDScriptSlotA and FIDScriptSlotB are the two transparent EFs holding script images;
	// FIDScriptControl says which slot is active (byte 1: 01 = A, 02 = B, 00 = none).
	FIDScriptSlotA   uint16 = 0x6F01
	FIDScriptSlotB   uint16 = 0x6F02
	FIDScriptControl uint16 = 0x6F03
)

type fileKind uint8

const (
	kindMF fileKind = iota
	kindDF
	kindADF
	kindTransparent
	kindLinearFixed
	kindCyclic
)

var kindNames = [...]string{"mf", "df", "adf", "transparent", "linear_fixed", "cyclic"}

func (k fileKind) isDF() bool     { return k <= kindADF }
func (k fileKind) isRecord() bool { return k == kindLinearFixed || k == kindCyclic }

// access is an access condition (TS 51.011 9.3 levels, TS 102 221 9.2 expressed with key
// references).
type access uint8

const (
	accAlways access = iota
	accPIN1
	accPIN2
	accADM
	accNever
)

var accessNames = [...]string{"always", "pin1", "pin2", "adm", "never"}

// keyRef is the key reference that satisfies the condition, 0 for always/never.
func (a access) keyRef() byte {
	return [...]byte{0, RefPIN1, RefPIN2, RefADM1, 0}[a]
}

// gsmNibble is the TS 51.011 9.3 access condition level: 0 ALW, 1 CHV1, 2 CHV2, 4-E ADM, F NEV.
func (a access) gsmNibble() byte { return [...]byte{0x0, 0x1, 0x2, 0xA, 0xF}[a] }

func parseAccess(s, field string, def access) (access, error) {
	if s == "" {
		return def, nil
	}
	for i, n := range accessNames {
		if n == s {
			return access(i), nil
		}
	}
	return 0, profileErr(field, "access %q: want one of %s", s, strings.Join(accessNames[:], ", "))
}

type file struct {
	fid      uint16
	kind     fileKind
	name     string
	aid      []byte
	sfi      int
	parent   *file
	children []*file
	data     []byte   // transparent: its first bytes; the rest up to bsize are FF (binRead)
	bsize    int      // transparent: the EF's size
	records  [][]byte // linear fixed, cyclic (records[0] is record 1)
	recLen   int
	read     access
	update   access
	increase access
	deact    bool
	path     string
}

func (f *file) child(fid uint16) *file {
	for _, c := range f.children {
		if c.fid == fid {
			return c
		}
	}
	return nil
}

func (f *file) size() int {
	if f.kind.isRecord() {
		return f.recLen * len(f.records)
	}
	return f.bsize
}

// A transparent EF keeps only the bytes up to its last one that is not FF, the erased state
// of card memory: most EFs of a simulated card, and its 8 KB script slots above all, are
// mostly FF, and thousands of simulated cards then hold kilobytes instead of tens of them.

// binRead is n bytes of the transparent EF from off (within bsize), in a new slice.
func (f *file) binRead(off, n int) []byte {
	out := make([]byte, n)
	k := 0
	if off < len(f.data) {
		k = copy(out, f.data[off:])
	}
	for i := k; i < n; i++ {
		out[i] = 0xFF
	}
	return out
}

// binWrite writes b at off (off+len(b) within bsize) and returns what it replaced, for undo.
func (f *file) binWrite(off int, b []byte) (old []byte) {
	old = f.binRead(off, len(b))
	if end := off + len(b); end > len(f.data) {
		for len(f.data) < end {
			f.data = append(f.data, 0xFF)
		}
	}
	copy(f.data[off:], b)
	f.data = trimFF(f.data)
	return old
}

// trimFF drops the trailing FF bytes of d.
func trimFF(d []byte) []byte {
	n := len(d)
	for n > 0 && d[n-1] == 0xFF {
		n--
	}
	if n == 0 {
		return nil
	}
	return d[:n]
}

// fs is the card's file tree.
type fs struct {
	mf     *file
	adfs   []*file
	files  []*file // tree order, as in the profile
	byPath map[string]*file
}

func parseFID(s string) (uint16, error) {
	if len(s) != 4 {
		return 0, fmt.Errorf("FID %q: want 4 hex digits", s)
	}
	v, err := strconv.ParseUint(s, 16, 16)
	if err != nil {
		return 0, fmt.Errorf("FID %q: %v", s, err)
	}
	return uint16(v), nil
}

func newFS(specs []FileSpec) (*fs, error) {
	t := &fs{}
	byPath := map[string]*file{}
	for i, s := range specs {
		field := fmt.Sprintf("files[%d]", i)
		parts := strings.Split(strings.ToUpper(s.Path), "/")
		fids := make([]uint16, len(parts))
		for j, p := range parts {
			v, err := parseFID(p)
			if err != nil {
				return nil, profileErr(field+".path", "%v", err)
			}
			fids[j] = v
		}
		kind := -1
		for k, n := range kindNames {
			if n == s.Type {
				kind = k
			}
		}
		if kind < 0 {
			return nil, profileErr(field+".type", "%q: want one of %s", s.Type, strings.Join(kindNames[:], ", "))
		}
		f := &file{fid: fids[len(fids)-1], kind: fileKind(kind), name: s.Name, sfi: s.SFI, deact: s.Deactivated,
			path: strings.Join(parts, "/")}
		if byPath[f.path] != nil {
			return nil, profileErr(field+".path", "%s repeated", f.path)
		}
		if f.kind == kindMF {
			if len(fids) != 1 || f.fid != FIDMF || t.mf != nil {
				return nil, profileErr(field+".path", "the MF is 3F00, once, and first")
			}
			t.mf = f
		} else {
			if len(fids) < 2 || fids[0] != FIDMF {
				return nil, profileErr(field+".path", "%s: a path starts at 3F00", s.Path)
			}
			parent := byPath[strings.Join(parts[:len(parts)-1], "/")]
			if parent == nil || !parent.kind.isDF() {
				return nil, profileErr(field+".path", "%s: parent DF not declared before it", s.Path)
			}
			switch f.fid {
			case FIDMF, FIDCurrentAp, 0xFFFF:
				return nil, profileErr(field+".path", "FID %04X is reserved (TS 102 221 8.3)", f.fid)
			}
			f.parent = parent
			parent.children = append(parent.children, f)
		}
		if f.kind == kindADF {
			if len(s.AID) < 5 || len(s.AID) > 16 {
				return nil, profileErr(field+".aid", "an ADF needs an AID of 5 to 16 bytes")
			}
			if f.parent != t.mf {
				return nil, profileErr(field+".path", "an ADF sits directly under the MF")
			}
			f.aid = bytes.Clone(s.AID)
			t.adfs = append(t.adfs, f)
		} else if len(s.AID) > 0 {
			return nil, profileErr(field+".aid", "only an ADF has an AID")
		}
		if s.SFI < 0 || s.SFI > 30 || (s.SFI != 0 && f.kind.isDF()) {
			return nil, profileErr(field+".sfi", "%d: an EF's SFI is 1..30 (TS 102 221 8.3)", s.SFI)
		}
		var err error
		if f.read, err = parseAccess(s.Read, field+".read", accAlways); err != nil {
			return nil, err
		}
		if f.update, err = parseAccess(s.Update, field+".update", accADM); err != nil {
			return nil, err
		}
		if f.increase, err = parseAccess(s.Increase, field+".increase", accNever); err != nil {
			return nil, err
		}
		switch f.kind {
		case kindTransparent:
			if s.Size < 1 || s.Size > 0x7FFF || len(s.Data) > s.Size {
				return nil, profileErr(field+".size", "size %d with %d data bytes: 1..32767 and at least the data", s.Size, len(s.Data))
			}
			if len(s.RecordData) > 0 {
				return nil, profileErr(field+".record_data", "a transparent EF has no records")
			}
			f.data, f.bsize = bytes.Clone(trimFF(s.Data)), s.Size
		case kindLinearFixed, kindCyclic:
			if s.RecordLength < 1 || s.RecordLength > 255 || s.Records < 1 || s.Records > 254 {
				return nil, profileErr(field+".records", "%d records of %d bytes: 1..254 records of 1..255 bytes", s.Records, s.RecordLength)
			}
			if len(s.RecordData) > s.Records {
				return nil, profileErr(field+".record_data", "%d records given, the file has %d", len(s.RecordData), s.Records)
			}
			f.recLen = s.RecordLength
			for r := 0; r < s.Records; r++ {
				var d []byte
				if r < len(s.RecordData) {
					d = s.RecordData[r]
					if len(d) > s.RecordLength {
						return nil, profileErr(fmt.Sprintf("%s.record_data[%d]", field, r), "%d bytes, records are %d", len(d), s.RecordLength)
					}
				}
				f.records = append(f.records, pad(d, s.RecordLength))
			}
		default:
			if s.Size != 0 || s.Records != 0 || len(s.Data) != 0 || len(s.RecordData) != 0 {
				return nil, profileErr(field, "a %s holds no data", s.Type)
			}
		}
		byPath[f.path] = f
		t.files = append(t.files, f)
	}
	if t.mf == nil {
		return nil, profileErr("files", "no MF")
	}
	t.byPath = byPath
	return t, nil
}

func pad(d []byte, n int) []byte {
	out := make([]byte, n)
	copy(out, d)
	for i := len(d); i < n; i++ {
		out[i] = 0xFF
	}
	return out
}

// specs writes the tree back as profile entries, data included.
func (t *fs) specs() []FileSpec {
	out := make([]FileSpec, 0, len(t.files))
	for _, f := range t.files {
		s := FileSpec{Path: f.path, Name: f.name, Type: kindNames[f.kind], AID: f.aid, SFI: f.sfi, Deactivated: f.deact}
		if !f.kind.isDF() {
			s.Read, s.Update = accessNames[f.read], accessNames[f.update]
			if f.kind == kindCyclic {
				s.Increase = accessNames[f.increase]
			}
		}
		switch f.kind {
		case kindTransparent:
			s.Size, s.Data = f.bsize, f.binRead(0, f.bsize)
		case kindLinearFixed, kindCyclic:
			s.RecordLength, s.Records = f.recLen, len(f.records)
			for _, r := range f.records {
				s.RecordData = append(s.RecordData, bytes.Clone(r))
			}
		}
		out = append(out, s)
	}
	return out
}
