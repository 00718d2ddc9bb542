package handset

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/text"
)

// The user's actions. Each runs alone, answers the command on screen (or sends the envelope
// of the main menu) and runs the session on until the card waits for the user again.

func (h *Handset) action(format string, args ...any) {
	h.events = append(h.events, Event{Kind: EventAction, Text: fmt.Sprintf(format, args...)})
}

func (h *Handset) ready() error {
	if !h.on {
		return fmt.Errorf("handset: not powered on")
	}
	return nil
}

// Select chooses item id: on the main menu it sends MENU SELECTION (TS 102 223 7.2), on a
// SELECT ITEM it answers 00 with the item identifier (6.4.9).
func (h *Handset) Select(id uint8) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.selectItem0(id, false)
}

// SelectText chooses the item whose text is t, or the only item whose text contains t.
func (h *Handset) SelectText(t string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	id, err := h.find(t)
	if err != nil {
		return err
	}
	return h.selectItem0(id, false)
}

// Help asks for help on item id of a menu (MENU SELECTION with help request, or result 13
// with the item on SELECT ITEM) or on the prompt of GET INKEY / GET INPUT (13).
func (h *Handset) Help(id uint8) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.ready(); err != nil {
		return err
	}
	s := h.screen
	if !s.Help {
		return fmt.Errorf("%w: the card offers no help here (%s)", ErrNotHere, s.Kind)
	}
	switch s.Kind {
	case ScreenMenu, ScreenSelect:
		if id == 0 && len(s.Items) > 0 {
			id = s.Items[s.Cursor].ID
		}
		return h.selectItem0(id, true)
	case ScreenInkey, ScreenInput:
		h.action("help")
		h.finish(response(h.pending.details(), cat.ResultHelpRequired))
		return nil
	}
	return fmt.Errorf("%w: help on %s", ErrNotHere, s.Kind)
}

func (h *Handset) find(t string) (uint8, error) {
	var hits []Item
	for _, it := range h.screen.Items {
		if it.Full == t {
			return it.ID, nil
		}
		if strings.Contains(it.Full, t) {
			hits = append(hits, it)
		}
	}
	switch len(hits) {
	case 1:
		return hits[0].ID, nil
	case 0:
		return 0, fmt.Errorf("%w: no item %q on the %s screen", ErrNotHere, t, h.screen.Kind)
	}
	return 0, fmt.Errorf("handset: %q matches %d items", t, len(hits))
}

func (h *Handset) selectItem0(id uint8, help bool) error {
	if err := h.ready(); err != nil {
		return err
	}
	s := h.screen
	var it *Item
	for i := range s.Items {
		if s.Items[i].ID == id {
			it = &s.Items[i]
		}
	}
	if it == nil || (s.Kind != ScreenMenu && s.Kind != ScreenSelect) {
		return fmt.Errorf("%w: no item %d on the %s screen", ErrNotHere, id, s.Kind)
	}
	verb := "select"
	if help {
		verb = "help on"
	}
	h.action("%s item %d %q", verb, id, it.Full)
	if s.Kind == ScreenSelect {
		g := cat.ResultOK
		if help {
			g = cat.ResultHelpRequired
		}
		tr := response(h.pending.details(), g)
		tr.Item = &cat.ItemIdentifier{Identifier: id}
		h.finish(tr)
		return nil
	}
	env, err := (&cat.MenuSelection{Devices: cat.DeviceIdentities{Source: cat.DeviceKeypad, Destination: cat.DeviceUICC},
		Item: cat.ItemIdentifier{Identifier: id}, HelpRequest: help}).Marshal()
	if err != nil {
		return err
	}
	_, sw := h.envelope(env)
	if sw == card.SWToolkitBusy {
		h.note(EventNote, "card busy (93 00): the menu selection is dropped, as handsets do")
	}
	h.pump(sw)
	h.show()
	return nil
}

// isDigits: what a keypad in digit mode gives (TS 102 223 6.4.2, 6.4.3: 0-9, *, #, +).
func isDigits(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789*#+", r) {
			return false
		}
	}
	return true
}

// textAnswer codes what the user typed as the command asks: UCS2 (DCS 08), SMS packed (00) or
// SMS default alphabet unpacked (04) (TS 102 223 6.8, 8.15).
func textAnswer(s string, in *InputField) (*cat.TextString, error) {
	if s == "" {
		return &cat.TextString{Null: true}, nil
	}
	dcs := byte(0x04)
	switch {
	case in.UCS2:
		dcs = 0x08
	case in.Packed:
		dcs = 0x00
	}
	if !in.UCS2 {
		if _, ok := text.GSMLen(s); !ok {
			return nil, fmt.Errorf("handset: %q is not in the SMS default alphabet the card asked for", s)
		}
	}
	return &cat.TextString{DCS: dcs, Text: s}, nil
}

// Enter types s and presses OK: the answer to GET INPUT, or the key of GET INKEY.
func (h *Handset) Enter(s string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.ready(); err != nil {
		return err
	}
	sc := h.screen
	in := sc.Input
	if in == nil || in.YesNo || (sc.Kind != ScreenInput && sc.Kind != ScreenInkey) {
		return fmt.Errorf("%w: no text entry on the %s screen", ErrNotHere, sc.Kind)
	}
	n := utf8.RuneCountInString(s)
	switch {
	case in.Digits && !isDigits(s):
		return fmt.Errorf("handset: %q: the keypad is in digit mode (0-9 * # +)", s)
	case sc.Kind == ScreenInkey && n != 1:
		return fmt.Errorf("handset: GET INKEY takes one key, not %q", s)
	case sc.Kind == ScreenInput && (n < in.Min || n > in.Max):
		return fmt.Errorf("handset: %q has %d characters; the field takes %d to %d", s, n, in.Min, in.Max)
	}
	t, err := textAnswer(s, in)
	if err != nil {
		return err
	}
	shown := s
	if in.Hidden {
		shown = strings.Repeat("*", n)
	}
	h.action("enter %q", shown)
	tr := response(h.pending.details(), cat.ResultOK)
	tr.Text = t
	h.finish(tr)
	return nil
}

