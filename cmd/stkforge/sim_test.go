package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
	"github.com/stkforge/stkforge/sim/trace/tsharktest"
)

// simCLI holds the simulator commands, so they are tested whether or not main's CLI lists them
// yet.
type simCLI struct {
	Sim     SimCmd     `cmd:""`
	Handset HandsetCmd `cmd:""`
	Test    TestCmd    `cmd:""`
}

func runSimCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut}
	var cli simCLI
	p, err := kong.New(&cli, kong.Name("stkforge"), kong.Writers(&out, &errOut), kong.Bind(&env),
		kong.Exit(func(int) { t.Fatalf("kong exit: %s", errOut.String()) }))
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := p.Parse(args)
	if err != nil {
		return 2, out.String(), err.Error()
	}
	if err := ctx.Run(); err != nil {
		return 1, out.String(), err.Error()
	}
	return 0, out.String(), errOut.String()
}

// TestSimRunPcap: a scripted run prints its transcript and writes every APDU as GSMTAP that
// tshark reads as SIM frames, none malformed.
func TestSimRunPcap(t *testing.T) {
	pcap := filepath.Join(t.TempDir(), "run.pcap")
	code, out, errOut := runSimCLI(t, "", "sim", "run", "--scenario", "../../fixtures/scenarios/idle-card.scenario.yaml",
		"--card", "../../fixtures/cards/default.json", "--pcap", pcap)
	if code != 0 || !strings.HasPrefix(out, "# scenario") || !strings.Contains(out, "TERMINAL PROFILE") {
		t.Fatalf("code %d\n%s\n%s", code, out, errOut)
	}
	tsharktest.Path(t)
	rows := tsharktest.Fields(t, pcap, "frame.protocols", "gsm_sim.apdu.ins", "_ws.malformed")
	if len(rows) != strings.Count(out, "\n< 9")+strings.Count(out, "\n< 6") {
		t.Errorf("%d frames for the transcript's exchanges:\n%s", len(rows), out)
	}
	for _, r := range rows {
		if !strings.Contains(r[0], "gsm_sim") || r[2] != "" {
			t.Errorf("frame %v", r)
		}
	}
}

// TestSimRunPaymentPcap: the bank-zh payment through `sim run --pcap`: tshark decodes every
// frame as a SIM APDU, none malformed, and each FETCH has the command type the transcript shows.
func TestSimRunPaymentPcap(t *testing.T) {
	pcap := filepath.Join(t.TempDir(), "pay.pcap")
	code, out, errOut := runSimCLI(t, "", "sim", "run", "--scenario", "../../fixtures/scenarios/bank-zh-pay.scenario.yaml", "--pcap", pcap)
	if code != 0 || !strings.Contains(out, "signature verifies") {
		t.Fatalf("code %d\n%s\n%s", code, out, errOut)
	}
	var want []string
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "> 80 12 00 00") && i+1 < len(lines) {
			f := strings.Fields(lines[i+1]) // "< D0 len 81 03 nn TT" or "< D0 81 len 81 03 nn TT"
			if len(f) > 7 && f[2] == "81" {
				want = append(want, "0x"+strings.ToLower(f[7]))
			} else if len(f) > 6 {
				want = append(want, "0x"+strings.ToLower(f[6]))
			}
		}
	}
	tsharktest.Path(t)
	var got []string
	for _, r := range tsharktest.Fields(t, pcap, "frame.protocols", "gsm_sim.apdu.ins", "etsi_cat.comp_tlv.cmd_type", "_ws.malformed") {
		if !strings.Contains(r[0], "gsm_sim") || r[3] != "" {
			t.Errorf("frame %v", r)
		}
		if r[1] == "0x12" {
			got = append(got, r[2])
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") || len(got) < 8 {
		t.Errorf("FETCH types: tshark %v, transcript %v", got, want)
	}
}

// TestSimRunErrors: a failing step exits 1 with its line; a spec needs the compiler.
func TestSimRunErrors(t *testing.T) {
	dir := t.TempDir()
	sc := filepath.Join(dir, "bad.scenario.yaml")
	abs, _ := filepath.Abs("../../fixtures/cards/default.json")
	os.WriteFile(sc, []byte("name: bad\ncard: "+abs+"\nsteps:\n  - expect: nothing like this\n"), 0o644)
	code, out, errOut := runSimCLI(t, "", "sim", "run", "--scenario", sc)
	if code != 1 || !strings.Contains(errOut, "bad.scenario.yaml:4: expect") || !strings.Contains(out, "FAILED line 4") {
		t.Fatalf("code %d\n%s\n%s", code, out, errOut)
	}
	bad, _ := filepath.Glob("../../fixtures/menus/bad/*.yaml")
	if len(bad) == 0 {
		t.Fatal("no bad menus")
	}
	code, _, errOut = runSimCLI(t, "", "sim", "run", "--scenario", sc, "--spec", bad[0])
	if code != 1 || !strings.Contains(errOut, filepath.Base(bad[0])) {
		t.Fatalf("code %d %s", code, errOut)
	}
}

