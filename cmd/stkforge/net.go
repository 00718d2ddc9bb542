package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"

	"sync"
	"syscall"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/keystore"
	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/sim/network"
	"github.com/stkforge/stkforge/sim/toolkit"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/tlv"
)

// NetCmd runs the virtual SMS network: an SMPP SMSC on loopback with simulated handsets, each
// holding a simulated card built from a card profile and personalised with the keys of the store,
// so `stkforge serve` and `stkforge push` can target them. Missing cards are generated into the
// store first (keys from crypto/rand, sealed under the master key).
type NetCmd struct {
	keysStoreFlag
	keysMasterKey
	Cards         int      `default:"10" help:"Simulated cards (generated into the store when fewer exist)."`
	Profile       string   `default:"fixtures/cards/default.json" help:"Card profile the simulated cards are built from."`
	Listen        string   `default:"127.0.0.1:2775" help:"SMPP listen address."`
	SystemID      string   `default:"ota" help:"system_id the OTA server binds with; its password comes from STKFORGE_SMPP_PASSWORD."`
	Short         string   `default:"12345" help:"Short code of the OTA server: PoRs sent to it are routed to its bind."`
	Loss          float64  `help:"Fraction of MT messages lost silently."`
	Throttle      float64  `help:"submit_sm per second above which the SMSC answers ESME_RTHROTTLED (0: none)."`
	Queue         int      `default:"8192" help:"MT messages the SMSC holds for delivery; beyond it submit_sm is answered ESME_RMSGQFUL."`
	DeliverWindow int      `default:"1000" help:"deliver_sm (receipts, MO) the SMSC sends a bind before it waits for their responses: a campaign asks a receipt for every segment, so this bounds its rate at window / round trip."`
	Issuer        []string `placeholder:"PEM" help:"RSA key (PEM: public key, or a private key whose public part is used) whose signed script images the cards activate; repeat."`
	KeyPool       int      `placeholder:"N" help:"Cards take the RSA key pairs an activated image names from a pool of N pairs made at start, instead of each generating its own (tens of milliseconds a card): for load tests of many cards, where cards sharing signing keys does not matter. 0: every card its own."`
}

