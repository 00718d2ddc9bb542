package main

import (
	"context"

	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/keystore"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/smpp"
)

// PushCmd runs one campaign to its end: the update of a spec file (campaign.Spec JSON) to its
// targets through an SMSC, with a progress bar on a terminal and a summary (JSON with --json).
// Interrupted, it can be resumed with --resume ID: no target is lost, no counter reused. It
// exits 0 only when every target ended por_ok.
type PushCmd struct {
	keysStoreFlag
	keysMasterKey
	Spec     string        `placeholder:"FILE" help:"Campaign spec (JSON); - for stdin."`
	Resume   string        `placeholder:"ID" help:"Resume (run again) the campaign with this ID instead of creating one."`
	ID       string        `help:"ID of the new campaign (default: push-<UTC time>)."`
	SMSC     string        `name:"smsc" default:"127.0.0.1:2775" help:"SMSC host:port (SMPP 3.4)."`
	SystemID string        `default:"ota" help:"SMPP system_id; the password comes from STKFORGE_SMPP_PASSWORD."`
	Source   string        `default:"12345" help:"source_addr of the OTA server: where the cards send their PoRs."`
	Window   int           `default:"500" help:"submit_sm awaiting their response, at most."`
	Timeout  time.Duration `default:"0s" help:"Give up (the campaign stays resumable) after this long; 0: never."`
	MaxRate  float64       `placeholder:"N" help:"submit_sm per second this push sends at most (0: no cap). Set it a little under the bind's licence (TPS) so that the SMSC does not have to throttle."`
}

// pushOptions is everything one push needs; tests call pushRun with them directly.
type pushOptions struct {
	Store    keys.Store
	Provider keys.KeyProvider
	SMPP     smpp.Config
	Spec     *campaign.Spec // nil: resume ID
	ID       string
	Progress io.Writer // nil: no bar
	Logger   *slog.Logger
	// Hook, when set, runs once the runner exists (tests use it to kill it mid-way).
	Hook func(*campaign.Runner)
}

// pushSummary is what push prints at the end.
type pushSummary struct {
	Campaign     string          `json:"campaign"`
	Status       campaign.Status `json:"status"`
	Reason       string          `json:"reason,omitempty"`
	Targets      int             `json:"targets"`
	Counts       campaign.Counts `json:"counts"`
	Packets      int64           `json:"packets"`
	Segments     int64           `json:"segments"`
	PoRStale     int64           `json:"por_stale"`
	Elapsed      float64         `json:"elapsed_s"`
	SegmentsPerS float64         `json:"segments_per_s"`
	CardsPerS    float64         `json:"cards_per_s"`
}

// lateSender lets the runner exist before the SMPP client it sends through (the client's
// callbacks feed the runner).
type lateSender struct{ c *smpp.Client }

func (l *lateSender) SubmitAsync(ctx context.Context, m smpp.Message, done func(smpp.Result)) error {
	return l.c.SubmitAsync(ctx, m, done)
}

