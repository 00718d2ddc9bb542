package cat

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stkforge/stkforge/stk/text"
)

// sameExceptBlank compares "~"-joined lists, a blank entry in want matching anything.
func sameExceptBlank(got, want string) bool {
	g, w := strings.Split(got, "~"), strings.Split(want, "~")
	if len(g) != len(w) {
		return false
	}
	for i := range g {
		if w[i] != "" && g[i] != w[i] {
			return false
		}
	}
	return true
}

// needTool returns the path of an external tool, skipping the test when it is missing unless
// STKFORGE_REQUIRE_TOOLS=1.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("STKFORGE_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is required: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// apduFrame wraps one APDU exchange in Ethernet/IPv4/UDP to port 4729 and a GSMTAP v2 SIM
// header (RECIPES.md: tshark hands GSMTAP type 4 to its SIM dissector, which calls the CAT one).
func apduFrame(apdu []byte) []byte {
	gsmtap := []byte{0x02, 0x04, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	udpLen := 8 + len(gsmtap) + len(apdu)
	ip := []byte{0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1}
	binary.BigEndian.PutUint16(ip[2:], uint16(20+udpLen))
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xFFFF {
		sum = sum&0xFFFF + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	udp := make([]byte, 8)
	binary.BigEndian.PutUint16(udp[0:], 4729)
	binary.BigEndian.PutUint16(udp[2:], 4729)
	binary.BigEndian.PutUint16(udp[4:], uint16(udpLen))
	eth := []byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x08, 0x00}
	f := append(append(append(append(eth, ip...), udp...), gsmtap...), apdu...)
	return f
}

// apduFor is the APDU that carries a message: the FETCH response for a proactive command,
// TERMINAL RESPONSE and ENVELOPE commands for the others (TS 102 221 10.1.2 instruction codes).
func apduFor(m *Message, b []byte) []byte {
	ins := map[Kind]byte{KindProactiveCommand: 0x12, KindTerminalResponse: 0x14, KindEnvelope: 0xC2}[m.Kind]
	return append(append([]byte{0x80, ins, 0, 0, byte(len(b))}, b...), 0x90, 0x00)
}

func writePcap(t *testing.T, path string, frames [][]byte) {
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xA1B2C3D4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 1) // Ethernet
	out := hdr
	for i, f := range frames {
		rec := make([]byte, 16)
		binary.LittleEndian.PutUint32(rec[0:], uint32(1700000000+i))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(f)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(f)))
		out = append(append(out, rec...), f...)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWireshark has tshark, an independent CAT decoder, read every example: no frame may be
// malformed, and the command type, texts and items it finds must be ours.
func TestWireshark(t *testing.T) {
	tshark := needTool(t, "tshark")
	ex := examples(t)
	names := make([]string, 0, len(ex))
	for n := range ex {
		names = append(names, n)
	}
	sort.Strings(names)
	var frames [][]byte
	var msgs []*Message
	for _, n := range names {
		m, err := Decode(ex[n])
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
		frames = append(frames, apduFrame(apduFor(m, ex[n])))
	}
	pcap := filepath.Join(t.TempDir(), "cat.pcap")
	writePcap(t, pcap, frames)
	out, err := exec.Command(tshark, "-r", pcap, "-T", "fields", "-E", "separator=|", "-E", "aggregator=~",
		"-e", "frame.protocols", "-e", "_ws.malformed", "-e", "etsi_cat.comp_tlv.cmd_type",
		"-e", "etsi_cat.comp_tlv.text", "-e", "etsi_cat.comp_tlv.item.id", "-e", "etsi_cat.comp_tlv.alpha_id.string", "-e", "etsi_cat.comp_tlv.item.string").Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != len(frames) {
		t.Fatalf("tshark printed %d lines for %d frames:\n%s", len(lines), len(frames), out)
	}
	for i, line := range lines {
		f := strings.Split(line, "|")
		m := msgs[i]
		where := fmt.Sprintf("%s (%X)", names[i], ex[names[i]])
		if f[1] != "" {
			t.Errorf("%s: tshark finds it malformed", where)
			continue
		}
		if !strings.Contains(f[0], "gsm_sim:etsi_cat") {
			// Wireshark 4.0's SIM dissector hands only some ENVELOPE tags (D1, D6, D7, ...) to
			// the CAT dissector; MENU SELECTION and CALL CONTROL stay undecoded there.
			if m.Kind == KindEnvelope && (m.BERTag == TagMenuSelection || m.BERTag == TagCallControl) {
				continue
			}
			t.Errorf("%s: protocols %q, no etsi_cat", where, f[0])
			continue
		}
		if m.Kind == KindProactiveCommand {
			if want := fmt.Sprintf("0x%02x", byte(m.Details().Type)); f[2] != want {
				t.Errorf("%s: tshark command type %q, ours %q", where, f[2], want)
			}
		}
		var texts, items, alphas, itemTexts []string
		for k := range m.Elements {
			e := &m.Elements[k]
			switch e.Tag {
			case TagTextString:
				var ts TextString
				if ts.decodeValue(e.Value) == nil && !ts.Null && ts.Data == nil && len(e.Value) > 2 {
					texts = append(texts, ts.Text)
				}
			case TagAlphaIdentifier:
				var a AlphaIdentifier
				if a.decodeValue(e.Value) == nil && a.Text != "" {
					alphas = append(alphas, a.Text)
				}
			case TagItem:
				var it Item
				if it.decodeValue(e.Value) == nil && !it.Empty {
					items = append(items, fmt.Sprint(it.Identifier))
					if it.Format == text.AlphaUCS2Base81 || it.Format == text.AlphaUCS2Base82 {
						// Wireshark 4.0 repeats the first character of an 81/82 coded
						// item ("Платёж" shows as "ПППППП"); compare only the others.
						itemTexts = append(itemTexts, "")
						continue
					}
					itemTexts = append(itemTexts, it.Text)
				}
			}
		}
		if m.Kind != KindTerminalResponse || len(texts) > 0 {
			if got := strings.Join(texts, "~"); f[3] != got {
				t.Errorf("%s: tshark text %q, ours %q", where, f[3], got)
			}
		}
		if got := strings.Join(alphas, "~"); f[5] != got {
			t.Errorf("%s: tshark alpha %q, ours %q", where, f[5], got)
		}
		if got := strings.Join(itemTexts, "~"); !sameExceptBlank(f[6], got) {
			t.Errorf("%s: tshark item texts %q, ours %q", where, f[6], got)
		}
		if got := strings.Join(items, "~"); f[4] != got && m.Kind == KindProactiveCommand {
			t.Errorf("%s: tshark items %q, ours %q", where, f[4], got)
		}
	}
}