// Yes and No answer a GET INKEY yes/no question (text string DCS 04, 01 or 00, TS 102 223 6.8)
// or a confirmation (SET UP CALL, LAUNCH BROWSER: No is result 22).
func (h *Handset) Yes() error { return h.yesNo(true) }

// No: see Yes.
func (h *Handset) No() error { return h.yesNo(false) }

func (h *Handset) yesNo(yes bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.ready(); err != nil {
		return err
	}
	sc := h.screen
	if sc.Input == nil || !sc.Input.YesNo {
		return fmt.Errorf("%w: no yes/no question on the %s screen", ErrNotHere, sc.Kind)
	}
	word := map[bool]string{true: "yes", false: "no"}[yes]
	h.action("%s", word)
	tr := response(h.pending.details(), cat.ResultOK)
	switch {
	case sc.Kind == ScreenInkey:
		v := byte(0)
		if yes {
			v = 1
		}
		tr.Text = &cat.TextString{DCS: 0x04, Data: []byte{v}}
	case !yes:
		tr.Result.General = cat.ResultUserDidNotAccept
	case sc.Command == "SET UP CALL":
		c := h.pending.cmd.(*cat.SetUpCall)
		h.calls = append(h.calls, c.Address.Number)
		h.note(EventNote, "call to "+c.Address.Number+" set up")
	case sc.Command == "LAUNCH BROWSER":
		u := h.pending.cmd.(*cat.LaunchBrowser).URL.URL
		h.urls = append(h.urls, u)
		h.note(EventNote, "browser opens "+u)
	}
	h.finish(tr)
	return nil
}

// OK clears DISPLAY TEXT (00), takes the highlighted item of a menu, or the default text of
// GET INPUT.
func (h *Handset) OK() error {
	h.mu.Lock()
	if err := h.ready(); err != nil {
		h.mu.Unlock()
		return err
	}
	sc := h.screen
	switch sc.Kind {
	case ScreenText:
		defer h.mu.Unlock()
		h.action("ok")
		h.finish(response(h.pending.details(), cat.ResultOK))
		return nil
	case ScreenMenu, ScreenSelect:
		defer h.mu.Unlock()
		return h.selectItem0(sc.Items[sc.Cursor].ID, false)
	case ScreenInput:
		h.mu.Unlock()
		return h.Enter(sc.Input.Default)
	}
	h.mu.Unlock()
	return fmt.Errorf("%w: OK on the %s screen", ErrNotHere, sc.Kind)
}

// Back asks for the previous screen: result 11 (TS 102 223 8.12).
func (h *Handset) Back() error { return h.leave(cat.ResultBackwardMove, "back") }

// Cancel is the End key: the user ends the session, result 10.
func (h *Handset) Cancel() error { return h.leave(cat.ResultSessionTerminatedByUser, "cancel") }

func (h *Handset) leave(g cat.GeneralResult, word string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.ready(); err != nil {
		return err
	}
	if h.pending == nil {
		return fmt.Errorf("%w: %s on the %s screen", ErrNotHere, word, h.screen.Kind)
	}
	h.action("%s", word)
	if h.screen.Kind == ScreenConfirm && g == cat.ResultBackwardMove {
		g = cat.ResultUserDidNotAccept
	}
	h.finish(response(h.pending.details(), g))
	return nil
}

// Wait lets the screen's timeout run out on the handset's clock: result 12 "no response from
// user", or 00 for a DISPLAY TEXT that clears itself. On the idle screen it waits d and fires
// the timers that run out (TIMER EXPIRATION, TS 102 223 7.4).
func (h *Handset) Wait(d time.Duration) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.ready(); err != nil {
		return err
	}
	if h.pending == nil {
		h.action("wait %v", d)
		h.advance(d)
		h.show()
		return nil
	}
	t := h.pending.timeout
	if t == 0 {
		return fmt.Errorf("handset: the %s handset has no timeout on %s; it waits for ever", h.prof.Name, h.screen.Command)
	}
	h.action("wait %v (timeout)", t)
	h.elapsed += t
	h.finish(response(h.pending.details(), h.pending.expiry))
	return nil
}

// Move moves the highlight of a menu by delta items, wrapping.
func (h *Handset) Move(delta int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.screen.Items); n > 0 {
		h.screen.Cursor = ((h.screen.Cursor+delta)%n + n) % n
	}
}

// advance moves the clock and sends TIMER EXPIRATION for the timers that run out, in order
// of identifier.
func (h *Handset) advance(d time.Duration) {
	h.elapsed += d
	for id := uint8(1); id <= 8; id++ {
		t, ok := h.timers[id]
		if !ok || h.Now().Sub(t.start) < t.value || h.pending != nil {
			continue
		}
		delete(h.timers, id)
		env, err := (&cat.TimerExpiration{Devices: cat.DeviceIdentities{Source: cat.DeviceTerminal, Destination: cat.DeviceUICC},
			Timer: cat.TimerIdentifier{Identifier: id}, Value: *timerValue(t.value)}).Marshal()
		if err != nil {
			continue
		}
		_, sw := h.envelope(env)
		h.pump(sw)
	}
}
