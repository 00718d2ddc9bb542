package toolkit_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/sebdah/goldie/v2"

	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/image/imagetest"
	"github.com/stkforge/stkforge/stk/pay"
)

func golden(t *testing.T) *goldie.Goldie {
	return goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/sim/toolkit"), goldie.WithNameSuffix(".golden"))
}

// answer is the user and handset: the result and extra TLVs for a proactive command.
type answer func(cmd []byte) (byte, []string)

// run answers every proactive command until the card has none; it returns their types.
func (tm *term) run(f answer) []byte {
	var types []byte
	for n := 0; tm.pending > 0; n++ {
		if n > 50 {
			tm.t.Fatal("more than 50 proactive commands")
		}
		cmd := tm.fetch()
		types = append(types, cmdType(cmd))
		if cmdType(cmd) == 0x13 {
			tm.sms = append(tm.sms, tpdu(tm.t, cmd))
		}
		r, extra := f(cmd)
		if s := sw(tm.respond(r, extra...)); s != 0x9000 && s>>8 != 0x91 {
			tm.t.Fatalf("TERMINAL RESPONSE: %04X", s)
		}
	}
	return types
}

func tpdu(t testing.TB, cmd []byte) []byte {
	m, err := cat.Decode(cmd)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range m.Elements {
		if e.Tag == 0x0B {
			return e.Value
		}
	}
	t.Fatal("SEND SHORT MESSAGE without a TPDU")
	return nil
}

// payer answers a payment: language lang, bill kind 1, payee, amount, yes, PIN.
func payer(lang, payee, amount, pin string) answer {
	inputs := []string{payee, amount, pin}
	return func(cmd []byte) (byte, []string) {
		switch cmdType(cmd) {
		case 0x26:
			return 0, []string{fmt.Sprintf("AD 02 %X", lang)}
		case 0x24:
			return 0, []string{"90 01 01"}
		case 0x23:
			s := inputs[0]
			inputs = inputs[1:]
			return 0, []string{textTLV(s)}
		case 0x22:
			return 0, []string{"8D 02 04 01"}
		}
		return 0, nil
	}
}

// userData reassembles the user data of SMS-SUBMIT TPDUs (8-bit, with or without the
// concatenation UDH): TS 23.040 9.2.2.2.
func userData(t testing.TB, tpdus [][]byte) []byte {
	var out []byte
	for i, tp := range tpdus {
		udhi := tp[0]&0x40 != 0
		daLen := (int(tp[2]) + 1) / 2
		p := 2 + 2 + daLen // first octet, MR, DA (len, TON/NPI, BCD)
		p += 2             // PID, DCS
		if tp[p-1] != 0x04 {
			t.Fatalf("segment %d: DCS %02X, want 04", i, tp[p-1])
		}
		udl := int(tp[p])
		ud := tp[p+1:]
		if len(ud) != udl {
			t.Fatalf("segment %d: UDL %d, %d octets", i, udl, len(ud))
		}
		if udhi {
			if ud[0] != 5 || ud[1] != 0 || ud[2] != 3 || int(ud[4]) != len(tpdus) || int(ud[5]) != i+1 {
				t.Fatalf("segment %d: UDH % X", i, ud[:6])
			}
			ud = ud[6:]
		}
		out = append(out, ud...)
	}
	return out
}

func TestPaymentSession(t *testing.T) {
	fixtures(t)
	tm := newTerm(t, setup{img: signed})
	if got := tm.run(func([]byte) (byte, []string) { return 0, nil }); !bytes.Equal(got, []byte{0x25}) {
		t.Fatalf("after TERMINAL PROFILE: %X, want SET UP MENU", got)
	}
	tm.selectMenu(2, false)
	types := tm.run(payer("en", "6222020200112233", "100", "1234"))
	want := []byte{0x26, 0x24, 0x23, 0x23, 0x22, 0x23, 0x13, 0x13, 0x13, 0x21}
	if !bytes.Equal(types, want) {
		t.Fatalf("commands %X, want %X\n%s", types, want, strings.Join(tm.logs, "\n"))
	}
	body := userData(t, tm.sms)
	sig := body[len(body)-256:]
	fields := strings.Fields(string(body[:len(body)-256]))
	if len(fields) != 5 || fields[0] != "PAY" || fields[3] != "6222020200112233" || fields[4] != "100" || fields[2] != "1" {
		t.Fatalf("body %q", body[:len(body)-256])
	}
	tx := pay.Transaction{App: "demo-bank", Fields: []pay.Field{{Name: "card.iccid", Value: []byte(fields[1])},
		{Name: "txn", Value: []byte(fields[2])}, {Name: "payee", Value: []byte(fields[3])}, {Name: "amount", Value: []byte(fields[4])}}}
	msg, err := tx.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := tm.rt.PublicKey(imagetest.KeyName)
	if !ok {
		t.Fatal("no public key")
	}
	if err := pay.Verify(pub, pay.PKCS1v15SHA256, msg, sig); err != nil {
		t.Fatalf("signature does not verify with the card's public key: %v", err)
	}
	if fields[1] != "8988211000000430010" {
		t.Errorf("ICCID %q", fields[1])
	}
	if tm.rt.Counter() != 1 {
		t.Errorf("counter %d", tm.rt.Counter())
	}
	golden(t).Assert(t, "payment-session", []byte(tm.transcript()))
}

// TestLocalisation: the handset answers zh, so the prompts come in Chinese; a language the image
// lacks falls back to the first.
func TestLocalisation(t *testing.T) {
	fixtures(t)
	for _, c := range []struct{ lang, want string }{{"zh", "收款账号"}, {"fr", "Payee account"}} {
		tm := newTerm(t, setup{img: signed})
		tm.run(func([]byte) (byte, []string) { return 0, nil })
		tm.selectMenu(2, false)
		var prompt string
		tm.run(func(cmd []byte) (byte, []string) {
			if cmdType(cmd) == 0x23 && prompt == "" {
				var gi cat.GetInput
				if err := gi.Unmarshal(cmd); err != nil {
					t.Fatal(err)
				}
				prompt = gi.Text.Text
			}
			return payer(c.lang, "6222020200112233", "100", "1234")(cmd)
		})
		if prompt != c.want {
			t.Errorf("%s: prompt %q, want %q\n%q", c.lang, prompt, c.want, tm.logs)
		}
		if c.lang == "zh" {
			golden(t).Assert(t, "payment-session-zh", []byte(tm.transcript()))
		}
	}
}

func TestImageGolden(t *testing.T) {
	fixtures(t)
	golden(t).Assert(t, "sample-listing", []byte(signed.Listing(image.ListingOptions{Keys: []image.IssuerKey{{ID: "bank", Key: &bankKey.PublicKey}}})))
}
