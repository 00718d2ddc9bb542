// Package server is the OTA server's HTTP JSON API (docs/api.md): campaigns (create from a
// spec, list, status with counts, per-target results in pages, pause, resume, cancel), card
// import and listing, Prometheus metrics at /metrics and a health check at /healthz.
//
// Every node sharing a store runs every running campaign: it looks for them at Start and every
// Config.Discover after, and its runner loop for a campaign ends when the campaign is paused,
// finished or cancelled and drained, on whichever node that happened.
//
// Callers authenticate with a bearer token. Only the SHA-256 of each token is configured; a
// presented token is hashed and compared with every configured hash in constant time. Roles:
// operator (everything, every tenant) and bank (its own tenant's campaigns, and only over the
// TARs and keysets the store records as the bank's, on cards that hold them). Logs (log/slog)
// name the token, never its value, and never a key. Request bodies are bounded.
package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/ota/campaign"
)

// Role is what a token may do.
type Role string

const (
	RoleOperator Role = "operator"
	RoleBank     Role = "bank"
)

// Token is one configured API token: its SHA-256 (hex), never the token itself.
type Token struct {
	Name   string `json:"name"`
	Role   Role   `json:"role"`
	Tenant string `json:"tenant"`
	SHA256 string `json:"sha256"`
}

// NewToken makes a random token ("stk_" + 43 base64url characters) and its configuration entry.
func NewToken(name string, role Role, tenant string) (string, Token, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", Token{}, err
	}
	tok := "stk_" + base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(tok))
	return tok, Token{Name: name, Role: role, Tenant: tenant, SHA256: hex.EncodeToString(sum[:])}, nil
}

// Config configures a Server.
type Config struct {
	Keyring *keys.Keyring
	Journal *campaign.Journal
	Runner  *campaign.Runner
	Tokens  []Token
	Logger  *slog.Logger
	// MaxBody bounds JSON request bodies (default 1 MiB); MaxImport bounds card files (default
	// 64 MiB).
	MaxBody, MaxImport int64
	// NewID names new campaigns (default a time-based ID).
	NewID func() string
	// Registry receives the metrics (default a new registry).
	Registry *prometheus.Registry
	// RateLimit is the requests per second each API token may make on average (default
	// DefaultRateLimit; negative: no limit), RateBurst how many at once (default
	// DefaultRateBurst). Above it the answer is 429 with Retry-After.
	RateLimit float64
	RateBurst int
	// MaxTargets caps the targets of one campaign (default DefaultMaxTargets; negative: no cap).
	MaxTargets int
	// Now is the rate limiter's clock (default time.Now).
	Now func() time.Time
	// Discover is how often Start's loop looks in the journal for running campaigns this
	// server does not run yet, created or resumed on another node sharing the store (default
	// DefaultDiscover; negative: only once, at Start). Each look is one query.
	Discover time.Duration
}

// Defaults of Config, documented in docs/api.md.
const (
	DefaultRateLimit  = 20.0
	DefaultRateBurst  = 40
	DefaultMaxTargets = 1000000
)

// Server serves the API and runs the campaigns: those created or resumed through it, and those
// it discovers running in the shared journal (Discover).
type Server struct {
	cfg    Config
	hashes [][sha256.Size]byte
	mux    *http.ServeMux

	mu      sync.Mutex
	running map[string]context.CancelFunc
	closed  bool // no runner loop starts once Close began
	limit   *limiter
	wg      sync.WaitGroup
	ctx     context.Context
	stop    context.CancelFunc

	requests *prometheus.CounterVec
}

