package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stkforge/stkforge/fixtures/demo"
	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/sqlite"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/smpp"
	"github.com/stkforge/stkforge/stk/check"
	"github.com/stkforge/stkforge/stk/gen"
	"github.com/stkforge/stkforge/stk/image"
)

// The campaign benchmarks run the two sides as they run in production, in two processes on
// this machine: `stkforge net` (the virtual SMSC and every simulated card: sim/card with the
// toolkit runtime, the file system, the TS 102 225 checks, the image slots) is this test binary
// re-executed into the CLI, and the OTA server (store, campaign runner, SMPP client) runs in the
// benchmark's own process. So the OTA server's memory is measured apart from the simulated
// cards', which hold every card's state as real cards do in their own chips.

const envBenchNet = "STKFORGE_BENCH_NET_CHILD" // JSON of the command line

// TestBenchNetChild is the child of the campaign benchmarks: `stkforge net`, with a CPU
// profile in STKFORGE_BENCH_NET_CPUPROFILE and a heap profile at the end in
// STKFORGE_BENCH_NET_HEAPPROFILE when set. It does nothing in a normal test run.
func TestBenchNetChild(t *testing.T) {
	v := os.Getenv(envBenchNet)
	if v == "" {
		t.Skip("the campaign benchmarks' `stkforge net` child")
	}
	var args []string
	if err := json.Unmarshal([]byte(v), &args); err != nil {
		os.Exit(3)
	}
	if f := os.Getenv("STKFORGE_BENCH_NET_CPUPROFILE"); f != "" {
		w, err := os.Create(f)
		if err != nil {
			os.Exit(3)
		}
		pprof.StartCPUProfile(w)
	}
	if f := os.Getenv("STKFORGE_BENCH_NET_HEAPPROFILE"); f != "" { // what the cards hold: on SIGUSR1
		usr := make(chan os.Signal, 1)
		signal.Notify(usr, syscall.SIGUSR1)
		go func() {
			for range usr {
				if w, err := os.Create(f); err == nil {
					runtime.GC()
					pprof.WriteHeapProfile(w)
					w.Close()
				}
			}
		}()
	}
	code := run(args, Env{Stdin: strings.NewReader(""), Stdout: os.Stdout, Stderr: os.Stderr})
	pprof.StopCPUProfile()
	os.Exit(code)
}

// benchNet starts `stkforge net` with n cards in the SQLite store at dir/keys.db and returns
// the SMSC's address and the child.
func benchNet(b *testing.B, dir string, n int, issuer string) (string, *exec.Cmd) {
	b.Helper()
	mk := filepath.Join(dir, "master.key")
	if _, err := keys.CreateMasterKeyFile(mk, rand.Reader); err != nil {
		b.Fatal(err)
	}
	prof, err := filepath.Abs(defaultProfile)
	if err != nil {
		b.Fatal(err)
	}
	args := []string{"net", "--store", filepath.Join(dir, "keys.db"), "--master-key", mk, "--cards", strconv.Itoa(n),
		"--profile", prof, "--listen", "127.0.0.1:0", "--key-pool", "16"}
	if issuer != "" {
		args = append(args, "--issuer", issuer)
	}
	js, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run", "^TestBenchNetChild$", "-test.bench", "^$")
	cmd.Env = append(os.Environ(), envBenchNet+"="+string(js), "STKFORGE_SMPP_PASSWORD=pw-ota")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("stkforge net: %v", err)
	}
	var info struct {
		SMSC  string `json:"smsc"`
		Cards int    `json:"cards"`
	}
	if err := json.Unmarshal([]byte(line), &info); err != nil || info.Cards != n {
		b.Fatalf("stkforge net said %q (%v)", line, err)
	}
	return info.SMSC, cmd
}

// peakRSS is VmHWM of a process in bytes (proc(5)); resetPeakRSS starts it again from the
// current RSS (clear_refs 5).
func peakRSS(pid string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb * 1024
		}
	}
	return 0
}

func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// benchBankImage is the demo's bank menu (fixtures/menus/bank-zh.yaml) compiled and signed
// with a fresh bank key, whose public half is written to dir/bank.pem for the cards to trust.
func benchBankImage(b *testing.B, dir string) ([]byte, string) {
	b.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pemPath := filepath.Join(dir, "bank.pem")
	if err := os.WriteFile(pemPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		b.Fatal(err)
	}
	res, diags := gen.Compile([]check.SpecFile{{Name: demo.BankMenuName, Data: demo.BankMenu}}, gen.Options{})
	if diags.HasErrors() {
		b.Fatal(diags.Format(10))
	}
	// `stkforge net` names an issuer key after its file
	signed, err := image.Sign(res[0].Image, key, "bank.pem", image.PKCS1v15SHA256)
	if err != nil {
		b.Fatal(err)
	}
	return signed.Bytes(), pemPath
}