// Run serves until SIGINT or SIGTERM.
func (c *NetCmd) Run(env *Env) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	pw := os.Getenv("STKFORGE_SMPP_PASSWORD")
	if pw == "" {
		return errors.New("net: set STKFORGE_SMPP_PASSWORD (passwords never come from flags)")
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
	prof, err := card.LoadProfile(c.Profile)
	if err != nil {
		return err
	}
	made, err := netProvision(ctx, st, kp, c.Cards, rand.Reader)
	if err != nil {
		return err
	}
	fleet, err := netLoad(ctx, st, kp, prof)
	if err != nil {
		return err
	}
	var issuers []image.IssuerKey
	for _, f := range c.Issuer {
		k, err := netIssuer(f)
		if err != nil {
			return err
		}
		issuers = append(issuers, k)
	}
	var pool *netKeyPool
	if c.KeyPool > 0 {
		fmt.Fprintf(env.Stderr, "net: the cards share %d RSA key pairs (--key-pool): payments cannot tell them apart by key\n", c.KeyPool)
		pool = &netKeyPool{n: c.KeyPool}
		if _, err := pool.forCard("")("", 2048); err != nil { // the size images name, made before the first card waits
			return err
		}
	}
	fleet.Toolkit(issuers, pool)
	smsc, err := network.Listen(network.Config{Addr: c.Listen, Accounts: map[string]string{c.SystemID: pw},
		Routes: map[string]string{c.Short: c.SystemID}, QueueSize: c.Queue, DeliverWindow: c.DeliverWindow, Faults: network.Faults{Loss: c.Loss, ThrottleRate: c.Throttle},
		Logger: slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	defer smsc.Close()
	fleet.Attach(smsc)
	info := map[string]any{"smsc": smsc.Addr().String(), "system_id": c.SystemID, "short_code": c.Short, "cards": len(fleet.Handsets), "generated": made}
	b, _ := json.Marshal(info)
	fmt.Fprintf(env.Stdout, "%s\n", b)
	<-ctx.Done()
	s := smsc.Stats()
	fmt.Fprintf(env.Stderr, "net: %d submit_sm, %d delivered, %d lost, %d MO\n", s.Submits, s.Delivered, s.Lost, s.MO)
	return nil
}

// netProfileName marks the cards `stkforge net` generated in the store.
const netProfileName = "stkforge-net"

// netICCID is the n-th generated ICCID: 19 digits and the Luhn digit.
func netICCID(n int) keys.ICCID {
	s := fmt.Sprintf("8988211%012d", n)
	return keys.ICCID(s + string(keys.LuhnDigit(s)))
}

// netMSISDN is the n-th generated MSISDN (international, without "+").
func netMSISDN(n int) string { return fmt.Sprintf("4917%09d", n) }

// netTARs are the TARs of fixtures/cards/default.json with their minimum security levels.
var netTARs = []keys.TARPolicy{
	{TAR: [3]byte{0xB0, 0x00, 0x00}, MSL: 0x16, Tenant: "op"},
	{TAR: [3]byte{0xB0, 0x00, 0x10}, MSL: 0x16, Tenant: "op"},
	{TAR: [3]byte{0xB0, 0x01, 0x20}, MSL: 0x16, Tenant: "op"},
}

// netProvision generates the cards 1..n that the store does not hold yet, with fresh keysets
// (KVN 1: AES-128 CBC and CMAC, coding 12; KVN 2: triple DES two keys, coding 25) sealed by kp.
func netProvision(ctx context.Context, st keys.Store, kp keys.KeyProvider, n int, rnd io.Reader) (int, error) {
	if err := st.PutTenant(ctx, keys.Tenant{ID: "op", Kind: keys.TenantOperator, Name: "Operator"}); err != nil {
		return 0, err
	}
	var batch []keys.Card
	made := 0
	rec := func(k int) keys.AuditRecord {
		return keys.AuditRecord{Time: time.Now().UTC(), Actor: "net", Action: keys.AuditImport, Subject: "stkforge net", Detail: fmt.Sprintf(`{"cards":%d}`, k)}
	}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		defer func() { batch = batch[:0] }()
		err := st.InsertCards(ctx, batch, rec(len(batch)))
		if !errors.Is(err, keys.ErrExists) {
			if err == nil {
				made += len(batch)
			}
			return err
		}
		// some exist already (an earlier run): insert the others one by one
		for _, c := range batch {
			if _, err := st.Card(ctx, c.ICCID); err == nil {
				continue
			}
			if err := st.InsertCards(ctx, []keys.Card{c}, rec(1)); err != nil {
				return err
			}
			made++
		}
		return nil
	}
	for i := 1; i <= n; i++ {
		id := netICCID(i)
		c := keys.Card{ICCID: id, IMSI: fmt.Sprintf("00101%010d", i), MSISDN: netMSISDN(i), Profile: netProfileName, Tenant: "op",
			Lifecycle: keys.LifecycleActive, TARs: netTARs, Created: time.Now().UTC()}
		for _, ks := range []struct {
			kvn    uint8
			coding byte
		}{{1, 0x12}, {2, 0x25}} {
			k := keys.Keyset{KVN: ks.kvn, Tenant: "op"}
			for _, x := range []struct {
				name string
				dst  *keys.Key
			}{{"kic", &k.KIc}, {"kid", &k.KID}, {"kik", &k.KIK}} {
				clearKey := make([]byte, 16)
				if _, err := io.ReadFull(rnd, clearKey); err != nil {
					return made, err
				}
				sealed, err := kp.Seal(clearKey, keys.SecretRef{ICCID: id, KVN: ks.kvn, Name: x.name}.AAD())
				clear(clearKey)
				if err != nil {
					return made, err
				}
				*x.dst = keys.Key{Coding: ks.kvn<<4 | ks.coding&0x0F, Sealed: sealed}
			}
			c.Keysets = append(c.Keysets, k)
		}
		batch = append(batch, c)
		if len(batch) == 500 {
			if err := flush(); err != nil {
				return made, err
			}
		}
	}
	return made, flush()
}

// netFleet is the simulated subscribers: one minimal handset and card per MSISDN.
type netFleet struct {
	Handsets map[string]*netHandset
	ICCIDs   []string
}

// Toolkit gives every card the toolkit runtime (sim/toolkit), trusting issuers for script
// images, so an image pushed by OTA is committed and activated (docs/image-format.md).
// With a pool, the cards take the key pairs images name from it.
func (f *netFleet) Toolkit(issuers []image.IssuerKey, pool *netKeyPool) {
	for m, h := range f.Handsets {
		cfg := toolkit.Config{Issuers: issuers, Rand: toolkit.SeededRand("net " + m)}
		if pool != nil {
			cfg.KeyPair = pool.forCard(m)
		}
		toolkit.Attach(h.Card, cfg)
	}
}

// netKeyPool holds n RSA key pairs per size, generated (crypto/rand) when first asked for and
// handed to cards by their MSISDN, so a card always gets the same pair.
type netKeyPool struct {
	n    int
	mu   sync.Mutex
	keys map[int][]*rsa.PrivateKey
}

func (p *netKeyPool) forCard(msisdn string) func(name string, bits int) (*rsa.PrivateKey, error) {
	h := fnv.New32a()
	h.Write([]byte(msisdn))
	i := int(h.Sum32() % uint32(p.n))
	return func(_ string, bits int) (*rsa.PrivateKey, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.keys == nil {
			p.keys = map[int][]*rsa.PrivateKey{}
		}
		for len(p.keys[bits]) < p.n {
			k, err := rsa.GenerateKey(rand.Reader, bits)
			if err != nil {
				return nil, err
			}
			p.keys[bits] = append(p.keys[bits], k)
		}
		return p.keys[bits][i], nil
	}
}

// netIssuer reads an issuer key from a PEM file: PUBLIC KEY (PKIX), RSA PUBLIC KEY, or a private
// key (PKCS #1 or #8) of which only the public part is kept.
func netIssuer(path string) (image.IssuerKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return image.IssuerKey{}, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return image.IssuerKey{}, fmt.Errorf("issuer %s: no PEM block", path)
	}
	var pub any
	switch blk.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(blk.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		var k *rsa.PrivateKey
		if k, err = x509.ParsePKCS1PrivateKey(blk.Bytes); err == nil {
			pub = &k.PublicKey
		}
	case "PRIVATE KEY":
		var k any
		if k, err = x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
			if rk, ok := k.(*rsa.PrivateKey); ok {
				pub = &rk.PublicKey
			}
		}
	default:
		return image.IssuerKey{}, fmt.Errorf("issuer %s: PEM type %q", path, blk.Type)
	}
	rk, ok := pub.(*rsa.PublicKey)
	if err != nil || !ok {
		return image.IssuerKey{}, fmt.Errorf("issuer %s: not an RSA key (%v)", path, err)
	}
	return image.IssuerKey{ID: filepath.Base(path), Key: rk}, nil
}

