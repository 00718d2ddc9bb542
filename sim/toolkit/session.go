package toolkit

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"

	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/pay"
)

type waitKind uint8

const (
	waitNone  waitKind = iota
	waitLang           // PROVIDE LOCAL INFORMATION (language) at the start
	waitInstr          // the command of the instruction at pc
	waitMenu           // SELECT ITEM of a submenu
	waitHelp           // DISPLAY TEXT of a help text
)

// session is one proactive session: from MENU SELECTION to the end of the flow.
type session struct {
	rt  *Runtime
	img *image.Image
	p   *card.Proactive

	menuOnly bool // the SET UP MENU outside a session

	lang    int
	vals    image.Values
	pc      int
	entry   int
	pending image.Outcome
	done    bool

	wait     waitKind
	waitIn   image.Instr
	waitMenu int
	sent     []byte   // the command waiting for its response
	segments [][]byte // SMS segments still to send
	// flowMenu is the submenu whose item started the current flow (-1: the main menu); menus
	// are the submenus shown, for "back".
	flowMenu int
	menus    []int
	// afterHelp is the submenu to show again after a help text, -2 to end.
	afterHelp int
}

func (rt *Runtime) newSession(p *card.Proactive) *session {
	s := &session{rt: rt, img: rt.img, p: p, flowMenu: -1, afterHelp: -2}
	s.vals = make(image.Values, len(rt.img.Vars))
	for i, v := range rt.img.Vars {
		if d, ok := strings.CutPrefix(v.Name, "card."); ok {
			s.vals[i] = []byte(rt.cardDatum(p, d))
		}
	}
	rt.sess = s
	return s
}

// cardDatum reads ICCID, IMSI or MSISDN as digits (docs/image-format.md "Var types").
func (rt *Runtime) cardDatum(p *card.Proactive, name string) string {
	switch name {
	case "iccid":
		b, _ := p.ReadFile(PathICCID)
		return swappedBCD(b)
	case "imsi":
		b, err := p.ReadFile(PathIMSI)
		if err != nil || len(b) < 2 || int(b[0]) > len(b)-1 || b[0] == 0 {
			return ""
		}
		d := swappedBCD(b[1 : 1+int(b[0])])
		if len(d) > 0 {
			d = d[1:] // the low nibble of the first byte is the parity/type nibble
		}
		return d
	case "msisdn":
		b, err := p.ReadFile(PathMSISDN)
		n := rt.msisdnRL
		if err != nil || n < 14 || len(b) < n {
			return ""
		}
		rec := b[:n]
		x := n - 14 // alpha identifier length (TS 51.011 10.5.5)
		l := int(rec[x])
		if l < 2 || l > 11 {
			return ""
		}
		return swappedBCD(rec[x+2 : x+1+l])
	}
	return ""
}

// swappedBCD reads nibble-swapped BCD digits up to the first F.
func swappedBCD(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		for _, n := range []byte{c & 0x0F, c >> 4} {
			if n > 9 {
				return sb.String()
			}
			sb.WriteByte('0' + n)
		}
	}
	return sb.String()
}

func (s *session) logf(format string, args ...any) { s.rt.logf(format, args...) }

func (s *session) end(format string, args ...any) {
	if format != "" {
		s.logf("session ends: "+format, args...)
	}
	s.done = true
	s.wait = waitNone
}

// start begins the flow at entry, asking the handset's language first when it matters.
func (s *session) start(entry int) {
	s.pc, s.entry = entry, entry
	if len(s.img.Languages) > 1 && s.rt.supports(image.TypeProvideLocalInfo, 0x04) {
		cmd := []byte{0xD0, 0x09, 0x81, 0x03, s.p.NextNumber(), image.TypeProvideLocalInfo, 0x04, 0x82, 0x02, image.DevUICC, 0x82}
		if s.queue(cmd) {
			s.wait = waitLang
		}
	}
}

// help shows a help text; afterwards submenu menu is shown again (-2: the session ends).
func (s *session) help(t, menu int) {
	s.afterHelp = menu
	tpl := image.Template{Type: image.TypeDisplayText, Qualifier: 0x80, Dest: 0x02}
	if !s.rt.supports(tpl.Type, tpl.Qualifier) {
		s.end("terminal cannot show help")
		return
	}
	v, err := s.img.ElementText(0x8D, t, s.lang, s.vals)
	if err != nil {
		s.end("help text: %v", err)
		return
	}
	cmd, err := buildCommand(s.p.NextNumber(), tpl, v)
	if err != nil {
		s.end("help text: %v", err)
		return
	}
	if s.queue(cmd) {
		s.wait = waitHelp
	}
}

