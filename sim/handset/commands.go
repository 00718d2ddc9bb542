package handset

import (
	"fmt"
	"time"

	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/text"
)

// handler performs a proactive command: it answers at once (the status word of its TERMINAL
// RESPONSE) or, for a command that needs the user, sets h.pending and returns 90 00.
type handler func(h *Handset, p *pending) uint16

// handlers maps command types to what the handset does (a table, miekg/dns style).
var handlers = map[cat.CommandType]handler{
	cat.TypeDisplayText:             (*Handset).displayText,
	cat.TypeGetInkey:                (*Handset).getInkey,
	cat.TypeGetInput:                (*Handset).getInput,
	cat.TypeSelectItem:              (*Handset).selectItem,
	cat.TypeSetUpMenu:               (*Handset).setUpMenu,
	cat.TypeSendShortMessage:        (*Handset).sendShortMessage,
	cat.TypeSendUSSD:                (*Handset).sendUSSD,
	cat.TypeSendSS:                  (*Handset).sendSS,
	cat.TypeSetUpCall:               (*Handset).setUpCall,
	cat.TypeLaunchBrowser:           (*Handset).launchBrowser,
	cat.TypeProvideLocalInformation: (*Handset).provideLocalInformation,
	cat.TypeTimerManagement:         (*Handset).timerManagement,
	cat.TypePlayTone:                (*Handset).done,
	cat.TypeRefresh:                 (*Handset).done,
	cat.TypeMoreTime:                (*Handset).done,
	cat.TypePollingOff:              (*Handset).done,
	cat.TypePollInterval:            (*Handset).pollInterval,
	cat.TypeSetUpEventList:          (*Handset).setUpEventList,
	cat.TypeSetUpIdleModeText:       (*Handset).setUpIdleModeText,
	cat.TypeLanguageNotification:    (*Handset).done,
}

// rawDetails reads the command details of a command the codec refused, so the answer can
// still echo them (TS 102 223 6.8): D0 L 81|01 03 number type qualifier.
func rawDetails(raw []byte) cat.CommandDetails {
	i := 2
	if len(raw) > 1 && raw[1] == 0x81 {
		i = 3
	}
	if len(raw) >= i+5 && raw[i]&0x7F == 0x01 && raw[i+1] == 0x03 {
		return cat.CommandDetails{Number: raw[i+2], Type: cat.CommandType(raw[i+3]), Qualifier: raw[i+4]}
	}
	return cat.CommandDetails{}
}

func response(d cat.CommandDetails, g cat.GeneralResult, add ...byte) *cat.TerminalResponse {
	return &cat.TerminalResponse{Details: d, Result: cat.Result{General: g, Additional: add}}
}

func (p *pending) details() cat.CommandDetails {
	hd := p.cmd.Header()
	return cat.CommandDetails{Number: hd.Number, Type: p.cmd.Type(), Qualifier: hd.Qualifier}
}

// proactive handles one fetched command and returns the status word that follows it.
func (h *Handset) proactive(raw []byte) uint16 {
	c, err := cat.UnmarshalCommand(raw)
	if err != nil {
		// 32: the terminal could not read the command's data (TS 102 223 8.12.32)
		d := rawDetails(raw)
		h.note(EventNote, fmt.Sprintf("command not understood: %v -> 32", err))
		return h.respond(response(d, cat.ResultDataNotUnderstood))
	}
	p := &pending{raw: raw, cmd: c, expiry: cat.ResultNoResponseFromUser, timeout: h.prof.MenuTimeout}
	hd := c.Header()
	name := c.Type().String()
	if name == "" {
		name = fmt.Sprintf("command type %02X", byte(c.Type()))
	}
	fn := handlers[c.Type()]
	if !h.prof.TerminalProfile.Supports(byte(c.Type()), hd.Qualifier) || fn == nil {
		// 30: what the TERMINAL PROFILE does not claim (TS 102 223 5.2, 8.12.30)
		h.note(EventNote, fmt.Sprintf("%s (qualifier %02X) is beyond this %s handset -> 30", name, hd.Qualifier, h.prof.Name))
		return h.respond(response(p.details(), cat.ResultBeyondTerminalCapability))
	}
	return fn(h, p)
}

