package audit

import (
	"fmt"
	"io"
	"strings"

	"github.com/stkforge/stkforge/ota/packet"
)

// Report is the outcome of an audit: every probe on every target, and the findings.
type Report struct {
	Card string `json:"card,omitempty"`
	// Policy is the minimum SPI1 the audit holds the card to.
	Policy   string         `json:"policy"`
	Targets  []TargetReport `json:"targets"`
	Findings []Finding      `json:"findings"`
	Probes   int            `json:"probes"`
	Pass     bool           `json:"pass"`
}

// TargetReport is one TAR: whether the card exposes it, and its probes.
type TargetReport struct {
	TAR      string        `json:"tar"`
	Kind     string        `json:"kind"`
	Source   string        `json:"source"`
	Expanded bool          `json:"expanded,omitempty"`
	MSL      string        `json:"msl,omitempty"` // as the profile declares it
	Exposed  bool          `json:"exposed"`
	Probes   []ProbeResult `json:"probes"`
}

// ProbeResult is one packet sent and what came back.
type ProbeResult struct {
	Probe   string `json:"probe"`
	KVN     int    `json:"kvn,omitempty"`
	SPI     string `json:"spi"`
	KIc     string `json:"kic"`
	KID     string `json:"kid"`
	Counter string `json:"counter"`
	// SW is the envelope's status word.
	SW string `json:"sw,omitempty"`
	// Status is the PoR status name (TS 102 225 5.2.2 table 5), or no_por / not_sent.
	Status     string `json:"status"`
	StatusCode string `json:"status_code,omitempty"`
	Executed   bool   `json:"executed"`
	// PoRForm is secured (checksummed or ciphered as SPI2 asked), unsecured, or undecodable.
	PoRForm string `json:"por_form,omitempty"`
	PoR     string `json:"por,omitempty"`  // the PoR's user data, hex
	Data    string `json:"data,omitempty"` // the PoR's additional data, hex
	Error   string `json:"error,omitempty"`
	// Verdict is pass or fail: whether this probe gave rise to a finding.
	Verdict string `json:"verdict"`

	sec    packet.Security
	keys   *packet.Keyset
	packet []byte
	status packet.Status
	hasPoR bool
}

// Finding is one weakness, with the probe that showed it.
type Finding struct {
	// ID is one of the Finding* names.
	ID      string `json:"id"`
	TAR     string `json:"tar"`
	KVN     int    `json:"kvn,omitempty"`
	Probe   string `json:"probe"`
	Message string `json:"message"`
}

// Finding IDs.
const (
	// FindingBelowLevel: a packet weaker than the production level (no security, RC only, CC
	// without ciphering) was executed.
	FindingBelowLevel = "below_required_level"
	// FindingNoCounter: a packet without counter was executed, so it can be replayed at will.
	FindingNoCounter = "no_counter_accepted"
	// FindingSingleDES: a packet secured with single DES was executed.
	FindingSingleDES = "single_des_accepted"
	// FindingReplay: a counter already used was accepted again.
	FindingReplay = "replay_accepted"
	// FindingWrongCC: a packet whose cryptographic checksum does not verify was executed.
	FindingWrongCC = "wrong_cc_accepted"
	// FindingSignedPoR: a refused packet was answered with a checksummed or ciphered PoR
	// (TS 102 225 5.2.2 wants neither: the card must not sign anything about a packet it could
	// not authenticate).
	FindingSignedPoR = "signed_por_for_refused_packet"
	// FindingPoRLeak: a refused packet's PoR carried response data.
	FindingPoRLeak = "por_leaks_data"
)

var probeFinding = map[string]struct{ id, msg string }{
	ProbeNoSecurity:      {FindingBelowLevel, "executed a packet with no security at all (SPI1 00, the Simjacker shape)"},
	ProbeRCOnly:          {FindingBelowLevel, "executed a packet protected by a CRC only (SPI1 01)"},
	ProbeCCNoCiphering:   {FindingBelowLevel, "executed a packet sent in clear (SPI1 12, no ciphering)"},
	ProbeNoCounter:       {FindingNoCounter, "executed a packet without counter (SPI1 06): it can be replayed"},
	ProbeReplay:          {FindingReplay, "executed the same packet twice (counter not higher than the stored one)"},
	ProbeReplayUnchecked: {FindingReplay, "executed a used counter again when the SPI asked for no check (SPI1 0E)"},
	ProbeWrongCC:         {FindingWrongCC, "executed a packet whose cryptographic checksum is wrong"},
}

