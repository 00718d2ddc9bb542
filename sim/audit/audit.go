package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/remote"
	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/sim/card"
)

// Card is the card under audit: a command TPDU in, the response with SW1 SW2 last out
// (*card.Card does this).
type Card interface {
	Transmit(capdu []byte) []byte
}

// Keyset is what the auditor knows of one OTA keyset of the card (TS 102 225 5.1.2, 5.1.3):
// its key version, the algorithms it holds its keys for, the keys and the last counter the
// card accepted with it.
type Keyset struct {
	KVN     int
	KIcAlg  packet.Algorithm
	KIDAlg  packet.Algorithm
	Keys    packet.Keyset
	Counter packet.Counter
}

// Target is one TAR to probe (TS 101 220 annex D) and what the auditor knows of it.
type Target struct {
	TAR packet.TAR
	// Kind is rfm_uicc, rfm_sim, rfm_adf or ram, as card profiles name targets.
	Kind string
	// Expanded: the TAR takes the expanded remote command format (TS 102 226 5.2).
	Expanded bool
	// MSL is the minimum security level the profile declares, nil when unknown.
	MSL *byte
	// Source says where the TAR came from: "profile" or "TS 101 220 annex D".
	Source string
}

// Options are the audit's inputs besides the card.
type Options struct {
	Targets []Target
	Keysets []Keyset
	// Originator is the OA of the SMS-DELIVERs (the OTA server's address); the zero value
	// means +491720000001.
	Originator smspp.Address
	// Now stamps the SMS-DELIVERs (TP-SCTS); default time.Now.
	Now func() time.Time
}

// Policy is the production minimum security level the audit holds the card to (DESIGN
// "Security defaults"): SPI1 16, a CC, ciphering and a counter that must be higher.
const Policy byte = 0x16

// wellKnown are the TARs of TS 101 220 annex D a card commonly exposes: the ISD (RAM), the
// first RFM TARs of the UICC, ADF and SIM ranges in the compact and expanded formats, the USAT
// interpreter, the ISD by its B2 TAR and the S@T browser and its push (the Simjacker target).
var wellKnown = []Target{
	{TAR: packet.TAR{0x00, 0x00, 0x00}, Kind: "ram"},
	{TAR: packet.TAR{0xB0, 0x00, 0x00}, Kind: "rfm_uicc"},
	{TAR: packet.TAR{0xB0, 0x00, 0x01}, Kind: "rfm_adf"},
	{TAR: packet.TAR{0xB0, 0x00, 0x10}, Kind: "rfm_sim"},
	{TAR: packet.TAR{0xB0, 0x01, 0x20}, Kind: "rfm_uicc", Expanded: true},
	{TAR: packet.TAR{0xB0, 0x01, 0x30}, Kind: "rfm_sim", Expanded: true},
	{TAR: packet.TAR{0xB0, 0x01, 0x40}, Kind: "rfm_adf", Expanded: true},
	{TAR: packet.TAR{0xB2, 0x00, 0x00}, Kind: "rfm_uicc"},
	{TAR: packet.TAR{0xB2, 0x01, 0x00}, Kind: "ram"},
	{TAR: packet.TAR{0x53, 0x40, 0x54}, Kind: "rfm_uicc"},
	{TAR: packet.TAR{0x50, 0x53, 0x48}, Kind: "rfm_uicc"},
}

// WellKnownTargets returns the TARs of TS 101 220 annex D the audit probes on every card.
func WellKnownTargets() []Target {
	out := slices.Clone(wellKnown)
	for i := range out {
		out[i].Source = "TS 101 220 annex D"
	}
	return out
}

