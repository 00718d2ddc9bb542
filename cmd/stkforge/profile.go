package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/stkforge/stkforge/stk/cat/profile"
)

// CatProfileCmd converts a TERMINAL PROFILE (TS 102 223 5.2) between HEX and its JSON form:
// `stkforge cat profile HEX` prints the JSON, `stkforge cat profile --encode` reads the JSON on
// stdin and prints HEX, `stkforge cat profile --named android` prints a built-in profile.
type CatProfileCmd struct {
	Hex     string `arg:"" optional:"" help:"The profile bytes as hex (spaces allowed)."`
	Encode  bool   `help:"Read the JSON form on stdin and print the profile as HEX." xor:"mode"`
	Named   string `help:"Print a built-in profile: android, feature-phone or strict." xor:"mode"`
	Listing bool   `help:"Print an annotated listing (one line per byte) instead of JSON."`
}

func (c *CatProfileCmd) Run(env *Env) error {
	var p profile.Profile
	switch {
	case c.Encode:
		if c.Hex != "" {
			return errors.New("cat profile: --encode reads JSON on stdin and takes no HEX argument")
		}
		data, err := io.ReadAll(env.Stdin)
		if err != nil {
			return fmt.Errorf("cat profile: reading stdin: %w", err)
		}
		if err := json.Unmarshal(data, &p); err != nil {
			return fmt.Errorf("cat profile: %w", err)
		}
		if !c.Listing {
			_, err = fmt.Fprintln(env.Stdout, p.String())
			return err
		}
	case c.Named != "":
		if c.Hex != "" {
			return errors.New("cat profile: --named takes no HEX argument")
		}
		var ok bool
		if p, ok = profile.Named(c.Named); !ok {
			return fmt.Errorf("cat profile: no built-in profile %q (have %v)", c.Named, profile.NamedProfiles())
		}
	default:
		if c.Hex == "" {
			return errors.New("cat profile: give the profile as HEX, or --encode with JSON on stdin")
		}
		var err error
		if p, err = profile.ParseHex(c.Hex); err != nil {
			return fmt.Errorf("cat profile: %w", err)
		}
	}
	if c.Listing {
		_, err := io.WriteString(env.Stdout, p.Listing())
		return err
	}
	out, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(env.Stdout, "%s\n", out)
	return err
}
