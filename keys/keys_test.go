package keys_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
	"github.com/stkforge/stkforge/keys"
)

const fixture = "../fixtures/keys/cards.csv"

func golden(t *testing.T) *goldie.Goldie {
	return goldie.New(t, goldie.WithFixtureDir("../fixtures/golden/keys"), goldie.WithNameSuffix(".golden"))
}

// fixedKey is a master key with deterministic nonces, so golden files are byte-exact.
func fixedKey(t testing.TB, fill byte) *keys.MasterKey {
	m, err := keys.NewMasterKey(bytes.Repeat([]byte{fill}, 32), bytes.NewReader(bytes.Repeat([]byte{0x5A}, 1<<20)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLuhn(t *testing.T) {
	for _, c := range []struct{ in, digit string }{
		{"7992739871", "3"}, // the textbook example
		{"898821100000000001", "1"},
		{"8944500102198304826", "1"},
		{"0", "0"},
	} {
		if got := string(keys.LuhnDigit(c.in)); got != c.digit {
			t.Errorf("LuhnDigit(%s) = %s, want %s", c.in, got, c.digit)
		}
	}
	if _, err := keys.ParseICCID("89445001021983048261"); err != nil {
		t.Errorf("valid 20-digit ICCID: %v", err)
	}
	for _, c := range []struct{ in, want string }{
		{"89445001021983048267", "iccid: offset 19: Luhn check digit is 7, want 1"},
		{"8944500102198304826A", "iccid: offset 19: 'A' is not a decimal digit"},
		{"89445001", "iccid: offset 0: 8 digits, want 18 to 20"},
		{"894450010219830482681", "iccid: offset 0: 21 digits, want 18 to 20"},
	} {
		_, err := keys.ParseICCID(c.in)
		var fe *keys.FieldError
		if err == nil || err.Error() != c.want || !errors.As(err, &fe) {
			t.Errorf("ParseICCID(%s) = %v, want %s", c.in, err, c.want)
		}
	}
}

func TestSeal(t *testing.T) {
	m := fixedKey(t, 1)
	aad := keys.SecretRef{ICCID: "8988211000000000011", KVN: 1, Name: "kic"}.AAD()
	plain := []byte("0123456789abcdef")
	sealed, err := m.Seal(plain, aad)
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) != 1+8+12+16+16 || keys.SealedKeyID(sealed) != m.ID() {
		t.Fatalf("sealed = %x", sealed)
	}
	got, err := m.Open(sealed, aad)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other := keys.SecretRef{ICCID: "8988211000000000011", KVN: 1, Name: "kid"}.AAD()
	if _, err := m.Open(sealed, other); !errors.Is(err, keys.ErrSealed) {
		t.Errorf("blob moved to another record opened: %v", err)
	}
	if _, err := fixedKey(t, 2).Open(sealed, aad); !errors.Is(err, keys.ErrSealed) || !strings.Contains(err.Error(), "sealed.key_id: offset 1") {
		t.Errorf("other master key: %v", err)
	}
	for i := range sealed {
		if _, err := m.Open(sealed[:i], aad); !errors.Is(err, keys.ErrSealed) {
			t.Errorf("prefix of %d bytes: %v", i, err)
		}
		flipped := bytes.Clone(sealed)
		flipped[i] ^= 0x01
		if _, err := m.Open(flipped, aad); !errors.Is(err, keys.ErrSealed) {
			t.Errorf("bit flipped in byte %d: %v", i, err)
		}
	}
}

func TestMasterKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "master.key")
	m, err := keys.CreateMasterKeyFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("created with mode %04o", fi.Mode().Perm())
	}
	again, err := keys.LoadMasterKeyFile(path, nil)
	if err != nil || again.ID() != m.ID() {
		t.Fatalf("reloaded %v, %v", again, err)
	}
	if _, err := keys.CreateMasterKeyFile(path, nil); err == nil {
		t.Error("CreateMasterKeyFile overwrote a key")
	}
	os.Chmod(path, 0o640)
	if _, err := keys.LoadMasterKeyFile(path, nil); !errors.Is(err, keys.ErrKeyFileMode) {
		t.Errorf("mode 0640 accepted: %v", err)
	}
	for name, content := range map[string]string{
		"short":  strings.Repeat("ab", 31) + "\n",
		"nothex": strings.Repeat("zz", 32) + "\n",
		"twice":  strings.Repeat("ab", 32) + "\n" + strings.Repeat("cd", 32) + "\n",
		"empty":  "# nothing\n",
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		if _, err := keys.LoadMasterKeyFile(p, nil); err == nil {
			t.Errorf("%s key file accepted", name)
		}
	}
}

