package main

import (
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/stkforge/stkforge/fixtures/cards"

	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/sim/handset"
)

// TestCmd is `stkforge test [DIR]`: golden-file tests of menus. Every NAME.scenario.yaml under
// DIR runs on a simulated card and handset; its transcript must equal NAME.golden.
type TestCmd struct {
	Dir     string `arg:"" optional:"" default:"." help:"Directory with specs and *.scenario.yaml files." type:"path"`
	Card    string `help:"Card profile (JSON) for scenarios that name none (default: the embedded fixtures/cards/default.json)." type:"path"`
	Handset string `help:"Handset profile for every scenario (default: each scenario's)."`
	Update  bool   `help:"Rewrite the golden files with the transcripts."`
	Junit   string `name:"junit" help:"Write a JUnit XML report here, for CI systems." type:"path"`
}

// ErrTestsFailed is the exit of a run with failures (the report says which).
var ErrTestsFailed = errors.New("test: FAIL")

func (c *TestCmd) Run(env *Env) error {
	def, done, err := defaultCard(c.Card)
	if err != nil {
		return err
	}
	defer done()
	res, err := handset.TestDir(c.Dir, handset.RunConfig{DefaultCard: def, Handset: c.Handset}, c.Update)
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range res {
		switch {
		case r.Err != nil:
			failed++
			fmt.Fprintf(env.Stdout, "--- FAIL: %s\n    %v\n", r.Scenario, r.Err)
		case r.Diff != "":
			failed++
			fmt.Fprintf(env.Stdout, "--- FAIL: %s\n%s", r.Scenario, indent(r.Diff))
		case r.Updated:
			fmt.Fprintf(env.Stdout, "--- UPDATED: %s -> %s\n", r.Scenario, r.Golden)
		default:
			fmt.Fprintf(env.Stdout, "--- PASS: %s\n", r.Scenario)
		}
	}
	if c.Junit != "" {
		if err := writeJUnit(c.Junit, res); err != nil {
			return err
		}
	}
	if failed > 0 {
		fmt.Fprintf(env.Stdout, "FAIL\t%s\t%d of %d scenarios failed\n", c.Dir, failed, len(res))
		return ErrTestsFailed
	}
	fmt.Fprintf(env.Stdout, "ok\t%s\t%d scenarios\n", c.Dir, len(res))
	return nil
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}

type junitSuite struct {
	XMLName  xml.Name    `xml:"testsuite"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

// writeJUnit writes the JUnit XML that CI systems read: a transcript mismatch is a failure, a
// scenario that did not run an error.
func writeJUnit(path string, res []handset.CaseResult) error {
	s := junitSuite{Name: "stkforge test", Tests: len(res)}
	for _, r := range res {
		jc := junitCase{Name: r.Scenario, Classname: "stkforge.scenario"}
		switch {
		case r.Err != nil:
			s.Errors++
			jc.Error = &junitMessage{Message: "scenario did not run", Body: r.Err.Error()}
		case r.Diff != "":
			s.Failures++
			jc.Failure = &junitMessage{Message: "transcript differs from " + r.Golden, Body: r.Diff}
		}
		s.Cases = append(s.Cases, jc)
	}
	b, err := xml.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return card.WriteFileAtomic(path, append([]byte(xml.Header), append(b, '\n')...))
}

// defaultCard returns the card profile file for scenarios that name none: path, or else the
// embedded default card written to a temporary file (removed by done).
func defaultCard(path string) (file string, done func(), err error) {
	if path != "" {
		return path, func() {}, nil
	}
	f, err := os.CreateTemp("", "stkforge-card-*.json")
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	if _, err := f.Write(cards.Default); err != nil {
		os.Remove(f.Name())
		return "", nil, err
	}
	return f.Name(), func() { os.Remove(f.Name()) }, nil
}
