package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/alecthomas/kong"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/keystore"
	_ "github.com/stkforge/stkforge/keys/pkcs11" // registers pkcs11: master keys when built with -tags pkcs11
)

// KeysCmd groups the key store commands. Secrets never come from flags and are never printed;
// --store names the store (a file path for SQLite, or a postgres:// URL), --master-key the file
// (mode 0600) holding the master key that seals every secret.
type KeysCmd struct {
	Init   KeysInitCmd   `cmd:"" help:"Create a key store (and the master key file when it does not exist)."`
	Import KeysImportCmd `cmd:"" help:"Import a card manufacturer file: all of it or, on any bad row, nothing."`
	List   KeysListCmd   `cmd:"" help:"List cards (public data only)."`
	Show   KeysShowCmd   `cmd:"" help:"Show one card: keysets, algorithms and counters, never a key."`
	Export KeysExportCmd `cmd:"" help:"Export public card data as CSV, or JSON with --json (no secrets)."`
	Rotate KeysRotateCmd `cmd:"" help:"Rotate the master key, or a bank's image-signing key."`
	Audit  KeysAuditCmd  `cmd:"" help:"Verify the hash chain of the audit log and name the first broken entry."`
}

type keysStoreFlag struct {
	Store string `required:"" env:"STKFORGE_STORE" placeholder:"PATH|URL" help:"Key store: SQLite file path or postgres:// URL."`
	JSON  bool   `name:"json" help:"Print JSON."`
}

func (f *keysStoreFlag) open() (keys.Store, error) {
	return keystore.Open(context.Background(), f.Store)
}

// keysMasterKey is a --master-key flag: a file path whose mode must be 0600.
type keysMasterKey struct {
	MasterKey string `required:"" env:"STKFORGE_MASTER_KEY" placeholder:"FILE" help:"Master key file (64 hex digits, mode 0600), or pkcs11:token=LABEL;key=LABEL[;module=PATH] with the PIN in STKFORGE_PKCS11_PIN."`
}

func keysActor() string {
	if u := os.Getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

func keysJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// keysTenantFlag is ID:KIND[:NAME], KIND operator or bank.
type keysTenantFlag keys.Tenant

func (f *keysTenantFlag) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("tenant", &s); err != nil {
		return err
	}
	parts := strings.SplitN(s, ":", 3)
	if len(parts) < 2 || parts[0] == "" {
		return fmt.Errorf("tenant %q: want ID:KIND[:NAME]", s)
	}
	kind := keys.TenantKind(parts[1])
	if kind != keys.TenantOperator && kind != keys.TenantBank {
		return fmt.Errorf("tenant %q: kind must be operator or bank", s)
	}
	t := keys.Tenant{ID: parts[0], Kind: kind, Name: parts[0]}
	if len(parts) == 3 {
		t.Name = parts[2]
	}
	*f = keysTenantFlag(t)
	return nil
}

// KeysInitCmd creates a store.
type KeysInitCmd struct {
	keysStoreFlag
	keysMasterKey
	Tenant []keysTenantFlag `placeholder:"ID:KIND[:NAME]" help:"Tenant to create (KIND operator or bank); repeat."`
}

func (c *KeysInitCmd) Run(env *Env) error {
	tenants := make([]keys.Tenant, len(c.Tenant))
	for i, t := range c.Tenant {
		tenants[i] = keys.Tenant(t)
	}
	res, err := keystore.Init(context.Background(), c.Store, c.MasterKey, tenants, keysActor(), nil)
	if err != nil {
		return err
	}
	if c.JSON {
		return keysJSON(env.Stdout, res)
	}
	created := ""
	if res.MasterKeyCreated {
		created = " (new file " + c.MasterKey + ", mode 0600: back it up apart from the store)"
	}
	_, err = fmt.Fprintf(env.Stdout, "store %s ready; master key %s%s; %d tenants\n", res.Store, res.MasterKey, created, res.Tenants)
	return err
}

// keysCodingFlag is one hex byte: a KIc/KID algorithm coding.
type keysCodingFlag byte

func (f *keysCodingFlag) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("coding", &s); err != nil {
		return err
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 1 {
		return fmt.Errorf("coding %q: want one hex byte, e.g. 02 (AES) or 05 (3DES two keys)", s)
	}
	*f = keysCodingFlag(b[0])
	return nil
}

// keysTARFlag is TAR=MSL[@TENANT], hex.
type keysTARFlag keys.TARPolicy

func (f *keysTARFlag) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("tar", &s); err != nil {
		return err
	}
	tarHex, rest, ok := strings.Cut(s, "=")
	mslHex, tenant, _ := strings.Cut(rest, "@")
	tar, err1 := hex.DecodeString(tarHex)
	msl, err2 := hex.DecodeString(mslHex)
	if !ok || err1 != nil || err2 != nil || len(tar) != 3 || len(msl) != 1 {
		return fmt.Errorf("tar %q: want TAR=MSL[@TENANT] in hex, e.g. B00010=16", s)
	}
	p := keys.TARPolicy{MSL: msl[0], Tenant: tenant}
	copy(p.TAR[:], tar)
	*f = keysTARFlag(p)
	return nil
}

