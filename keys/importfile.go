package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// ImportOptions says how to read a card manufacturer file (the columns are in docs/import-format.md).
type ImportOptions struct {
	Tenant    string    // tenant owning the cards and keysets
	Profile   string    // card profile of every card in the file
	Lifecycle Lifecycle // state of the new records; LifecycleIssued when empty
	// KIcCoding, KIDCoding and KIKCoding give the algorithm (b4-b1 of the KIc/KID byte, TS 102 225
	// 5.1.2/5.1.3) of keys whose file has no KICn_CODING column; the KVN nibble is the keyset's.
	KIcCoding, KIDCoding, KIKCoding byte
	// TransportKey, when set, is the AES key the manufacturer encrypted every secret column with
	// (AES-CBC, zero IV, no padding: the field is a multiple of 16 bytes).
	TransportKey []byte
	// TARs are given to every imported card.
	TARs []TARPolicy
	// IgnoreUnknownColumns skips columns this importer does not know instead of failing.
	IgnoreUnknownColumns bool
}

// Position is a place in an imported file, line and column from 1 (the column counts bytes).
type Position struct{ Line, Column int }

// cardSecretColumns are card secrets stored sealed next to the keysets; their value is hex.
var cardSecretColumns = []string{"KI", "OPC", "OTA_KEY"}

// cardCodeColumns are card secrets given as decimal or text codes; their value is stored as text.
var cardCodeColumns = []string{"ADM1", "PIN1", "PUK1", "PIN2", "PUK2"}

type column struct {
	name   string // upper-case header
	kind   byte   // 'i' ICCID, 'm' IMSI, 'n' MSISDN, 's' hex secret, 'c' code, 'k' keyset key, 'a' coding, '-' ignored
	kvn    uint8
	keyIdx int // 0 KIc, 1 KID, 2 KIK
}

var keyNames = [3]string{"kic", "kid", "kik"}

func parseHeader(rec []string, opts ImportOptions, pos func(field int) (line, column int)) ([]column, error) {
	cols := make([]column, len(rec))
	seen := map[string]int{}
	for i, h := range rec {
		name := strings.ToUpper(strings.TrimSpace(h))
		c := column{name: name}
		switch {
		case name == "ICCID":
			c.kind = 'i'
		case name == "IMSI":
			c.kind = 'm'
		case name == "MSISDN":
			c.kind = 'n'
		case slices.Contains(cardSecretColumns, name):
			c.kind = 's'
		case slices.Contains(cardCodeColumns, name):
			c.kind = 'c'
		default:
			kind, kvn, idx, ok := keyColumn(name)
			switch {
			case ok:
				c.kind, c.kvn, c.keyIdx = kind, kvn, idx
			case opts.IgnoreUnknownColumns:
				c.kind = '-'
			default:
				line, col := pos(i)
				return nil, &ImportError{Line: line, Column: col, Name: h, Err: errors.New("unknown column (see docs/import-format.md)")}
			}
		}
		if j, dup := seen[name]; dup {
			line, col := pos(i)
			_, first := pos(j)
			return nil, &ImportError{Line: line, Column: col, Name: h, Err: fmt.Errorf("same column as column %d", first)}
		}
		seen[name] = i
		cols[i] = c
	}
	for _, need := range []string{"ICCID", "IMSI"} {
		if _, ok := seen[need]; !ok {
			line, _ := pos(0)
			return nil, &ImportError{Line: line, Err: fmt.Errorf("header has no %s column", need)}
		}
	}
	return cols, nil
}

// keyColumn recognises KIC1..KIC15, KID1.., KIK1.. and their _CODING companions.
func keyColumn(name string) (kind byte, kvn uint8, idx int, ok bool) {
	kind = 'k'
	if base, found := strings.CutSuffix(name, "_CODING"); found {
		name, kind = base, 'a'
	}
	if len(name) < 4 {
		return 0, 0, 0, false
	}
	idx = slices.Index([]string{"KIC", "KID", "KIK"}, name[:3])
	if idx < 0 {
		return 0, 0, 0, false
	}
	n, err := strconv.Atoi(name[3:])
	if err != nil || n < 1 || n > 15 || name[3] == '0' {
		return 0, 0, 0, false
	}
	return kind, uint8(n), idx, true
}