// FromProfile returns the targets and keysets a card profile (or state file) declares, the
// well-known TARs it does not name appended after its own.
func FromProfile(p *card.Profile) ([]Target, []Keyset, error) {
	var ts []Target
	seen := map[packet.TAR]bool{}
	for i, s := range p.TARs {
		if len(s.TAR) != 3 {
			return nil, nil, fmt.Errorf("audit: profile tars[%d].tar: %d bytes, a TAR is 3", i, len(s.TAR))
		}
		t := Target{Kind: s.Target, Expanded: s.Format == "expanded", Source: "profile"}
		copy(t.TAR[:], s.TAR)
		msl := byte(0)
		if len(s.MSL) == 1 {
			msl = s.MSL[0]
		}
		t.MSL = &msl
		seen[t.TAR] = true
		ts = append(ts, t)
	}
	for _, t := range WellKnownTargets() {
		if !seen[t.TAR] {
			ts = append(ts, t)
		}
	}
	var ks []Keyset
	for i, s := range p.Keysets {
		k := Keyset{KVN: s.KVN, Keys: packet.Keyset{KIc: bytes.Clone(s.KIc), KID: bytes.Clone(s.KID), KIK: bytes.Clone(s.KIK)}}
		var ok bool
		if k.KIcAlg, ok = algByName(s.KIcAlgorithm); !ok {
			return nil, nil, fmt.Errorf("audit: profile keysets[%d].kic_algorithm: %q unknown", i, s.KIcAlgorithm)
		}
		if k.KIDAlg, ok = algByName(s.KIDAlgorithm); !ok {
			return nil, nil, fmt.Errorf("audit: profile keysets[%d].kid_algorithm: %q unknown", i, s.KIDAlgorithm)
		}
		for _, b := range s.Counter {
			k.Counter = k.Counter<<8 | packet.Counter(b)
		}
		ks = append(ks, k)
	}
	return ts, ks, nil
}

func algByName(s string) (packet.Algorithm, bool) {
	for a := packet.AlgDESCBC; a <= packet.AlgCRC32; a++ {
		if a.String() == s {
			return a, true
		}
	}
	return 0, false
}

// kicCoding and kidCoding are the b4-b1 of KIc and of KID with a CC (TS 102 225 5.1.2,
// 5.1.3.1) for an algorithm.
var (
	kicCoding = map[packet.Algorithm]byte{packet.AlgDESCBC: 0x01, packet.AlgTripleDES2Key: 0x05,
		packet.AlgTripleDES3Key: 0x09, packet.AlgDESECB: 0x0D, packet.AlgAESCBC: 0x02}
	kidCoding = map[packet.Algorithm]byte{packet.AlgDESCBC: 0x01, packet.AlgTripleDES2Key: 0x05,
		packet.AlgTripleDES3Key: 0x09, packet.AlgAESCMAC: 0x02}
)

// kidCRC32 is KID b4-b1 0101 read with an RC: CRC32 (TS 102 225 5.1.3.2).
const kidCRC32 = 0x05

// spi2Signed asks for a PoR always, with a CC and ciphered, in the SMS-DELIVER-REPORT
// (TS 102 225 5.1.1, TS 31.115 4.2); spi2Plain asks for a PoR always, neither.
const (
	spi2Signed byte = 0x19
	spi2Plain  byte = 0x01
)

// Probe names, in the order they run on a TAR.
const (
	ProbeNoSecurity      = "no_security"
	ProbeRCOnly          = "rc_only"
	ProbeCCNoCiphering   = "cc_no_ciphering"
	ProbeNoCounter       = "no_counter"
	ProbeBaseline        = "baseline"
	ProbeReplay          = "replay"
	ProbeReplayUnchecked = "replay_unchecked"
	ProbeSingleDES       = "single_des"
	ProbeWrongCC         = "wrong_cc"
)

// Run probes every target of o on c and returns the report. It fails only when a probe cannot
// be built (a keyset whose keys do not fit its algorithms); whatever the card answers goes
// into the report.
func Run(c Card, o Options) (*Report, error) {
	a := &auditor{card: c, o: o, now: o.Now, origin: o.Originator}
	if a.now == nil {
		a.now = time.Now
	}
	if a.origin.Digits == "" {
		a.origin = smspp.Number("+491720000001")
	}
	a.next = map[int]packet.Counter{}
	for _, k := range o.Keysets {
		a.next[k.KVN] = k.Counter + 1
	}
	r := &Report{Policy: fmt.Sprintf("%02X", Policy)}
	for _, t := range o.Targets {
		tr, err := a.target(t)
		if err != nil {
			return nil, err
		}
		r.Targets = append(r.Targets, tr)
	}
	r.judge()
	return r, nil
}