// benchCampaign runs one campaign to n cards end to end: `stkforge net` in a child, the OTA
// server here, SMPP over loopback TCP, every PoR checked. img nil pushes the one-segment EF SPN
// update instead of the bank menu.
func benchCampaign(b *testing.B, n int, bankMenu bool) {
	ctx := context.Background()
	dir := b.TempDir()
	spec := spnSpec(b, "bench")
	issuer := ""
	if bankMenu {
		var img []byte
		img, issuer = benchBankImage(b, dir)
		spec.Name, spec.Script, spec.Image, spec.ImageSlot = "bank-zh menu", nil, img, 1
	}
	spec.PoRTimeout = campaign.Duration(30 * time.Second)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "keys.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	addr, child := benchNet(b, dir, n, issuer)
	kp, err := keys.LoadProvider(filepath.Join(dir, "master.key"), false)
	if err != nil {
		b.Fatal(err)
	}
	cfg := smpp.Config{Addr: addr, SystemID: "ota", Password: "pw-ota", Source: "12345", SourceNPI: 1, Window: 1000}
	runtime.GC()
	resetPeakRSS()
	// peak is the largest HeapInuse seen (garbage included, so it follows GOGC); live is the
	// largest heap right after a collection, every 250 ms: what the campaign really holds.
	var peak, live atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for i := 0; ; i++ {
			if i%12 == 11 {
				runtime.GC()
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > live.Load() {
					live.Store(m.HeapAlloc)
					if f := os.Getenv("STKFORGE_BENCH_HEAPPROFILE"); f != "" { // where the peak's memory is
						if w, err := os.Create(f); err == nil {
							pprof.WriteHeapProfile(w)
							w.Close()
						}
					}
				}
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	b.ResetTimer()
	sum, err := pushRun(ctx, pushOptions{Store: st, Provider: kp, SMPP: cfg, Spec: spec, ID: "bench"})
	b.StopTimer()
	close(stop)
	<-sampled
	if err != nil {
		b.Fatal(err)
	}
	if sum.Status != campaign.Finished || sum.Counts[campaign.PoROK] != n {
		b.Fatalf("summary %+v", sum)
	}
	b.Logf("campaign: %d packets, %d segments, %d stale PoRs, %.1f s", sum.Packets, sum.Segments, sum.PoRStale, sum.Elapsed)
	if sum.Packets > int64(n) { // say why packets were sent again
		j, _ := campaign.OpenJournal(st, nil)
		ts, _ := j.Targets(ctx, "bench", -1, n, "")
		why := map[string]int{}
		for _, t := range ts {
			if t.Attempts > 1 {
				why[t.LastError]++
			}
		}
		b.Logf("sent again: %v", why)
	}
	pid := strconv.Itoa(child.Process.Pid)
	if os.Getenv("STKFORGE_BENCH_NET_HEAPPROFILE") != "" {
		child.Process.Signal(syscall.SIGUSR1)
		time.Sleep(3 * time.Second)
	}
	b.ReportMetric(sum.SegmentsPerS, "segments/s")
	b.ReportMetric(sum.CardsPerS, "cards/s")
	b.ReportMetric(float64(sum.Segments)/float64(n), "segments/card")
	b.ReportMetric(peakRSS("self")/(1<<20), "server-peak-RSS-MB")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms) // what the Go runtime itself holds from the OS at the end
	b.ReportMetric(float64(ms.Sys-ms.HeapReleased)/(1<<20), "server-go-held-MB")
	b.ReportMetric(float64(peak.Load())/(1<<20), "server-peak-heap-MB")
	b.ReportMetric(float64(live.Load())/(1<<20), "server-live-heap-MB")
	b.ReportMetric(peakRSS(pid)/(1<<20), "net-peak-RSS-MB")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkCampaign runs with -benchtime=1x: each size is one whole campaign. menu=bank is the
// issue's benchmark (the signed bank menu, about 25 segments a card); menu=spn is a one-segment
// update, where the per-card costs show.
func BenchmarkCampaign(b *testing.B) {
	sizes := []int{10000, 100000}
	if s := os.Getenv("STKFORGE_BENCH_CARDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		sizes = []int{n}
	}
	for _, bank := range []bool{true, false} {
		for _, n := range sizes {
			name := map[bool]string{true: "bank", false: "spn"}[bank]
			b.Run(fmt.Sprintf("menu=%s/cards=%d", name, n), func(b *testing.B) {
				for range b.N {
					benchCampaign(b, n, bank)
				}
			})
		}
	}
}
