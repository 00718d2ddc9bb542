package gen

import (
	"fmt"
	"strings"

	"github.com/stkforge/stkforge/stk/check"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/spec"
)

// Report holds an image's budgets: its size against the card, what the raw proactive commands
// it stands for would take, the most a menu selection makes the card send, and the SMS a push
// takes.
type Report struct {
	Spec       string `json:"spec"`
	Card       string `json:"card"`
	CardMemory int    `json:"card_memory"`
	ImageBytes int    `json:"image_bytes"`
	CodeBytes  int    `json:"code_bytes"`
	Texts      int    `json:"texts"`
	Templates  int    `json:"templates"`
	// RawCommands is how many proactive commands the image holds: every template in every
	// language, and every SEND SHORT MESSAGE segment.
	RawCommands int `json:"raw_commands"`
	// RawMin and RawMax are their summed sizes (BER-TLV D0, TS 102 223 6.6) with every variable
	// at its shortest (empty; choices their first item; fixed-size bytes whole) and at its
	// longest (the values image.WorstCase gives).
	RawMin int `json:"raw_bytes_min"`
	RawMax int `json:"raw_bytes_max"`
	// PushSMS is how many SMS the push of the image takes; -1 when not counted.
	PushSMS int    `json:"push_sms"`
	Paths   []Path `json:"paths"`
}

// Path is the cost of one menu selection: from choosing an item to the session's end, the
// longest way through its flow (handlers and branches included; a goto counts the menu it
// shows).
type Path struct {
	Name     string `json:"item"` // "main/pay", "transfer/account"
	Commands int    `json:"commands"`
	// Bytes is the most bytes of proactive commands (FETCH data) the card sends.
	Bytes int `json:"bytes"`
	// SMS is the most short messages the handset sends on the user's behalf.
	SMS int `json:"sms"`
	pos spec.Pos
}

// Measure computes an image's report. pushSMS may be nil (PushSMS is then -1).
func Measure(p *check.Program, img *image.Image, pushSMS func([]byte) (int, error)) (*Report, error) {
	r := &Report{Spec: p.Name, Card: p.Card.Name, CardMemory: p.Card.Memory, ImageBytes: len(img.Bytes()),
		CodeBytes: len(img.Code), Texts: len(img.Texts), Templates: len(img.Templates), PushSMS: -1}
	var err error
	if r.RawCommands, r.RawMin, err = rawSize(img, shortest(img)); err != nil {
		return nil, err
	}
	if _, r.RawMax, err = rawSize(img, img.WorstCase()); err != nil {
		return nil, err
	}
	if pushSMS != nil {
		if r.PushSMS, err = pushSMS(img.Bytes()); err != nil {
			return nil, fmt.Errorf("counting the SMS of a push: %w", err)
		}
	}
	r.Paths = paths(p)
	return r, nil
}

// shortest gives every variable its shortest value.
func shortest(img *image.Image) image.Values {
	vals := make(image.Values, len(img.Vars))
	for i, v := range img.Vars {
		switch v.Type {
		case image.TypeBool:
			vals[i] = []byte{0}
		case image.TypeChoice:
			vals[i] = []byte{1}
		case image.TypeBytes:
			vals[i] = make([]byte, v.MaxLen)
		default:
			vals[i] = []byte{}
		}
	}
	return vals
}

// rawSize renders every template (but those of SEND SHORT MESSAGE, rendered per segment) in
// every language.
func rawSize(img *image.Image, vals image.Values) (n, bytes int, err error) {
	smsTpl := map[int]bool{}
	for _, s := range img.SMS {
		smsTpl[s.Template] = true
	}
	for lang := range img.Languages {
		for t := range img.Templates {
			if smsTpl[t] {
				continue
			}
			c, err := img.Command(t, lang, 1, vals, nil)
			if err != nil {
				return 0, 0, fmt.Errorf("template %d: %w", t, err)
			}
			n, bytes = n+1, bytes+len(c)
		}
		for s := range img.SMS {
			cs, err := img.SMSCommands(s, lang, vals, 0, func() byte { return 1 })
			if err != nil {
				return 0, 0, fmt.Errorf("sms %d: %w", s, err)
			}
			for _, c := range cs {
				n, bytes = n+1, bytes+len(c)
			}
		}
	}
	return n, bytes, nil
}

// provideLanguage is PROVIDE LOCAL INFORMATION (language) as the card sends it at the start of
// a multilingual session: D0 09, command details 81 03 nn 26 04, device identities 82 02 81 82.
const provideLanguage = 11

// cost is a path's figures.
type cost struct{ cmds, bytes, sms int }

