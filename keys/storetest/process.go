package storetest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stkforge/stkforge/keys"
)

// The multi-process tests re-run the test binary as a helper: these variables tell the child
// what to do.
const (
	envHelper = "STKFORGE_STORETEST_HELPER" // "bounded" or "forever"
	envSpec   = "STKFORGE_STORETEST_SPEC"   // the store, as the backend's open function takes it
)

// Opener opens a backend store from a spec string (a path, a URL) in this or a child process.
type Opener func(spec string) (keys.Store, error)

const (
	processCards   = 4
	processWorkers = 8
	boundedRounds  = 15
)

// helper runs in the child process; it reports every value as "ICCID KVN VALUE" on stdout only
// after the reservation returned, so the parent sees exactly what was handed out.
func helper(open Opener) {
	s, err := open(os.Getenv(envSpec))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(3)
	}
	forever := os.Getenv(envHelper) == "forever"
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	failed := false
	for w := range processWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; forever || i < boundedRounds; i++ {
				var rs []keys.CounterRange
				var err error
				if (w+i)%3 == 0 {
					reqs := make([]keys.CounterRequest, processCards)
					for c := range reqs {
						reqs[c] = keys.CounterRequest{ICCID: ICCID(c + 1), KVN: 1, N: 2}
					}
					rs, err = s.ReserveCounterBatch(ctx, reqs)
				} else {
					var r keys.CounterRange
					r, err = s.ReserveCounters(ctx, ICCID(1+(w+i)%processCards), uint8(1+i%2), 1)
					rs = []keys.CounterRange{r}
				}
				mu.Lock()
				if err != nil {
					fmt.Fprintln(os.Stderr, "helper:", err)
					failed = true
					mu.Unlock()
					return
				}
				for _, r := range rs {
					for v := r.First; v <= r.Last(); v++ {
						fmt.Fprintf(out, "%s %d %d\n", r.ICCID, r.KVN, v)
					}
				}
				out.Flush() // a killed child has printed only what it was handed
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	out.Flush()
	s.Close()
	if failed {
		os.Exit(1)
	}
	os.Exit(0)
}

// IsHelper reports whether this process is a helper child; a test that calls MultiProcess or
// Crash runs the helper and exits instead of testing.
func isHelper() bool { return os.Getenv(envHelper) != "" }

func setupProcessStore(t *testing.T, open Opener, spec string) {
	s, err := open(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	kp := masterKey(t)
	var cards []keys.Card
	for n := 1; n <= processCards; n++ {
		cards = append(cards, Card(t, kp, n))
	}
	insert(t, s, cards...)
}

func startHelper(t *testing.T, mode, spec string) (*exec.Cmd, io.ReadCloser) {
	cmd := exec.Command(os.Args[0], "-test.run=^"+strings.Split(t.Name(), "/")[0]+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), envHelper+"="+mode, envSpec+"="+spec)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// values collects what helpers printed and checks nothing was handed out twice.
type values struct {
	mu   sync.Mutex
	seen map[string]string // "ICCID KVN VALUE" -> which process
	max  map[string]uint64 // "ICCID KVN" -> highest value
	dups []string
}

func (v *values) read(t *testing.T, who string, r io.Reader, stopAfter int, stop func()) int {
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Errorf("%s printed %q", who, line)
			continue
		}
		val, _ := strconv.ParseUint(f[2], 10, 64)
		v.mu.Lock()
		if prev, dup := v.seen[line]; dup {
			v.dups = append(v.dups, fmt.Sprintf("%s (%s and %s)", line, prev, who))
		}
		v.seen[line] = who
		k := f[0] + " " + f[1]
		v.max[k] = max(v.max[k], val)
		v.mu.Unlock()
		n++
		if n == stopAfter && stop != nil {
			stop()
		}
	}
	return n
}

func (v *values) check(t *testing.T, open Opener, spec string) {
	t.Helper()
	if len(v.dups) > 0 {
		t.Fatalf("%d values handed out twice, e.g. %s", len(v.dups), v.dups[0])
	}
	s, err := open(spec)
	if err != nil {
		t.Fatalf("reopening the store: %v", err)
	}
	defer s.Close()
	for n := 1; n <= processCards; n++ {
		c, err := s.Card(ctx, ICCID(n))
		if err != nil {
			t.Fatal(err)
		}
		for _, ks := range c.Keysets {
			k := fmt.Sprintf("%s %d", c.ICCID, ks.KVN)
			if ks.Counter < v.max[k] {
				t.Errorf("%s: stored counter %d is below %d, a value already handed out", k, ks.Counter, v.max[k])
			}
		}
	}
}

// MultiProcess runs 2 processes of 8 goroutines each reserving counters (single and batched)
// for the same cards, and checks no value is handed out twice and every value is recorded.
// newSpec returns a fresh, empty store's spec.
func MultiProcess(t *testing.T, newSpec func(t *testing.T) string, open Opener) {
	if isHelper() {
		helper(open)
	}
	spec := newSpec(t)
	setupProcessStore(t, open, spec)
	v := &values{seen: map[string]string{}, max: map[string]uint64{}}
	var wg sync.WaitGroup
	total := 0
	var mu sync.Mutex
	for p := range 2 {
		cmd, out := startHelper(t, "bounded", spec)
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := v.read(t, fmt.Sprintf("process %d", p+1), out, 0, nil)
			if err := cmd.Wait(); err != nil {
				t.Errorf("process %d: %v", p+1, err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	v.check(t, open, spec)
	s, err := open(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var sum uint64
	for n := 1; n <= processCards; n++ {
		c, _ := s.Card(ctx, ICCID(n))
		for _, ks := range c.Keysets {
			sum += ks.Counter
		}
	}
	// Each worker round hands out 8 values (batch of 4 cards x 2) or 1.
	if sum != uint64(total) {
		t.Errorf("stored counters add up to %d, processes handed out %d values", sum, total)
	}
	t.Logf("%d values from 2 processes x %d goroutines, no duplicate", total, processWorkers)
}

// Crash kills -9 two reserving processes in mid-flight, then runs a third on the same store and
// checks nothing handed out before the kill is handed out again and the store still opens.
func Crash(t *testing.T, newSpec func(t *testing.T) string, open Opener) (spec string) {
	if isHelper() {
		helper(open)
	}
	spec = newSpec(t)
	setupProcessStore(t, open, spec)
	v := &values{seen: map[string]string{}, max: map[string]uint64{}}
	var wg sync.WaitGroup
	for p := range 2 {
		cmd, out := startHelper(t, "forever", spec)
		wg.Add(1)
		go func() {
			defer wg.Done()
			kill := func() { cmd.Process.Kill() } // SIGKILL: no deferred cleanup, no rollback by the process
			v.read(t, fmt.Sprintf("killed process %d", p+1), out, 150+100*p, kill)
			cmd.Wait()
		}()
	}
	wg.Wait()
	v.check(t, open, spec)
	cmd, out := startHelper(t, "bounded", spec)
	n := v.read(t, "restarted process", out, 0, nil)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("restarted process: %v", err)
	}
	if n == 0 {
		t.Fatal("restarted process handed out nothing")
	}
	v.check(t, open, spec)
	t.Logf("%d values across 2 killed processes and a restart, no duplicate", len(v.seen))
	return spec
}