// answer sends the response to a command done without the user.
func (h *Handset) answer(p *pending, tr *cat.TerminalResponse) uint16 {
	if p.icon && tr.Result.General == cat.ResultOK {
		tr.Result.General = cat.ResultIconNotDisplayed
	}
	return h.respond(tr)
}

func (h *Handset) done(p *pending) uint16 {
	return h.answer(p, response(p.details(), cat.ResultOK))
}

// wait makes p the command on screen.
func (h *Handset) wait(p *pending, s *Screen) uint16 {
	h.pending, h.screen = p, s
	return card.SWOK
}

func durationOf(d *cat.Duration) time.Duration {
	if d == nil {
		return 0
	}
	unit := time.Minute
	switch d.Unit {
	case cat.Seconds:
		unit = time.Second
	case cat.TenthsSeconds:
		unit = 100 * time.Millisecond
	}
	return time.Duration(d.Interval) * unit
}

// displayText (TS 102 223 6.4.1): the text stays until the user clears it, or, without "wait
// for user", until a delay passes (result 00). Text longer than the screen wraps and scrolls.
func (h *Handset) displayText(p *pending) uint16 {
	c := p.cmd.(*cat.DisplayText)
	p.icon = c.Icon != nil
	s := &Screen{Kind: ScreenText, Command: "DISPLAY TEXT", Text: textOf(&c.Text), Icons: iconNote(c.Icon),
		Softkeys: []string{"OK", "Back"}}
	if c.HighPriority() {
		s.Flags = append(s.Flags, "high priority")
	}
	if c.WaitForUser() {
		s.Flags = append(s.Flags, "wait for user")
	} else {
		p.expiry = cat.ResultOK
	}
	if d := durationOf(c.Duration); d > 0 {
		p.timeout = d
	}
	if c.ImmediateResponse {
		// answered at once; the text stays on the idle screen until the next command
		s.Flags = append(s.Flags, "immediate response")
		h.events = append(h.events, Event{Kind: EventScreen, Screen: s.Render(h.prof)})
		return h.answer(p, response(p.details(), cat.ResultOK))
	}
	return h.wait(p, s)
}

func inputField(q byte, digitsBit, ucs2Bit byte) *InputField {
	return &InputField{Digits: q&digitsBit == 0, UCS2: q&ucs2Bit != 0}
}

// getInkey (6.4.2): one key, or yes/no.
func (h *Handset) getInkey(p *pending) uint16 {
	c := p.cmd.(*cat.GetInkey)
	p.icon = c.Icon != nil
	in := inputField(c.Qualifier, cat.GetInkeyAlphabet, cat.GetInkeyUCS2)
	in.YesNo = c.YesNo()
	s := &Screen{Kind: ScreenInkey, Command: "GET INKEY", Text: textOf(&c.Text), Input: in, Icons: iconNote(c.Icon),
		Help: c.Qualifier&cat.GetInkeyHelp != 0}
	if in.YesNo {
		s.Softkeys = []string{"Yes", "No", "Back"}
	} else {
		s.Softkeys = []string{"OK", "Back"}
	}
	if s.Help {
		s.Softkeys = append(s.Softkeys, "Help")
	}
	if d := durationOf(c.Duration); d > 0 {
		p.timeout = d
	}
	return h.wait(p, s)
}

