// Package tsharktest runs tshark, an independent decoder, over traces written by package trace,
// for tests: what tshark reads in our bytes must be what we meant to write.
//
// tshark is optional on a developer machine: without it the calling test is skipped, unless the
// environment variable STKFORGE_REQUIRE_TOOLS=1 is set (CI), in which case it fails.
package tsharktest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stkforge/stkforge/sim/trace"
)

// CATFields are the fields that show an APDU trace's toolkit content: protocol stack,
// instruction, proactive command type, text string and status word.
var CATFields = []string{
	"frame.protocols",
	"gsm_sim.apdu.ins",
	"etsi_cat.comp_tlv.cmd_type",
	"etsi_cat.comp_tlv.text",
	"gsm_sim.apdu.sw",
}

// SMPPFields are the fields that show an SMPP trace: protocol stack, command_id, sequence
// number and the UDH information element identifiers of the short message.
var SMPPFields = []string{
	"frame.protocols",
	"smpp.command_id",
	"smpp.sequence_number",
	"gsm_sms.ie_identifier",
}

// expertError is the severity tshark gives expert errors (PI_ERROR in epan/proto.h).
const expertError = 0x00800000

// checkFields follow the fields a caller asks for, to find malformed frames and expert errors.
var checkFields = []string{"frame.number", "_ws.malformed", "_ws.expert.severity", "_ws.expert.message"}

// Path returns the path of tshark, or ends t: skipped when tshark is missing, failed when it is
// missing and STKFORGE_REQUIRE_TOOLS=1.
func Path(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("STKFORGE_REQUIRE_TOOLS") == "1" {
			t.Fatalf("tshark is required (STKFORGE_REQUIRE_TOOLS=1): %v", err)
		}
		t.Skipf("tshark not installed: %v", err)
	}
	return p
}

// Run runs tshark -n -r pcapPath with args and returns its standard output; a non-zero exit
// (a misspelt field, an unreadable file) fails t with tshark's standard error.
func Run(t testing.TB, pcapPath string, args ...string) string {
	t.Helper()
	bin := Path(t)
	cmd := exec.Command(bin, append([]string{"-n", "-r", pcapPath}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark %s: %v\n%s", strings.Join(cmd.Args[1:], " "), err, stderr.String())
	}
	return stdout.String()
}

// Fields runs `tshark -T fields` with fields over pcapPath and returns one row per frame, one
// cell per field; several occurrences of a field in one frame are joined by commas. A frame
// that tshark finds malformed, or that carries an expert error, fails t; tshark is told to
// verify the IPv4, UDP and TCP checksums, so a wrong one is such an error.
func Fields(t testing.TB, pcapPath string, fields ...string) [][]string {
	t.Helper()
	all := append(append([]string(nil), fields...), checkFields...)
	args := []string{
		"-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
		"-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
	}
	for _, f := range all {
		args = append(args, "-e", f)
	}
	out := Run(t, pcapPath, args...)
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		cells := strings.Split(line, "\t")
		if len(cells) != len(all) {
			t.Fatalf("tshark printed %d cells for %d fields: %q", len(cells), len(all), line)
		}
		check := cells[len(fields):]
		if check[1] != "" {
			t.Errorf("tshark: frame %s is malformed: %s", check[0], check[1])
		}
		for _, s := range strings.Split(check[2], ",") {
			if s == "" {
				continue
			}
			if v, err := strconv.ParseUint(s, 0, 32); err == nil && v >= expertError {
				t.Errorf("tshark: frame %s has an expert error: %s", check[0], check[3])
			}
		}
		rows = append(rows, cells[:len(fields)])
	}
	return rows
}

// WritePCAP writes a trace into a file in t's temporary directory with a deterministic clock
// (1 ms per frame from 2026-01-01) and returns its path; write fills the trace.
func WritePCAP(t testing.TB, write func(w *trace.Writer) error, opts ...trace.Option) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trace.pcap")
	opts = append([]trace.Option{trace.WithClock(trace.StepClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Millisecond))}, opts...)
	w, err := trace.Create(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := write(w); err != nil {
		w.Close()
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// APDUFields writes exchanges to a trace and returns tshark's fields for each frame (a T=0
// case 4 exchange gives two frames). With CATFields, checking that tshark reads a proactive
// command as we encoded it takes one call:
//
//	rows := tsharktest.APDUFields(t, []trace.APDUExchange{trace.Fetch(cmd)}, tsharktest.CATFields...)
//	// rows[0][2] is the command type ("0x21"), rows[0][3] the text string.
func APDUFields(t testing.TB, exchanges []trace.APDUExchange, fields ...string) [][]string {
	t.Helper()
	Path(t) // skip before writing anything when tshark is missing
	path := WritePCAP(t, func(w *trace.Writer) error {
		for _, ex := range exchanges {
			if err := w.WriteAPDU(ex); err != nil {
				return err
			}
		}
		return nil
	})
	return Fields(t, path, fields...)
}
