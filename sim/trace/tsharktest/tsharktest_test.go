package tsharktest_test

import (
	"encoding/hex"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stkforge/stkforge/sim/trace"
	"github.com/stkforge/stkforge/sim/trace/tsharktest"
)

// recorder is a testing.TB that records what the helper reports instead of reporting it, so
// that the helper's own failures can be tested. Fatal and Skip end the goroutine, as they do.
type recorder struct {
	testing.TB
	mu      sync.Mutex
	errs    []string
	fatal   bool
	skipped bool
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.fatal = true
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = true
	runtime.Goexit()
}

// run calls f with a recorder in its own goroutine, so that Goexit ends only f.
func run(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestFieldsFlagsMalformedFrames(t *testing.T) {
	tsharktest.Path(t)
	// An ENVELOPE whose SMS-PP download BER-TLV (D1) claims 2 bytes holding a data object of 2.
	bad := trace.Envelope(unhex("D1020102"))
	good := trace.Fetch(unhex("D009810301200082028182"))
	r := run(t, func(tb testing.TB) {
		tsharktest.APDUFields(tb, []trace.APDUExchange{good, bad}, tsharktest.CATFields...)
	})
	if r.fatal || len(r.errs) == 0 {
		t.Fatalf("malformed frame not reported (fatal %v): %q", r.fatal, r.errs)
	}
	joined := strings.Join(r.errs, "\n")
	if !strings.Contains(joined, "frame 2 is malformed") || strings.Contains(joined, "frame 1 ") {
		t.Errorf("reports %q, want frame 2 alone", joined)
	}
}

func TestFieldsMisspeltFieldFails(t *testing.T) {
	tsharktest.Path(t)
	r := run(t, func(tb testing.TB) {
		tsharktest.APDUFields(tb, []trace.APDUExchange{trace.Fetch(unhex("D009810301200082028182"))}, "gsm_sim.apdu.inss")
	})
	if !r.fatal || !strings.Contains(strings.Join(r.errs, ""), "gsm_sim.apdu.inss") {
		t.Errorf("misspelt field: fatal %v, %q", r.fatal, r.errs)
	}
}

func TestMissingTshark(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("STKFORGE_REQUIRE_TOOLS", "")
	if r := run(t, func(tb testing.TB) { tsharktest.Path(tb) }); !r.skipped || r.fatal {
		t.Errorf("without tshark: skipped %v, fatal %v; want a skip", r.skipped, r.fatal)
	}
	t.Setenv("STKFORGE_REQUIRE_TOOLS", "1")
	if r := run(t, func(tb testing.TB) { tsharktest.Path(tb) }); r.skipped || !r.fatal {
		t.Errorf("without tshark, STKFORGE_REQUIRE_TOOLS=1: skipped %v, fatal %v; want a failure", r.skipped, r.fatal)
	}
}

func TestFieldsRows(t *testing.T) {
	tsharktest.Path(t)
	rows := tsharktest.APDUFields(t, []trace.APDUExchange{
		trace.Fetch(unhex("D01A8103012180820281028D0F04546F6F6C6B697420546573742031")),
		{CLA: 0x80, INS: 0xC2, Data: unhex("D60799010482028281"), Response: unhex("AB"), SW: 0x9000},
	}, "gsm_sim.apdu.ins", "etsi_cat.comp_tlv.text", "gsm_sim.apdu.sw")
	want := [][]string{
		{"0x12", "Toolkit Test 1", "0x9000"},
		{"0xc2", "", "0x6101"},
		{"0xc0", "", "0x9000"},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
}
