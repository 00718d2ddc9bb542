package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stkforge/stkforge/ota/server"
)

// fakeClock is the limiter's clock: it moves only when the test says so.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// limited serves the fixture's store and runner through a server with cfg's limits.
func (f *fixture) limited(t *testing.T, cfg server.Config) *httptest.Server {
	cfg.Keyring, cfg.Journal, cfg.Runner, cfg.Tokens = f.keyring, f.journal, f.runner, f.tokens
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, url, tok string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestRateLimit: a token has a bucket of 3 requests refilled at 2 per second; the 4th request
// at the same instant is refused with 429 and Retry-After 1, another token is not affected, and
// half a second later one request passes again.
func TestRateLimit(t *testing.T) {
	f := newFixture(t)
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	ts := f.limited(t, server.Config{RateLimit: 2, RateBurst: 3, Now: clk.now})
	f.ts = ts
	for i := range 3 {
		if code, _ := f.do(t, f.op, "GET", "/v1/campaigns", ""); code != 200 {
			t.Fatalf("request %d: %d", i+1, code)
		}
	}
	code, m := f.do(t, f.op, "GET", "/v1/campaigns", "")
	e, _ := m["error"].(map[string]any)
	if code != http.StatusTooManyRequests || e["code"] != "rate_limited" || !strings.Contains(e["message"].(string), "2 requests per second (burst 3)") {
		t.Fatalf("4th request: %d %v", code, m)
	}
	if ra := get(t, ts.URL+"/v1/campaigns", f.op).Header.Get("Retry-After"); ra != "1" {
		t.Errorf("Retry-After %q, want 1", ra)
	}
	if code, _ := f.do(t, f.bank, "GET", "/v1/campaigns", ""); code != 200 {
		t.Errorf("another token: %d", code)
	}
	clk.add(500 * time.Millisecond)
	if code, _ := f.do(t, f.op, "GET", "/v1/campaigns", ""); code != 200 {
		t.Errorf("after 0.5 s: %d", code)
	}
	if code, _ := f.do(t, f.op, "GET", "/v1/campaigns", ""); code != 429 {
		t.Errorf("bucket empty again: %d", code)
	}
	// a slow client (one token in 10 s) waits longer
	ts2 := f.limited(t, server.Config{RateLimit: 0.1, RateBurst: 1, Now: clk.now})
	get(t, ts2.URL+"/v1/campaigns", f.op)
	if resp := get(t, ts2.URL+"/v1/campaigns", f.op); resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "10" {
		t.Errorf("rate 0.1/s: %d Retry-After %q, want 429 and 10", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// a negative rate turns the limit off
	ts3 := f.limited(t, server.Config{RateLimit: -1, Now: clk.now})
	for i := range 100 {
		if resp := get(t, ts3.URL+"/v1/campaigns", f.op); resp.StatusCode != 200 {
			t.Fatalf("no limit, request %d: %d", i+1, resp.StatusCode)
		}
	}
}

// TestMaxTargets: over the cap a campaign is refused whole with 413 naming the limit, for a
// list and for a filter; at the cap it is created.
func TestMaxTargets(t *testing.T) {
	f := newFixture(t)
	f.ts = f.limited(t, server.Config{MaxTargets: 4})
	code, m := f.do(t, f.op, "POST", "/v1/campaigns", specJSON("op", "B00010", "12", f.iccids[:5]...))
	e, _ := m["error"].(map[string]any)
	if code != http.StatusRequestEntityTooLarge || e["code"] != "too_many_targets" || e["field"] != "targets.iccids" ||
		!strings.Contains(e["message"].(string), "5 listed, the limit is 4") {
		t.Errorf("5 listed: %d %v", code, m)
	}
	filter := `{"name": "t", "tenant": "op", "script": "00A4000C023F00", "targets": {"filter": {}},
		"security": {"spi": "1639", "kic": "12", "kid": "12", "tar": "B00010"}}`
	code, m = f.do(t, f.op, "POST", "/v1/campaigns", filter)
	e, _ = m["error"].(map[string]any)
	if code != 413 || e["field"] != "targets.filter" || !strings.Contains(e["message"].(string), "selects 10 cards, the limit is 4") {
		t.Errorf("filter: %d %v", code, m)
	}
	if code, m := f.do(t, f.op, "GET", "/v1/campaigns", ""); code != 200 || len(m["campaigns"].([]any)) != 0 {
		t.Errorf("refused campaigns left something: %d %v", code, m)
	}
	if code, m := f.do(t, f.op, "POST", "/v1/campaigns", specJSON("op", "B00010", "12", f.iccids[:4]...)); code != 201 {
		t.Errorf("4 listed: %d %v", code, m)
	}
}