// New checks the tokens and builds the server.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.MaxImport <= 0 {
		cfg.MaxImport = 64 << 20
	}
	if cfg.NewID == nil {
		var mu sync.Mutex
		var last string
		cfg.NewID = func() string {
			mu.Lock()
			defer mu.Unlock()
			id := "c-" + time.Now().UTC().Format("20060102-150405.000000")
			if id == last {
				id += "x"
			}
			last = id
			return id
		}
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = DefaultRateBurst
	}
	if cfg.MaxTargets == 0 {
		cfg.MaxTargets = DefaultMaxTargets
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Discover == 0 {
		cfg.Discover = DefaultDiscover
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), running: map[string]context.CancelFunc{}}
	if cfg.RateLimit > 0 {
		s.limit = newLimiter(cfg.RateLimit, cfg.RateBurst, cfg.Now)
	}
	s.ctx, s.stop = context.WithCancel(context.Background())
	for i, t := range cfg.Tokens {
		h, err := hex.DecodeString(t.SHA256)
		if err != nil || len(h) != sha256.Size {
			return nil, fmt.Errorf("token %d (%s): sha256 is not 64 hex digits", i, t.Name)
		}
		if t.Role != RoleOperator && t.Role != RoleBank {
			return nil, fmt.Errorf("token %d (%s): role %q, want operator or bank", i, t.Name, t.Role)
		}
		if t.Role == RoleBank && t.Tenant == "" {
			return nil, fmt.Errorf("token %d (%s): a bank token needs its tenant", i, t.Name)
		}
		s.hashes = append(s.hashes, [sha256.Size]byte(h))
	}
	s.metrics()
	s.routes()
	return s, nil
}

// Handler is the HTTP handler of the API.
func (s *Server) Handler() http.Handler { return s.mux }

// Start runs, in the background, every campaign the journal has as running (after a restart),
// then looks again every Config.Discover until ctx ends or Close, so that this node joins the
// campaigns created or resumed through another node sharing the store.
func (s *Server) Start(ctx context.Context) error {
	if _, err := s.Discover(ctx); err != nil {
		return err
	}
	if s.cfg.Discover > 0 {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.closed {
			s.wg.Add(1)
			go s.discover(ctx, s.cfg.Discover)
		}
	}
	return nil
}

// Close stops the campaigns this server runs (they stay resumable) and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.stop()
	s.wg.Wait()
	return nil
}

