// Package check checks a menu spec's syntax tree (stk/spec) and turns it into a Program: names
// resolved (menus, items, variables, keys), variables typed and checked on every path, menus
// reachable and loops able to end, texts encoded in their shortest form and measured against
// the handset profiles and the 255-byte proactive command, the security manifest enforced, and
// the card profile's limits respected. The code generator (stk/gen) walks the Program.
//
// Every problem is a spec.Diagnostic with a position and a code; docs/spec-language.md lists
// the codes.
package check

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/stkforge/stkforge/stk/cat/profile"
	"github.com/stkforge/stkforge/stk/spec"
)

// Options change what a check run checks against.
type Options struct {
	// Handsets, when set, replace the spec's "handsets" (the --profile flag).
	Handsets []string
	// Card, when set, replaces the spec's "card".
	Card string
	// ImageSize is the hook for the code generator: it returns the size of the script image the
	// program compiles to, which the checker holds against the card's memory. Nil skips the
	// image budget (the other card limits are still checked).
	ImageSize func(*Program) (int, error)
}

// DefaultLanguage is the language of a spec that declares none.
const DefaultLanguage = "en"

// Lint parses and checks one spec file: the diagnostics come back sorted, one error per line,
// and the program is nil when the spec did not parse.
func Lint(name string, data []byte, opt Options) (*Program, spec.Diagnostics) {
	f, diags := spec.Parse(name, data)
	if f == nil {
		return nil, diags.Normalize()
	}
	p, more := Check(f, opt)
	diags.Add(more...)
	return p, diags.Normalize()
}

// SpecFile is one spec file to check: its name as given (it starts every diagnostic) and bytes.
type SpecFile struct {
	Name string
	Data []byte
}

// LintAll parses and checks several specs, as compile and lint do: one program per spec (nil
// for a spec that did not parse) and all diagnostics together, sorted by file and position,
// one error per line. Two specs with the same name would make two images of that name, which is
// an error on the second.
func LintAll(in []SpecFile, opt Options) ([]*Program, spec.Diagnostics) {
	var all spec.Diagnostics
	progs := make([]*Program, len(in))
	names := map[string]string{}
	for i, s := range in {
		f, diags := spec.Parse(s.Name, s.Data)
		all.Add(diags...)
		if f == nil {
			continue
		}
		p, more := Check(f, opt)
		all.Add(more...)
		progs[i] = p
		if f.Name.Set {
			if prev, dup := names[f.Name.Value]; dup {
				all.Errorf(f.Name.Pos, "duplicate-id", "spec name %q is already the name of %s; each spec makes an image of its name", f.Name.Value, prev)
			} else {
				names[f.Name.Value] = s.Name
			}
		}
	}
	return progs, all.Normalize()
}

// Check checks a parsed spec. The program is returned even when there are errors (with the
// broken parts left out), so tools can show what they can.
func Check(f *spec.File, opt Options) (*Program, spec.Diagnostics) {
	c := &checker{
		f:       f,
		p:       &Program{Name: f.Name.Value, Source: f.Source},
		hasLang: map[string]bool{},
		vars:    map[string]*Var{},
		menus:   map[string]*Menu{},
		keys:    map[string]*Key{},
		texts:   map[string]*Text{},
		grants:  map[string][]*Grant{},
		cmdPos:  map[Command]spec.Pos{},
		entry:   map[*Menu]bitset{},
	}
	c.header(opt)
	c.declareVars()
	c.declareMenus()
	c.buildMenus()
	c.flowAnalysis()
	c.loops()
	c.finish(opt)
	return c.p, c.diags
}

type checker struct {
	f     *spec.File
	p     *Program
	diags spec.Diagnostics

	hasLang   map[string]bool
	terminals []profile.Profile
	vars      map[string]*Var
	varDefs   map[string]spec.Pos
	menus     map[string]*Menu
	menuSrc   []*spec.Menu // parallel to menuList
	menuList  []*Menu      // main first, then the submenus
	keys      map[string]*Key
	texts     map[string]*Text
	grants    map[string][]*Grant
	cmdPos    map[Command]spec.Pos

	// flow analysis
	entry  map[*Menu]bitset
	work   []*Menu
	report bool

	signKeys  []*Key
	extraCaps []capNeed
}

