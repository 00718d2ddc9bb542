package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"github.com/stkforge/stkforge/fixtures/demo"
	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/sqlite"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/smpp"
	"github.com/stkforge/stkforge/sim/bank"
	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/sim/handset"
	"github.com/stkforge/stkforge/sim/network"
	"github.com/stkforge/stkforge/sim/toolkit"
	"github.com/stkforge/stkforge/sim/trace"
	"github.com/stkforge/stkforge/stk/check"
	"github.com/stkforge/stkforge/stk/gen"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/pay"
)

// DemoCmd runs the main flow of DESIGN.md end to end on loopback with embedded defaults: a
// SQLite store of N cards, the virtual SMS network with N handsets, the bank's menu compiled,
// signed and pushed to every card by OTA SMS, then a signed payment from every card that the
// bank verifies and answers.
type DemoCmd struct {
	Cards    int     `default:"100" help:"Simulated cards (and handsets)."`
	Pcap     string  `placeholder:"FILE" help:"Write card 1's whole story to a pcap for Wireshark: its APDUs as GSMTAP, its SMPP traffic on TCP 2775."`
	Keep     string  `placeholder:"DIR" help:"Keep the store, master key, image, bank journal and log in DIR (created; must not hold a store)."`
	JSON     bool    `help:"Print the summary as JSON."`
	Loss     float64 `help:"Fraction of MT SMS the network loses silently (the campaign retries)."`
	Throttle float64 `help:"submit_sm per second above which the SMSC answers ESME_RTHROTTLED (0: none)."`
}

// demoOptions is one demo run; tests call demoRun with them.
type demoOptions struct {
	Cards          int
	Pcap, Keep     string
	Faults         network.Faults
	Progress       io.Writer     // nil: no bars
	PaymentTimeout time.Duration // default 60s
	PoRTimeout     time.Duration // the campaign's; default from the cards and the throttling
}

// demoSummary is what the demo prints.
type demoSummary struct {
	Cards      int             `json:"cards"`
	Updated    int             `json:"updated"` // PoR OK and the signed menu active on the card
	PoR        campaign.Counts `json:"por"`
	Campaign   string          `json:"campaign_status"`
	ImageBytes int             `json:"image_bytes"`
	SMS        struct {
		OTAPackets  int64 `json:"ota_packets"`
		OTASegments int64 `json:"ota_segments"`
		MT          int64 `json:"mt_submitted"` // submit_sm accepted by the SMSC (OTA + receipts)
		MO          int64 `json:"mo"`           // PoRs and payment segments from the handsets
		Lost        int64 `json:"lost"`
		Throttled   int64 `json:"throttled"`
	} `json:"sms"`
	Payments struct {
		Made     int      `json:"made"`     // sent by the cards
		Verified int      `json:"verified"` // accepted by the bank, signature checked
		Refused  int      `json:"refused"`
		Receipts int      `json:"receipts"` // receipts shown on the handsets
		Failures []string `json:"failures,omitempty"`
	} `json:"payments"`
	// NotUpdated explains the first cards the campaign did not update: final state and reason.
	NotUpdated   []string `json:"not_updated,omitempty"`
	SetupS       float64  `json:"setup_s"` // store, keys (an RSA key pair per card), network, handsets
	CampaignS    float64  `json:"campaign_s"`
	PaymentsS    float64  `json:"payments_s"`
	ElapsedS     float64  `json:"elapsed_s"`
	SegmentsPerS float64  `json:"segments_per_s"`
	CardsPerS    float64  `json:"cards_per_s"`
	Dir          string   `json:"dir,omitempty"`
	Pcap         string   `json:"pcap,omitempty"`
	OK           bool     `json:"ok"`
}

// demoBankKeyID names the bank's image signing key in the cards and the store.
const demoBankKeyID = "demo-bank"

// demoCard is one subscriber: the card, its runtime and the handset it sits in.
type demoCard struct {
	n       int
	iccid   string
	msisdn  string
	card    *card.Card
	runtime *toolkit.Runtime
	handset *handset.Handset
}

