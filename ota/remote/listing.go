package remote

import (
	"fmt"
	"strings"
)

// Listing returns an annotated hexdump of an expanded command script for people: each object's
// tag and length, each C-APDU's header with the command's name, its data 16 octets a line, and
// for INSTALL [for install] the decoded install data.
func (s *ExpandedScript) Listing() (string, error) {
	raw, err := s.MarshalBinary()
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	if s.Indefinite {
		fmt.Fprintf(&sb, "AE 80                    Command Scripting template, indefinite length (TS 102 226 5.2.1)\n")
	} else {
		hdr := len(raw) - bodyLen(s)
		fmt.Fprintf(&sb, "%-24s Command Scripting template, %d octets (TS 102 226 5.2.1)\n", fmt.Sprintf("% X", raw[:hdr]), bodyLen(s))
	}
	for i, it := range s.Items {
		if it.Tag != TagCAPDU {
			name := map[byte]string{TagImmediateAction: "immediate action", TagErrorAction: "error action", TagScriptChaining: "script chaining"}[it.Tag]
			fmt.Fprintf(&sb, "  %-22s item %d: %s\n", fmt.Sprintf("%02X %02X % X", it.Tag, len(it.Value), it.Value), i, name)
			continue
		}
		a, _ := it.APDU.MarshalBinary()
		fmt.Fprintf(&sb, "  %-22s item %d: C-APDU, %d octets\n", fmt.Sprintf("%02X %s", TagCAPDU, berLen(len(a))), i, len(a))
		c := it.APDU
		h := fmt.Sprintf("%02X %02X %02X %02X", c.CLA, c.INS, c.P1, c.P2)
		if len(c.Data) > 0 {
			h += fmt.Sprintf(" %02X", len(c.Data))
		}
		fmt.Fprintf(&sb, "    %-20s %s (case %d)\n", h, c.Name(), c.Case())
		if c.INS == INSInstall && (c.P1 == InstallForInstall || c.P1 == InstallForInstallSelectable) {
			if in, err := ParseInstall(c.Data); err == nil {
				describeInstall(&sb, in)
			}
		}
		for j := 0; j < len(c.Data); j += 16 {
			fmt.Fprintf(&sb, "      %04X  % X\n", j, c.Data[j:min(j+16, len(c.Data))])
		}
		if c.HasLe {
			fmt.Fprintf(&sb, "    %-20s Le\n", fmt.Sprintf("%02X", c.Le))
		}
	}
	if s.Indefinite {
		fmt.Fprintf(&sb, "00 00                    end of contents\n")
	}
	return sb.String(), nil
}

func bodyLen(s *ExpandedScript) int {
	n := 0
	for _, it := range s.Items {
		v := it.Value
		if it.Tag == TagCAPDU {
			v, _ = it.APDU.MarshalBinary()
		}
		n += 1 + len(berLen(len(v)))/3 + 1 + len(v)
	}
	return n
}

// berLen prints a BER length as hex octets.
func berLen(n int) string {
	switch {
	case n < 0x80:
		return fmt.Sprintf("%02X", n)
	case n <= 0xFF:
		return fmt.Sprintf("81 %02X", n)
	}
	return fmt.Sprintf("82 %02X %02X", n>>8, n&0xFF)
}

func describeInstall(sb *strings.Builder, in *Install) {
	p := func(k, v string) { fmt.Fprintf(sb, "      %-32s %s\n", k, v) }
	p("load file AID", fmt.Sprintf("%X", in.LoadFileAID))
	p("module AID", fmt.Sprintf("%X", in.ModuleAID))
	p("application AID", fmt.Sprintf("%X", in.ApplicationAID))
	p("privileges", fmt.Sprintf("%X", in.Privileges))
	ip := in.Parameters
	p("C9 application specific", fmt.Sprintf("%X", ip.ApplicationSpecific))
	if ip.VolatileMemoryQuota != nil {
		p("EF/C7 volatile memory quota", fmt.Sprint(*ip.VolatileMemoryQuota))
	}
	if ip.NonVolatileMemoryQuota != nil {
		p("EF/C8 non-volatile memory quota", fmt.Sprint(*ip.NonVolatileMemoryQuota))
	}
	tk := func(prefix string, t *ToolkitParameters) {
		if t.AccessDomain != nil {
			p(prefix+" access domain", fmt.Sprintf("%X", t.AccessDomain))
		}
		p(prefix+" priority", fmt.Sprint(t.Priority))
		p(prefix+" max timers", fmt.Sprint(t.MaxTimers))
		p(prefix+" max menu text length", fmt.Sprint(t.MaxMenuTextLength))
		for _, m := range t.MenuEntries {
			p(prefix+" menu entry", fmt.Sprintf("position %d, id %d", m.Position, m.ID))
		}
		p(prefix+" max channels", fmt.Sprint(t.MaxChannels))
		p(prefix+" minimum security level", fmt.Sprintf("%X", t.MSL))
		for _, tar := range t.TARs {
			p(prefix+" TAR", fmt.Sprintf("%X", tar[:]))
		}
		if t.MaxServices != nil {
			p(prefix+" max services", fmt.Sprint(*t.MaxServices))
		}
	}
	if ip.SIMToolkit != nil {
		tk("EF/CA", ip.SIMToolkit)
	}
	if ip.UICCToolkit != nil {
		tk("EA/80", ip.UICCToolkit)
	}
	for _, a := range ip.UICCAccess {
		p("EA/81 file system access", fmt.Sprintf("AID %X, access domain %X, DAP %X", a.AID, a.AccessDomain, a.DAP))
	}
	for _, a := range ip.UICCAdminAccess {
		p("EA/82 admin access", fmt.Sprintf("AID %X, access domain %X, DAP %X", a.AID, a.AccessDomain, a.DAP))
	}
	p("token", fmt.Sprintf("%X", in.Token))
}
