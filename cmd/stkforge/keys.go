package main

import "errors"

// KeysCmd groups the key store commands.
type KeysCmd struct {
	Init KeysInitCmd `cmd:"" help:"Create a key store."`
}

// KeysInitCmd creates a store.
type KeysInitCmd struct{}

func (c *KeysInitCmd) Run(env *Env) error { return errors.New("keys init: not built yet") }
