package spec

import "strings"

// ParseCond parses a condition:
//
//	cond    = name | "not" name | name op operand
//	op      = "==" | "!=" | "<" | "<=" | ">" | ">="
//	operand = name | number | 'string' | "string" | yes | no
//
// at maps a rune offset in s to a position. A malformed condition yields a diagnostic.
func ParseCond(s string, at func(int) Pos) (*Cond, *Diagnostic) {
	c := &Cond{Source: s}
	toks, d := lexCond(s, at)
	if d != nil {
		return c, d
	}
	fail := func(off int, format string, args ...any) (*Cond, *Diagnostic) {
		d := Errorf(at(off), "condition", "condition %q: "+format, append([]any{s}, args...)...)
		return c, &d
	}
	if len(toks) == 0 {
		return fail(0, "empty; want e.g. \"amount > 5000\" or \"not confirmed\"")
	}
	i := 0
	if toks[0].kind == tName && toks[0].text == "not" {
		c.Op = OpNot
		i++
	}
	if i >= len(toks) || toks[i].kind != tName || toks[i].text == "yes" || toks[i].text == "no" {
		off := len([]rune(s))
		if i < len(toks) {
			off = toks[i].off
		}
		return fail(off, "want a variable name here")
	}
	c.Left = &Ref{Pos: at(toks[i].off), Name: toks[i].text}
	i++
	if i == len(toks) {
		return c, nil
	}
	if c.Op == OpNot {
		return fail(toks[i].off, "\"not\" takes a single yes/no variable")
	}
	if toks[i].kind != tOp {
		return fail(toks[i].off, "want an operator (== != < <= > >=) after %q", c.Left.Name)
	}
	c.Op = CondOp(toks[i].text)
	i++
	if i == len(toks) {
		return fail(len([]rune(s)), "missing the value to compare with")
	}
	t := toks[i]
	c.RightPos = at(t.off)
	switch {
	case t.kind == tNumber:
		c.Lit, c.LitKind = t.text, LitNumber
	case t.kind == tString:
		c.Lit, c.LitKind = t.text, LitString
	case t.kind == tName && (t.text == "yes" || t.text == "no"):
		c.Lit, c.LitKind = t.text, LitBool
	case t.kind == tName:
		c.Right = &Ref{Pos: at(t.off), Name: t.text}
	default:
		return fail(t.off, "want a variable, number or quoted string after %q", string(c.Op))
	}
	if i+1 < len(toks) {
		return fail(toks[i+1].off, "unexpected %q after the comparison (one comparison per if)", toks[i+1].text)
	}
	return c, nil
}

type condTokKind uint8

const (
	tName condTokKind = iota + 1
	tNumber
	tString
	tOp
)

type condTok struct {
	kind condTokKind
	text string
	off  int // rune offset
}

func lexCond(s string, at func(int) Pos) ([]condTok, *Diagnostic) {
	rs := []rune(s)
	var toks []condTok
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				j++
			}
			toks = append(toks, condTok{tNumber, string(rs[i:j]), i})
			i = j
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(rs) && rs[j] != c {
				j++
			}
			if j == len(rs) {
				d := Errorf(at(i), "condition", "condition %q: unclosed quote", s)
				return nil, &d
			}
			toks = append(toks, condTok{tString, string(rs[i+1 : j]), i})
			i = j + 1
		case strings.ContainsRune("=!<>", c):
			j := i + 1
			if j < len(rs) && rs[j] == '=' {
				j++
			}
			op := string(rs[i:j])
			switch op {
			case "==", "!=", "<", "<=", ">", ">=":
			default:
				d := Errorf(at(i), "condition", "condition %q: unknown operator %q (want == != < <= > >=)", s, op)
				return nil, &d
			}
			toks = append(toks, condTok{tOp, op, i})
			i = j
		case c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			j := i
			for j < len(rs) && (rs[j] == '_' || rs[j] == '.' || rs[j] == '-' || rs[j] >= 'a' && rs[j] <= 'z' || rs[j] >= 'A' && rs[j] <= 'Z' || rs[j] >= '0' && rs[j] <= '9') {
				j++
			}
			toks = append(toks, condTok{tName, string(rs[i:j]), i})
			i = j
		default:
			d := Errorf(at(i), "condition", "condition %q: unexpected %q", s, string(c))
			return nil, &d
		}
	}
	return toks, nil
}
