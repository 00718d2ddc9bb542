package handset

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/stkforge/stkforge/ota/smspp"
)

// Scenario is a scripted session (docs/scenarios.md): which handset, which card and menu, and
// the steps a user takes, with expectations between them.
type Scenario struct {
	File    string `yaml:"-"`
	Name    string `yaml:"name"`
	Handset string `yaml:"handset"` // profile name, default android
	Card    string `yaml:"card"`    // card profile (JSON), relative to the scenario file
	Spec    string `yaml:"spec"`    // menu spec to compile and load, relative to the scenario file
	Image   string `yaml:"image"`   // compiled script image to load instead of a spec
	// Language is the handset's language (ISO 639, PROVIDE LOCAL INFORMATION 04), default en.
	Language string `yaml:"language"`
	Steps    []Step `yaml:"-"`
	// Verifier checks signed payment messages for expect_signed_sms (RunScenario sets it from
	// the lab's card keys).
	Verifier func([]SMS) (int, error) `yaml:"-"`
}

// Step is one user action or expectation.
type Step struct {
	Line int
	Op   string // select, enter, yes, no, ok, back, cancel, help, wait, expect, expect_sms, sms, power_on
	Arg  string
	// To and Text qualify expect_sms; From, UD, PID and DCS describe an incoming sms.
	To, Text, From string
	UD             []byte
	PID, DCS       byte
}

// ScenarioError is a scenario that does not read or a step that failed, with its place.
type ScenarioError struct {
	File string
	Line int
	Msg  string
}

func (e *ScenarioError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// LoadScenario reads a scenario file.
func LoadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseScenario(path, b)
}

var stepOps = map[string]bool{"select": true, "enter": true, "yes": false, "no": false, "ok": false, "back": false,
	"cancel": false, "help": false, "wait": false, "expect": true, "expect_sms": true, "sms": true, "power_on": false,
	"expect_signed_sms": false}

// ParseScenario reads a scenario from YAML; file names it in errors.
func ParseScenario(file string, b []byte) (*Scenario, error) {
	sc := &Scenario{File: file}
	var raw struct {
		Scenario `yaml:",inline"`
		Steps    []any `yaml:"steps"`
	}
	if err := decodeYAML(b, &raw); err != nil {
		return nil, &ScenarioError{File: file, Msg: formatYAMLError(err)}
	}
	*sc = raw.Scenario
	sc.File = file
	if sc.Handset == "" {
		sc.Handset = "android"
	}
	lines := stepLines(b)
	for i, r := range raw.Steps {
		st := Step{}
		if i < len(lines) {
			st.Line = lines[i]
		}
		if err := st.fill(r); err != nil {
			return nil, &ScenarioError{File: file, Line: st.Line, Msg: fmt.Sprintf("steps[%d]: %v", i, err)}
		}
		sc.Steps = append(sc.Steps, st)
	}
	if len(sc.Steps) == 0 {
		return nil, &ScenarioError{File: file, Msg: "no steps"}
	}
	return sc, nil
}

// decodeYAML decodes strictly; goccy/go-yaml v1.19.2 panics on some malformed input (a tag
// before a sequence entry: testdata/fuzz/FuzzScenario), which becomes an error here.
func decodeYAML(b []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("YAML the decoder cannot read (%v)", r)
		}
	}()
	return yaml.UnmarshalWithOptions(b, v, yaml.Strict())
}

// stepLines finds the line of each entry of steps.
func stepLines(b []byte) (lines []int) {
	defer func() {
		if recover() != nil {
			lines = nil
		}
	}()
	f, err := parser.ParseBytes(b, 0)
	if err != nil || len(f.Docs) == 0 {
		return nil
	}
	m, ok := f.Docs[0].Body.(*ast.MappingNode)
	if !ok {
		return nil
	}
	for _, v := range m.Values {
		if v.Key.String() != "steps" {
			continue
		}
		seq, ok := v.Value.(*ast.SequenceNode)
		if !ok {
			return nil
		}
		var out []int
		for _, n := range seq.Values {
			out = append(out, n.GetToken().Position.Line)
		}
		return out
	}
	return nil
}

func scalar(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case nil:
		return "", nil
	case uint64, int64, int, float64, bool:
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("want a value, have %T", v)
}

func hexByte(s string, def byte) (byte, error) {
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseUint(s, 16, 8)
	return byte(v), err
}

func (st *Step) fill(r any) error {
	switch x := r.(type) {
	case string:
		st.Op = x
		if takes, ok := stepOps[x]; !ok || takes && x != "help" {
			return fmt.Errorf("unknown step %q or it needs a value", x)
		}
		return nil
	case map[string]any:
		if len(x) != 1 {
			return fmt.Errorf("a step is one key, have %d", len(x))
		}
		for k, v := range x {
			st.Op = k
			if _, ok := stepOps[k]; !ok {
				return fmt.Errorf("unknown step %q", k)
			}
			if m, ok := v.(map[string]any); ok {
				return st.fields(m)
			}
			s, err := scalar(v)
			if err != nil {
				return fmt.Errorf("%s: %v", k, err)
			}
			st.Arg = s
		}
		if st.Op == "sms" || st.Op == "expect_sms" && st.Arg != "" {
			st.To = st.Arg
		}
		return nil
	}
	return fmt.Errorf("a step is a word or a one-key map, have %T", r)
}

