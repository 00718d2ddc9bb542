package audit

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/sim/card"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 27, 23, 0, 0, 0, time.UTC) }

func golden(t *testing.T) *goldie.Goldie {
	return goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/sim/audit"), goldie.WithNameSuffix(".golden"))
}

func loadCard(t testing.TB, path string) (*card.Card, *card.Profile, Options) {
	t.Helper()
	p, err := card.LoadProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := card.New(p, card.WithClock(fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	ts, ks, err := FromProfile(p)
	if err != nil {
		t.Fatal(err)
	}
	return c, p, Options{Targets: ts, Keysets: ks, Now: fixedNow}
}

func audit(t testing.TB, path string) (*Report, *card.Card, *card.Profile) {
	t.Helper()
	c, p, o := loadCard(t, path)
	r, err := Run(c, o)
	if err != nil {
		t.Fatal(err)
	}
	r.Card = p.Name
	return r, c, p
}

func text(t testing.TB, r *Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDefaultCardPasses(t *testing.T) {
	r, c, prof := audit(t, "../../fixtures/cards/default.json")
	fresh, err := card.New(prof)
	if err != nil {
		t.Fatal(err)
	}
	before := fresh.Snapshot()
	if !r.Pass || len(r.Findings) != 0 {
		t.Fatalf("default card: findings %+v", r.Findings)
	}
	exposed := 0
	for _, tr := range r.Targets {
		if !tr.Exposed {
			continue
		}
		exposed++
		for _, p := range tr.Probes {
			if p.Executed != (p.Probe == ProbeBaseline) {
				t.Errorf("TAR %s %s kvn %d: executed %v", tr.TAR, p.Probe, p.KVN, p.Executed)
			}
			if !p.Executed && p.PoRForm != "unsecured" {
				t.Errorf("TAR %s %s kvn %d: refused packet's PoR is %q, want unsecured", tr.TAR, p.Probe, p.KVN, p.PoRForm)
			}
		}
	}
	if exposed != len(before.TARs) {
		t.Errorf("%d TARs exposed, the profile names %d", exposed, len(before.TARs))
	}
	// only the counters moved: one baseline per TAR and keyset, so each keyset's counter is at
	// most the number of probes that could have moved it
	after := c.Snapshot()
	after.Keysets, before.Keysets = nil, nil
	a, _ := after.Marshal()
	b, _ := before.Marshal()
	if !bytes.Equal(a, b) {
		t.Errorf("the audit changed the card's state beyond its counters:\n%s\n---\n%s", a, b)
	}
	for _, k := range []int{1, 2} {
		if ctr, _ := c.Counter(k); ctr == 0 {
			t.Errorf("keyset %d: counter still 0: the baseline probe did not run", k)
		}
	}
	golden(t).Assert(t, "default", text(t, r))
}

func TestWeakCardFails(t *testing.T) {
	r, _, _ := audit(t, "testdata/weak.json")
	if r.Pass {
		t.Fatal("weak card passed")
	}
	type key struct{ id, tar, probe string }
	got := map[key]bool{}
	for _, f := range r.Findings {
		got[key{f.ID, f.TAR, f.Probe}] = true
	}
	for _, want := range []key{
		{FindingBelowLevel, "B00010", ProbeNoSecurity},
		{FindingBelowLevel, "B00010", ProbeRCOnly},
		{FindingBelowLevel, "B00010", ProbeCCNoCiphering},
		{FindingNoCounter, "B00010", ProbeNoCounter},
		{FindingNoCounter, "B00001", ProbeNoCounter},
		{FindingReplay, "B00001", ProbeReplayUnchecked},
		{FindingSingleDES, "B00000", ProbeSingleDES},
		{FindingSingleDES, "B00000", ProbeBaseline},
	} {
		if !got[want] {
			t.Errorf("missing finding %+v", want)
		}
	}
	for _, f := range r.Findings {
		if f.ID == FindingSignedPoR || f.ID == FindingPoRLeak || f.ID == FindingWrongCC {
			t.Errorf("unexpected finding %+v: the simulator answers refused packets correctly", f)
		}
		if f.ID == FindingSingleDES && f.KVN != 3 {
			t.Errorf("single DES finding on keyset %d", f.KVN)
		}
	}
	golden(t).Assert(t, "weak", text(t, r))
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t).Assert(t, "weak.json", append(js, '\n'))
}

// signingCard answers every command packet with a PoR of status 01 that is checksummed and
// ciphered as the SPI asks and carries data: every rule of TS 102 225 5.2.2 broken at once.
type signingCard struct {
	keys    packet.Keyset
	leak    []byte
	status  packet.Status
	pending []byte
}

func (s *signingCard) Transmit(capdu []byte) []byte {
	if len(capdu) >= 5 && capdu[1] == 0xC0 {
		r := append(s.pending, 0x90, 0x00)
		s.pending = nil
		return r
	}
	env, err := smspp.ParseSMSPPDownload(capdu[5:])
	if err != nil {
		return []byte{0x6A, 0x80}
	}
	d, err := smspp.ParseDeliver(env.TPDU)
	if err != nil {
		return []byte{0x6A, 0x80}
	}
	h, err := packet.ParseHeader(d.UD[3:])
	if err != nil {
		return []byte{0x90, 0x00}
	}
	keys := s.keys
	if h.KIc.Algorithm().SingleDES() {
		keys = packet.Keyset{KIc: s.keys.KIc[:8], KID: s.keys.KID[:8]}
	}
	por, err := packet.SealPoR(slices.Clone(porUDH), porUDH, &h, s.status, s.leak, &keys)
	if err != nil {
		return []byte{0x6F, 0x00}
	}
	s.pending = por
	return []byte{0x61, byte(len(por))}
}

func TestSignedPoRAndLeak(t *testing.T) {
	_, _, o := loadCard(t, "../../fixtures/cards/default.json")
	o.Targets = o.Targets[:1]
	o.Keysets = o.Keysets[:1]
	c := &signingCard{keys: o.Keysets[0].Keys, leak: []byte{0x90, 0x00}, status: packet.StatusRCCCDSFailed}
	r, err := Run(c, o)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for _, f := range r.Findings {
		ids[f.ID]++
	}
	if ids[FindingSignedPoR] == 0 || ids[FindingPoRLeak] == 0 {
		t.Fatalf("findings %v, want signed PoR and leak", ids)
	}
	// a card that runs everything (status 00) is caught by every probe below the policy
	c = &signingCard{keys: o.Keysets[0].Keys, status: packet.StatusPoROK}
	if r, err = Run(c, o); err != nil {
		t.Fatal(err)
	}
	ids = map[string]int{}
	for _, f := range r.Findings {
		ids[f.ID]++
	}
	for _, id := range []string{FindingBelowLevel, FindingNoCounter, FindingReplay, FindingSingleDES, FindingWrongCC} {
		if ids[id] == 0 {
			t.Errorf("an everything-goes card: no %s finding (%v)", id, ids)
		}
	}
	if !strings.Contains(string(text(t, r)), "FAIL: ") {
		t.Error("text report does not end with FAIL")
	}
}

// rawCard answers with bytes from the fuzzer.
type rawCard struct{ answers [][]byte }

func (r *rawCard) Transmit([]byte) []byte {
	if len(r.answers) == 0 {
		return nil
	}
	a := r.answers[0]
	r.answers = r.answers[1:]
	return a
}

// FuzzCardAnswers feeds the audit arbitrary card answers: it must report, never panic.
func FuzzCardAnswers(f *testing.F) {
	fuzzseed.Add(f)
	c, _, o := loadCard(f, "../../fixtures/cards/default.json")
	o.Targets = o.Targets[:1]
	o.Keysets = o.Keysets[:1]
	// seeds: the real answers of the default card to the first probes
	rec := &recorder{c: c}
	if _, err := Run(rec, o); err != nil {
		f.Fatal(err)
	}
	for i := 0; i+1 < len(rec.answers); i += 2 {
		f.Add(rec.answers[i], rec.answers[i+1])
	}
	f.Add([]byte{0x61}, []byte{0x02, 0x71})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		answers := [][]byte{a, b}
		for n := 1; n < len(b); n++ {
			answers = append(answers, a, b[:n]) // every strict prefix of the second answer
		}
		r, err := Run(&rawCard{answers: answers}, o)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := r.WriteText(&buf); err != nil {
			t.Fatal(err)
		}
	})
}

type recorder struct {
	c       Card
	answers [][]byte
}

func (r *recorder) Transmit(b []byte) []byte {
	a := r.c.Transmit(b)
	r.answers = append(r.answers, a)
	return a
}

func BenchmarkAuditDefaultCard(b *testing.B) {
	p, err := card.LoadProfile("../../fixtures/cards/default.json")
	if err != nil {
		b.Fatal(err)
	}
	ts, ks, _ := FromProfile(p)
	probes := 0
	for b.Loop() {
		c, err := card.New(p, card.WithClock(fixedNow))
		if err != nil {
			b.Fatal(err)
		}
		r, err := Run(c, Options{Targets: ts, Keysets: ks, Now: fixedNow})
		if err != nil {
			b.Fatal(err)
		}
		probes += r.Probes
	}
	b.ReportMetric(float64(probes)/b.Elapsed().Seconds(), "probes/s")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "audits/s")
}