func buildCommand(number byte, t image.Template, textValue []byte) ([]byte, error) {
	n := 9 + 2 + len(textValue)
	if len(textValue) > 127 {
		n++
	}
	if n > 255 {
		return nil, fmt.Errorf("%d bytes", n)
	}
	out := []byte{0xD0}
	if n > 127 {
		out = append(out, 0x81)
	}
	out = append(out, byte(n), 0x81, 0x03, number, t.Type, t.Qualifier, 0x82, 0x02, image.DevUICC, t.Dest, 0x8D)
	if len(textValue) > 127 {
		out = append(out, 0x81)
	}
	out = append(out, byte(len(textValue)))
	return append(out, textValue...), nil
}

func (s *session) queue(cmd []byte) bool {
	if err := s.p.Queue(cmd); err != nil {
		s.end("queue: %v", err)
		return false
	}
	s.sent = cmd
	return true
}

// run executes instructions until a command waits for its terminal response or the session
// ends.
func (s *session) run() {
	for steps := 0; !s.done && s.wait == waitNone; steps++ {
		if steps > 100000 {
			s.end("more than 100000 instructions without a command")
			return
		}
		in, err := image.DecodeInstr(s.img.Code, s.pc)
		if err != nil {
			s.end("%v", err)
			return
		}
		if s.pending != image.OutOK && in.Op != image.OpOn {
			s.fallback()
			continue
		}
		s.exec(in)
	}
}

// fallback is what an outcome no ON took does: back shows the flow's submenu again, anything
// else ends the session.
func (s *session) fallback() {
	o := s.pending
	s.pending = image.OutOK
	if o == image.OutBack && s.flowMenu >= 0 {
		s.showMenu(s.flowMenu)
		return
	}
	s.end("outcome %s", o)
}

func (s *session) showMenu(m int) {
	menu := s.img.Menus[m]
	t := s.img.Templates[menu.Template]
	if !s.rt.supports(t.Type, t.Qualifier) {
		s.end("terminal profile lacks SELECT ITEM")
		return
	}
	cmd, err := s.img.Command(menu.Template, s.lang, s.p.NextNumber(), s.vals, nil)
	if err != nil {
		s.end("menu %d: %v", m, err)
		return
	}
	if len(s.menus) == 0 || s.menus[len(s.menus)-1] != m {
		s.menus = append(s.menus, m)
	}
	if s.queue(cmd) {
		s.wait, s.waitMenu = waitMenu, m
	}
}

func (s *session) exec(in image.Instr) {
	a := in.Args
	next := in.Next()
	switch in.Op {
	case image.OpCmd, image.OpInput, image.OpInkey, image.OpSelect, image.OpLocal:
		t := s.img.Templates[a[0]]
		if !s.rt.supports(t.Type, t.Qualifier) {
			s.logf("terminal profile lacks %s %02X: not sent", cat.CommandType(t.Type), t.Qualifier)
			s.pending, s.pc = image.OutFailed, next
			return
		}
		cmd, err := s.img.Command(a[0], s.lang, s.p.NextNumber(), s.vals, nil)
		if err != nil {
			s.end("pc %d: %v", in.PC, err)
			return
		}
		if s.queue(cmd) {
			s.wait, s.waitIn = waitInstr, in
		}
	case image.OpSMS:
		t := s.img.Templates[s.img.SMS[a[0]].Template]
		if !s.rt.supports(t.Type, t.Qualifier) {
			s.pending, s.pc = image.OutFailed, next
			return
		}
		ref := s.rt.st.SMSRef + 1
		cmds, err := s.img.SMSCommands(a[0], s.lang, s.vals, ref, s.p.NextNumber)
		if err != nil {
			s.end("pc %d: %v", in.PC, err)
			return
		}
		if len(cmds) > 1 {
			s.rt.st.SMSRef = ref
			if err := s.rt.save(s.p); err != nil {
				s.end("state: %v", err)
				return
			}
		}
		s.segments = cmds[1:]
		if s.queue(cmds[0]) {
			s.wait, s.waitIn = waitInstr, in
		}
	case image.OpMenu:
		s.pc = next
		s.showMenu(a[0])
	case image.OpEnd:
		s.end("")
	case image.OpJmp:
		s.pc = a[0]
	case image.OpOn:
		if s.pending != image.OutOK && uint(a[0])&(1<<s.pending) != 0 {
			s.pending, s.pc = image.OutOK, a[1]
			return
		}
		s.pc = next
	case image.OpIfV, image.OpIfL:
		l := s.vals[a[1]]
		var r []byte
		if in.Op == image.OpIfV {
			r = s.vals[a[2]]
		} else {
			r = in.Lit
		}
		if l == nil || (in.Op == image.OpIfV && r == nil) {
			s.end("pc %d: comparison reads an unset variable", in.PC)
			return
		}
		if compare(image.CmpOp(a[0]), l, r) {
			s.pc = next
		} else {
			s.pc = a[len(a)-1]
		}
	case image.OpPIN:
		s.pc = next
		pin := s.vals[a[1]]
		if pin == nil {
			s.end("pc %d: PIN unset", in.PC)
			return
		}
		ok, left, err := s.p.CheckPIN(byte(a[0]), string(pin))
		if err != nil {
			s.logf("PIN check: %v", err)
		}
		switch {
		case ok:
		case left == 0:
			s.pending = image.OutBlocked
		default:
			s.pending = image.OutWrong
		}
		if a[2] > 0 {
			s.vals[a[2]-1] = []byte(strconv.Itoa(left))
		}
	case image.OpSign:
		s.pc = next
		if err := s.sign(a[0], a[1], a[2:]); err != nil {
			s.end("pc %d: sign: %v", in.PC, err)
		}
	case image.OpCount:
		s.pc = next
		s.rt.st.Counter++
		if err := s.rt.save(s.p); err != nil {
			s.rt.st.Counter--
			s.end("pc %d: counter not saved: %v", in.PC, err)
			return
		}
		s.vals[a[0]] = []byte(strconv.FormatUint(uint64(s.rt.st.Counter), 10))
	default:
		s.end("pc %d: %s", in.PC, in.Op)
	}
}

