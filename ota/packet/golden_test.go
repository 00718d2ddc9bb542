package packet

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/sebdah/goldie/v2"
)

// hexLines writes b as offset-prefixed lines of at most 8 bytes, the first one annotated.
func hexLines(w *strings.Builder, off int, b []byte, note string) {
	if len(b) == 0 {
		fmt.Fprintf(w, "%04X  %-24s %s\n", off, "(none)", note)
		return
	}
	for i := 0; i < len(b); i += 8 {
		j := min(i+8, len(b))
		n := ""
		if i == 0 {
			n = note
		}
		line := fmt.Sprintf("%04X  %-24s %s", off+i, fmt.Sprintf("% X", b[i:j]), n)
		w.WriteString(strings.TrimRight(line, " ") + "\n")
	}
}

// annotate writes a sealed command packet with each field named, then its secured part in clear.
func annotate(t *testing.T, w *strings.Builder, pkt []byte, keys *Keyset) {
	cmd, err := Open(nil, pkt, keys)
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSuite("command", cmd.SPI.Ciphering, cmd.SPI.Checksum, cmd.KIc, cmd.KID, keys)
	if err != nil {
		t.Fatal(err)
	}
	spi := cmd.SPI
	hexLines(w, offCPL, pkt[:2], fmt.Sprintf("CPL   %d bytes follow", len(pkt)-2))
	hexLines(w, offCHL, pkt[2:3], fmt.Sprintf("CHL   %d = 13 + %d-byte RC/CC", pkt[2], s.sumLen))
	hexLines(w, offSPI, pkt[3:5], "SPI   "+describeSPI(spi))
	kic := fmt.Sprintf("KIc   key version %d, %v", cmd.KIc.KeyVersion(), cmd.KIc.Algorithm())
	if !spi.Ciphering {
		kic += " (not used: no ciphering)"
	}
	kid := fmt.Sprintf("KID   key version %d, %v", cmd.KID.KeyVersion(), cmd.KID.Algorithm(spi.Checksum))
	if spi.Checksum == ChecksumNone {
		kid = fmt.Sprintf("KID   key version %d (not used: no RC/CC/DS)", cmd.KID.KeyVersion())
	}
	hexLines(w, offKIc, pkt[5:6], kic)
	hexLines(w, offKID, pkt[6:7], kid)
	hexLines(w, offTAR, pkt[7:10], "TAR")
	plain := append([]byte(nil), pkt[offCNTR:]...)
	if s.enc != nil {
		mode := "CBC, zero IV"
		if s.cipherAlg == AlgDESECB {
			mode = "ECB"
		}
		hexLines(w, offCNTR, pkt[offCNTR:], fmt.Sprintf("ciphered CNTR..end: %v, %s", s.cipherAlg, mode))
		s.decrypt(plain)
		w.WriteString("      deciphered:\n")
	}
	hexLines(w, offCNTR, plain[:5], fmt.Sprintf("CNTR  %d (%s)", cmd.CNTR, cmd.CNTR))
	hexLines(w, offPCNTR, plain[5:6], fmt.Sprintf("PCNTR %d padding bytes", cmd.PCNTR))
	if s.sumLen > 0 {
		hexLines(w, offRC, plain[6:6+s.sumLen], fmt.Sprintf("%v over CPL..PCNTR + data + padding", s.sumAlg))
	}
	hexLines(w, offRC+s.sumLen, cmd.Data, "secured data")
	if cmd.PCNTR > 0 {
		hexLines(w, len(pkt)-cmd.PCNTR, plain[len(plain)-cmd.PCNTR:], "padding")
	}
}

// TestGoldenSealed writes one sealed packet per algorithm (and per checksum) as an annotated
// hexdump: fixtures/golden/ota/packet/sealed.golden.
func TestGoldenSealed(t *testing.T) {
	var w strings.Builder
	w.WriteString("# One TS 102 225 command packet per ciphering and checksum algorithm, as ota/packet seals it.\n")
	w.WriteString("# Data 00A40004023F00 (SELECT MF), TAR B00010, counter 0102030405; keys are test patterns.\n")
	data := unhex(t, "00a40004023f00")
	type pair struct {
		c int
		s int
	}
	pairs := []pair{{1, 3}, {2, 4}, {3, 5}, {4, 3}, {5, 6}, {6, 6}, {7, 7}, {5, 8}, {0, 1}, {0, 2}, {2, 2}, {0, 0}}
	for _, p := range pairs {
		cc, sc := cipherCases[p.c], sumCases[p.s]
		h, keys := pairHeader(cc, sc)
		pkt, err := Seal(nil, &h, data, keys)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&w, "\n## ciphering %s, checksum %s\n", cc.name, sc.name)
		fmt.Fprintf(&w, "KIc key %s\nKID key %s\n", hexOrNone(keys.KIc), hexOrNone(keys.KID))
		fmt.Fprintf(&w, "packet %X\n", pkt)
		annotate(t, &w, pkt, keys)
	}
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/ota/packet"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "sealed", []byte(w.String()))
}

func hexOrNone(b []byte) string {
	if len(b) == 0 {
		return "(none)"
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

func describeSPI(s SPI) string {
	onOff := func(b bool, yes, no string) string {
		if b {
			return yes
		}
		return no
	}
	return fmt.Sprintf("%s: RC/CC/DS %s, %s, counter %s | PoR %s, %s, %s, %s", s, s.Checksum,
		onOff(s.Ciphering, "ciphered", "clear"), s.Counter, s.PoR, s.PoRChecksum,
		onOff(s.PoRCiphering, "ciphered", "clear"), onOff(s.PoRBySubmit, "by SMS-SUBMIT", "in SMS-DELIVER-REPORT"))
}
