// Package gen is the code generator: it turns a checked program (stk/check) into a script image
// through stk/image's builder. Every step already carries its proactive command (type,
// qualifier, destination) and its texts in their shortest coding; gen lays the command
// templates out in TS 102 223 clause 6.6 element order, maps variables and texts to the image's
// tables (identical texts and templates are stored once) and writes the bytecode for the
// flows, handlers and branches (docs/image-format.md "The bytecode").
//
// Generation is deterministic: it walks the program in source order and nothing depends on map
// iteration, so the same spec gives the same bytes.
package gen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stkforge/stkforge/stk/check"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/spec"
	"github.com/stkforge/stkforge/stk/text"
)

// COMPREHENSION-TLV tags as the templates carry them, comprehension-required bit set, as
// stk/cat writes its canonical form (TS 102 223 9.3).
const (
	tagDuration       = 0x84 // 8.8
	tagAlpha          = 0x85 // 8.2
	tagAddress        = 0x86 // 8.1
	tagUSSDString     = 0x8A // 8.17
	tagSMSTPDU        = 0x8B // 8.13
	tagTextString     = 0x8D // 8.15
	tagTone           = 0x8E // 8.16
	tagItem           = 0x8F // 8.9
	tagItemIdentifier = 0x90 // 8.10
	tagResponseLength = 0x91 // 8.11
	tagDefaultText    = 0x97 // 8.23
	tagIcon           = 0x9E // 8.31
	tagItemIconList   = 0x9F // 8.32
	tagURL            = 0xB1 // 8.48
)

// iconQualifier is the icon qualifier of 8.31 and 8.32: bit 1 set, "not self-explanatory", so
// the terminal shows the icon next to the text the spec always gives, never instead of it.
const iconQualifier = 0x01

// pinReference is the key reference VERIFY uses for the card's PIN: PIN1, the first
// application PIN (TS 102 221 9.5.1, key reference 01).
const pinReference = 0x01

// Error is a program the generator cannot lay out (a limit of the image format, or a program
// that did not check cleanly); Pos points at the spec construct when there is one.
type Error struct {
	Pos spec.Pos
	Msg string
}

func (e *Error) Error() string {
	if e.Pos.IsValid() {
		return fmt.Sprintf("%s: %s", e.Pos, e.Msg)
	}
	return "gen: " + e.Msg
}

// Generate lays out a checked program as a script image. The program must have checked
// without errors.
func Generate(p *check.Program) (*image.Image, error) {
	if p == nil || p.Main == nil || p.Card == nil {
		return nil, &Error{Msg: "the program is incomplete (did it check without errors?)"}
	}
	g := &gen{
		p:     p,
		b:     image.NewBuilder(p.Name, p.Languages),
		vars:  map[*check.Var]int{},
		texts: map[*check.Text]int{},
		keys:  map[*check.Key]int{},
		menus: map[*check.Menu]int{},
	}
	g.asm = g.b.Code()
	if err := g.run(); err != nil {
		return nil, err
	}
	return g.b.Build()
}

type gen struct {
	p     *check.Program
	b     *image.Builder
	asm   *image.Asm
	vars  map[*check.Var]int
	texts map[*check.Text]int
	keys  map[*check.Key]int
	menus map[*check.Menu]int // submenu index for MENU
	// mainAsSelect is the main menu shown again by "goto: main" (a SELECT ITEM), -1 until needed.
	mainAsSelect int
	entries      map[*check.Item]image.Label
	deferred     []deferred
	err          error
}

// deferred is a handler flow laid out after the flow that branches to it, so the common path
// runs straight through.
type deferred struct {
	at   image.Label
	flow *check.Block
}

func (g *gen) fail(pos spec.Pos, format string, args ...any) {
	if g.err == nil {
		g.err = &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
	}
}

