package spec

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestDiagnosticFormat(t *testing.T) {
	src := NewSource("m.yaml", []byte("menu:\n  titel: 手机银行\n\tx: 1\n"))
	d := Errorf(Pos{Src: src, Line: 2, Col: 10}, "demo", "after the CJK")
	if got, want := d.Error(), "m.yaml:2:10: after the CJK"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	// "  titel: " is 9 cells, the caret goes under the first CJK character.
	want := "m.yaml:2:10: after the CJK [demo]\n    |   titel: 手机银行\n    |          ^\n"
	if got := d.Format(); got != want {
		t.Errorf("Format() =\n%s\nwant\n%s", got, want)
	}
	// Wide characters before the column take two cells; tabs are kept.
	d = Errorf(Pos{Src: src, Line: 2, Col: 12}, "demo", "x")
	if got := strings.Split(d.Format(), "\n")[2]; got != "    |              ^" {
		t.Errorf("caret after two wide characters: %q", got)
	}
	d = Errorf(Pos{Src: src, Line: 3, Col: 2}, "demo", "x")
	if got := strings.Split(d.Format(), "\n")[2]; got != "    | \t^" {
		t.Errorf("caret after a tab: %q", got)
	}
}

func TestDiagnosticClamp(t *testing.T) {
	src := NewSource("m.yaml", []byte("a: 1\nb: 2"))
	for _, p := range []Pos{{Src: src}, {Src: src, Line: 99, Col: 1}, {Src: src, Line: 1, Col: 99}, {Src: src, Line: -3, Col: -3}} {
		d := Errorf(p, "x", "m")
		if d.Line < 1 || d.Line > 2 || d.Col < 1 || d.Col > 5 {
			t.Errorf("%v -> %d:%d, outside the file", p, d.Line, d.Col)
		}
	}
	empty := NewSource("e.yaml", nil)
	if d := Errorf(Pos{Src: empty}, "x", "m"); d.Line != 1 || d.Col != 1 {
		t.Errorf("empty file: %d:%d", d.Line, d.Col)
	}
}

func TestDiagnosticsNormalize(t *testing.T) {
	src := NewSource("a.yaml", []byte("1\n2\n3\n4\n"))
	other := NewSource("b.yaml", []byte("1\n"))
	var l Diagnostics
	l.Errorf(Pos{Src: src, Line: 3, Col: 1}, "c", "third")
	l.Errorf(Pos{Src: src, Line: 1, Col: 1}, "c", "first")
	l.Errorf(Pos{Src: src, Line: 1, Col: 1}, "c", "first, a consequence")
	l.Warnf(Pos{Src: src, Line: 2, Col: 1}, "w", "warn")
	l.Warnf(Pos{Src: src, Line: 2, Col: 1}, "w", "warn")
	l.Warnf(Pos{Src: src, Line: 3, Col: 1}, "w", "under an error")
	l.Errorf(Pos{Src: other, Line: 1, Col: 1}, "c", "other file")
	n := l.Normalize()
	var got []string
	for _, d := range n {
		got = append(got, d.Error())
	}
	want := []string{"a.yaml:1:1: first", "a.yaml:2:1: warning: warn", "a.yaml:3:1: third", "b.yaml:1:1: other file"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Normalize:\n got %q\nwant %q", got, want)
	}
	if !n.HasErrors() || n.Err() == nil {
		t.Error("errors not seen")
	}
	if (Diagnostics{Warnf(Pos{Src: src, Line: 1, Col: 1}, "w", "x")}).Err() != nil {
		t.Error("warnings alone are not an error")
	}
}

func TestDiagnosticsCap(t *testing.T) {
	src := NewSource("a.yaml", []byte(strings.Repeat("x\n", 30)))
	var l Diagnostics
	for i := 1; i <= 25; i++ {
		l.Errorf(Pos{Src: src, Line: i, Col: 1}, "c", "error %d", i)
	}
	out := l.Format(0)
	if strings.Count(out, "^") != MaxReported {
		t.Errorf("printed %d errors, want %d", strings.Count(out, "^"), MaxReported)
	}
	if !strings.HasSuffix(out, "5 more errors\n") {
		t.Errorf("no count of the rest:\n%s", out)
	}
	if got := l.Error(); got != "a.yaml:1:1: error 1 (and 24 more)" {
		t.Errorf("Error() = %q", got)
	}
}

func TestDiagnosticsJSON(t *testing.T) {
	src := NewSource("a.yaml", []byte("x: 1\n"))
	l := Diagnostics{Errorf(Pos{Src: src, Line: 1, Col: 4}, "wrong-type", "want <text> & more")}
	var back []map[string]any
	if err := json.Unmarshal(l.JSON(), &back); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"file": "a.yaml", "line": 1.0, "col": 4.0, "severity": "error", "code": "wrong-type", "message": "want <text> & more"}
	if fmt.Sprint(back[0]) != fmt.Sprint(want) {
		t.Errorf("JSON = %v, want %v", back[0], want)
	}
	if got := string(Diagnostics(nil).JSON()); got != "[]\n" {
		t.Errorf("empty list JSON = %q", got)
	}
}

func TestClosest(t *testing.T) {
	for _, c := range []struct {
		s    string
		want string
	}{
		{"titel", "title"}, {"itmes", "items"}, {"dispaly", "display"}, {"sned_sms", "send_sms"},
		{"zzzzzz", ""}, {"title", ""},
	} {
		cands := append(append([]string{}, menuKeys...), ActionKinds()...)
		if got := closest(c.s, cands); got != c.want {
			t.Errorf("closest(%q) = %q, want %q", c.s, got, c.want)
		}
	}
}
