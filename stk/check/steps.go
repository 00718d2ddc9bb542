package check

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/stkforge/stkforge/stk/spec"
)

// block builds the steps of a flow. A step after one that always ends the flow (end, goto, an
// if whose branches both end) is reported as unreachable.
func (c *checker) block(src []*spec.Action, what string) *Block {
	b := &Block{}
	ended := false
	for i, a := range src {
		if ended {
			c.errorf(a.Pos, "unreachable-action", "%s: this %s can never run: the flow has already ended or left the menu", what, a.Kind)
			ended = false // one report per flow
		}
		s := c.step(a, fmt.Sprintf("%s step %d", what, i+1))
		if s == nil {
			continue
		}
		b.Steps = append(b.Steps, s)
		if terminates(s) {
			ended = true
		}
	}
	return b
}

// terminates reports whether a step never hands over to the next one.
func terminates(s Step) bool {
	switch v := s.(type) {
	case *End, *Goto:
		return true
	case *If:
		return blockTerminates(v.Then) && blockTerminates(v.Else)
	}
	return false
}

func blockTerminates(b *Block) bool {
	if b == nil {
		return false
	}
	for _, s := range b.Steps {
		if terminates(s) {
			return true
		}
	}
	return false
}

// outcomes lists which outcomes each action can have.
var outcomes = map[spec.ActionKind][]Outcome{
	spec.ActDisplay:   {OutCancelled, OutBack, OutTimeout},
	spec.ActInput:     {OutCancelled, OutBack, OutTimeout},
	spec.ActConfirm:   {OutNo, OutCancelled, OutBack, OutTimeout},
	spec.ActSelect:    {OutCancelled, OutBack, OutTimeout},
	spec.ActSendSMS:   {OutFailed},
	spec.ActSendUSSD:  {OutCancelled, OutFailed},
	spec.ActCall:      {OutDeclined, OutCancelled, OutFailed},
	spec.ActBrowser:   {OutDeclined, OutFailed},
	spec.ActLocalInfo: {OutFailed},
	spec.ActVerifyPIN: {OutWrong, OutBlocked},
}

func (c *checker) handlers(a *spec.Action, what string) []*Handler {
	var out []*Handler
	allowed := outcomes[a.Kind]
	for _, h := range a.On {
		o := Outcome(h.Outcome.Value)
		ok := false
		for _, x := range allowed {
			ok = ok || x == o
		}
		if o == OutNo && a.Kind == spec.ActConfirm && a.Into.Set {
			c.errorf(h.Outcome.Pos, "bad-outcome", "%s: \"no\" is stored in %q, so it is not an outcome here; branch with `if: not %s`", what, a.Into.Value, a.Into.Value)
			continue
		}
		if !ok {
			var names []string
			for _, x := range allowed {
				names = append(names, string(x))
			}
			list := strings.Join(names, ", ")
			if list == "" {
				list = "none"
			}
			c.errorf(h.Outcome.Pos, "bad-outcome", "%s: a %s cannot end with %q (its outcomes: %s)", what, a.Kind, o, list)
			continue
		}
		out = append(out, &Handler{Outcome: o, Pos: h.Outcome.Pos, Flow: c.block(h.Do, fmt.Sprintf("%s on %s", what, o))})
	}
	return out
}

func (c *checker) requireKey(set bool, pos spec.Pos, what, key, hint string) bool {
	if !set {
		c.errorf(pos, "missing-key", "%s: missing %q%s", what, key, hint)
	}
	return set
}

