// Command stkforge compiles SIM Toolkit menus, secures and pushes them over the air, and
// simulates the cards, handsets and SMS network that run them.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/alecthomas/kong"
)

// CLI is the whole command line; each command lives in its own file.
type CLI struct {
	Version VersionCmd `cmd:"" help:"Print the stkforge version."`
	Demo    DemoCmd    `cmd:"" help:"The whole main flow on loopback: N cards, the bank menu pushed by OTA, a signed payment from each card."`
	Cat     CatCmd     `cmd:"" help:"SIM Toolkit (CAT) codec: decode and encode proactive commands, terminal responses and envelopes."`
	Ota     OtaCmd     `cmd:"" help:"TS 102 225 secured packets by hand: seal, open, and check PoRs."`
	Keys    KeysCmd    `cmd:"" help:"Card and OTA key store: init, import, list, show, rotate, audit."`
	Push    PushCmd    `cmd:"" help:"Push one update to many cards over SMPP (a campaign), with progress and a summary."`
	Net     NetCmd     `cmd:"" help:"Virtual SMS network: an SMPP SMSC with simulated handsets and cards from the key store."`
	Serve   ServeCmd   `cmd:"" help:"OTA server: HTTP JSON API, SMPP client, campaigns, Prometheus metrics."`
	Lint    LintCmd    `cmd:"" help:"Check menu specs: every diagnostic of every file; non-zero exit on any error."`
	Compile CompileCmd `cmd:"" help:"Compile menu specs into script images (-o IMAGE, or a directory for several)."`
	Disasm  DisasmCmd  `cmd:"" help:"Print a script image's listing, who signed it and whether it verifies (--issuer)."`
	Sign    SignCmd    `cmd:"" help:"Sign a script image with the bank's RSA key (a PEM file of mode 0600)."`
	Sim     SimCmd     `cmd:"" help:"Simulator: scripted runs of a card and handset (sim run)."`
	Handset HandsetCmd `cmd:"" help:"Interactive handset screen in front of a simulated card."`
	Test    TestCmd    `cmd:"" help:"Golden-file tests of menus: scenarios -> transcripts vs golden files."`
	Audit   AuditCmd   `cmd:"" help:"Security self-audit of a card, simulated (PROFILE or state file) or in a PC/SC reader through pcscd (--reader): probe its TARs with weak, replayed and forged OTA packets; pass/fail report (--json)."`
}

// Env is what every command's Run receives: its streams, so tests drive commands in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

func main() {
	os.Exit(run(os.Args[1:], Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}

// run parses args, runs the chosen command and returns the process exit code. Errors print as
// one line on stderr.
func run(args []string, env Env) int {
	var cli CLI
	exited := -1
	parser, err := kong.New(&cli,
		kong.Name("stkforge"),
		kong.Description("SIM Toolkit payment menus: compile, secure over the air (TS 102 225), simulate."),
		kong.Writers(env.Stdout, env.Stderr),
		kong.Exit(func(code int) { exited = code; panic(exitPanic{}) }),
		kong.Bind(&env),
	)
	if err != nil {
		fmt.Fprintf(env.Stderr, "stkforge: %v\n", err)
		return 2
	}
	code := func() (code int) {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(exitPanic); ok {
					code = exited
					return
				}
				panic(r)
			}
		}()
		ctx, err := parser.Parse(args)
		if err != nil {
			fmt.Fprintf(env.Stderr, "stkforge: %v (see stkforge --help)\n", err)
			return 2
		}
		if err := ctx.Run(); err != nil {
			fmt.Fprintf(env.Stderr, "stkforge: %v\n", err)
			return 1
		}
		return 0
	}()
	return code
}

// exitPanic unwinds kong's Exit (after --help) back into run so tests can call run repeatedly.
type exitPanic struct{}
