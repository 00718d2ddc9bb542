package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/sim/audit"
	"github.com/stkforge/stkforge/sim/card"
)

// errAuditFailed makes the exit code 1 once the report is printed.
var errAuditFailed = errors.New("audit: FAIL")

// AuditCmd is the security self-audit of a simulated card (sim/audit). PC/SC readers are not
// audited: the module has no pure-Go PC/SC client, and the cgo one would sit behind a tag.
type AuditCmd struct {
	Card        string `arg:"" placeholder:"PROFILE" help:"Card profile or state file (fixtures/cards/*.json); its TARs and keysets are probed."`
	JSON        bool   `name:"json" help:"Print the report as JSON."`
	InPlace     bool   `help:"Audit the state file itself and keep the counters the legitimate probes move; by default the audit runs on a copy in memory and the file is not touched."`
	OnlyProfile bool   `help:"Probe only the TARs of the profile, not the well-known TARs of TS 101 220 annex D."`
	Originator  string `default:"+491720000001" help:"Originating address of the OTA short messages."`
	// Keys from the key store instead of the profile, as the OTA server holds them.
	ICCID     string `name:"iccid" placeholder:"ICCID" help:"Take the keysets of this card from the key store (--store, --master-key) instead of the profile."`
	Store     string `env:"STKFORGE_STORE" placeholder:"PATH|URL" help:"Key store for --iccid: SQLite file path or postgres:// URL."`
	MasterKey string `env:"STKFORGE_MASTER_KEY" placeholder:"FILE" help:"Master key file for --iccid (mode 0600), or a pkcs11: key."`
}

func (c *AuditCmd) Run(env *Env) error {
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
		if keysets, err = c.storeKeysets(); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	r, err := audit.Run(sc, audit.Options{Targets: targets, Keysets: keysets, Originator: smspp.Number(c.Originator)})
	if err != nil {
		return err
	}
	r.Card = p.Name
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

func (c *AuditCmd) storeKeysets() ([]audit.Keyset, error) {
	if c.Store == "" || c.MasterKey == "" {
		return nil, fmt.Errorf("--iccid needs --store and --master-key (or STKFORGE_STORE and STKFORGE_MASTER_KEY)")
	}
	iccid, err := keys.ParseICCID(c.ICCID)
	if err != nil {
		return nil, err
	}
	kr, err := keysRing(keysStoreFlag{Store: c.Store}, keysMasterKey{MasterKey: c.MasterKey})
	if err != nil {
		return nil, err
	}
	defer kr.Store.Close()
	return audit.StoreKeysets(context.Background(), kr, iccid)
}
