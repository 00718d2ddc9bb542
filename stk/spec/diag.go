package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Source is one spec file as read: its name as given on the command line and its bytes. It
// turns line numbers back into source lines for diagnostics.
type Source struct {
	Name  string
	Data  []byte
	lines []int // byte offset of the start of each line
}

// NewSource indexes data's lines.
func NewSource(name string, data []byte) *Source {
	s := &Source{Name: name, Data: data, lines: []int{0}}
	for i, c := range data {
		if c == '\n' {
			s.lines = append(s.lines, i+1)
		}
	}
	return s
}

// Lines is the number of lines (at least 1, even for an empty file).
func (s *Source) Lines() int {
	if s == nil {
		return 1
	}
	return len(s.lines)
}

// Line returns line n (1-based) without its line ending, or "" when out of range.
func (s *Source) Line(n int) string {
	if s == nil || n < 1 || n > len(s.lines) {
		return ""
	}
	start := s.lines[n-1]
	end := len(s.Data)
	if n < len(s.lines) {
		end = s.lines[n] - 1
	}
	return strings.TrimRight(string(s.Data[start:end]), "\r")
}

// Pos is a position in a spec: line and column are 1-based, the column counting characters
// (runes), as the YAML scanner does, not bytes.
type Pos struct {
	Src  *Source
	Line int
	Col  int
}

// File is the name of the position's file.
func (p Pos) File() string {
	if p.Src == nil {
		return ""
	}
	return p.Src.Name
}

// IsValid reports whether the position points into its file.
func (p Pos) IsValid() bool { return p.Line >= 1 && p.Col >= 1 }

func (p Pos) String() string {
	if !p.IsValid() {
		return p.File()
	}
	return fmt.Sprintf("%s:%d:%d", p.File(), p.Line, p.Col)
}

// Shift returns the position n characters to the right on the same line.
func (p Pos) Shift(n int) Pos {
	p.Col += n
	return p
}

// Severity says whether a diagnostic fails the build.
type Severity string

const (
	// Error fails lint and compile.
	Error Severity = "error"
	// Warning is reported but does not fail the build.
	Warning Severity = "warning"
)

// Diagnostic is one message about a spec, at a position, in the form compilers use:
// "file:line:col: message", then the source line and a caret under the column. Its fields are
// the JSON form printed by --json.
type Diagnostic struct {
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Col      int      `json:"col"`
	Severity Severity `json:"severity"`
	// Code names the error class (docs/spec-language.md lists them), e.g. "unknown-key".
	Code    string `json:"code"`
	Message string `json:"message"`
	// Source is the source line the position points into; not part of the JSON form.
	Source string `json:"-"`
}

// Errorf makes an error diagnostic at pos.
func Errorf(pos Pos, code, format string, args ...any) Diagnostic {
	return diagAt(pos, Error, code, fmt.Sprintf(format, args...))
}

// Warnf makes a warning diagnostic at pos.
func Warnf(pos Pos, code, format string, args ...any) Diagnostic {
	return diagAt(pos, Warning, code, fmt.Sprintf(format, args...))
}

func diagAt(pos Pos, sev Severity, code, msg string) Diagnostic {
	line, col := pos.Line, pos.Col
	n := pos.Src.Lines()
	if line < 1 {
		line, col = 1, 1
	}
	if line > n {
		line, col = n, 1
	}
	src := pos.Src.Line(line)
	if max := utf8.RuneCountInString(src) + 1; col > max {
		col = max
	}
	if col < 1 {
		col = 1
	}
	return Diagnostic{File: pos.File(), Line: line, Col: col, Severity: sev, Code: code, Message: msg, Source: src}
}

// Within reports whether the diagnostic is complete (code and message) and points into src:
// a line of the file and a column on it or just past its end.
func (d Diagnostic) Within(src *Source) bool {
	if d.Code == "" || d.Message == "" || d.File != src.Name || d.Line < 1 || d.Line > src.Lines() || d.Col < 1 {
		return false
	}
	return d.Col <= utf8.RuneCountInString(src.Line(d.Line))+1
}

// Error is the one-line form, "file:line:col: message".
func (d Diagnostic) Error() string {
	sev := ""
	if d.Severity == Warning {
		sev = "warning: "
	}
	return fmt.Sprintf("%s:%d:%d: %s%s", d.File, d.Line, d.Col, sev, d.Message)
}

