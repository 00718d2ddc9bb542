package main

import (
	"fmt"
	"strings"

	"github.com/stkforge/stkforge/stk/cat"
)

// CatCmd groups the CAT codec commands.
type CatCmd struct {
	Decode  CatDecodeCmd  `cmd:"" help:"Decode a CAT BER-TLV (proactive command, envelope) or a terminal response from HEX to JSON."`
	Encode  CatEncodeCmd  `cmd:"" help:"Encode the JSON form (on stdin) back to HEX."`
	Profile CatProfileCmd `cmd:"" help:"TERMINAL PROFILE: HEX -> named capabilities (JSON), or --encode JSON on stdin -> HEX."`
}

// CatDecodeCmd decodes HEX to JSON.
type CatDecodeCmd struct {
	Hex []string `arg:"" help:"The bytes as hex (spaces allowed, also as several arguments)."`
}

func (c *CatDecodeCmd) Run(env *Env) error {
	out, err := cat.DecodeHex(strings.Join(c.Hex, " "))
	if err != nil {
		return fmt.Errorf("cat decode: %w", err)
	}
	_, err = env.Stdout.Write(out)
	return err
}

// CatEncodeCmd encodes JSON from stdin to HEX.
type CatEncodeCmd struct{}

func (c *CatEncodeCmd) Run(env *Env) error {
	h, err := cat.EncodeJSON(env.Stdin)
	if err != nil {
		return fmt.Errorf("cat encode: %w", err)
	}
	_, err = fmt.Fprintln(env.Stdout, h)
	return err
}
