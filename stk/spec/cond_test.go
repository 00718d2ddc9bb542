package spec

import (
	"fmt"
	"testing"
)

var line40 = NewSource("c", []byte("0123456789012345678901234567890123456789"))

func at(off int) Pos { return Pos{Src: line40, Line: 1, Col: 1 + off} }

func TestParseCond(t *testing.T) {
	for _, c := range []struct {
		src  string
		want string // left op right-or-literal(kind), or "error@col: message start"
	}{
		{"confirmed", "confirmed  <none>"},
		{"not confirmed", "confirmed not <none>"},
		{"amount > 5000", "amount > 5000(1)"},
		{"amount>=5000", "amount >= 5000(1)"},
		{"kind == water-bill", "kind == {water-bill}"},
		{"note != 'a b'", "note != a b(2)"},
		{`note == "x"`, "note == x(2)"},
		{"ok == yes", "ok == yes(3)"},
		{"a <= b", "a <= {b}"},
		{"card.iccid == 1", "card.iccid == 1(1)"},
		{"", "error@1"},
		{"not", "error@4"},
		{"a =", "error@3"},
		{"a >", "error@4"},
		{"a > 1 2", "error@7"},
		{"not a == 1", "error@7"},
		{"a == 'x", "error@6"},
		{"5 > a", "error@1"},
		{"a ? b", "error@3"},
		{"yes", "error@1"},
	} {
		cond, d := ParseCond(c.src, at)
		var got string
		if d != nil {
			got = fmt.Sprintf("error@%d", d.Col)
		} else {
			right := "<none>"
			switch {
			case cond.Right != nil:
				right = "{" + cond.Right.Name + "}"
			case cond.LitKind != LitNone:
				right = fmt.Sprintf("%s(%d)", cond.Lit, cond.LitKind)
			}
			got = fmt.Sprintf("%s %s %s", cond.Left.Name, cond.Op, right)
		}
		if got != c.want {
			t.Errorf("ParseCond(%q) = %s, want %s", c.src, got, c.want)
		}
	}
}

func TestParseTemplate(t *testing.T) {
	for _, c := range []struct {
		src, want string
	}{
		{"Pay {amount} to {payee}?", `"Pay " {amount@6} " to " {payee@18} "?"`},
		{"{{literal}} {x}", `"{literal} " {x@14}`},
		{"{ card.iccid }", `{card.iccid@2}`},
		{"余额{a}元", `"余额" {a@4} "元"`},
		{"", ``},
		{"a {b", "error@3"},
		{"a } b", "error@3"},
		{"{1x}", "error@2"},
		{"{a b}", "error@2"},
		{"{}", "error@2"},
	} {
		tp, d := ParseTemplate(c.src, at)
		var got string
		if d != nil {
			got = fmt.Sprintf("error@%d", d.Col)
		} else {
			for i, p := range tp.Parts {
				if i > 0 {
					got += " "
				}
				if p.Ref != nil {
					got += fmt.Sprintf("{%s@%d}", p.Ref.Name, p.Ref.Pos.Col)
				} else {
					got += fmt.Sprintf("%q", p.Lit)
				}
			}
		}
		if got != c.want {
			t.Errorf("ParseTemplate(%q) = %s, want %s", c.src, got, c.want)
		}
	}
}

// TestPositionsInQuotedScalars: references and conditions point at the right column whether
// the scalar is plain, double- or single-quoted.
func TestPositionsInQuotedScalars(t *testing.T) {
	src := "stkforge: 1\nname: t\nmenu:\n  title: T\n  items:\n    - id: a\n      text: A\n      do:\n" +
		"        - display: Pay {x}\n" +
		"        - display: \"Pay {x}\"\n" +
		"        - display: 'Pay {x}'\n" +
		"        - if: 'a > b'\n"
	f, diags := Parse("t.yaml", []byte(src))
	if len(diags) > 0 {
		t.Fatal(diags.Format(0))
	}
	do := f.Menu.Items[0].Do
	for i, wantCol := range []int{25, 26, 26} {
		ref := do[i].Text.Plain.Refs()[0]
		if ref.Pos.Line != 9+i || ref.Pos.Col != wantCol {
			t.Errorf("display %d: {x} at %d:%d, want %d:%d", i, ref.Pos.Line, ref.Pos.Col, 9+i, wantCol)
		}
	}
	if c := do[3].Cond; c.Right.Pos.Col != 20 {
		t.Errorf("condition right side at column %d, want 20", c.Right.Pos.Col)
	}
}
