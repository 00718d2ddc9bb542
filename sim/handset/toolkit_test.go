package handset

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"testing"

	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/text"
)

// scriptKit is a test toolkit: SET UP MENU after TERMINAL PROFILE, and on each MENU SELECTION
// a script of proactive commands, one queued after each TERMINAL RESPONSE. It keeps every
// terminal response and checks the PIN with the card, as the real runtime (sim/toolkit) will.
type scriptKit struct {
	t       testing.TB
	menu    cat.Command
	scripts map[uint8][]cat.Command
	queue   []cat.Command
	trs     []cat.TerminalResponse
	pinOK   []bool
	// sign, when set, signs the amount with RSA PKCS#1 v1.5 SHA-256 after a correct PIN and
	// sends the signature in two SMS of 128 bytes to 95588, as the payment runtime will.
	sign   *rsa.PrivateKey
	amount string
}

func mustMarshal(t testing.TB, c cat.Command) []byte {
	t.Helper()
	b, err := c.Marshal()
	if err != nil {
		t.Fatalf("%T: %v", c, err)
	}
	return b
}

func (k *scriptKit) next(p *card.Proactive) {
	if len(k.queue) == 0 {
		return
	}
	c := k.queue[0]
	k.queue = k.queue[1:]
	c.Header().Number = p.NextNumber()
	if err := p.Queue(mustMarshal(k.t, c)); err != nil {
		k.t.Fatal(err)
	}
}

func (k *scriptKit) TerminalProfile(p *card.Proactive, _ []byte) {
	k.queue = append(k.queue, k.menu)
	k.next(p)
}

func (k *scriptKit) Envelope(p *card.Proactive, env []byte) ([]byte, uint16) {
	e, err := cat.UnmarshalEnvelope(env)
	if err != nil {
		return nil, card.SWOK
	}
	switch x := e.(type) {
	case *cat.MenuSelection:
		if x.HelpRequest {
			k.queue = append(k.queue, &cat.DisplayText{Text: cat.TextString{DCS: 0x04, Text: "Help text"}})
		} else {
			k.queue = append(k.queue, k.scripts[x.Item.Identifier]...)
		}
	case *cat.TimerExpiration:
		k.queue = append(k.queue, &cat.DisplayText{Text: cat.TextString{DCS: 0x04, Text: "Timer ran out"}})
	}
	k.next(p)
	return nil, card.SWOK
}

func (k *scriptKit) TerminalResponse(p *card.Proactive, cmd, tr []byte) uint16 {
	var r cat.TerminalResponse
	if err := r.Unmarshal(tr); err != nil {
		k.t.Errorf("terminal response % X: %v", tr, err)
		return card.SWOK
	}
	k.trs = append(k.trs, r)
	switch {
	case r.Result.General >= 0x10 && r.Result.General < 0x20:
		k.queue = nil // the user left: the session ends
	case r.Details.Type == cat.TypeGetInput && r.Details.Qualifier&cat.GetInputHidden != 0 && r.Text != nil:
		ok, _, _ := p.CheckPIN(card.RefPIN1, r.Text.Text)
		k.pinOK = append(k.pinOK, ok)
		if ok && k.sign != nil {
			sum := sha256.Sum256([]byte("PAY " + k.amount))
			sig, err := rsa.SignPKCS1v15(nil, k.sign, crypto.SHA256, sum[:])
			if err != nil {
				k.t.Fatal(err)
			}
			for i, c := range k.queue {
				if _, isSMS := c.(*cat.SendShortMessage); isSMS {
					k.queue = append(k.queue[:i:i], append([]cat.Command{
						&cat.SendShortMessage{CommandHeader: hdr(0, cat.DeviceNetwork), Alpha: &cat.AlphaIdentifier{}, TPDU: smsSubmitBytes(k.t, "95588", sig[:128])},
						&cat.SendShortMessage{CommandHeader: hdr(0, cat.DeviceNetwork), Alpha: &cat.AlphaIdentifier{}, TPDU: smsSubmitBytes(k.t, "95588", sig[128:])},
					}, k.queue[i+1:]...)...)
					break
				}
			}
		}
	case r.Details.Type == cat.TypeGetInput && r.Text != nil:
		k.amount = r.Text.Text
	}
	k.next(p)
	return card.SWOK
}