// Attach registers every handset at the SMSC.
func (f *netFleet) Attach(s *network.SMSC) {
	for m, h := range f.Handsets {
		h.smsc = s
		s.Register(m, h)
	}
}

// netLoad builds a simulated card for each card of the store that `net` generated: the profile
// with the card's ICCID and its keysets opened, counters as the store last reserved them.
func netLoad(ctx context.Context, st keys.Store, kp keys.KeyProvider, prof *card.Profile) (*netFleet, error) {
	base, err := prof.Marshal()
	if err != nil {
		return nil, err
	}
	f := &netFleet{Handsets: map[string]*netHandset{}}
	var after keys.ICCID
	for {
		cards, err := st.Cards(ctx, keys.CardFilter{After: after, Limit: 500})
		if err != nil {
			return nil, err
		}
		if len(cards) == 0 {
			return f, nil
		}
		after = cards[len(cards)-1].ICCID
		for _, kc := range cards {
			if kc.Profile != netProfileName {
				continue
			}
			p, err := card.ParseProfile(base)
			if err != nil {
				return nil, err
			}
			if err := netPersonalise(p, kc, kp); err != nil {
				return nil, err
			}
			sc, err := card.New(p)
			if err != nil {
				return nil, fmt.Errorf("card %s: %w", kc.ICCID, err)
			}
			f.Handsets[kc.MSISDN] = &netHandset{Card: sc, MSISDN: kc.MSISDN}
			f.ICCIDs = append(f.ICCIDs, string(kc.ICCID))
		}
	}
}

// netPersonalise writes the card's ICCID into EF ICCID (TS 102 221 13.2, swapped nibbles) and
// its opened keysets into the profile.
func netPersonalise(p *card.Profile, kc keys.Card, kp keys.KeyProvider) error {
	p.Name = "stkforge net " + string(kc.ICCID)
	for i := range p.Files {
		if p.Files[i].Path == "3F00/2FE2" {
			p.Files[i].Data = swappedBCD(string(kc.ICCID))
		}
	}
	for i := range p.Keysets {
		ks, ok := kc.Keyset(uint8(p.Keysets[i].KVN))
		if !ok {
			continue
		}
		for _, x := range []struct {
			k    keys.Key
			name string
			dst  *card.Hex
		}{{ks.KIc, "kic", &p.Keysets[i].KIc}, {ks.KID, "kid", &p.Keysets[i].KID}, {ks.KIK, "kik", &p.Keysets[i].KIK}} {
			if !x.k.Present() {
				continue
			}
			v, err := kp.Open(x.k.Sealed, keys.SecretRef{ICCID: kc.ICCID, KVN: ks.KVN, Name: x.name}.AAD())
			if err != nil {
				return fmt.Errorf("card %s keyset %d %s: %w", kc.ICCID, ks.KVN, x.name, err)
			}
			*x.dst = v
		}
		p.Keysets[i].Counter = card.Hex{byte(ks.Counter >> 32), byte(ks.Counter >> 24), byte(ks.Counter >> 16), byte(ks.Counter >> 8), byte(ks.Counter)}
	}
	return nil
}