// judge fills the verdicts, the findings and Pass.
func (r *Report) judge() {
	r.Findings = nil
	r.Probes = 0
	for ti := range r.Targets {
		t := &r.Targets[ti]
		for pi := range t.Probes {
			p := &t.Probes[pi]
			r.Probes++
			p.Verdict = "pass"
			add := func(id, msg string) {
				p.Verdict = "fail"
				r.Findings = append(r.Findings, Finding{ID: id, TAR: t.TAR, KVN: p.KVN, Probe: p.Probe, Message: msg})
			}
			if p.Executed {
				des := (p.sec.SPI.Ciphering || p.sec.SPI.PoRCiphering) && p.sec.KIc.Algorithm().SingleDES() ||
					p.sec.SPI.Checksum == packet.ChecksumCC && p.sec.KID.Algorithm(packet.ChecksumCC).SingleDES()
				if des {
					add(FindingSingleDES, fmt.Sprintf("executed a packet secured with single DES (KIc %s, KID %s)", p.KIc, p.KID))
				}
				if f, ok := probeFinding[p.Probe]; ok && !(des && f.id == FindingSingleDES) {
					add(f.id, f.msg)
				}
				continue
			}
			if !p.hasPoR {
				continue
			}
			if p.PoRForm == "secured" && (p.sec.SPI.PoRChecksum != packet.ChecksumNone || p.sec.SPI.PoRCiphering) {
				add(FindingSignedPoR, fmt.Sprintf("answered a refused packet (%s) with a checksummed or ciphered PoR; TS 102 225 5.2.2 wants neither", p.Status))
			}
			if p.Data != "" {
				add(FindingPoRLeak, fmt.Sprintf("the PoR of a refused packet (%s) carries data %s", p.Status, p.Data))
			}
		}
	}
	r.Pass = len(r.Findings) == 0
}

// WriteText writes the report for people: a line per probe under its TAR, then the findings
// and the verdict.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	if r.Card != "" {
		fmt.Fprintf(&b, "card: %s\n", r.Card)
	}
	fmt.Fprintf(&b, "policy: SPI1 %s or stronger (CC, ciphering, counter higher), no single DES; a refused packet gets an unsecured PoR without data (TS 102 225 5.2.2)\n", r.Policy)
	for _, t := range r.Targets {
		fmt.Fprintf(&b, "\nTAR %s %s (%s", t.TAR, t.Kind, t.Source)
		if t.MSL != "" {
			fmt.Fprintf(&b, ", MSL %s", t.MSL)
		}
		if t.Expanded {
			b.WriteString(", expanded")
		}
		b.WriteString(")")
		if !t.Exposed {
			p := t.Probes[0]
			fmt.Fprintf(&b, ": not exposed (%s %s)  %s\n", p.StatusCode, p.Status, p.Verdict)
			continue
		}
		b.WriteString("\n")
		fmt.Fprintf(&b, "  %-17s %-3s %-4s %-3s %-3s %-10s %-4s %-31s %-9s %-8s %s\n",
			"probe", "kvn", "spi", "kic", "kid", "cntr", "sw", "por status", "por form", "executed", "verdict")
		for _, p := range t.Probes {
			kvn := "-"
			if p.KVN != 0 {
				kvn = fmt.Sprint(p.KVN)
			}
			st := p.Status
			if p.StatusCode != "" {
				st = p.StatusCode + " " + st
			}
			form := p.PoRForm
			if form == "" {
				form = "-"
			}
			ex := "no"
			if p.Executed {
				ex = "yes"
			}
			fmt.Fprintf(&b, "  %-17s %-3s %-4s %-3s %-3s %-10s %-4s %-31s %-9s %-8s %s\n",
				p.Probe, kvn, p.SPI, p.KIc, p.KID, p.Counter, p.SW, st, form, ex, p.Verdict)
		}
	}
	b.WriteString("\n")
	if len(r.Findings) == 0 {
		b.WriteString("findings: none\n")
	} else {
		fmt.Fprintf(&b, "findings: %d\n", len(r.Findings))
		for _, f := range r.Findings {
			kvn := ""
			if f.KVN != 0 {
				kvn = fmt.Sprintf(" kvn %d", f.KVN)
			}
			fmt.Fprintf(&b, "  FAIL %-29s TAR %s%s %s: %s\n", f.ID, f.TAR, kvn, f.Probe, f.Message)
		}
	}
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "%s: %d probes, %d findings\n", verdict, r.Probes, len(r.Findings))
	_, err := io.WriteString(w, b.String())
	return err
}
