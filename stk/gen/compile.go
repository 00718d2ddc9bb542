package gen

import (
	"fmt"

	"github.com/stkforge/stkforge/stk/check"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/spec"
)

// Options change a compile run.
type Options struct {
	// Check overrides the handset and card profiles (--profile, --card). Its ImageSize hook is
	// the generator's own and is replaced.
	Check check.Options
	// PushSMS counts the SMS an image needs when an OTA server pushes it under a given security
	// setting (the secured RFM UPDATE BINARY script that carries it). The ota packages build
	// that script and stk may not import them, so the caller passes the counter; nil leaves
	// the count out.
	PushSMS func(image []byte) (int, error)
	// Budget, when set, makes the budgets errors (code card-budget): the image against the
	// card's memory (always checked), and the limits it sets.
	Budget *Budget
}

// Budget holds the limits --budget enforces beyond the card profile's memory.
type Budget struct {
	// MaxSMS is the most SMS a push of the image may take; 0 for no limit.
	MaxSMS int
	// MaxPathBytes is the most bytes of proactive commands one menu selection may make the card
	// send; 0 for no limit.
	MaxPathBytes int
}

// Result is one spec's outcome: its program, and its image and report when it compiled
// without errors.
type Result struct {
	File    string // the spec file's name as given
	Program *check.Program
	Image   *image.Image
	Report  *Report
}

// Compile parses, checks and generates every spec: all diagnostics of all files, sorted, and
// one result per spec (Image nil for a spec with errors). The checker holds each image's size
// against its card profile's memory.
func Compile(files []check.SpecFile, opt Options) ([]*Result, spec.Diagnostics) {
	images := map[*check.Program]*image.Image{}
	genErrs := map[*check.Program]error{}
	copt := opt.Check
	copt.ImageSize = func(p *check.Program) (int, error) {
		// The checker asks only when it found no error, but the parser's errors are not its
		// own: a failure is kept and reported below for a spec that has no other error.
		img, err := Generate(p)
		if err != nil {
			genErrs[p] = err
			return 0, nil
		}
		images[p] = img
		return len(img.Bytes()), nil
	}
	progs, diags := check.LintAll(files, copt)
	failed := map[string]bool{}
	for _, d := range diags {
		if d.Severity == spec.Error {
			failed[d.File] = true
		}
	}
	out := make([]*Result, len(files))
	for i, f := range files {
		r := &Result{File: f.Name, Program: progs[i]}
		out[i] = r
		img := images[progs[i]]
		if progs[i] == nil || failed[f.Name] {
			continue
		}
		if err := genErrs[progs[i]]; err != nil {
			diags.Add(spec.Errorf(filePos(progs[i]), "card-budget", "the image cannot be laid out: %v", err))
			continue
		}
		if img == nil {
			continue
		}
		r.Image = img
		rep, err := Measure(progs[i], img, opt.PushSMS)
		if err != nil {
			diags.Add(spec.Errorf(filePos(progs[i]), "card-budget", "%v", err))
			r.Image = nil
			continue
		}
		r.Report = rep
		if opt.Budget != nil {
			for _, o := range rep.over(opt.Budget) {
				pos := o.pos
				if !pos.IsValid() {
					pos = filePos(progs[i])
				}
				diags.Add(spec.Errorf(pos, "card-budget", "%s", o.msg))
				r.Image = nil
			}
		}
	}
	return out, diags.Normalize()
}

// filePos is where file-wide budget errors point: the start of the spec, as the checker's
// card-budget errors do.
func filePos(p *check.Program) spec.Pos { return spec.Pos{Src: p.Source, Line: 1, Col: 1} }

// Over lists the budgets the report exceeds.
func (r *Report) Over(b *Budget) []string {
	var out []string
	for _, o := range r.over(b) {
		out = append(out, o.msg)
	}
	return out
}

type overrun struct {
	pos spec.Pos
	msg string
}

func (r *Report) over(b *Budget) []overrun {
	var out []overrun
	add := func(pos spec.Pos, format string, args ...any) {
		out = append(out, overrun{pos, fmt.Sprintf(format, args...)})
	}
	if r.ImageBytes > r.CardMemory {
		add(spec.Pos{}, "the script image is %d bytes; card profile %s holds %d", r.ImageBytes, r.Card, r.CardMemory)
	}
	if b == nil {
		return out
	}
	if b.MaxSMS > 0 && r.PushSMS > b.MaxSMS {
		add(spec.Pos{}, "pushing the image takes %d SMS; the budget is %d", r.PushSMS, b.MaxSMS)
	}
	if b.MaxPathBytes > 0 {
		for _, p := range r.Paths {
			if p.Bytes > b.MaxPathBytes {
				add(p.pos, "menu item %s makes the card send up to %d bytes of proactive commands; the budget is %d", p.Name, p.Bytes, b.MaxPathBytes)
			}
		}
	}
	return out
}
