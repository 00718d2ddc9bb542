// Package spec is the menu spec language of stkforge (docs/spec-language.md): it reads a YAML
// spec into a syntax tree whose every node keeps its file, line and column, and it holds the
// diagnostics that the parser and the checker (stk/check) share.
//
// The YAML is read with goccy/go-yaml's parser, keeping its syntax tree rather than decoding
// into structs, so that an unknown key or a value of the wrong type is reported at its own
// position with the closest known key suggested, and so that every problem of a file is
// reported in one run. Templates ("Pay {amount}?") and conditions ("amount > 5000") are parsed
// here too, with positions inside the string.
//
// A Diagnostic prints as "file:line:col: message [code]" with the source line and a caret, and
// has a JSON form (file, line, col, severity, code, message); Diagnostics sorts them, keeps
// the first error of each line and caps the printout (MaxReported).
package spec
