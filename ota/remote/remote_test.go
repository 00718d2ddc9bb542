package remote

import (
	"archive/zip"
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/sebdah/goldie/v2"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func enc(t testing.TB, c CommandAPDU) string {
	t.Helper()
	b, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestRFMCommands(t *testing.T) {
	m := must[CommandAPDU](t)
	tests := []struct {
		name string
		c    CommandAPDU
		want string
	}{
		{"select SIM", SelectFID(SIM, 0x7F20), "A0A40000027F20"},
		{"select UICC", SelectFID(UICC, 0x2FE2), "00A40004022FE2"},
		{"get response SIM", GetResponse(SIM, 0x16), "A0C0000016"},
		{"read binary", m(ReadBinary(UICC, 0x0102, 0x0A)), "00B001020A"},
		{"update binary", m(UpdateBinary(SIM, 0, []byte{1, 2, 3})), "A0D6000003010203"},
		{"read record", ReadRecord(UICC, 2, RecordAbsolute, 0x1C), "00B202041C"},
		{"update record", m(UpdateRecord(SIM, 1, RecordAbsolute, []byte{0xFF})), "A0DC010401FF"},
		{"search record SIM", m(SearchRecord(SIM, []byte{0x12})), "A0A200000112"},
		{"search record UICC", m(SearchRecord(UICC, []byte{0x12})), "00A201040112"},
		{"increase SIM", Increase(SIM, [3]byte{0, 0, 1}), "A032000003000001"},
		{"increase UICC", Increase(UICC, [3]byte{0, 0, 1}), "8032000003000001"},
		{"verify", m(VerifyPIN(UICC, PIN1, "1234")), "002000010831323334FFFFFFFF"},
		{"change", m(ChangePIN(SIM, PIN1, "1234", "87654321")), "A024000110" + "31323334FFFFFFFF" + "3837363534333231"},
		{"disable", m(DisablePIN(UICC, PIN1, "0000")), "002600010830303030FFFFFFFF"},
		{"enable", m(EnablePIN(UICC, PIN2, "0000")), "002800810830303030FFFFFFFF"},
		{"unblock SIM CHV1", m(UnblockPIN(SIM, PIN1, "12345678", "1234")), "A02C000010" + "3132333435363738" + "31323334FFFFFFFF"},
		{"unblock UICC", m(UnblockPIN(UICC, PIN1, "12345678", "1234")), "002C000110" + "3132333435363738" + "31323334FFFFFFFF"},
		{"deactivate", DeactivateFile(UICC), "00040000"},
		{"activate SIM", ActivateFile(SIM), "A0440000"},
	}
	for _, tc := range tests {
		if got := enc(t, tc.c); got != tc.want {
			t.Errorf("%s: got %s want %s", tc.name, got, tc.want)
		}
		back, err := ParseCommandAPDU(unhex(t, tc.want))
		if err != nil || !back.Equal(tc.c) {
			t.Errorf("%s: parse: %v %+v", tc.name, err, back)
		}
	}
	path, err := SelectPath(UICC, 0x3F00, 0x7FFF, 0x6F07)
	if err != nil || len(path) != 1 || enc(t, path[0]) != "00A40804047FFF6F07" {
		t.Fatalf("UICC path: %v %v", path, err)
	}
	path, err = SelectPath(SIM, 0x3F00, 0x7F20, 0x6F07)
	if err != nil || len(path) != 3 || enc(t, path[2]) != "A0A40000026F07" {
		t.Fatalf("SIM path: %v %v", path, err)
	}
	for _, bad := range []func() error{
		func() error { _, err := ReadBinary(UICC, 0x8000, 1); return err },
		func() error { _, err := VerifyPIN(UICC, 1, "12a4"); return err },
		func() error { _, err := VerifyPIN(UICC, 1, "123"); return err },
		func() error { _, err := UpdateBinary(UICC, 0, nil); return err },
	} {
		if err := bad(); !errors.Is(err, ErrInvalid) {
			t.Errorf("want ErrInvalid, got %v", err)
		}
	}
}

func TestParseCommandAPDU(t *testing.T) {
	tests := []struct {
		hex  string
		cse  int
		err  error
		want string
	}{
		{"00A40000", 1, nil, ""},
		{"00B0000010", 2, nil, ""},
		{"00A40004023F00", 3, nil, ""},
		{"00A40004023F0000", 4, nil, ""},
		{"00A4", 0, ErrTruncated, "c_apdu.header"},
		{"00A40004043F00", 0, ErrTruncated, "c_apdu.data"},
		{"00A40004023F000000", 0, ErrTrailing, "c_apdu"},
		{"00A4000400AABB", 0, ErrInvalid, "c_apdu.lc"},
	}
	for _, tc := range tests {
		c, err := ParseCommandAPDU(unhex(t, tc.hex))
		if tc.err != nil {
			var e *Error
			if !errors.Is(err, tc.err) || !errors.As(err, &e) || e.Field != tc.want {
				t.Errorf("%s: got %v", tc.hex, err)
			}
			continue
		}
		if err != nil || c.Case() != tc.cse {
			t.Errorf("%s: %v case %d", tc.hex, err, c.Case())
			continue
		}
		if enc(t, *c) != tc.hex {
			t.Errorf("%s: round trip %s", tc.hex, enc(t, *c))
		}
	}
}

func TestCompactScript(t *testing.T) {
	// The SIM RFM script of the spec digest: SELECT DF GSM, then GET RESPONSE.
	b, err := CompactScript(SelectFID(SIM, 0x7F20), GetResponse(SIM, 0x16))
	if err != nil || hex.EncodeToString(b) != "a0a40000027f20a0c0000016" {
		t.Fatalf("% X %v", b, err)
	}
	cmds := []CommandAPDU{SelectFID(UICC, 0x3F00), DeactivateFile(UICC), must[CommandAPDU](t)(ReadBinary(UICC, 0, 0)),
		must[CommandAPDU](t)(UpdateBinary(UICC, 4, []byte{9, 9}))}
	b, err = CompactScript(cmds...)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseCompactScript(b)
	if err != nil || len(back) != len(cmds) {
		t.Fatalf("%v %d", err, len(back))
	}
	for i := range cmds {
		if !back[i].Equal(cmds[i]) {
			t.Errorf("%d: %v != %v", i, back[i], cmds[i])
		}
	}
	for i := range b {
		if i == 0 {
			continue
		}
		if got, err := ParseCompactScript(b[:i]); err == nil && i != 7 && i != 12 && i != 17 {
			t.Errorf("prefix %d parsed into %d commands", i, len(got))
		}
	}
	case4 := SelectFID(UICC, 0x3F00)
	case4.HasLe = true
	if _, err := CompactScript(case4); !errors.Is(err, ErrInvalid) {
		t.Fatalf("case 4 in compact: %v", err)
	}
}

func TestExpandedScript(t *testing.T) {
	store := CommandAPDU{CLA: 0x80, INS: INSStoreData, P1: 0x90, Le: 0x00, HasLe: true}
	for _, tc := range []struct {
		indef bool
		want  string
	}{{false, "AA07220580E2900000"}, {true, "AE80220580E29000000000"}} {
		s := &ExpandedScript{Indefinite: tc.indef, Items: []Item{CAPDU(store)}}
		b, err := s.MarshalBinary()
		if err != nil || strings.ToUpper(hex.EncodeToString(b)) != tc.want {
			t.Fatalf("got %X %v want %s", b, err, tc.want)
		}
		back, err := ParseExpandedScript(b)
		if err != nil || back.Indefinite != tc.indef || len(back.Items) != 1 || !back.Items[0].APDU.Equal(store) {
			t.Fatalf("%v %+v", err, back)
		}
		for i := range b {
			if _, err := ParseExpandedScript(b[:i]); err == nil {
				t.Fatalf("prefix %d of %X parsed", i, b)
			}
		}
	}
	full := &ExpandedScript{Items: []Item{
		{Tag: TagScriptChaining, Value: []byte{ChainingFirstDeleteOnReset}},
		CAPDU(SelectFID(UICC, 0x3F00)),
		{Tag: TagImmediateAction, Value: []byte{0x01}},
		{Tag: TagErrorAction, Value: []byte{}},
	}}
	b, err := full.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseExpandedScript(b)
	if err != nil || len(back.Items) != 4 || back.Items[0].Tag != TagScriptChaining || back.Items[3].Tag != TagErrorAction {
		t.Fatalf("%v %+v", err, back)
	}
	for _, bad := range []struct{ hex, field string }{
		{"AA03 24 01 00", "script.item[0].tag"},
		{"AA04 22 02 00A4", "script.item[0].c_apdu.header"},
		{"AE81 00 00", "script.length"},
		{"AE80 22020000", "script.end_of_contents"},
		{"AE80 0000 00", "script"},
		{"AB00", "script.tag"},
	} {
		_, err := ParseExpandedScript(unhex(t, bad.hex))
		var e *Error
		if !errors.As(err, &e) || e.Field != bad.field {
			t.Errorf("%s: %v (want field %s)", bad.hex, err, bad.field)
		}
	}
}

func TestResponses(t *testing.T) {
	r, err := ParseCompactResponse(unhex(t, "016132"))
	if err != nil || r.Executed != 1 || r.SW != 0x6132 || len(r.Data) != 0 {
		t.Fatalf("%v %+v", err, r)
	}
	r, err = ParseCompactResponse(unhex(t, "029000 62 02 82 01"))
	if err != nil || r.Executed != 2 || r.SW != 0x9000 || !bytes.Equal(r.Data, []byte{0x62, 0x02, 0x82, 0x01}) {
		t.Fatalf("%v %+v", err, r)
	}
	if b, _ := r.MarshalBinary(); hex.EncodeToString(b) != "0290006202820"+"1" {
		t.Fatalf("%X", b)
	}
	for _, b := range [][]byte{nil, {1}, {1, 0x90}} {
		if _, err := ParseCompactResponse(b); !errors.Is(err, ErrTruncated) {
			t.Fatal(err)
		}
	}
	two, bf := 2, BadFormatWrongLength
	for _, x := range []*ExpandedResponse{
		{Executed: &two, RAPDUs: []ResponseAPDU{{SW: 0x9000}, {Data: []byte{1, 2}, SW: 0x6A82}}},
		{Indefinite: true, RAPDUs: []ResponseAPDU{{SW: 0x9000}}, BadFormat: &bf},
		{Executed: &two, ImmediateActionResponse: []byte{1}, ScriptChainingResponse: []byte{2}},
	} {
		b, err := x.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseExpandedResponse(b)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := back.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatalf("% X != % X", again, b)
		}
		for i := range b {
			if _, err := ParseExpandedResponse(b[:i]); err == nil {
				t.Fatalf("prefix %d of % X parsed", i, b)
			}
		}
	}
	b := unhex(t, "AB 0C 80 01 02 23 02 90 00 23 03 01 6A 82")
	x, err := ParseExpandedResponse(b)
	if err != nil || *x.Executed != 2 || len(x.RAPDUs) != 2 || x.RAPDUs[1].SW != 0x6A82 || x.RAPDUs[1].Data[0] != 1 {
		t.Fatalf("%v %+v", err, x)
	}
	for _, bad := range []struct{ hex, field string }{
		{"AB07 23029000 800101", "response.object.tag"},
		{"AB06 800101 800101", "response.object.tag"},
		{"AB03 230190", "response.r_apdu[0]"},
		{"AB03 910100", "response.object.tag"},
		{"AB04 90020102", "response.bad_format"},
	} {
		_, err := ParseExpandedResponse(unhex(t, bad.hex))
		var e *Error
		if !errors.As(err, &e) || e.Field != bad.field {
			t.Errorf("%s: %v (want field %s)", bad.hex, err, bad.field)
		}
	}
}