// getInput (6.4.3). The field takes at most what the keypad takes (the profile's input
// limit); a command whose minimum is above that limit, or that asks for UCS2 entry from a
// keypad without it, is beyond the handset (30).
func (h *Handset) getInput(p *pending) uint16 {
	c := p.cmd.(*cat.GetInput)
	p.icon = c.Icon != nil
	in := inputField(c.Qualifier, cat.GetInputAlphabet, cat.GetInputUCS2)
	in.Hidden = c.Hidden()
	in.Packed = c.Qualifier&cat.GetInputPacked != 0
	in.Min, in.Max = int(c.ResponseLength.Min), int(c.ResponseLength.Max)
	limit := h.prof.InputMaxGSM
	if in.UCS2 {
		limit = h.prof.InputMaxUCS2
	}
	if in.UCS2 && !h.prof.UCS2Entry || in.Min > limit || in.Min > in.Max {
		h.note(EventNote, fmt.Sprintf("GET INPUT %d-%d characters (UCS2 %v) is beyond this %s handset (limit %d) -> 30",
			in.Min, in.Max, in.UCS2, h.prof.Name, limit))
		return h.answer(p, response(p.details(), cat.ResultBeyondTerminalCapability))
	}
	in.Max = min(in.Max, limit)
	if c.Default != nil {
		in.Default = textOf(&c.Default.TextString)
	}
	s := &Screen{Kind: ScreenInput, Command: "GET INPUT", Text: textOf(&c.Text), Input: in, Icons: iconNote(c.Icon),
		Help: c.Qualifier&cat.GetInputHelp != 0, Softkeys: []string{"OK", "Back"}}
	if s.Help {
		s.Softkeys = append(s.Softkeys, "Help")
	}
	return h.wait(p, s)
}

func (h *Handset) items(its []cat.Item, next *cat.ItemsNextActionIndicator, icons *cat.ItemIconIdentifierList) []Item {
	var out []Item
	for i, it := range its {
		if it.Empty {
			continue
		}
		x := Item{ID: it.Identifier, Full: it.Text, Text: cut(it.Text, h.prof.MenuWidth)}
		if next != nil && i < len(next.Actions) {
			if n := next.Actions[i].String(); n != "" {
				x.Next = n
			} else {
				x.Next = fmt.Sprintf("%02X", byte(next.Actions[i]))
			}
		}
		if icons != nil && i < len(icons.Records) {
			x.Icon = fmt.Sprintf("icon %d", icons.Records[i])
		}
		out = append(out, x)
	}
	return out
}

// selectItem (6.4.9).
func (h *Handset) selectItem(p *pending) uint16 {
	c := p.cmd.(*cat.SelectItem)
	p.icon = c.Icon != nil || c.ItemIcons != nil
	s := &Screen{Kind: ScreenSelect, Command: "SELECT ITEM", Items: h.items(c.Items, c.NextActions, c.ItemIcons),
		Icons: iconNote(c.Icon), Help: c.Help(), Softkeys: []string{"OK", "Back"}}
	if c.Alpha != nil {
		s.Title = cut(c.Alpha.Text, h.prof.MenuWidth)
	}
	if c.DefaultItem != nil {
		s.Default = c.DefaultItem.Identifier
		for i, it := range s.Items {
			if it.ID == s.Default {
				s.Cursor = i
			}
		}
	}
	if s.Help {
		s.Softkeys = append(s.Softkeys, "Help")
	}
	if len(s.Items) == 0 {
		// 32: a SELECT ITEM without items cannot be shown (6.6.8 requires at least one)
		return h.answer(p, response(p.details(), cat.ResultDataNotUnderstood))
	}
	return h.wait(p, s)
}

// setUpMenu (6.4.8): the menu replaces the last one; a null alpha... with one empty item
// removes it.
func (h *Handset) setUpMenu(p *pending) uint16 {
	c := p.cmd.(*cat.SetUpMenu)
	p.icon = c.Icon != nil || c.ItemIcons != nil
	its := h.items(c.Items, c.NextActions, c.ItemIcons)
	if len(its) == 0 {
		h.menu = nil
		h.note(EventNote, "SET UP MENU removes the menu")
		return h.answer(p, response(p.details(), cat.ResultOK))
	}
	h.menu = &Screen{Kind: ScreenMenu, Command: "SET UP MENU", Title: cut(c.Alpha.Text, h.prof.MenuWidth), Items: its,
		Icons: iconNote(c.Icon), Help: c.Help(), Softkeys: []string{"OK"}}
	if h.menu.Help {
		h.menu.Softkeys = append(h.menu.Softkeys, "Help")
	}
	return h.answer(p, response(p.details(), cat.ResultOK))
}