func (g *gen) run() error {
	p := g.p
	g.mainAsSelect = -1
	g.entries = map[*check.Item]image.Label{}
	// Keys, variables and submenus are YAML maps or follow from them: they go into the image in
	// name order, so that the order a spec writes its map keys in changes no byte.
	for _, k := range sortedBy(p.Keys, func(k *check.Key) string { return k.Name }) {
		g.keys[k] = g.b.Key(image.Key{Name: k.Name, Bits: k.Bits, Scheme: k.Scheme})
	}
	vars := sortedBy(p.Vars, func(v *check.Var) string {
		if v.Card != "" {
			return "\x00" + fmt.Sprintf("%03d", v.Index) // card data first, as the checker lists them
		}
		return v.Name
	})
	read := readVars(p)
	for _, v := range vars {
		if v.Card != "" && !read[v] {
			continue // card data nothing reads: the card need not fetch it
		}
		g.vars[v] = g.b.Var(image.Var{Name: v.Name, Type: image.VarType(v.Type), MaxLen: v.MaxLen, Choices: v.Choices})
	}
	submenus := sortedBy(p.Menus, func(m *check.Menu) string { return m.Name })
	// The commands the checker found (help texts, the language request of a multilingual
	// session) are capabilities whether or not a template spells them.
	for _, c := range p.Commands {
		g.b.Need(image.Capability{Type: c.Type, Qualifier: c.Qualifier})
	}
	menus := append([]*check.Menu{p.Main}, submenus...)
	for _, m := range menus {
		for _, it := range m.Items {
			g.entries[it] = g.asm.NewLabel()
		}
	}
	// Every menu gets its template and index before any code, so MENU operands do not depend
	// on which goto comes first.
	g.b.SetMain(g.menu(p.Main))
	for _, m := range submenus {
		g.menus[m] = g.b.Menu(g.menu(m))
	}
	for _, m := range menus {
		for _, it := range m.Items {
			g.asm.Mark(g.entries[it])
			if g.block(it.Flow) {
				g.asm.End()
			}
			for len(g.deferred) > 0 {
				d := g.deferred[0]
				g.deferred = g.deferred[1:]
				g.asm.Mark(d.at)
				if g.block(d.flow) {
					g.asm.End()
				}
			}
		}
	}
	return g.err
}

// menu makes the template and item table of a menu: SET UP MENU for the main menu, SELECT ITEM
// for submenus (TS 102 223 6.6.7, 6.6.8).
func (g *gen) menu(m *check.Menu) image.Menu {
	t := image.Template{Type: m.Cmd.Type, Qualifier: m.Cmd.Qualifier, Dest: m.Cmd.Dest}
	t.Elements = g.itemElements(m.Title, m.Items, m.Default, m.Icon)
	out := image.Menu{Template: g.b.Template(t)}
	for _, it := range m.Items {
		help := image.NoText
		if it.Help != nil {
			help = g.text(it.Help)
		}
		out.Items = append(out.Items, image.MenuItem{ID: it.ID, Label: g.entries[it], Help: help})
	}
	return out
}

// itemElements are the elements of SET UP MENU and SELECT ITEM after the command details and
// device identities: Alpha identifier, Items, Item identifier (default), Icon identifier,
// Item icon identifier list.
func (g *gen) itemElements(title *check.Text, items []*check.Item, def *check.Item, icon int) []image.Element {
	var els []image.Element
	if title != nil {
		els = append(els, image.TextElement(tagAlpha, g.text(title)))
	}
	icons := []byte{iconQualifier}
	for _, it := range items {
		els = append(els, image.ItemElement(tagItem, it.ID, g.text(it.Text)))
		if it.Icon > 0 {
			icons = append(icons, byte(it.Icon))
		}
	}
	if def != nil {
		els = append(els, image.LitElement(tagItemIdentifier, []byte{def.ID}))
	}
	els = appendIcon(els, icon)
	if len(icons) > 1 {
		els = append(els, image.LitElement(tagItemIconList, icons))
	}
	return els
}

func appendIcon(els []image.Element, icon int) []image.Element {
	if icon > 0 {
		els = append(els, image.LitElement(tagIcon, []byte{iconQualifier, byte(icon)}))
	}
	return els
}

func appendDuration(els []image.Element, d *check.Duration) []image.Element {
	if d != nil {
		els = append(els, image.LitElement(tagDuration, []byte{d.Unit, d.Interval}))
	}
	return els
}

