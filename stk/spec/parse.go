package spec

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	yamlparser "github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Parse reads one spec file into its syntax tree. It reports every unknown key, wrong type and
// malformed template or condition it finds, each at its position; a YAML syntax error stops the
// parse (the YAML parser cannot recover) and is the only diagnostic. The tree is returned even
// with errors, as complete as the source allowed; it is nil only after a syntax error.
func Parse(name string, data []byte) (*File, Diagnostics) {
	src := NewSource(name, data)
	p := &parser{src: src}
	f := p.file(data)
	return f, p.diags
}

type parser struct {
	src   *Source
	diags Diagnostics
}

func (p *parser) errorf(pos Pos, code, format string, args ...any) {
	pos.Src = p.src
	p.diags.Errorf(pos, code, format, args...)
}

func (p *parser) tokPos(t *token.Token) Pos {
	if t == nil || t.Position == nil {
		return Pos{Src: p.src}
	}
	return Pos{Src: p.src, Line: t.Position.Line, Col: t.Position.Column}
}

// pos is where a node starts: a block mapping at its first key, anything else at its token.
func (p *parser) pos(n ast.Node) Pos {
	if n == nil {
		return Pos{Src: p.src}
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return p.pos(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return p.pos(v.Key)
	}
	return p.tokPos(n.GetToken())
}

func (p *parser) file(data []byte) *File {
	f := &File{Source: p.src, Pos: Pos{Src: p.src, Line: 1, Col: 1}}
	if len(data) > MaxSpecSize {
		p.errorf(f.Pos, "syntax", "the spec is %d bytes; specs are at most %d", len(data), MaxSpecSize)
		return nil
	}
	if line, col, deep := tooDeep(data); deep {
		p.errorf(Pos{Src: p.src, Line: line, Col: col}, "syntax", "YAML brackets nested deeper than %d", MaxNesting)
		return nil
	}
	yf, err := parseYAML(data)
	if err != nil {
		var ye interface {
			GetToken() *token.Token
			GetMessage() string
		}
		if errors.As(err, &ye) {
			p.errorf(p.tokPos(ye.GetToken()), "syntax", "YAML: %s", ye.GetMessage())
		} else {
			p.errorf(Pos{Src: p.src, Line: 1, Col: 1}, "syntax", "YAML: %v", err)
		}
		return nil
	}
	var body ast.Node
	for i, d := range yf.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		if i > 0 && body != nil {
			p.errorf(p.pos(d.Body), "syntax", "a spec is one YAML document; this is a second one")
			break
		}
		body = d.Body
	}
	if body == nil {
		p.errorf(f.Pos, "missing-key", "empty spec: want at least the keys \"stkforge\", \"name\" and \"menu\"")
		return f
	}
	kvs := p.mapping(body, "the spec")
	if kvs == nil {
		return f
	}
	seen := map[string]bool{}
	for _, kv := range kvs {
		seen[kv.key] = true
		switch kv.key {
		case "stkforge":
			f.Version = p.int(kv.val, "stkforge")
		case "name":
			f.Name = p.str(kv.val, "name")
		case "languages":
			f.Languages = p.strList(kv.val, "languages")
		case "handsets":
			f.Handsets = p.strList(kv.val, "handsets")
		case "card":
			f.Card = p.str(kv.val, "card")
		case "keys":
			f.Keys = p.keys(kv.val)
		case "manifest":
			f.Manifest = p.manifest(kv.val)
		case "menu":
			f.Menu = p.menu(kv.val, Str{Pos: kv.keyPos, Value: "main", Set: true}, "menu", false)
		case "menus":
			for _, m := range p.mapping(kv.val, "menus") {
				f.Menus = append(f.Menus, p.menu(m.val, Str{Pos: m.keyPos, Value: m.key, Set: true}, "menus."+m.key, true))
			}
		default:
			p.unknownKey(kv, "the spec", topKeys)
		}
	}
	var missing []string
	for _, k := range []string{"stkforge", "name", "menu"} {
		if !seen[k] {
			missing = append(missing, strconv.Quote(k))
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		p.errorf(p.pos(body), "missing-key", "missing key %s", missing[0])
	default:
		p.errorf(p.pos(body), "missing-key", "missing keys %s", strings.Join(missing, ", "))
	}
	return f
}

var (
	topKeys      = []string{"stkforge", "name", "languages", "handsets", "card", "keys", "manifest", "menu", "menus"}
	keyKeys      = []string{"bits", "scheme"}
	manifestKeys = []string{"sms", "ussd", "call", "browser", "local_info"}
	grantKeys    = []string{"to", "why"}
	mainKeys     = []string{"title", "icon", "items"}
	menuKeys     = []string{"title", "icon", "default", "items"}
	itemKeys     = []string{"id", "text", "help", "icon", "do"}
	choiceKeys   = []string{"id", "text", "icon"}
	handlerKeys  = []string{"cancelled", "back", "timeout", "no", "declined", "failed", "wrong", "blocked"}
)

// actionKeys lists, per action, the keys its body may hold.
var actionKeys = map[ActionKind][]string{
	ActDisplay:   {"text", "wait_for_key", "high_priority", "timeout", "icon", "on"},
	ActInput:     {"into", "prompt", "kind", "alphabet", "min", "max", "hidden", "default", "icon", "on"},
	ActConfirm:   {"prompt", "into", "timeout", "icon", "on"},
	ActSelect:    {"into", "title", "items", "default", "icon", "on"},
	ActTone:      {"tone", "duration", "alpha", "vibrate", "icon"},
	ActSendSMS:   {"to", "smsc", "alpha", "text", "body", "concatenate", "icon", "silent", "on"},
	ActSendUSSD:  {"string", "alpha", "icon", "silent", "on"},
	ActCall:      {"to", "alpha", "mode", "redial", "icon", "silent", "on"},
	ActBrowser:   {"url", "alpha", "mode", "icon", "silent", "on"},
	ActLocalInfo: {"what", "into", "on"},
	ActEnd:       {},
	ActGoto:      {},
	ActIf:        {"if", "then", "else"},
	ActVerifyPIN: {"pin", "tries_into", "on"},
	ActSign:      {"key", "fields", "into"},
	ActCounter:   {"into"},
}

// ActionKinds returns the action names in a fixed order (for suggestions and documentation).
func ActionKinds() []string {
	var ks []string
	for k := range actionKeys {
		ks = append(ks, string(k))
	}
	sort.Strings(ks)
	return ks
}

type kv struct {
	key    string
	keyPos Pos
	val    ast.Node
}

// mapping returns a mapping's entries, or reports a wrong type and returns nil.
func (p *parser) mapping(n ast.Node, what string) []kv {
	n = p.unwrap(n)
	m, ok := n.(*ast.MappingNode)
	if !ok {
		if n != nil {
			p.errorf(p.pos(n), "wrong-type", "%s: want a map, got %s", what, describe(n))
		}
		return nil
	}
	out := make([]kv, 0, len(m.Values))
	seen := make(map[string]Pos, len(m.Values))
	for _, v := range m.Values {
		key := p.unwrap(v.Key)
		var name string
		switch k := key.(type) {
		case *ast.StringNode:
			name = k.Value
		case ast.ScalarNode:
			if k.GetToken() != nil {
				name = k.GetToken().Value
			}
		default:
			p.errorf(p.pos(v.Key), "wrong-type", "%s: a key must be a plain word, got %s", what, describe(key))
			continue
		}
		pos := p.pos(v.Key)
		if prev, dup := seen[name]; dup {
			p.errorf(pos, "duplicate-key", "%s: key %q is already given at line %d", what, name, prev.Line)
			continue
		}
		seen[name] = pos
		out = append(out, kv{key: name, keyPos: pos, val: v.Value})
	}
	return out
}

func (p *parser) unknownKey(e kv, what string, known []string) {
	p.errorf(e.keyPos, "unknown-key", "unknown key %q in %s%s", e.key, what, didYouMean(e.key, known))
}

// unwrap refuses YAML features the language does not use (tags, anchors, aliases) and returns
// the node to read instead.
func (p *parser) unwrap(n ast.Node) ast.Node {
	switch v := n.(type) {
	case *ast.TagNode:
		p.errorf(p.pos(n), "syntax", "YAML tags (%s) are not part of the spec language", v.Start.Value)
		return p.unwrap(v.Value)
	case *ast.AnchorNode:
		p.errorf(p.pos(n), "syntax", "YAML anchors are not part of the spec language")
		return p.unwrap(v.Value)
	case *ast.AliasNode:
		p.errorf(p.pos(n), "syntax", "YAML aliases are not part of the spec language")
		return nil
	case *ast.MappingValueNode:
		// A single "key: value" can come back unwrapped from the YAML parser.
		return &ast.MappingNode{BaseNode: &ast.BaseNode{}, Start: v.Start, Values: []*ast.MappingValueNode{v}}
	}
	return n
}

func describe(n ast.Node) string {
	switch n.(type) {
	case nil, *ast.NullNode:
		return "nothing (null)"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a map"
	case *ast.SequenceNode:
		return "a list"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	}
	return "a " + n.Type().String()
}

// scalar returns a scalar's text as written (so "+8695588" keeps its plus and 007 its zeros).
func (p *parser) scalar(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, true
	}
	return "", false
}

