package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/sim/handset"
	"github.com/stkforge/stkforge/sim/trace"
)

// SimCmd groups the simulator commands.
type SimCmd struct {
	Run SimRunCmd `cmd:"" help:"Play a scenario on a simulated card and handset and print the transcript."`
}

// SimRunCmd is `stkforge sim run`: a scripted session, its transcript on stdout, every APDU as
// GSMTAP in --pcap.
type SimRunCmd struct {
	Card     string `help:"Card profile (JSON); default: the scenario's card:, else the embedded fixtures/cards/default.json." type:"path"`
	Spec     string `help:"Menu spec to compile and load into the card." type:"path" xor:"menu"`
	Image    string `help:"Compiled script image to load into the card." type:"path" xor:"menu"`
	Scenario string `help:"Scenario file (docs/scenarios.md)." type:"path" required:""`
	Pcap     string `help:"Write every APDU to this pcap file as GSMTAP SIM frames." type:"path"`
	Handset  string `help:"Handset profile: android, feature-phone or strict; default: the scenario's."`
}

func (c *SimRunCmd) Run(env *Env) error {
	sc, err := handset.LoadScenario(c.Scenario)
	if err != nil {
		return err
	}
	def, done, err := defaultCard("")
	if err != nil {
		return err
	}
	defer done()
	cfg := handset.RunConfig{CardProfile: c.Card, DefaultCard: def, Handset: c.Handset, Spec: c.Spec, Image: c.Image}
	var pc *card.Pcap
	if c.Pcap != "" {
		w, err := trace.Create(c.Pcap, trace.WithClock(trace.StepClock(handset.DefaultClock, time.Millisecond)))
		if err != nil {
			return err
		}
		pc = &card.Pcap{W: w}
		cfg.Exchange = pc.Record
	}
	out, runErr := handset.RunScenario(sc, cfg)
	fmt.Fprint(env.Stdout, out)
	if pc != nil {
		skipped, werr := pc.Result()
		werr = errors.Join(werr, pc.W.Close())
		if werr != nil {
			return fmt.Errorf("pcap: %w", werr)
		}
		if skipped > 0 {
			fmt.Fprintf(env.Stderr, "pcap: %d exchanges could not be written as GSMTAP\n", skipped)
		}
	}
	return runErr
}