func (c cost) add(o cost) cost { return cost{c.cmds + o.cmds, c.bytes + o.bytes, c.sms + o.sms} }

// maxCost is the larger of two paths, by bytes, then commands.
func maxCost(a, b cost) cost {
	if b.bytes > a.bytes || (b.bytes == a.bytes && b.cmds > a.cmds) {
		return b
	}
	return a
}

func paths(p *check.Program) []Path {
	var out []Path
	start := cost{}
	if len(p.Languages) > 1 {
		start = cost{1, provideLanguage, 0}
	}
	menus := sortedBy(p.Menus, func(m *check.Menu) string { return m.Name })
	for _, m := range append([]*check.Menu{p.Main}, menus...) {
		for _, it := range m.Items {
			c := start.add(seqCost(it.Flow.Steps))
			out = append(out, Path{Name: m.Name + "/" + it.Name, Commands: c.cmds, Bytes: c.bytes, SMS: c.sms, pos: it.Pos})
		}
	}
	return out
}

// pathCost is the most expensive way through a step or a flow, in two parts: the ways that go
// on after it (fall, when ok) and the ways that end the session inside it (stop, when ok). A
// branch is walked once, so the cost is linear in the flow's size.
type pathCost struct {
	fall, stop   cost
	falls, stops bool
}

func (p *pathCost) addStop(c cost) {
	if !p.stops {
		p.stop, p.stops = c, true
		return
	}
	p.stop = maxCost(p.stop, c)
}

// total is the most expensive way overall.
func (p pathCost) total() cost {
	switch {
	case p.falls && p.stops:
		return maxCost(p.fall, p.stop)
	case p.falls:
		return p.fall
	}
	return p.stop
}

// blockCost walks a flow.
func blockCost(b *check.Block) pathCost {
	out := pathCost{falls: true}
	if b == nil {
		return out
	}
	for _, s := range b.Steps {
		sc := stepCost(s)
		if sc.stops {
			out.addStop(out.fall.add(sc.stop))
		}
		if !sc.falls {
			out.falls = false
			break
		}
		out.fall = out.fall.add(sc.fall)
	}
	return out
}

// seqCost is the most expensive way through a flow, start to end of session.
func seqCost(steps []check.Step) cost {
	return blockCost(&check.Block{Steps: steps}).total()
}

func stepCost(s check.Step) pathCost {
	b := check.BaseOf(s)
	var here cost
	switch s := s.(type) {
	case *check.End:
		return pathCost{stops: true}
	case *check.Goto:
		if s.Menu == nil {
			return pathCost{stops: true}
		}
		return pathCost{stop: cost{1, s.Menu.MaxCommand, 0}, stops: true}
	case *check.If:
		t, e := blockCost(s.Then), blockCost(s.Else)
		out := pathCost{}
		for _, x := range []pathCost{t, e} {
			if x.falls {
				if !out.falls {
					out.fall, out.falls = x.fall, true
				} else {
					out.fall = maxCost(out.fall, x.fall)
				}
			}
			if x.stops {
				out.addStop(x.stop)
			}
		}
		return out
	case *check.SendSMS:
		here = cost{s.Segments, b.MaxCommand * s.Segments, s.Segments}
	default:
		if b.Cmd != nil {
			here = cost{1, b.MaxCommand, 0}
		}
	}
	// Without a handler an outcome other than ok ends the session right there; a handler's flow
	// ends it too unless it goes elsewhere.
	out := pathCost{fall: here, falls: true, stop: here, stops: true}
	for _, h := range b.On {
		out.addStop(here.add(blockCost(h.Flow).total()))
	}
	return out
}

// Table prints reports as a table, one row per image.
func Table(reps []*Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %-5s %8s %10s %14s %6s %6s %6s\n", "spec", "card", "image", "raw cmds", "raw bytes", "texts", "tpls", "push")
	for _, r := range reps {
		push := "-"
		if r.PushSMS >= 0 {
			push = fmt.Sprint(r.PushSMS)
		}
		fmt.Fprintf(&b, "%-16s %-5s %8d %10d %14s %6d %6d %6s\n", r.Spec, r.Card, r.ImageBytes, r.RawCommands,
			fmt.Sprintf("%d..%d", r.RawMin, r.RawMax), r.Texts, r.Templates, push)
	}
	return b.String()
}

// PathTable prints the per-selection budgets of one report.
func (r *Report) PathTable() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s %8s %8s %5s\n", "item", "commands", "bytes", "sms")
	for _, p := range r.Paths {
		fmt.Fprintf(&b, "%-28s %8d %8d %5d\n", p.Name, p.Commands, p.Bytes, p.SMS)
	}
	return b.String()
}
