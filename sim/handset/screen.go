package handset

import (
	"fmt"
	"strings"

	"github.com/stkforge/stkforge/stk/cat"
)

// ScreenKind says what the user is looking at and so which actions apply.
type ScreenKind string

// Screen kinds.
const (
	ScreenIdle    ScreenKind = "idle"    // no menu from the card, or the idle text
	ScreenMenu    ScreenKind = "menu"    // the SET UP MENU main menu (TS 102 223 6.4.8)
	ScreenSelect  ScreenKind = "select"  // SELECT ITEM (6.4.9)
	ScreenText    ScreenKind = "text"    // DISPLAY TEXT (6.4.1)
	ScreenInkey   ScreenKind = "inkey"   // GET INKEY (6.4.2), yes/no when Input.YesNo
	ScreenInput   ScreenKind = "input"   // GET INPUT (6.4.3)
	ScreenConfirm ScreenKind = "confirm" // user confirmation of SET UP CALL (6.4.13) or LAUNCH BROWSER (6.4.26)
)

// Item is one menu entry as shown.
type Item struct {
	ID   uint8
	Text string // as shown: cut to the menu width when the handset has one
	Full string // as the card sent it
	Next string // items next action indicator, when given (8.24)
	Icon string // noted, not drawn
}

// InputField is the entry field of GET INKEY and GET INPUT with the command's constraints.
type InputField struct {
	Digits   bool // digits 0-9, *, #, + only (qualifier bit 1 clear)
	UCS2     bool // answer in UCS2 (bit 2)
	Hidden   bool // show * for each character (GET INPUT bit 3)
	Packed   bool // answer in SMS packed format (GET INPUT bit 4)
	YesNo    bool // GET INKEY yes/no (bit 3)
	Min, Max int  // GET INPUT response length, already bounded by the keypad's limit
	Default  string
}

// Screen is the handset's display as a model: what a user sees and which softkeys they have.
type Screen struct {
	Kind    ScreenKind
	Command string // the proactive command shown, "" for the idle screen
	Title   string
	Text    string
	Items   []Item
	Default uint8 // default item (8.10), 0 when none
	Cursor  int   // index into Items the highlight is on
	Input   *InputField
	Icons   []string // icon identifiers the card asked for, noted (8.31)
	// Softkeys are the keys the user has: OK, Back, Help, Yes, No, End.
	Softkeys []string
	// Help is set when the card offers help (qualifier bit 8).
	Help bool
	// Flags are the presentation flags of the command: "high priority", "wait for user",
	// "immediate response", "sustained".
	Flags []string
}

// Render draws the screen as text lines of at most width characters (text wraps, items are
// cut at the profile's menu width), a frame on the left only so wide characters never skew it.
func (s *Screen) Render(p *Profile) string {
	w := p.RenderWidth()
	var sb strings.Builder
	head := string(s.Kind)
	if s.Command != "" {
		head = s.Command
	}
	fmt.Fprintf(&sb, "┌─ %s", head)
	if len(s.Flags) > 0 {
		fmt.Fprintf(&sb, " (%s)", strings.Join(s.Flags, ", "))
	}
	sb.WriteString("\n")
	line := func(t string) { sb.WriteString("│ " + t + "\n") }
	if s.Title != "" {
		for _, l := range wrap(s.Title, w) {
			line(l)
		}
		line(strings.Repeat("─", min(w, 16)))
	}
	text := wrap(s.Text, w)
	for _, l := range text {
		line(l)
	}
	if h := p.ScreenHeight; h > 0 && len(text) > h {
		line(fmt.Sprintf("(%d lines on a %d-line screen: the user scrolls)", len(text), h))
	}
	for i, it := range s.Items {
		mark := " "
		if i == s.Cursor && (s.Kind == ScreenSelect || s.Kind == ScreenMenu) {
			mark = ">"
		}
		t := fmt.Sprintf("%s %d %s", mark, it.ID, it.Text)
		if it.ID == s.Default && s.Default != 0 {
			t += " (default)"
		}
		if it.Next != "" {
			t += " → " + it.Next
		}
		if it.Icon != "" {
			t += " [" + it.Icon + "]"
		}
		line(t)
	}
	if in := s.Input; in != nil {
		switch {
		case in.YesNo:
			line("[Yes] [No]")
		default:
			kind := "text"
			if in.Digits {
				kind = "digits"
			}
			if in.UCS2 {
				kind += ", UCS2"
			}
			if in.Hidden {
				kind += ", hidden"
			}
			if s.Kind == ScreenInkey {
				line(fmt.Sprintf("[_] one key, %s", kind))
			} else {
				line(fmt.Sprintf("[%s] %d-%d %s", in.Default, in.Min, in.Max, kind))
			}
		}
	}
	for _, ic := range s.Icons {
		line("icon " + ic)
	}
	sb.WriteString("└─")
	for _, k := range s.Softkeys {
		sb.WriteString(" [" + k + "]")
	}
	sb.WriteString("\n")
	return sb.String()
}

// wrap breaks text into lines of at most w characters, at spaces when it can; line breaks in
// the text are kept (CR, LF).
func wrap(s string, w int) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, para := range strings.FieldsFunc(strings.ReplaceAll(s, "\r\n", "\n"), func(r rune) bool { return r == '\n' || r == '\r' }) {
		rs := []rune(para)
		for len(rs) > w {
			cut := w
			for i := w; i > w/2; i-- {
				if rs[i] == ' ' {
					cut = i
					break
				}
			}
			out = append(out, strings.TrimRight(string(rs[:cut]), " "))
			rs = []rune(strings.TrimLeft(string(rs[cut:]), " "))
		}
		out = append(out, string(rs))
	}
	return out
}

// cut shortens an item to the menu width with an ellipsis, as small screens do.
func cut(s string, w int) string {
	rs := []rune(s)
	if w <= 0 || len(rs) <= w {
		return s
	}
	if w == 1 {
		return "…"
	}
	return string(rs[:w-1]) + "…"
}

func textOf(t *cat.TextString) string {
	switch {
	case t == nil || t.Null:
		return ""
	case t.Data != nil:
		return fmt.Sprintf("<DCS %02X: % X>", t.DCS, t.Data)
	}
	return t.Text
}

func iconNote(i *cat.IconIdentifier) []string {
	if i == nil {
		return nil
	}
	kind := "not self-explanatory"
	if i.SelfExplanatory() {
		kind = "self-explanatory"
	}
	return []string{fmt.Sprintf("record %d of EF IMG (%s, not drawn)", i.Record, kind)}
}