func (g *gen) appendAlpha(els []image.Element, t *check.Text) []image.Element {
	if t != nil {
		els = append(els, image.TextElement(tagAlpha, g.text(t)))
	}
	return els
}

// text adds a checked text to the image's table: fixed bytes where the checker encoded them,
// else parts rendered by the card (SMS and USSD texts, and every template).
func (g *gen) text(t *check.Text) int {
	if t == nil {
		g.fail(spec.Pos{}, "a required text is missing (did the program check without errors?)")
		return 0
	}
	if i, ok := g.texts[t]; ok {
		return i
	}
	out := image.Text{Context: image.Context(t.Context)}
	fixedCtx := t.Context == check.CtxAlpha || t.Context == check.CtxTextString || t.Context == check.CtxOctets
	tpl := t.IsTemplate()
	for _, lt := range t.Langs {
		c := image.Coding(lt.Coding)
		if fixedCtx && !tpl && lt.Bytes != nil {
			out.Langs = append(out.Langs, image.FixedText(c, lt.Bytes))
			continue
		}
		var parts []image.Part
		for _, pt := range lt.Parts {
			switch {
			case pt.Var != nil:
				parts = append(parts, image.VarPart(g.vars[pt.Var]))
			case pt.Lit != "":
				parts = append(parts, image.LitPart(pt.Lit))
			}
		}
		out.Langs = append(out.Langs, image.PartsText(c, parts...))
	}
	i := g.b.Text(out)
	g.texts[t] = i
	return i
}

// template adds the template of a step's command with its elements.
func (g *gen) template(b *check.Base, els []image.Element) int {
	return g.b.Template(image.Template{Type: b.Cmd.Type, Qualifier: b.Cmd.Qualifier, Dest: b.Cmd.Dest, Elements: els})
}

// block writes a flow and reports whether it falls through its end.
func (g *gen) block(b *check.Block) bool {
	if b == nil {
		return true
	}
	for _, s := range b.Steps {
		if !g.step(s) {
			return false
		}
	}
	return true
}