// step builds one action.
func (c *checker) step(a *spec.Action, what string) Step {
	what = what + " (" + string(a.Kind) + ")"
	base := Base{Pos: a.Pos}
	base.On = c.handlers(a, what)
	addUses := func(u []Use) { base.Uses = append(base.Uses, u...) }
	into := func() *Var {
		if !a.Into.Set {
			return nil
		}
		v := c.vars[a.Into.Value]
		if v != nil {
			base.Defs = append(base.Defs, v)
		}
		return v
	}
	cmd := func(typ, qual, dest byte) *Command {
		cm := &Command{Type: typ, Qualifier: qual, Dest: dest}
		c.use(*cm, a.Pos)
		return cm
	}
	switch a.Kind {
	case spec.ActDisplay:
		s := &Display{Icon: c.icon(a.Icon, what)}
		if c.requireKey(a.Text != nil, a.Pos, what, "text", "") {
			var u []Use
			s.Text, u = c.text(a.Text, CtxTextString, what+" text", true)
			addUses(u)
			c.nonEmpty(s.Text, a.Text.Pos, what+" text")
		}
		var q byte
		if a.HighPriority.Value {
			q |= 0x01
		}
		wait := !a.Timeout.Set // without a timeout the text stays until the user clears it
		if a.WaitForKey.Set {
			wait = a.WaitForKey.Value
		}
		if wait {
			q |= 0x80 // wait for the user to clear the message (8.6)
		}
		s.Duration = c.duration(a.Timeout, what, true)
		if s.Duration != nil {
			c.needCap("display_text_variable_timeout", "a DISPLAY TEXT with a timeout", a.Timeout.Pos)
		}
		base.Cmd = cmd(CmdDisplayText, q, DevDisplay)
		base.MaxCommand = commandLen(textTLV(s.Text) + iconTLV(s.Icon) + durationTLV(s.Duration))
		c.checkSize(base.MaxCommand, a.Pos, what, CmdDisplayText)
		c.ucs2(s.Text, a.Pos)
		s.Base = base
		return s
	case spec.ActInput:
		s := &Input{Icon: c.icon(a.Icon, what), Hidden: a.Hidden.Value}
		c.requireKey(a.Into.Set, a.Pos, what, "into", " (the variable that receives the answer)")
		if c.requireKey(a.Text != nil, a.Pos, what, "prompt", "") {
			var u []Use
			s.Prompt, u = c.text(a.Text, CtxTextString, what+" prompt", true)
			addUses(u)
			c.nonEmpty(s.Prompt, a.Text.Pos, what+" prompt")
		}
		switch a.InputKind.Value {
		case "digits":
			s.Digits = true
		case "text":
		case "":
			c.errorf(a.Pos, "missing-key", "%s: missing \"kind\" (digits or text)", what)
		default:
			c.errorf(a.InputKind.Pos, "bad-value", "%s: kind %q; want digits or text%s", what, a.InputKind.Value, spec.DidYouMean(a.InputKind.Value, []string{"digits", "text"}))
		}
		switch a.Alphabet.Value {
		case "", "gsm":
		case "ucs2":
			if s.Digits {
				c.errorf(a.Alphabet.Pos, "bad-value", "%s: alphabet applies to text input; digits are always GSM", what)
			}
			s.UCS2 = !s.Digits
		default:
			c.errorf(a.Alphabet.Pos, "bad-value", "%s: alphabet %q; want gsm or ucs2", what, a.Alphabet.Value)
		}
		if s.Hidden && !s.Digits {
			c.errorf(a.Hidden.Pos, "bad-value", "%s: hidden entry is only available for digits (TS 102 223 6.4.3)", what)
		}
		s.Min, s.Max = a.Min.Value, a.Max.Value
		if c.requireKey(a.Max.Set, a.Pos, what, "max", " (the longest answer, in characters)") {
			switch {
			case s.Max < 1 || s.Max > 255:
				c.errorf(a.Max.Pos, "bad-value", "%s: max %d; want 1 to 255 (Response length, TS 102 223 8.11)", what, s.Max)
			case s.Min < 0 || s.Min > s.Max:
				c.errorf(a.Min.Pos, "bad-value", "%s: min %d; want 0 to max (%d)", what, s.Min, s.Max)
			}
			for _, h := range c.p.Handsets {
				limit, alpha := h.InputMaxGSM, "GSM"
				if s.UCS2 {
					limit, alpha = h.InputMaxUCS2, "UCS2"
				}
				if s.Max > limit && s.Max <= 255 {
					c.errorf(a.Max.Pos, "input-too-long", "%s: max %d characters; handset %s takes at most %d %s characters in GET INPUT", what, s.Max, h.Name, limit, alpha)
				}
			}
		}
		if a.Default != nil {
			var u []Use
			s.Default, u = c.text(a.Default, CtxTextString, what+" default", true)
			addUses(u)
			c.checkDefault(s, a.Default, what)
		}
		if s.Hidden && s.Default != nil {
			c.errorf(a.Default.Pos, "pin-leak", "%s: a hidden entry cannot have a default text", what)
		}
		var q byte
		if !s.Digits {
			q |= 0x01
		}
		if s.UCS2 {
			q |= 0x02
			c.needCap("ucs2_entry", "UCS2 text entry", a.Alphabet.Pos)
		}
		if s.Hidden {
			q |= 0x04
		}
		base.Cmd = cmd(CmdGetInput, q, DevTerminal)
		s.Into = into()
		base.MaxCommand = commandLen(textTLV(s.Prompt) + tlvLen(2) + textTLV(s.Default) + iconTLV(s.Icon))
		c.checkSize(base.MaxCommand, a.Pos, what, CmdGetInput)
		c.ucs2(s.Prompt, a.Pos)
		s.Base = base
		return s
	case spec.ActConfirm:
		s := &Confirm{Icon: c.icon(a.Icon, what)}
		if c.requireKey(a.Text != nil, a.Pos, what, "prompt", "") {
			var u []Use
			s.Prompt, u = c.text(a.Text, CtxTextString, what+" prompt", true)
			addUses(u)
			c.nonEmpty(s.Prompt, a.Text.Pos, what+" prompt")
		}
		s.Duration = c.duration(a.Timeout, what, true)
		if s.Duration != nil {
			c.needCap("get_inkey_variable_timeout", "a GET INKEY with a timeout", a.Timeout.Pos)
		}
		base.Cmd = cmd(CmdGetInkey, 0x04, DevTerminal) // yes/no (8.6)
		s.Into = into()
		base.Confirms = s.Into == nil
		base.MaxCommand = commandLen(textTLV(s.Prompt) + iconTLV(s.Icon) + durationTLV(s.Duration))
		c.checkSize(base.MaxCommand, a.Pos, what, CmdGetInkey)
		c.ucs2(s.Prompt, a.Pos)
		s.Base = base
		return s
	case spec.ActSelect:
		s := &Select{Icon: c.icon(a.Icon, what)}
		c.requireKey(a.Into.Set, a.Pos, what, "into", " (the variable that receives the chosen id)")
		if a.Text != nil {
			s.Title, _ = c.text(a.Text, CtxAlpha, what+" title", false)
		}
		s.Items = c.items(a.Items, what, false)
		if len(s.Items) == 0 {
			c.errorf(a.Pos, "empty-menu", "%s has no items", what)
		}
		if len(s.Items) > c.p.Card.MaxSelectItems {
			c.errorf(a.Pos, "too-many-items", "%s has %d items; card profile %s keeps at most %d in a SELECT ITEM", what, len(s.Items), c.p.Card.Name, c.p.Card.MaxSelectItems)
		}
		if a.DefaultItem.Set {
			s.Default = findItem(s.Items, a.DefaultItem.Value)
			if s.Default == nil {
				c.errorf(a.DefaultItem.Pos, "undefined-item", "%s: default item %q is not one of its items%s", what, a.DefaultItem.Value, spec.DidYouMean(a.DefaultItem.Value, itemNames(s.Items)))
			}
		}
		base.Cmd = cmd(CmdSelectItem, 0x00, DevTerminal)
		s.Into = into()
		base.MaxCommand = c.menuSize(s.Title, s.Icon, s.Items, s.Default != nil)
		c.checkSize(base.MaxCommand, a.Pos, what, CmdSelectItem)
		s.Base = base
		return s
	case spec.ActTone:
		s := &Tone{Icon: c.icon(a.Icon, what)}
		if c.requireKey(a.Tone.Set, a.Pos, what, "tone", "") {
			t, ok := tones[a.Tone.Value]
			if !ok {
				c.errorf(a.Tone.Pos, "bad-value", "%s: tone %q is not one of %s%s", what, a.Tone.Value, strings.Join(toneNames, ", "), spec.DidYouMean(a.Tone.Value, toneNames))
			}
			s.Tone = t
		}
		if a.Alpha != nil {
			var u []Use
			s.Alpha, u = c.text(a.Alpha, CtxAlpha, what+" alpha", true)
			addUses(u)
		}
		s.Duration = c.duration(a.Duration, what, false)
		var q byte
		if a.Vibrate.Value {
			q = 0x01
		}
		base.Cmd = cmd(CmdPlayTone, q, DevEarpiece)
		base.MaxCommand = commandLen(alphaTLV(s.Alpha) + tlvLen(1) + durationTLV(s.Duration) + iconTLV(s.Icon))
		s.Base = base
		return s
	case spec.ActSendSMS:
		return c.sendSMS(a, base, what)
	case spec.ActSendUSSD:
		s := &SendUSSD{Icon: c.icon(a.Icon, what), Silent: strings.TrimSpace(a.Silent.Value)}
		if a.Alpha != nil {
			var u []Use
			s.Alpha, u = c.text(a.Alpha, CtxAlpha, what+" alpha", true)
			addUses(u)
		}
		if c.requireKey(a.String != nil, a.Pos, what, "string", " (the USSD string, e.g. \"*100#\")") {
			var u []Use
			s.String, u = c.text(&spec.Text{Pos: a.String.Pos, Plain: a.String}, CtxUSSD, what+" string", true)
			addUses(u)
			if s.String != nil && s.String.Langs[0].Chars > 182 {
				c.errorf(a.String.Pos, "text-too-long", "%s: the USSD string can be %d characters; USSD takes at most 182 (TS 22.090)", what, s.String.Langs[0].Chars)
			}
			c.manifest("ussd", a.String.Source, a.String.Pos, what)
		}
		base.Cmd = cmd(CmdSendUSSD, 0x00, DevNetwork)
		base.MaxCommand = commandLen(alphaTLV(s.Alpha) + textTLV(s.String) + iconTLV(s.Icon))
		c.checkSize(base.MaxCommand, a.Pos, what, CmdSendUSSD)
		c.silentAlpha(a, s.Alpha, what, false)
		s.Base = base
		return s
	case spec.ActCall:
		s := &Call{Icon: c.icon(a.Icon, what), To: a.To.Value, Silent: strings.TrimSpace(a.Silent.Value)}
		if a.Alpha != nil {
			var u []Use
			s.Alpha, u = c.text(a.Alpha, CtxAlpha, what+" alpha", true)
			addUses(u)
		}
		if c.requireKey(a.To.Set, a.Pos, what, "to", " (the number to call)") {
			c.number(a.To, what, true)
			c.manifest("call", a.To.Value, a.To.Pos, what)
		}
		var q byte
		switch a.Mode.Value {
		case "", "if_idle":
		case "hold":
			q = 0x02
		case "disconnect":
			q = 0x04
		default:
			c.errorf(a.Mode.Pos, "bad-value", "%s: mode %q; want if_idle, hold or disconnect (TS 102 223 8.6)", what, a.Mode.Value)
		}
		if a.Redial.Value {
			q |= 0x01
		}
		base.Cmd = cmd(CmdSetUpCall, q, DevNetwork)
		base.MaxCommand = commandLen(alphaTLV(s.Alpha) + tlvLen(addressLen(s.To)) + iconTLV(s.Icon))
		c.checkSize(base.MaxCommand, a.Pos, what, CmdSetUpCall)
		c.silentAlpha(a, s.Alpha, what, true)
		s.Base = base
		return s
	case spec.ActBrowser:
		s := &Browser{Icon: c.icon(a.Icon, what), URL: a.URL.Value, Silent: strings.TrimSpace(a.Silent.Value)}
		if a.Alpha != nil {
			var u []Use
			s.Alpha, u = c.text(a.Alpha, CtxAlpha, what+" alpha", true)
			addUses(u)
		}
		if c.requireKey(a.URL.Set, a.Pos, what, "url", "") {
			if !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") {
				c.errorf(a.URL.Pos, "bad-value", "%s: url %q; want an http:// or https:// address", what, s.URL)
			}
			c.manifest("browser", s.URL, a.URL.Pos, what)
		}
		var q byte
		switch a.Mode.Value {
		case "", "launch":
		case "existing":
			q = 0x02
		case "restart":
			q = 0x03
		default:
			c.errorf(a.Mode.Pos, "bad-value", "%s: mode %q; want launch, existing or restart (TS 102 223 8.6)", what, a.Mode.Value)
		}
		base.Cmd = cmd(CmdLaunchBrowser, q, DevTerminal)
		base.MaxCommand = commandLen(alphaTLV(s.Alpha) + tlvLen(len(s.URL)) + iconTLV(s.Icon))
		c.checkSize(base.MaxCommand, a.Pos, what, CmdLaunchBrowser)
		c.silentAlpha(a, s.Alpha, what, true)
		s.Base = base
		return s
	case spec.ActLocalInfo:
		s := &LocalInfo{What: a.What.Value}
		c.requireKey(a.Into.Set, a.Pos, what, "into", "")
		var q byte
		if c.requireKey(a.What.Set, a.Pos, what, "what", "") {
			li, ok := localInfo[s.What]
			if !ok {
				c.errorf(a.What.Pos, "bad-value", "%s: %q is not a kind of local information (%s)%s", what, s.What, strings.Join(localInfoNames(), ", "), spec.DidYouMean(s.What, localInfoNames()))
			}
			q = li.qual
			c.manifest("local_info", s.What, a.What.Pos, what)
		}
		base.Cmd = cmd(CmdProvideLocalInfo, q, DevTerminal)
		s.Into = into()
		base.MaxCommand = commandLen(0)
		s.Base = base
		return s
	case spec.ActEnd:
		return &End{Base: base}
	case spec.ActGoto:
		s := &Goto{}
		if !a.Target.Set {
			// the parser reported the missing name
		} else if m, ok := c.menus[a.Target.Value]; ok {
			s.Menu = m
		} else {
			c.errorf(a.Target.Pos, "undefined-menu", "%s: no menu %q%s", what, a.Target.Value, spec.DidYouMean(a.Target.Value, c.menuNames()))
		}
		s.Base = base
		return s
	case spec.ActIf:
		s := &If{}
		s.Cond, base.Uses = c.cond(a.Cond, what)
		s.Then = c.block(a.Then, what+" then")
		s.Else = c.block(a.Else, what+" else")
		s.Base = base
		return s
	case spec.ActVerifyPIN:
		s := &VerifyPIN{}
		if c.requireKey(a.PIN.Set, a.Pos, what, "pin", " (the variable holding the PIN typed by the user)") {
			if v := c.lookupVar(a.PIN.Value, a.PIN.Pos); v != nil {
				s.PIN = v
				base.Uses = append(base.Uses, Use{Var: v, Pos: a.PIN.Pos})
				if !v.Hidden || v.Type != TypeDigits {
					c.errorf(a.PIN.Pos, "pin-not-hidden", "%s: %q must come from an input with kind: digits and hidden: true, so the PIN never shows on screen", what, v.Name)
				} else if v.MaxLen > 8 {
					c.errorf(a.PIN.Pos, "bad-value", "%s: %q can be %d digits; a PIN has 4 to 8 (TS 102 221 clause 9)", what, v.Name, v.MaxLen)
				}
			}
		}
		if a.TriesInto.Set {
			s.Tries = c.vars[a.TriesInto.Value]
			if s.Tries != nil {
				base.Defs = append(base.Defs, s.Tries)
			}
		}
		s.Base = base
		return s
	case spec.ActSign:
		s := &Sign{}
		c.requireKey(a.Into.Set, a.Pos, what, "into", " (the variable that receives the signature)")
		if c.requireKey(a.Key.Set, a.Pos, what, "key", "") {
			s.Key = c.keys[a.Key.Value]
			if s.Key == nil {
				var names []string
				for n := range c.keys {
					names = append(names, n)
				}
				c.errorf(a.Key.Pos, "undefined-key", "%s: no key %q under \"keys\"%s", what, a.Key.Value, spec.DidYouMean(a.Key.Value, names))
			} else {
				c.signKeys = append(c.signKeys, s.Key)
			}
		}
		if len(a.Fields) == 0 {
			c.errorf(a.Pos, "missing-key", "%s: missing \"fields\" (the variables the signature covers)", what)
		}
		seen := map[string]bool{}
		for _, f := range a.Fields {
			if seen[f.Value] {
				c.errorf(f.Pos, "duplicate-id", "%s: field %q is listed twice", what, f.Value)
				continue
			}
			seen[f.Value] = true
			v := c.lookupVar(f.Value, f.Pos)
			if v == nil {
				continue
			}
			if v.Hidden {
				c.errorf(f.Pos, "pin-leak", "%s: %q is a hidden PIN entry and must not be signed or sent", what, v.Name)
				continue
			}
			s.Fields = append(s.Fields, v)
			base.Uses = append(base.Uses, Use{Var: v, Pos: f.Pos})
		}
		s.Into = into()
		s.Base = base
		return s
	case spec.ActCounter:
		s := &Counter{}
		c.requireKey(a.Into.Set, a.Pos, what, "into", "")
		s.Into = into()
		s.Base = base
		return s
	}
	return nil
}