type auditor struct {
	card   Card
	o      Options
	now    func() time.Time
	origin smspp.Address
	next   map[int]packet.Counter // next counter to send, per keyset
}

// script is the harmless remote command script for a target: read EF ICCID, or list the ISD.
func script(t Target) ([]byte, error) {
	var cmds []remote.CommandAPDU
	switch t.Kind {
	case "ram":
		gs, err := remote.GetStatus(remote.StatusISD, nil)
		if err != nil {
			return nil, err
		}
		cmds = []remote.CommandAPDU{gs}
	default:
		d := remote.UICC
		if t.Kind == "rfm_sim" {
			d = remote.SIM
		}
		sel, err := remote.SelectPath(d, 0x3F00, 0x2FE2)
		if err != nil {
			return nil, err
		}
		rb, err := remote.ReadBinary(d, 0, 10)
		if err != nil {
			return nil, err
		}
		cmds = append(sel, rb)
	}
	if t.Expanded {
		s := &remote.ExpandedScript{}
		for _, c := range cmds {
			s.Items = append(s.Items, remote.CAPDU(c))
		}
		return s.MarshalBinary()
	}
	return remote.CompactScript(cmds...)
}

func (a *auditor) target(t Target) (TargetReport, error) {
	tr := TargetReport{TAR: t.TAR.String(), Kind: t.Kind, Source: t.Source, Expanded: t.Expanded}
	if t.MSL != nil {
		tr.MSL = fmt.Sprintf("%02X", *t.MSL)
	}
	data, err := script(t)
	if err != nil {
		return tr, fmt.Errorf("audit: TAR %v: script: %w", t.TAR, err)
	}
	// unkeyed probes first: a TAR the card does not know stops here
	first := a.probe(ProbeNoSecurity, 0, t.TAR, spi(0x00, spi2Plain), 0, 0, 0, data, &packet.Keyset{}, nil)
	tr.Probes = append(tr.Probes, first)
	if first.Status == statusName(packet.StatusTARUnknown) {
		tr.Exposed = false
		return tr, nil
	}
	tr.Exposed = true
	tr.Probes = append(tr.Probes, a.probe(ProbeRCOnly, 0, t.TAR, spi(0x01, spi2Plain), 0, kidCRC32, 0, data, &packet.Keyset{}, nil))
	for _, k := range a.o.Keysets {
		ps, err := a.keyed(t, k, data)
		if err != nil {
			return tr, err
		}
		tr.Probes = append(tr.Probes, ps...)
	}
	return tr, nil
}

func spi(b1, b2 byte) packet.SPI {
	s, _ := packet.DecodeSPI([2]byte{b1, b2}, 0)
	return s
}

// keyed runs the probes that need a keyset's keys.
func (a *auditor) keyed(t Target, k Keyset, data []byte) ([]ProbeResult, error) {
	kic, ok1 := kicCoding[k.KIcAlg]
	kid, ok2 := kidCoding[k.KIDAlg]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("audit: keyset %d: %v/%v is not a KIc/KID pair of TS 102 225 5.1.2/5.1.3.1", k.KVN, k.KIcAlg, k.KIDAlg)
	}
	v := byte(k.KVN&0x0F) << 4
	kic, kid = v|kic, v|kid
	keys := k.Keys
	var out []ProbeResult
	fresh := func() packet.Counter {
		c := a.next[k.KVN]
		a.next[k.KVN] = c + 1
		return c
	}
	run := func(name string, s packet.SPI, kic, kid byte, ctr packet.Counter, keys *packet.Keyset, tamper func([]byte) []byte) []byte {
		pr := a.probe(name, k.KVN, t.TAR, s, kic, kid, ctr, data, keys, tamper)
		out = append(out, pr)
		return pr.packet
	}
	run(ProbeCCNoCiphering, spi(0x12, spi2Signed), kic, kid, fresh(), &keys, nil)
	run(ProbeNoCounter, spi(0x06, spi2Signed), kic, kid, 0, &keys, nil)
	base := fresh()
	pk := run(ProbeBaseline, spi(Policy, spi2Signed), kic, kid, base, &keys, nil)
	if pk != nil {
		run(ProbeReplay, spi(Policy, spi2Signed), kic, kid, base, &keys, func([]byte) []byte { return bytes.Clone(pk) })
	}
	run(ProbeReplayUnchecked, spi(0x0E, spi2Signed), kic, kid, base, &keys, nil)
	des := packet.Keyset{KIc: firstDES(keys.KIc), KID: firstDES(keys.KID)}
	run(ProbeSingleDES, spi(Policy, spi2Signed), v|kicCoding[packet.AlgDESCBC], v|kidCoding[packet.AlgDESCBC], fresh(), &des, nil)
	run(ProbeWrongCC, spi(Policy, spi2Signed), kic, kid, fresh(), &keys, func(p []byte) []byte {
		p[len(p)-1] ^= 0x01
		return p
	})
	return out, nil
}