// KeysImportCmd imports a manufacturer file.
type KeysImportCmd struct {
	keysStoreFlag
	keysMasterKey
	File                 string         `arg:"" type:"existingfile" help:"Manufacturer file (CSV with a header; columns in docs/import-format.md)."`
	Tenant               string         `required:"" help:"Tenant owning the cards and keysets."`
	Profile              string         `help:"Card profile of the cards."`
	KIcCoding            keysCodingFlag `name:"kic-coding" default:"02" placeholder:"HEX" help:"Algorithm of KICn keys without a KICn_CODING column (KIc b4-b1, TS 102 225 5.1.2)."`
	KIDCoding            keysCodingFlag `name:"kid-coding" default:"02" placeholder:"HEX" help:"Algorithm of KIDn keys without a KIDn_CODING column (KID b4-b1, TS 102 225 5.1.3)."`
	KIKCoding            keysCodingFlag `name:"kik-coding" default:"02" placeholder:"HEX" help:"Algorithm of KIKn keys without a KIKn_CODING column."`
	TransportKey         string         `type:"path" placeholder:"FILE" help:"File (mode 0600) with the AES transport key, hex, that encrypted the secret columns."`
	TAR                  []keysTARFlag  `name:"tar" placeholder:"TAR=MSL[@TENANT]" help:"Minimum security level of a TAR on every imported card; repeat."`
	IgnoreUnknownColumns bool           `help:"Skip columns this importer does not know instead of failing."`
}

func (c *KeysImportCmd) Run(env *Env) error {
	opts := keys.ImportOptions{Tenant: c.Tenant, Profile: c.Profile, KIcCoding: byte(c.KIcCoding), KIDCoding: byte(c.KIDCoding),
		KIKCoding: byte(c.KIKCoding), IgnoreUnknownColumns: c.IgnoreUnknownColumns}
	for _, t := range c.TAR {
		p := keys.TARPolicy(t)
		if p.Tenant == "" {
			p.Tenant = c.Tenant
		}
		opts.TARs = append(opts.TARs, p)
	}
	if c.TransportKey != "" {
		tk, err := keys.LoadTransportKeyFile(c.TransportKey)
		if err != nil {
			return err
		}
		opts.TransportKey = tk
	}
	kr, err := keysRing(c.keysStoreFlag, c.keysMasterKey)
	if err != nil {
		return err
	}
	defer kr.Store.Close()
	f, err := os.Open(c.File)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := kr.Import(context.Background(), c.File, f, opts)
	if err != nil {
		return fmt.Errorf("import %s: %w (nothing imported)", c.File, err)
	}
	if c.JSON {
		return keysJSON(env.Stdout, res)
	}
	_, err = fmt.Fprintf(env.Stdout, "imported %d cards, %d keysets\n", res.Cards, res.Keysets)
	return err
}

func keysRing(s keysStoreFlag, m keysMasterKey) (*keys.Keyring, error) {
	mk, err := keys.LoadProvider(m.MasterKey, false)
	if err != nil {
		return nil, err
	}
	st, err := s.open()
	if err != nil {
		return nil, err
	}
	return &keys.Keyring{Store: st, Provider: mk, Actor: keysActor()}, nil
}

// KeysListCmd lists cards.
type KeysListCmd struct {
	keysStoreFlag
	Tenant string `help:"Only this tenant's cards."`
	After  string `placeholder:"ICCID" help:"Start after this ICCID."`
	Limit  int    `default:"1000" help:"At most this many cards (0: all)."`
}

