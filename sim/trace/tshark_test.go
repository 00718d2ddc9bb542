package trace_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stkforge/stkforge/sim/trace"
	"github.com/stkforge/stkforge/sim/trace/tsharktest"
)

// vector is an entry of cat-sample.json (a copy of the shared interoperability vectors).
type vector struct {
	ID       string `json:"id"`
	Category string `json:"category"`
	Hex      string `json:"hex"`
	Decoded  struct {
		BERTag string `json:"ber_tag"`
		TLVs   []struct {
			Tag   string          `json:"tag"`
			Name  string          `json:"name"`
			Value json.RawMessage `json:"value"`
		} `json:"tlvs"`
		CommandID string `json:"command_id"`
	} `json:"decoded"`
}

func loadVectors(t *testing.T, categories ...string) []vector {
	t.Helper()
	b, err := os.ReadFile("../../fixtures/vectors/cat-sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Vectors []vector }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var out []vector
	for _, v := range f.Vectors {
		for _, c := range categories {
			if v.Category == c {
				out = append(out, v)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no vectors of %v", categories)
	}
	return out
}

// commandType is the type byte of the vector's Command details ("21 DISPLAY TEXT" -> "0x21").
func (v vector) commandType(t *testing.T) string {
	for _, tl := range v.Decoded.TLVs {
		if tl.Name == "Command details" {
			var cd struct{ Type string }
			if err := json.Unmarshal(tl.Value, &cd); err != nil {
				t.Fatalf("%s: command details: %v", v.ID, err)
			}
			return "0x" + strings.ToLower(strings.Fields(cd.Type)[0])
		}
	}
	return ""
}

// text is the vector's decoded Text string (tag 8D), the only element tshark prints as
// etsi_cat.comp_tlv.text.
func (v vector) text(t *testing.T) string {
	for _, tl := range v.Decoded.TLVs {
		if tl.Name == "Text string" {
			var s string
			if err := json.Unmarshal(tl.Value, &s); err != nil {
				t.Fatalf("%s: text string: %v", v.ID, err)
			}
			return s
		}
	}
	return ""
}

// alphaAndItems are the vector's decoded Alpha identifier and Item texts, comma-joined as
// tshark aggregates several occurrences.
func (v vector) alphaAndItems(t *testing.T) (alpha, items string) {
	var its []string
	for _, tl := range v.Decoded.TLVs {
		switch tl.Name {
		case "Alpha identifier":
			if err := json.Unmarshal(tl.Value, &alpha); err != nil {
				t.Fatalf("%s: alpha identifier: %v", v.ID, err)
			}
		case "Item":
			var it struct{ Text string }
			if err := json.Unmarshal(tl.Value, &it); err != nil {
				t.Fatalf("%s: item: %v", v.ID, err)
			}
			its = append(its, it.Text)
		}
	}
	return alpha, strings.Join(its, ",")
}

// TestTsharkProactiveCommands writes every proactive command vector as a FETCH response and
// checks that tshark reads the command type, text string, alpha identifier and items the
// vectors state.
func TestTsharkProactiveCommands(t *testing.T) {
	vs := loadVectors(t, "proactive_command")
	var exs []trace.APDUExchange
	for _, v := range vs {
		exs = append(exs, trace.Fetch(unhex(t, v.Hex)))
	}
	fields := append(append([]string(nil), tsharktest.CATFields...), "etsi_cat.comp_tlv.alpha_id.string", "etsi_cat.comp_tlv.item.string")
	rows := tsharktest.APDUFields(t, exs, fields...)
	if len(rows) != len(vs) {
		t.Fatalf("tshark printed %d frames, want %d", len(rows), len(vs))
	}
	for i, v := range vs {
		alpha, items := v.alphaAndItems(t)
		want := []string{"eth:ethertype:ip:udp:gsmtap:gsm_sim:etsi_cat", "0x12", v.commandType(t), v.text(t), "0x9000", alpha, items}
		got := rows[i]
		// SEND SHORT MESSAGE hands its TPDU on to the SMS dissector.
		got[0] = strings.TrimSuffix(got[0], ":gsm_sms")
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: tshark read %q, want %q", v.ID, got, want)
		}
	}
}

// TestTsharkTerminalResponses checks the command type tshark reads in TERMINAL RESPONSE
// vectors (the Command details of the command answered) and their general result.
func TestTsharkTerminalResponses(t *testing.T) {
	vs := loadVectors(t, "terminal_response")
	var exs []trace.APDUExchange
	for _, v := range vs {
		exs = append(exs, trace.TerminalResponse(unhex(t, v.Hex)))
	}
	rows := tsharktest.APDUFields(t, exs, "frame.protocols", "gsm_sim.apdu.ins", "etsi_cat.comp_tlv.cmd_type", "etsi_cat.comp_tlv.result", "gsm_sim.apdu.sw")
	if len(rows) != len(vs) {
		t.Fatalf("tshark printed %d frames, want %d", len(rows), len(vs))
	}
	for i, v := range vs {
		var result string
		for _, tl := range v.Decoded.TLVs {
			if tl.Name == "Result" {
				var r struct {
					General string `json:"general_result"`
				}
				if err := json.Unmarshal(tl.Value, &r); err != nil {
					t.Fatal(err)
				}
				result = "0x" + strings.ToLower(r.General)
			}
		}
		want := []string{"eth:ethertype:ip:udp:gsmtap:gsm_sim:etsi_cat", "0x14", v.commandType(t), result, "0x9000"}
		if strings.Join(rows[i], "|") != strings.Join(want, "|") {
			t.Errorf("%s: tshark read %q, want %q", v.ID, rows[i], want)
		}
	}
}

// TestTsharkEnvelopes checks the BER-TLV tag tshark reads in ENVELOPE vectors. Wireshark 4.0
// names the envelope tag but dissects the contents only of some (EVENT DOWNLOAD yes, MENU
// SELECTION no), so the tag is the common check.
func TestTsharkEnvelopes(t *testing.T) {
	vs := loadVectors(t, "envelope")
	var exs []trace.APDUExchange
	for _, v := range vs {
		exs = append(exs, trace.Envelope(unhex(t, v.Hex)))
	}
	rows := tsharktest.APDUFields(t, exs, "gsm_sim.apdu.ins", "gsm_sim.cat.ber_tlv_tag", "gsm_sim.apdu.sw")
	if len(rows) != len(vs) {
		t.Fatalf("tshark printed %d frames, want %d", len(rows), len(vs))
	}
	for i, v := range vs {
		want := []string{"0xc2", "0x" + strings.ToLower(strings.Fields(v.Decoded.BERTag)[0]), "0x9000"}
		if strings.Join(rows[i], "|") != strings.Join(want, "|") {
			t.Errorf("%s: tshark read %q, want %q", v.ID, rows[i], want)
		}
	}
}

// submitSMOTA is a submit_sm built by hand (SMPP 3.4 4.4.1) carrying the pySim 3DES command
// packet of cat-sample.json behind UDH 70 (TS 31.115 4.2): esm_class 40 (UDHI), protocol_id
// 7F, data_coding F6.
func submitSMOTA(t *testing.T) []byte {
	v := loadVectors(t, "tpdu")[0]
	tpdu := unhex(t, v.Hex)
	// SMS-DELIVER: first octet, OA (length 8 digits: 1 + 1 + 4 bytes), PID, DCS, SCTS (7), UDL.
	ud := tpdu[1+1+1+4+1+1+7+1:]
	if ud[0] != 0x02 || ud[1] != 0x70 {
		t.Fatalf("user data %X does not start with UDH 70", ud)
	}
	var body []byte
	body = append(body, 0)                            // service_type ""
	body = append(body, 0x01, 0x01)                   // source_addr_ton, source_addr_npi
	body = append(body, "12345\x00"...)               // source_addr
	body = append(body, 0x01, 0x01)                   // dest_addr_ton, dest_addr_npi
	body = append(body, "491701234567\x00"...)        // destination_addr
	body = append(body, 0x40, 0x7F, 0x00, 0x00, 0x00) // esm_class, protocol_id, priority_flag, schedule, validity
	body = append(body, 0x01, 0x00, 0xF6, 0x00)       // registered_delivery, replace_if_present, data_coding, sm_default_msg_id
	body = append(body, byte(len(ud)))                // sm_length
	body = append(body, ud...)                        // short_message
	hdr := []byte{0, 0, 0, 0, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x2A}
	n := len(hdr) + len(body)
	hdr[0], hdr[1], hdr[2], hdr[3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return append(hdr, body...)
}

// submitSMResp answers submitSMOTA with message_id "94258431594".
func submitSMResp(t *testing.T) []byte {
	body := []byte("94258431594\x00")
	n := 16 + len(body)
	return append([]byte{0, 0, 0, byte(n), 0x80, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x2A}, body...)
}

func TestTsharkSMPP(t *testing.T) {
	tsharktest.Path(t)
	vs := loadVectors(t, "smpp")
	path := tsharktest.WritePCAP(t, func(w *trace.Writer) error {
		for i, v := range vs {
			dir := trace.ESMEToSMSC
			if i%2 == 1 {
				dir = trace.SMSCToESME
			}
			if err := w.WriteSMPP(dir, unhex(t, v.Hex)); err != nil {
				return err
			}
		}
		if err := w.WriteSMPP(trace.ESMEToSMSC, submitSMOTA(t)); err != nil {
			return err
		}
		if err := w.WriteSMPP(trace.SMSCToESME, submitSMResp(t)); err != nil {
			return err
		}
		return w.CloseSMPP(trace.ESMEToSMSC)
	})
	rows := tsharktest.Fields(t, path, append(tsharktest.SMPPFields, "tcp.analysis.flags")...)
	for i, r := range rows {
		// tshark's sequence analysis finds nothing to say: no lost, retransmitted or
		// out-of-order segment, no ACK of unseen data.
		if r[len(r)-1] != "" {
			t.Errorf("frame %d: tcp.analysis.flags set", i+1)
		}
		rows[i] = r[:len(r)-1]
	}
	want := [][]string{
		{"eth:ethertype:ip:tcp", "", "", ""}, // SYN
		{"eth:ethertype:ip:tcp", "", "", ""}, // SYN-ACK
		{"eth:ethertype:ip:tcp", "", "", ""}, // ACK
	}
	for _, v := range vs {
		seq, err := strconv.ParseUint(v.Hex[24:32], 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, []string{"eth:ethertype:ip:tcp:smpp", "0x" + strings.ToLower(v.Decoded.CommandID), strconv.FormatUint(seq, 10), ""})
	}
	want = append(want,
		[]string{"eth:ethertype:ip:tcp:smpp:gsm_sms_ud", "0x00000004", "42", "0x70"},
		[]string{"eth:ethertype:ip:tcp:smpp", "0x80000004", "42", ""},
		[]string{"eth:ethertype:ip:tcp", "", "", ""}, // FIN from the ESME
		[]string{"eth:ethertype:ip:tcp", "", "", ""}, // FIN from the SMSC
		[]string{"eth:ethertype:ip:tcp", "", "", ""}, // last ACK
	)
	if len(rows) != len(want) {
		t.Fatalf("tshark printed %d frames, want %d:\n%q", len(rows), len(want), rows)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("frame %d: tshark read %q, want %q", i+1, rows[i], want[i])
		}
	}
}

// TestTsharkGolden lists, as tshark prints them, the frames of a trace holding every APDU
// vector, a T=0 case 4 exchange and an SMPP exchange.
func TestTsharkGolden(t *testing.T) {
	tsharktest.Path(t)
	path := tsharktest.WritePCAP(t, func(w *trace.Writer) error {
		for _, v := range loadVectors(t, "proactive_command", "terminal_response", "envelope") {
			ex := trace.Fetch(unhex(t, v.Hex))
			switch v.Category {
			case "terminal_response":
				ex = trace.TerminalResponse(unhex(t, v.Hex))
			case "envelope":
				ex = trace.Envelope(unhex(t, v.Hex))
			}
			if err := w.WriteAPDU(ex); err != nil {
				return err
			}
		}
		// SELECT EF ICCID with FCP under T=0, then READ BINARY of it.
		if err := w.WriteAPDU(trace.APDUExchange{CLA: 0x00, INS: 0xA4, P1: 0x00, P2: 0x04, Data: unhex(t, "2FE2"),
			Response: unhex(t, "621B8202412183022FE2A503D001408A01058B032F06038002000A8800"), SW: 0x9000}); err != nil {
			return err
		}
		if err := w.WriteAPDU(trace.APDUExchange{CLA: 0x00, INS: 0xB0, Response: unhex(t, "988812010000400310F0"), SW: 0x9000}); err != nil {
			return err
		}
		for _, pdu := range [][]byte{submitSMOTA(t), submitSMResp(t)} {
			dir := trace.ESMEToSMSC
			if pdu[4]&0x80 != 0 {
				dir = trace.SMSCToESME
			}
			if err := w.WriteSMPP(dir, pdu); err != nil {
				return err
			}
		}
		return nil
	})
	// Fields first: it fails the test on any malformed frame or expert error.
	rows := tsharktest.Fields(t, path, tsharktest.CATFields...)
	var sb strings.Builder
	sb.WriteString("# tshark -n -r trace.pcap (summary lines)\n")
	sb.WriteString(tsharktest.Run(t, path))
	sb.WriteString("\n# tshark -T fields -e " + strings.Join(tsharktest.CATFields, " -e ") + "\n")
	for i, r := range rows {
		fmt.Fprintf(&sb, "%d\t%s\n", i+1, strings.Join(r, "\t"))
	}
	golden(t).Assert(t, "tshark", []byte(sb.String()))
}