// firstDES is the single DES key the single_des probe uses: the first 8 bytes of the key.
func firstDES(k []byte) []byte {
	if len(k) < 8 {
		return make([]byte, 8)
	}
	return bytes.Clone(k[:8])
}

// probe seals one command packet, sends it and reads the answer. The result's packet field
// keeps the command packet for the replay probe.
func (a *auditor) probe(name string, kvn int, tar packet.TAR, s packet.SPI, kic, kid byte, ctr packet.Counter,
	data []byte, keys *packet.Keyset, tamper func([]byte) []byte) ProbeResult {
	h := packet.Header{Security: packet.Security{SPI: s, KIc: packet.KIc(kic), KID: packet.KID(kid)}, TAR: tar, CNTR: ctr}
	pr := ProbeResult{Probe: name, KVN: kvn, SPI: s.String(), KIc: fmt.Sprintf("%02X", kic), KID: fmt.Sprintf("%02X", kid),
		Counter: ctr.String(), sec: h.Security, keys: keys}
	pk, err := packet.Seal(nil, &h, data, keys)
	if err != nil {
		pr.Status, pr.Error = "not_sent", err.Error()
		return pr
	}
	if tamper != nil {
		pk = tamper(pk)
	}
	pr.packet = pk
	ud, err := smspp.UserData(smspp.CommandPacket, pk)
	if err != nil {
		pr.Status, pr.Error = "not_sent", err.Error()
		return pr
	}
	tpdu, err := smspp.NewOTADeliver(a.origin, ud, a.now).MarshalBinary()
	if err != nil {
		pr.Status, pr.Error = "not_sent", err.Error()
		return pr
	}
	env, err := smspp.NewSMSPPDownload(nil, tpdu).MarshalBinary()
	if err != nil || len(env) > 255 {
		pr.Status, pr.Error = "not_sent", fmt.Sprintf("envelope of %d bytes", len(env))
		return pr
	}
	resp := a.card.Transmit(append([]byte{0x80, 0xC2, 0x00, 0x00, byte(len(env))}, env...))
	pr.SW = swHex(resp)
	porUD, err := a.responseData(resp)
	if err != nil {
		pr.Status, pr.Error = "no_por", err.Error()
		return pr
	}
	if porUD == nil {
		pr.Status = "no_por"
		return pr
	}
	pr.readPoR(porUD)
	return pr
}

func swHex(r []byte) string {
	if len(r) < 2 {
		return fmt.Sprintf("%X", r)
	}
	return fmt.Sprintf("%X", r[len(r)-2:])
}

