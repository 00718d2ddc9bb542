package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// otaCase is what the CLI tests use of the shared sample vectors (copied to fixtures/vectors).
type otaCase struct {
	ID    string `json:"id"`
	Input struct {
		KIcHex     string `json:"kic_hex"`
		KIDHex     string `json:"kid_hex"`
		KIcByte    string `json:"kic_byte_hex"`
		KIDByte    string `json:"kid_byte_hex"`
		SPIHex     string `json:"spi_hex"`
		TARHex     string `json:"tar_hex"`
		CounterHex string `json:"counter_hex"`
		PayloadHex string `json:"payload_hex"`
	} `json:"input"`
	Expected struct {
		CommandPacket string `json:"command_packet_hex"`
		SMSUD         string `json:"sms_ud_hex"`
	} `json:"expected"`
	PoR *struct {
		Status     int    `json:"status"`
		StatusName string `json:"status_name"`
		Data       string `json:"additional_data_hex"`
		UD         string `json:"por_ud_hex"`
		Tampered   string `json:"tampered_por_ud_hex"`
	} `json:"por"`
}

func otaCases(t *testing.T) []otaCase {
	b, err := os.ReadFile("../../fixtures/vectors/ota-sample.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Cases []otaCase }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Cases
}

func writeKeyset(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "keyset.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOtaSamples(t *testing.T) {
	for _, c := range otaCases(t) {
		t.Run(c.ID, func(t *testing.T) {
			ks := writeKeyset(t, `{"kic": "`+c.Input.KIcHex+`", "kid": "`+c.Input.KIDHex+`"}`)
			keys := []string{"--keyset", ks, "--spi", c.Input.SPIHex, "--kic", c.Input.KIcByte, "--kid", c.Input.KIDByte}
			seal := append([]string{"ota", "seal"}, keys...)
			seal = append(seal, "--tar", c.Input.TARHex, "--counter", c.Input.CounterHex, "--data", c.Input.PayloadHex)
			code, out, errOut := runCLI(t, "", seal...)
			if code != 0 || strings.TrimSpace(strings.ToLower(out)) != c.Expected.CommandPacket {
				t.Fatalf("seal: %d %q %q", code, out, errOut)
			}
			code, out, _ = runCLI(t, "", append(seal, "--as", "ud")...)
			if code != 0 || strings.TrimSpace(strings.ToLower(out)) != c.Expected.SMSUD {
				t.Fatalf("seal --as ud: %d %q", code, out)
			}
			for _, in := range [][]string{{"--packet", c.Expected.CommandPacket}, {"--ud", c.Expected.SMSUD}} {
				code, out, errOut = runCLI(t, "", append([]string{"ota", "open", "--keyset", ks}, in...)...)
				var j struct {
					Data string
					TAR  string
					SPI  struct{ Hex string }
				}
				if code != 0 || json.Unmarshal([]byte(out), &j) != nil || !strings.EqualFold(j.Data, c.Input.PayloadHex) ||
					!strings.EqualFold(j.TAR, c.Input.TARHex) || !strings.EqualFold(j.SPI.Hex, c.Input.SPIHex) {
					t.Fatalf("open %s: %d %s %s", in[0], code, out, errOut)
				}
			}
			if c.PoR == nil {
				return
			}
			code, out, errOut = runCLI(t, "", append([]string{"ota", "por", "--ud", c.PoR.UD}, keys...)...)
			var p struct {
				Status     *int   `json:"status"`
				StatusName string `json:"status_name"`
				TAR        string `json:"tar"`
				Counter    string `json:"counter"`
				Data       string `json:"data"`
			}
			if code != 0 || json.Unmarshal([]byte(out), &p) != nil || p.Status == nil || *p.Status != c.PoR.Status ||
				p.StatusName != c.PoR.StatusName || !strings.EqualFold(p.Data, c.PoR.Data) ||
				!strings.EqualFold(p.Counter, c.Input.CounterHex) || !strings.EqualFold(p.TAR, c.Input.TARHex) {
				t.Fatalf("por: %d %s %s", code, out, errOut)
			}
			if c.PoR.Tampered != "" {
				code, out, errOut = runCLI(t, "", append([]string{"ota", "por", "--ud", c.PoR.Tampered}, keys...)...)
				lines := strings.Split(strings.TrimSpace(errOut), "\n")
				last := lines[len(lines)-1]
				if code != 1 || out != "" || !strings.Contains(last, "RC/CC/DS failed") || !strings.Contains(last, "por.rc_cc") {
					t.Fatalf("tampered por: %d %q %q", code, out, errOut)
				}
			}
		})
	}
}

func TestOtaWarnings(t *testing.T) {
	ks := writeKeyset(t, `{"kic": "0011223344556677", "kid": "8899aabbccddeeff"}`)
	base := []string{"ota", "seal", "--keyset", ks, "--kic", "11", "--kid", "11", "--tar", "B00010", "--data", "00"}
	_, _, errOut := runCLI(t, "", append(base, "--spi", "0600", "--counter", "00")...)
	if !strings.Contains(errOut, "single DES") || !strings.Contains(errOut, "no counter") {
		t.Errorf("stderr %q", errOut)
	}
	ks3 := writeKeyset(t, `{"kic": "00112233445566778899aabbccddeeff", "kid": "00112233445566778899aabbccddeeff", "kik": ""}`)
	code, _, errOut := runCLI(t, "", "ota", "seal", "--keyset", ks3, "--kic", "15", "--kid", "15", "--tar", "B00010",
		"--data", "00", "--spi", "1600", "--counter", "01")
	if code != 0 || errOut != "" {
		t.Errorf("3DES with counter: %d %q", code, errOut)
	}
}

func TestOtaSealConcatenated(t *testing.T) {
	ks := writeKeyset(t, `{"kic": "00112233445566778899aabbccddeeff", "kid": "ffeeddccbbaa99887766554433221100"}`)
	code, out, errOut := runCLI(t, "", "ota", "seal", "--keyset", ks, "--spi", "1639", "--kic", "12", "--kid", "12",
		"--tar", "B00010", "--counter", "01", "--data", strings.Repeat("00", 200), "--as", "ud", "--ref", "42")
	lines := strings.Fields(out)
	if code != 0 || len(lines) != 2 {
		t.Fatalf("%d %q %q", code, out, errOut)
	}
	if !strings.HasPrefix(lines[0], "0700032A0201700000") || !strings.HasPrefix(lines[1], "0500032A0202") {
		t.Errorf("segments %q", lines)
	}
	for _, l := range lines {
		if len(l) > 2*140 {
			t.Errorf("segment of %d bytes", len(l)/2)
		}
	}
	// A segment is not a whole packet: open says so.
	code, _, errOut = runCLI(t, "", "ota", "open", "--keyset", ks, "--ud", lines[0])
	if code != 1 || !strings.Contains(errOut, "reassemble") {
		t.Errorf("open of a segment: %d %q", code, errOut)
	}
}

func TestOtaErrors(t *testing.T) {
	good := writeKeyset(t, `{"kic": "00112233445566778899aabbccddeeff", "kid": "ffeeddccbbaa99887766554433221100"}`)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown keyset field", []string{"ota", "open", "--keyset", writeKeyset(t, `{"kic": "00", "key": "00"}`), "--packet", "00"}, 2, "unknown field"},
		{"keyset not hex", []string{"ota", "open", "--keyset", writeKeyset(t, `{"kic": "zz"}`), "--packet", "00"}, 2, `"kic" is not hex`},
		{"SPI reserved bit", []string{"ota", "por", "--keyset", good, "--spi", "8000", "--kic", "12", "--kid", "12", "--ud", "027100"}, 2, "reserved"},
		{"short TAR", []string{"ota", "seal", "--keyset", good, "--spi", "1600", "--kic", "12", "--kid", "12", "--tar", "B0", "--counter", "1", "--data", "00"}, 2, "TAR is 3 bytes"},
		{"long counter", []string{"ota", "seal", "--keyset", good, "--spi", "1600", "--kic", "12", "--kid", "12", "--tar", "B00000", "--counter", "010203040506", "--data", "00"}, 2, "counter is 1 to 5 bytes"},
		{"proprietary KIc", []string{"ota", "seal", "--keyset", good, "--spi", "1600", "--kic", "13", "--kid", "12", "--tar", "B00000", "--counter", "01", "--data", "00"}, 1, "command.kic"},
		{"key too short", []string{"ota", "seal", "--keyset", good, "--spi", "1600", "--kic", "19", "--kid", "12", "--tar", "B00000", "--counter", "01", "--data", "00"}, 1, "keyset.kic"},
		{"truncated packet", []string{"ota", "open", "--keyset", good, "--packet", "00281516391212B00010"}, 1, "command.cpl"},
		{"PoR UD holds a command", []string{"ota", "por", "--keyset", good, "--spi", "1600", "--kic", "12", "--kid", "12", "--ud", "02700000"}, 1, "response packet identifier"},
	} {
		code, out, errOut := runCLI(t, "", tc.args...)
		if code != tc.code || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: code %d, stdout %q, stderr %q; want code %d and %q", tc.name, code, out, errOut, tc.code, tc.want)
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") > 0 && tc.code == 1 {
			t.Errorf("%s: error of more than one line: %q", tc.name, errOut)
		}
	}
}