// tones are the PLAY TONE tones (TS 102 223 8.16).
var tones = map[string]byte{
	"dial": 0x01, "busy": 0x02, "congestion": 0x03, "radio_ack": 0x04, "no_radio_path": 0x05,
	"error": 0x06, "call_waiting": 0x07, "ringing": 0x08, "beep": 0x10, "positive_ack": 0x11,
	"negative_ack": 0x12,
}

var toneNames = []string{"beep", "busy", "call_waiting", "congestion", "dial", "error", "negative_ack", "no_radio_path", "positive_ack", "radio_ack", "ringing"}

var durationRE = regexp.MustCompile(`^([0-9]+)(?:\.([0-9]))?(s|m)$`)

// duration reads "30s", "2m" or "1.5s" into a Duration object (TS 102 223 8.8), choosing the
// unit that codes it exactly: tenths for fractions, seconds up to 255 s, else minutes.
func (c *checker) duration(s spec.Str, what string, isTimeout bool) *Duration {
	if !s.Set {
		return nil
	}
	m := durationRE.FindStringSubmatch(strings.TrimSpace(s.Value))
	bad := func() *Duration {
		c.errorf(s.Pos, "bad-duration", "%s: duration %q; want e.g. \"30s\", \"1.5s\" or \"2m\": 0.1 s to 25.5 s in tenths, 1 to 255 s, or 1 to 255 minutes (TS 102 223 8.8)", what, s.Value)
		return nil
	}
	if m == nil {
		return bad()
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return bad()
	}
	var d Duration
	switch {
	case m[3] == "m" && m[2] != "":
		return bad()
	case m[3] == "m":
		d = Duration{Unit: 0, Interval: 0}
		if n < 1 || n > 255 {
			return bad()
		}
		d.Interval = byte(n)
	case m[2] != "":
		t := n*10 + int(m[2][0]-'0')
		if t < 1 || t > 255 {
			return bad()
		}
		d = Duration{Unit: 2, Interval: byte(t)}
	case n >= 1 && n <= 255:
		d = Duration{Unit: 1, Interval: byte(n)}
	case n > 255 && n%60 == 0 && n/60 <= 255:
		d = Duration{Unit: 0, Interval: byte(n / 60)}
	default:
		return bad()
	}
	if isTimeout {
		for _, h := range c.p.Handsets {
			if h.MenuTimeout > 0 && d.Seconds() > h.MenuTimeout {
				c.errorf(s.Pos, "handset-timeout", "%s: timeout %s is longer than handset %s waits (%d s); the handset answers \"no response from user\" first", what, s.Value, h.Name, h.MenuTimeout)
			}
		}
	}
	return &d
}

