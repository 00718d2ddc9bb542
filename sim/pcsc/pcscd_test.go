package pcsc

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"
	"github.com/stkforge/stkforge/sim/card"
)

// needTool returns the path of a tool, skipping the test when it is missing unless
// STKFORGE_REQUIRE_TOOLS=1 asks for a failure.
func needTool(t *testing.T, names ...string) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			if os.Getenv("STKFORGE_REQUIRE_TOOLS") == "1" {
				t.Fatalf("%s not found and STKFORGE_REQUIRE_TOOLS=1", n)
			}
			t.Skipf("%s not found", n)
		}
		out = append(out, p)
	}
	return out
}

func newCard(t testing.TB) *card.Card {
	p, err := card.LoadProfile("../../fixtures/cards/default.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := card.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startPCSCD starts a private pcscd in the foreground and stops it when the test ends. Another
// pcscd (or anything on the vpcd port) would take the reader: then the test cannot run.
func startPCSCD(t *testing.T, pcscd string) {
	t.Helper()
	// Skipped locally when the machine's own pcscd holds the reader; CI
	// (STKFORGE_REQUIRE_TOOLS=1) must run the test, so there it fails instead.
	skip := t.Skipf
	if os.Getenv("STKFORGE_REQUIRE_TOOLS") == "1" {
		skip = t.Fatalf
	}
	if c, err := net.DialTimeout("tcp", DefaultAddr, 200*time.Millisecond); err == nil {
		c.Close()
		skip("something already listens on the vpcd port 35963 (another pcscd?)")
	}
	if c, err := net.Dial("unix", "/run/pcscd/pcscd.comm"); err == nil {
		c.Close()
		skip("a pcscd is already running")
	}
	if err := os.MkdirAll("/run/pcscd", 0o755); err != nil {
		skip("cannot create /run/pcscd: %v", err)
	}
	var log bytes.Buffer
	cmd := exec.Command(pcscd, "--foreground")
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("pcscd output:\n%s", log.String())
		}
	})
}

// TestScriptorThroughPCSCD puts the simulated card in pcscd's vpcd reader and reads EF ICCID
// with scriptor (pcsc-tools), an independent PC/SC client.
func TestScriptorThroughPCSCD(t *testing.T) {
	tools := needTool(t, "/usr/sbin/pcscd", "scriptor")
	if _, err := os.Stat("/etc/reader.conf.d/vpcd"); err != nil {
		if os.Getenv("STKFORGE_REQUIRE_TOOLS") == "1" {
			t.Fatal("vsmartcard-vpcd reader configuration missing")
		}
		t.Skip("vsmartcard-vpcd not installed (/etc/reader.conf.d/vpcd)")
	}
	startPCSCD(t, tools[0])

	var log []card.Exchange
	c := newCard(t)
	traced, err := card.New(c.Snapshot(), card.WithTrace(func(e card.Exchange) { log = append(log, e) }))
	if err != nil {
		t.Fatal(err)
	}
	b := NewBridge(traced)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- DialAndServe(ctx, DefaultAddr, b) }()
	// pcscd polls the reader: until it has powered the card, scriptor finds no card
	var out []byte
	for attempt := 0; ; attempt++ {
		sc := exec.CommandContext(ctx, tools[1], "-r", "Virtual PCD 00 00")
		sc.Stdin = strings.NewReader("00 A4 00 0C 02 2F E2\n00 B0 00 00 0A\nA0 A4 00 00 02 7F 20\nA0 C0 00 00 16\n")
		out, err = sc.CombinedOutput()
		if err == nil {
			break
		}
		if attempt == 100 || ctx.Err() != nil {
			t.Fatalf("scriptor: %v\n%s", err, out)
		}
		select {
		case err := <-served:
			t.Fatalf("bridge stopped: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	// keep the exchanges (a long response goes on over several lines), not the banner
	var got []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "> ") || len(got) > 0 && strings.TrimSpace(line) != "" {
			got = append(got, strings.TrimRight(line, " "))
		}
	}
	text := strings.Join(got, "\n") + "\n"
	if !strings.Contains(text, "< 98 88 12 01 00 00 40 03 10 F0 90 00") {
		t.Errorf("scriptor did not read EF ICCID:\n%s", out)
	}
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/sim/pcsc"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "scriptor-iccid", []byte(text))
	if len(log) < 4 {
		t.Errorf("the card saw %d exchanges, want at least 4", len(log))
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("bridge: %v", err)
	}
}
