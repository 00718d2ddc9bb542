package main

import "errors"

// OtaCmd groups the TS 102 225 hand tools.
type OtaCmd struct {
	Seal OtaSealCmd `cmd:"" help:"Seal a command packet."`
}

// OtaSealCmd seals a command packet.
type OtaSealCmd struct{}

func (c *OtaSealCmd) Run(env *Env) error { return errors.New("ota seal: not built yet") }