func testCAP(t testing.TB) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"Method", "Header", "Directory", "Import", "Applet", "Class", "StaticField", "ConstantPool", "RefLocation", "Descriptor", "Debug"} {
		w, err := zw.Create("com/stkforge/pay/javacard/" + name + ".cap")
		if err != nil {
			t.Fatal(err)
		}
		// Each fake component: tag byte then a little content, distinct per name.
		w.Write(append([]byte{byte(len(name))}, bytes.Repeat([]byte(name[:1]), 20)...))
	}
	zw.Create("META-INF/MANIFEST.MF")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCAPComponents(t *testing.T) {
	comps, err := CAPComponents(testCAP(t), false)
	if err != nil {
		t.Fatal(err)
	}
	var order string
	for _, c := range comps {
		order += string(c[1])
	}
	if order != "HDIACMSCR" {
		t.Fatalf("load order %q", order)
	}
	withDesc, _ := CAPComponents(testCAP(t), true)
	if len(withDesc) != 10 {
		t.Fatal(len(withDesc))
	}
	if _, err := CAPComponents([]byte("not a zip"), false); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
}

func TestLoad(t *testing.T) {
	block, err := LoadFileDataBlock(bytes.Repeat([]byte{0xAB}, 300))
	if err != nil || !bytes.HasPrefix(block, []byte{0xC4, 0x82, 0x01, 0x2C}) {
		t.Fatalf("% X %v", block[:4], err)
	}
	cmds, err := Load(block, 100)
	if err != nil || len(cmds) != 4 {
		t.Fatal(err, len(cmds))
	}
	var joined []byte
	for i, c := range cmds {
		wantP1 := byte(0x00)
		if i == 3 {
			wantP1 = 0x80
		}
		if c.CLA != 0x80 || c.INS != 0xE8 || c.P1 != wantP1 || c.P2 != byte(i) {
			t.Fatalf("block %d: %v", i, c)
		}
		joined = append(joined, c.Data...)
	}
	if !bytes.Equal(joined, block) {
		t.Fatal("blocks do not join to the load file")
	}
	if _, err := Load(make([]byte, 257*10), 10); !errors.Is(err, ErrTooLong) {
		t.Fatal(err)
	}
}

