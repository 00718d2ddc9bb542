package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stkforge/stkforge/ota/campaign"
	"github.com/stkforge/stkforge/ota/remote"
	"github.com/stkforge/stkforge/sim/network"
	"github.com/stkforge/stkforge/sim/toolkit"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/image/imagetest"
)

// TestPushImage: a signed script image goes by OTA (RFM into slot A, then the commit,
// docs/image-format.md "OTA delivery") to cards running the toolkit runtime. Cards that trust
// the bank's key activate it (por_ok); two cards trust another key and refuse it, which the
// campaign reads from the control EF in the PoR (por_error, commit status 05).
func TestPushImage(t *testing.T) {
	const n = 12
	e := newE2E(t, n, network.Faults{})
	bank, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := image.Sign(imagetest.Hello("Bank"), bank, "bank", image.PKCS1v15SHA256)
	if err != nil {
		t.Fatal(err)
	}
	rts := map[string]*toolkit.Runtime{}
	i := 0
	for m, h := range e.fleet.Handsets {
		key := &bank.PublicKey
		if i < 2 {
			key = &other.PublicKey
		}
		rts[m] = toolkit.Attach(h.Card, toolkit.Config{Issuers: []image.IssuerKey{{ID: "bank", Key: key}}, Rand: toolkit.SeededRand(m)})
		i++
	}
	spec := spnSpec(t, "")
	spec.Name, spec.Script, spec.Image, spec.ImageSlot, spec.ErrorThreshold = "bank menu", nil, signed.Bytes(), 1, 0.5
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sum, err := pushRun(ctx, pushOptions{Store: e.store, Provider: e.kp, SMPP: e.smpp, Spec: spec, ID: "img"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != campaign.Finished || sum.Counts[campaign.PoROK] != n-2 || sum.Counts[campaign.PoRError] != 2 {
		t.Fatalf("summary %+v", sum)
	}
	if want := (len(signed.Bytes())+255)/256 + 1; sum.Segments < int64(n*want/2) {
		t.Errorf("%d segments for %d cards: the image did not need concatenation?", sum.Segments, n)
	}
	j, _ := campaign.OpenJournal(e.store, nil)
	ts, _ := j.Targets(context.Background(), "img", -1, 100, "")
	for _, tg := range ts {
		rt := rts[tg.MSISDN]
		switch tg.State {
		case campaign.PoROK:
			if rt.Image() == nil || hex.EncodeToString(rt.Image().Bytes()) != hex.EncodeToString(signed.Bytes()) {
				t.Errorf("card %s: por_ok but the image is not active", tg.ICCID)
			}
		case campaign.PoRError:
			if !strings.Contains(tg.LastError, "commit status 05 ("+remote.ImageCommitStatus(5)+")") || rt.Image() != nil {
				t.Errorf("card %s: %s", tg.ICCID, tg.LastError)
			}
		default:
			t.Errorf("card %s: %s", tg.ICCID, tg.State)
		}
	}
}