func (k *scriptKit) SecuredData(*card.Proactive, *card.Instance, []byte) []byte { return nil }

func alpha(s string) *cat.AlphaIdentifier {
	a, _ := text.ShortestAlpha(s)
	return &cat.AlphaIdentifier{Alpha: a}
}

func item(id uint8, s string) cat.Item {
	a, _ := text.ShortestAlpha(s)
	return cat.Item{Identifier: id, Alpha: a}
}

func ucs(s string) cat.TextString { return cat.TextString{DCS: 0x08, Text: s} }

func smsSubmit(t testing.TB, to, msg string) cat.SMSTPDU { return smsSubmitBytes(t, to, []byte(msg)) }

func smsSubmitBytes(t testing.TB, to string, ud []byte) cat.SMSTPDU {
	s := &smspp.Submit{MR: 0, DA: smspp.Number(to), PID: 0, DCS: 0x04, UD: ud}
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return cat.SMSTPDU{RawValue: cat.RawValue{Data: b}}
}

// payKit is a payment menu in the shape of fixtures/menus/bank-zh.yaml: amount, confirmation,
// PIN, SMS to the bank, receipt.
func payKit(t testing.TB) *scriptKit {
	return &scriptKit{t: t,
		menu: &cat.SetUpMenu{CommandHeader: cat.CommandHeader{Qualifier: cat.SetUpMenuHelp, Destination: cat.DeviceTerminal},
			Alpha: *alpha("手机银行"), Items: []cat.Item{item(1, "余额查询"), item(2, "支付")}},
		scripts: map[uint8][]cat.Command{
			1: {&cat.SendShortMessage{CommandHeader: cat.CommandHeader{Destination: cat.DeviceNetwork}, Alpha: alpha("正在查询余额"),
				TPDU: smsSubmit(t, "95588", "YE")},
				&cat.DisplayText{CommandHeader: cat.CommandHeader{Qualifier: cat.DisplayTextWaitForUser, Destination: cat.DeviceDisplay},
					Text: ucs("查询已发送")}},
			2: {&cat.GetInput{CommandHeader: cat.CommandHeader{Destination: cat.DeviceTerminal}, Text: ucs("请输入金额（元）"),
				ResponseLength: cat.ResponseLength{Min: 1, Max: 8}},
				&cat.GetInkey{CommandHeader: cat.CommandHeader{Qualifier: cat.GetInkeyYesNo, Destination: cat.DeviceTerminal},
					Text: ucs("支付100元？")},
				&cat.GetInput{CommandHeader: cat.CommandHeader{Qualifier: cat.GetInputHidden, Destination: cat.DeviceTerminal},
					Text: ucs("请输入支付密码"), ResponseLength: cat.ResponseLength{Min: 4, Max: 8}},
				&cat.SendShortMessage{CommandHeader: cat.CommandHeader{Destination: cat.DeviceNetwork}, Alpha: &cat.AlphaIdentifier{},
					TPDU: smsSubmit(t, "95588", "PAY 100")},
				&cat.DisplayText{CommandHeader: cat.CommandHeader{Qualifier: cat.DisplayTextWaitForUser, Destination: cat.DeviceDisplay},
					Text: ucs("支付成功")}},
		}}
}

func newSession(t testing.TB, kit *scriptKit, prof string, opts ...Option) (*Handset, *card.Card) {
	t.Helper()
	p, err := card.LoadProfile("../../fixtures/cards/default.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := card.New(p)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToolkit(kit)
	hp, err := LookupProfile(prof)
	if err != nil {
		t.Fatal(err)
	}
	return New(c, hp, opts...), c
}