// ParseCardFile reads a manufacturer file and returns its cards with every secret sealed by kp.
// The first error stops it: an *ImportError naming the line and column.
// The returned positions are where each card's ICCID stands in the file.
func ParseCardFile(r io.Reader, opts ImportOptions, kp KeyProvider) ([]Card, []Position, error) {
	var transport cipher.Block
	if opts.TransportKey != nil {
		var err error
		if transport, err = aes.NewCipher(opts.TransportKey); err != nil {
			return nil, nil, fmt.Errorf("transport key: %w", err)
		}
	}
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // counted below, to say where the row ends
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, nil, &ImportError{Line: 1, Err: errors.New("empty file: no header")}
		}
		return nil, nil, csvError(err)
	}
	cols, err := parseHeader(header, opts, cr.FieldPos)
	if err != nil {
		return nil, nil, err
	}
	lifecycle := opts.Lifecycle
	if lifecycle == "" {
		lifecycle = LifecycleIssued
	}
	var cards []Card
	var lines []Position
	seen := map[ICCID]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, csvError(err)
		}
		if len(rec) != len(cols) {
			line, col := cr.FieldPos(len(rec) - 1)
			return nil, nil, &ImportError{Line: line, Column: col, Err: fmt.Errorf("%d fields, the header has %d", len(rec), len(cols))}
		}
		iccidCol := slices.IndexFunc(cols, func(c column) bool { return c.kind == 'i' })
		line, col := cr.FieldPos(iccidCol)
		card, err := parseRow(cr, rec, cols, opts, transport, kp)
		if err != nil {
			return nil, nil, err
		}
		if prev, dup := seen[card.ICCID]; dup {
			return nil, nil, &ImportError{Line: line, Column: col, Name: "ICCID", Err: fmt.Errorf("ICCID %s already on line %d", card.ICCID, prev)}
		}
		seen[card.ICCID] = line
		card.Tenant = opts.Tenant
		card.Profile = opts.Profile
		card.Lifecycle = lifecycle
		card.TARs = slices.Clone(opts.TARs)
		cards = append(cards, card)
		lines = append(lines, Position{Line: line, Column: col})
	}
	return cards, lines, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ImportError{Line: pe.Line, Column: pe.Column, Err: pe.Err}
	}
	return err
}

type rowKey struct {
	clear  []byte
	coding int // -1 when no coding column
	line   int
	col    int
	name   string
}

func parseRow(cr *csv.Reader, rec []string, cols []column, opts ImportOptions, transport cipher.Block, kp KeyProvider) (Card, error) {
	var card Card
	var keys [16][3]rowKey
	for k := range keys {
		for j := range keys[k] {
			keys[k][j].coding = -1
		}
	}
	defer func() { // clear key bytes do not outlive the row
		for k := range keys {
			for j := range keys[k] {
				clear(keys[k][j].clear)
			}
		}
	}()
	fail := func(i int, err error) error {
		line, col := cr.FieldPos(i)
		return &ImportError{Line: line, Column: col, Name: cols[i].name, Err: err}
	}
	// The ICCID goes into every secret's additional data, so it is read first.
	iccidCol := slices.IndexFunc(cols, func(c column) bool { return c.kind == 'i' })
	id, err := ParseICCID(strings.TrimSpace(rec[iccidCol]))
	if err != nil {
		return card, fail(iccidCol, err)
	}
	card.ICCID = id
	for i, c := range cols {
		v := strings.TrimSpace(rec[i])
		switch c.kind {
		case 'm':
			if err := digits("imsi", v, 6, 15); err != nil {
				return card, fail(i, err)
			}
			card.IMSI = v
		case 'n':
			if err := digits("msisdn", strings.TrimPrefix(v, "+"), 0, 15); err != nil {
				return card, fail(i, err)
			}
			card.MSISDN = strings.TrimPrefix(v, "+")
		case 's', 'k':
			if v == "" {
				continue
			}
			b, err := decodeSecret(v, transport)
			if err != nil {
				return card, fail(i, err)
			}
			if c.kind == 's' {
				name := strings.ToLower(c.name)
				sealed, err := kp.Seal(b, SecretRef{ICCID: card.ICCID, Name: name}.AAD())
				clear(b)
				if err != nil {
					return card, fail(i, err)
				}
				card.Secrets = append(card.Secrets, Secret{Name: name, Sealed: sealed})
				continue
			}
			line, col := cr.FieldPos(i)
			keys[c.kvn][c.keyIdx].clear, keys[c.kvn][c.keyIdx].line, keys[c.kvn][c.keyIdx].col, keys[c.kvn][c.keyIdx].name = b, line, col, c.name
		case 'c':
			if v == "" {
				continue
			}
			name := strings.ToLower(c.name)
			sealed, err := kp.Seal([]byte(v), SecretRef{ICCID: card.ICCID, Name: name}.AAD())
			if err != nil {
				return card, fail(i, err)
			}
			card.Secrets = append(card.Secrets, Secret{Name: name, Sealed: sealed})
		case 'a':
			if v == "" {
				continue
			}
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != 1 {
				return card, fail(i, errors.New("want one hex byte (KIc/KID coding, TS 102 225 5.1.2)"))
			}
			if kvn := b[0] >> 4; kvn != 0 && kvn != c.kvn {
				return card, fail(i, fmt.Errorf("coding %02X names key version %d in a column of key version %d", b[0], kvn, c.kvn))
			}
			keys[c.kvn][c.keyIdx].coding = int(b[0] & 0x0F)
		}
	}
	slices.SortFunc(card.Secrets, func(a, b Secret) int { return strings.Compare(a.Name, b.Name) })
	defaults := [3]byte{opts.KIcCoding, opts.KIDCoding, opts.KIKCoding}
	for kvn := uint8(1); kvn <= 15; kvn++ {
		row := &keys[kvn]
		if row[0].clear == nil && row[1].clear == nil && row[2].clear == nil {
			continue
		}
		ks := Keyset{KVN: kvn, Tenant: opts.Tenant}
		for j := range row {
			k := &row[j]
			if k.clear == nil {
				continue
			}
			coding := defaults[j] & 0x0F
			if k.coding >= 0 {
				coding = byte(k.coding)
			}
			if err := checkKeyLength(coding, len(k.clear), j); err != nil {
				return card, &ImportError{Line: k.line, Column: k.col, Name: k.name, Err: err}
			}
			sealed, err := kp.Seal(k.clear, SecretRef{ICCID: card.ICCID, KVN: kvn, Name: keyNames[j]}.AAD())
			if err != nil {
				return card, &ImportError{Line: k.line, Column: k.col, Name: k.name, Err: err}
			}
			key := Key{Coding: kvn<<4 | coding, Sealed: sealed}
			switch j {
			case 0:
				ks.KIc = key
			case 1:
				ks.KID = key
			case 2:
				ks.KIK = key
			}
		}
		card.Keysets = append(card.Keysets, ks)
	}
	return card, nil
}

