package pcsc

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"
	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/sim/pcsc/pcsctest"
)

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

// TestScriptorThroughPCSCD puts the simulated card in pcscd's vpcd reader and reads EF ICCID
// with scriptor (pcsc-tools), an independent PC/SC client.
func TestScriptorThroughPCSCD(t *testing.T) {
	tools := pcsctest.NeedTools(t, "scriptor")
	pcsctest.StartDaemon(t)

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
		sc := exec.CommandContext(ctx, tools[0], "-r", "Virtual PCD 00 00")
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