// run starts a campaign's runner loop unless it already runs here (via says who asked, for the
// log); it reports whether it started one. A campaign never has two loops on one server.
func (s *Server) run(id, via string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.running[id]; ok || s.closed {
		return false
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.running[id] = cancel
	s.wg.Add(1)
	s.cfg.Logger.Info("campaign run started", "campaign", id, "via", via)
	go func() {
		defer s.wg.Done()
		st, err := s.cfg.Runner.Run(ctx, id)
		s.mu.Lock()
		delete(s.running, id)
		s.mu.Unlock()
		cancel()
		if err != nil && !errors.Is(err, context.Canceled) {
			s.cfg.Logger.Error("campaign run", "campaign", id, "err", err)
			return
		}
		s.cfg.Logger.Info("campaign run ended", "campaign", id, "status", st)
	}()
	return true
}

// Wait blocks until the campaign id is not running on this server (tests).
func (s *Server) Wait(ctx context.Context, id string) error {
	for {
		s.mu.Lock()
		_, ok := s.running[id]
		s.mu.Unlock()
		if !ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// caller is the authenticated token of a request.
type caller struct{ Token }

type ctxKey struct{}

// auth finds the token: SHA-256 of the bearer value compared with every hash in constant time.
func (s *Server) auth(r *http.Request) (caller, bool) {
	v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || v == "" {
		return caller{}, false
	}
	sum := sha256.Sum256([]byte(v))
	found := -1
	for i, h := range s.hashes {
		if subtle.ConstantTimeCompare(sum[:], h[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return caller{}, false
	}
	return caller{s.cfg.Tokens[found]}, true
}

// apiError is the JSON body of every error answer.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Offset  *int   `json:"offset,omitempty"`
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(c int) { w.code = c; w.ResponseWriter.WriteHeader(c) }

// handle wraps an endpoint: authentication, role, logging, metrics.
func (s *Server) handle(pattern string, roles []Role, fn func(w http.ResponseWriter, r *http.Request, c caller)) {
	route := pattern
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: 200}
		c, ok := s.auth(r)
		switch {
		case !ok:
			sw.Header().Set("WWW-Authenticate", `Bearer realm="stkforge"`)
			writeError(sw, http.StatusUnauthorized, "unauthorized", "missing or unknown bearer token", nil)
		case !hasRole(roles, c.Role):
			writeError(sw, http.StatusForbidden, "forbidden", fmt.Sprintf("role %s may not do this", c.Role), nil)
		default:
			if ok, wait := s.limit.allow(c.SHA256); !ok {
				sw.Header().Set("Retry-After", strconv.Itoa(wait))
				writeError(sw, http.StatusTooManyRequests, "rate_limited",
					fmt.Sprintf("token %s is over %g requests per second (burst %d): retry after %d s", c.Name, s.cfg.RateLimit, s.cfg.RateBurst, wait), nil)
				break
			}
			fn(sw, r, c)
		}
		s.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		s.cfg.Logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.code, "token", c.Name,
			"duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

func hasRole(roles []Role, r Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, kind, msg string, err error) {
	e := apiError{Code: kind, Message: msg}
	var se *campaign.SpecError
	var fe *keys.FieldError
	var ie *keys.ImportError
	switch {
	case errors.As(err, &se):
		e.Field, e.Offset = se.Field, &se.Offset
	case errors.As(err, &ie):
		e.Field = fmt.Sprintf("line %d column %d", ie.Line, ie.Column)
	case errors.As(err, &fe):
		e.Field, e.Offset = fe.Field, &fe.Offset
	}
	writeJSON(w, code, map[string]apiError{"error": e})
}

// readJSON reads a bounded body into v, refusing unknown fields.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body over %d bytes", limit), nil)
		} else {
			writeError(w, http.StatusBadRequest, "bad_body", err.Error(), nil)
		}
		return nil, false
	}
	return b, true
}

var all = []Role{RoleOperator, RoleBank}

func (s *Server) routes() {
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	s.handle("POST /v1/campaigns", all, s.create)
	s.handle("GET /v1/campaigns", all, s.list)
	s.handle("GET /v1/campaigns/{id}", all, s.status)
	s.handle("GET /v1/campaigns/{id}/targets", all, s.targets)
	s.handle("POST /v1/campaigns/{id}/pause", all, s.control("pause"))
	s.handle("POST /v1/campaigns/{id}/resume", all, s.control("resume"))
	s.handle("POST /v1/campaigns/{id}/cancel", all, s.control("cancel"))
	s.handle("POST /v1/cards/import", []Role{RoleOperator}, s.importCards)
	s.handle("GET /v1/cards", all, s.cards)
}

// campaignView is a campaign with its counts.
type campaignView struct {
	campaign.Info
	Targets int             `json:"targets"`
	Counts  campaign.Counts `json:"counts"`
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, c caller) {
	b, ok := s.readBody(w, r, s.cfg.MaxBody)
	if !ok {
		return
	}
	spec, err := campaign.ParseSpec(b)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_spec", err.Error(), err)
		return
	}
	scope := campaign.Scope{}
	if c.Role == RoleBank {
		if spec.Tenant == "" {
			spec.Tenant = c.Tenant
		}
		scope = campaign.Scope{Tenant: c.Tenant, Bank: true}
	}
	scope.MaxTargets = max(s.cfg.MaxTargets, 0)
	id := s.cfg.NewID()
	in, n, err := s.cfg.Runner.Create(r.Context(), id, spec, scope)
	if err != nil {
		var se *campaign.SpecError
		if errors.Is(err, campaign.ErrTooManyTargets) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_many_targets", err.Error(), err)
			return
		}
		if errors.As(err, &se) {
			writeError(w, http.StatusUnprocessableEntity, "invalid_spec", err.Error(), err)
			return
		}
		s.cfg.Logger.Error("create campaign", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "could not create the campaign", nil)
		return
	}
	s.audit(r.Context(), c, id, fmt.Sprintf(`{"action":"create","targets":%d,"tar":%q,"spi":%q}`, n, spec.Security.TAR, spec.Security.SPI))
	s.run(id, "api")
	writeJSON(w, http.StatusCreated, campaignView{Info: in, Targets: n, Counts: campaign.Counts{campaign.Pending: n}})
}

func (s *Server) audit(ctx context.Context, c caller, subject, detail string) {
	if s.cfg.Keyring == nil {
		return
	}
	_, err := s.cfg.Keyring.Store.AppendAudit(ctx, keys.AuditRecord{Time: time.Now().UTC(), Actor: "api:" + c.Name, Action: keys.AuditCampaign, Subject: subject, Detail: detail})
	if err != nil {
		s.cfg.Logger.Error("audit", "err", err)
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, c caller) {
	tenant := ""
	if c.Role == RoleBank {
		tenant = c.Tenant
	}
	list, err := s.cfg.Journal.List(r.Context(), tenant)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not list campaigns", nil)
		return
	}
	writeJSON(w, 200, map[string]any{"campaigns": list})
}