func decodeSecret(v string, transport cipher.Block) ([]byte, error) {
	b, err := hex.DecodeString(v)
	if err != nil {
		var ie hex.InvalidByteError
		if errors.As(err, &ie) {
			return nil, fmt.Errorf("offset %d: not hex", strings.IndexByte(v, byte(ie)))
		}
		return nil, fmt.Errorf("offset %d: odd number of hex digits", len(v)-1)
	}
	if transport == nil {
		return b, nil
	}
	if len(b) == 0 || len(b)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("offset 0: %d bytes encrypted under the transport key, want a multiple of 16", len(b))
	}
	cipher.NewCBCDecrypter(transport, make([]byte, aes.BlockSize)).CryptBlocks(b, b)
	return b, nil
}

// checkKeyLength checks a key's length against its algorithm coding (b4-b1 of KIc/KID, TS 102 225
// 5.1.2 and 5.1.3). Implicit and proprietary algorithms take any length.
func checkKeyLength(coding byte, n int, which int) error {
	var want []int
	switch coding & 0x03 {
	case 0x01: // DES family: b4-b3
		switch coding >> 2 & 0x03 {
		case 0, 3:
			want = []int{8}
		case 1:
			want = []int{16}
		case 2:
			want = []int{24}
		}
	case 0x02: // AES
		want = []int{16, 24, 32}
	default:
		if n == 0 {
			return errors.New("empty key")
		}
		return nil
	}
	if !slices.Contains(want, n) {
		return fmt.Errorf("%d-byte %s for algorithm %s, want %v bytes", n, strings.ToUpper(keyNames[which]), AlgorithmName(coding), want)
	}
	return nil
}

// AlgorithmName describes the algorithm b4-b1 of a KIc/KID coding byte (TS 102 225 5.1.2, 5.1.3,
// assuming the SPI asks for a cryptographic checksum when it is a KID).
func AlgorithmName(coding byte) string {
	switch coding & 0x03 {
	case 0x00:
		return "implicit"
	case 0x01:
		return [4]string{"DES-CBC", "3DES-2KEY", "3DES-3KEY", "DES-ECB"}[coding>>2&0x03]
	case 0x02:
		return "AES"
	}
	return "proprietary"
}
