package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/sim/audit"
	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/sim/pcsc"
)

// errAuditFailed makes the exit code 1 once the report is printed.
var errAuditFailed = errors.New("audit: FAIL")

// AuditCmd is the security self-audit of a card (sim/audit): a simulated card from its profile
// or state file, or with --reader the card in a PC/SC reader, through pcscd (sim/pcsc, pure Go).
type AuditCmd struct {
	Card string `arg:"" optional:"" placeholder:"PROFILE" help:"Card profile or state file (fixtures/cards/*.json); its TARs and keysets are probed. With --reader it only supplies the TARs and keysets; the card audited is the one in the reader."`
	// Reader is --reader or --reader NAME (or --reader=NAME).
	Reader      readerFlag `name:"reader" help:"--reader [NAME] (or --reader=NAME): audit the card in this PC/SC reader, through pcscd ($PCSCLITE_CSOCK_NAME, else /run/pcscd/pcscd.comm); without NAME, the first reader holding a card. Sent to the card: the probes as ENVELOPE (SMS-PP download) and GET RESPONSE for their PoRs, and SELECT + READ BINARY of EF ICCID when keys come from the store. Of the probes only the baseline (SPI 16, the real keys, a fresh counter) is one a sound card runs: it reads EF ICCID (or lists the ISD) and moves the keyset's counter, by at most 4 values per exposed TAR; with --iccid/--store those values are first reserved in the store, so the OTA server never reuses them."`
	JSON        bool       `name:"json" help:"Print the report as JSON."`
	InPlace     bool       `help:"Audit the state file itself and keep the counters the legitimate probes move; by default the audit runs on a copy in memory and the file is not touched."`
	OnlyProfile bool       `help:"Probe only the TARs of the profile, not the well-known TARs of TS 101 220 annex D."`
	Originator  string     `default:"+491720000001" help:"Originating address of the OTA short messages."`
	// Keys from the key store instead of the profile, as the OTA server holds them.
	ICCID     string `name:"iccid" placeholder:"ICCID" help:"Take the keysets of this card from the key store (--store, --master-key) instead of the profile. With --reader it must be the ICCID the card holds in EF ICCID; when omitted, that one is used."`
	Store     string `env:"STKFORGE_STORE" placeholder:"PATH|URL" help:"Key store for --iccid: SQLite file path or postgres:// URL."`
	MasterKey string `env:"STKFORGE_MASTER_KEY" placeholder:"FILE" help:"Master key file for --iccid (mode 0600), or a pkcs11: key."`
}

// readerFlag is --reader with an optional reader name: "--reader", "--reader NAME" or
// "--reader=NAME" (kong has no optional flag values, so it decodes itself).
type readerFlag struct {
	Set  bool
	Name string
}

func (r *readerFlag) IsBool() bool { return true }

func (r *readerFlag) Decode(ctx *kong.DecodeContext) error {
	r.Set = true
	t := ctx.Scan.Peek()
	if t.Type == kong.FlagValueToken || t.InferredType() == kong.UntypedToken && !strings.HasPrefix(t.String(), "-") && t.String() != "" {
		tok := ctx.Scan.Pop()
		r.Name = fmt.Sprint(tok.Value)
	}
	return nil
}

