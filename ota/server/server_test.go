package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/sqlite"
	"github.com/stkforge/stkforge/keys/storetest"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/server"
	"github.com/stkforge/stkforge/ota/smpp"
)

var ctx = context.Background()

// blackhole accepts every short message and never answers: targets stay sent.
type blackhole struct {
	mu sync.Mutex
	n  int
}

func (b *blackhole) SubmitAsync(_ context.Context, m smpp.Message, done func(smpp.Result)) error {
	b.mu.Lock()
	b.n++
	id := fmt.Sprint(b.n)
	b.mu.Unlock()
	go done(smpp.Result{MessageID: id})
	return nil
}

type fixture struct {
	keyring       *keys.Keyring
	journal       *campaign.Journal
	runner        *campaign.Runner
	tokens        []server.Token
	srv           *server.Server
	ts            *httptest.Server
	op, bank, bad string
	iccids        []string
}

func newFixture(t *testing.T) *fixture {
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mk := make([]byte, 32)
	rand.Read(mk)
	kp, _ := keys.NewMasterKey(mk, nil)
	f := &fixture{}
	var cards []keys.Card
	for i := 1; i <= 10; i++ {
		c := storetest.Card(t, kp, i)
		c.Lifecycle = keys.LifecycleActive
		if i > 5 { // cards 6..10 carry a bank applet's TAR and keyset 2 belongs to the bank
			c.TARs = append(c.TARs, keys.TARPolicy{TAR: [3]byte{0xBA, 0x00, 0x01}, MSL: 0x16, Tenant: "bank1"})
			c.Keysets[1].Tenant = "bank1"
		}
		cards = append(cards, c)
		f.iccids = append(f.iccids, string(c.ICCID))
	}
	if err := st.InsertCards(ctx, cards, keys.AuditRecord{Action: keys.AuditImport}); err != nil {
		t.Fatal(err)
	}
	j, _ := campaign.OpenJournal(st, nil)
	r := campaign.NewRunner(campaign.Config{Journal: j, Store: st, Provider: kp, Sender: &blackhole{}, Poll: 5 * time.Millisecond})
	t.Cleanup(func() { r.Close() })
	opTok, opT, _ := server.NewToken("ops", server.RoleOperator, "op")
	bankTok, bankT, _ := server.NewToken("bank-one", server.RoleBank, "bank1")
	n := 0
	f.keyring, f.journal, f.runner, f.tokens = &keys.Keyring{Store: st, Provider: kp}, j, r, []server.Token{opT, bankT}
	f.srv, err = server.New(server.Config{Keyring: f.keyring, Journal: j, Runner: r,
		Tokens: f.tokens, MaxBody: 4096, NewID: func() string { n++; return fmt.Sprintf("c%d", n) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.srv.Close() })
	f.ts = httptest.NewServer(f.srv.Handler())
	t.Cleanup(f.ts.Close)
	f.op, f.bank, f.bad = opTok, bankTok, "stk_"+strings.Repeat("A", 43)
	return f
}

func (f *fixture) do(t *testing.T, tok, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, f.ts.URL+path, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func specJSON(tenant, tar, kic string, iccids ...string) string {
	b, _ := json.Marshal(map[string]any{"name": "t", "tenant": tenant, "script": "00A4000C023F00",
		"targets":  map[string]any{"iccids": iccids},
		"security": map[string]any{"spi": "1639", "kic": kic, "kid": kic, "tar": tar}})
	return string(b)
}

func TestAuth(t *testing.T) {
	f := newFixture(t)
	for _, tok := range []string{"", f.bad, "not-a-token"} {
		if code, m := f.do(t, tok, "GET", "/v1/campaigns", ""); code != 401 || m["error"].(map[string]any)["code"] != "unauthorized" {
			t.Errorf("token %q: %d %v", tok, code, m)
		}
	}
	if code, _ := f.do(t, f.op, "GET", "/v1/campaigns", ""); code != 200 {
		t.Errorf("operator: %d", code)
	}
	// a bank may not import cards
	if code, _ := f.do(t, f.bank, "POST", "/v1/cards/import", "ICCID\n"); code != 403 {
		t.Errorf("bank import: %d", code)
	}
	if _, err := server.New(server.Config{Tokens: []server.Token{{Name: "x", Role: "root", SHA256: strings.Repeat("0", 64)}}}); err == nil {
		t.Error("unknown role accepted")
	}
}

func TestCampaignLifecycle(t *testing.T) {
	f := newFixture(t)
	code, m := f.do(t, f.op, "POST", "/v1/campaigns", specJSON("op", "B00010", "12", f.iccids[:4]...))
	if code != 201 || m["id"] != "c1" || m["targets"].(float64) != 4 {
		t.Fatalf("create: %d %v", code, m)
	}
	waitSent(t, f, "c1", 4)
	code, m = f.do(t, f.op, "GET", "/v1/campaigns/c1", "")
	if code != 200 || m["counts"].(map[string]any)["sent"].(float64) != 4 || m["status"] != "running" {
		t.Errorf("status: %d %v", code, m)
	}
	code, m = f.do(t, f.op, "GET", "/v1/campaigns/c1/targets?limit=3", "")
	if code != 200 || len(m["targets"].([]any)) != 3 || m["next_after"].(float64) != 2 {
		t.Errorf("targets page 1: %d %v", code, m)
	}
	code, m = f.do(t, f.op, "GET", "/v1/campaigns/c1/targets?limit=3&after=2", "")
	if code != 200 || len(m["targets"].([]any)) != 1 || m["next_after"] != nil {
		t.Errorf("targets page 2: %d %v", code, m)
	}
	for _, q := range []string{"limit=0", "limit=x", "after=-5", "state=lost"} {
		if code, _ := f.do(t, f.op, "GET", "/v1/campaigns/c1/targets?"+q, ""); code != 400 {
			t.Errorf("%s: %d", q, code)
		}
	}
	if code, m = f.do(t, f.op, "POST", "/v1/campaigns/c1/pause", ""); code != 200 || m["status"] != "paused" {
		t.Errorf("pause: %d %v", code, m)
	}
	if code, _ = f.do(t, f.op, "POST", "/v1/campaigns/c1/pause", ""); code != 409 {
		t.Errorf("pause twice: %d", code)
	}
	if code, m = f.do(t, f.op, "POST", "/v1/campaigns/c1/resume", ""); code != 200 || m["status"] != "running" {
		t.Errorf("resume: %d %v", code, m)
	}
	if code, m = f.do(t, f.op, "POST", "/v1/campaigns/c1/cancel", ""); code != 200 || m["status"] != "cancelled" {
		t.Errorf("cancel: %d %v", code, m)
	}
	if code, _ = f.do(t, f.op, "POST", "/v1/campaigns/c1/resume", ""); code != 409 {
		t.Errorf("resume cancelled: %d", code)
	}
	if code, _ = f.do(t, f.op, "GET", "/v1/campaigns/nope", ""); code != 404 {
		t.Errorf("unknown: %d", code)
	}
	// metrics count the packets sent
	resp, err := http.Get(f.ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(b, []byte("stkforge_ota_packets_total 4")) || !bytes.Contains(b, []byte(`stkforge_http_requests_total{code="201",route="POST /v1/campaigns"} 1`)) {
		t.Errorf("metrics:\n%s", b)
	}
	if bytes.Contains(b, []byte(f.op)) {
		t.Error("metrics hold a token")
	}
}

func waitSent(t *testing.T, f *fixture, id string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, m := f.do(t, f.op, "GET", "/v1/campaigns/"+id, "")
		if c, ok := m["counts"].(map[string]any); ok && c["sent"] != nil && c["sent"].(float64) == float64(n) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("campaign %s: targets not sent", id)
}

func TestValidation(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		body, field string
		code        int
	}{
		{`{"name":`, "(json)", 400},
		{`{"name":"x","bogus":true}`, "(json)", 400},
		{specJSON("op", "B00010", "11", f.iccids[0]), "security", 422}, // single DES
		{specJSON("op", "B0001", "12", f.iccids[0]), "security.tar", 422},
		{specJSON("op", "B00010", "12", "8988200000000000014"), "targets.iccids[0]", 422},
		{specJSON("op", "B00010", "12", "8988200000000099991"), "targets.iccids[0]", 422},
	} {
		code, m := f.do(t, f.op, "POST", "/v1/campaigns", tc.body)
		e, _ := m["error"].(map[string]any)
		if code != tc.code || e == nil || e["field"] != tc.field {
			t.Errorf("%s: %d %v", tc.body, code, m)
		}
	}
	// the error bodies as clients see them
	var golden bytes.Buffer
	for _, body := range []string{`{"name":`, specJSON("op", "B00010", "11", f.iccids[0]), specJSON("op", "B00010", "12", "8988200000000000014")} {
		req, _ := http.NewRequest("POST", f.ts.URL+"/v1/campaigns", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+f.op)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Fprintf(&golden, "POST /v1/campaigns %s\n-> %s\n%s\n", body, resp.Status, b)
	}
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/ota/server"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "validation-errors", golden.Bytes())
	big := `{"name":"` + strings.Repeat("x", 5000) + `"}`
	if code, m := f.do(t, f.op, "POST", "/v1/campaigns", big); code != 413 {
		t.Errorf("body limit: %d %v", code, m)
	}
}

// TestTenantIsolation: a bank sees and touches only its campaigns, over its TARs and keysets.
func TestTenantIsolation(t *testing.T) {
	f := newFixture(t)
	if code, _ := f.do(t, f.op, "POST", "/v1/campaigns", specJSON("op", "B00010", "12", f.iccids[:2]...)); code != 201 {
		t.Fatal(code)
	}
	// the operator's TAR on the bank's cards: refused
	if code, m := f.do(t, f.bank, "POST", "/v1/campaigns", specJSON("bank1", "B00010", "22", f.iccids[6])); code != 422 {
		t.Errorf("bank on the operator's TAR: %d %v", code, m)
	}
	// the bank's TAR on a card without it: refused
	if code, m := f.do(t, f.bank, "POST", "/v1/campaigns", specJSON("bank1", "BA0001", "22", f.iccids[0])); code != 422 {
		t.Errorf("bank on a card without its TAR: %d %v", code, m)
	}
	// the bank's TAR with the operator's keyset: refused
	if code, m := f.do(t, f.bank, "POST", "/v1/campaigns", specJSON("bank1", "BA0001", "12", f.iccids[6])); code != 422 {
		t.Errorf("bank with the operator's keyset: %d %v", code, m)
	}
	// another tenant's name: refused
	if code, m := f.do(t, f.bank, "POST", "/v1/campaigns", specJSON("op", "BA0001", "22", f.iccids[6])); code != 422 {
		t.Errorf("bank as op: %d %v", code, m)
	}
	code, m := f.do(t, f.bank, "POST", "/v1/campaigns", specJSON("", "BA0001", "22", f.iccids[6:]...))
	if code != 201 || m["tenant"] != "bank1" || m["targets"].(float64) != 4 {
		t.Fatalf("bank campaign: %d %v", code, m)
	}
	bankID := m["id"].(string)
	code, m = f.do(t, f.bank, "GET", "/v1/campaigns", "")
	if list := m["campaigns"].([]any); code != 200 || len(list) != 1 || list[0].(map[string]any)["id"] != bankID {
		t.Errorf("bank list: %d %v", code, m)
	}
	for _, p := range []string{"GET /v1/campaigns/c1", "GET /v1/campaigns/c1/targets", "POST /v1/campaigns/c1/pause", "POST /v1/campaigns/c1/cancel"} {
		method, path, _ := strings.Cut(p, " ")
		if code, _ := f.do(t, f.bank, method, path, ""); code != 404 {
			t.Errorf("bank %s: %d", p, code)
		}
	}
	if code, _ := f.do(t, f.bank, "POST", "/v1/campaigns/"+bankID+"/pause", ""); code != 200 {
		t.Errorf("bank pausing its own: %d", code)
	}
	if code, _ := f.do(t, f.op, "GET", "/v1/campaigns/"+bankID, ""); code != 200 {
		t.Errorf("operator reading the bank's: %d", code)
	}
}

func TestImportCards(t *testing.T) {
	f := newFixture(t)
	file := string(storetest.ManufacturerFile(3))
	file = strings.ReplaceAll(file, "898820000000", "898829999999") // new ICCID range
	lines := strings.Split(file, "\n")
	for i := 1; i < len(lines)-1; i++ { // fix the Luhn digits of the renamed ICCIDs
		id := lines[i][:19]
		lines[i] = id + string(keys.LuhnDigit(id)) + lines[i][20:]
	}
	file = strings.Join(lines, "\n")
	q := "?tenant=op&profile=sja2&lifecycle=active&kic_coding=02&kid_coding=02&kik_coding=02&tar=B00010:16"
	code, m := f.do(t, f.op, "POST", "/v1/cards/import"+q, file)
	if code != 201 || m["cards"].(float64) != 3 {
		t.Fatalf("import: %d %v", code, m)
	}
	if code, m = f.do(t, f.op, "POST", "/v1/cards/import"+q, file); code != 409 {
		t.Errorf("import twice: %d %v", code, m)
	}
	if code, m = f.do(t, f.op, "POST", "/v1/cards/import?kic_coding=zz", file); code != 400 {
		t.Errorf("bad coding: %d %v", code, m)
	}
	code, m = f.do(t, f.op, "GET", "/v1/cards?limit=5", "")
	if code != 200 || len(m["cards"].([]any)) != 5 || m["next_after"] == nil {
		t.Errorf("cards: %d %v", code, m)
	}
	if b, _ := json.Marshal(m); bytes.Contains(b, []byte("sealed")) || bytes.Contains(b, []byte(`"kic":"`)) {
		t.Errorf("card listing shows secrets: %s", b)
	}
}

// TestLogsAndAudit: the structured log names the token, never its value, and campaign actions
// reach the store's audit log.
func TestLogsAndAudit(t *testing.T) {
	f := newFixture(t)
	var logs syncBuffer
	// a second server over the fixture's journal, logging into logs
	srv, err := server.New(server.Config{Keyring: f.keyring, Journal: f.journal, Runner: f.runner, Tokens: f.tokens,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)), NewID: func() string { return "logged" }})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/v1/campaigns", strings.NewReader(specJSON("op", "B00010", "12", f.iccids[:1]...)))
	req.Header.Set("Authorization", "Bearer "+f.op)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create: %s", resp.Status)
	}
	out := logs.String()
	if !strings.Contains(out, `"token":"ops"`) || strings.Contains(out, f.op) || strings.Contains(out, "Bearer") {
		t.Errorf("log:\n%s", out)
	}
	entries, err := f.keyring.Store.Audit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		if e.Action == keys.AuditCampaign && e.Subject == "logged" && e.Actor == "api:ops" && strings.Contains(e.Detail, `"action":"create"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("no audit entry for the campaign: %+v", entries)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