// Format is the one-line form followed by the source line and a caret under the column. Tabs
// before the column are kept so the caret lines up, and wide (CJK) characters count two cells.
func (d Diagnostic) Format() string {
	var b strings.Builder
	b.WriteString(d.Error())
	b.WriteString(" [")
	b.WriteString(d.Code)
	b.WriteString("]\n")
	if d.Source == "" && d.Col <= 1 {
		return b.String()
	}
	b.WriteString("    | ")
	b.WriteString(d.Source)
	b.WriteString("\n    | ")
	i := 1
	for _, r := range d.Source {
		if i >= d.Col {
			break
		}
		switch {
		case r == '\t':
			b.WriteByte('\t')
		case isWide(r):
			b.WriteString("  ")
		default:
			b.WriteByte(' ')
		}
		i++
	}
	b.WriteString("^\n")
	return b.String()
}

// isWide reports the East Asian wide and fullwidth ranges a terminal draws in two cells.
func isWide(r rune) bool {
	return r >= 0x1100 && (r <= 0x115F || r == 0x2329 || r == 0x232A ||
		(r >= 0x2E80 && r <= 0xA4CF && r != 0x303F) || (r >= 0xAC00 && r <= 0xD7A3) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0xFE30 && r <= 0xFE4F) || (r >= 0xFF00 && r <= 0xFF60) ||
		(r >= 0xFFE0 && r <= 0xFFE6) || (r >= 0x1F300 && r <= 0x1F64F) || (r >= 0x20000 && r <= 0x3FFFD))
}

// MaxReported is how many diagnostics Diagnostics.Format prints before "N more errors".
const MaxReported = 20

// Diagnostics is the list of a run's diagnostics. The zero value is empty and ready.
type Diagnostics []Diagnostic

// Add appends diagnostics.
func (l *Diagnostics) Add(d ...Diagnostic) { *l = append(*l, d...) }

// Errorf appends an error at pos.
func (l *Diagnostics) Errorf(pos Pos, code, format string, args ...any) {
	*l = append(*l, Errorf(pos, code, format, args...))
}

// Warnf appends a warning at pos.
func (l *Diagnostics) Warnf(pos Pos, code, format string, args ...any) {
	*l = append(*l, Warnf(pos, code, format, args...))
}

// HasErrors reports whether any diagnostic is an error.
func (l Diagnostics) HasErrors() bool {
	for _, d := range l {
		if d.Severity != Warning {
			return true
		}
	}
	return false
}

// Sort orders by file, line, column, then errors before warnings and by message, so output is
// stable.
func (l Diagnostics) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		switch {
		case a.File != b.File:
			return a.File < b.File
		case a.Line != b.Line:
			return a.Line < b.Line
		case a.Col != b.Col:
			return a.Col < b.Col
		case a.Severity != b.Severity:
			return a.Severity == Error
		}
		return a.Message < b.Message
	})
}

// Normalize sorts the list and keeps, like go/scanner, only the first error of each line (a
// second error on a line is usually a consequence of the first) and the first of identical
// warnings. It returns the shortened list.
func (l Diagnostics) Normalize() Diagnostics {
	l.Sort()
	type key struct {
		file string
		line int
	}
	errLine := map[key]bool{}
	warned := map[string]bool{}
	out := make(Diagnostics, 0, len(l))
	for _, d := range l {
		k := key{d.File, d.Line}
		if d.Severity == Error {
			if errLine[k] {
				continue
			}
			errLine[k] = true
		} else {
			w := fmt.Sprintf("%s:%d:%s", d.File, d.Line, d.Message)
			if errLine[k] || warned[w] {
				continue
			}
			warned[w] = true
		}
		out = append(out, d)
	}
	return out
}

// Err returns the list as an error when it holds an error, nil otherwise.
func (l Diagnostics) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return l
}

// Error is the first diagnostic's one-line form, with the count of the others.
func (l Diagnostics) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more)", l[0].Error(), len(l)-1)
}

// Format prints every diagnostic with its source line and caret, up to max (MaxReported when
// max <= 0), then "N more errors".
func (l Diagnostics) Format(max int) string {
	if max <= 0 {
		max = MaxReported
	}
	var b strings.Builder
	for i, d := range l {
		if i == max {
			fmt.Fprintf(&b, "%d more errors\n", len(l)-max)
			break
		}
		b.WriteString(d.Format())
	}
	return b.String()
}

// JSON is the list as a JSON array (an empty array, never null).
func (l Diagnostics) JSON() []byte {
	if l == nil {
		l = Diagnostics{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(l) // plain structs of strings and ints cannot fail
	return buf.Bytes()
}