func TestAuditChain(t *testing.T) {
	var entries []keys.AuditEntry
	var prev *keys.AuditEntry
	for i, a := range []string{keys.AuditInit, keys.AuditImport, keys.AuditRotateSigning, keys.AuditCampaign, keys.AuditExport} {
		e := keys.ChainAudit(prev, keys.AuditRecord{Time: time.Date(2026, 11, 27, 12, 0, i, 1500, time.UTC), Actor: "t", Action: a, Subject: "s", Detail: "{}"})
		entries = append(entries, e)
		prev = &entries[len(entries)-1]
	}
	if err := keys.VerifyAudit(entries); err != nil {
		t.Fatal(err)
	}
	var listing strings.Builder
	listing.WriteString("# seq time action subject detail\n#   prev hash\n#   hash = SHA-256(\"stkforge.audit.v1\" | seq u64 | unix µs u64 | (u32 len | bytes) x actor, action, subject, detail | prev)\n")
	for _, e := range entries {
		fmt.Fprintf(&listing, "%d %s %s %s %s\n  %x\n  %x\n", e.Seq, e.Time.Format(time.RFC3339Nano), e.Action, e.Subject, e.Detail, e.Prev, e.Hash)
	}
	golden(t).Assert(t, "audit_chain", []byte(listing.String()))
	broken := func(mut func([]keys.AuditEntry) []keys.AuditEntry) uint64 {
		c := mut(append([]keys.AuditEntry(nil), entries...))
		var ce *keys.AuditChainError
		if err := keys.VerifyAudit(c); !errors.As(err, &ce) {
			t.Fatalf("damaged chain verified: %v", err)
		}
		return ce.Seq
	}
	for name, c := range map[string]struct {
		mut  func([]keys.AuditEntry) []keys.AuditEntry
		want uint64
	}{
		"edited detail": {func(e []keys.AuditEntry) []keys.AuditEntry { e[2].Detail = `{"x":1}`; return e }, 3},
		"edited time":   {func(e []keys.AuditEntry) []keys.AuditEntry { e[1].Time = e[1].Time.Add(time.Second); return e }, 2},
		"removed entry": {func(e []keys.AuditEntry) []keys.AuditEntry { return append(e[:1], e[2:]...) }, 3},
		"swapped":       {func(e []keys.AuditEntry) []keys.AuditEntry { e[3], e[4] = e[4], e[3]; return e }, 5},
		"rehashed alone": {func(e []keys.AuditEntry) []keys.AuditEntry {
			e[1] = keys.ChainAudit(&e[0], keys.AuditRecord{Time: e[1].Time, Action: "forged"})
			return e
		}, 3},
		"first removed": {func(e []keys.AuditEntry) []keys.AuditEntry { return e[1:] }, 2},
	} {
		if got := broken(c.mut); got != c.want {
			t.Errorf("%s: first broken entry %d, want %d", name, got, c.want)
		}
	}
}

var importOpts = keys.ImportOptions{Tenant: "op", Profile: "sja2", KIcCoding: 0x02, KIDCoding: 0x02, KIKCoding: 0x02}

