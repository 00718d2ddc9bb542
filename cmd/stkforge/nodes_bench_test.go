package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/postgres"
	"github.com/stkforge/stkforge/keys/postgres/pgtest"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/server"
	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/sim/network"
)

// nodesBindRate is the virtual SMSC's per-bind licence in the node benchmark: submit_sm per
// second each bind may send, ESME_RTHROTTLED above (a common TPS licence of an SMSC bind).
const nodesBindRate = 300

// BenchmarkServeNodes runs one campaign (the EF SPN update, one SMS per card) with 1 and with 2
// `stkforge serve` processes on one PostgreSQL store, each node on its own bind of one SMSC
// account whose binds are licensed nodesBindRate submit_sm/s each (limit=bind): the SMSC is the
// bottleneck, as in production, so two nodes should come close to twice the cards/s. With the
// licence on the account instead (limit=account: nodesBindRate over all its binds) a second node
// adds nothing, which is what to check with the SMSC's operator before adding nodes. With
// --max-rate a little under the bind's licence (max-rate=290) each node paces itself and is
// never throttled. The cards are lean
// (nodesHandset: the TS 102 225 checks and a PoR by SMS-SUBMIT, so a PoR may reach either node),
// so that the CPU they take does not hide the SMSC's limit. Run with
// -benchtime 1x; STKFORGE_NODES_CARDS sets the campaign size (default 3,000).
func BenchmarkServeNodes(b *testing.B) {
	n := 3000
	if v := os.Getenv("STKFORGE_NODES_CARDS"); v != "" {
		fmt.Sscan(v, &n)
	}
	pg, err := pgtest.Start()
	if err == nil {
		b.Cleanup(pg.Stop)
	} else {
		pg = nil
	}
	pgtest.Need(b, pg, fmt.Sprint(err))
	for _, c := range []struct {
		nodes   int
		limit   string
		maxRate int // --max-rate of each node, 0: none
	}{{1, "bind", 0}, {2, "bind", 0}, {2, "account", 0}, {2, "bind", nodesBindRate - 10}} {
		name := fmt.Sprintf("nodes=%d/limit=%s", c.nodes, c.limit)
		var flags []string
		if c.maxRate > 0 {
			name += fmt.Sprintf("/max-rate=%d", c.maxRate)
			flags = []string{"--max-rate", fmt.Sprint(c.maxRate)}
		}
		b.Run(name, func(b *testing.B) {
			nodes := c.nodes
			f := network.Faults{BindRate: nodesBindRate}
			if c.limit == "account" { // the same licence for the account, whatever its binds
				f = network.Faults{ThrottleRate: nodesBindRate}
			}
			w := newNodesWorld(b, pg.Fresh(b), n, f)
			var cardsPerS, throttled float64
			for i := range b.N {
				cps, thr := w.campaign(b, fmt.Sprintf("bench-%d", i), nodes, flags...)
				cardsPerS += cps
				throttled += thr
			}
			b.ReportMetric(cardsPerS/float64(b.N), "cards/s")
			licence := float64(nodes * nodesBindRate)
			if c.limit == "account" {
				licence = nodesBindRate
			}
			b.ReportMetric(cardsPerS/float64(b.N)/licence, "of-licence")
			b.ReportMetric(throttled/float64(b.N), "throttled/card")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// nodesWorld is a PostgreSQL store of n lean cards, the virtual SMSC with its per-bind limit,
// and what a `stkforge serve` child process needs (master key and tokens files).
type nodesWorld struct {
	url, dir, mk, tokens, token string
	st                          *postgres.Store
	smsc                        *network.SMSC
	n                           int
}

func newNodesWorld(b testing.TB, url string, n int, faults network.Faults) *nodesWorld {
	ctx := context.Background()
	st, err := postgres.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	mk := make([]byte, 32)
	kp, err := keys.NewMasterKey(mk, nil)
	if err != nil {
		b.Fatal(err)
	}
	smsc, err := network.Listen(network.Config{Accounts: map[string]string{"ota": "pw"}, Routes: map[string]string{"12345": "ota"},
		QueueSize: 65536, Faults: faults})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { smsc.Close() })
	// derived keys, a lean handset each
	var cards []keys.Card
	for i := 1; i <= n; i++ {
		id := netICCID(i)
		c := keys.Card{ICCID: id, IMSI: fmt.Sprintf("00101%010d", i), MSISDN: netMSISDN(i), Profile: "bench", Tenant: "op", Lifecycle: keys.LifecycleActive}
		ks := keys.Keyset{KVN: 1, Tenant: "op"}
		for _, x := range []struct {
			name string
			dst  *keys.Key
		}{{"kic", &ks.KIc}, {"kid", &ks.KID}} {
			sealed, err := kp.Seal(nodesKey(i, x.name), keys.SecretRef{ICCID: id, KVN: 1, Name: x.name}.AAD())
			if err != nil {
				b.Fatal(err)
			}
			*x.dst = keys.Key{Coding: 0x12, Sealed: sealed}
		}
		c.Keysets = []keys.Keyset{ks}
		cards = append(cards, c)
		if len(cards) == 2000 || i == n {
			if err := st.InsertCards(ctx, cards, keys.AuditRecord{Action: keys.AuditImport}); err != nil {
				b.Fatal(err)
			}
			cards = cards[:0]
		}
		smsc.Register(netMSISDN(i), &nodesHandset{n: i, msisdn: netMSISDN(i), smsc: smsc})
	}
	dir := b.TempDir()
	w := &nodesWorld{url: url, dir: dir, mk: filepath.Join(dir, "master.key"), tokens: filepath.Join(dir, "tokens.json"), st: st, smsc: smsc, n: n}
	if err := os.WriteFile(w.mk, []byte(hex.EncodeToString(mk)+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	tok, tt, err := server.NewToken("ops", server.RoleOperator, "op")
	if err != nil {
		b.Fatal(err)
	}
	w.token = tok
	tb, _ := json.Marshal([]server.Token{tt})
	if err := os.WriteFile(w.tokens, tb, 0o600); err != nil {
		b.Fatal(err)
	}
	return w
}

// campaign creates campaign id in the store, starts the nodes with extra flags (each picks
// running campaigns up at its start, binds once and claims targets), waits until the campaign
// is finished and stops them. It returns cards/s from the nodes' start to the last PoR, and
// ESME_RTHROTTLED per card.
func (w *nodesWorld) campaign(b *testing.B, id string, nodes int, extra ...string) (float64, float64) {
	ctx := context.Background()
	j, err := campaign.OpenJournal(w.st, nil)
	if err != nil {
		b.Fatal(err)
	}
	spec := spnSpec(b, "nodes")
	spec.PoRTimeout = campaign.Duration(30 * time.Second)
	r := campaign.NewRunner(campaign.Config{Journal: j, Store: w.st})
	_, _, err = r.Create(ctx, id, *spec, campaign.Scope{})
	r.Close()
	if err != nil {
		b.Fatal(err)
	}
	before := w.smsc.Stats()
	b.ResetTimer()
	began := time.Now()
	var cmds []*exec.Cmd
	var logs []string
	for k := range nodes { // started together, then waited for
		cmd, log := w.startNode(b, fmt.Sprintf("node%d", k+1), extra...)
		cmds, logs = append(cmds, cmd), append(logs, log)
	}
	for k := range nodes {
		w.waitUp(b, logs[k])
	}
	deadline := time.Now().Add(10 * time.Minute) // generous: only a hang should reach it
	for {
		in, err := j.Get(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		if in.Status == campaign.Finished {
			break
		}
		for k, cmd := range cmds {
			if cmd.ProcessState != nil {
				b.Fatalf("node %d exited: %v (log %s)", k+1, cmd.ProcessState, logs[k])
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("campaign %s not finished: %v", id, in)
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(began)
	b.StopTimer()
	for _, cmd := range cmds {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
	c, err := j.Counts(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	if c[campaign.PoROK] != w.n {
		b.Fatalf("counts %v", c)
	}
	shares := map[string]int{}
	rows, err := w.st.Pool().Query(ctx, `SELECT owner, count(*) FROM campaign_targets WHERE campaign = $1 GROUP BY owner`, id)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var owner string
		var k int
		if err := rows.Scan(&owner, &k); err != nil {
			b.Fatal(err)
		}
		shares[owner] = k
	}
	rows.Close()
	after := w.smsc.Stats()
	b.Logf("%d nodes: %d cards in %v (%.0f cards/s), targets per node %v, SMSC: %d binds, %d submit_sm accepted, %d throttled",
		nodes, w.n, took.Round(time.Millisecond), float64(w.n)/took.Seconds(), shares, after.Binds-before.Binds,
		after.Submits-before.Submits, after.Throttled-before.Throttled)
	return float64(w.n) / took.Seconds(), float64(after.Throttled-before.Throttled) / float64(w.n)
}

// startNode starts `stkforge serve` (this test binary re-executed into the CLI, as
// serveHarness does) with extra flags and returns it with the path of its log.
func (w *nodesWorld) startNode(b testing.TB, node string, extra ...string) (*exec.Cmd, string) {
	b.Helper()
	log := filepath.Join(w.dir, node+".log")
	f, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	args, _ := json.Marshal(append([]string{"serve", "--store", w.url, "--master-key", w.mk, "--tokens", w.tokens,
		"--listen", "127.0.0.1:0", "--smsc", w.smsc.Addr().String(), "--system-id", "ota", "--source", "12345",
		"--window", "200", "--node", node}, extra...))
	cmd := exec.Command(os.Args[0], "-test.run", "^TestServeKill9$")
	cmd.Env = append(os.Environ(), envServeChild+"="+string(args), "STKFORGE_SMPP_PASSWORD=pw")
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go cmd.Wait() // sets ProcessState if it dies early
	b.Cleanup(func() { cmd.Process.Kill() })
	return cmd, log
}

// waitUp waits until the node logging to log answers /healthz.
func (w *nodesWorld) waitUp(b testing.TB, log string) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if addr := servingAddrIn(log); addr != "" {
			if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("a node did not come up (log %s)", log)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// servingAddrIn returns the address of the "serving" line of a node's JSON log.
func servingAddrIn(path string) string {
	bs, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, line := range bytes.Split(bs, []byte("\n")) {
		var m struct{ Msg, Addr string }
		if json.Unmarshal(line, &m) == nil && m.Msg == "serving" && m.Addr != "" {
			return m.Addr
		}
	}
	return ""
}

// nodesKey is the clear key of card n: derived, so that neither side keeps thousands of keys.
func nodesKey(n int, name string) []byte {
	h := sha256.Sum256([]byte(fmt.Sprintf("nodes %d %s", n, name)))
	return h[:16]
}

// nodesHandset is a lean card behind its handset: it opens the command packet with its keys
// (TS 102 225 5.1), checks the counter is higher than the last it accepted, and sends the PoR
// (5.2) back by SMS-SUBMIT to the packet's originator; no file system.
type nodesHandset struct {
	n       int
	msisdn  string
	smsc    *network.SMSC
	mu      sync.Mutex
	counter uint64
}

func (h *nodesHandset) DeliverSMS(_ context.Context, tpdu []byte) ([]byte, error) {
	d, err := smspp.ParseDeliver(tpdu)
	if err != nil {
		return nil, err
	}
	if len(d.UD) < 3 {
		return nil, fmt.Errorf("user data % X", d.UD)
	}
	ks := packet.Keyset{KIc: nodesKey(h.n, "kic"), KID: nodesKey(h.n, "kid")}
	cmd, err := packet.Open(nil, d.UD[3:], &ks)
	if err != nil {
		return nil, err
	}
	st := packet.StatusPoROK
	h.mu.Lock()
	if uint64(cmd.CNTR) <= h.counter {
		st = packet.StatusCounterLow
	} else {
		h.counter = uint64(cmd.CNTR)
	}
	h.mu.Unlock()
	hd := cmd.Header
	if st != packet.StatusPoROK {
		hd.SPI.PoRChecksum, hd.SPI.PoRCiphering = packet.ChecksumNone, false
	}
	ud := []byte{0x02, 0x71, 0x00}
	ud, err = packet.SealPoR(ud, ud[:3], &hd, st, []byte{0x01, 0x90, 0x00}, &ks)
	if err != nil {
		return nil, err
	}
	sub := &smspp.Submit{UDHI: true, MR: byte(cmd.CNTR), DA: d.OA, PID: smspp.PIDPlain, DCS: smspp.DCSClass2Data, UD: ud}
	b, err := sub.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return nil, h.smsc.SubmitMO(h.msisdn, b)
}

// TestServeNodesJoinLater: two nodes are up when a campaign is created through the first one's
// API; the second finds it at its next look (ota/server Discover, every 2 s by default) and
// takes a share of it. Each node runs with --max-rate a little under its bind's licence
// (BindRate 100 submit_sm/s), so the SMSC never has to throttle: the flag reaches the SMPP
// client of `stkforge serve` (a node without it claims 256 targets at once and sends them
// as fast as its window allows).
func TestServeNodesJoinLater(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster and two servers")
	}
	const n = 600
	pg, err := pgtest.Start()
	if err == nil {
		t.Cleanup(pg.Stop)
	} else {
		pg = nil
	}
	pgtest.Need(t, pg, fmt.Sprint(err))
	// a bucket of half a second: a busy machine may hold the SMSC's reading back that long and
	// hand it submit_sm sent at the paced rate all at once
	w := newNodesWorld(t, pg.Fresh(t), n, network.Faults{BindRate: 100, BindBurst: 50})
	var logs []string
	for _, node := range []string{"a", "b"} {
		_, log := w.startNode(t, node, "--max-rate", "90")
		logs = append(logs, log)
	}
	for _, log := range logs {
		w.waitUp(t, log)
	}
	spec, _ := json.Marshal(spnSpec(t, "later"))
	req, _ := http.NewRequest("POST", "http://"+servingAddrIn(logs[0])+"/v1/campaigns", bytes.NewReader(spec))
	req.Header.Set("Authorization", "Bearer "+w.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create: %s", resp.Status)
	}
	j, _ := campaign.OpenJournal(w.st, nil)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if in, err := j.Get(context.Background(), created.ID); err == nil && in.Status == campaign.Finished {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("campaign not finished")
		}
		time.Sleep(20 * time.Millisecond)
	}
	shares := map[string]int{}
	rows, err := w.st.Pool().Query(context.Background(), `SELECT owner, count(*) FROM campaign_targets WHERE campaign = $1 GROUP BY owner`, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var owner string
		var k int
		if err := rows.Scan(&owner, &k); err != nil {
			t.Fatal(err)
		}
		shares[owner] = k
	}
	rows.Close()
	t.Logf("targets per node %v", shares)
	if owners := len(shares); owners != 2 {
		b, _ := os.ReadFile(logs[1])
		t.Errorf("targets claimed by %d node(s) of 2; node b's log:\n%s", owners, b)
	}
	if st := w.smsc.Stats(); st.Throttled != 0 || st.Submits < n {
		t.Errorf("SMSC: %d submit_sm accepted, %d throttled; want %d or more accepted and none throttled under --max-rate 90", st.Submits, st.Throttled, n)
	}
}