// sign makes the RSA signature over the canonical transaction bytes (docs/spec-language.md
// "Signatures"; stk/pay).
func (s *session) sign(key, into int, fields []int) error {
	k := s.img.Keys[key]
	priv := s.rt.st.key(k.Name)
	if priv == nil {
		return fmt.Errorf("the card has no key %q", k.Name)
	}
	tx := pay.Transaction{App: s.img.Name}
	for _, f := range fields {
		if s.vals[f] == nil {
			return fmt.Errorf("field %q unset", s.img.Vars[f].Name)
		}
		v, err := s.img.VarOctets(f, s.vals[f])
		if err != nil {
			return err
		}
		tx.Fields = append(tx.Fields, pay.Field{Name: s.img.Vars[f].Name, Value: v})
	}
	msg, err := tx.Canonical()
	if err != nil {
		return err
	}
	r := s.rt.cfg.Rand
	if r == nil {
		r = rand.Reader
	}
	sig, err := pay.Sign(r, priv, pay.Scheme(k.Scheme), msg)
	if err != nil {
		return err
	}
	s.vals[into] = sig
	return nil
}

// compare evaluates a condition (docs/image-format.md "The bytecode").
func compare(op image.CmpOp, l, r []byte) bool {
	base := op &^ image.Numeric
	switch base {
	case image.CmpTrue:
		return len(l) == 1 && l[0] == 1
	case image.CmpFalse:
		return !(len(l) == 1 && l[0] == 1)
	}
	var c int
	if op&image.Numeric != 0 {
		a, b := strings.TrimLeft(string(l), "0"), strings.TrimLeft(string(r), "0")
		switch {
		case len(a) != len(b):
			c = len(a) - len(b)
		default:
			c = strings.Compare(a, b)
		}
	} else {
		c = strings.Compare(string(l), string(r))
	}
	switch base {
	case image.CmpEq:
		return c == 0
	case image.CmpNe:
		return c != 0
	case image.CmpLt:
		return c < 0
	case image.CmpLe:
		return c <= 0
	case image.CmpGt:
		return c > 0
	case image.CmpGe:
		return c >= 0
	}
	return false
}

// outcome maps a general result (TS 102 223 8.12.1) to the bytecode's outcomes.
func outcome(r cat.GeneralResult) image.Outcome {
	switch g := byte(r); {
	case g < 0x10:
		return image.OutOK
	case g == 0x10 || g == 0x14 || g == 0x23:
		return image.OutCancelled
	case g == 0x11:
		return image.OutBack
	case g == 0x12:
		return image.OutTimeout
	case g == 0x13:
		return image.OutHelp
	case g == 0x22:
		return image.OutDeclined
	}
	return image.OutFailed
}

// sameCommand reports whether a terminal response's command details name the command sent
// (TS 102 223 6.8: the terminal copies them).
func sameCommand(cmd []byte, d cat.CommandDetails) bool {
	m, err := cat.Decode(cmd)
	if err != nil {
		return false
	}
	c := m.Details()
	return c.Number == d.Number && c.Type == d.Type
}

