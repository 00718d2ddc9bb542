package check

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stkforge/stkforge/stk/cat/profile"
	"github.com/stkforge/stkforge/stk/text"
)

// TestAllActionsGolden: one spec with every action and option; its listing shows each
// command's type, qualifier and destination.
func TestAllActionsGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/all-actions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, diags := Lint("all-actions.yaml", data, Options{})
	if len(diags) > 0 {
		t.Fatalf("diagnostics:\n%s", diags.Format(0))
	}
	golden(t, "").Assert(t, "all-actions", []byte(p.Listing()))
	want := map[[2]byte]bool{
		{0x10, 0x03}: true, // SET UP CALL, hold + redial
		{0x12, 0x00}: true, // SEND USSD
		{0x13, 0x00}: true, // SEND SHORT MESSAGE
		{0x15, 0x03}: true, // LAUNCH BROWSER, close and launch new
		{0x20, 0x01}: true, // PLAY TONE, vibrate
		{0x21, 0x00}: true, // DISPLAY TEXT, clear after delay
		{0x21, 0x01}: true, // DISPLAY TEXT, high priority, clear after delay (timeout)
		{0x21, 0x80}: true, // DISPLAY TEXT, wait for user (help texts, results)
		{0x22, 0x04}: true, // GET INKEY yes/no
		{0x23, 0x00}: true, // GET INPUT digits
		{0x23, 0x03}: true, // GET INPUT UCS2 alphabet
		{0x24, 0x00}: true, // SELECT ITEM
		{0x24, 0x80}: false,
		{0x25, 0x80}: true, // SET UP MENU with help
		{0x26, 0x00}: true, // PLI location
		{0x26, 0x04}: true, // PLI language
	}
	got := map[[2]byte]bool{}
	for _, c := range p.Commands {
		got[[2]byte{c.Type, c.Qualifier}] = true
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("command %02X qualifier %02X: used %v, want %v", k[0], k[1], got[k], w)
		}
	}
}

// TestChecks: small specs and the diagnostics they must (and must only) give.
func TestChecks(t *testing.T) {
	const head = "stkforge: 1\nname: t\nmanifest:\n  sms: [{to: \"123\", why: test messages to the bank}]\nmenu:\n  title: T\n  items:\n    - id: a\n      text: A\n      do:\n"
	for _, c := range []struct {
		name  string
		flow  string
		codes []string
	}{
		{"confirm makes an SMS without alpha not silent",
			"        - confirm: Send?\n        - send_sms: {to: \"123\", text: X}\n", nil},
		{"confirm into, yes branch",
			"        - confirm: {prompt: Send?, into: ok}\n        - if: ok\n          then: [send_sms: {to: \"123\", text: X}]\n", nil},
		{"confirm into, no branch is silent",
			"        - confirm: {prompt: Send?, into: ok}\n        - if: \"ok == no\"\n          then: [send_sms: {to: \"123\", text: X}]\n", []string{"silent-action"}},
		{"confirm in one branch only",
			"        - confirm: {prompt: Send?, into: ok}\n        - if: ok\n          then: [display: Yes]\n        - send_sms: {to: \"123\", text: X}\n", []string{"silent-action"}},
		{"waiver",
			"        - send_sms: {to: \"123\", text: X, silent: the user chose this item to send it}\n", nil},
		{"set on both branches",
			"        - confirm: {prompt: A?, into: ok}\n        - if: ok\n          then: [input: {into: v, prompt: V, kind: digits, max: 3}]\n          else: [input: {into: v, prompt: W, kind: digits, max: 4}]\n        - display: \"{v}\"\n", nil},
		{"set on one branch",
			"        - confirm: {prompt: A?, into: ok}\n        - if: ok\n          then: [input: {into: v, prompt: V, kind: digits, max: 3}]\n        - display: \"{v}\"\n", []string{"unset-variable"}},
		{"a branch that ends does not count",
			"        - confirm: {prompt: A?, into: ok}\n        - if: ok\n          then: [input: {into: v, prompt: V, kind: digits, max: 3}]\n          else: [end]\n        - display: \"{v}\"\n", nil},
		{"handler sees the state before the action",
			"        - input: {into: v, prompt: V, kind: digits, max: 3, on: {timeout: [display: \"{v}\"]}}\n        - display: \"{v}\"\n", []string{"unset-variable"}},
		{"set before goto, read in the submenu",
			"        - input: {into: v, prompt: V, kind: digits, max: 3}\n        - goto: sub\nmenus:\n  sub:\n    items:\n      - {id: x, text: X, do: [display: \"{v}\"]}\n", nil},
		{"submenu reached without the variable",
			"        - goto: sub\n    - id: b\n      text: B\n      do:\n        - input: {into: v, prompt: V, kind: digits, max: 3}\n        - goto: sub\nmenus:\n  sub:\n    items:\n      - {id: x, text: X, do: [display: \"{v}\"]}\n", []string{"unset-variable"}},
		{"digits against a string",
			"        - input: {into: v, prompt: V, kind: digits, max: 3}\n        - if: \"v == 'abc'\"\n          then: end\n", []string{"type-mismatch"}},
		{"choice against an id it lacks",
			"        - select: {into: k, items: [{id: water, text: W}, {id: gas, text: G}]}\n        - if: \"k == power\"\n          then: end\n", []string{"type-mismatch"}},
		{"choice against its id",
			"        - select: {into: k, items: [{id: water, text: W}, {id: gas, text: G}]}\n        - if: \"k == gas\"\n          then: end\n", nil},
		{"two types for one name",
			"        - input: {into: v, prompt: V, kind: digits, max: 3}\n        - input: {into: v, prompt: W, kind: text, max: 3}\n        - display: \"{v}\"\n", []string{"type-mismatch"}},
		{"bytes in a display",
			"        - local_info: {what: datetime, into: d}\n        - display: \"{d}\"\nmanifest2: x\n", []string{"unknown-key", "manifest-undeclared", "type-mismatch"}},
		{"hidden text input",
			"        - input: {into: v, prompt: V, kind: text, hidden: true, max: 3}\n        - verify_pin: {pin: v}\n", []string{"bad-value", "pin-not-hidden"}},
		{"loop that can exit through a handler",
			"        - goto: sub\nmenus:\n  sub:\n    items:\n      - {id: x, text: X, do: [{input: {into: v, prompt: V, kind: digits, max: 3, on: {timeout: end}}}, {display: \"{v}\"}, {goto: sub}]}\n", nil},
		{"ucs2 input on a feature phone",
			"        - input: {into: v, prompt: V, kind: text, alphabet: ucs2, max: 30}\n        - display: \"{v}\"\nhandsets: [feature-phone]\n", []string{"handset-unsupported"}},
		{"display of 255 UCS2 characters is too long",
			"        - display: \"" + strings.Repeat("中", 130) + "\"\n", []string{"command-too-long"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, diags := Lint("t.yaml", []byte(head+c.flow), Options{})
			var codes []string
			for _, d := range diags {
				if d.Severity == "error" {
					codes = append(codes, d.Code)
				}
			}
			sort.Strings(codes)
			want := append([]string(nil), c.codes...)
			sort.Strings(want)
			if strings.Join(codes, ",") != strings.Join(want, ",") {
				t.Errorf("codes %v, want %v:\n%s", codes, want, diags.Format(0))
			}
		})
	}
}

