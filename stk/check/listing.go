package check

import (
	"fmt"
	"strings"

	"github.com/stkforge/stkforge/stk/cat/profile"
)

// Listing is a readable dump of a checked program: profiles, keys, manifest, variables, the
// commands it needs, the text table with each language's coding and length, and every menu and
// flow with the proactive command (type, qualifier, destination) each step becomes and its
// longest encoding. Golden files hold it; the generator's listing builds on the same order.
func (p *Program) Listing() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("program %s\n", p.Name)
	w("languages %s\n", strings.Join(p.Languages, " "))
	var hs []string
	for _, h := range p.Handsets {
		hs = append(hs, h.Name)
	}
	w("handsets %s\n", strings.Join(hs, " "))
	if c := p.Card; c != nil {
		w("card %s: %d bytes, %d menu items, %d select items, %d variable bytes\n", c.Name, c.Memory, c.MaxMenuItems, c.MaxSelectItems, c.MaxVarBytes)
	}
	if len(p.Keys) > 0 {
		w("\nkeys\n")
		for _, k := range p.Keys {
			w("  %-12s RSA-%d %s, signature %d bytes\n", k.Name, k.Bits, k.Scheme, k.SignatureLen())
		}
	}
	if len(p.Manifest) > 0 {
		w("\nmanifest\n")
		for _, g := range p.Manifest {
			w("  %-10s %-28q %s\n", g.Kind, g.To, g.Why)
		}
	}
	w("\nvariables\n")
	for _, v := range p.Vars {
		var notes []string
		if v.Card != "" {
			notes = append(notes, "card")
		}
		if v.UCS2 {
			notes = append(notes, "ucs2")
		}
		if v.Hidden {
			notes = append(notes, "hidden")
		}
		if len(v.Choices) > 0 {
			notes = append(notes, "choices "+strings.Join(v.Choices, "|"))
		}
		note := ""
		if len(notes) > 0 {
			note = "  (" + strings.Join(notes, ", ") + ")"
		}
		w("  $%-3d %-14s %-7s max %d%s\n", v.Index, v.Name, v.Type, v.MaxLen, note)
	}
	w("\ncommands\n")
	for _, c := range p.Commands {
		w("  %02X %02X  %s\n", c.Type, c.Qualifier, profile.CommandName(c.Type))
	}
	w("\ntexts\n")
	for _, t := range p.Texts {
		w("  T%-3d %s\n", t.Index, t.Context)
		for _, l := range t.Langs {
			base := ""
			if l.Coding == CodingAlpha81 || l.Coding == CodingAlpha82 {
				base = fmt.Sprintf(" base %04X", l.Base)
			}
			size := fmt.Sprintf("%d bytes", l.Len)
			if t.Context == CtxSMS && l.Coding == CodingPacked7 {
				size = fmt.Sprintf("%d septets", l.Len)
			}
			if t.IsTemplate() {
				size = "≤ " + size
			}
			w("       %s %-21s %-15s %q", l.Lang, l.Coding.String()+base, size, l.Source)
			if len(l.Bytes) > 0 && len(l.Bytes) <= 24 {
				w("  % X", l.Bytes)
			}
			w("\n")
		}
	}
	menus := append([]*Menu{p.Main}, p.Menus...)
	for _, m := range menus {
		if m == nil {
			continue
		}
		w("\nmenu %s: %s, ≤ %d bytes", m.Name, cmdString(m.Cmd), m.MaxCommand)
		if !m.Reachable {
			w(", unreachable")
		}
		w("\n")
		if m.Title != nil {
			w("  title T%d\n", m.Title.Index)
		}
		for _, it := range m.Items {
			w("  item %d %s: text %s", it.ID, it.Name, textRef(it.Text))
			if it.Help != nil {
				w(", help T%d", it.Help.Index)
			}
			if it.Icon != 0 {
				w(", icon %d", it.Icon)
			}
			if m.Default == it {
				w(", default")
			}
			w("\n")
			listBlock(&b, it.Flow, "    ")
		}
	}
	return b.String()
}

func textRef(t *Text) string {
	if t == nil {
		return "-"
	}
	return fmt.Sprintf("T%d", t.Index)
}

func cmdString(c Command) string {
	return fmt.Sprintf("%s (%02X, qualifier %02X, to %02X)", profile.CommandName(c.Type), c.Type, c.Qualifier, c.Dest)
}

func varRef(v *Var) string {
	if v == nil {
		return "-"
	}
	return "$" + v.Name
}