// step writes one action and reports whether the flow goes on after it.
func (g *gen) step(s check.Step) bool {
	a := g.asm
	base := check.BaseOf(s)
	switch s := s.(type) {
	case *check.Display:
		els := []image.Element{image.TextElement(tagTextString, g.text(s.Text))}
		els = appendIcon(els, s.Icon)
		els = appendDuration(els, s.Duration)
		a.Cmd(g.template(base, els))
	case *check.Input:
		els := []image.Element{
			image.TextElement(tagTextString, g.text(s.Prompt)),
			image.LitElement(tagResponseLength, []byte{byte(s.Min), byte(s.Max)}),
		}
		if s.Default != nil {
			els = append(els, image.TextElement(tagDefaultText, g.text(s.Default)))
		}
		els = appendIcon(els, s.Icon)
		a.Input(g.template(base, els), g.vars[s.Into])
	case *check.Confirm:
		els := []image.Element{image.TextElement(tagTextString, g.text(s.Prompt))}
		els = appendIcon(els, s.Icon)
		els = appendDuration(els, s.Duration)
		v := -1
		if s.Into != nil {
			v = g.vars[s.Into]
		}
		a.Inkey(g.template(base, els), v)
	case *check.Select:
		if s.Into == nil {
			g.fail(s.Pos, "select without a variable")
			return false
		}
		for i, it := range s.Items {
			if i >= len(s.Into.Choices) || s.Into.Choices[i] != it.Name {
				g.fail(s.Pos, "select into %q: its items differ from another select into the same variable; the card stores the item identifier, so the lists must agree", s.Into.Name)
				break
			}
		}
		a.Select(g.template(base, g.itemElements(s.Title, s.Items, s.Default, s.Icon)), g.vars[s.Into])
	case *check.Tone:
		els := g.appendAlpha(nil, s.Alpha)
		els = append(els, image.LitElement(tagTone, []byte{s.Tone}))
		els = appendDuration(els, s.Duration)
		els = appendIcon(els, s.Icon)
		a.Cmd(g.template(base, els))
	case *check.SendSMS:
		els := g.appendAlpha(nil, s.Alpha)
		if s.SMSC != "" {
			els = append(els, image.LitElement(tagAddress, g.address(s.SMSC, s.Pos)))
		}
		els = append(els, image.SlotElement(tagSMSTPDU))
		els = appendIcon(els, s.Icon)
		msg := s.Text
		if msg == nil {
			msg = s.Body
		}
		da, err := destinationAddress(s.To)
		if err != nil {
			g.fail(s.Pos, "%v", err)
		}
		a.SMS(g.b.SMS(image.SMS{Template: g.template(base, els), DA: da, Text: g.text(msg), Concatenate: s.Segments > 1}))
	case *check.SendUSSD:
		els := g.appendAlpha(nil, s.Alpha)
		els = append(els, image.TextElement(tagUSSDString, g.text(s.String)))
		els = appendIcon(els, s.Icon)
		a.Cmd(g.template(base, els))
	case *check.Call:
		els := g.appendAlpha(nil, s.Alpha)
		els = append(els, image.LitElement(tagAddress, g.address(s.To, s.Pos)))
		els = appendIcon(els, s.Icon)
		a.Cmd(g.template(base, els))
	case *check.Browser:
		url, err := text.EncodeGSM(s.URL)
		if err != nil {
			g.fail(s.Pos, "url %q: %v (TS 102 223 8.48 codes a URL in the SMS default alphabet)", s.URL, err)
		}
		els := []image.Element{image.LitElement(tagURL, url)}
		els = g.appendAlpha(els, s.Alpha)
		els = appendIcon(els, s.Icon)
		a.Cmd(g.template(base, els))
	case *check.LocalInfo:
		a.Local(g.template(base, nil), g.vars[s.Into])
	case *check.End:
		a.End()
		return false
	case *check.Goto:
		a.Menu(g.menuIndex(s.Menu))
		return false
	case *check.If:
		return g.ifStep(s)
	case *check.VerifyPIN:
		tries := -1
		if s.Tries != nil {
			tries = g.vars[s.Tries]
		}
		a.VerifyPIN(pinReference, g.vars[s.PIN], tries)
	case *check.Sign:
		fields := make([]int, len(s.Fields))
		for i, f := range s.Fields {
			fields[i] = g.vars[f]
		}
		a.Sign(g.keys[s.Key], g.vars[s.Into], fields)
	case *check.Counter:
		a.Count(g.vars[s.Into])
	default:
		g.fail(base.Pos, "no code for %T", s)
	}
	g.handlers(base)
	return true
}

// handlers writes an ON per handler; the handler flows are laid out after the current flow.
func (g *gen) handlers(b *check.Base) {
	// "on" is a YAML map: the handlers go out in outcome order, not in the order written.
	type handler struct {
		out image.Outcome
		h   *check.Handler
	}
	var hs []handler
	for _, h := range b.On {
		out, ok := image.OutcomeByName(string(h.Outcome))
		if !ok {
			g.fail(h.Pos, "outcome %q has no code in the image format", h.Outcome)
			continue
		}
		// A handler that only ends the session is what the card does anyway for every outcome
		// but back (which shows the menu again), so it needs no code.
		if out != image.OutBack && endsAtOnce(h.Flow) {
			continue
		}
		hs = append(hs, handler{out, h})
	}
	slices.SortStableFunc(hs, func(a, b handler) int { return int(a.out) - int(b.out) })
	for _, x := range hs {
		out, h := x.out, x.h
		l := g.asm.NewLabel()
		g.asm.On(image.Mask(out), l)
		g.deferred = append(g.deferred, deferred{at: l, flow: h.Flow})
	}
}

// ifStep writes a branch: the test jumps to the else part when the condition is false.
func (g *gen) ifStep(s *check.If) bool {
	a := g.asm
	orElse, end := a.NewLabel(), a.NewLabel()
	g.cond(s.Cond, orElse, s.Pos)
	thenFalls := g.block(s.Then)
	elseEmpty := s.Else == nil || len(s.Else.Steps) == 0
	if thenFalls && !elseEmpty {
		a.Jmp(end)
	}
	a.Mark(orElse)
	elseFalls := g.block(s.Else)
	a.Mark(end)
	return thenFalls || elseFalls
}