func (p *parser) str(n ast.Node, what string) Str {
	n = p.unwrap(n)
	s, ok := p.scalar(n)
	if !ok {
		p.errorf(p.pos(n), "wrong-type", "%s: want a string, got %s", what, describe(n))
		return Str{Pos: p.pos(n)}
	}
	return Str{Pos: p.pos(n), Value: s, Set: true}
}

func (p *parser) int(n ast.Node, what string) Int {
	n = p.unwrap(n)
	v, ok := n.(*ast.IntegerNode)
	if !ok {
		p.errorf(p.pos(n), "wrong-type", "%s: want a whole number, got %s", what, describe(n))
		return Int{Pos: p.pos(n)}
	}
	i, err := strconv.ParseInt(strings.ReplaceAll(v.GetToken().Value, "_", ""), 0, 32)
	if err != nil {
		p.errorf(p.pos(n), "wrong-type", "%s: %q is not a number from -2147483648 to 2147483647", what, v.GetToken().Value)
		return Int{Pos: p.pos(n)}
	}
	return Int{Pos: p.pos(n), Value: int(i), Set: true}
}

func (p *parser) bool(n ast.Node, what string) Bool {
	n = p.unwrap(n)
	v, ok := n.(*ast.BoolNode)
	if !ok {
		p.errorf(p.pos(n), "wrong-type", "%s: want true or false, got %s", what, describe(n))
		return Bool{Pos: p.pos(n)}
	}
	return Bool{Pos: p.pos(n), Value: v.Value, Set: true}
}