func listBlock(b *strings.Builder, blk *Block, ind string) {
	if blk == nil {
		return
	}
	for _, s := range blk.Steps {
		base := s.base()
		fmt.Fprintf(b, "%s%d: ", ind, base.Pos.Line)
		if base.Cmd != nil {
			fmt.Fprintf(b, "%s ≤ %d bytes: ", cmdString(*base.Cmd), base.MaxCommand)
		}
		switch v := s.(type) {
		case *Display:
			fmt.Fprintf(b, "display %s", textRef(v.Text))
			if v.Duration != nil {
				fmt.Fprintf(b, " for %d s", v.Duration.Seconds())
			}
		case *Input:
			kind := "text"
			if v.Digits {
				kind = "digits"
			}
			fmt.Fprintf(b, "input %s %s %d..%d prompt %s", varRef(v.Into), kind, v.Min, v.Max, textRef(v.Prompt))
			if v.Default != nil {
				fmt.Fprintf(b, " default %s", textRef(v.Default))
			}
		case *Confirm:
			fmt.Fprintf(b, "confirm %s", textRef(v.Prompt))
			if v.Into != nil {
				fmt.Fprintf(b, " into %s", varRef(v.Into))
			}
		case *Select:
			fmt.Fprintf(b, "select %s title %s:", varRef(v.Into), textRef(v.Title))
			for _, it := range v.Items {
				fmt.Fprintf(b, " %d=%s/%s", it.ID, it.Name, textRef(it.Text))
			}
		case *Tone:
			fmt.Fprintf(b, "tone %02X alpha %s", v.Tone, textRef(v.Alpha))
		case *SendSMS:
			msg := v.Text
			if msg == nil {
				msg = v.Body
			}
			fmt.Fprintf(b, "send_sms to %q alpha %s message %s, %d SMS", v.To, textRef(v.Alpha), textRef(msg), v.Segments)
		case *SendUSSD:
			fmt.Fprintf(b, "send_ussd %s alpha %s", textRef(v.String), textRef(v.Alpha))
		case *Call:
			fmt.Fprintf(b, "call %q alpha %s", v.To, textRef(v.Alpha))
		case *Browser:
			fmt.Fprintf(b, "browser %q alpha %s", v.URL, textRef(v.Alpha))
		case *LocalInfo:
			fmt.Fprintf(b, "local_info %s into %s", v.What, varRef(v.Into))
		case *End:
			b.WriteString("end")
		case *Goto:
			name := "?"
			if v.Menu != nil {
				name = v.Menu.Name
			}
			fmt.Fprintf(b, "goto %s", name)
		case *If:
			b.WriteString("if " + condString(v.Cond))
		case *VerifyPIN:
			fmt.Fprintf(b, "verify_pin %s tries %s", varRef(v.PIN), varRef(v.Tries))
		case *Sign:
			key := "?"
			if v.Key != nil {
				key = v.Key.Name
			}
			var fs []string
			for _, f := range v.Fields {
				fs = append(fs, varRef(f))
			}
			fmt.Fprintf(b, "sign key %s over [%s] into %s", key, strings.Join(fs, " "), varRef(v.Into))
		case *Counter:
			fmt.Fprintf(b, "counter into %s", varRef(v.Into))
		}
		if base.Confirms {
			b.WriteString(" (confirms)")
		}
		b.WriteString("\n")
		for _, h := range base.On {
			fmt.Fprintf(b, "%s  on %s:\n", ind, h.Outcome)
			listBlock(b, h.Flow, ind+"    ")
		}
		if v, ok := s.(*If); ok {
			fmt.Fprintf(b, "%s  then:\n", ind)
			listBlock(b, v.Then, ind+"    ")
			if v.Else != nil && len(v.Else.Steps) > 0 {
				fmt.Fprintf(b, "%s  else:\n", ind)
				listBlock(b, v.Else, ind+"    ")
			}
		}
	}
}

func condString(c *Cond) string {
	if c == nil || c.Left == nil {
		return "?"
	}
	switch c.Op {
	case "":
		return varRef(c.Left)
	case "not":
		return "not " + varRef(c.Left)
	}
	r := fmt.Sprintf("%q", c.Lit)
	if c.Right != nil {
		r = varRef(c.Right)
	} else if c.Numeric {
		r = c.Lit
	}
	return fmt.Sprintf("%s %s %s", varRef(c.Left), c.Op, r)
}