// capNeed is a terminal capability a step needs beyond its command's own bit, such as UCS2
// display or a variable timeout.
type capNeed struct {
	name string
	why  string
	pos  spec.Pos
}

func (c *checker) needCap(name, why string, pos spec.Pos) {
	for _, n := range c.extraCaps {
		if n.name == name {
			return
		}
	}
	c.extraCaps = append(c.extraCaps, capNeed{name, why, pos})
}

// errorf reports an error; a position that lost its file (a value the parser could not read,
// already reported there) falls back to the top of the file.
func (c *checker) errorf(pos spec.Pos, code, format string, args ...any) {
	if pos.Src == nil {
		pos = c.f.Pos
	}
	c.diags.Errorf(pos, code, format, args...)
}

func (c *checker) warnf(pos spec.Pos, code, format string, args ...any) {
	if pos.Src == nil {
		pos = c.f.Pos
	}
	c.diags.Warnf(pos, code, format, args...)
}

// header checks the top-level keys: version, name, languages, profiles, keys, manifest.
func (c *checker) header(opt Options) {
	f := c.f
	if f.Version.Set && f.Version.Value != 1 {
		c.errorf(f.Version.Pos, "version", "stkforge: language version %d is not known; this stkforge reads version 1", f.Version.Value)
	}
	if f.Name.Set && !validAppName(f.Name.Value) {
		c.errorf(f.Name.Pos, "bad-name", "name %q: want 1 to 32 letters, digits, '-' or '_' (it names the image)", f.Name.Value)
	}
	for _, l := range f.Languages {
		if !isLangCode(l.Value) {
			c.errorf(l.Pos, "unknown-language", "language %q: want an ISO 639-1 code of two lower-case letters, such as \"zh\" or \"en\" (TS 102 223 8.45)", l.Value)
			continue
		}
		if c.hasLang[l.Value] {
			c.errorf(l.Pos, "duplicate-id", "language %q is listed twice", l.Value)
			continue
		}
		c.hasLang[l.Value] = true
		c.p.Languages = append(c.p.Languages, l.Value)
	}
	if len(c.p.Languages) == 0 {
		c.p.Languages = []string{DefaultLanguage}
		c.hasLang[DefaultLanguage] = true
	}

	handsets := f.Handsets
	if len(opt.Handsets) > 0 {
		handsets = nil
		for _, h := range opt.Handsets {
			handsets = append(handsets, spec.Str{Pos: f.Pos, Value: h, Set: true})
		}
	}
	if len(handsets) == 0 {
		handsets = []spec.Str{{Pos: f.Pos, Value: "android", Set: true}}
	}
	for _, h := range handsets {
		hs, tp, ok := LookupHandset(h.Value)
		if !ok {
			c.errorf(h.Pos, "unknown-profile", "handset profile %q is not known (known: %s)%s", h.Value, strings.Join(HandsetNames(), ", "), spec.DidYouMean(h.Value, HandsetNames()))
			continue
		}
		c.p.Handsets = append(c.p.Handsets, hs)
		c.terminals = append(c.terminals, tp)
	}
	card := f.Card
	if opt.Card != "" {
		card = spec.Str{Pos: f.Pos, Value: opt.Card, Set: true}
	}
	if !card.Set {
		card = spec.Str{Pos: f.Pos, Value: "32k", Set: true}
	}
	if cp, ok := LookupCard(strings.ToLower(card.Value)); ok {
		c.p.Card = cp
	} else {
		c.errorf(card.Pos, "unknown-profile", "card profile %q is not known (known: %s)", card.Value, strings.Join(CardNames(), ", "))
		c.p.Card, _ = LookupCard("32k")
	}

	for _, k := range f.Keys {
		key := &Key{Name: k.Name.Value, Pos: k.Pos, Bits: k.Bits.Value, Scheme: k.Scheme.Value}
		if !isVarName(key.Name) {
			c.errorf(k.Pos, "bad-name", "key name %q: want letters, digits and '_'", key.Name)
		}
		switch {
		case !k.Bits.Set:
			c.errorf(k.Pos, "missing-key", "key %q: missing \"bits\" (the RSA modulus size, e.g. 2048)", key.Name)
		case key.Bits < 1024 || key.Bits > 4096 || key.Bits%8 != 0:
			c.errorf(k.Bits.Pos, "bad-key", "key %q: %d bits; want a multiple of 8 from 1024 to 4096", key.Name, key.Bits)
		}
		switch key.Scheme {
		case "":
			key.Scheme = "pkcs1v15-sha256"
		case "pkcs1v15-sha256", "pss-sha256":
		default:
			c.errorf(k.Scheme.Pos, "bad-key", "key %q: scheme %q; want \"pkcs1v15-sha256\" (RSASSA-PKCS1-v1_5) or \"pss-sha256\" (RSASSA-PSS), both with SHA-256", key.Name, key.Scheme)
		}
		c.keys[key.Name] = key
		c.p.Keys = append(c.p.Keys, key)
	}

	if m := f.Manifest; m != nil {
		for _, g := range []struct {
			kind string
			list []*spec.Grant
		}{{"sms", m.SMS}, {"ussd", m.USSD}, {"call", m.Call}, {"browser", m.Browser}, {"local_info", m.LocalInfo}} {
			for _, sg := range g.list {
				gr := &Grant{Pos: sg.Pos, Kind: g.kind, To: sg.To.Value, Why: strings.TrimSpace(sg.Why.Value)}
				if !sg.To.Set {
					c.errorf(sg.Pos, "missing-key", "manifest.%s: an entry needs \"to\" (the destination)", g.kind)
					continue
				}
				if len([]rune(gr.Why)) < minReason {
					c.errorf(sg.Pos, "waiver-reason", "manifest.%s %q: \"why\" must say in words (at least %d characters) why the menu needs it", g.kind, gr.To, minReason)
				}
				if g.kind == "local_info" {
					if _, ok := localInfo[gr.To]; !ok {
						c.errorf(sg.To.Pos, "bad-value", "manifest.local_info: %q is not a kind of local information (%s)", gr.To, strings.Join(localInfoNames(), ", "))
					}
				}
				c.grants[g.kind] = append(c.grants[g.kind], gr)
				c.p.Manifest = append(c.p.Manifest, gr)
			}
		}
	}
}

