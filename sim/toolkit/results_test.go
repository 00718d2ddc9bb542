package toolkit_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/cat/profile"
	"github.com/stkforge/stkforge/stk/text"
)

// displayed is the text of a DISPLAY TEXT.
func displayed(t testing.TB, cmd []byte) string {
	var d cat.DisplayText
	if err := d.Unmarshal(cmd); err != nil {
		t.Fatal(err)
	}
	return d.Text.Text
}

// script answers commands in order: each entry is the command type expected, the result and
// extra TLVs; after the script, everything gets 00.
type step struct {
	typ    byte
	result byte
	extra  []string
}

func (tm *term) script(steps ...step) (types []byte, texts []string) {
	tm.t.Helper()
	i := 0
	types = tm.run(func(cmd []byte) (byte, []string) {
		if cmdType(cmd) == 0x21 {
			texts = append(texts, displayed(tm.t, cmd))
		}
		if i < len(steps) {
			s := steps[i]
			i++
			if s.typ != cmdType(cmd) {
				tm.t.Fatalf("command %d: type %02X, want %02X", i, cmdType(cmd), s.typ)
			}
			return s.result, s.extra
		}
		return 0, nil
	})
	if i < len(steps) {
		tm.t.Fatalf("session ended after %d of %d scripted commands (%X)", i, len(steps), types)
	}
	return types, texts
}

var (
	lang   = step{0x26, 0, []string{"AD 02 656E"}}
	water  = step{0x24, 0, []string{"90 01 01"}}
	payee  = step{0x23, 0, []string{textTLV("6222020200112233")}}
	amount = step{0x23, 0, []string{textTLV("100")}}
	yes    = step{0x22, 0, []string{"8D 02 04 01"}}
	no     = step{0x22, 0, []string{"8D 02 04 00"}}
)

func pinStep(p string) step { return step{0x23, 0, []string{textTLV(p)}} }

func started(t testing.TB, tp profile.Profile) *term {
	fixtures(t)
	tm := newTerm(t, setup{img: signed, terminal: tp})
	tm.run(func([]byte) (byte, []string) { return 0, nil })
	return tm
}

// TestResults: every general result on GET INPUT ends the session (the flow came from the main
// menu, so "back" ends it too), with no further command.
func TestResults(t *testing.T) {
	for _, r := range []byte{0x10, 0x11, 0x12, 0x13, 0x20, 0x21, 0x26, 0x30, 0x32, 0x36, 0x3A} {
		tm := started(t, profile.Profile{})
		tm.selectMenu(2, false)
		types, _ := tm.script(lang, water, step{0x23, r, nil})
		if !bytes.Equal(types, []byte{0x26, 0x24, 0x23}) {
			t.Errorf("result %02X: commands %X", r, types)
		}
	}
	// Successful results with extra information still count as success (TS 102 223 8.12: 0x).
	for _, r := range []byte{0x01, 0x04} {
		tm := started(t, profile.Profile{})
		tm.selectMenu(2, false)
		types, _ := tm.script(lang, water, step{0x23, r, []string{textTLV("6222020200112233")}}, step{0x23, r, []string{textTLV("100")}}, no)
		if types[len(types)-1] != 0x21 {
			t.Errorf("result %02X: commands %X", r, types)
		}
	}
}