func (h *Handset) setUpIdleModeText(p *pending) uint16 {
	c := p.cmd.(*cat.SetUpIdleModeText)
	p.icon = c.Icon != nil
	h.idleText = textOf(&c.Text)
	return h.answer(p, response(p.details(), cat.ResultOK))
}

func (h *Handset) setUpEventList(p *pending) uint16 {
	h.eventSet = append([]cat.Event(nil), p.cmd.(*cat.SetUpEventList).Events.Events...)
	return h.answer(p, response(p.details(), cat.ResultOK))
}

func (h *Handset) pollInterval(p *pending) uint16 {
	d := p.cmd.(*cat.PollInterval).Interval
	tr := response(p.details(), cat.ResultOK)
	tr.Duration = &d // the handset takes the interval asked for (6.4.6)
	return h.answer(p, tr)
}

// sendSS (6.4.10): the network is not modelled for SS; the request is recorded and answered
// as performed.
func (h *Handset) sendSS(p *pending) uint16 {
	c := p.cmd.(*cat.SendSS)
	p.icon = c.Icon != nil
	h.note(EventNote, fmt.Sprintf("SS string %s sent", c.SSString.String))
	return h.answer(p, response(p.details(), cat.ResultOK))
}

// sendUSSD (6.4.11): the network's answer comes back in the text string of the response.
func (h *Handset) sendUSSD(p *pending) uint16 {
	c := p.cmd.(*cat.SendUSSD)
	p.icon = c.Icon != nil
	req := c.USSDString.Text
	ans, err := h.ussd(req)
	h.note(EventNote, fmt.Sprintf("USSD %q sent; network answers %q", req, ans))
	if err != nil {
		return h.answer(p, response(p.details(), cat.ResultUSSDReturnError, 0x00))
	}
	dcs, _, terr := text.ShortestText(ans)
	if terr != nil {
		dcs = 0x08
	}
	tr := response(p.details(), cat.ResultOK)
	tr.Text = &cat.TextString{DCS: dcs, Text: ans}
	return h.answer(p, tr)
}

// setUpCall (6.4.13) and launchBrowser (6.4.26) ask the user first, with the card's alpha
// identifier or the handset's own words.
func (h *Handset) setUpCall(p *pending) uint16 {
	c := p.cmd.(*cat.SetUpCall)
	p.icon = c.ConfirmationIcon != nil
	t := "Call " + c.Address.Number + "?"
	if c.ConfirmationAlpha != nil && c.ConfirmationAlpha.Text != "" {
		t = c.ConfirmationAlpha.Text
	}
	return h.wait(p, &Screen{Kind: ScreenConfirm, Command: "SET UP CALL", Text: t, Icons: iconNote(c.ConfirmationIcon),
		Input: &InputField{YesNo: true}, Softkeys: []string{"Yes", "No"}})
}

func (h *Handset) launchBrowser(p *pending) uint16 {
	c := p.cmd.(*cat.LaunchBrowser)
	p.icon = c.Icon != nil
	t := "Open " + c.URL.URL + "?"
	if c.URL.URL == "" {
		t = "Open the browser?"
	}
	if c.Alpha != nil && c.Alpha.Text != "" {
		t = c.Alpha.Text
	}
	return h.wait(p, &Screen{Kind: ScreenConfirm, Command: "LAUNCH BROWSER", Text: t, Icons: iconNote(c.Icon),
		Input: &InputField{YesNo: true}, Softkeys: []string{"Yes", "No"}})
}