// Run runs the demo and prints the summary; the exit is non-zero unless every card was
// updated and every payment verified.
func (c *DemoCmd) Run(env *Env) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := demoOptions{Cards: c.Cards, Pcap: c.Pcap, Keep: c.Keep, Faults: network.Faults{Loss: c.Loss, ThrottleRate: c.Throttle}}
	if f, ok := env.Stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) && !c.JSON {
		o.Progress = env.Stderr
	}
	sum, err := demoRun(ctx, o)
	if sum.Cards > 0 {
		if c.JSON {
			keysJSON(env.Stdout, sum)
		} else {
			demoPrint(env.Stdout, sum)
		}
	}
	if err != nil {
		return err
	}
	if !sum.OK {
		return fmt.Errorf("demo: %d of %d cards updated, %d of %d payments verified", sum.Updated, sum.Cards, sum.Payments.Verified, sum.Cards)
	}
	return nil
}

func demoPrint(w io.Writer, s demoSummary) {
	fmt.Fprintf(w, "stkforge demo: %d cards\n", s.Cards)
	fmt.Fprintf(w, "  menu bank-zh: %d-byte signed image, pushed by OTA (campaign %s) in %.1fs\n", s.ImageBytes, s.Campaign, s.CampaignS)
	fmt.Fprintf(w, "  cards updated:      %d/%d\n", s.Updated, s.Cards)
	fmt.Fprintf(w, "  PoR statuses:      ")
	for _, st := range campaign.States {
		if n := s.PoR[st]; n > 0 {
			fmt.Fprintf(w, " %s %d", st, n)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  SMS:                %d OTA packets in %d segments, %d MT submit_sm, %d MO, %d lost, %d throttled\n",
		s.SMS.OTAPackets, s.SMS.OTASegments, s.SMS.MT, s.SMS.MO, s.SMS.Lost, s.SMS.Throttled)
	fmt.Fprintf(w, "  payments verified:  %d/%d by the bank (%d refused), %d receipts shown, in %.1fs\n",
		s.Payments.Verified, s.Cards, s.Payments.Refused, s.Payments.Receipts, s.PaymentsS)
	for _, f := range s.Payments.Failures {
		fmt.Fprintf(w, "    %s\n", f)
	}
	if len(s.NotUpdated) > 0 {
		fmt.Fprintf(w, "  not updated (no payment tried), first %d:\n", len(s.NotUpdated))
		for _, f := range s.NotUpdated {
			fmt.Fprintf(w, "    %s\n", f)
		}
	}
	fmt.Fprintf(w, "  elapsed:            %.1fs (setup %.1fs; %.0f OTA segments/s, %.0f cards/s during the campaign)\n", s.ElapsedS, s.SetupS, s.SegmentsPerS, s.CardsPerS)
	if s.Dir != "" {
		fmt.Fprintf(w, "  kept in %s\n", s.Dir)
	}
	if s.Pcap != "" {
		fmt.Fprintf(w, "  pcap: %s\n", s.Pcap)
	}
	if s.OK {
		fmt.Fprintln(w, "  OK: every card updated, every payment verified")
	}
}

// demoRun is the whole demo.
func demoRun(ctx context.Context, o demoOptions) (sum demoSummary, err error) {
	start := time.Now()
	if o.Cards <= 0 {
		return sum, errors.New("demo: --cards must be at least 1")
	}
	if o.PaymentTimeout == 0 {
		o.PaymentTimeout = 60 * time.Second
	}
	dir := o.Keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "stkforge-demo-"); err != nil {
			return sum, err
		}
		defer os.RemoveAll(dir)
	} else {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return sum, err
		}
		sum.Dir = dir
	}
	logFile, err := os.Create(filepath.Join(dir, "demo.log"))
	if err != nil {
		return sum, err
	}
	defer logFile.Close()
	logger := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo}))

	// the store, its master key and the cards' OTA keys
	st, err := sqlite.Open(ctx, filepath.Join(dir, "keys.db"))
	if err != nil {
		return sum, err
	}
	defer st.Close()
	kp, err := keys.CreateMasterKeyFile(filepath.Join(dir, "master.key"), rand.Reader)
	if err != nil {
		return sum, fmt.Errorf("demo: %w (give --keep an empty directory)", err)
	}
	if _, err := netProvision(ctx, st, kp, o.Cards, rand.Reader); err != nil {
		return sum, err
	}
	stored, err := st.Cards(ctx, keys.CardFilter{Tenant: "op"})
	if err != nil {
		return sum, err
	}
	sum.Cards = len(stored)

	// the bank: its signing key, its menu compiled and signed
	bankKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return sum, err
	}
	res, diags := gen.Compile([]check.SpecFile{{Name: demo.BankMenuName, Data: demo.BankMenu}}, gen.Options{})
	if diags.HasErrors() {
		return sum, fmt.Errorf("demo: %s", diags.Format(10))
	}
	signed, err := image.Sign(res[0].Image, bankKey, demoBankKeyID, image.PKCS1v15SHA256)
	if err != nil {
		return sum, err
	}
	sum.ImageBytes = len(signed.Bytes())
	if err := os.WriteFile(filepath.Join(dir, "bank-zh.img"), signed.Bytes(), 0o644); err != nil {
		return sum, err
	}
	formats, err := pay.Formats(res[0].Program)
	if err != nil {
		return sum, err
	}

	// the network, with card 1's story in the pcap
	var tw *trace.Writer
	if o.Pcap != "" {
		if tw, err = trace.Create(o.Pcap); err != nil {
			return sum, err
		}
		defer func() {
			if cerr := tw.Close(); err == nil && cerr != nil {
				err = cerr
			}
		}()
		sum.Pcap = o.Pcap
	}
	otaPW, bankPW := demoSecret(), demoSecret()
	smsc, err := network.Listen(network.Config{Accounts: map[string]string{"ota": otaPW, "bank": bankPW},
		Routes: map[string]string{demo.OTANumber: "ota", demo.BankNumber: "bank"}, Faults: o.Faults, Logger: logger})
	if err != nil {
		return sum, err
	}
	defer smsc.Close()
	smscAddr := smsc.Addr().String()
	if tw != nil && len(stored) > 0 {
		tap, err := newDemoTap(smscAddr, stored[0].MSISDN, tw)
		if err != nil {
			return sum, err
		}
		defer tap.Close()
		smscAddr = tap.Addr()
	}

	// the subscribers: cards personalised (OTA keys, RSA key pair, the bank as trusted image
	// issuer), their public keys recorded in the store, each in a powered-on handset
	cards, err := demoCards(ctx, st, kp, stored, &bankKey.PublicKey, smsc, tw, o.Progress)
	if err != nil {
		return sum, err
	}

	// the bank endpoint
	var journal io.Writer
	if o.Keep != "" {
		f, err := os.Create(filepath.Join(dir, "bank.jsonl"))
		if err != nil {
			return sum, err
		}
		defer f.Close()
		journal = f
	}
	bk := bank.New(bank.Config{Formats: formats, Keys: bank.StoreKeys{Store: st}, Record: journal})
	ep, err := bank.Dial(ctx, bk, bank.EndpointConfig{Addr: smscAddr, SystemID: "bank", Password: bankPW,
		Number: demo.BankNumber, Logger: logger})
	if err != nil {
		return sum, err
	}
	defer ep.Close()

	// the campaign. The runner claims every target at once and the PoR deadline runs from the
	// claim, so it must cover the time to send all the segments: a packet retried after a PoR
	// that was merely late finds its image already active and is refused (commit status 06).
	if o.PoRTimeout == 0 {
		perCard := sum.ImageBytes/100 + 2 // secured segments carry about 110 octets of the script
		rate := 10000.0                   // segments/s this machine sustains, well under what it does
		if o.Faults.ThrottleRate > 0 {
			rate = o.Faults.ThrottleRate
		}
		o.PoRTimeout = 5*time.Second + time.Duration(float64(sum.Cards*perCard)/rate*float64(time.Second))
	}
	spec := campaign.Spec{Name: "bank-zh menu", Tenant: "op", Image: signed.Bytes(), ImageSlot: 1,
		Targets:     campaign.Targets{Filter: &campaign.Filter{Tenant: "op"}},
		Security:    campaign.Security{SPI: "1639", KIc: "12", KID: "12", TAR: "B00000"},
		MaxAttempts: 8, Backoff: campaign.Duration(200 * time.Millisecond), PoRTimeout: campaign.Duration(o.PoRTimeout)}
	cstart := time.Now()
	sum.SetupS = cstart.Sub(start).Seconds()
	push, err := pushRun(ctx, pushOptions{Store: st, Provider: kp, Spec: &spec, ID: "demo", Progress: o.Progress, Logger: logger,
		SMPP: smpp.Config{Addr: smscAddr, SystemID: "ota", Password: otaPW, Source: demo.OTANumber, SourceTON: 0, SourceNPI: 1, Window: 500}})
	sum.CampaignS = time.Since(cstart).Seconds()
	if err != nil {
		return sum, err
	}
	sum.PoR, sum.Campaign = push.Counts, string(push.Status)
	sum.SMS.OTAPackets, sum.SMS.OTASegments = push.Packets, push.Segments
	if sum.CampaignS > 0 {
		sum.SegmentsPerS = float64(push.Segments) / sum.CampaignS
		sum.CardsPerS = float64(push.Counts[campaign.PoROK]) / sum.CampaignS
	}
	want := signed.Bytes()
	var updated []*demoCard
	for _, dc := range cards {
		if img := dc.runtime.Image(); img != nil && bytes.Equal(img.Bytes(), want) {
			updated = append(updated, dc)
		}
		dc.handset.ClearEvents() // the handsets' records are for people; the demo keeps memory flat
	}
	sum.Updated = len(updated)
	if err := demoNotUpdated(ctx, st, &sum); err != nil {
		return sum, err
	}

	// the payments: faults off, as the payment's own SMS are not retried by the card
	smsc.SetFaults(network.Faults{})
	pstart := time.Now()
	demoPayments(ctx, updated, o, &sum)
	sum.PaymentsS = time.Since(pstart).Seconds()

	s := smsc.Stats()
	sum.SMS.MT, sum.SMS.MO, sum.SMS.Lost, sum.SMS.Throttled = s.Submits, s.MO, s.Lost, s.Throttled
	bs := bk.Stats()
	sum.Payments.Verified = int(bs.Accepted)
	for _, n := range bs.Refused {
		sum.Payments.Refused += int(n)
	}
	sum.ElapsedS = time.Since(start).Seconds()
	sum.OK = sum.Updated == sum.Cards && sum.Payments.Verified == sum.Cards && sum.Payments.Receipts == sum.Cards
	logger.Info("demo done", "cards", sum.Cards, "updated", sum.Updated, "verified", sum.Payments.Verified)
	return sum, nil
}