func (c *AuditCmd) Run(env *Env) error {
	if c.Reader.Set {
		return c.runReader(env)
	}
	if c.Card == "" {
		return fmt.Errorf("audit: a PROFILE (or --reader) is needed")
	}
	p, err := card.LoadProfile(c.Card)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	var opts []card.Option
	if c.InPlace {
		opts = append(opts, card.WithStateFile(c.Card))
	}
	sc, err := card.New(p, opts...)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	targets, keysets, err := audit.FromProfile(p)
	if err != nil {
		return err
	}
	if c.OnlyProfile {
		targets = targets[:len(p.TARs)]
	}
	if c.ICCID != "" {
		iccid, err := keys.ParseICCID(c.ICCID)
		if err != nil {
			return fmt.Errorf("audit: --iccid: %w", err)
		}
		if keysets, err = c.storeKeysets(iccid, 0); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	r, err := audit.Run(sc, audit.Options{Targets: targets, Keysets: keysets, Originator: smspp.Number(c.Originator)})
	if err != nil {
		return err
	}
	r.Card = p.Name
	return c.print(env, r)
}

func (c *AuditCmd) print(env *Env, r *audit.Report) error {
	if c.JSON {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		if _, err := env.Stdout.Write(append(b, '\n')); err != nil {
			return err
		}
	} else if err := r.WriteText(env.Stdout); err != nil {
		return err
	}
	if !r.Pass {
		return fmt.Errorf("%w: %d findings", errAuditFailed, len(r.Findings))
	}
	return nil
}

// runReader audits the card in a PC/SC reader: targets and keysets from PROFILE if given (else
// the well-known TARs), keysets from the store with --iccid or --store (their counters
// reserved first), the card's ICCID checked against --iccid.
func (c *AuditCmd) runReader(env *Env) error {
	if c.InPlace {
		return fmt.Errorf("audit: --in-place is for a state file; the card in a reader keeps its own state")
	}
	targets, keysets := audit.WellKnownTargets(), []audit.Keyset(nil)
	if c.Card != "" {
		p, err := card.LoadProfile(c.Card)
		if err != nil {
			return fmt.Errorf("audit: %w (to name a reader, write --reader=NAME)", err)
		}
		if targets, keysets, err = audit.FromProfile(p); err != nil {
			return err
		}
		if c.OnlyProfile {
			targets = targets[:len(p.TARs)]
		}
	} else if c.OnlyProfile {
		return fmt.Errorf("audit: --only-profile needs a PROFILE")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl, err := pcsc.Dial(ctx)
	if err != nil {
		return fmt.Errorf("audit: --reader: %w", err)
	}
	defer cl.Close()
	name := c.Reader.Name
	if name == "" {
		r, err := cl.FirstCard()
		if err != nil {
			return fmt.Errorf("audit: --reader: %w", err)
		}
		name = r.Name
	}
	conn, err := cl.Connect(name)
	if err != nil {
		return fmt.Errorf("audit: --reader %q: %w", name, err)
	}
	defer conn.Close()

	if c.ICCID != "" || c.Store != "" {
		held, err := readICCID(conn)
		switch {
		case err != nil && c.ICCID == "":
			return fmt.Errorf("audit: --reader %q: %w; name the card with --iccid", name, err)
		case err != nil:
			fmt.Fprintf(env.Stderr, "stkforge: audit: %v; trusting --iccid %s\n", err, c.ICCID)
			held = c.ICCID
		case c.ICCID != "" && held != c.ICCID:
			return fmt.Errorf("audit: the card in %q holds ICCID %s, not --iccid %s: nothing sent", name, held, c.ICCID)
		}
		iccid, err := keys.ParseICCID(held)
		if err != nil {
			return fmt.Errorf("audit: ICCID: %w", err)
		}
		// each exposed TAR takes at most 4 fresh counter values per keyset (sim/audit)
		if keysets, err = c.storeKeysets(iccid, uint64(4*len(targets))); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	if len(keysets) == 0 {
		fmt.Fprintln(env.Stderr, "stkforge: audit: no keysets (no PROFILE, --iccid or --store): only the unkeyed probes run")
	}
	r, err := audit.Run(conn, audit.Options{Targets: targets, Keysets: keysets, Originator: smspp.Number(c.Originator)})
	if err != nil {
		return err
	}
	if err := conn.Err(); err != nil {
		return fmt.Errorf("audit: reader %q: %w (the audit stopped; no report)", name, err)
	}
	r.Card = fmt.Sprintf("%s (ATR %X)", name, conn.ATR())
	reportCounters(env.Stderr, r)
	return c.print(env, r)
}

// reportCounters says, per keyset, the highest counter the audit sent: the card keeps the
// highest one it accepted, and the next OTA packet must go above it.
func reportCounters(w io.Writer, r *audit.Report) {
	high := map[int]uint64{}
	var kvns []int
	for _, t := range r.Targets {
		for _, p := range t.Probes {
			if p.KVN == 0 || p.Status == "not_sent" {
				continue
			}
			v, err := strconv.ParseUint(p.Counter, 16, 64)
			if err != nil {
				continue
			}
			if _, ok := high[p.KVN]; !ok {
				kvns = append(kvns, p.KVN)
			}
			high[p.KVN] = max(high[p.KVN], v)
		}
	}
	for _, k := range kvns {
		fmt.Fprintf(w, "stkforge: audit: keyset %d: highest counter sent %010X\n", k, high[k])
	}
}

// readICCID reads EF ICCID (2FE2 under the MF): UICC commands first, then the SIM class for a
// card that knows only TS 51.011. The ICCID is BCD, nibbles swapped, F as filler (TS 102 221
// 13.2).
func readICCID(k *pcsc.Conn) (string, error) {
	var why string
	for _, cmds := range [][][]byte{
		{{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00}, {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0xE2}, {0x00, 0xB0, 0x00, 0x00, 0x0A}},
		{{0xA0, 0xA4, 0x00, 0x00, 0x02, 0x3F, 0x00}, {0xA0, 0xA4, 0x00, 0x00, 0x02, 0x2F, 0xE2}, {0xA0, 0xB0, 0x00, 0x00, 0x0A}},
	} {
		var r []byte
		for _, cmd := range cmds {
			var err error
			if r, err = k.TransmitErr(cmd); err != nil {
				return "", err
			}
			if sw1 := r[len(r)-2]; sw1 != 0x90 && sw1 != 0x91 {
				if why == "" {
					why = fmt.Sprintf("%X answered %X", cmd, r[len(r)-2:])
				}
				r = nil
				break
			}
		}
		if len(r) == 12 {
			return iccidDigits(r[:10]), nil
		}
	}
	return "", fmt.Errorf("EF ICCID could not be read (%s)", why)
}

// iccidDigits decodes EF ICCID: each byte holds two digits, the first in the low nibble.
func iccidDigits(b []byte) string {
	var s strings.Builder
	for _, x := range b {
		for _, d := range []byte{x & 0x0F, x >> 4} {
			if d > 9 {
				return s.String()
			}
			s.WriteByte('0' + d)
		}
	}
	return s.String()
}

// storeKeysets opens the card's keysets in the store; with reserve > 0 it first reserves that
// many counter values per keyset, so that the probes use values the store will never hand out
// again (DESIGN "Counters").
func (c *AuditCmd) storeKeysets(iccid keys.ICCID, reserve uint64) ([]audit.Keyset, error) {
	if c.Store == "" || c.MasterKey == "" {
		return nil, fmt.Errorf("--iccid needs --store and --master-key (or STKFORGE_STORE and STKFORGE_MASTER_KEY)")
	}
	kr, err := keysRing(keysStoreFlag{Store: c.Store}, keysMasterKey{MasterKey: c.MasterKey})
	if err != nil {
		return nil, err
	}
	defer kr.Store.Close()
	ctx := context.Background()
	ks, err := audit.StoreKeysets(ctx, kr, iccid)
	if err != nil || reserve == 0 {
		return ks, err
	}
	for i := range ks {
		rg, err := kr.Store.ReserveCounters(ctx, iccid, uint8(ks[i].KVN), reserve)
		if err != nil {
			return nil, err
		}
		ks[i].Counter = packet.Counter(rg.First - 1)
	}
	return ks, nil
}