// list returns a sequence's entries; a single scalar stands for a one-entry list.
func (p *parser) list(n ast.Node, what string) []ast.Node {
	n = p.unwrap(n)
	switch v := n.(type) {
	case *ast.SequenceNode:
		return v.Values
	case nil, *ast.NullNode:
		return nil
	}
	p.errorf(p.pos(n), "wrong-type", "%s: want a list, got %s", what, describe(n))
	return nil
}

func (p *parser) strList(n ast.Node, what string) []Str {
	n = p.unwrap(n)
	if _, ok := p.scalar(n); ok {
		return []Str{p.str(n, what)}
	}
	var out []Str
	for i, e := range p.list(n, what) {
		out = append(out, p.str(e, fmt.Sprintf("%s[%d]", what, i)))
	}
	return out
}

func (p *parser) keys(n ast.Node) []*Key {
	var out []*Key
	for _, e := range p.mapping(n, "keys") {
		k := &Key{Pos: e.keyPos, Name: Str{Pos: e.keyPos, Value: e.key, Set: true}}
		what := "keys." + e.key
		for _, f := range p.mapping(e.val, what) {
			switch f.key {
			case "bits":
				k.Bits = p.int(f.val, what+".bits")
			case "scheme":
				k.Scheme = p.str(f.val, what+".scheme")
			default:
				p.unknownKey(f, what, keyKeys)
			}
		}
		out = append(out, k)
	}
	return out
}