// demoNotUpdated lists the first targets that did not end por_ok, with the campaign's reason.
func demoNotUpdated(ctx context.Context, st keys.Store, sum *demoSummary) error {
	if sum.Updated == sum.Cards {
		return nil
	}
	j, err := campaign.OpenJournal(st, nil)
	if err != nil {
		return err
	}
	ts, err := j.Targets(ctx, "demo", -1, 100000, "")
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.State != campaign.PoROK && len(sum.NotUpdated) < 10 {
			sum.NotUpdated = append(sum.NotUpdated, fmt.Sprintf("card %s: %s after %d attempts: %s", t.ICCID, t.State, t.Attempts, t.LastError))
		}
	}
	return nil
}

// demoSecret is a fresh password for an in-process SMPP bind: 8 characters, the most a
// password takes (SMPP 3.4 4.1.1: a C-Octet String of at most 9 octets).
func demoSecret() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// demoCards builds every subscriber; RSA key generation dominates, so cards are built on
// every core.
func demoCards(ctx context.Context, st keys.Store, kp keys.KeyProvider, stored []keys.Card, bankPub *rsa.PublicKey,
	smsc *network.SMSC, tw *trace.Writer, progress io.Writer) ([]*demoCard, error) {
	hp, err := handset.LookupProfile("android")
	if err != nil {
		return nil, err
	}
	var bar *progressbar.ProgressBar
	if progress != nil {
		bar = progressbar.NewOptions(len(stored), progressbar.OptionSetWriter(progress), progressbar.OptionSetDescription("cards"),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond))
		defer fmt.Fprintln(progress)
	}
	out := make([]*demoCard, len(stored))
	errs := make([]error, len(stored))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(stored) || ctx.Err() != nil {
					return
				}
				out[i], errs[i] = demoCardFor(ctx, st, kp, i+1, stored[i], bankPub, hp, smsc, tw)
				if bar != nil {
					bar.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func demoCardFor(ctx context.Context, st keys.Store, kp keys.KeyProvider, n int, kc keys.Card, bankPub *rsa.PublicKey,
	hp *handset.Profile, smsc *network.SMSC, tw *trace.Writer) (*demoCard, error) {
	p, err := card.ParseProfile(demo.CardProfile)
	if err != nil {
		return nil, err
	}
	if err := netPersonalise(p, kc, kp); err != nil {
		return nil, err
	}
	pubs, err := toolkit.Personalise(p, toolkit.Personalisation{Issuers: []image.IssuerKey{{ID: demoBankKeyID, Key: bankPub}}})
	if err != nil {
		return nil, fmt.Errorf("card %s: %w", kc.ICCID, err)
	}
	der, err := x509.MarshalPKIXPublicKey(pubs["pay"])
	if err != nil {
		return nil, fmt.Errorf("card %s: %w", kc.ICCID, err)
	}
	if err := st.PutCardPublicKey(ctx, kc.ICCID, der, nil); err != nil {
		return nil, err
	}
	if err := st.AddIssuerKey(ctx, kc.ICCID, demoBankKeyID); err != nil {
		return nil, err
	}
	c, err := card.New(p)
	if err != nil {
		return nil, fmt.Errorf("card %s: %w", kc.ICCID, err)
	}
	dc := &demoCard{n: n, iccid: string(kc.ICCID), msisdn: kc.MSISDN, card: c, runtime: toolkit.Attach(c, toolkit.Config{})}
	opts := []handset.Option{handset.WithNetwork(smsc, kc.MSISDN), handset.WithLanguage("zh")}
	if n == 1 && tw != nil {
		pc := &card.Pcap{W: tw}
		opts = append(opts, handset.WithExchange(pc.Record))
	}
	dc.handset = handset.New(c, hp, opts...)
	if err := dc.handset.PowerOn(); err != nil {
		return nil, fmt.Errorf("card %s: power on: %w", kc.ICCID, err)
	}
	dc.handset.ClearEvents()
	smsc.Register(kc.MSISDN, dc.handset)
	return dc, nil
}

// demoPayments has every updated card pay through its new menu, as the user would: 支付,
// payee, amount, confirm, PIN; the card signs and sends; the bank's receipt must reach the
// handset.
func demoPayments(ctx context.Context, cards []*demoCard, o demoOptions, sum *demoSummary) {
	var bar *progressbar.ProgressBar
	if o.Progress != nil {
		bar = progressbar.NewOptions(len(cards), progressbar.OptionSetWriter(o.Progress), progressbar.OptionSetDescription("payments"),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond))
	}
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 2 * runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(cards) {
					return
				}
				made, receipt, err := demoPay(ctx, cards[i], o.PaymentTimeout)
				mu.Lock()
				if made {
					sum.Payments.Made++
				}
				if receipt {
					sum.Payments.Receipts++
				}
				if err != nil && len(sum.Payments.Failures) < 10 {
					sum.Payments.Failures = append(sum.Payments.Failures, fmt.Sprintf("card %s: %v", cards[i].iccid, err))
				}
				if bar != nil {
					bar.Add(1)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if bar != nil {
		fmt.Fprintln(o.Progress)
	}
}

// demoPay runs the scripted payment on one card and waits for the bank's receipt.
func demoPay(ctx context.Context, dc *demoCard, timeout time.Duration) (made, receipt bool, err error) {
	h := dc.handset
	steps := []struct {
		what string
		do   func() error
	}{
		{"select " + demo.PayItem, func() error { return h.SelectText(demo.PayItem) }},
		{"payee", func() error { return h.Enter(demo.Payee(dc.n)) }},
		{"amount", func() error { return h.Enter(demo.PayAmount) }},
		{"confirm", h.Yes},
		{"PIN", func() error { return h.Enter(demo.PIN) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return false, false, fmt.Errorf("%s: %w (screen: %s)", s.what, err, demoScreen(h))
		}
	}
	sent := 0
	for _, m := range h.Outbox() {
		if m.MO && strings.TrimPrefix(m.Address, "+") == demo.BankNumber {
			sent++
		}
	}
	if sent == 0 {
		return false, false, fmt.Errorf("no SMS to %s after the PIN (screen: %s)", demo.BankNumber, demoScreen(h))
	}
	h.OK() // clear "payment sent"
	want := fmt.Sprintf("OK %s to %s ref ", bank.Amount(demo.PayAmount), demo.Payee(dc.n))
	deadline := time.Now().Add(timeout)
	for {
		for _, m := range h.Inbox() {
			if strings.TrimPrefix(m.Address, "+") != demo.BankNumber {
				continue
			}
			if strings.HasPrefix(m.Text, want) {
				return true, true, nil
			}
			return true, true, fmt.Errorf("the bank answered %q", m.Text)
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return true, false, fmt.Errorf("no receipt from the bank within %s", timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func demoScreen(h *handset.Handset) string {
	s := h.Screen()
	t := s.Command + " " + s.Title + " " + s.Text
	return strings.Join(strings.Fields(t), " ")
}