// TestTestCmd: no golden file fails, --update writes it, the next run passes, an edited golden
// file fails with a diff, and --junit reports it.
func TestTestCmd(t *testing.T) {
	dir := t.TempDir()
	abs, _ := filepath.Abs("../../fixtures/cards/default.json")
	src, err := os.ReadFile("../../fixtures/scenarios/idle-card.scenario.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "idle.scenario.yaml"), bytes.Replace(src, []byte("../cards/default.json"), []byte(abs), 1), 0o644)
	if code, out, _ := runSimCLI(t, "", "test", dir); code != 1 || !strings.Contains(out, "no golden file") {
		t.Fatalf("code %d %s", code, out)
	}
	if code, out, _ := runSimCLI(t, "", "test", dir, "--update"); code != 0 || !strings.Contains(out, "UPDATED") {
		t.Fatalf("code %d %s", code, out)
	}
	if code, out, _ := runSimCLI(t, "", "test", dir); code != 0 || !strings.Contains(out, "ok\t") {
		t.Fatalf("code %d %s", code, out)
	}
	g := filepath.Join(dir, "idle.golden")
	b, _ := os.ReadFile(g)
	os.WriteFile(g, bytes.Replace(b, []byte("TERMINAL PROFILE"), []byte("TERMINAL PROFILF"), 1), 0o644)
	junit := filepath.Join(dir, "junit.xml")
	code, out, _ := runSimCLI(t, "", "test", dir, "--junit", junit)
	if code != 1 || !strings.Contains(out, "-> 80 10 00 00 10   TERMINAL PROFILF") && !strings.Contains(out, "TERMINAL PROFILF") {
		t.Fatalf("code %d %s", code, out)
	}
	x, _ := os.ReadFile(junit)
	if !strings.Contains(string(x), `failures="1"`) || !strings.Contains(string(x), "transcript differs") {
		t.Fatalf("%s", x)
	}
}

// TestHandsetCmd: the terminal UI starts in front of the card and quits on q (no TTY needed).
func TestHandsetCmd(t *testing.T) {
	for _, args := range [][]string{{"--handset", "feature-phone"}, {"--spec", "../../fixtures/menus/hello.yaml"}} {
		code, out, errOut := runSimCLI(t, "q", append([]string{"handset", "--card", "../../fixtures/cards/default.json"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: code %d\n%q\n%s", args, code, out, errOut)
		}
	}
	if code, _, errOut := runSimCLI(t, "q", "handset", "--handset", "nokia"); code != 1 || !strings.Contains(errOut, "no profile") {
		t.Fatalf("code %d %s", code, errOut)
	}
}

// TestTestCmdWithSpec: a user's directory with a menu spec and a scenario next to it (naming no
// spec): the spec is compiled and run; a spec that does not compile is a failure.
func TestTestCmdWithSpec(t *testing.T) {
	dir := t.TempDir()
	abs, _ := filepath.Abs("../../fixtures/cards/default.json")
	menu, err := os.ReadFile("../../fixtures/menus/hello.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "hello.yaml"), menu, 0o644)
	os.WriteFile(filepath.Join(dir, "hi.scenario.yaml"), []byte("name: hi\ncard: "+abs+
		"\nsteps:\n  - select: Say hello\n  - expect: Hello, world!\n  - ok\n"), 0o644)
	if code, out, _ := runSimCLI(t, "", "test", dir, "--update"); code != 0 {
		t.Fatalf("code %d %s", code, out)
	}
	if code, out, _ := runSimCLI(t, "", "test", dir); code != 0 || !strings.Contains(out, "--- PASS") {
		t.Fatalf("code %d %s", code, out)
	}
	g, _ := os.ReadFile(filepath.Join(dir, "hi.golden"))
	if !strings.Contains(string(g), "DISPLAY TEXT") || !strings.Contains(string(g), "Hello, world!") {
		t.Fatalf("%s", g)
	}
	os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("stkforge: 1\nname: broken\nmenu: {title: X, items: []}\n"), 0o644)
	if code, out, _ := runSimCLI(t, "", "test", dir); code != 1 || !strings.Contains(out, "--- FAIL: "+filepath.Join(dir, "broken.yaml")) {
		t.Fatalf("code %d %s", code, out)
	}
}