// answer takes the terminal response to the command the session sent.
func (s *session) answer(cmd, raw []byte) {
	var tr cat.TerminalResponse
	o := image.OutFailed
	err := tr.Unmarshal(raw)
	switch {
	case err != nil:
		s.logf("terminal response: %v", err)
	case !sameCommand(cmd, tr.Details):
		s.logf("terminal response for command %d type %02X, sent %X", tr.Details.Number, byte(tr.Details.Type), cmd)
	default:
		o = outcome(tr.Result.General)
	}
	w := s.wait
	s.wait = waitNone
	switch w {
	case waitLang:
		if o == image.OutOK && tr.Language != nil {
			for i, l := range s.img.Languages {
				if l == strings.ToLower(tr.Language.Code) {
					s.lang = i
				}
			}
		}
		s.pc = s.entry
	case waitHelp:
		if s.afterHelp >= 0 {
			s.showMenu(s.afterHelp)
		} else {
			s.end("")
		}
	case waitMenu:
		s.menuAnswer(o, &tr)
	case waitInstr:
		s.instrAnswer(o, &tr)
	}
}

func (s *session) menuAnswer(o image.Outcome, tr *cat.TerminalResponse) {
	m := s.img.Menus[s.waitMenu]
	find := func() *image.MenuItem {
		if tr.Item == nil {
			return nil
		}
		for i := range m.Items {
			if m.Items[i].ID == tr.Item.Identifier {
				return &m.Items[i]
			}
		}
		return nil
	}
	switch o {
	case image.OutOK:
		it := find()
		if it == nil {
			s.end("SELECT ITEM answered without a known item")
			return
		}
		s.flowMenu, s.pc = s.waitMenu, it.Entry
	case image.OutBack:
		s.menus = s.menus[:max(0, len(s.menus)-1)]
		if len(s.menus) == 0 {
			s.end("")
			return
		}
		s.showMenu(s.menus[len(s.menus)-1])
	case image.OutHelp:
		if it := find(); it != nil && it.Help != image.NoText {
			s.help(it.Help, s.waitMenu)
			return
		}
		s.showMenu(s.waitMenu)
	default:
		s.end("submenu: %s", o)
	}
}

func (s *session) instrAnswer(o image.Outcome, tr *cat.TerminalResponse) {
	in := s.waitIn
	a := in.Args
	if o == image.OutOK {
		switch in.Op {
		case image.OpInput:
			o = s.store(a[1], tr)
		case image.OpInkey:
			yes, ok := tr.YesNo()
			switch {
			case !ok:
				o = image.OutFailed
			case a[1] > 0:
				s.vals[a[1]-1] = []byte{0}
				if yes {
					s.vals[a[1]-1][0] = 1
				}
			case !yes:
				o = image.OutNo
			}
		case image.OpSelect:
			v := s.img.Vars[a[1]]
			if tr.Item == nil || tr.Item.Identifier == 0 || int(tr.Item.Identifier) > len(v.Choices) {
				o = image.OutFailed
			} else {
				s.vals[a[1]] = []byte{tr.Item.Identifier}
			}
		case image.OpLocal:
			o = s.storeLocal(a[1], tr)
		case image.OpSMS:
			if len(s.segments) > 0 {
				next := s.segments[0]
				s.segments = s.segments[1:]
				if s.queue(next) {
					s.wait = waitInstr
				}
				return
			}
		}
	}
	s.segments = nil
	s.pc, s.pending = in.Next(), o
}

// store puts a GET INPUT answer into a variable, checking it against the variable's type and
// length.
func (s *session) store(v int, tr *cat.TerminalResponse) image.Outcome {
	vr := s.img.Vars[v]
	if tr.Text == nil || tr.Text.Data != nil {
		return image.OutFailed
	}
	val := tr.Text.Text
	if tr.Text.Null {
		val = ""
	}
	if n := len([]rune(val)); n > vr.MaxLen {
		return image.OutFailed
	}
	if vr.Type == image.TypeDigits && strings.Trim(val, "0123456789") != "" {
		return image.OutFailed
	}
	s.vals[v] = []byte(val)
	return image.OutOK
}

func (s *session) storeLocal(v int, tr *cat.TerminalResponse) image.Outcome {
	vr := s.img.Vars[v]
	var val []byte
	switch {
	case tr.Language != nil:
		val = []byte(tr.Language.Code)
	case tr.IMEI != nil:
		val = []byte(tr.IMEI.Digits)
	default:
		for _, e := range tr.Extra {
			val = e.Value
		}
		if m, err := cat.Decode(mustMarshal(tr)); err == nil && len(m.Elements) > 3 {
			val = m.Elements[3].Value
		}
	}
	if val == nil || len(val) > vr.MaxLen {
		return image.OutFailed
	}
	s.vals[v] = append([]byte{}, val...)
	return image.OutOK
}

func mustMarshal(tr *cat.TerminalResponse) []byte {
	b, _ := tr.Marshal()
	return b
}