// provideLocalInformation (6.4.15) from the handset's injected identity, place and clock.
func (h *Handset) provideLocalInformation(p *pending) uint16 {
	tr := response(p.details(), cat.ResultOK)
	switch q := p.cmd.Header().Qualifier; q {
	case cat.LocalInfoLocation:
		l := h.location
		tr.Location = &l
	case cat.LocalInfoIMEI:
		tr.IMEI = &cat.IMEI{Digits: h.imei, Type: 0x0A}
	case cat.LocalInfoDateTime:
		t := h.Now().UTC()
		tr.DateTime = &cat.DateTimeAndTimeZone{Year: uint8(t.Year() % 100), Month: uint8(t.Month()), Day: uint8(t.Day()),
			Hour: uint8(t.Hour()), Minute: uint8(t.Minute()), Second: uint8(t.Second()), TimeZone: 0x00}
	case cat.LocalInfoLanguage:
		tr.Language = &cat.Language{Code: h.language}
	case cat.LocalInfoAccessTechnology:
		tr.AccessTechnology = &cat.AccessTechnology{Technologies: []byte{h.prof.AccessTechnology}}
	case cat.LocalInfoIMEISV:
		if len(h.imei) != 15 {
			tr.Result.General = cat.ResultBeyondTerminalCapability
			break
		}
		// 8.74: the IMEISV as a TS 24.008 mobile identity (type 3, even: 16 digits), SVN 01
		sv := h.imei[:14] + "01"
		v := []byte{sv[0]&0x0F<<4 | 0x03}
		for i := 1; i+1 < len(sv); i += 2 {
			v = append(v, (sv[i+1]&0x0F)<<4|sv[i]&0x0F)
		}
		v = append(v, 0xF0|sv[15]&0x0F)
		tr.Extra = []cat.Element{{Tag: cat.TagIMEISV, CR: true, Value: v}}
	case cat.LocalInfoTimingAdvance:
		// 8.46: ME status idle (00), timing advance 0
		tr.Extra = []cat.Element{{Tag: cat.TagTimingAdvance, CR: true, Value: []byte{0x00, 0x00}}}
	case cat.LocalInfoBattery:
		// 8.76: 04 = battery full
		tr.Extra = []cat.Element{{Tag: cat.TagBatteryState, CR: true, Value: []byte{0x04}}}
	default:
		h.note(EventNote, fmt.Sprintf("PROVIDE LOCAL INFORMATION %02X is not modelled -> 30", q))
		tr.Result.General = cat.ResultBeyondTerminalCapability
	}
	return h.answer(p, tr)
}

// timerManagement (6.4.21) on the handset's clock; a timer runs out only when the clock moves
// (Wait), and then the handset sends TIMER EXPIRATION (7.4).
func (h *Handset) timerManagement(p *pending) uint16 {
	c := p.cmd.(*cat.TimerManagement)
	id := c.Timer.Identifier
	tr := response(p.details(), cat.ResultOK)
	tr.Timer = &cat.TimerIdentifier{Identifier: id}
	if id < 1 || id > 8 {
		return h.answer(p, response(p.details(), cat.ResultDataNotUnderstood))
	}
	switch c.Operation() {
	case cat.TimerStart:
		if c.Value == nil {
			return h.answer(p, response(p.details(), cat.ResultRequiredValuesMissing))
		}
		v := time.Duration(c.Value.Hours)*time.Hour + time.Duration(c.Value.Minutes)*time.Minute + time.Duration(c.Value.Seconds)*time.Second
		h.timers[id] = timer{start: h.Now(), value: v}
	case cat.TimerDeactivate, cat.TimerGetValue:
		t, ok := h.timers[id]
		if !ok {
			return h.answer(p, response(p.details(), cat.ResultTimerStateContradiction))
		}
		left := max(t.value-h.Now().Sub(t.start), 0)
		tr.TimerValue = timerValue(left)
		if c.Operation() == cat.TimerDeactivate {
			delete(h.timers, id)
		}
	default:
		return h.answer(p, response(p.details(), cat.ResultDataNotUnderstood))
	}
	return h.answer(p, tr)
}

func timerValue(d time.Duration) *cat.TimerValue {
	s := int(d / time.Second)
	return &cat.TimerValue{Hours: uint8(min(s/3600, 99)), Minutes: uint8(s / 60 % 60), Seconds: uint8(s % 60)}
}
