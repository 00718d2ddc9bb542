package handset

import (
	"strings"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

// TestFixtureScenarios: every scenario under fixtures/scenarios runs and matches its golden
// transcript (fixtures/golden/sim/handset/scenario-NAME.golden).
func TestFixtureScenarios(t *testing.T) {
	files, err := FindScenarios("../../fixtures/scenarios")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	for _, f := range files {
		sc, err := LoadScenario(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := RunScenario(sc, RunConfig{})
		if err != nil {
			t.Fatalf("%v\n%s", err, got)
		}
		name := strings.TrimSuffix(f[strings.LastIndex(f, "/")+1:], ".scenario.yaml")
		golden(t).Assert(t, "scenario-"+name, []byte(got))
	}
}

// TestScenarioErrors: a scenario that does not read says where.
func TestScenarioErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"name: x\nsteps:\n  - select: 1\n  - jump\n", "s.yaml:4: steps[1]: unknown step \"jump\""},
		{"name: x\nsteps: []\n", "s.yaml: no steps"},
		{"name: x\nsteps:\n  - {select: 1, enter: 2}\n", "s.yaml:3: steps[0]: a step is one key, have 2"},
		{"name: x\nbogus: 1\nsteps:\n  - ok\n", "s.yaml:"},
		{"name: x\nsteps:\n  - sms: {from: 1, ud: zz}\n", "s.yaml:3: steps[0]: sms.ud"},
	} {
		_, err := ParseScenario("s.yaml", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.src, err, c.want)
		}
	}
}

// TestScenarioPayment: the payment scenario of the issue (select 支付, enter 100, yes, PIN,
// SMS to 95588) drives the test toolkit's menu; a wrong expectation stops with its line.
func TestScenarioPayment(t *testing.T) {
	src := `name: pay
steps:
  - expect: 手机银行
  - select: 支付
  - enter: "100"
  - yes
  - enter: "1234"
  - expect: 支付成功
  - ok
  - expect_sms: {to: "95588"}
  - expect_sms: {to: "95588"}
`
	sc, err := ParseScenario("pay.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := newSession(t, payKit(t), "android")
	err = sc.Run(h)
	if err == nil || !strings.HasPrefix(err.Error(), "pay.yaml:11: expect_sms: no new SMS") {
		t.Fatalf("%v", err)
	}
	if n := len(h.Outbox()); n != 1 {
		t.Errorf("outbox %d", n)
	}
}

func FuzzScenario(f *testing.F) {
	fuzzseed.Add(f)
	f.Add([]byte("name: x\nsteps:\n  - select: 1\n  - sms: {from: 1, ud: 00}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseScenario("f.yaml", b)
	})
}