var numberRE = regexp.MustCompile(`^\+?[0-9*#]{1,20}$`)

// number checks a dialling number or SMS address: an optional +, then 1 to 20 digits, * or #
// (TS 23.040 9.1.2.5 allows 20 digits in an address).
func (c *checker) number(s spec.Str, what string, call bool) {
	v := strings.ReplaceAll(s.Value, " ", "")
	if !numberRE.MatchString(v) || (!call && strings.ContainsAny(v, "*#")) {
		c.errorf(s.Pos, "bad-number", "%s: %q is not a number: want an optional + and up to 20 digits", what, s.Value)
	}
}

// manifest checks that a sensitive action is declared, with this destination.
func (c *checker) manifest(kind, to string, pos spec.Pos, what string) {
	for _, g := range c.grants[kind] {
		if g.To == to {
			g.Used = true
			return
		}
	}
	var tos []string
	for _, g := range c.grants[kind] {
		tos = append(tos, g.To)
	}
	hint := ""
	if len(tos) > 0 {
		hint = fmt.Sprintf(" (declared: %s)", strings.Join(tos, ", "))
	}
	c.errorf(pos, "manifest-undeclared", "%s: %s to %q is not declared in the manifest; add it under manifest.%s with why the menu needs it%s", what, kind, to, kind, hint)
}

