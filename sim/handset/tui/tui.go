// Package tui is the interactive phone screen of `stkforge handset`: a bubbletea model in
// front of a sim/handset Handset. Arrows move through a menu, Enter chooses or sends what was
// typed, Esc is Back, Ctrl+E the End key (cancel), ? asks for help, y/n answer a question,
// w lets the prompt time out, Tab shows the APDU log, Ctrl+C quits.
package tui

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/stkforge/stkforge/sim/handset"
)

// Model is the bubbletea model.
type Model struct {
	H       *handset.Handset
	Typed   string // what the user typed into an input field
	ShowLog bool
	Status  string // the last action's error, or a hint
	LogRows int
	quit    bool
}

// New returns the model of a powered-on handset.
func New(h *handset.Handset) Model { return Model{H: h, LogRows: 14} }

// Init starts nothing: the handset is driven only by keys.
func (m Model) Init() tea.Cmd { return nil }

// Update handles one key.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	s := m.H.Screen()
	var err error
	m.Status = ""
	switch k.Type {
	case tea.KeyCtrlC:
		m.quit = true
		return m, tea.Quit
	case tea.KeyTab:
		m.ShowLog = !m.ShowLog
		return m, nil
	case tea.KeyUp:
		m.H.Move(-1)
		return m, nil
	case tea.KeyDown:
		m.H.Move(1)
		return m, nil
	case tea.KeyEsc:
		err = m.H.Back()
	case tea.KeyCtrlE:
		err = m.H.Cancel()
	case tea.KeyBackspace:
		if r := []rune(m.Typed); len(r) > 0 {
			m.Typed = string(r[:len(r)-1])
		}
		return m, nil
	case tea.KeyEnter:
		switch s.Kind {
		case handset.ScreenInput, handset.ScreenInkey:
			if m.Typed == "" && s.Kind == handset.ScreenInput {
				err = m.H.OK()
			} else {
				err = m.H.Enter(m.Typed)
			}
			if err == nil {
				m.Typed = ""
			}
		default:
			err = m.H.OK()
		}
	case tea.KeyRunes, tea.KeySpace:
		r := string(k.Runes)
		if k.Type == tea.KeySpace {
			r = " "
		}
		typing := s.Kind == handset.ScreenInput || s.Kind == handset.ScreenInkey && (s.Input == nil || !s.Input.YesNo)
		switch {
		case typing:
			m.Typed += r
			if s.Kind == handset.ScreenInkey {
				err = m.H.Enter(m.Typed)
				m.Typed = ""
			}
		case r == "y" && s.Input != nil && s.Input.YesNo:
			err = m.H.Yes()
		case r == "n" && s.Input != nil && s.Input.YesNo:
			err = m.H.No()
		case r == "?":
			err = m.H.Help(0)
		case r == "w":
			err = m.H.Wait(time.Second)
		case r == "q":
			m.quit = true
			return m, tea.Quit
		case r >= "1" && r <= "9" && (s.Kind == handset.ScreenMenu || s.Kind == handset.ScreenSelect):
			err = m.H.Select(r[0] - '0')
		}
	}
	if err != nil {
		m.Status = err.Error()
	}
	return m, nil
}

// View draws the phone screen, the typed text, the keys and, with Tab, the APDU log.
func (m Model) View() string {
	if m.quit {
		return ""
	}
	s := m.H.Screen()
	var sb strings.Builder
	fmt.Fprintf(&sb, "stkforge handset · %s\n\n", m.H.Profile().Name)
	sb.WriteString(s.Render(m.H.Profile()))
	if s.Kind == handset.ScreenInput || s.Kind == handset.ScreenInkey && !s.Input.YesNo {
		t := m.Typed
		if s.Input.Hidden {
			t = strings.Repeat("*", len([]rune(t)))
		}
		fmt.Fprintf(&sb, "input: %s▏\n", t)
	}
	if m.Status != "" {
		fmt.Fprintf(&sb, "! %s\n", m.Status)
	}
	sb.WriteString("\n↑↓ move · Enter OK · Esc back · Ctrl+E end · ? help · y/n · w wait · Tab APDU log · Ctrl+C quit\n")
	if m.ShowLog {
		lines := strings.Split(strings.TrimRight(handset.Transcript(apdus(m.H.Events())), "\n"), "\n")
		if len(lines) > m.LogRows {
			lines = lines[len(lines)-m.LogRows:]
		}
		sb.WriteString("\n── APDU log ──\n" + strings.Join(lines, "\n") + "\n")
	}
	return sb.String()
}

func apdus(evs []handset.Event) []handset.Event {
	var out []handset.Event
	for _, e := range evs {
		if e.Kind == handset.EventAPDU {
			out = append(out, e)
		}
	}
	return out
}