// visible loads a campaign the caller may see; a bank never learns that another tenant's exists.
func (s *Server) visible(w http.ResponseWriter, r *http.Request, c caller) (campaign.Info, bool) {
	in, err := s.cfg.Journal.Get(r.Context(), r.PathValue("id"))
	if err != nil || (c.Role == RoleBank && in.Tenant != c.Tenant) {
		writeError(w, http.StatusNotFound, "not_found", "no such campaign", nil)
		return in, false
	}
	return in, true
}

func (s *Server) status(w http.ResponseWriter, r *http.Request, c caller) {
	in, ok := s.visible(w, r, c)
	if !ok {
		return
	}
	counts, err := s.cfg.Journal.Counts(r.Context(), in.ID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not count targets", nil)
		return
	}
	writeJSON(w, 200, campaignView{Info: in, Targets: counts.Total(), Counts: counts})
}

func (s *Server) targets(w http.ResponseWriter, r *http.Request, c caller) {
	in, ok := s.visible(w, r, c)
	if !ok {
		return
	}
	q := r.URL.Query()
	after, limit := int64(-1), 100
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < -1 {
			writeError(w, http.StatusBadRequest, "invalid_query", "after: want a target seq", nil)
			return
		}
		after = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "invalid_query", "limit: want 1 to 1000", nil)
			return
		}
		limit = n
	}
	state := campaign.State(q.Get("state"))
	if state != "" && !validState(state) {
		writeError(w, http.StatusBadRequest, "invalid_query", fmt.Sprintf("state %q unknown", state), nil)
		return
	}
	ts, err := s.cfg.Journal.Targets(r.Context(), in.ID, after, limit, state)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not list targets", nil)
		return
	}
	resp := map[string]any{"targets": ts}
	if len(ts) == limit {
		resp["next_after"] = ts[len(ts)-1].Seq
	}
	writeJSON(w, 200, resp)
}