// minReason is the shortest written reason a waiver or a manifest entry accepts.
const minReason = 10

func validAppName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func isLangCode(s string) bool {
	return len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'
}

func isVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// card variables, always set (TS 102 221 EF-ICCID: up to 20 digits; TS 23.003 IMSI: 15
// digits; E.164 MSISDN: 15 digits).
var cardVars = []struct {
	name   string
	maxLen int
}{{"iccid", 20}, {"imsi", 15}, {"msisdn", 15}}

// localInfo maps local_info kinds to the PROVIDE LOCAL INFORMATION qualifier (TS 102 223 8.6)
// and the variable they make.
var localInfo = map[string]struct {
	qual   byte
	typ    VarType
	maxLen int
}{
	"location":          {0x00, TypeBytes, 9}, // MCC/MNC, LAC/TAC, cell id (8.19)
	"imei":              {0x01, TypeDigits, 15},
	"nmr":               {0x02, TypeBytes, 16},
	"datetime":          {0x03, TypeBytes, 7}, // 8.39
	"language":          {0x04, TypeText, 2},  // 8.45
	"timing_advance":    {0x05, TypeBytes, 2},
	"access_technology": {0x06, TypeBytes, 1},
	"imeisv":            {0x08, TypeDigits, 16},
}

func localInfoNames() []string {
	var ns []string
	for n := range localInfo {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// declareVars finds every assignment (into, tries_into) in every flow, so references resolve
// wherever they are, and gives each variable its type.
func (c *checker) declareVars() {
	for _, cv := range cardVars {
		c.addVar(&Var{Name: "card." + cv.name, Type: TypeDigits, MaxLen: cv.maxLen, Card: cv.name, Used: true})
	}
	c.varDefs = map[string]spec.Pos{}
	var walk func([]*spec.Action)
	walk = func(as []*spec.Action) {
		for _, a := range as {
			c.declareFrom(a)
			walk(a.Then)
			walk(a.Else)
			for _, h := range a.On {
				walk(h.Do)
			}
		}
	}
	menus := append([]*spec.Menu{}, c.f.Menus...)
	if c.f.Menu != nil {
		menus = append([]*spec.Menu{c.f.Menu}, menus...)
	}
	for _, m := range menus {
		for _, it := range m.Items {
			walk(it.Do)
		}
	}
}

func (c *checker) declareFrom(a *spec.Action) {
	def := func(name spec.Str, v Var) {
		if !name.Set {
			return
		}
		v.Name, v.Pos = name.Value, name.Pos
		if strings.HasPrefix(v.Name, "card.") {
			c.errorf(name.Pos, "bad-name", "variable %q: names starting with \"card.\" are the card's data and cannot be assigned", v.Name)
			return
		}
		if !isVarName(v.Name) {
			c.errorf(name.Pos, "bad-name", "variable name %q: want letters, digits and '_', starting with a letter", v.Name)
			return
		}
		prev, ok := c.vars[v.Name]
		if !ok {
			c.addVar(&v)
			return
		}
		if prev.Type != v.Type || prev.UCS2 != v.UCS2 || prev.Hidden != v.Hidden {
			c.errorf(name.Pos, "type-mismatch", "variable %q is %s here but %s at %s", v.Name, v.describe(), prev.describe(), shortPos(prev.Pos))
			return
		}
		prev.MaxLen = max(prev.MaxLen, v.MaxLen)
		prev.Choices = mergeChoices(prev.Choices, v.Choices)
	}
	switch a.Kind {
	case spec.ActInput:
		v := Var{Type: TypeDigits, MaxLen: a.Max.Value, Hidden: a.Hidden.Value}
		if a.InputKind.Value == "text" {
			v.Type = TypeText
			v.UCS2 = a.Alphabet.Value == "ucs2"
		}
		def(a.Into, v)
	case spec.ActConfirm:
		def(a.Into, Var{Type: TypeBool, MaxLen: 1})
	case spec.ActSelect:
		v := Var{Type: TypeChoice}
		for _, it := range a.Items {
			v.Choices = append(v.Choices, it.ID.Value)
			v.MaxLen = max(v.MaxLen, len(it.ID.Value))
		}
		def(a.Into, v)
	case spec.ActLocalInfo:
		if li, ok := localInfo[a.What.Value]; ok {
			def(a.Into, Var{Type: li.typ, MaxLen: li.maxLen})
		}
	case spec.ActVerifyPIN:
		def(a.TriesInto, Var{Type: TypeDigits, MaxLen: 2})
	case spec.ActSign:
		n := 256
		for _, k := range c.f.Keys {
			if k.Name.Value == a.Key.Value && k.Bits.Value > 0 {
				n = (k.Bits.Value + 7) / 8
			}
		}
		def(a.Into, Var{Type: TypeBytes, MaxLen: n})
	case spec.ActCounter:
		def(a.Into, Var{Type: TypeDigits, MaxLen: 10})
	}
}

func mergeChoices(a, b []string) []string {
	seen := map[string]bool{}
	for _, s := range a {
		seen[s] = true
	}
	for _, s := range b {
		if !seen[s] {
			a = append(a, s)
		}
	}
	return a
}

func (v *Var) describe() string {
	switch {
	case v.Hidden:
		return "a hidden digits entry"
	case v.Type == TypeText && v.UCS2:
		return "UCS2 text"
	}
	return v.Type.String()
}

func shortPos(p spec.Pos) string { return fmt.Sprintf("line %d", p.Line) }

func (c *checker) addVar(v *Var) {
	v.Index = len(c.p.Vars)
	c.p.Vars = append(c.p.Vars, v)
	c.vars[v.Name] = v
}

func (c *checker) lookupVar(name string, pos spec.Pos) *Var {
	v, ok := c.vars[name]
	if !ok {
		var names []string
		for n := range c.vars {
			names = append(names, n)
		}
		sort.Strings(names)
		c.errorf(pos, "undefined-variable", "undefined variable %q%s", name, spec.DidYouMean(name, names))
		return nil
	}
	v.Used = true
	return v
}

// declareMenus creates the menus, so gotos resolve before the flows are built.
func (c *checker) declareMenus() {
	if c.f.Menu != nil {
		m := &Menu{Index: -1, Name: "main", Pos: c.f.Menu.Pos, Cmd: Command{Type: CmdSetUpMenu, Dest: DevTerminal}}
		c.menus["main"] = m
		c.menuList = append(c.menuList, m)
		c.menuSrc = append(c.menuSrc, c.f.Menu)
		c.p.Main = m
	}
	for _, sm := range c.f.Menus {
		name := sm.Name.Value
		if prev, dup := c.menus[name]; dup {
			c.errorf(sm.Name.Pos, "duplicate-id", "menu %q is already defined at %s", name, shortPos(prev.Pos))
			continue
		}
		if !isVarName(strings.ReplaceAll(name, "-", "_")) {
			c.errorf(sm.Name.Pos, "bad-name", "menu name %q: want letters, digits, '-' and '_'", name)
		}
		m := &Menu{Index: len(c.p.Menus), Name: name, Pos: sm.Name.Pos, Cmd: Command{Type: CmdSelectItem, Dest: DevTerminal}}
		c.menus[name] = m
		c.menuList = append(c.menuList, m)
		c.menuSrc = append(c.menuSrc, sm)
		c.p.Menus = append(c.p.Menus, m)
	}
}

func (c *checker) menuNames() []string {
	var ns []string
	for n := range c.menus {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

func (c *checker) buildMenus() {
	for i, m := range c.menuList {
		sm := c.menuSrc[i]
		what := "menu " + m.Name
		main := m.Index < 0
		if sm.Title == nil {
			if main {
				c.errorf(sm.Pos, "missing-key", "the main menu needs a \"title\" (the SET UP MENU alpha identifier, TS 102 223 6.6.7)")
			}
		} else {
			m.Title, _ = c.text(sm.Title, CtxAlpha, what+" title", false)
			c.checkWidth(m.Title, sm.Title.Pos, what+" title")
			if main {
				c.nonEmpty(m.Title, sm.Title.Pos, what+" title")
			}
		}
		m.Icon = c.icon(sm.Icon, what)
		m.Items = c.items(sm.Items, what, true)
		if len(m.Items) == 0 {
			c.errorf(sm.Pos, "empty-menu", "%s has no items", what)
		}
		if sm.Default.Set {
			m.Default = findItem(m.Items, sm.Default.Value)
			if m.Default == nil {
				c.errorf(sm.Default.Pos, "undefined-item", "%s: default item %q is not one of its items%s", what, sm.Default.Value, spec.DidYouMean(sm.Default.Value, itemNames(m.Items)))
			}
		}
		if hasHelp(m.Items) {
			m.Cmd.Qualifier |= 0x80 // help information available (TS 102 223 8.6)
			c.use(Command{Type: CmdDisplayText, Qualifier: 0x80, Dest: DevDisplay}, sm.Pos)
		}
		limit := c.p.Card.MaxSelectItems
		kind := "a SELECT ITEM"
		if main {
			limit, kind = c.p.Card.MaxMenuItems, "the SET UP MENU"
		}
		if len(m.Items) > limit {
			c.errorf(sm.Items[limit].Pos, "too-many-items", "%s has %d items; card profile %s keeps at most %d in %s", what, len(m.Items), c.p.Card.Name, limit, kind)
		}
		m.MaxCommand = c.menuSize(m.Title, m.Icon, m.Items, m.Default != nil)
		c.checkSize(m.MaxCommand, sm.Pos, what, m.Cmd.Type)
		c.use(m.Cmd, sm.Pos)
	}
}

func hasHelp(items []*Item) bool {
	for _, it := range items {
		if it.Help != nil {
			return true
		}
	}
	return false
}

func findItem(items []*Item, name string) *Item {
	for _, it := range items {
		if it.Name == name {
			return it
		}
	}
	return nil
}

func itemNames(items []*Item) []string {
	var ns []string
	for _, it := range items {
		ns = append(ns, it.Name)
	}
	return ns
}

// items builds menu items or select choices: ids unique, numbered 1.. in order (TS 102 223
// 8.9: item identifier 01..FF), icons all or none (8.32: one icon per item).
func (c *checker) items(src []*spec.Item, what string, flows bool) []*Item {
	var out []*Item
	seen := map[string]spec.Pos{}
	icons := 0
	for i, si := range src {
		iw := fmt.Sprintf("%s item %d", what, i+1)
		if !si.ID.Set || si.ID.Value == "" {
			c.errorf(si.Pos, "missing-key", "%s: missing \"id\"", iw)
			continue
		}
		iw = fmt.Sprintf("%s item %q", what, si.ID.Value)
		if prev, dup := seen[si.ID.Value]; dup {
			c.errorf(si.ID.Pos, "duplicate-id", "%s: id %q is already used at %s", what, si.ID.Value, shortPos(prev))
			continue
		}
		seen[si.ID.Value] = si.ID.Pos
		if len(out) == 255 {
			c.errorf(si.Pos, "too-many-items", "%s: more than 255 items (item identifiers are one byte, TS 102 223 8.9)", what)
			break
		}
		it := &Item{ID: byte(len(out) + 1), Name: si.ID.Value, Pos: si.Pos}
		if si.Text == nil {
			c.errorf(si.Pos, "missing-key", "%s: missing \"text\"", iw)
		} else {
			it.Text, _ = c.text(si.Text, CtxAlpha, iw+" text", false)
			c.checkWidth(it.Text, si.Text.Pos, iw+" text")
			c.nonEmpty(it.Text, si.Text.Pos, iw+" text")
		}
		if si.Help != nil {
			it.Help, _ = c.text(si.Help, CtxTextString, iw+" help", false)
			if it.Help != nil {
				c.checkSize(commandLen(tlvLen(1+it.Help.MaxLen())), si.Help.Pos, iw+" help", CmdDisplayText)
			}
		}
		it.Icon = c.icon(si.Icon, iw)
		if it.Icon != 0 {
			icons++
		}
		if flows {
			if !si.HasDo {
				c.errorf(si.Pos, "missing-key", "%s: missing \"do\" (what the item does)", iw)
			}
			it.Flow = c.block(si.Do, iw)
		}
		out = append(out, it)
	}
	if icons > 0 && icons < len(out) {
		c.errorf(src[0].Pos, "icon-list", "%s: %d of %d items have an icon; the item icon list gives one icon per item (TS 102 223 8.32), so give all or none", what, icons, len(out))
	}
	return out
}

func (c *checker) icon(i spec.Int, what string) int {
	if !i.Set {
		return 0
	}
	if i.Value < 1 || i.Value > 254 {
		c.errorf(i.Pos, "bad-icon", "%s: icon %d; want an EF-IMG record number from 1 to 254 (TS 102 223 8.31)", what, i.Value)
		return 0
	}
	return i.Value
}

// nonEmpty reports an empty text where the handset must show something: an empty SET UP MENU
// alpha identifier or item is the form that removes the menu (TS 102 223 6.4.8), and an empty
// text string leaves the user a blank screen.
func (c *checker) nonEmpty(t *Text, pos spec.Pos, what string) {
	if t == nil {
		return
	}
	for _, l := range t.Langs {
		hasVar := false
		for _, p := range l.Parts {
			hasVar = hasVar || p.Var != nil
		}
		if strings.TrimSpace(l.Source) == "" && !hasVar {
			c.errorf(pos, "bad-value", "%s (%s) is empty", what, l.Lang)
			return
		}
	}
}

// checkWidth warns about a menu title or item wider than a handset shows: the handset cuts
// it or scrolls it, and the user may not see its end.
func (c *checker) checkWidth(t *Text, pos spec.Pos, what string) {
	if t == nil {
		return
	}
	for _, h := range c.p.Handsets {
		if h.MenuWidth == 0 {
			continue
		}
		for _, l := range t.Langs {
			if n := utf8.RuneCountInString(l.Source); n > h.MenuWidth {
				c.warnf(pos, "text-truncated", "%s (%s): %d characters; handset %s shows %d across", what, l.Lang, n, h.Name, h.MenuWidth)
				return
			}
		}
	}
}

// use records that the image sends cmd, for the handset checks.
func (c *checker) use(cmd Command, pos spec.Pos) {
	if _, ok := c.cmdPos[cmd]; !ok {
		c.cmdPos[cmd] = pos
	}
}

func (c *checker) checkSize(n int, pos spec.Pos, what string, cmdType byte) {
	if n > MaxCommandLen {
		c.errorf(pos, "command-too-long", "%s: the %s command can be %d bytes; a proactive command must fit one FETCH of %d bytes, whose length the card gives in SW2 of 91xx", what, profile.CommandName(cmdType), n, MaxCommandLen)
	}
}

// finish runs the whole-program checks: unused variables and keys, manifest entries not used,
// handset support, card memory.
func (c *checker) finish(opt Options) {
	for _, v := range c.p.Vars {
		if !v.Used && v.Card == "" {
			c.errorf(v.Pos, "unused-variable", "variable %q is set but never used", v.Name)
		}
	}
	for _, k := range c.p.Keys {
		used := false
		for _, v := range c.signKeys {
			used = used || v == k
		}
		if !used {
			c.warnf(k.Pos, "unused-key", "key %q is declared but no sign action uses it", k.Name)
		}
	}
	for _, g := range c.p.Manifest {
		if !g.Used {
			c.warnf(g.Pos, "manifest-unused", "manifest.%s %q is declared but no action uses it; remove it so the manifest says exactly what the menu does", g.Kind, g.To)
		}
	}
	if len(c.p.Languages) > 1 {
		// The card asks the handset for its language at the start of a session.
		c.use(Command{Type: CmdProvideLocalInfo, Qualifier: 0x04, Dest: DevTerminal}, c.f.Pos)
	}
	cmds := make([]Command, 0, len(c.cmdPos))
	for cmd := range c.cmdPos {
		cmds = append(cmds, cmd)
	}
	sort.Slice(cmds, func(i, j int) bool {
		if cmds[i].Type != cmds[j].Type {
			return cmds[i].Type < cmds[j].Type
		}
		return cmds[i].Qualifier < cmds[j].Qualifier
	})
	c.p.Commands = cmds
	for i, h := range c.p.Handsets {
		tp := c.terminals[i]
		for _, cmd := range cmds {
			missing, err := tp.Missing(cmd.Type, cmd.Qualifier)
			if err == nil && len(missing) == 0 {
				continue
			}
			pos := c.cmdPos[cmd]
			name := profile.CommandName(cmd.Type)
			if err != nil {
				c.errorf(pos, "handset-unsupported", "handset %s: %s with qualifier %02X is not defined for terminals", h.Name, name, cmd.Qualifier)
				continue
			}
			var need []string
			for _, m := range missing {
				need = append(need, fmt.Sprintf("%s, byte %d bit %d", m.Name, m.Byte, m.Bit))
			}
			if cmd.Type == CmdProvideLocalInfo && cmd.Qualifier == 0x04 && pos == c.f.Pos {
				c.warnf(pos, "handset-unsupported", "handset %s cannot tell the card its language (%s); it will see the first language, %q", h.Name, strings.Join(need, "; "), c.p.Languages[0])
				continue
			}
			c.errorf(pos, "handset-unsupported", "handset %s does not support %s (qualifier %02X): its terminal profile lacks %s", h.Name, name, cmd.Qualifier, strings.Join(need, "; "))
		}
		for _, cap := range c.extraCaps {
			if !tp.Has(cap.name) {
				cp, _ := profile.Lookup(cap.name)
				c.errorf(cap.pos, "handset-unsupported", "handset %s: %s needs %s (byte %d bit %d), which its terminal profile lacks", h.Name, cap.why, cap.name, cp.Byte, cp.Bit)
			}
		}
	}
	// Card RAM for the session's variables: each value plus a length byte.
	ram := 0
	for _, v := range c.p.Vars {
		if v.Card != "" {
			continue
		}
		n := v.MaxLen
		if v.Type == TypeText && v.UCS2 {
			n *= 2
		}
		ram += n + 1
	}
	if ram > c.p.Card.MaxVarBytes {
		c.errorf(c.f.Pos, "card-budget", "the session's variables take up to %d bytes; card profile %s gives a session %d", ram, c.p.Card.Name, c.p.Card.MaxVarBytes)
	}
	if opt.ImageSize != nil && !c.diags.HasErrors() {
		n, err := opt.ImageSize(c.p)
		switch {
		case err != nil:
			c.errorf(c.f.Pos, "card-budget", "image size: %v", err)
		case n > c.p.Card.Memory:
			c.errorf(c.f.Pos, "card-budget", "the script image is %d bytes; card profile %s holds %d", n, c.p.Card.Name, c.p.Card.Memory)
		}
	}
}
