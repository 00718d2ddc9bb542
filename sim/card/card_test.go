package card

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sebdah/goldie/v2"
)

const defaultProfile = "../../fixtures/cards/default.json"

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func newCard(t testing.TB, opts ...Option) *Card {
	t.Helper()
	p, err := LoadProfile(defaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(p, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tx sends hex and returns the response as upper-case hex.
func tx(t testing.TB, c *Card, capdu string) string {
	t.Helper()
	return fmt.Sprintf("%X", c.Transmit(unhex(t, capdu)))
}

// expect sends each command and checks each response (hex; "…" ends a prefix match).
func expect(t *testing.T, c *Card, pairs ...string) {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		got := tx(t, c, pairs[i])
		want := strings.ReplaceAll(pairs[i+1], " ", "")
		if p, ok := strings.CutSuffix(want, "…"); ok {
			if !strings.HasPrefix(got, p) {
				t.Errorf("%s: got %s, want %s…", pairs[i], got, p)
			}
			continue
		}
		if got != want {
			t.Errorf("%s: got %s, want %s", pairs[i], got, want)
		}
	}
}

func TestSIMClassFileAccess(t *testing.T) {
	c := newCard(t)
	expect(t, c,
		"A0A40000022FE2", "9F0F",
		"A0C000000F", "00 00 00 0A 2F E2 04 00 0F F0 AA 01 02 00 00 9000",
		"A0B000000A", "988812010000400310F0 9000",
		"A0B000000B", "670A", // P3 longer than the file: 67 + the right length
		"A0B0000A01", "9402", // offset beyond the file
		"A0A40000027F20", "9F16",
		"A0C0000016", "0000FFFF7F2002000000000009310007030083 8A 83 8A 9000",
		"A0A40000026F07", "9F0F",
		"A0B0000009", "9804", // IMSI needs CHV1
		"A02000010831313131FFFFFFFF", "9804",
		"A0200001083132333431FFFFFF", "9804", // wrong again: one try left
		"A020000108313233FFFFFFFFFF", "9840", // no try left: blocked
	)
	expect(t, c,
		"A02C00001031323334353637383132333434FFFFFF", "9000", // unblock CHV1 with the PUK
		"A0B0000009", "080910101032547698 9000",
		"A0A4000002FFFF", "9404",
		"A0A4000102 3F00", "6B00",
		"A0A40000033F0000", "6700",
		"A01000000111", "9000",
		"A0F2000016", "0000FFFF7F200200000000000931…",
		"A0F2000030", "6716",
		"A07000000001", "6D00", // no MANAGE CHANNEL in TS 51.011
		"A0880000", "6D00",
	)
}

func TestUICCClassFileAccess(t *testing.T) {
	c := newCard(t)
	expect(t, c,
		"00A4000C022FE2", "9000",
		"00B000000A", "988812010000400310F09000",
		"00B0000000", "6C0A", // Le 00 = 256: the file has 10
		"00B0000B01", "6B00",
		"00D600000100", "6982", // EF ICCID is never updatable
		"00A40004023F00", "61…",
		"00A4000402 7FFF", "6A82", // no application selected yet
		"00A4040407A0000000871002", "61…",
		"00A40004027FFF", "61…",
		"00A4080C047FFF6F07", "9000",
		"00B0000009", "6982",
		"0020000100", "63C3",
		"00200001083132333435FFFFFF", "63C2",
		"002000010831323334FFFFFFFF", "9000",
		"0020000100", "9000",
		"00B0000009", "080910101032547698 9000",
		"00B2010420", "6981",
		"00A4000C026F38", "9000",
		"00B0000008", "9E6B1D3C2700000F9000",
		"00B0830004", "000000029000", // SFI 03 = EF AD
		"00A4000C023F00", "9000",
		"00A4080C022F00", "9000",
		"00B2010420", "61184F10A0000000871002FFFFFFFF8907090000500455534D49FFFFFFFFFFFF9000",
		"00B2030420", "6A83",
		"00B2000220", "61184F10…", // next from no current record: record 1
		"00B2000220", "FFFF…",
		"00B2000220", "6A83", // linear: no record after the last
		"00B2010400", "6C20",
		"80F2000000", "6C…",
		"80F2000C00", "9000",
		"80F2000100", "6C12",
		"80F2000112", "8410A0000000871002FFFFFFFF89070900009000",
	)
}

func TestClassAndInstructionErrors(t *testing.T) {
	c := newCard(t)
	expect(t, c,
		"00", "6700",
		"10A40000022FE2", "6E00",
		"80A4000C022FE2", "6E00", // SELECT is interindustry
		"00F2000000", "6E00", // STATUS is proprietary
		"00FE000000", "6D00",
		"0CA4000C022FE2", "6882",
		"41A4000C022FE2", "6881",
		"01A4000C022FE2", "6881", // channel 1 not open
		"0070000001", "01 9000",
		"01A4000C022FE2", "9000",
		"01B000000A", "988812010000400310F09000",
		"0070800100", "9000",
		"01B000000A", "6881",
		"00A4000C0322FE00", "6A87",
		"00A40000022FE2", "6A86", // P2 00 is not a UICC coding
		"00A4000C", "6A87",
		"00C0000010", "6985", // nothing to get
		"8012000010", "6F00", // nothing to fetch
		"801400000C810301210082028281830100", "6F00", // nothing fetched
		"80C2000000", "6700",
	)
}

func TestLinearUpdateAndSearch(t *testing.T) {
	c := newCard(t)
	rec := strings.Repeat("41", 30)
	expect(t, c,
		"00A4080C047F106F3A", "9000",
		"00DC0104 1E"+rec, "6982",
		"002000010831323334FFFFFFFF", "9000",
		"00DC0104 1E"+rec, "9000",
		"00DC0104 1D"+rec[2:], "6700",
		"00DC0B04 1E"+rec, "6A83",
		"00B201041E", rec+"9000",
		"00A20104 024141", "61…",
		"00C0000001", "019000",
		"00A20104 024242", "6A83",
	)
}

func TestCyclicIncrease(t *testing.T) {
	c := newCard(t)
	expect(t, c,
		"A0A40000027F20", "9F16",
		"A0A40000026F39", "9F0F",
		"A032000003000010", "9804", // INCREASE needs CHV1
		"A020000108 31323334FFFFFFFF", "9000",
		"A032000003000010", "9F06",
		"A0C0000006", "000010000010 9000",
		"A0320000030000F0", "9F06",
		"A0C0000006", "0001000000F0 9000",
		"A0B2010403", "0001009000",
		"A0B2020403", "0000109000",
		"A0B2030403", "0000009000",
		"A032000003FFFFFF", "9850", // a 3-byte record cannot hold the sum
		"A0B2010403", "0001009000",
	)
}

func TestPINLifecycle(t *testing.T) {
	c := newCard(t)
	expect(t, c,
		"0028000108 31323334FFFFFFFF", "6985", // PIN1 already enabled
		"0026000108 31323334FFFFFFFF", "9000",
		"00A4080C047F206F07", "9000",
		"00B0000009", "08…", // PIN1 disabled: readable
		"0024000110 31323334FFFFFFFF 39393939FFFFFFFF", "6985", // cannot change a disabled PIN
		"0028000108 31323334FFFFFFFF", "9000",
		"0024000110 31323334FFFFFFFF 39393939FFFFFFFF", "9000",
		"0020000108 31323334FFFFFFFF", "63C2",
		"0020000108 31323334FFFFFFFF", "63C1",
		"0020000108 31323334FFFFFFFF", "63C0",
		"0020000108 39393939FFFFFFFF", "6983", // blocked, even with the right PIN
		"002C000100", "63CA",
		"002C000110 3132333435363730 31323334FFFFFFFF", "63C9",
		"002C000110 3132333435363738 31323334FFFFFFFF", "9000",
		"0020000100", "9000",
		"0020000508 31323334FFFFFFFF", "6A88",
		"0020010108 31323334FFFFFFFF", "6A86",
		"002000010731323334FFFFFF", "6700",
		"00200081083536373 8FFFFFFFF", "9000",
		"0020000A083838383838383838", "9000",
	)
}

func TestStateFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "card.json")
	c, err := Open(defaultProfile, state)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, c,
		"0020000A083838383838383838", "9000",
		"00A4080C047F206F46", "9000",
		"00D6000005 0141424344", "9000",
		"0020000108 39393939FFFFFFFF", "63C2",
	)
	c2, err := Open(defaultProfile, state)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, c2,
		"00A4080C047F206F46", "9000",
		"00B0000005", "01414243449000",
		"0020000100", "63C2",
	)
	b1, _ := os.ReadFile(state)
	if err := c2.Save(); err != nil {
		t.Fatal(err)
	}
	b2, _ := os.ReadFile(state)
	if !bytes.Equal(b1, b2) {
		t.Error("saving an unchanged card changed the state file")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".card.json.tmp*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
	// a state file that does not load is an error, not a reason to start from the profile
	os.WriteFile(state, b1[:len(b1)/2], 0o644)
	var pe *ProfileError
	if _, err := Open(defaultProfile, state); !errors.As(err, &pe) || pe.Offset < 0 {
		t.Errorf("half a state file: %v, want a ProfileError with an offset", err)
	}
}

