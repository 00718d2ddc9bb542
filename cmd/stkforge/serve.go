package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/keystore"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/server"
	"github.com/stkforge/stkforge/ota/smpp"
)

// ServeCmd runs the OTA server: the HTTP JSON API (docs/api.md), the SMPP client and the
// campaigns. Tokens are read from --tokens (a JSON list of {name, role, tenant, sha256}); the
// SMPP password from STKFORGE_SMPP_PASSWORD. With --add-token NAME:ROLE[:TENANT] it only makes a
// new token, appends its hash to the tokens file and prints the token once.
type ServeCmd struct {
	keysStoreFlag
	keysMasterKey
	Listen   string `default:"127.0.0.1:8080" help:"HTTP listen address."`
	Tokens   string `required:"" placeholder:"FILE" help:"API tokens file (hashes only, mode 0600)."`
	AddToken string `placeholder:"NAME:ROLE[:TENANT]" help:"Make a token (role operator or bank), add it to --tokens, print it, exit."`
	SMSC     string `name:"smsc" default:"127.0.0.1:2775" help:"SMSC host:port (SMPP 3.4)."`
	SystemID string `default:"ota" help:"SMPP system_id."`
	Source   string `default:"12345" help:"source_addr of the OTA server: where the cards send their PoRs."`
	Window   int    `default:"500" help:"submit_sm awaiting their response, at most."`
	Node     string `help:"Name of this node in claims (default: host name)."`
	// Defaults are ota/server's DefaultRateLimit, DefaultRateBurst and DefaultMaxTargets.
	RateLimit  float64 `default:"20" help:"API requests per second per token, on average (negative: no limit); above it 429 with Retry-After."`
	RateBurst  int     `default:"40" help:"API requests a token may make at once before the rate applies."`
	MaxTargets int     `default:"1000000" help:"Targets of one campaign, at most (negative: no cap); above it 413 too_many_targets."`
	MaxRate    float64 `placeholder:"N" help:"submit_sm per second this node sends at most (0: no cap). Set it a little under the bind's licence (TPS) so that the SMSC does not have to throttle."`
	// Default is ota/server's DefaultDiscover.
	Discover time.Duration `default:"2s" help:"How often to look in the store for running campaigns this node does not run yet (created or resumed through another node); 0: only at start."`
}

// serveOptions is what one server needs; tests call serveRun directly.
type serveOptions struct {
	Store    keys.Store
	Provider keys.KeyProvider
	SMPP     smpp.Config
	Tokens   []server.Token
	Listen   string
	Node     string
	Logger   *slog.Logger
	// Limits of the HTTP API (zero: ota/server's defaults).
	RateLimit  float64
	RateBurst  int
	MaxTargets int
	// Discover is how often the server looks for campaigns to join (zero: ota/server's default).
	Discover time.Duration
}

// serveRun runs the server until ctx ends; ready gets the HTTP address once it listens.
func serveRun(ctx context.Context, o serveOptions, ready func(addr string)) error {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	j, err := campaign.OpenJournal(o.Store, nil)
	if err != nil {
		return err
	}
	// The runner claims up to about four batches ahead of what the SMPP client has sent (one
	// being submitted, two queued, one claimed). Under a rate cap, batches of a quarter of a
	// second's sending keep that to about a second, so nodes joining a campaign find work left.
	batch := 0 // the runner's default
	if o.SMPP.MaxRate > 0 {
		batch = min(256, max(1, int(o.SMPP.MaxRate/4)))
	}
	ls := &lateSender{}
	r := campaign.NewRunner(campaign.Config{Journal: j, Store: o.Store, Provider: o.Provider, Sender: ls, Owner: o.Node, Logger: o.Logger, Batch: batch})
	defer r.Close()
	cfg := o.SMPP
	cfg.OnReceipt, cfg.OnMO, cfg.Logger = r.HandleReceipt, r.HandleMO, o.Logger
	cfg.OnConnection = func(up bool, err error) { o.Logger.Info("smpp connection", "up", up, "err", err) }
	client, err := smpp.Dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer client.Close()
	ls.c = client
	srv, err := server.New(server.Config{Keyring: &keys.Keyring{Store: o.Store, Provider: o.Provider, Actor: "api"}, Journal: j, Runner: r,
		Tokens: o.Tokens, Logger: o.Logger, RateLimit: o.RateLimit, RateBurst: o.RateBurst, MaxTargets: o.MaxTargets, Discover: o.Discover})
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := srv.Start(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, MaxHeaderBytes: 64 << 10}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	o.Logger.Info("serving", "addr", ln.Addr().String(), "smsc", cfg.Addr, "tokens", len(o.Tokens))
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

func readTokens(path string) ([]server.Token, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ts []server.Token
	if err := json.Unmarshal(b, &ts); err != nil {
		return nil, fmt.Errorf("tokens file %s: %w", path, err)
	}
	return ts, nil
}

// Run serves until SIGINT or SIGTERM.
func (c *ServeCmd) Run(env *Env) error {
	tokens, err := readTokens(c.Tokens)
	if err != nil {
		return err
	}
	if c.AddToken != "" {
		parts := strings.SplitN(c.AddToken, ":", 3)
		if len(parts) < 2 {
			return fmt.Errorf("--add-token %q: want NAME:ROLE[:TENANT]", c.AddToken)
		}
		tenant := "op"
		if len(parts) == 3 {
			tenant = parts[2]
		}
		tok, t, err := server.NewToken(parts[0], server.Role(parts[1]), tenant)
		if err != nil {
			return err
		}
		for _, x := range tokens {
			if x.Name == t.Name {
				return fmt.Errorf("token %q exists already", t.Name)
			}
		}
		tokens = append(tokens, t)
		if _, err := server.New(server.Config{Tokens: tokens}); err != nil {
			return err
		}
		b, _ := json.MarshalIndent(tokens, "", "  ")
		if err := os.WriteFile(c.Tokens, append(b, '\n'), 0o600); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, tok)
		return nil
	}
	if len(tokens) == 0 {
		return fmt.Errorf("no tokens in %s: add one with --add-token NAME:operator", c.Tokens)
	}
	if c.MaxRate < 0 {
		return fmt.Errorf("--max-rate %g: want 0 (no cap) or more", c.MaxRate)
	}
	discover := c.Discover
	if discover <= 0 {
		discover = -1 // ota/server: only at Start
	}
	pw := os.Getenv("STKFORGE_SMPP_PASSWORD")
	if pw == "" {
		return errors.New("serve: set STKFORGE_SMPP_PASSWORD (passwords never come from flags)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := keystore.Open(ctx, c.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	kp, err := keys.LoadProvider(c.MasterKey, false)
	if err != nil {
		return err
	}
	node := c.Node
	if node == "" {
		node, _ = os.Hostname()
	}
	return serveRun(ctx, serveOptions{Store: st, Provider: kp, Tokens: tokens, Listen: c.Listen, Node: node,
		RateLimit: c.RateLimit, RateBurst: c.RateBurst, MaxTargets: c.MaxTargets, Discover: discover,
		SMPP:   smpp.Config{Addr: c.SMSC, SystemID: c.SystemID, Password: pw, Source: c.Source, SourceNPI: 1, Window: c.Window, MaxRate: c.MaxRate},
		Logger: slog.New(slog.NewJSONHandler(env.Stderr, nil))}, nil)
}