func TestImportGolden(t *testing.T) {
	f, err := os.Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	opts := importOpts
	opts.TARs = []keys.TARPolicy{{TAR: [3]byte{0xB0, 0x00, 0x10}, MSL: 0x16, Tenant: "op"}}
	cards, pos, err := keys.ParseCardFile(f, opts, fixedKey(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 3 || pos[2] != (keys.Position{Line: 5, Column: 1}) {
		t.Fatalf("%d cards, positions %v", len(cards), pos)
	}
	views := make([]keys.CardView, len(cards))
	var text bytes.Buffer
	for i, c := range cards {
		c.Created = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
		views[i] = keys.View(c)
		keys.WriteCardView(&text, views[i])
		text.WriteString("\n")
	}
	js, _ := json.MarshalIndent(views, "", "  ")
	g := golden(t)
	g.Assert(t, "import_cards_json", append(js, '\n'))
	g.Assert(t, "import_cards_show", text.Bytes())
	for _, v := range views {
		if strings.Contains(string(js), "000102030405") || len(v.Secrets) == 0 {
			t.Error("view holds a key, or lost the secret names")
		}
	}
}

func TestImportErrors(t *testing.T) {
	const head = "ICCID,IMSI,KIC1,KID1\n"
	const row = "8988211000000000011,001010000000001,202122232425262728292A2B2C2D2E2F,303132333435363738393A3B3C3D3E3F\n"
	for _, c := range []struct {
		name, file string
		opts       *keys.ImportOptions
		want       string
	}{
		{"empty", "", nil, "line 1: empty file: no header"},
		{"no IMSI column", "ICCID,KIC1\n", nil, "line 1: header has no IMSI column"},
		{"header after comments", "# batch 7\n# 2 cards\nICCID,IMSI,FOO\n", nil, "line 3: column 12 (FOO): unknown column (see docs/import-format.md)"},
		{"unknown column", "ICCID,IMSI,FOO\n", nil, "line 1: column 12 (FOO): unknown column (see docs/import-format.md)"},
		{"KIC0", "ICCID,IMSI,KIC0\n", nil, "line 1: column 12 (KIC0): unknown column (see docs/import-format.md)"},
		{"KIC16", "ICCID,IMSI,KIC16\n", nil, "line 1: column 12 (KIC16): unknown column (see docs/import-format.md)"},
		{"repeated column", "ICCID,IMSI,imsi\n", nil, "line 1: column 12 (imsi): same column as column 7"},
		{"Luhn", head + strings.Replace(row, "11,", "12,", 1), nil, "line 2: column 1 (ICCID): iccid: offset 18: Luhn check digit is 2, want 1"},
		{"IMSI letter", head + strings.Replace(row, "001010000000001", "00101000000000X", 1), nil, "line 2: column 21 (IMSI): imsi: offset 14: 'X' is not a decimal digit"},
		{"odd hex", head + strings.Replace(row, "2F,", "2,", 1), nil, "line 2: column 37 (KIC1): offset 30: odd number of hex digits"},
		{"bad hex", head + strings.Replace(row, "3031", "30G1", 1), nil, "line 2: column 70 (KID1): offset 2: not hex"},
		{"short AES key", head + strings.Replace(row, "2E2F,", ",", 1), nil, "line 2: column 37 (KIC1): 14-byte KIC for algorithm AES, want [16 24 32] bytes"},
		{"3DES-3 key length", "ICCID,IMSI,KIC1,KIC1_CODING\n8988211000000000011,001010000000001,202122232425262728292A2B2C2D2E2F,19\n", nil, "line 2: column 37 (KIC1): 16-byte KIC for algorithm 3DES-3KEY, want [24] bytes"},
		{"coding of other KVN", "ICCID,IMSI,KIC1,KIC1_CODING\n8988211000000000011,001010000000001,202122232425262728292A2B2C2D2E2F,25\n", nil, "line 2: column 70 (KIC1_CODING): coding 25 names key version 2 in a column of key version 1"},
		{"coding not a byte", "ICCID,IMSI,KIC1,KIC1_CODING\n8988211000000000011,001010000000001,202122232425262728292A2B2C2D2E2F,0102\n", nil, "line 2: column 70 (KIC1_CODING): want one hex byte (KIc/KID coding, TS 102 225 5.1.2)"},
		{"field count", head + row + "8988211000000000029,001010000000002\n", nil, "line 3: column 21: 2 fields, the header has 4"},
		{"bare quote", head + row + "8988211000000000029,0010\"10000000002,,\n", nil, "line 3: column 25: bare \" in non-quoted-field"},
		{"duplicate ICCID", head + row + row, nil, "line 3: column 1 (ICCID): ICCID 8988211000000000011 already on line 2"},
		{"transport length", head + row, &keys.ImportOptions{TransportKey: make([]byte, 16), Tenant: "op"}, ""},
		{"transport not block", head + strings.Replace(row, "2E2F,", ",", 1), &keys.ImportOptions{TransportKey: make([]byte, 16), Tenant: "op"}, "line 2: column 37 (KIC1): offset 0: 14 bytes encrypted under the transport key, want a multiple of 16"},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := importOpts
			if c.opts != nil {
				opts = *c.opts
			}
			_, _, err := keys.ParseCardFile(strings.NewReader(c.file), opts, fixedKey(t, 1))
			if c.want == "" {
				if err != nil {
					t.Errorf("err = %v", err)
				}
				return
			}
			var ie *keys.ImportError
			if !errors.As(err, &ie) || err.Error() != c.want {
				t.Errorf("err = %v\n want %s", err, c.want)
			}
		})
	}
}

