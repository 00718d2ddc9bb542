package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/postgres"
	"github.com/stkforge/stkforge/keys/sqlite"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/server"
	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/sim/network"
	"github.com/stkforge/stkforge/sim/toolkit"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/image/imagetest"
)

// envServeChild holds the command line of `stkforge serve` for the child process, as JSON.
const envServeChild = "STKFORGE_SERVE_KILL_CHILD"

// counterLog records, from the cards' side, every counter value each card received with
// keyset 1: the SMS-PP segments are reassembled as the card does, and each whole command
// packet is opened with the card's keys.
type counterLog struct {
	mu    sync.Mutex
	reasm map[string]*smspp.Reassembler
	seen  map[string]map[packet.Counter]int
}

func (l *counterLog) watch(t *testing.T, e *e2e) {
	l.reasm, l.seen = map[string]*smspp.Reassembler{}, map[string]map[packet.Counter]int{}
	for m, pk := range e.cardKeys(t) {
		l.reasm[m] = smspp.NewReassembler(smspp.Limits{}, time.Now)
		l.seen[m] = map[packet.Counter]int{}
		e.fleet.Handsets[m].Seen = func(ud []byte) {
			l.mu.Lock()
			defer l.mu.Unlock()
			p, err := l.reasm[m].Add("ota", ud)
			if err != nil || p == nil || p.Kind != smspp.CommandPacket {
				return
			}
			cmd, err := packet.Open(nil, p.Data, &pk)
			if err != nil {
				t.Errorf("card %s: %v", m, err)
				return
			}
			l.seen[m][cmd.CNTR]++
		}
	}
}