func TestLintAll(t *testing.T) {
	hello, err := os.ReadFile("../../fixtures/menus/hello.yaml")
	if err != nil {
		t.Fatal(err)
	}
	progs, diags := LintAll([]SpecFile{
		{"b/hello.yaml", hello},
		{"a/broken.yaml", []byte("stkforge: 1\nname: [x\n")},
		{"c/hello-again.yaml", hello},
	}, Options{})
	if progs[0] == nil || progs[1] != nil || progs[2] == nil {
		t.Fatalf("programs: %v", progs)
	}
	var got []string
	for _, d := range diags {
		got = append(got, d.File+":"+d.Code)
	}
	want := "a/broken.yaml:syntax c/hello-again.yaml:duplicate-id"
	if strings.Join(got, " ") != want {
		t.Errorf("diagnostics %v, want %s:\n%s", got, want, diags.Format(0))
	}
}

// TestWarnings: the warnings, which report without failing the build.
func TestWarnings(t *testing.T) {
	src := `stkforge: 1
name: w
languages: [en, fr]
handsets: [feature-phone]
keys:
  spare: {bits: 2048}
manifest:
  sms: [{to: "123", why: orders to the service}, {to: "456", why: nothing uses this one}]
menu:
  title: W
  items:
    - id: a
      text: A rather long menu item text
      do:
        - send_sms: {to: "123", alpha: Sending, text: Short, concatenate: true}
`
	_, diags := Lint("w.yaml", []byte(src), Options{})
	if diags.HasErrors() {
		t.Fatalf("errors:\n%s", diags.Format(0))
	}
	var got []string
	for _, d := range diags {
		got = append(got, fmt.Sprintf("%d:%s", d.Line, d.Code))
	}
	want := "6:unused-key 8:manifest-unused 13:text-truncated 15:concatenate-unneeded"
	if strings.Join(got, " ") != want {
		t.Errorf("warnings %v, want %s:\n%s", got, want, diags.Format(0))
	}
}