func sampleInstall() *Install {
	msl := []byte{0x06}
	svc := byte(0)
	return &Install{
		LoadFileAID:    []byte{0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10},
		ModuleAID:      []byte{0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0x01},
		ApplicationAID: []byte{0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0x01, 0x01},
		Privileges:     []byte{0x00},
		Parameters: InstallParameters{
			ApplicationSpecific:    []byte{},
			VolatileMemoryQuota:    ptr[uint16](256),
			NonVolatileMemoryQuota: ptr[uint16](8192),
			UICCToolkit: &ToolkitParameters{
				Priority: 1, MaxTimers: 1, MaxMenuTextLength: 16,
				MenuEntries: []MenuEntry{{Position: 1, ID: 0}, {Position: 2, ID: 0}},
				MaxChannels: 0, MSL: msl, TARs: [][3]byte{{0xB2, 0x00, 0x01}}, MaxServices: &svc,
			},
			UICCAccess: []FileSystemAccess{{AID: []byte{}, AccessDomain: []byte{AccessFull}, DAP: []byte{}}},
		},
		Token: []byte{},
	}
}

func ptr[T any](v T) *T { return &v }

func TestInstall(t *testing.T) {
	in := sampleInstall()
	c, err := InstallApplication(in, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.CLA != 0x80 || c.INS != 0xE6 || c.P1 != 0x0C || c.P2 != 0 {
		t.Fatalf("%v", c)
	}
	back, err := ParseInstall(c.Data)
	if err != nil {
		t.Fatal(err)
	}
	again, err := InstallApplication(back, true)
	if err != nil || !again.Equal(c) {
		t.Fatalf("round trip: %v\n%v\n%v", err, again, c)
	}
	tk := back.Parameters.UICCToolkit
	if tk.MenuEntries[1].Position != 2 || tk.TARs[0] != [3]byte{0xB2, 0, 1} || *tk.MaxServices != 0 || tk.MSL[0] != 0x06 {
		t.Fatalf("%+v", tk)
	}
	// The UICC toolkit parameters as ETSI's UICC API test suite writes them (80 0A ...).
	params, _ := (&InstallParameters{ApplicationSpecific: []byte{}, UICCToolkit: &ToolkitParameters{
		Priority: 1, MaxTimers: 8, MaxMenuTextLength: 0x0A, MenuEntries: []MenuEntry{{1, 1}}, MaxServices: ptr[byte](0)}}).MarshalBinary()
	if got := strings.ToUpper(hex.EncodeToString(params)); got != "C900EA0C800A01080A01010100000000" {
		t.Fatalf("params %s", got)
	}
	// The SIM form carries the access domain first.
	sim, _ := (&InstallParameters{ApplicationSpecific: []byte{}, SIMToolkit: &ToolkitParameters{
		AccessDomain: []byte{0x00}, Priority: 1, MaxTimers: 0, MaxMenuTextLength: 0x10, MenuEntries: []MenuEntry{{1, 0}}, MSL: []byte{0x12}}}).MarshalBinary()
	if got := strings.ToUpper(hex.EncodeToString(sim)); got != "C900EF0ECA0C01000100100101000001"+"1200" {
		t.Fatalf("sim params %s", got)
	}
	for i := range c.Data {
		if _, err := ParseInstall(c.Data[:i]); err == nil {
			t.Fatalf("prefix %d parsed", i)
		}
	}
	load, err := InstallLoad(in.LoadFileAID, nil, nil, nil, nil)
	if err != nil || enc(t, load) != "80E602000C07A000000559101000000000" {
		t.Fatalf("%v %v", enc(t, load), err)
	}
	del, _ := Delete(in.LoadFileAID, true)
	if enc(t, del) != "80E400800"+"94F07A0000005591010" {
		t.Fatalf("%s", enc(t, del))
	}
	gs, _ := GetStatus(StatusApplications, nil)
	if enc(t, gs) != "80F24002024F00" {
		t.Fatalf("%s", enc(t, gs))
	}
}

func TestGoldenRAMInstallScript(t *testing.T) {
	in := sampleInstall()
	comps, err := CAPComponents(testCAP(t), false)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := LoadFileDataBlock(comps...)
	loads, err := Load(block, 96)
	if err != nil {
		t.Fatal(err)
	}
	s := &ExpandedScript{}
	s.Items = append(s.Items, CAPDU(must[CommandAPDU](t)(InstallLoad(in.LoadFileAID, nil, nil, nil, nil))))
	for _, l := range loads {
		s.Items = append(s.Items, CAPDU(l))
	}
	s.Items = append(s.Items, CAPDU(must[CommandAPDU](t)(InstallApplication(in, true))))
	listing, err := s.Listing()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := s.MarshalBinary()
	back, err := ParseExpandedScript(raw)
	if err != nil || len(back.Items) != len(s.Items) {
		t.Fatal(err)
	}
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/ota/remote"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "ram-install-script", []byte("# RAM: INSTALL [for load], LOAD x"+string(rune('0'+len(loads)))+
		", INSTALL [for install and make selectable] with UICC toolkit parameters (TS 102 226 8.2.1.3.2)\n"+listing))
}