func (p *parser) manifest(n ast.Node) *Manifest {
	m := &Manifest{Pos: p.pos(n)}
	for _, e := range p.mapping(n, "manifest") {
		what := "manifest." + e.key
		var dst *[]*Grant
		switch e.key {
		case "sms":
			dst = &m.SMS
		case "ussd":
			dst = &m.USSD
		case "call":
			dst = &m.Call
		case "browser":
			dst = &m.Browser
		case "local_info":
			dst = &m.LocalInfo
		default:
			p.unknownKey(e, "manifest", manifestKeys)
			continue
		}
		for i, g := range p.list(e.val, what) {
			gw := fmt.Sprintf("%s[%d]", what, i)
			gr := &Grant{Pos: p.pos(g)}
			for _, f := range p.mapping(g, gw) {
				switch f.key {
				case "to":
					gr.To = p.str(f.val, gw+".to")
				case "why":
					gr.Why = p.str(f.val, gw+".why")
				default:
					p.unknownKey(f, gw, grantKeys)
				}
			}
			*dst = append(*dst, gr)
		}
	}
	return m
}

func (p *parser) menu(n ast.Node, name Str, what string, sub bool) *Menu {
	m := &Menu{Pos: name.Pos, Name: name}
	known := mainKeys
	if sub {
		known = menuKeys
	}
	for _, e := range p.mapping(n, what) {
		switch e.key {
		case "title":
			m.Title = p.text(e.val, what+".title")
		case "icon":
			m.Icon = p.int(e.val, what+".icon")
		case "default":
			if !sub {
				p.errorf(e.keyPos, "unknown-key", "the main menu (SET UP MENU) has no default item; \"default\" belongs to submenus")
				continue
			}
			m.Default = p.str(e.val, what+".default")
		case "items":
			for i, it := range p.list(e.val, what+".items") {
				m.Items = append(m.Items, p.item(it, fmt.Sprintf("%s.items[%d]", what, i), true))
			}
		default:
			p.unknownKey(e, what, known)
		}
	}
	return m
}

func (p *parser) item(n ast.Node, what string, withFlow bool) *Item {
	it := &Item{Pos: p.pos(n)}
	known := itemKeys
	if !withFlow {
		known = choiceKeys
	}
	for _, e := range p.mapping(n, what) {
		switch e.key {
		case "id":
			it.ID = p.str(e.val, what+".id")
		case "text":
			it.Text = p.text(e.val, what+".text")
		case "help":
			if !withFlow {
				p.unknownKey(e, what, known)
				continue
			}
			it.Help = p.text(e.val, what+".help")
		case "icon":
			it.Icon = p.int(e.val, what+".icon")
		case "do":
			if !withFlow {
				p.unknownKey(e, what, known)
				continue
			}
			it.Do = p.flow(e.val, what+".do")
			it.HasDo = true
		default:
			p.unknownKey(e, what, known)
		}
	}
	return it
}

// text reads a text: a string (every language) or a map from language code to string.
func (p *parser) text(n ast.Node, what string) *Text {
	n = p.unwrap(n)
	if s, ok := p.scalar(n); ok {
		t := p.template(n, s)
		return &Text{Pos: t.Pos, Plain: t}
	}
	if _, ok := n.(*ast.MappingNode); !ok {
		p.errorf(p.pos(n), "wrong-type", "%s: want a text (a string, or a map from language to string), got %s", what, describe(n))
		return &Text{Pos: p.pos(n)}
	}
	t := &Text{Pos: p.pos(n)}
	for _, e := range p.mapping(n, what) {
		v := p.unwrap(e.val)
		s, ok := p.scalar(v)
		if !ok {
			p.errorf(p.pos(v), "wrong-type", "%s.%s: want a string, got %s", what, e.key, describe(v))
			continue
		}
		t.ByLang = append(t.ByLang, &LangText{Lang: Str{Pos: e.keyPos, Value: e.key, Set: true}, Value: p.template(v, s)})
	}
	return t
}

// template parses the {variable} references of a scalar string.
func (p *parser) template(n ast.Node, s string) *Template {
	t, d := ParseTemplate(s, p.offsets(n, s))
	if d != nil {
		p.diags.Add(*d)
	}
	t.Pos = p.pos(n)
	return t
}

