package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/keys/sqlite"
	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/sim/network"
	"github.com/stkforge/stkforge/sim/trace/tsharktest"
)

// TestDemo runs README's main command in-process on 20 cards: every card updated by OTA with
// a PoR OK, every payment verified by the bank and its receipt shown; the kept directory holds
// the store (with the cards' public keys), the image and the bank's journal; tshark reads the
// pcap without a malformed frame, with card 1's APDUs as GSMTAP and the SMPP traffic.
func TestDemo(t *testing.T) {
	const n = 20
	dir := filepath.Join(t.TempDir(), "kept")
	pcap := filepath.Join(t.TempDir(), "demo.pcap")
	rc, out, errOut := runCLI(t, "", "demo", "--cards", "20", "--json", "--keep", dir, "--pcap", pcap)
	if rc != 0 {
		t.Fatalf("exit %d: %s\n%s", rc, errOut, out)
	}
	var sum demoSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !sum.OK || sum.Cards != n || sum.Updated != n || sum.PoR[campaign.PoROK] != n || sum.PoR.Total() != n {
		t.Errorf("campaign: %s", out)
	}
	if sum.Payments.Made != n || sum.Payments.Verified != n || sum.Payments.Refused != 0 || sum.Payments.Receipts != n {
		t.Errorf("payments: %s", out)
	}
	// a 3.4 KB image takes many concatenated segments per card; a payment three
	if sum.SMS.OTASegments < 10*n || sum.SMS.MO < 4*n || sum.ImageBytes == 0 {
		t.Errorf("sms: %s", out)
	}

	for _, f := range []string{"keys.db", "master.key", "bank-zh.img", "demo.log", "bank.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	jf, err := os.Open(filepath.Join(dir, "bank.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer jf.Close()
	lines := 0
	for sc := bufio.NewScanner(jf); sc.Scan(); lines++ {
		if !strings.Contains(sc.Text(), `"accepted":true`) {
			t.Errorf("journal: %s", sc.Text())
		}
	}
	if lines != n {
		t.Errorf("%d journal lines", lines)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cards, err := st.Cards(context.Background(), keys.CardFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cards {
		if len(c.PublicKey) == 0 || len(c.IssuerKeys) != 1 || c.IssuerKeys[0] != demoBankKeyID {
			t.Errorf("card %s: public key %d bytes, issuer keys %v", c.ICCID, len(c.PublicKey), c.IssuerKeys)
		}
	}

	rows := tsharktest.Fields(t, pcap, "frame.protocols", "gsm_sim.apdu.ins", "smpp.command_id", "gsm_sms.ie_identifier")
	seen := map[string]int{}
	for _, r := range rows {
		switch {
		case strings.Contains(r[0], "gsmtap:gsm_sim"):
			seen["apdu "+r[1]]++
		case strings.Contains(r[0], "smpp"):
			seen["smpp "+r[2]]++
			if r[2] == "0x00000004" && strings.Contains(r[3], "0x70") {
				seen["submit_sm with UDH 70"]++
			}
		}
	}
	for _, k := range []string{"apdu 0xc2", "apdu 0x12", "apdu 0x14", "apdu 0x10", "smpp 0x00000004", "smpp 0x00000005",
		"smpp 0x80000004", "smpp 0x80000005", "submit_sm with UDH 70"} {
		if seen[k] == 0 {
			t.Errorf("no %s in the pcap; saw %v", k, seen)
		}
	}
}

// TestDemoText: the summary for people, and --keep refusing a directory that holds a store.
func TestDemoText(t *testing.T) {
	dir := t.TempDir()
	rc, out, errOut := runCLI(t, "", "demo", "--cards", "2", "--keep", dir)
	if rc != 0 || !strings.Contains(out, "cards updated:      2/2") || !strings.Contains(out, "payments verified:  2/2") ||
		!strings.Contains(out, "OK: every card updated, every payment verified") {
		t.Fatalf("exit %d: %s\n%s", rc, out, errOut)
	}
	if rc, _, errOut := runCLI(t, "", "demo", "--cards", "2", "--keep", dir); rc != 1 || !strings.Contains(errOut, "empty directory") {
		t.Errorf("second run in the same directory: exit %d: %s", rc, errOut)
	}
	if rc, _, _ := runCLI(t, "", "demo", "--cards", "0"); rc != 1 {
		t.Errorf("--cards 0: exit %d", rc)
	}
}

// TestDemoFaults: with 5 % of MT SMS lost and the SMSC throttling, every card ends in a final
// state, updated or explained (expired after its attempts), none lost; every updated card's
// payment is verified and no card that was not updated pays.
func TestDemoFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const n = 20
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sum, err := demoRun(ctx, demoOptions{Cards: n, Faults: network.Faults{Loss: 0.05, ThrottleRate: 2000}, PoRTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if sum.PoR.Total() != n || sum.PoR.Open() != 0 || sum.PoR[campaign.PoROK]+sum.PoR[campaign.Expired] != n {
		t.Errorf("final states %v", sum.PoR)
	}
	if sum.SMS.Lost == 0 {
		t.Errorf("no SMS lost: %+v", sum.SMS)
	}
	if sum.Updated != sum.PoR[campaign.PoROK] || sum.Payments.Verified != sum.Updated || sum.Payments.Made != sum.Updated {
		t.Errorf("updated %d, por_ok %d, payments %+v", sum.Updated, sum.PoR[campaign.PoROK], sum.Payments)
	}
	if want := min(n-sum.Updated, 10); len(sum.NotUpdated) != want {
		t.Errorf("%d explanations for %d cards not updated: %v", len(sum.NotUpdated), n-sum.Updated, sum.NotUpdated)
	}
	for _, s := range sum.NotUpdated {
		if !strings.Contains(s, "expired") {
			t.Errorf("not updated: %s", s)
		}
	}
	t.Logf("%d/%d updated, %d SMS lost, %d throttled", sum.Updated, n, sum.SMS.Lost, sum.SMS.Throttled)
}