func validState(s campaign.State) bool {
	for _, x := range campaign.States {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) control(action string) func(w http.ResponseWriter, r *http.Request, c caller) {
	return func(w http.ResponseWriter, r *http.Request, c caller) {
		in, ok := s.visible(w, r, c)
		if !ok {
			return
		}
		reason := action + " by " + c.Name
		var err error
		switch action {
		case "pause":
			err = s.cfg.Runner.Pause(r.Context(), in.ID, reason)
		case "resume":
			err = s.cfg.Runner.Resume(r.Context(), in.ID)
		case "cancel":
			err = s.cfg.Runner.Cancel(r.Context(), in.ID, reason)
		}
		if errors.Is(err, campaign.ErrState) {
			writeError(w, http.StatusConflict, "conflict", fmt.Sprintf("campaign is %s: cannot %s", in.Status, action), nil)
			return
		}
		if err != nil {
			writeError(w, http.StatusInternalServerError, "internal", "could not change the campaign", nil)
			return
		}
		s.audit(r.Context(), c, in.ID, fmt.Sprintf(`{"action":%q}`, action))
		if action != "pause" { // resume runs it again; cancel drains the attempts in flight
			s.run(in.ID, "api")
		}
		in, _ = s.cfg.Journal.Get(r.Context(), in.ID)
		writeJSON(w, 200, in)
	}
}

// importCards stores a card manufacturer file (keys import format, docs/import-format.md):
// query tenant (default the operator's own), profile, lifecycle.
func (s *Server) importCards(w http.ResponseWriter, r *http.Request, c caller) {
	b, ok := s.readBody(w, r, s.cfg.MaxImport)
	if !ok {
		return
	}
	q := r.URL.Query()
	opts := keys.ImportOptions{Tenant: q.Get("tenant"), Profile: q.Get("profile"), Lifecycle: keys.Lifecycle(q.Get("lifecycle"))}
	if opts.Tenant == "" {
		opts.Tenant = c.Tenant
	}
	for _, x := range []struct {
		name string
		dst  *byte
	}{{"kic_coding", &opts.KIcCoding}, {"kid_coding", &opts.KIDCoding}, {"kik_coding", &opts.KIKCoding}} {
		if v := q.Get(x.name); v != "" {
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != 1 {
				writeError(w, http.StatusBadRequest, "invalid_query", x.name+": want one hex byte (TS 102 225 5.1.2 coding)", nil)
				return
			}
			*x.dst = b[0]
		}
	}
	// tar=B00010:16 gives every card the TAR with its minimum security level (SPI1 coding)
	for _, v := range q["tar"] {
		t, m, _ := strings.Cut(v, ":")
		tb, err1 := hex.DecodeString(t)
		mb, err2 := hex.DecodeString(m)
		if err1 != nil || err2 != nil || len(tb) != 3 || len(mb) != 1 {
			writeError(w, http.StatusBadRequest, "invalid_query", "tar: want TAR:MSL in hex, e.g. B00010:16", nil)
			return
		}
		opts.TARs = append(opts.TARs, keys.TARPolicy{TAR: [3]byte(tb), MSL: mb[0], Tenant: opts.Tenant})
	}
	if opts.Lifecycle != "" && !opts.Lifecycle.Valid() {
		writeError(w, http.StatusBadRequest, "invalid_query", fmt.Sprintf("lifecycle %q unknown", opts.Lifecycle), nil)
		return
	}
	kr := *s.cfg.Keyring
	kr.Actor = "api:" + c.Name
	name := q.Get("name")
	if name == "" {
		name = "api-import"
	}
	res, err := kr.Import(r.Context(), name, strings.NewReader(string(b)), opts)
	if err != nil {
		if errors.Is(err, keys.ErrExists) {
			writeError(w, http.StatusConflict, "exists", err.Error(), err)
			return
		}
		writeError(w, http.StatusUnprocessableEntity, "invalid_file", err.Error(), err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

func (s *Server) cards(w http.ResponseWriter, r *http.Request, c caller) {
	q := r.URL.Query()
	f := keys.CardFilter{After: keys.ICCID(q.Get("after")), Limit: 100, Tenant: q.Get("tenant")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "invalid_query", "limit: want 1 to 1000", nil)
			return
		}
		f.Limit = n
	}
	if c.Role == RoleBank {
		f.Tenant = c.Tenant
	}
	views, err := s.cfg.Keyring.List(r.Context(), f)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not list cards", nil)
		return
	}
	resp := map[string]any{"cards": views}
	if len(views) == f.Limit {
		resp["next_after"] = views[len(views)-1].ICCID
	}
	writeJSON(w, 200, resp)
}

func (s *Server) metrics() {
	reg := s.cfg.Registry
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stkforge_http_requests_total", Help: "API requests by route and status code."}, []string{"route", "code"})
	reg.MustRegister(s.requests)
	st := func(f func(campaign.Stats) int64) func() float64 {
		return func() float64 {
			if s.cfg.Runner == nil {
				return 0
			}
			return float64(f(s.cfg.Runner.Stats()))
		}
	}
	for _, m := range []struct {
		name, help string
		f          func(campaign.Stats) int64
	}{
		{"stkforge_ota_packets_total", "Secured command packets sent (TS 102 225).", func(x campaign.Stats) int64 { return x.Packets }},
		{"stkforge_ota_segments_total", "Short messages submitted (submit_sm).", func(x campaign.Stats) int64 { return x.Segments }},
		{"stkforge_ota_submit_errors_total", "submit_sm that failed or whose outcome is unknown.", func(x campaign.Stats) int64 { return x.SubmitErrors }},
		{"stkforge_ota_receipts_total", "Delivery receipts received.", func(x campaign.Stats) int64 { return x.Receipts }},
		{"stkforge_ota_por_ok_total", "PoRs verified with status 00.", func(x campaign.Stats) int64 { return x.PoROK }},
		{"stkforge_ota_por_error_total", "PoRs with another status.", func(x campaign.Stats) int64 { return x.PoRError }},
		{"stkforge_ota_por_stale_total", "PoRs of an older attempt.", func(x campaign.Stats) int64 { return x.PoRStale }},
		{"stkforge_ota_por_bad_total", "PoRs that matched no target or did not verify.", func(x campaign.Stats) int64 { return x.PoRBad }},
		{"stkforge_ota_expired_total", "Targets expired without a PoR.", func(x campaign.Stats) int64 { return x.Expired }},
	} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: m.name, Help: m.help}, st(m.f)))
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "stkforge_ota_in_flight", Help: "Attempts awaiting their PoR on this node."},
		st(func(x campaign.Stats) int64 { return x.InFlight })))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "stkforge_campaigns_running", Help: "Campaigns running on this node."},
		func() float64 { s.mu.Lock(); defer s.mu.Unlock(); return float64(len(s.running)) }))
}