func TestProfileErrors(t *testing.T) {
	base, err := os.ReadFile(defaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ from, to, field string }{
		{`"path": "3F00/7F20/6F07"`, `"path": "3F00/7F99/6F07"`, "files[10].path"},
		{`"type": "cyclic"`, `"type": "ring"`, "files[16].type"},
		{`"msl": "16"`, `"msl": "05"`, "tars[0].msl"},
		{`"kic_algorithm": "aes_cbc"`, `"kic_algorithm": "des_cbc"`, "keysets[0].kic"},
		{`"value": "1234"`, `"value": "12a4"`, "pins[0].value"},
		{`"kvn": 2`, `"kvn": 1`, "keysets[1].kvn"},
		{`"name": "MF",`, `"name": "MF", "colour": "red",`, "json"},
	} {
		b := bytes.Replace(base, []byte(tc.from), []byte(tc.to), 1)
		p, err := ParseProfile(b)
		if err == nil {
			_, err = New(p)
		}
		pe, ok := err.(*ProfileError)
		if !ok || !strings.HasPrefix(pe.Field, tc.field) {
			t.Errorf("%s -> %s: got %v, want a ProfileError on %s", tc.from, tc.to, err, tc.field)
		}
	}
}

// TestSessionGolden records a handset's start-up exchanges as an annotated listing.
func TestSessionGolden(t *testing.T) {
	var log []Exchange
	c := newCard(t, WithTrace(func(e Exchange) { log = append(log, e) }))
	for _, a := range []string{
		"00A40004023F00", "00A4000C022FE2", "00B000000A",
		"00A4040407A0000000871002", "0020000100", "002000010831323334FFFFFFFF",
		"00B0870009", "80F2000C00", "801000000A FFFFFFFF7F9C00DFFF00", "80C2000009 D30782020181900101",
	} {
		resp := c.Transmit(unhex(t, a))
		if sw := resp[len(resp)-2:]; sw[0] == 0x61 || sw[0] == 0x6C {
			cla := unhex(t, a)[0]
			ins := byte(0xC0)
			cmd := []byte{cla & 0x03, ins, 0, 0, sw[1]}
			if sw[0] == 0x6C {
				cmd = append(unhex(t, a)[:4], sw[1])
			}
			c.Transmit(cmd)
		}
	}
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/sim/card"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "startup", []byte(Listing(log)))
}

// TestSelectResponsesGolden lists, for every file of the default profile, the FCP a UICC
// SELECT returns and the TS 51.011 response a SIM SELECT returns.
func TestSelectResponsesGolden(t *testing.T) {
	c := newCard(t)
	var sb strings.Builder
	for _, f := range c.fs.files {
		fmt.Fprintf(&sb, "%s %s (%s)\n  FCP % X\n  GSM % X\n", f.path, f.name, kindNames[f.kind], c.fcp(f), c.gsmResponse(f))
	}
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/sim/card"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "select-responses", []byte(sb.String()))
}
