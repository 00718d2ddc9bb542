package tui

import (
	"encoding/hex"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/sim/handset"
)

func unhex(s string) []byte { b, _ := hex.DecodeString(strings.ReplaceAll(s, " ", "")); return b }

// kit: SET UP MENU "STK Forge" with one item "Pay !"; selecting it asks GET INPUT (digits,
// 1-4).
type kit struct{ trs int }

var (
	menu  = unhex("D01C8103012500820281828509" + "53544B20466F726765" + "8F0601" + "5061792021")
	input = unhex("D0168103012300820281828D0704416D6F756E7491020104")
)

func (k *kit) TerminalProfile(p *card.Proactive, _ []byte) { p.Queue(menu) }
func (k *kit) Envelope(p *card.Proactive, env []byte) ([]byte, uint16) {
	p.Queue(input)
	return nil, card.SWOK
}
func (k *kit) TerminalResponse(p *card.Proactive, cmd, tr []byte) uint16 {
	k.trs++
	return card.SWOK
}
func (k *kit) SecuredData(*card.Proactive, *card.Instance, []byte) []byte { return nil }

func keys(m tea.Model, ks ...tea.KeyMsg) tea.Model {
	for _, k := range ks {
		m, _ = m.Update(k)
	}
	return m
}

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// TestModel drives the model with key messages, no TTY: Enter on the menu sends MENU
// SELECTION, typed digits go to GET INPUT, letters are refused in digit mode, Tab shows the
// APDU log, Ctrl+C quits.
func TestModel(t *testing.T) {
	p, err := card.LoadProfile("../../../fixtures/cards/default.json")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := card.New(p)
	c.SetToolkit(&kit{})
	prof, _ := handset.LookupProfile("android")
	h := handset.New(c, prof)
	if err := h.PowerOn(); err != nil {
		t.Fatal(err)
	}
	var m tea.Model = New(h)
	if v := m.View(); !strings.Contains(v, "STK Forge") || !strings.Contains(v, "> 1 Pay !") {
		t.Fatal(v)
	}
	m = keys(m, tea.KeyMsg{Type: tea.KeyDown}, tea.KeyMsg{Type: tea.KeyEnter})
	if s := h.Screen(); s.Kind != handset.ScreenInput {
		t.Fatalf("after Enter: %+v\n%s", s, m.View())
	}
	m = keys(m, runes("1"), runes("2"), tea.KeyMsg{Type: tea.KeyBackspace}, runes("7"))
	if v := m.View(); !strings.Contains(v, "input: 17") {
		t.Fatal(v)
	}
	m = keys(m, tea.KeyMsg{Type: tea.KeyTab}, tea.KeyMsg{Type: tea.KeyEnter})
	v := m.View()
	if h.Screen().Kind != handset.ScreenMenu || !strings.Contains(v, "APDU log") || !strings.Contains(v, "TERMINAL RESPONSE to GET INPUT") {
		t.Fatalf("%+v\n%s", h.Screen(), v)
	}
	m = keys(m, tea.KeyMsg{Type: tea.KeyEnter}, runes("x"), tea.KeyMsg{Type: tea.KeyEnter})
	if v := m.View(); !strings.Contains(v, "digit mode") {
		t.Fatal(v)
	}
	m = keys(m, tea.KeyMsg{Type: tea.KeyEsc})
	if h.Screen().Kind != handset.ScreenMenu {
		t.Fatal(m.View())
	}
	if _, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlC}); cmd == nil {
		t.Fatal("Ctrl+C does not quit")
	}
}
