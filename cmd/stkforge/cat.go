package main

import "errors"

// CatCmd groups the CAT codec commands.
type CatCmd struct {
	Decode CatDecodeCmd `cmd:"" help:"Decode a CAT BER-TLV (proactive command, envelope) or a terminal response from HEX to JSON."`
	Encode CatEncodeCmd `cmd:"" help:"Encode the JSON form (on stdin) back to HEX."`
}

// CatDecodeCmd decodes HEX to JSON.
type CatDecodeCmd struct {
	Hex string `arg:"" help:"The bytes as hex (spaces allowed)."`
}

func (c *CatDecodeCmd) Run(env *Env) error { return errors.New("cat decode: not built yet") }

// CatEncodeCmd encodes JSON from stdin to HEX.
type CatEncodeCmd struct{}

func (c *CatEncodeCmd) Run(env *Env) error { return errors.New("cat encode: not built yet") }