func (st *Step) fields(m map[string]any) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pid, dcs string
	for _, k := range keys {
		s, err := scalar(m[k])
		if err != nil {
			return fmt.Errorf("%s.%s: %v", st.Op, k, err)
		}
		switch k {
		case "to":
			st.To = s
		case "text":
			st.Text = s
		case "from":
			st.From = s
		case "ud":
			if st.UD, err = hex.DecodeString(strings.ReplaceAll(s, " ", "")); err != nil {
				return fmt.Errorf("%s.ud: %v", st.Op, err)
			}
		case "pid":
			pid = s
		case "dcs":
			dcs = s
		default:
			return fmt.Errorf("%s: unknown field %q", st.Op, k)
		}
	}
	var err error
	if st.PID, err = hexByte(pid, smspp.PIDSIMDataDownload); err != nil {
		return fmt.Errorf("%s.pid: %v", st.Op, err)
	}
	if st.DCS, err = hexByte(dcs, smspp.DCSClass2Data); err != nil {
		return fmt.Errorf("%s.dcs: %v", st.Op, err)
	}
	return nil
}

// Run plays the scenario on h (powering it on first when the first step is not power_on) and
// stops at the first step that fails. The transcript is in h.Events().
func (sc *Scenario) Run(h *Handset) error {
	if sc.Steps[0].Op != "power_on" {
		if err := h.PowerOn(); err != nil {
			return &ScenarioError{File: sc.File, Msg: err.Error()}
		}
	}
	seen, signed := 0, 0 // outbox messages matched by expect_sms; payments verified
	for _, st := range sc.Steps {
		var err error
		if st.Op == "expect_signed_sms" {
			err = sc.expectSigned(h, &signed)
		} else {
			err = st.run(h, &seen)
		}
		if err != nil {
			h.mu.Lock()
			h.note(EventNote, fmt.Sprintf("FAILED line %d: %v", st.Line, err))
			h.mu.Unlock()
			return &ScenarioError{File: sc.File, Line: st.Line, Msg: fmt.Sprintf("%s: %v", st.Op, err)}
		}
	}
	return nil
}

func (st *Step) run(h *Handset, seen *int) error {
	switch st.Op {
	case "power_on":
		return h.PowerOn()
	case "select":
		if id, err := strconv.ParseUint(st.Arg, 10, 8); err == nil && id > 0 {
			if e := h.Select(uint8(id)); e == nil || !errors.Is(e, ErrNotHere) {
				return e
			}
		}
		return h.SelectText(st.Arg)
	case "enter":
		return h.Enter(st.Arg)
	case "yes":
		return h.Yes()
	case "no":
		return h.No()
	case "ok":
		return h.OK()
	case "back":
		return h.Back()
	case "cancel":
		return h.Cancel()
	case "help":
		var id uint8
		if st.Arg != "" {
			h.mu.Lock()
			x, err := h.find(st.Arg)
			h.mu.Unlock()
			if err != nil {
				return err
			}
			id = x
		}
		return h.Help(id)
	case "wait":
		var d time.Duration
		if st.Arg != "" {
			var err error
			if d, err = time.ParseDuration(st.Arg); err != nil {
				return err
			}
		}
		return h.Wait(d)
	case "expect":
		s := h.Screen()
		r := s.Render(h.prof)
		if !strings.Contains(r, st.Arg) && !strings.Contains(s.Text+s.Title, st.Arg) && !itemsHave(s.Items, st.Arg) {
			return fmt.Errorf("the screen does not show %q; it shows:\n%s", st.Arg, r)
		}
		h.mu.Lock()
		h.action("expect %q: ok", st.Arg)
		h.mu.Unlock()
		return nil
	case "expect_sms":
		out := h.Outbox()
		for i := *seen; i < len(out); i++ {
			m := out[i]
			if (st.To == "" || strings.TrimPrefix(m.Address, "+") == strings.TrimPrefix(st.To, "+")) && strings.Contains(m.Text, st.Text) {
				*seen = i + 1
				h.mu.Lock()
				h.action("expect SMS to %s: ok", m.Address)
				h.mu.Unlock()
				return nil
			}
		}
		return fmt.Errorf("no new SMS to %q containing %q (%d sent in all)", st.To, st.Text, len(out))
	case "sms":
		b, err := smsDeliver(h, st)
		if err != nil {
			return err
		}
		h.mu.Lock()
		h.action("SMS-DELIVER arrives from %s", st.From)
		h.mu.Unlock()
		_, err = h.DeliverSMS(context.Background(), b)
		var rp *RPError
		if errors.As(err, &rp) {
			return nil // the RP-ERROR is the network's business; the transcript has it
		}
		return err
	}
	return fmt.Errorf("unknown step %q", st.Op)
}

func itemsHave(its []Item, t string) bool {
	for _, it := range its {
		if strings.Contains(it.Full, t) {
			return true
		}
	}
	return false
}

func smsDeliver(h *Handset, st *Step) ([]byte, error) {
	d := &smspp.Deliver{UDHI: st.PID == smspp.PIDSIMDataDownload, OA: smspp.Number(st.From), PID: st.PID, DCS: st.DCS,
		SCTS: h.Now(), UD: st.UD}
	return d.MarshalBinary()
}

func formatYAMLError(err error) (s string) {
	defer func() {
		if recover() != nil {
			s = err.Error()
		}
	}()
	return yaml.FormatError(err, false, false)
}

// expectSigned: a new signed payment message has left and its signature verifies with the
// card's public key.
func (sc *Scenario) expectSigned(h *Handset, verified *int) error {
	if sc.Verifier == nil {
		return fmt.Errorf("no menu with signed payments is loaded")
	}
	n, err := sc.Verifier(h.Outbox())
	if err != nil {
		return err
	}
	if n <= *verified {
		return fmt.Errorf("no new signed payment SMS (%d verified before)", *verified)
	}
	*verified = n
	h.mu.Lock()
	h.action("expect a signed payment SMS: its signature verifies with the card's public key")
	h.mu.Unlock()
	return nil
}
