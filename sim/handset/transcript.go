package handset

import (
	"fmt"
	"strings"

	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/stk/cat"
)

// EventKind says what an Event records.
type EventKind uint8

// Event kinds.
const (
	EventPower  EventKind = iota + 1 // power on
	EventAPDU                        // one APDU exchange
	EventScreen                      // the screen after a step
	EventSMS                         // a short message sent or received
	EventAction                      // what the user did
	EventNote                        // what the handset decided, and why
)

// Event is one entry of a session's record.
type Event struct {
	Kind     EventKind
	Exchange *card.Exchange
	Screen   string // rendered
	SMS      *SMS
	Text     string
}

// Transcript writes events for people and golden files: APDUs as hexdumps (16 bytes a line)
// with the instruction's name, the status word's meaning and the CAT message decoded by
// stk/cat; screens as drawn; short messages with their addresses and text.
func Transcript(evs []Event) string {
	var sb strings.Builder
	for _, e := range evs {
		switch e.Kind {
		case EventPower:
			fmt.Fprintf(&sb, "== %s\n", e.Text)
		case EventAPDU:
			writeExchange(&sb, *e.Exchange)
		case EventScreen:
			sb.WriteString(e.Screen)
		case EventSMS:
			writeSMS(&sb, e.SMS)
		case EventAction:
			fmt.Fprintf(&sb, "== user: %s\n", e.Text)
		case EventNote:
			fmt.Fprintf(&sb, "-- %s\n", e.Text)
		}
	}
	return sb.String()
}

func hexLines(sb *strings.Builder, prefix string, b []byte) {
	for i := 0; i < len(b); i += 16 {
		fmt.Fprintf(sb, "%s% X\n", prefix, b[i:min(i+16, len(b))])
	}
}

func writeExchange(sb *strings.Builder, e card.Exchange) {
	c, r := e.Command, e.Response
	if len(c) < 5 {
		fmt.Fprintf(sb, "> % X   (short command)\n", c)
		return
	}
	name := card.InstructionName(c[1])
	if name == "" {
		name = "?"
	}
	fmt.Fprintf(sb, "> % X   %s\n", c[:5], name)
	hexLines(sb, ">   ", c[5:])
	if len(r) < 2 {
		fmt.Fprintf(sb, "< % X   (no status word)\n", r)
		return
	}
	hexLines(sb, "<   ", r[:len(r)-2])
	sw := uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
	fmt.Fprintf(sb, "< %02X %02X   %s\n", sw>>8, sw&0xFF, card.SWMeaning(sw))
	var msg []byte
	switch c[1] {
	case 0x12: // FETCH
		msg = r[:len(r)-2]
	case 0x14, 0xC2: // TERMINAL RESPONSE, ENVELOPE
		msg = c[5:]
	}
	if len(msg) > 0 {
		fmt.Fprintf(sb, "    = %s\n", Meaning(msg))
	}
}

// Meaning is a one-line reading of a proactive command, terminal response or envelope.
func Meaning(b []byte) string {
	m, err := cat.Decode(b)
	if err != nil {
		return fmt.Sprintf("not decoded: %v", err)
	}
	d := m.Details()
	switch m.Kind {
	case cat.KindProactiveCommand:
		s := fmt.Sprintf("%s, number %d, qualifier %02X, to %v", m.Name(), d.Number, d.Qualifier, m.Devices().Destination)
		if e := m.Find(cat.TagAlphaIdentifier); e != nil {
			if c, err := cat.UnmarshalCommand(b); err == nil {
				s += alphaNote(c)
			}
		}
		return s
	case cat.KindTerminalResponse:
		s := fmt.Sprintf("TERMINAL RESPONSE to %s, number %d", typeName(d.Type), d.Number)
		var tr cat.TerminalResponse
		if err := tr.Unmarshal(b); err == nil {
			s += fmt.Sprintf(": %02X %s", byte(tr.Result.General), tr.Result.General)
			if len(tr.Result.Additional) > 0 {
				s += fmt.Sprintf(" (% X)", tr.Result.Additional)
			}
			if tr.Item != nil {
				s += fmt.Sprintf(", item %d", tr.Item.Identifier)
			}
			if yes, ok := tr.YesNo(); ok && d.Type == cat.TypeGetInkey && d.Qualifier&cat.GetInkeyYesNo != 0 {
				s += map[bool]string{true: ", yes", false: ", no"}[yes]
			} else if tr.Text != nil {
				s += ", text " + textNote(tr.Text)
			}
		}
		return s
	}
	s := m.Name()
	if e, err := cat.UnmarshalEnvelope(b); err == nil {
		if ms, ok := e.(*cat.MenuSelection); ok {
			s += fmt.Sprintf(", item %d", ms.Item.Identifier)
			if ms.HelpRequest {
				s += ", help requested"
			}
		}
	}
	return s
}

func typeName(t cat.CommandType) string {
	if n := t.String(); n != "" {
		return n
	}
	return fmt.Sprintf("command type %02X", byte(t))
}

func alphaNote(c cat.Command) string {
	var a *cat.AlphaIdentifier
	switch x := c.(type) {
	case *cat.SetUpMenu:
		a = &x.Alpha
	case *cat.SelectItem:
		a = x.Alpha
	case *cat.SendShortMessage:
		a = x.Alpha
	}
	if a == nil {
		return ""
	}
	return fmt.Sprintf(", alpha %q", a.Text)
}

func textNote(t *cat.TextString) string {
	switch {
	case t.Null:
		return "(null)"
	case t.Data != nil:
		return fmt.Sprintf("DCS %02X % X", t.DCS, t.Data)
	}
	return fmt.Sprintf("DCS %02X %q", t.DCS, t.Text)
}

func writeSMS(sb *strings.Builder, s *SMS) {
	if s.MO {
		fmt.Fprintf(sb, "== SMS sent to %s (PID %02X, DCS %02X)", s.Address, s.PID, s.DCS)
	} else {
		fmt.Fprintf(sb, "== SMS received from %s (PID %02X, DCS %02X)", s.Address, s.PID, s.DCS)
	}
	if s.Alpha != "" {
		fmt.Fprintf(sb, ", shown as %q", s.Alpha)
	}
	sb.WriteString("\n")
	hexLines(sb, "   TPDU ", s.TPDU)
	switch {
	case s.Text != "":
		fmt.Fprintf(sb, "   text %q\n", s.Text)
	case printable(s.UD):
		fmt.Fprintf(sb, "   8-bit data %q\n", s.UD)
	}
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return len(b) > 0
}

// hexBlock is b as hex lines of 16 bytes, each with prefix, without the last newline.
func hexBlock(prefix string, b []byte) string {
	var sb strings.Builder
	hexLines(&sb, prefix, b)
	return strings.TrimSuffix(sb.String(), "\n")
}