// offsets maps a character offset in a scalar's value to its position in the file. It is exact
// for a scalar on one line written plain, double-quoted without escapes or single-quoted
// without doubled quotes; otherwise every offset maps to the scalar's start.
func (p *parser) offsets(n ast.Node, value string) func(int) Pos {
	base := p.pos(n)
	exact := false
	if tk := n.GetToken(); tk != nil && !strings.Contains(strings.TrimSpace(tk.Origin), "\n") {
		switch tk.Type {
		case token.StringType:
			exact = true
		case token.DoubleQuoteType:
			exact = !strings.Contains(tk.Origin, "\\")
			base = base.Shift(1)
		case token.SingleQuoteType:
			exact = !strings.Contains(value, "'")
			base = base.Shift(1)
		}
	}
	return func(off int) Pos {
		if exact {
			return base.Shift(off)
		}
		return p.pos(n)
	}
}

// ParseTemplate splits s into literals and {name} references; at maps a rune offset in s to a
// position. A malformed template yields a diagnostic and the parts read so far.
func ParseTemplate(s string, at func(int) Pos) (*Template, *Diagnostic) {
	t := &Template{Source: s}
	var lit strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == '{' && i+1 < len(rs) && rs[i+1] == '{':
			lit.WriteRune('{')
			i++
		case c == '}' && i+1 < len(rs) && rs[i+1] == '}':
			lit.WriteRune('}')
			i++
		case c == '}':
			d := Errorf(at(i), "template", "unmatched \"}\" in text (write \"}}\" for a literal brace)")
			return t, &d
		case c == '{':
			j := i + 1
			for j < len(rs) && rs[j] != '}' {
				j++
			}
			if j == len(rs) {
				d := Errorf(at(i), "template", "unclosed \"{\" in text (write \"{{\" for a literal brace)")
				return t, &d
			}
			name := strings.TrimSpace(string(rs[i+1 : j]))
			if !isName(name) {
				d := Errorf(at(i+1), "template", "bad variable reference {%s}: want a name such as {amount} or {card.iccid}", string(rs[i+1:j]))
				return t, &d
			}
			if lit.Len() > 0 {
				t.Parts = append(t.Parts, Part{Lit: lit.String()})
				lit.Reset()
			}
			t.Parts = append(t.Parts, Part{Ref: &Ref{Pos: at(i + 1), Name: name}})
			i = j
		default:
			lit.WriteRune(c)
		}
	}
	if lit.Len() > 0 {
		t.Parts = append(t.Parts, Part{Lit: lit.String()})
	}
	return t, nil
}

// isName reports whether s is a variable name: letters, digits and underscores, starting with a
// letter, with dots between such words (card.iccid).
func isName(s string) bool {
	if s == "" {
		return false
	}
	for _, w := range strings.Split(s, ".") {
		if w == "" {
			return false
		}
		for i, c := range w {
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
			case c >= '0' && c <= '9' && i > 0:
			default:
				return false
			}
		}
	}
	return true
}

// flow reads a list of actions.
func (p *parser) flow(n ast.Node, what string) []*Action {
	var out []*Action
	for i, e := range p.list(n, what) {
		if a := p.action(e, fmt.Sprintf("%s[%d]", what, i)); a != nil {
			out = append(out, a)
		}
	}
	return out
}