// TestImportTransportKey: a file whose secret columns are AES-CBC (zero IV) encrypted under a
// transport key imports the same keys as the clear file.
func TestImportTransportKey(t *testing.T) {
	clearFile, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	tk := []byte("transport-key-16")
	block, _ := aes.NewCipher(tk)
	var enc strings.Builder
	for i, line := range strings.SplitAfter(string(clearFile), "\n") {
		if i < 2 {
			enc.WriteString(line)
			continue
		}
		fields := strings.Split(strings.TrimSuffix(line, "\n"), ",")
		for j, f := range fields {
			if len(f) == 32 {
				b, _ := hex.DecodeString(f)
				cipher.NewCBCEncrypter(block, make([]byte, 16)).CryptBlocks(b, b)
				fields[j] = hex.EncodeToString(b)
			}
		}
		enc.WriteString(strings.Join(fields, ","))
		if strings.HasSuffix(line, "\n") {
			enc.WriteString("\n")
		}
	}
	m := fixedKey(t, 1)
	want, _, err := keys.ParseCardFile(bytes.NewReader(clearFile), importOpts, m)
	if err != nil {
		t.Fatal(err)
	}
	opts := importOpts
	opts.TransportKey = tk
	got, _, err := keys.ParseCardFile(strings.NewReader(enc.String()), opts, m)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		for k := range want[i].Keysets {
			ref := keys.SecretRef{ICCID: want[i].ICCID, KVN: want[i].Keysets[k].KVN, Name: "kic"}
			a, _ := m.Open(want[i].Keysets[k].KIc.Sealed, ref.AAD())
			b, _ := m.Open(got[i].Keysets[k].KIc.Sealed, ref.AAD())
			if !bytes.Equal(a, b) || a == nil {
				t.Errorf("card %d keyset %d: KIc %x via transport key, %x clear", i, k, b, a)
			}
		}
	}
}

// TestImportPrefixes: no prefix of a file makes the parser panic; a prefix that cuts a row is an
// ImportError.
func TestImportPrefixes(t *testing.T) {
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	headerEnd := bytes.Index(data, []byte("KID2_CODING\n")) + len("KID2_CODING")
	for i := range data {
		_, _, err := keys.ParseCardFile(bytes.NewReader(data[:i]), importOpts, fixedKey(t, 1))
		rest, _, _ := bytes.Cut(data[i:], []byte("\n"))
		if i > headerEnd && data[i-1] != '\n' && bytes.Contains(rest, []byte(",")) && err == nil {
			t.Errorf("prefix of %d bytes (cut inside a line) parsed", i)
		}
		var ie *keys.ImportError
		if err != nil && !errors.As(err, &ie) {
			t.Errorf("prefix of %d bytes: %T %v is not an ImportError", i, err, err)
		}
	}
}

func FuzzParseCardFile(f *testing.F) {
	fuzzseed.Add(f)
	data, err := os.ReadFile(fixture)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("ICCID,IMSI,KIC1,KIC1_CODING\n8988211000000000011,001010000000001,202122232425262728292A2B2C2D2E2F,15\n"))
	m := fixedKey(f, 1)
	f.Fuzz(func(t *testing.T, in []byte) {
		cards, _, err := keys.ParseCardFile(bytes.NewReader(in), importOpts, m)
		if err != nil {
			var ie *keys.ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("%T %v is not an ImportError", err, err)
			}
			return
		}
		for _, c := range cards {
			if err := c.Validate(); err != nil {
				t.Fatalf("parsed card does not validate: %v", err)
			}
		}
	})
}