// silentAlpha checks a waiver's written reason. Whether the action is silent (no alpha and no
// confirm before it on some path) is decided by the flow analysis (checkSilent). For SET UP
// CALL and LAUNCH BROWSER the alpha identifier is itself the confirmation the terminal asks
// for (TS 102 223 6.4.13, 6.4.26).
func (c *checker) silentAlpha(a *spec.Action, alpha *Text, what string, confirms bool) {
	if a.Silent.Set && len([]rune(strings.TrimSpace(a.Silent.Value))) < minReason {
		c.errorf(a.Silent.Pos, "waiver-reason", "%s: silent needs a written reason of at least %d characters", what, minReason)
	}
}

// checkDefault checks a GET INPUT default text against the input's kind and length.
func (c *checker) checkDefault(s *Input, t *spec.Text, what string) {
	if s.Default == nil {
		return
	}
	for _, l := range s.Default.Langs {
		if s.Default.IsTemplate() {
			continue
		}
		if s.Digits && strings.Trim(l.Source, "0123456789*#+") != "" {
			c.errorf(t.Pos, "type-mismatch", "%s: default %q is not digits, but the input takes digits", what, l.Source)
			return
		}
		if n := len([]rune(l.Source)); s.Max > 0 && n > s.Max {
			c.errorf(t.Pos, "text-too-long", "%s: default %q is %d characters, longer than max %d", what, l.Source, n, s.Max)
			return
		}
	}
}

