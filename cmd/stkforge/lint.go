package main

import (
	"fmt"
	"io"
	"os"

	"github.com/stkforge/stkforge/stk/check"
	"github.com/stkforge/stkforge/stk/spec"
)

// LintCmd checks menu specs without compiling them.
type LintCmd struct {
	Specs   []string `arg:"" name:"SPEC" help:"Menu spec files (YAML)."`
	JSON    bool     `name:"json" help:"Print the diagnostics as JSON on stdout."`
	Profile []string `help:"Handset profiles to check against, replacing each spec's 'handsets' (android, feature-phone, strict)." sep:","`
	Card    string   `help:"Card profile replacing each spec's 'card' (16k, 32k, 64k)."`
}

func (c *LintCmd) Run(env *Env) error {
	files, err := readSpecs(c.Specs)
	if err != nil {
		return err
	}
	_, diags := check.LintAll(files, check.Options{Handsets: c.Profile, Card: c.Card})
	return report(env, diags, c.JSON, nil)
}

// readSpecs reads spec files as given on the command line.
func readSpecs(paths []string) ([]check.SpecFile, error) {
	files := make([]check.SpecFile, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		files = append(files, check.SpecFile{Name: p, Data: data})
	}
	return files, nil
}

// errReported is returned after the diagnostics went out: the exit code is non-zero and the
// reason has been printed already.
type errReported struct{ errors int }

func (e errReported) Error() string { return fmt.Sprintf("%d errors", e.errors) }

// report prints diagnostics: in the compiler format on stderr, and as JSON on stdout with
// --json (then summary, when not nil, is printed instead as {"diagnostics": [...], ...}).
// It returns an error when any diagnostic is an error.
func report(env *Env, diags spec.Diagnostics, asJSON bool, summary func(io.Writer, []byte) error) error {
	if len(diags) > 0 {
		fmt.Fprint(env.Stderr, diags.Format(0))
	}
	if asJSON {
		var err error
		if summary != nil {
			err = summary(env.Stdout, diags.JSON())
		} else {
			_, err = env.Stdout.Write(diags.JSON())
		}
		if err != nil {
			return err
		}
	}
	n := 0
	for _, d := range diags {
		if d.Severity == spec.Error {
			n++
		}
	}
	if n > 0 {
		return errReported{n}
	}
	return nil
}