func FuzzOpenSealed(f *testing.F) {
	fuzzseed.Add(f)
	m := fixedKey(f, 1)
	aad := keys.SecretRef{ICCID: "8988211000000000011", KVN: 1, Name: "kic"}.AAD()
	sealed, err := m.Seal([]byte("0123456789abcdef"), aad)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add(sealed[:20])
	f.Fuzz(func(t *testing.T, in []byte) {
		plain, err := m.Open(in, aad)
		if err == nil {
			if !bytes.Equal(in, sealed) || string(plain) != "0123456789abcdef" {
				t.Fatalf("forged blob %x opened to %q", in, plain)
			}
			return
		}
		var fe *keys.FieldError
		if !errors.Is(err, keys.ErrSealed) || !errors.As(err, &fe) {
			t.Fatalf("error %v is not a FieldError wrapping ErrSealed", err)
		}
	})
}

func FuzzParseICCID(f *testing.F) {
	fuzzseed.Add(f)
	for _, s := range []string{"8988211000000000011", "89445001021983048261", "8944500102198304826A", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := keys.ParseICCID(s)
		if err != nil {
			var fe *keys.FieldError
			if !errors.As(err, &fe) || fe.Offset < 0 || fe.Offset > len(s) {
				t.Fatalf("error %v has no sane offset", err)
			}
			return
		}
		if string(id) != s || keys.LuhnDigit(s[:len(s)-1]) != s[len(s)-1] {
			t.Fatalf("accepted %q", s)
		}
	})
}

func TestCounterBatch(t *testing.T) {
	a, b := keys.ICCID("8988211000000000011"), keys.ICCID("8988211000000000029")
	reqs := []keys.CounterRequest{{ICCID: a, KVN: 1, N: 2}, {ICCID: b, KVN: 1, N: 1}, {ICCID: a, KVN: 1, N: 3}, {ICCID: a, KVN: 2, N: 1}}
	batch, err := keys.NewCounterBatch(reqs)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(batch.Unique); got != fmt.Sprint([]keys.CounterRequest{{ICCID: a, KVN: 1, N: 5}, {ICCID: b, KVN: 1, N: 1}, {ICCID: a, KVN: 2, N: 1}}) {
		t.Errorf("unique = %s", got)
	}
	// Stored counters were 10, 0 and 7 before the batch.
	got, failed := batch.Ranges([]uint64{15, 1, 8})
	if failed != nil {
		t.Fatal(failed)
	}
	want := []keys.CounterRange{{ICCID: a, KVN: 1, First: 11, N: 2}, {ICCID: b, KVN: 1, First: 1, N: 1}, {ICCID: a, KVN: 1, First: 13, N: 3}, {ICCID: a, KVN: 2, First: 8, N: 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ranges = %v, want %v", got, want)
	}
	if _, failed := batch.Ranges([]uint64{15, 0, 8}); failed == nil || failed.ICCID != b {
		t.Errorf("not updated keyset: %v", failed)
	}
	if _, err := keys.NewCounterBatch([]keys.CounterRequest{{ICCID: a, KVN: 1, N: keys.CounterMax}, {ICCID: a, KVN: 1, N: 1}}); !errors.Is(err, keys.ErrCounterExhausted) {
		t.Errorf("sum past the limit: %v", err)
	}
	if _, err := keys.NewCounterBatch([]keys.CounterRequest{{ICCID: a, KVN: 1, N: 0}}); err == nil {
		t.Error("N = 0 accepted")
	}
}

func TestTransportKeyFile(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct {
		content string
		mode    os.FileMode
		ok      bool
	}{
		"aes128":   {"# from the manufacturer\n000102030405060708090a0b0c0d0e0f\n", 0o600, true},
		"aes256":   {strings.Repeat("ab", 32), 0o600, true},
		"readable": {"000102030405060708090a0b0c0d0e0f\n", 0o644, false},
		"3des":     {strings.Repeat("ab", 24) + "00", 0o600, false},
		"nothex":   {strings.Repeat("zz", 16), 0o600, false},
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(c.content), c.mode)
		os.Chmod(p, c.mode)
		_, err := keys.LoadTransportKeyFile(p)
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