// pushRun creates (or resumes) a campaign and runs it until it is done, paused or ctx ends.
func pushRun(ctx context.Context, o pushOptions) (pushSummary, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	j, err := campaign.OpenJournal(o.Store, nil)
	if err != nil {
		return pushSummary{}, err
	}
	ls := &lateSender{}
	r := campaign.NewRunner(campaign.Config{Journal: j, Store: o.Store, Provider: o.Provider, Sender: ls, Logger: o.Logger, Batch: 1000, MaxInFlight: 5000})
	defer r.Close()
	cfg := o.SMPP
	cfg.OnReceipt, cfg.OnMO, cfg.Logger = r.HandleReceipt, r.HandleMO, o.Logger
	client, err := smpp.Dial(ctx, cfg)
	if err != nil {
		return pushSummary{}, err
	}
	defer client.Close()
	ls.c = client
	id := o.ID
	if o.Spec != nil {
		if id == "" {
			id = "push-" + time.Now().UTC().Format("20060102T150405.000")
		}
		if _, _, err := r.Create(ctx, id, *o.Spec, campaign.Scope{}); err != nil {
			return pushSummary{}, err
		}
	} else if err := r.Resume(ctx, id); err != nil && !errors.Is(err, campaign.ErrState) {
		return pushSummary{}, err
	}
	if o.Hook != nil {
		o.Hook(r)
	}
	start := time.Now()
	var bar *progressbar.ProgressBar
	stopBar := make(chan struct{})
	barDone := make(chan struct{})
	if o.Progress != nil {
		c, _ := j.Counts(ctx, id)
		bar = progressbar.NewOptions(c.Total(), progressbar.OptionSetWriter(o.Progress), progressbar.OptionSetDescription(id),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond))
		go func() {
			defer close(barDone)
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stopBar:
					return
				case <-t.C:
					if c, err := j.Counts(ctx, id); err == nil {
						bar.Set(c.Total() - c.Open())
					}
				}
			}
		}()
	} else {
		close(barDone)
	}
	status, runErr := r.Run(ctx, id)
	close(stopBar)
	<-barDone
	elapsed := time.Since(start)
	// a PoR may be in the writer's queue still: let it land before counting
	r.Close()
	bg := context.Background()
	in, err := j.Get(bg, id)
	if err != nil {
		return pushSummary{}, err
	}
	c, err := j.Counts(bg, id)
	if err != nil {
		return pushSummary{}, err
	}
	if bar != nil {
		bar.Set(c.Total() - c.Open())
		fmt.Fprintln(o.Progress)
	}
	st := r.Stats()
	sum := pushSummary{Campaign: id, Status: in.Status, Reason: in.Reason, Targets: c.Total(), Counts: c, Packets: st.Packets,
		Segments: st.Segments, PoRStale: st.PoRStale, Elapsed: elapsed.Seconds()}
	if status == "" {
		sum.Status = in.Status
	}
	if s := elapsed.Seconds(); s > 0 {
		sum.SegmentsPerS = float64(st.Segments) / s
		sum.CardsPerS = float64(c[campaign.PoROK]) / s
	}
	return sum, runErr
}

// Run pushes and prints the summary.
func (c *PushCmd) Run(env *Env) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	if (c.Spec == "") == (c.Resume == "") {
		return errors.New("push: give --spec FILE or --resume ID")
	}
	if c.MaxRate < 0 {
		return fmt.Errorf("--max-rate %g: want 0 (no cap) or more", c.MaxRate)
	}
	pw := os.Getenv("STKFORGE_SMPP_PASSWORD")
	if pw == "" {
		return errors.New("push: set STKFORGE_SMPP_PASSWORD (passwords never come from flags)")
	}
	st, err := keystore.Open(ctx, c.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	kp, err := keys.LoadProvider(c.MasterKey, false)
	if err != nil {
		return err
	}
	o := pushOptions{Store: st, Provider: kp, ID: c.ID,
		SMPP:   smpp.Config{Addr: c.SMSC, SystemID: c.SystemID, Password: pw, Source: c.Source, SourceTON: 0, SourceNPI: 1, Window: c.Window, MaxRate: c.MaxRate},
		Logger: slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if c.Spec != "" {
		var b []byte
		if c.Spec == "-" {
			b, err = io.ReadAll(io.LimitReader(env.Stdin, 16<<20))
		} else {
			b, err = os.ReadFile(c.Spec)
		}
		if err != nil {
			return err
		}
		spec, err := campaign.ParseSpec(b)
		if err != nil {
			return err
		}
		o.Spec = &spec
	} else {
		o.ID = c.Resume
	}
	if f, ok := env.Stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) && !c.JSON {
		o.Progress = env.Stderr
	}
	sum, err := pushRun(ctx, o)
	if sum.Campaign != "" {
		if c.JSON {
			keysJSON(env.Stdout, sum)
		} else {
			fmt.Fprintf(env.Stdout, "campaign %s: %s %s\n", sum.Campaign, sum.Status, sum.Reason)
			for _, s := range campaign.States {
				if n := sum.Counts[s]; n > 0 {
					fmt.Fprintf(env.Stdout, "  %-10s %d\n", s, n)
				}
			}
			fmt.Fprintf(env.Stdout, "  %d packets, %d segments in %.1fs (%.0f segments/s, %.0f cards/s)\n", sum.Packets, sum.Segments, sum.Elapsed, sum.SegmentsPerS, sum.CardsPerS)
		}
	}
	if err != nil {
		return err
	}
	if sum.Status != campaign.Finished {
		return fmt.Errorf("campaign %s is %s: %s (resume with --resume %s)", sum.Campaign, sum.Status, sum.Reason, sum.Campaign)
	}
	if bad := sum.Targets - sum.Counts[campaign.PoROK]; bad > 0 {
		return fmt.Errorf("campaign %s: %d of %d targets did not end por_ok (see their last_error)", sum.Campaign, bad, sum.Targets)
	}
	return nil
}