// TestImageSizeHook: the generator's image size is held against the card's memory.
func TestImageSizeHook(t *testing.T) {
	hello, err := os.ReadFile("../../fixtures/menus/hello.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		card string
		size int
		err  bool
	}{{"16k", 16384, false}, {"16k", 16385, true}, {"64k", 40000, false}} {
		var seen *Program
		_, diags := Lint("hello.yaml", hello, Options{Card: c.card, ImageSize: func(p *Program) (int, error) { seen = p; return c.size, nil }})
		if seen == nil || seen.Card.Name != c.card {
			t.Fatalf("hook not called with the %s program", c.card)
		}
		if diags.HasErrors() != c.err || c.err && diags[0].Code != "card-budget" {
			t.Errorf("%s card, %d-byte image: %s", c.card, c.size, diags.Format(0))
		}
	}
}

func TestEmptyTexts(t *testing.T) {
	src := "stkforge: 1\nname: e\nmenu:\n  title: \"\"\n  items:\n    - id: a\n      text: \" \"\n      do:\n        - display: \"\"\n        - confirm: \"\"\n"
	_, diags := Lint("e.yaml", []byte(src), Options{})
	var got []string
	for _, d := range diags {
		got = append(got, fmt.Sprintf("%d:%s", d.Line, d.Code))
	}
	if want := "4:bad-value 7:bad-value 9:bad-value 10:bad-value"; strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s:\n%s", got, want, diags.Format(0))
	}
}

// TestProgramInvariants: what the generator relies on, over every example program: texts have
// one version per language with a coding and a length (and bytes when fixed), variables and
// texts are the program's own, items are numbered 1.., every command is one a terminal profile
// knows and fits a FETCH.
func TestProgramInvariants(t *testing.T) {
	for _, f := range append(menuFiles(t, "menus"), "testdata/all-actions.yaml") {
		p, out := lintFile(t, f)
		if len(out) > 0 {
			t.Fatalf("%s:\n%s", f, out)
		}
		for i, tx := range p.Texts {
			if tx.Index != i || len(tx.Langs) != len(p.Languages) {
				t.Errorf("%s: text %d: index %d, %d languages", f, i, tx.Index, len(tx.Langs))
			}
			for j, l := range tx.Langs {
				if l.Lang != p.Languages[j] || l.Coding == 0 || l.Len == 0 && l.Source != "" {
					t.Errorf("%s: T%d %s: coding %v, length %d", f, i, l.Lang, l.Coding, l.Len)
				}
				if !tx.IsTemplate() && len(l.Bytes) == 0 && l.Source != "" {
					t.Errorf("%s: T%d %s: fixed text without bytes", f, i, l.Lang)
				}
				for _, part := range l.Parts {
					if part.Var != nil && p.Vars[part.Var.Index] != part.Var {
						t.Errorf("%s: T%d: variable %s not in the program", f, i, part.Var.Name)
					}
				}
			}
		}
		for _, m := range append([]*Menu{p.Main}, p.Menus...) {
			for i, it := range m.Items {
				if int(it.ID) != i+1 {
					t.Errorf("%s: menu %s item %s has id %d", f, m.Name, it.Name, it.ID)
				}
				walkSteps(it.Flow, func(s Step) {
					b := BaseOf(s)
					if b.Cmd == nil {
						return
					}
					if _, ok := profile.Requirements(b.Cmd.Type, b.Cmd.Qualifier); !ok {
						t.Errorf("%s line %d: command %02X %02X unknown to terminal profiles", f, b.Pos.Line, b.Cmd.Type, b.Cmd.Qualifier)
					}
					if b.MaxCommand < 11 || b.MaxCommand > MaxCommandLen {
						t.Errorf("%s line %d: command size %d", f, b.Pos.Line, b.MaxCommand)
					}
				})
			}
		}
	}
}

func TestPackSMS(t *testing.T) {
	// "hellohello" is the TS 23.038 / 3GPP example: E8 32 9B FD 46 97 D9 EC 37.
	sept, err := text.EncodeGSM("hellohello")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("% X", packSMS(sept)); got != "E8 32 9B FD 46 97 D9 EC 37" {
		t.Errorf("packSMS = %s", got)
	}
	// Seven septets leave 7 spare bits: zero, no CR filler.
	sept, _ = text.EncodeGSM("1234567")
	if got := fmt.Sprintf("% X", packSMS(sept)); got != "31 D9 8C 56 B3 DD 00" {
		t.Errorf("packSMS(1234567) = %s", got)
	}
	for n := 0; n < 40; n++ {
		s := strings.Repeat("a", n)
		sept, _ := text.EncodeGSM(s)
		back, err := text.DecodeGSM(text.Unpack7(packSMS(sept), n))
		if err != nil || back != s {
			t.Errorf("round trip of %d septets: %q, %v", n, back, err)
		}
	}
}