// TestServeKill9: `stkforge serve` runs as a child process (this test binary re-executed, calling
// the CLI's run) with a SQLite store and the virtual network of the parent, pushing a signed
// script image to every card; the parent kills it with SIGKILL at seeded random points and starts
// it again each time. At the end every target is final, no card received a counter value twice,
// and no card holds a half-written image: EF 6F03 has no commit pending and names an active slot
// only when the runtime holds the whole signed image.
//
// By default 150 cards and 3 kills (about 20 s); STKFORGE_LONG=1 runs the 5,000 cards
// and 10 kills.
func TestServeKill9(t *testing.T) {
	if v := os.Getenv(envServeChild); v != "" {
		var args []string
		if err := json.Unmarshal([]byte(v), &args); err != nil {
			os.Exit(3)
		}
		os.Exit(run(args, Env{Stdin: strings.NewReader(""), Stdout: os.Stdout, Stderr: os.Stderr}))
	}
	if testing.Short() {
		t.Skip("re-executes the test binary as a server and kills it")
	}
	n, kills, rate := 150, 3, 60.0
	minWait, maxWait := 300*time.Millisecond, 900*time.Millisecond
	if os.Getenv("STKFORGE_LONG") == "1" {
		// 150 cards/s spreads the campaign over about 35 s, so that all 10 kills land
		// while it runs, not after it finished
		n, kills, rate = 5000, 10, 150
		minWait, maxWait = time.Second, 4*time.Second
	}
	rnd := mrand.New(mrand.NewPCG(8, uint64(n)))
	e := newE2E(t, n, network.Faults{Latency: time.Millisecond})
	var log counterLog
	log.watch(t, e)

	bank, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := image.Sign(imagetest.Hello("Bank"), bank, "bank", image.PKCS1v15SHA256)
	if err != nil {
		t.Fatal(err)
	}
	rts := map[string]*toolkit.Runtime{}
	for m, h := range e.fleet.Handsets {
		rts[m] = toolkit.Attach(h.Card, toolkit.Config{Issuers: []image.IssuerKey{{ID: "bank", Key: &bank.PublicKey}}, Rand: toolkit.SeededRand(m)})
	}

	var storePath string
	if err := e.store.(*sqlite.Store).DB().QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&storePath); err != nil {
		t.Fatal(err)
	}
	h := newServeHarness(t, e, storePath)
	start := func() (*exec.Cmd, string) { return h.start("node1") }
	api := h.api

	spec := spnSpec(t, "")
	spec.Name, spec.Script, spec.Image, spec.ImageSlot, spec.Rate = "bank menu", nil, signed.Bytes(), 1, rate
	spec.MaxAttempts = 8
	sb, _ := json.Marshal(spec)
	cmd, addr := start()
	code, m := api(addr, "POST", "/v1/campaigns", sb)
	if code != 201 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("create: %d %v", code, m)
	}
	id := m["id"].(string)
	j, _ := campaign.OpenJournal(e.store, nil)
	ctx := context.Background()
	began := time.Now()
	for k := 0; k < kills; k++ {
		time.Sleep(minWait + time.Duration(rnd.Int64N(int64(maxWait-minWait))))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		c, _ := j.Counts(ctx, id)
		t.Logf("kill %d at %v: %v", k+1, time.Since(began).Round(time.Millisecond), c)
		cmd, addr = start()
	}
	h.waitDone(addr, id, time.Duration(n/10+120)*time.Second)
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	elapsed := time.Since(began)

	ts, err := j.Targets(ctx, id, -1, n+1, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != n {
		t.Fatalf("%d targets, want %d", len(ts), n)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	counts := map[campaign.State]int{}
	reasons := map[string]int{}
	for _, tg := range ts {
		counts[tg.State]++
		if tg.State != campaign.PoROK {
			reasons[string(tg.State)+": "+tg.LastError]++
		}
		if !tg.State.Final() {
			t.Errorf("target %d (%s) left in %s", tg.Seq, tg.ICCID, tg.State)
		}
		for v, k := range log.seen[tg.MSISDN] {
			if k > 1 {
				t.Errorf("card %s received counter %v %d times", tg.ICCID, v, k)
			}
		}
		h := e.fleet.Handsets[tg.MSISDN]
		cc, _ := h.Card.Counter(1)
		kc, err := e.store.Card(ctx, keys.ICCID(tg.ICCID))
		if err != nil {
			t.Fatal(err)
		}
		if ks, _ := kc.Keyset(1); uint64(cc) > ks.Counter {
			t.Errorf("card %s counter %v beyond the store's %d", tg.ICCID, cc, ks.Counter)
		}
		ctl := readControl(h.Card)
		rt := rts[tg.MSISDN]
		switch {
		case len(ctl) != 4:
			t.Errorf("card %s: EF 6F03 unreadable: %X", tg.ICCID, ctl)
		case ctl[1] != 0:
			t.Errorf("card %s: EF 6F03 %X: a commit is pending", tg.ICCID, ctl)
		case ctl[0] == 0 && rt.Image() != nil, ctl[0] != 0 && rt.Image() == nil:
			t.Errorf("card %s: EF 6F03 %X but the runtime holds image %v", tg.ICCID, ctl, rt.Image() != nil)
		case rt.Image() != nil && !bytes.Equal(rt.Image().Bytes(), signed.Bytes()):
			t.Errorf("card %s: the active image is not the signed one", tg.ICCID)
		case tg.State == campaign.PoROK && ctl[0] != 1:
			t.Errorf("card %s: por_ok but EF 6F03 %X", tg.ICCID, ctl)
		}
	}
	t.Logf("%d cards, %d kills, %v: %v", n, kills, elapsed.Round(time.Millisecond), counts)
	for r, k := range reasons {
		// a retry after a lost PoR commits the slot the first attempt already activated: the
		// card is whole, the campaign calls it an error (ota/campaign, commit status 06)
		t.Logf("%d targets %s", k, r)
	}
	if counts[campaign.PoROK] < n/2 {
		t.Errorf("only %d of %d cards updated", counts[campaign.PoROK], n)
	}
}

// readControl reads EF 6F03 of the script store (docs/image-format.md), readable always.
func readControl(c interface{ Transmit([]byte) []byte }) []byte {
	c.Transmit([]byte{0x00, 0xA4, 0x08, 0x0C, 0x04, 0x7F, 0x4F, 0x6F, 0x03})
	r := c.Transmit([]byte{0x00, 0xB0, 0x00, 0x00, 0x04})
	if len(r) < 2 || !bytes.HasSuffix(r, []byte{0x90, 0x00}) {
		return []byte(fmt.Sprintf("%X", r))
	}
	return r[:len(r)-2]
}

// serveHarness runs `stkforge serve` as child processes over one store and the parent's SMSC.
type serveHarness struct {
	t                              *testing.T
	store, mk, tokens, smsc, token string
	log                            *os.File
	all                            []server.Token
}

// addToken makes another token and rewrites the tokens file (for servers started after).
func (h *serveHarness) addToken(name string, role server.Role, tenant string) string {
	tok, tt, err := server.NewToken(name, role, tenant)
	if err != nil {
		h.t.Fatal(err)
	}
	h.all = append(h.all, tt)
	tb, _ := json.Marshal(h.all)
	if err := os.WriteFile(h.tokens, tb, 0o600); err != nil {
		h.t.Fatal(err)
	}
	return tok
}

func newServeHarness(t *testing.T, e *e2e, store string) *serveHarness {
	t.Helper()
	dir := t.TempDir()
	h := &serveHarness{t: t, store: store, smsc: e.smpp.Addr, mk: filepath.Join(dir, "master.key"), tokens: filepath.Join(dir, "tokens.json")}
	if err := os.WriteFile(h.mk, []byte(hex.EncodeToString(e.mk)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tok, tt, err := server.NewToken("ops", server.RoleOperator, "op")
	if err != nil {
		t.Fatal(err)
	}
	h.token, h.all = tok, []server.Token{tt}
	tb, _ := json.Marshal(h.all)
	if err := os.WriteFile(h.tokens, tb, 0o600); err != nil {
		t.Fatal(err)
	}
	if h.log, err = os.Create(filepath.Join(dir, "serve.log")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.log.Close() })
	return h
}

// start runs one server (this test binary re-executed into the CLI) and waits for /healthz.
func (h *serveHarness) start(node string) (*exec.Cmd, string) {
	t := h.t
	t.Helper()
	// The server listens on a port the kernel picks and logs it ("serving", addr): a port
	// probed free here and passed on could be taken by another process before the child binds
	// it. Starts are sequential, so the child's line is the first "serving" after this offset.
	fi, err := h.log.Stat()
	if err != nil {
		t.Fatal(err)
	}
	from := fi.Size()
	args, _ := json.Marshal([]string{"serve", "--store", h.store, "--master-key", h.mk, "--tokens", h.tokens,
		"--listen", "127.0.0.1:0", "--smsc", h.smsc, "--system-id", "ota", "--source", "12345", "--window", "200", "--node", node})
	cmd := exec.Command(os.Args[0], "-test.run", "^TestServeKill9$")
	cmd.Env = append(os.Environ(), envServeChild+"="+string(args), "STKFORGE_SMPP_PASSWORD=pw-ota")
	cmd.Stdout, cmd.Stderr = h.log, h.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(2 * time.Minute)
	addr := ""
	for {
		if addr == "" {
			addr = h.servingAddr(from)
		}
		if addr != "" {
			resp, err := http.Get("http://" + addr + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return cmd, addr
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not come up (address %q, log %s)", addr, h.log.Name())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// servingAddr returns the address in the first "serving" line of the log after offset from.
func (h *serveHarness) servingAddr(from int64) string {
	b, err := os.ReadFile(h.log.Name())
	if err != nil || int64(len(b)) < from {
		return ""
	}
	for _, line := range bytes.Split(b[from:], []byte("\n")) {
		var m struct{ Msg, Addr string }
		if json.Unmarshal(line, &m) == nil && m.Msg == "serving" && m.Addr != "" {
			return m.Addr
		}
	}
	return ""
}

func (h *serveHarness) api(addr, method, path string, body []byte) (int, map[string]any) {
	return h.apiAs(h.token, addr, method, path, body)
}

func (h *serveHarness) apiAs(token, addr, method, path string, body []byte) (int, map[string]any) {
	h.t.Helper()
	req, _ := http.NewRequest(method, "http://"+addr+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// waitDone polls the campaign until it is done (or paused), at most timeout.
func (h *serveHarness) waitDone(addr, id string, timeout time.Duration) map[string]any {
	deadline := time.Now().Add(timeout)
	for {
		_, st := h.api(addr, "GET", "/v1/campaigns/"+id, nil)
		if st != nil && (st["status"] == "done" || st["status"] == "paused") {
			return st
		}
		if time.Now().After(deadline) {
			h.t.Errorf("campaign %s not done: %v", id, st)
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeTwoNodes: two `stkforge serve` processes on one PostgreSQL store and one SMSC account
// (same system_id, a bind each) run one campaign together; a campaign of the same size run by
// one node first gives the throughput to compare. No card receives two packets of one campaign,
// every target ends por_ok, and both nodes took a share.
func TestServeTwoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster and two servers")
	}
	url := pgServer(t)
	st, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	n := 1000
	if os.Getenv("STKFORGE_LONG") == "1" {
		n = 5000
	}
	e := newE2EStore(t, st, n, network.Faults{Latency: time.Millisecond})
	var log counterLog
	log.watch(t, e)
	h := newServeHarness(t, e, url)
	j, _ := campaign.OpenJournal(e.store, nil)
	ctx := context.Background()

	runCampaign := func(text string, nodes int) (string, time.Duration) {
		t.Helper()
		log.mu.Lock()
		for m := range log.seen {
			log.seen[m] = map[packet.Counter]int{}
		}
		log.mu.Unlock()
		a, addrA := h.start(text + "-a")
		spec := spnSpec(t, text)
		// With 1000 packets in flight through two servers, PostgreSQL and the simulated cards
		// on 2 loaded cores, the last PoRs arrive seconds after their submit_sm: spnSpec's 1 s
		// expired such targets after 6 attempts (seen under -count=2). 10 s outlasts the queue
		// and still lets a retry recover a PoR the nodes miss (seen under -race: a few targets
		// needed 3 attempts) well within waitDone.
		spec.PoRTimeout = campaign.Duration(10 * time.Second)
		sb, _ := json.Marshal(spec)
		began := time.Now()
		code, m := h.api(addrA, "POST", "/v1/campaigns", sb)
		if code != 201 {
			t.Fatalf("create: %d %v", code, m)
		}
		id := m["id"].(string)
		var b *exec.Cmd
		if nodes == 2 {
			b, _ = h.start(text + "-b") // picks the running campaign up at start
		}
		h.waitDone(addrA, id, 5*time.Minute)
		took := time.Since(began)
		for _, c := range []*exec.Cmd{a, b} {
			if c != nil {
				c.Process.Signal(syscall.SIGTERM)
				c.Wait()
			}
		}
		ts, err := j.Targets(ctx, id, -1, n+1, "")
		if err != nil {
			t.Fatal(err)
		}
		log.mu.Lock()
		defer log.mu.Unlock()
		for _, tg := range ts {
			// A retry after a slow PoR is legitimate under load; what must never happen is one
			// counter value reaching a card twice (two nodes sending the same attempt).
			if tg.State != campaign.PoROK {
				t.Errorf("%s: target %d (%s) %s after %d attempts: %s", text, tg.Seq, tg.ICCID, tg.State, tg.Attempts, tg.LastError)
			}
			if len(log.seen[tg.MSISDN]) == 0 {
				t.Errorf("%s: card %s received no packet", text, tg.ICCID)
			}
			for cntr, k := range log.seen[tg.MSISDN] {
				if k != 1 {
					t.Errorf("%s: card %s received counter %v %d times", text, tg.ICCID, cntr, k)
				}
			}
			if got := readSPN(e.fleet.Handsets[tg.MSISDN].Card); got != text {
				t.Errorf("%s: card %s EF SPN %q", text, tg.ICCID, got)
			}
		}
		rows, err := st.Pool().Query(ctx, `SELECT owner, count(*) FROM campaign_targets WHERE campaign = $1 GROUP BY owner ORDER BY owner`, id)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		shares := map[string]int{}
		for rows.Next() {
			var owner string
			var k int
			if err := rows.Scan(&owner, &k); err != nil {
				t.Fatal(err)
			}
			shares[owner] = k
		}
		t.Logf("%s: %d cards in %v (%.0f cards/s), targets per node %v", text, n, took.Round(time.Millisecond), float64(n)/took.Seconds(), shares)
		// How the targets split between the nodes depends on when the second one starts and
		// on the load of the machine: reported, not asserted.
		if len(shares) != nodes {
			t.Logf("%s: targets per node %v: only %d of %d nodes took targets", text, shares, len(shares), nodes)
		}
		return id, took
	}
	_, one := runCampaign("one node", 1)
	_, two := runCampaign("two nodes", 2)
	// on 2 shared cores the simulated cards, the SMSC, PostgreSQL and both servers compete for
	// the same CPU: the figure is reported, never asserted
	t.Logf("throughput two nodes / one node: %.2f", one.Seconds()/two.Seconds())
}

// TestServeHostileInput: `stkforge serve` as operators run it, fed what an attacker or a careless
// client sends: no token, a wrong one, a body over the limit, malformed JSON and unknown fields
// (each a 4xx naming what is wrong), and a bank token reaching for the operator's cards,
// campaigns and card import (it sees none of them and can touch none).
func TestServeHostileInput(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary as a server")
	}
	e := newE2E(t, 4, network.Faults{})
	if err := e.store.PutTenant(context.Background(), keys.Tenant{ID: "bank1", Kind: keys.TenantBank, Name: "Bank"}); err != nil {
		t.Fatal(err)
	}
	var storePath string
	if err := e.store.(*sqlite.Store).DB().QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&storePath); err != nil {
		t.Fatal(err)
	}
	h := newServeHarness(t, e, storePath)
	bank := h.addToken("bank", server.RoleBank, "bank1")
	_, addr := h.start("hostile")
	spec, _ := json.Marshal(spnSpec(t, "mine"))
	code, m := h.api(addr, "POST", "/v1/campaigns", spec)
	if code != 201 {
		t.Fatalf("operator create: %d %v", code, m)
	}
	opID := m["id"].(string)
	errCode := func(m map[string]any) string {
		if e, ok := m["error"].(map[string]any); ok {
			s, _ := e["code"].(string)
			return s
		}
		return ""
	}
	for _, c := range []struct {
		name, token, method, path string
		body                      []byte
		want                      int
		code                      string
	}{
		{"no token", "", "GET", "/v1/campaigns", nil, 401, "unauthorized"},
		{"wrong token", "stk_" + strings.Repeat("A", 43), "GET", "/v1/campaigns", nil, 401, "unauthorized"},
		{"body over 1 MiB", h.token, "POST", "/v1/campaigns", bytes.Repeat([]byte(" "), 1<<20+1), 413, "too_large"},
		{"truncated JSON", h.token, "POST", "/v1/campaigns", spec[:len(spec)/2], 400, ""},
		{"unknown field", h.token, "POST", "/v1/campaigns", []byte(`{"name":"x","kic_key":"00"}`), 400, ""},
		{"bank reads the operator's campaign", bank, "GET", "/v1/campaigns/" + opID, nil, 404, ""},
		{"bank reads its targets", bank, "GET", "/v1/campaigns/" + opID + "/targets", nil, 404, ""},
		{"bank cancels it", bank, "POST", "/v1/campaigns/" + opID + "/cancel", nil, 404, ""},
		{"bank imports cards", bank, "POST", "/v1/cards/import", []byte("ICCID\n"), 403, ""},
		{"bank pushes to the operator's cards and TAR", bank, "POST", "/v1/campaigns", spec, 422, ""},
	} {
		code, m := h.apiAs(c.token, addr, c.method, c.path, c.body)
		if code != c.want || (c.code != "" && errCode(m) != c.code) {
			t.Errorf("%s: %d %v, want %d %s", c.name, code, m, c.want, c.code)
		}
		if code >= 400 && code != 404 && errCode(m) == "" {
			t.Errorf("%s: %d without an error code: %v", c.name, code, m)
		}
	}
	for _, q := range []string{"", "?tenant=op"} {
		code, m := h.apiAs(bank, addr, "GET", "/v1/cards"+q, nil)
		if cards, _ := m["cards"].([]any); code != 200 || len(cards) != 0 {
			t.Errorf("bank lists cards%s: %d %v", q, code, m)
		}
	}
	code, m = h.apiAs(bank, addr, "GET", "/v1/campaigns", nil)
	if list, _ := m["campaigns"].([]any); code != 200 || len(list) != 0 {
		t.Errorf("bank lists campaigns: %d %v", code, m)
	}
	if code, m := h.api(addr, "GET", "/v1/cards", nil); code != 200 || len(m["cards"].([]any)) != 4 {
		t.Errorf("operator lists cards: %d %v", code, m)
	}
}

// TestTokenCompareConstantTime checks, in the source of ota/server, that a presented token is
// matched the way its package doc promises: its SHA-256 compared with crypto/subtle against every
// configured hash, with no early exit and no ordinary comparison that could leak by timing.
// Timing itself is not measured (tests never assert on wall-clock time).
func TestTokenCompareConstantTime(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../../ota/server/server.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var auth *ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "auth" && fd.Recv != nil {
			auth = fd
		}
	}
	if auth == nil {
		t.Fatal("no (*Server).auth in ota/server/server.go")
	}
	subtleCalls, sha := 0, 0
	ast.Inspect(auth.Body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr:
			if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok {
					switch id.Name + "." + sel.Sel.Name {
					case "subtle.ConstantTimeCompare":
						subtleCalls++
					case "sha256.Sum256":
						sha++
					case "bytes.Equal", "strings.EqualFold", "hmac.Equal":
						t.Errorf("%v: %s.%s in auth", fset.Position(x.Pos()), id.Name, sel.Sel.Name)
					}
				}
			}
		case *ast.BranchStmt:
			if x.Tok == token.BREAK || x.Tok == token.GOTO {
				t.Errorf("%v: %v inside auth: the loop over the hashes must not stop at a match", fset.Position(x.Pos()), x.Tok)
			}
		case *ast.RangeStmt:
			ast.Inspect(x.Body, func(m ast.Node) bool {
				if r, ok := m.(*ast.ReturnStmt); ok {
					t.Errorf("%v: return inside the loop over the hashes", fset.Position(r.Pos()))
				}
				if b, ok := m.(*ast.BinaryExpr); ok && (b.Op == token.EQL || b.Op == token.NEQ) {
					if _, lit := b.Y.(*ast.BasicLit); !lit {
						t.Errorf("%v: == between non-constants inside the loop over the hashes", fset.Position(b.Pos()))
					}
				}
				return true
			})
		}
		return true
	})
	if subtleCalls == 0 || sha == 0 {
		t.Errorf("auth: %d subtle.ConstantTimeCompare, %d sha256.Sum256 calls", subtleCalls, sha)
	}
}