var cmpOps = map[spec.CondOp]image.CmpOp{
	spec.OpEq: image.CmpEq, spec.OpNe: image.CmpNe, spec.OpLt: image.CmpLt, spec.OpLe: image.CmpLe,
	spec.OpGt: image.CmpGt, spec.OpGe: image.CmpGe, spec.OpTruth: image.CmpTrue, spec.OpNot: image.CmpFalse,
}

func (g *gen) cond(c *check.Cond, orElse image.Label, pos spec.Pos) {
	if c == nil || c.Left == nil {
		g.fail(pos, "condition did not check")
		return
	}
	op, ok := cmpOps[c.Op]
	if !ok {
		g.fail(pos, "comparison %q has no code in the image format", c.Op)
		return
	}
	if c.Numeric {
		op |= image.Numeric
	}
	left := g.vars[c.Left]
	switch {
	case c.Op == spec.OpTruth || c.Op == spec.OpNot:
		g.asm.IfLit(op, left, nil, orElse)
	case c.Right != nil:
		g.asm.IfVar(op, left, g.vars[c.Right], orElse)
	default:
		g.asm.IfLit(op, left, g.literal(c.Left, c.Lit, pos), orElse)
	}
}

// literal codes a condition's literal as the variable's values are coded: digits in ASCII,
// text in UTF-8, yes/no as one byte, a choice as its item identifier.
func (g *gen) literal(v *check.Var, lit string, pos spec.Pos) []byte {
	switch v.Type {
	case check.TypeBool:
		if lit == "yes" || lit == "true" {
			return []byte{1}
		}
		return []byte{0}
	case check.TypeChoice:
		i := slices.Index(v.Choices, lit)
		if i < 0 || i > 254 {
			g.fail(pos, "%q is not a choice of %q", lit, v.Name)
			return nil
		}
		return []byte{byte(i + 1)}
	}
	return []byte(lit)
}

// menuIndex is the MENU operand for a goto: a submenu, or the main menu's items shown again as
// a SELECT ITEM (made on first use).
func (g *gen) menuIndex(m *check.Menu) int {
	if m == nil {
		g.fail(spec.Pos{}, "goto without a menu")
		return 0
	}
	if m.Index >= 0 {
		return g.menus[m]
	}
	if g.mainAsSelect < 0 {
		sel := *m
		sel.Cmd = check.Command{Type: check.CmdSelectItem, Qualifier: m.Cmd.Qualifier & 0x80, Dest: check.DevTerminal}
		g.mainAsSelect = g.b.Menu(g.menu(&sel))
	}
	return g.mainAsSelect
}

// address codes a dialling number as an Address value (TS 102 223 8.1): TON/NPI, then the
// number in BCD, two digits an octet, low nibble first, F-filled (TS 31.102 4.4.2.3: * is A,
// # is B).
func (g *gen) address(number string, pos spec.Pos) []byte {
	b, err := bcdNumber(number)
	if err != nil {
		g.fail(pos, "%v", err)
	}
	return b
}

// sortedBy returns a copy of xs sorted by key (stable).
func sortedBy[T any](xs []T, key func(T) string) []T {
	out := slices.Clone(xs)
	slices.SortStableFunc(out, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return out
}

// readVars is the set of variables some step reads.
func readVars(p *check.Program) map[*check.Var]bool {
	read := map[*check.Var]bool{}
	var block func(b *check.Block)
	block = func(b *check.Block) {
		if b == nil {
			return
		}
		for _, s := range b.Steps {
			base := check.BaseOf(s)
			for _, u := range base.Uses {
				read[u.Var] = true
			}
			if i, ok := s.(*check.If); ok {
				block(i.Then)
				block(i.Else)
			}
			for _, h := range base.On {
				block(h.Flow)
			}
		}
	}
	for _, m := range append([]*check.Menu{p.Main}, p.Menus...) {
		for _, it := range m.Items {
			block(it.Flow)
		}
	}
	return read
}

// endsAtOnce reports whether a flow ends the session without doing anything: empty, or "end".
func endsAtOnce(b *check.Block) bool {
	if b == nil || len(b.Steps) == 0 {
		return true
	}
	_, isEnd := b.Steps[0].(*check.End)
	return isEnd
}