func (c *KeysListCmd) Run(env *Env) error {
	st, err := c.open()
	if err != nil {
		return err
	}
	defer st.Close()
	views, err := (&keys.Keyring{Store: st}).List(context.Background(), keys.CardFilter{Tenant: c.Tenant, After: keys.ICCID(c.After), Limit: c.Limit})
	if err != nil {
		return err
	}
	if c.JSON {
		if views == nil {
			views = []keys.CardView{}
		}
		return keysJSON(env.Stdout, views)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ICCID\tIMSI\tMSISDN\tTENANT\tSTATE\tKVNS")
	for _, v := range views {
		kvns := make([]string, len(v.Keysets))
		for i, ks := range v.Keysets {
			kvns[i] = strconv.Itoa(int(ks.KVN))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", v.ICCID, v.IMSI, v.MSISDN, v.Tenant, v.Lifecycle, strings.Join(kvns, ","))
	}
	return tw.Flush()
}

// KeysShowCmd shows one card.
type KeysShowCmd struct {
	keysStoreFlag
	ICCID string `arg:"" help:"Card to show."`
}

func (c *KeysShowCmd) Run(env *Env) error {
	id, err := keys.ParseICCID(c.ICCID)
	if err != nil {
		return err
	}
	st, err := c.open()
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := (&keys.Keyring{Store: st}).Show(context.Background(), id)
	if err != nil {
		return err
	}
	if c.JSON {
		return keysJSON(env.Stdout, v)
	}
	return keys.WriteCardView(env.Stdout, v)
}

// KeysExportCmd writes public card data as CSV.
type KeysExportCmd struct {
	keysStoreFlag
	Tenant string `help:"Only this tenant's cards."`
	Output string `short:"o" type:"path" placeholder:"FILE" help:"Write to FILE instead of standard output."`
}

func (c *KeysExportCmd) Run(env *Env) error {
	st, err := c.open()
	if err != nil {
		return err
	}
	defer st.Close()
	w := env.Stdout
	if c.Output != "" {
		f, err := os.Create(c.Output)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	n, err := (&keys.Keyring{Store: st, Actor: keysActor()}).Export(context.Background(), w, keys.CardFilter{Tenant: c.Tenant}, c.JSON)
	if err != nil {
		return err
	}
	if c.Output != "" {
		fmt.Fprintf(env.Stderr, "exported %d cards to %s\n", n, c.Output)
	}
	return nil
}

// KeysRotateCmd groups rotations.
type KeysRotateCmd struct {
	Master  KeysRotateMasterCmd  `cmd:"" help:"Reseal every secret under a new master key, in one transaction."`
	Signing KeysRotateSigningCmd `cmd:"" help:"Make a new RSA image-signing key for a bank; the old one keeps verifying."`
	Retire  KeysRetireCmd        `cmd:"" help:"Retire a previous signing key once every card of its bank holds the active one."`
}

// KeysRotateMasterCmd reseals the store under a new master key.
type KeysRotateMasterCmd struct {
	keysStoreFlag
	keysMasterKey
	NewMasterKey string `required:"" placeholder:"FILE" help:"New master key file (created with mode 0600 when it does not exist), or a pkcs11: key."`
}

func (c *KeysRotateMasterCmd) Run(env *Env) error {
	kr, err := keysRing(c.keysStoreFlag, c.keysMasterKey)
	if err != nil {
		return err
	}
	defer kr.Store.Close()
	next, err := keys.LoadProvider(c.NewMasterKey, true)
	if err != nil {
		return err
	}
	n, err := kr.RotateMasterKey(context.Background(), next)
	if err != nil {
		return fmt.Errorf("rotate: %w (nothing changed)", err)
	}
	if c.JSON {
		return keysJSON(env.Stdout, map[string]any{"resealed": n, "master_key": next.ID()})
	}
	_, err = fmt.Fprintf(env.Stdout, "resealed %d secrets under master key %s; keep the old key file until backups are rotated\n", n, next.ID())
	return err
}

// KeysRotateSigningCmd makes a new signing key for a bank.
type KeysRotateSigningCmd struct {
	keysStoreFlag
	keysMasterKey
	Tenant string `required:"" help:"Bank tenant."`
	Bits   int    `default:"2048" help:"RSA modulus size."`
}

func (c *KeysRotateSigningCmd) Run(env *Env) error {
	kr, err := keysRing(c.keysStoreFlag, c.keysMasterKey)
	if err != nil {
		return err
	}
	defer kr.Store.Close()
	sk, err := kr.RotateSigningKey(context.Background(), c.Tenant, c.Bits)
	if err != nil {
		return err
	}
	out := map[string]any{"id": sk.ID, "tenant": sk.Tenant, "state": sk.State, "public_key": hex.EncodeToString(sk.PublicKey)}
	if c.JSON {
		return keysJSON(env.Stdout, out)
	}
	_, err = fmt.Fprintf(env.Stdout, "new signing key %s for %s; provision its public key into the cards before retiring the old one\n", sk.ID, sk.Tenant)
	return err
}

// KeysRetireCmd retires a previous signing key.
type KeysRetireCmd struct {
	keysStoreFlag
	ID string `arg:"" help:"Signing key ID."`
}

func (c *KeysRetireCmd) Run(env *Env) error {
	st, err := c.open()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := (&keys.Keyring{Store: st, Actor: keysActor()}).RetireSigningKey(context.Background(), c.ID); err != nil {
		return err
	}
	if c.JSON {
		return keysJSON(env.Stdout, map[string]string{"retired": c.ID})
	}
	_, err = fmt.Fprintf(env.Stdout, "retired signing key %s\n", c.ID)
	return err
}

// KeysAuditCmd verifies the audit chain.
type KeysAuditCmd struct {
	keysStoreFlag
}

func (c *KeysAuditCmd) Run(env *Env) error {
	st, err := c.open()
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := (&keys.Keyring{Store: st}).VerifyAudit(context.Background())
	if err != nil {
		return err
	}
	if c.JSON {
		if err := keysJSON(env.Stdout, rep); err != nil {
			return err
		}
	} else if rep.OK {
		fmt.Fprintf(env.Stdout, "audit log ok: %d entries, head %s\n", rep.Entries, rep.Head)
	}
	if !rep.OK {
		return fmt.Errorf("audit log broken at entry %d: %s", rep.FirstBroken, rep.Reason)
	}
	return nil
}