func swappedBCD(s string) []byte {
	out := make([]byte, 0, (len(s)+1)/2)
	for i := 0; i < len(s); i += 2 {
		lo := s[i] - '0'
		hi := byte(0xF)
		if i+1 < len(s) {
			hi = s[i+1] - '0'
		}
		out = append(out, hi<<4|lo)
	}
	return out
}

// netHandset is a minimal handset: it hands an SMS-PP data download (TP-PID 7F) to its card in
// an ENVELOPE (TS 31.111 7.1.1), returns a PoR the card gives in the envelope response in the
// SMS-DELIVER-REPORT (TS 31.115 5.1), and runs the proactive SEND SHORT MESSAGE commands the card
// then asks for (a PoR by SMS-SUBMIT, TS 102 223 6.4.10) through the SMSC. Until sim/handset
// lands it knows no other proactive command: it answers them "command beyond terminal's
// capabilities" (TS 102 223 8.12, result 30).
type netHandset struct {
	mu     sync.Mutex
	Card   *card.Card
	MSISDN string
	smsc   *network.SMSC
	// Seen, when set, is called with each command packet before the card gets it (tests).
	Seen func(ud []byte)
}

var netSC = smspp.Number("+491720000000")

// DeliverSMS implements network.Handset.
func (h *netHandset) DeliverSMS(ctx context.Context, tpdu []byte) ([]byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	d, err := smspp.ParseDeliver(tpdu)
	if err != nil {
		return nil, err
	}
	if d.PID != smspp.PIDSIMDataDownload {
		return nil, nil // an ordinary short message: stored by the handset, nothing for the card
	}
	if h.Seen != nil {
		h.Seen(d.UD)
	}
	env, err := smspp.NewSMSPPDownload(&netSC, tpdu).MarshalBinary()
	if err != nil {
		return nil, err
	}
	resp := h.Card.Transmit(append([]byte{0x80, 0xC2, 0x00, 0x00, byte(len(env))}, env...))
	var report []byte
	if sw := resp[len(resp)-2:]; sw[0] == 0x61 {
		r := h.Card.Transmit([]byte{0x00, 0xC0, 0x00, 0x00, sw[1]})
		ud := r[:len(r)-2]
		if bytes.HasPrefix(ud, []byte{0x02, 0x71, 0x00}) {
			if rep, err := smspp.NewPoRDeliverReport(ud[3:]); err == nil {
				report, _ = rep.MarshalBinary()
			}
		}
		resp = r
	}
	for n := 0; n < 64; n++ {
		sw := resp[len(resp)-2:]
		if sw[0] != 0x91 {
			break
		}
		cmd := h.Card.Transmit([]byte{0x80, 0x12, 0x00, 0x00, sw[1]})
		if len(cmd) < 2 || !bytes.HasSuffix(cmd, []byte{0x90, 0x00}) {
			break
		}
		resp = h.proactive(cmd[:len(cmd)-2])
	}
	return report, nil
}

// proactive runs one fetched proactive command and returns the card's answer to the TERMINAL
// RESPONSE.
func (h *netHandset) proactive(cmd []byte) []byte {
	r := tlv.NewReader(cmd)
	tag, v, _, err := r.ReadBER("proactive")
	if err != nil || tag != 0xD0 {
		return []byte{0x6F, 0x00}
	}
	in := tlv.NewReader(v)
	var details []byte
	var tpdu []byte
	for !in.Empty() {
		var o tlv.CTLV
		if err := in.ReadCTLV("obj", &o); err != nil {
			break
		}
		switch o.Tag & 0x7F {
		case 0x01:
			details = o.Value
		case 0x0B:
			tpdu = o.Value
		}
	}
	if len(details) != 3 {
		return []byte{0x6F, 0x00}
	}
	result := byte(0x30) // command beyond terminal's capabilities
	if details[1] == 0x13 && tpdu != nil && h.smsc != nil {
		result = 0x00
		if err := h.smsc.SubmitMO(h.MSISDN, tpdu); err != nil {
			result = 0x21 // network currently unable to process command
		}
	}
	tr := []byte{0x81, 0x03, details[0], details[1], details[2], 0x82, 0x02, 0x82, 0x81, 0x83, 0x01, result}
	return h.Card.Transmit(append([]byte{0x80, 0x14, 0x00, 0x00, byte(len(tr))}, tr...))
}

// netFleetFromEnv is used by tests and `push --net`: a store path's fleet, provisioned and loaded.
func netFleetFor(ctx context.Context, st keys.Store, kp keys.KeyProvider, n int, profilePath string) (*netFleet, error) {
	if _, err := netProvision(ctx, st, kp, n, rand.Reader); err != nil {
		return nil, err
	}
	prof, err := card.LoadProfile(profilePath)
	if err != nil {
		return nil, err
	}
	return netLoad(ctx, st, kp, prof)
}