// responseData fetches the envelope's response data: 61xx (UICC) or 9Fxx (SIM) then GET
// RESPONSE (TS 102 221 7.3.1.1.4, TS 51.011 9.4.1); 90 00 means no PoR.
func (a *auditor) responseData(resp []byte) ([]byte, error) {
	if len(resp) < 2 {
		return nil, fmt.Errorf("envelope: response of %d bytes", len(resp))
	}
	sw1, sw2 := resp[len(resp)-2], resp[len(resp)-1]
	if len(resp) > 2 && sw1 == 0x90 && sw2 == 0 {
		return resp[:len(resp)-2], nil
	}
	var gr []byte
	switch {
	case sw1 == 0x90 && sw2 == 0, sw1 == 0x91:
		return nil, nil
	case sw1 == 0x61:
		gr = []byte{0x00, 0xC0, 0x00, 0x00, sw2}
	case sw1 == 0x9F:
		gr = []byte{0xA0, 0xC0, 0x00, 0x00, sw2}
	default:
		return nil, fmt.Errorf("envelope: SW %02X%02X", sw1, sw2)
	}
	r := a.card.Transmit(gr)
	if len(r) < 2 {
		return nil, fmt.Errorf("GET RESPONSE: response of %d bytes", len(r))
	}
	if s1, s2 := r[len(r)-2], r[len(r)-1]; !(s1 == 0x90 && s2 == 0) && s1 != 0x91 {
		return nil, fmt.Errorf("GET RESPONSE: SW %02X%02X", s1, s2)
	}
	return r[:len(r)-2], nil
}

// porUDH is the UDH of a response packet in SMS user data (TS 31.115 4.2).
var porUDH = []byte{0x02, 0x71, 0x00}

// readPoR opens the PoR user data: first as the SPI asked (checksummed and ciphered for the
// keyed probes), then as a refused packet's PoR must be, neither (TS 102 225 5.2.2).
func (pr *ProbeResult) readPoR(ud []byte) {
	pr.PoR = fmt.Sprintf("%X", ud)
	if !bytes.HasPrefix(ud, porUDH) {
		pr.Status, pr.PoRForm = "no_por", "undecodable"
		pr.Error = "response data does not start with 02 71 00"
		return
	}
	body := ud[len(porUDH):]
	secured := pr.sec.SPI.PoRChecksum != packet.ChecksumNone || pr.sec.SPI.PoRCiphering
	if secured {
		if r, err := packet.OpenPoR(nil, porUDH, body, pr.sec, pr.keys); err == nil {
			pr.set(r)
			pr.PoRForm = "secured"
			return
		}
	}
	plain := pr.sec
	plain.SPI.PoRChecksum, plain.SPI.PoRCiphering = packet.ChecksumNone, false
	r, err := packet.OpenPoR(nil, porUDH, body, plain, &packet.Keyset{})
	if err != nil {
		pr.Status, pr.PoRForm = "no_por", "undecodable"
		var pe *packet.Error
		if errors.As(err, &pe) {
			pr.Error = pe.Error()
		} else {
			pr.Error = err.Error()
		}
		return
	}
	pr.set(r)
	pr.PoRForm = "unsecured"
}

func (pr *ProbeResult) set(r packet.Response) {
	pr.Status = statusName(r.Status)
	pr.StatusCode = fmt.Sprintf("%02X", byte(r.Status))
	pr.Executed = r.Status == packet.StatusPoROK
	pr.Data = fmt.Sprintf("%X", r.Data)
	pr.status = r.Status
	pr.hasPoR = true
}

func statusName(s packet.Status) string { return s.String() }

// StoreKeysets opens, from the key store, every OTA keyset of the card iccid, for an audit
// that takes its keys where the OTA server does. The algorithms come from the stored KIc/KID
// codings (TS 102 225 5.1.2, 5.1.3.1); the counter is the last value the store handed out,
// which the card's own can only trail.
func StoreKeysets(ctx context.Context, kr *keys.Keyring, iccid keys.ICCID) ([]Keyset, error) {
	c, err := kr.Store.Card(ctx, iccid)
	if err != nil {
		return nil, err
	}
	var out []Keyset
	for _, s := range c.Keysets {
		ck, err := kr.OpenKeyset(ctx, iccid, s.KVN)
		if err != nil {
			return nil, err
		}
		out = append(out, Keyset{KVN: int(s.KVN), KIcAlg: packet.KIc(ck.KIcCoding).Algorithm(),
			KIDAlg:  packet.KID(ck.KIDCoding).Algorithm(packet.ChecksumCC),
			Keys:    packet.Keyset{KIc: ck.KIc, KID: ck.KID, KIK: ck.KIK},
			Counter: packet.Counter(s.Counter)})
	}
	return out, nil
}