// ucs2 records that a text shown on the handset may need UCS2 display.
func (c *checker) ucs2(t *Text, pos spec.Pos) {
	if t.usesUCS2() {
		c.needCap("ucs2_display", "a text in UCS2", pos)
	}
}

// sendSMS builds SEND SHORT MESSAGE: a text or 8-bit body, split into concatenated SMS when
// allowed (TS 23.040 9.2.3.24.1: a 6-octet UDH with an 8-bit reference).
func (c *checker) sendSMS(a *spec.Action, base Base, what string) Step {
	s := &SendSMS{Icon: c.icon(a.Icon, what), To: a.To.Value, SMSC: a.SMSC.Value, Silent: strings.TrimSpace(a.Silent.Value)}
	if a.Alpha != nil {
		var u []Use
		s.Alpha, u = c.text(a.Alpha, CtxAlpha, what+" alpha", true)
		base.Uses = append(base.Uses, u...)
	}
	if c.requireKey(a.To.Set, a.Pos, what, "to", " (the destination number)") {
		c.number(a.To, what, false)
		c.manifest("sms", a.To.Value, a.To.Pos, what)
	}
	if a.SMSC.Set {
		c.number(a.SMSC, what+" smsc", false)
	}
	var single, segment int // capacity of one SMS and of one segment, in Len units
	switch {
	case a.Text != nil && a.Body != nil:
		c.errorf(a.Body.Pos, "bad-value", "%s: give either text (a text message) or body (8-bit data), not both", what)
	case a.Text != nil:
		var u []Use
		s.Text, u = c.text(a.Text, CtxSMS, what+" text", true)
		base.Uses = append(base.Uses, u...)
	case a.Body != nil:
		var u []Use
		s.Body, u = c.text(&spec.Text{Pos: a.Body.Pos, Plain: a.Body}, CtxOctets, what+" body", true)
		base.Uses = append(base.Uses, u...)
	default:
		c.errorf(a.Pos, "missing-key", "%s: missing \"text\" or \"body\"", what)
	}
	msg := s.Text
	if msg == nil {
		msg = s.Body
	}
	octets := 0 // longest user data of one segment, in octets
	if msg != nil {
		for _, l := range msg.Langs {
			n := l.Len
			gsm := l.Coding == CodingPacked7
			if gsm {
				single, segment = 160, 153 // septets
			} else {
				single, segment = 140, 134 // octets (UCS2 or 8-bit)
			}
			segs := 1
			if n > single {
				segs = (n + segment - 1) / segment
			}
			s.MaxUserData = max(s.MaxUserData, n)
			s.Segments = max(s.Segments, segs)
			ud := n
			if segs > 1 {
				ud = segment
			}
			if gsm {
				ud = (ud*7 + 7) / 8
				if segs > 1 {
					ud = 140
				}
			} else if segs > 1 {
				ud = 140
			}
			octets = max(octets, ud)
		}
		if s.Segments > 1 && !a.Concatenate.Value {
			unit := "octets"
			if msg.Langs[0].Coding == CodingPacked7 {
				unit = "septets"
			}
			c.errorf(a.Pos, "sms-too-long", "%s: the message can be %d %s, more than one SMS holds (%d); set concatenate: true to send it as %d concatenated SMS", what, s.MaxUserData, unit, single, s.Segments)
		}
		if s.Segments > 255 {
			c.errorf(a.Pos, "sms-too-long", "%s: %d segments; concatenation counts at most 255 (TS 23.040 9.2.3.24.1)", what, s.Segments)
		}
	}
	if a.Concatenate.Value && s.Segments <= 1 && msg != nil {
		c.warnf(a.Concatenate.Pos, "concatenate-unneeded", "%s: the message always fits one SMS; concatenate: true is not needed", what)
	}
	// SMS-SUBMIT: first octet, TP-MR, TP-DA (length, TON/NPI, BCD), TP-PID, TP-DCS, TP-UDL, UD.
	tpdu := 1 + 1 + 1 + addressLen(s.To) + 1 + 1 + 1 + octets
	smsc := 0
	if s.SMSC != "" {
		smsc = tlvLen(addressLen(s.SMSC))
	}
	base.Cmd = &Command{Type: CmdSendShortMessage, Qualifier: 0x00, Dest: DevNetwork}
	c.use(*base.Cmd, a.Pos)
	base.MaxCommand = commandLen(alphaTLV(s.Alpha) + smsc + tlvLen(tpdu) + iconTLV(s.Icon))
	c.checkSize(base.MaxCommand, a.Pos, what, CmdSendShortMessage)
	c.silentAlpha(a, s.Alpha, what, false)
	s.Base = base
	return s
}