func TestBranches(t *testing.T) {
	cases := []struct {
		name  string
		item  byte
		help  bool
		steps []step
		types []byte
		texts []string
	}{
		{"no", 2, false, []step{lang, water, payee, amount, no}, []byte{0x26, 0x24, 0x23, 0x23, 0x22, 0x21}, []string{"Cancelled"}},
		{"too large", 2, false, []step{lang, water, payee, {0x23, 0, []string{textTLV("50001")}}}, []byte{0x26, 0x24, 0x23, 0x23, 0x21}, []string{"Amount too large"}},
		{"limit", 2, false, []step{lang, water, payee, {0x23, 0, []string{textTLV("050000")}}, no}, []byte{0x26, 0x24, 0x23, 0x23, 0x22, 0x21}, []string{"Cancelled"}},
		{"wrong PIN", 2, false, []step{lang, water, payee, amount, yes, pinStep("9999")}, []byte{0x26, 0x24, 0x23, 0x23, 0x22, 0x23, 0x21}, []string{"Wrong PIN, 2 tries left"}},
		{"help", 1, true, nil, []byte{0x21}, []string{"The balance comes by SMS"}},
		{"declined call", 3, false, []step{lang, {0x24, 0, []string{"90 01 01"}}, {0x10, 0x22, nil}}, []byte{0x26, 0x24, 0x10}, nil},
		{"back from call", 3, false, []step{lang, {0x24, 0, []string{"90 01 01"}}, {0x10, 0x11, nil}, {0x24, 0x11, nil}}, []byte{0x26, 0x24, 0x10, 0x24}, nil},
		{"help in submenu", 3, false, []step{lang, {0x24, 0x13, []string{"90 01 01"}}, {0x24, 0x10, nil}}, []byte{0x26, 0x24, 0x24}, nil},
		{"input not digits", 2, false, []step{lang, water, {0x23, 0, []string{textTLV("12ab56")}}}, []byte{0x26, 0x24, 0x23}, nil},
		{"input too long", 2, false, []step{lang, water, {0x23, 0, []string{textTLV("12345678901234567890")}}}, []byte{0x26, 0x24, 0x23}, nil},
		{"no language", 2, false, []step{{0x26, 0x30, nil}, water, payee, amount, no}, []byte{0x26, 0x24, 0x23, 0x23, 0x22, 0x21}, []string{"Cancelled"}},
		{"unknown item", 9, false, nil, nil, nil},
		{"help without help text", 2, true, nil, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tm := started(t, profile.Profile{})
			tm.selectMenu(c.item, c.help)
			types, texts := tm.script(c.steps...)
			if !bytes.Equal(types, c.types) || !slices.Equal(texts, c.texts) {
				t.Fatalf("commands %X texts %q, want %X %q\n%q", types, texts, c.types, c.texts, tm.logs)
			}
			// the card is ready for the next session
			tm.selectMenu(2, false)
			if types, _ := tm.script(lang, water, payee, amount, no); len(types) != 6 {
				t.Fatalf("next session: %X", types)
			}
		})
	}
}

// TestPINBlocked: three wrong PINs block it; the third session says so, and a fourth too.
func TestPINBlocked(t *testing.T) {
	tm := started(t, profile.Profile{})
	var last []string
	for i := 0; i < 4; i++ {
		tm.selectMenu(2, false)
		_, last = tm.script(lang, water, payee, amount, yes, pinStep("9999"))
		want := []string{"Wrong PIN, 2 tries left", "Wrong PIN, 1 tries left", "PIN blocked", "PIN blocked"}[i]
		if !slices.Equal(last, []string{want}) {
			t.Fatalf("session %d: %q, want %q", i+1, last, want)
		}
	}
}

// TestUnsupported: a terminal without SEND SHORT MESSAGE never gets one; the balance flow ends.
// A terminal without PROVIDE LOCAL INFORMATION (language) is not asked.
func TestUnsupported(t *testing.T) {
	a := profile.Android()
	names := slices.DeleteFunc(a.Names(), func(n string) bool {
		return n == "send_short_message" || n == "provide_local_information_language"
	})
	tp, err := profile.Build(a.Len(), names, a.Values())
	if err != nil {
		t.Fatal(err)
	}
	tm := started(t, tp)
	tm.selectMenu(1, false)
	if types, _ := tm.script(); len(types) != 0 {
		t.Fatalf("commands %X, want none", types)
	}
	tm.selectMenu(2, false)
	if types, _ := tm.script(water, payee, amount, no); !bytes.Equal(types, []byte{0x24, 0x23, 0x23, 0x22, 0x21}) {
		t.Fatalf("commands %X", types)
	}
}

// TestBalanceSMS: a single 7-bit SMS with the ICCID.
func TestBalanceSMS(t *testing.T) {
	tm := started(t, profile.Profile{})
	tm.selectMenu(1, false)
	tm.script(lang)
	if len(tm.sms) != 1 {
		t.Fatalf("%d SMS", len(tm.sms))
	}
	// 01 MR | 05 81 59 55 F8 | PID 00 | DCS 00 | UDL 22 septets | "YE 8988211000000430010" packed
	tp := tm.sms[0]
	if !bytes.Equal(tp[:10], []byte{0x01, 0x00, 0x05, 0x81, 0x59, 0x55, 0xF8, 0x00, 0x00, 22}) {
		t.Fatalf("TPDU % X", tp)
	}
	s, err := text.DecodeGSM(text.Unpack7(tp[10:], 22))
	if err != nil || s != "YE 8988211000000430010" {
		t.Fatalf("text %q %v", s, err)
	}
}