func (p *parser) action(n ast.Node, what string) *Action {
	n = p.unwrap(n)
	a := &Action{Pos: p.pos(n)}
	if s, ok := p.scalar(n); ok {
		switch ActionKind(s) {
		case ActEnd:
			a.Kind = ActEnd
			return a
		}
		p.errorf(a.Pos, "unknown-action", "unknown action %q%s", s, didYouMean(s, ActionKinds()))
		return nil
	}
	kvs := p.mapping(n, what)
	if kvs == nil {
		return nil
	}
	for _, e := range kvs {
		if e.key == "if" {
			a.Kind = ActIf
			p.ifAction(a, kvs, what)
			return a
		}
	}
	first := kvs[0]
	kind := ActionKind(first.key)
	if _, ok := actionKeys[kind]; !ok {
		p.errorf(first.keyPos, "unknown-action", "unknown action %q%s", first.key, didYouMean(first.key, ActionKinds()))
		return nil
	}
	a.Kind = kind
	a.Pos = first.keyPos
	for _, e := range kvs[1:] {
		hint := ""
		if contains(actionKeys[kind], e.key) {
			hint = fmt.Sprintf(" (indent it under %q)", first.key)
		} else if _, isAct := actionKeys[ActionKind(e.key)]; isAct {
			hint = " (each action is its own list entry: start it with \"- \")"
		}
		p.errorf(e.keyPos, "unknown-key", "unexpected key %q next to action %q%s", e.key, first.key, hint)
	}
	what = what + "." + first.key
	body := p.unwrap(first.val)
	// Short forms: "display: text", "confirm: prompt", "tone: beep", "goto: menu", "end:".
	if _, ok := p.scalar(body); ok {
		switch kind {
		case ActDisplay, ActConfirm:
			a.Text = p.text(body, what)
			return a
		case ActTone:
			a.Tone = p.str(body, what)
			return a
		case ActGoto:
			a.Target = p.str(body, what)
			return a
		}
	}
	// "display: {zh: ..., en: ...}" is the short form with a text in several languages.
	if (kind == ActDisplay || kind == ActConfirm) && isLangMap(body) {
		a.Text = p.text(body, what)
		return a
	}
	switch kind {
	case ActGoto:
		p.errorf(p.pos(body), "wrong-type", "%s: want a menu name, got %s", what, describe(body))
		return a
	case ActEnd:
		if _, null := body.(*ast.NullNode); body != nil && !null {
			p.errorf(p.pos(body), "wrong-type", "%s: \"end\" takes nothing, got %s", what, describe(body))
		}
		return a
	}
	for _, e := range p.mapping(body, what) {
		p.actionField(a, e, what)
	}
	return a
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) actionField(a *Action, e kv, what string) {
	if !contains(actionKeys[a.Kind], e.key) {
		p.unknownKey(e, "action "+string(a.Kind), actionKeys[a.Kind])
		return
	}
	w := what + "." + e.key
	switch e.key {
	case "text", "prompt", "title":
		a.Text = p.text(e.val, w)
	case "alpha":
		a.Alpha = p.text(e.val, w)
	case "into":
		a.Into = p.str(e.val, w)
	case "icon":
		a.Icon = p.int(e.val, w)
	case "silent":
		a.Silent = p.str(e.val, w)
	case "wait_for_key":
		a.WaitForKey = p.bool(e.val, w)
	case "high_priority":
		a.HighPriority = p.bool(e.val, w)
	case "timeout":
		a.Timeout = p.str(e.val, w)
	case "kind":
		a.InputKind = p.str(e.val, w)
	case "alphabet":
		a.Alphabet = p.str(e.val, w)
	case "min":
		a.Min = p.int(e.val, w)
	case "max":
		a.Max = p.int(e.val, w)
	case "hidden":
		a.Hidden = p.bool(e.val, w)
	case "default":
		if a.Kind == ActSelect {
			a.DefaultItem = p.str(e.val, w)
		} else {
			a.Default = p.text(e.val, w)
		}
	case "items":
		for i, it := range p.list(e.val, w) {
			a.Items = append(a.Items, p.item(it, fmt.Sprintf("%s[%d]", w, i), false))
		}
	case "tone":
		a.Tone = p.str(e.val, w)
	case "duration":
		a.Duration = p.str(e.val, w)
	case "vibrate":
		a.Vibrate = p.bool(e.val, w)
	case "to":
		a.To = p.str(e.val, w)
	case "smsc":
		a.SMSC = p.str(e.val, w)
	case "body":
		a.Body = p.templ(e.val, w)
	case "concatenate":
		a.Concatenate = p.bool(e.val, w)
	case "string":
		a.String = p.templ(e.val, w)
	case "url":
		a.URL = p.str(e.val, w)
	case "mode":
		a.Mode = p.str(e.val, w)
	case "redial":
		a.Redial = p.bool(e.val, w)
	case "what":
		a.What = p.str(e.val, w)
	case "pin":
		a.PIN = p.str(e.val, w)
	case "tries_into":
		a.TriesInto = p.str(e.val, w)
	case "key":
		a.Key = p.str(e.val, w)
	case "fields":
		a.Fields = p.strList(e.val, w)
	case "on":
		for _, h := range p.mapping(e.val, w) {
			if !contains(handlerKeys, h.key) {
				p.errorf(h.keyPos, "unknown-key", "unknown outcome %q in %s%s", h.key, w, didYouMean(h.key, handlerKeys))
				continue
			}
			a.On = append(a.On, &Handler{Outcome: Str{Pos: h.keyPos, Value: h.key, Set: true}, Do: p.handlerFlow(h.val, w+"."+h.key)})
		}
	}
}