// cond resolves and type-checks a condition.
func (c *checker) cond(sc *spec.Cond, what string) (*Cond, []Use) {
	if sc == nil || sc.Left == nil {
		if sc != nil && sc.Source == "" && sc.Left == nil {
			c.errorf(sc.Pos, "missing-key", "%s: missing the condition", what)
		}
		return nil, nil
	}
	out := &Cond{Op: sc.Op, Lit: sc.Lit}
	var uses []Use
	l := c.lookupVar(sc.Left.Name, sc.Left.Pos)
	if l == nil {
		return nil, nil
	}
	out.Left = l
	uses = append(uses, Use{Var: l, Pos: sc.Left.Pos})
	if l.Hidden {
		c.errorf(sc.Left.Pos, "pin-leak", "%s: %q is a hidden PIN entry; check it with verify_pin, not if", what, l.Name)
		return out, uses
	}
	switch sc.Op {
	case spec.OpTruth, spec.OpNot:
		if l.Type != TypeBool {
			c.errorf(sc.Left.Pos, "type-mismatch", "%s: %q is %s, not a yes/no answer; compare it, e.g. %q", what, l.Name, l.describe(), l.Name+" == ...")
		}
		return out, uses
	}
	// A bare word on the right of a choice is one of its ids.
	if sc.Right != nil && l.Type == TypeChoice {
		if _, isVar := c.vars[sc.Right.Name]; !isVar {
			sc = &spec.Cond{Pos: sc.Pos, Left: sc.Left, Op: sc.Op, Lit: sc.Right.Name, LitKind: spec.LitString, RightPos: sc.Right.Pos}
			out.Lit = sc.Lit
		}
	}
	ordered := sc.Op == spec.OpLt || sc.Op == spec.OpLe || sc.Op == spec.OpGt || sc.Op == spec.OpGe
	if sc.Right != nil {
		r := c.lookupVar(sc.Right.Name, sc.Right.Pos)
		if r == nil {
			return out, uses
		}
		out.Right = r
		uses = append(uses, Use{Var: r, Pos: sc.Right.Pos})
		if r.Hidden {
			c.errorf(sc.Right.Pos, "pin-leak", "%s: %q is a hidden PIN entry; check it with verify_pin, not if", what, r.Name)
		} else if r.Type != l.Type {
			c.errorf(sc.RightPos, "type-mismatch", "%s: cannot compare %q (%s) with %q (%s)", what, l.Name, l.describe(), r.Name, r.describe())
		}
	} else {
		switch l.Type {
		case TypeDigits:
			if sc.LitKind != spec.LitNumber {
				c.errorf(sc.RightPos, "type-mismatch", "%s: %q holds digits; compare it with a number, not %s", what, l.Name, litDesc(sc))
			}
		case TypeText:
			if sc.LitKind != spec.LitString {
				c.errorf(sc.RightPos, "type-mismatch", "%s: %q is text; compare it with a quoted string, not %s", what, l.Name, litDesc(sc))
			}
		case TypeBool:
			if sc.LitKind != spec.LitBool {
				c.errorf(sc.RightPos, "type-mismatch", "%s: %q is a yes/no answer; compare it with yes or no, not %s", what, l.Name, litDesc(sc))
			}
		case TypeChoice:
			found := false
			for _, ch := range l.Choices {
				found = found || ch == sc.Lit
			}
			if !found {
				c.errorf(sc.RightPos, "type-mismatch", "%s: %q is never %q: its choices are %s%s", what, l.Name, sc.Lit, strings.Join(l.Choices, ", "), spec.DidYouMean(sc.Lit, l.Choices))
			}
		}
	}
	switch {
	case l.Type == TypeBytes:
		c.errorf(sc.Left.Pos, "type-mismatch", "%s: %q holds bytes, which conditions cannot compare", what, l.Name)
	case ordered && l.Type != TypeDigits:
		c.errorf(sc.Pos, "type-mismatch", "%s: %s orders numbers; %q is %s, which compares only with == and !=", what, sc.Op, l.Name, l.describe())
	}
	out.Numeric = l.Type == TypeDigits
	return out, uses
}

func litDesc(sc *spec.Cond) string {
	switch sc.LitKind {
	case spec.LitNumber:
		return "the number " + sc.Lit
	case spec.LitString:
		return fmt.Sprintf("the string %q", sc.Lit)
	case spec.LitBool:
		return sc.Lit
	}
	return "nothing"
}
