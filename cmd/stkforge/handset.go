package main

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/stkforge/stkforge/sim/handset"
	"github.com/stkforge/stkforge/sim/handset/tui"
	"github.com/stkforge/stkforge/stk/image"
)

// HandsetCmd is `stkforge handset`: the phone screen in the terminal, in front of a simulated
// card.
type HandsetCmd struct {
	Card    string `help:"Card profile (JSON)." type:"path" default:"fixtures/cards/default.json"`
	Spec    string `help:"Menu spec to compile and load into the card." type:"path" xor:"menu"`
	Image   string `help:"Compiled script image to load into the card." type:"path" xor:"menu"`
	Handset string `help:"Handset profile: android, feature-phone or strict." default:"android"`
}

func (c *HandsetCmd) Run(env *Env) error {
	prof, err := handset.LookupProfile(c.Handset)
	if err != nil {
		return err
	}
	var img *image.Image
	switch {
	case c.Spec != "":
		img, err = handset.CompileSpec(c.Spec)
	case c.Image != "":
		img, err = handset.LoadImage(c.Image)
	}
	if err != nil {
		return err
	}
	lab, err := handset.OpenLab(c.Card, img)
	if err != nil {
		return err
	}
	h := handset.New(lab.Card, prof)
	if err := h.PowerOn(); err != nil {
		return err
	}
	_, err = tea.NewProgram(tui.New(h), tea.WithInput(env.Stdin), tea.WithOutput(env.Stdout)).Run()
	return err
}