// handlerFlow reads a handler: a list of actions, or a single action such as "end" or
// "goto: main".
func (p *parser) handlerFlow(n ast.Node, what string) []*Action {
	n = p.unwrap(n)
	if _, ok := n.(*ast.SequenceNode); ok {
		return p.flow(n, what)
	}
	if n == nil {
		return nil
	}
	if _, null := n.(*ast.NullNode); null {
		return nil
	}
	if a := p.action(n, what); a != nil {
		return []*Action{a}
	}
	return nil
}

func (p *parser) templ(n ast.Node, what string) *Template {
	n = p.unwrap(n)
	s, ok := p.scalar(n)
	if !ok {
		p.errorf(p.pos(n), "wrong-type", "%s: want a string, got %s", what, describe(n))
		return &Template{Pos: p.pos(n)}
	}
	return p.template(n, s)
}

func (p *parser) ifAction(a *Action, kvs []kv, what string) {
	for _, e := range kvs {
		switch e.key {
		case "if":
			a.Pos = e.keyPos
			v := p.unwrap(e.val)
			s, ok := p.scalar(v)
			if !ok {
				p.errorf(p.pos(v), "wrong-type", "%s.if: want a condition such as \"amount > 5000\", got %s", what, describe(v))
				continue
			}
			at := p.offsets(v, s)
			c, d := ParseCond(s, at)
			if d != nil {
				p.diags.Add(*d)
			}
			c.Pos = p.pos(v)
			a.Cond = c
		case "then":
			a.Then = p.handlerFlow(e.val, what+".then")
		case "else":
			a.Else = p.handlerFlow(e.val, what+".else")
		default:
			p.unknownKey(e, "if", actionKeys[ActIf])
		}
	}
	if a.Cond == nil {
		a.Cond = &Cond{Pos: a.Pos}
	}
}

// Limits that keep a hostile or broken file from making the YAML parser, whose time grows with
// the square of the nesting of flow collections, run for minutes. Real specs are far below.
const (
	MaxSpecSize = 8 << 20 // bytes
	MaxNesting  = 64      // [ and { inside each other
)

// tooDeep finds the first [ or { nested deeper than MaxNesting, outside quotes and comments.
func tooDeep(data []byte) (line, col int, deep bool) {
	depth, line, col := 0, 1, 0
	var quote byte
	comment := false
	prev := byte('\n')
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c&0xC0 != 0x80 { // count characters, not UTF-8 continuation bytes
			col++
		}
		switch {
		case c == '\n':
			line, col, comment = line+1, 0, false
		case comment:
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
				col++
			} else if c == quote {
				quote = 0
			}
		case c == '#' && (prev == ' ' || prev == '\t' || prev == '\n'):
			comment = true
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '{':
			if depth++; depth > MaxNesting {
				return line, col, true
			}
		case c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
		}
		prev = c
	}
	return 0, 0, false
}

// parseYAML runs the YAML parser, turning a panic inside it (a bug there, on input it did not
// expect) into an error, so that no input makes the spec parser panic.
func parseYAML(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("the YAML parser failed on this input (%v)", r)
		}
	}()
	// Duplicate keys are reported by mapping(), with both positions, so that the parse goes on
	// and finds the file's other problems.
	return yamlparser.ParseBytes(data, 0, yamlparser.AllowDuplicateMapKey())
}

// isLangMap reports whether n is a map whose keys all look like language codes (two lower-case
// letters; no action key has that shape except "on", which is not an ISO 639-1 code).
func isLangMap(n ast.Node) bool {
	m, ok := n.(*ast.MappingNode)
	if !ok || len(m.Values) == 0 {
		return false
	}
	for _, v := range m.Values {
		k, ok := v.Key.(*ast.StringNode)
		if !ok || len(k.Value) != 2 || k.Value == "on" || k.Value[0] < 'a' || k.Value[0] > 'z' || k.Value[1] < 'a' || k.Value[1] > 'z' {
			return false
		}
	}
	return true
}
