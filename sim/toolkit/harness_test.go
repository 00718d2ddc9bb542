package toolkit_test

import (
	"bytes"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/sim/toolkit"
	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/cat/profile"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/image/imagetest"
)

const profilePath = "../../fixtures/cards/default.json"

var (
	keysOnce sync.Once
	bankKey  *rsa.PrivateKey // the bank that signs images
	otherKey *rsa.PrivateKey // another bank
	cardKey  *rsa.PrivateKey // the card's "pay" key, generated once for speed
	unsigned *image.Image
	signed   *image.Image
	// profileJSON is fixtures/cards/default.json, read once.
	profileJSON []byte
)

func fixtures(t testing.TB) {
	keysOnce.Do(func() {
		var err error
		for _, k := range []struct {
			dst  **rsa.PrivateKey
			seed string
		}{{&bankKey, "bank"}, {&otherKey, "other bank"}, {&cardKey, "card"}} {
			if *k.dst, err = toolkit.GenerateKey(toolkit.SeededRand(k.seed), 2048); err != nil {
				panic(err)
			}
		}
		if profileJSON, err = os.ReadFile(profilePath); err != nil {
			panic(err)
		}
		unsigned = imagetest.Payment(2048)
		if signed, err = image.Sign(unsigned, bankKey, "bank-2026", image.PKCS1v15SHA256); err != nil {
			panic(err)
		}
	})
}

// term is a minimal terminal: it sends APDUs, runs the FETCH loop and keeps the exchanges.
type term struct {
	t   testing.TB
	c   *card.Card
	rt  *toolkit.Runtime
	log []card.Exchange
	sms [][]byte // SMS TPDUs the card asked to send
	// fetched is the last proactive command.
	fetched []byte
	pending int
	logs    []string
}

type setup struct {
	img      *image.Image // installed at personalisation (nil: none)
	issuers  []image.IssuerKey
	terminal profile.Profile
	noState  bool // a profile without EF 6F04
}

func newTerm(t testing.TB, s setup) *term {
	fixtures(t)
	p, err := card.ParseProfile(profileJSON)
	if err != nil {
		t.Fatal(err)
	}
	if s.issuers == nil {
		s.issuers = []image.IssuerKey{{ID: "bank", Key: &bankKey.PublicKey}}
	}
	if !s.noState {
		if _, err := toolkit.Personalise(p, toolkit.Personalisation{Keys: map[string]int{},
			KeyPairs: map[string]*rsa.PrivateKey{imagetest.KeyName: cardKey}, Issuers: s.issuers, Image: s.img}); err != nil {
			t.Fatal(err)
		}
	}
	tm := &term{t: t}
	c, err := card.New(p, card.WithTrace(func(e card.Exchange) { tm.log = append(tm.log, e) }))
	if err != nil {
		t.Fatal(err)
	}
	tm.c = c
	tm.rt = toolkit.Attach(c, toolkit.Config{Rand: toolkit.SeededRand("session"), Log: func(s string) { tm.logs = append(tm.logs, s) }})
	if s.terminal.Len() == 0 {
		s.terminal = profile.Android()
	}
	tm.apdu(append([]byte{0x80, 0x10, 0, 0, byte(s.terminal.Len())}, s.terminal.Encode()...))
	return tm
}

func (tm *term) apdu(c []byte) []byte {
	r := tm.c.Transmit(c)
	if len(r) < 2 {
		tm.t.Fatalf("response %X", r)
	}
	sw1, sw2 := r[len(r)-2], r[len(r)-1]
	tm.pending = 0
	if sw1 == 0x91 {
		tm.pending = int(sw2)
		if sw2 == 0 {
			tm.pending = 256
		}
	}
	return r
}

func sw(r []byte) uint16 { return uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1]) }

// fetch gets the pending command; nil when none.
func (tm *term) fetch() []byte {
	if tm.pending == 0 {
		return nil
	}
	r := tm.apdu([]byte{0x80, 0x12, 0, 0, byte(tm.pending)})
	if sw(r) != 0x9000 {
		tm.t.Fatalf("FETCH: %X", r)
	}
	tm.fetched = r[:len(r)-2]
	return tm.fetched
}

// respond sends the terminal response to the fetched command: result and extra TLVs (hex).
func (tm *term) respond(result byte, extra ...string) []byte {
	cmd := tm.fetched
	tr := []byte{0x81, 0x03}
	tr = append(tr, details(cmd)...)
	tr = append(tr, 0x82, 0x02, 0x82, 0x81, 0x83, 0x01, result)
	for _, x := range extra {
		b, err := hex.DecodeString(strings.ReplaceAll(x, " ", ""))
		if err != nil {
			tm.t.Fatal(err)
		}
		tr = append(tr, b...)
	}
	return tm.apdu(append([]byte{0x80, 0x14, 0, 0, byte(len(tr))}, tr...))
}

func details(cmd []byte) []byte {
	m, err := cat.Decode(cmd)
	if err != nil {
		return []byte{0, 0, 0}
	}
	d := m.Details()
	return []byte{d.Number, byte(d.Type), d.Qualifier}
}

func cmdType(cmd []byte) byte { return details(cmd)[1] }

// envelope sends an ENVELOPE.
func (tm *term) envelope(hexs string) []byte {
	b, _ := hex.DecodeString(strings.ReplaceAll(hexs, " ", ""))
	return tm.apdu(append([]byte{0x80, 0xC2, 0, 0, byte(len(b))}, b...))
}

// selectMenu sends MENU SELECTION for item id (help: with a help request).
func (tm *term) selectMenu(id byte, help bool) []byte {
	if help {
		return tm.envelope(fmt.Sprintf("D3 09 82 02 01 81 90 01 %02X 15 00", id))
	}
	return tm.envelope(fmt.Sprintf("D3 07 82 02 01 81 90 01 %02X", id))
}

// textTLV is a Text string TLV for a terminal response (DCS 04, 8-bit, as handsets answer
// digits).
func textTLV(s string) string { return fmt.Sprintf("8D %02X 04 %X", len(s)+1, s) }

// transcript is the exchanges with each proactive command, terminal response and envelope
// decoded by stk/cat.
func (tm *term) transcript() string {
	var sb strings.Builder
	for _, e := range tm.log {
		sb.WriteString(card.Listing([]card.Exchange{e}))
		var msg []byte
		switch {
		case len(e.Command) > 5 && (e.Command[1] == 0x14 || e.Command[1] == 0xC2):
			msg = e.Command[5:]
		case len(e.Command) == 5 && e.Command[1] == 0x12 && len(e.Response) > 2:
			msg = e.Response[:len(e.Response)-2]
		}
		if msg != nil {
			j, err := cat.JSON(msg)
			var c bytes.Buffer
			if err == nil {
				err = json.Compact(&c, j)
			}
			if err != nil {
				fmt.Fprintf(&sb, "    ?? %v\n", err)
			} else {
				fmt.Fprintf(&sb, "    = %s\n", c.Bytes())
			}
		}
	}
	return sb.String()
}
