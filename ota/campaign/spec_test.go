package campaign_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
	"github.com/stkforge/stkforge/ota/campaign"
)

const goodSpec = `{"name":"spn","tenant":"op","script":"A0A40000023F00",
 "targets":{"iccids":["8988200000000000014"]},
 "security":{"spi":"1639","kic":"12","kid":"12","tar":"B00010"},
 "canary":10,"por_timeout":"30s"}`

// TestSecurityDefaults: production refuses what a lab setting allows (with warnings).
func TestSecurityDefaults(t *testing.T) {
	for _, tc := range []struct {
		name string
		sec  campaign.Security
		weak string // "" when production accepts it
	}{
		{"aes cc cipher higher", campaign.Security{SPI: "1639", KIc: "12", KID: "12", TAR: "B00000"}, ""},
		{"3des one higher", campaign.Security{SPI: "1E39", KIc: "15", KID: "15", TAR: "B00000"}, ""},
		{"no ciphering", campaign.Security{SPI: "1239", KIc: "12", KID: "12", TAR: "B00000"}, "no ciphering"},
		{"rc only", campaign.Security{SPI: "1539", KIc: "12", KID: "12", TAR: "B00000"}, "no cryptographic checksum"},
		{"counter not checked", campaign.Security{SPI: "0E39", KIc: "12", KID: "12", TAR: "B00000"}, "replay not prevented"},
		{"single des", campaign.Security{SPI: "1639", KIc: "11", KID: "11", TAR: "B00000"}, "single DES"},
		{"no por", campaign.Security{SPI: "1600", KIc: "12", KID: "12", TAR: "B00000"}, "outcomes cannot be confirmed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.sec.Parse()
			if tc.weak == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, campaign.ErrInsecure) || !strings.Contains(err.Error(), tc.weak) {
				t.Fatalf("production: %v, want %q", err, tc.weak)
			}
			lab := tc.sec
			lab.Lab = true
			_, warn, err := lab.Parse()
			if err != nil || len(warn) == 0 || !strings.Contains(strings.Join(warn, ";"), tc.weak) {
				t.Fatalf("lab: %v %v", warn, err)
			}
		})
	}
}

func TestSpecErrors(t *testing.T) {
	for _, tc := range []struct {
		json, field string
		offset      int
	}{
		{`{"name":"x","tenant":"op","script":"00","targets":{"iccids":["8988200000000000013"]},"security":{"spi":"1639","kic":"12","kid":"12","tar":"B00010"}}`, "targets.iccids[0]", 18},
		{`{"name":"x","tenant":"op","script":"00","targets":{"msisdns":["46a"]},"security":{"spi":"1639","kic":"12","kid":"12","tar":"B00010"}}`, "targets.msisdns[0]", 2},
		{`{"name":"x","tenant":"op","script":"00","targets":{"msisdns":["46"]},"security":{"spi":"16Z9","kic":"12","kid":"12","tar":"B00010"}}`, "security.spi", 1},
		{`{"name":"x","tenant":"op","script":"00","targets":{"msisdns":["46"]},"security":{"spi":"1639","kic":"12","kid":"12","tar":"B000"}}`, "security.tar", 0},
		{`{"name":"x","tenant":"op","script":"00","targets":{"msisdns":["46"],"imsis":["1"]},"security":{"spi":"1639","kic":"12","kid":"12","tar":"B00010"}}`, "targets", 0},
		{`{"name":"x","tenant":"op","script":"00","targets":{"msisdns":["46"]},"security":{"spi":"1639","kic":"12","kid":"12","tar":"B00010"},"canary":-1}`, "canary", 0},
		{`{"name":"x","tenant":"op","script":"","targets":{"msisdns":["46"]},"security":{"spi":"1639","kic":"12","kid":"12","tar":"B00010"}}`, "script", 0},
		{`{"name":"x","bogus":1}`, "(json)", 22},
		{`{"name":"x","rate":"fast"}`, "rate", 25},
	} {
		s, err := campaign.ParseSpec([]byte(tc.json))
		if err == nil {
			_, _, _, err = s.Validate()
		}
		var se *campaign.SpecError
		if !errors.As(err, &se) || se.Field != tc.field || se.Offset != tc.offset {
			t.Errorf("%s: %v, want field %s offset %d", tc.json, err, tc.field, tc.offset)
		}
	}
}

func TestSpecRoundTrip(t *testing.T) {
	s, err := campaign.ParseSpec([]byte(goodSpec))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := campaign.ParseSpec(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(s2)
	if string(b) != string(b2) {
		t.Errorf("round trip:\n%s\n%s", b, b2)
	}
	// every strict prefix of a valid spec fails cleanly
	for i := range len(goodSpec) - 1 {
		if _, err := campaign.ParseSpec([]byte(goodSpec[:i])); err == nil {
			t.Errorf("prefix %d parsed", i)
		}
	}
}

func FuzzParseSpec(f *testing.F) {
	fuzzseed.Add(f)
	f.Add([]byte(goodSpec))
	f.Add([]byte(`{"targets":{"filter":{"lifecycle":"active"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := campaign.ParseSpec(b)
		if err != nil {
			return
		}
		s.Validate()
	})
}
