package handset

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/stk/image"
)

// RunConfig is how a scenario is played: the card and handset (flags override the scenario)
// and where the APDUs go besides the transcript.
type RunConfig struct {
	CardProfile string // card profile JSON; "" takes the scenario's card:
	DefaultCard string // card profile JSON for a scenario that names none when CardProfile is ""
	Handset     string // handset profile; "" takes the scenario's handset:
	Spec, Image string // menu to load; "" takes the scenario's
	Exchange    func(card.Exchange)

	images map[string]*image.Image // compiled specs by path (TestDir compiles each once)
}

func rel(base, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(base), p)
}

// RunScenario plays sc on a fresh card and handset, deterministically (fixed clock, IMEI,
// place, counters from the card profile), and returns the transcript; err is the first step
// that failed, the transcript then ends there.
func RunScenario(sc *Scenario, cfg RunConfig) (string, error) {
	cardPath := cfg.CardProfile
	if cardPath == "" {
		cardPath = rel(sc.File, sc.Card)
	}
	if cardPath == "" {
		cardPath = cfg.DefaultCard
	}
	if cardPath == "" {
		return "", &ScenarioError{File: sc.File, Msg: "no card profile: give --card or card: in the scenario"}
	}
	specPath, imgPath := cfg.Spec, cfg.Image
	if specPath == "" && imgPath == "" {
		specPath, imgPath = rel(sc.File, sc.Spec), rel(sc.File, sc.Image)
	}
	var img *image.Image
	var err error
	switch {
	case specPath != "" && cfg.images[specPath] != nil:
		img = cfg.images[specPath]
	case specPath != "":
		img, err = CompileSpec(specPath)
	case imgPath != "":
		img, err = LoadImage(imgPath)
	}
	if err != nil {
		return "", err
	}
	lab, err := OpenLab(cardPath, img)
	if err != nil {
		return "", err
	}
	c := lab.Card
	name := cfg.Handset
	if name == "" {
		name = sc.Handset
	}
	prof, err := LookupProfile(name)
	if err != nil {
		return "", err
	}
	var opts []Option
	if sc.Language != "" {
		opts = append(opts, WithLanguage(sc.Language))
	}
	if cfg.Exchange != nil {
		opts = append(opts, WithExchange(cfg.Exchange))
	}
	h := New(c, prof, opts...)
	if sc.Verifier == nil {
		sc.Verifier = lab.VerifyPayments
	}
	err = sc.Run(h)
	head := fmt.Sprintf("# scenario %q: handset %s, card %q\n", sc.Name, prof.Name, c.Name())
	return head + Transcript(h.Events()), err
}

// CaseResult is one scenario of a test directory.
type CaseResult struct {
	Scenario string // path
	Golden   string // path
	Err      error  // the scenario failed to run
	Diff     string // transcript against golden, "" when equal
	Updated  bool
}

// Failed reports whether the case failed.
func (r *CaseResult) Failed() bool { return r.Err != nil || r.Diff != "" }

// GoldenPath is where a scenario's golden transcript lives: next to it, NAME.golden for
// NAME.scenario.yaml.
func GoldenPath(scenario string) string {
	return strings.TrimSuffix(scenario, ".scenario.yaml") + ".golden"
}

// FindScenarios lists the *.scenario.yaml files under dir, sorted.
func FindScenarios(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".scenario.yaml") {
			out = append(out, p)
		}
		return err
	})
	sort.Strings(out)
	return out, err
}

// FindSpecs lists the menu specs under dir: *.yaml files other than scenarios whose first
// key is stkforge (docs/spec-language.md), sorted.
func FindSpecs(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".scenario.yaml") ||
			!(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "stkforge:") {
				out = append(out, p)
				break
			}
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// TestDir works the way `go test` does for code: it compiles every spec under dir (a spec
// that does not compile is a failed case), runs every scenario (a scenario that names no spec
// or image takes the only spec in its own directory, when there is exactly one) and compares
// each transcript with its golden file; update rewrites the golden files instead.
func TestDir(dir string, cfg RunConfig, update bool) ([]CaseResult, error) {
	files, err := FindScenarios(dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("handset: no *.scenario.yaml under %s", dir)
	}
	specs, err := FindSpecs(dir)
	if err != nil {
		return nil, err
	}
	var out []CaseResult
	cfg.images = map[string]*image.Image{}
	bySpecDir := map[string][]string{}
	for _, s := range specs {
		img, err := CompileSpec(s)
		if err != nil {
			out = append(out, CaseResult{Scenario: s, Err: err})
			continue
		}
		cfg.images[s] = img
		bySpecDir[filepath.Dir(s)] = append(bySpecDir[filepath.Dir(s)], s)
	}
	for _, f := range files {
		r := CaseResult{Scenario: f, Golden: GoldenPath(f)}
		sc, err := LoadScenario(f)
		if err != nil {
			r.Err = err
			out = append(out, r)
			continue
		}
		if sc.Spec == "" && sc.Image == "" && cfg.Spec == "" && cfg.Image == "" {
			if near := bySpecDir[filepath.Dir(f)]; len(near) == 1 {
				sc.Spec, _ = filepath.Rel(filepath.Dir(f), near[0])
			}
		}
		got, err := RunScenario(sc, cfg)
		if err != nil {
			r.Err = err
			out = append(out, r)
			continue
		}
		if update {
			r.Err = card.WriteFileAtomic(r.Golden, []byte(got))
			r.Updated = r.Err == nil
			out = append(out, r)
			continue
		}
		want, err := os.ReadFile(r.Golden)
		if err != nil {
			r.Err = fmt.Errorf("no golden file (run with --update to write it): %w", err)
		} else if string(want) != got {
			r.Diff, _ = difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: difflib.SplitLines(string(want)),
				B: difflib.SplitLines(got), FromFile: r.Golden, ToFile: "transcript", Context: 3})
		}
		out = append(out, r)
	}
	return out, nil
}

// OpenCard makes a fresh card from a card profile, on the handset's fixed clock, with no
// state file: a scripted run never changes the profile.
func OpenCard(profilePath string) (*card.Card, error) {
	p, err := card.LoadProfile(profilePath)
	if err != nil {
		return nil, err
	}
	return card.New(p, card.WithClock(func() time.Time { return DefaultClock }))
}
