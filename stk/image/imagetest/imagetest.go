// Package imagetest builds sample script images by hand with the stk/image builder, for tests
// of the image format and of the card's toolkit runtime (sim/toolkit): a bank menu in English
// and Chinese with a balance enquiry, a payment (input, confirm, PIN, RSA signature,
// concatenated 8-bit SMS) and a submenu.
package imagetest

import (
	"fmt"

	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/text"
)

// Langs are the sample's languages.
var Langs = []string{"en", "zh"}

// B wraps the builder with helpers that code texts the way the checker does (the shortest
// coding per language).
type B struct {
	*image.Builder
	Langs []string
}

// New starts a sample image.
func New(name string, langs ...string) *B {
	return &B{Builder: image.NewBuilder(name, langs), Langs: langs}
}

func (b *B) per(s []string) []string {
	if len(s) == 1 && len(b.Langs) > 1 {
		out := make([]string, len(b.Langs))
		for i := range out {
			out[i] = s[0]
		}
		return out
	}
	if len(s) != len(b.Langs) {
		panic(fmt.Sprintf("imagetest: %d versions for %d languages", len(s), len(b.Langs)))
	}
	return s
}

// Alpha adds a fixed alpha text, one string per language (or one for all).
func (b *B) Alpha(s ...string) int {
	t := image.Text{Context: image.CtxAlpha}
	for _, x := range b.per(s) {
		a, err := text.ShortestAlpha(x)
		must(err)
		enc, err := a.Append(nil)
		must(err)
		c := map[text.AlphaFormat]image.Coding{text.AlphaGSM: image.CodingAlphaGSM, text.AlphaUCS2: image.CodingAlpha80,
			text.AlphaUCS2Base81: image.CodingAlpha81, text.AlphaUCS2Base82: image.CodingAlpha82}[a.Format]
		t.Langs = append(t.Langs, image.FixedText(c, enc))
	}
	return b.Text(t)
}

// TextString adds a fixed Text string text.
func (b *B) TextString(s ...string) int {
	t := image.Text{Context: image.CtxTextString}
	for _, x := range b.per(s) {
		dcs, data, err := text.ShortestText(x)
		must(err)
		c := image.CodingPacked7
		if dcs == 0x08 {
			c = image.CodingUCS2
		}
		t.Langs = append(t.Langs, image.FixedText(c, data))
	}
	return b.Text(t)
}

// Template adds a parts text in context ctx: each language's parts, a string literal or an int
// variable index; coding gsm picks GSM 7-bit / alpha GSM when the literals allow it.
func (b *B) Template(ctx image.Context, per ...[]any) int {
	if len(per) != len(b.Langs) {
		panic("imagetest: one parts list per language")
	}
	t := image.Text{Context: ctx}
	for _, ps := range per {
		var parts []image.Part
		gsm := true
		for _, p := range ps {
			switch v := p.(type) {
			case string:
				parts = append(parts, image.LitPart(v))
				if _, ok := text.GSMLen(v); !ok {
					gsm = false
				}
			case int:
				parts = append(parts, image.VarPart(v))
			}
		}
		var c image.Coding
		switch {
		case ctx == image.CtxOctets:
			c = image.CodingOctets
		case ctx == image.CtxAlpha && gsm:
			c = image.CodingAlphaGSM
		case ctx == image.CtxAlpha:
			c = image.CodingAlpha80
		case gsm:
			c = image.CodingPacked7
		default:
			c = image.CodingUCS2
		}
		t.Langs = append(t.Langs, image.PartsText(c, parts...))
	}
	return b.Text(t)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// Sample's fixed facts.
const (
	BankNumber = "95588"
	PINRef     = 0x01
	KeyName    = "pay"
)

// bankDA is TP-DA for 95588: 5 digits, unknown/ISDN, BCD.
var bankDA = []byte{0x05, 0x81, 0x59, 0x55, 0xF8}

// Vars of the sample, by name.
const (
	VarICCID = "card.iccid"
	VarPayee = "payee"
	VarAmt   = "amount"
	VarTxn   = "txn"
	VarPIN   = "pin"
	VarTries = "tries"
	VarSig   = "sig"
	VarKind  = "kind"
)

// Payment builds the sample bank image: main menu Balance / Pay / More, Pay asking payee and
// amount (refusing amounts above 50000), confirming, checking the PIN, signing card.iccid,
// txn, payee, amount with the 2048-bit key "pay" and sending "PAY ..." plus the signature as
// concatenated 8-bit SMS to 95588. Bits is the key size (2048 unless testing).
func Payment(bits int) *image.Image {
	b := New("demo-bank", Langs...)
	iccid := b.Var(image.Var{Name: VarICCID, Type: image.TypeDigits, MaxLen: 20})
	payee := b.Var(image.Var{Name: VarPayee, Type: image.TypeDigits, MaxLen: 19})
	amount := b.Var(image.Var{Name: VarAmt, Type: image.TypeDigits, MaxLen: 8})
	txn := b.Var(image.Var{Name: VarTxn, Type: image.TypeDigits, MaxLen: 10})
	pin := b.Var(image.Var{Name: VarPIN, Type: image.TypeDigits, MaxLen: 8})
	tries := b.Var(image.Var{Name: VarTries, Type: image.TypeDigits, MaxLen: 2})
	sig := b.Var(image.Var{Name: VarSig, Type: image.TypeBytes, MaxLen: bits / 8})
	kind := b.Var(image.Var{Name: VarKind, Type: image.TypeChoice, MaxLen: 5, Choices: []string{"water", "power"}})
	key := b.Key(image.Key{Name: KeyName, Bits: bits, Scheme: "pkcs1v15-sha256"})

	display := func(t int) int {
		return b.Builder.Template(image.Template{Type: image.TypeDisplayText, Qualifier: 0x80, Dest: 0x02,
			Elements: []image.Element{image.TextElement(0x8D, t)}})
	}
	input := func(prompt int, q byte, minLen, maxLen byte) int {
		return b.Builder.Template(image.Template{Type: image.TypeGetInput, Qualifier: q, Dest: 0x82,
			Elements: []image.Element{image.TextElement(0x8D, prompt), image.LitElement(0x91, []byte{minLen, maxLen})}})
	}
	sent := display(b.TextString("Sent.", "已发送"))
	tooLarge := display(b.TextString("Amount too large", "金额过大"))
	cancelled := display(b.TextString("Cancelled", "已取消"))
	blocked := display(b.TextString("PIN blocked", "密码已锁定"))
	wrong := display(b.Template(image.CtxTextString, []any{"Wrong PIN, ", tries, " tries left"}, []any{"密码错误，还剩", tries, "次"}))
	paid := display(b.Template(image.CtxTextString, []any{"Paid ", amount, " for ", kind}, []any{"已支付", amount, "元 ", kind}))
	askPayee := input(b.TextString("Payee account", "收款账号"), 0x00, 6, 19)
	askAmount := input(b.TextString("Amount", "金额"), 0x00, 1, 8)
	askPIN := input(b.TextString("PIN", "支付密码"), 0x04, 4, 8)
	confirm := b.Builder.Template(image.Template{Type: image.TypeGetInkey, Qualifier: 0x04, Dest: 0x82,
		Elements: []image.Element{image.TextElement(0x8D, b.Template(image.CtxTextString,
			[]any{"Pay ", amount, " to ", payee, "?"}, []any{"向", payee, "支付", amount, "元？"}))}})
	chooseKind := b.Builder.Template(image.Template{Type: image.TypeSelectItem, Qualifier: 0x00, Dest: 0x82,
		Elements: []image.Element{image.TextElement(0x85, b.Alpha("Bill", "缴费")),
			image.ItemElement(0x8F, 1, b.Alpha("Water", "水费")), image.ItemElement(0x8F, 2, b.Alpha("Power", "电费"))}})
	smsTpl := func(alpha int) int {
		return b.Builder.Template(image.Template{Type: image.TypeSendShortMessage, Qualifier: 0x00, Dest: 0x83,
			Elements: []image.Element{image.TextElement(0x85, alpha), image.SlotElement(0x8B)}})
	}
	paySMS := b.SMS(image.SMS{Template: smsTpl(b.Alpha("Paying", "正在支付")), DA: bankDA, Concatenate: true,
		Text: b.Template(image.CtxOctets, []any{"PAY ", iccid, " ", txn, " ", payee, " ", amount, " ", sig},
			[]any{"PAY ", iccid, " ", txn, " ", payee, " ", amount, " ", sig})})
	balSMS := b.SMS(image.SMS{Template: smsTpl(b.Alpha("Asking the bank", "正在查询")), DA: bankDA,
		Text: b.Template(image.CtxSMS, []any{"YE ", iccid}, []any{"YE ", iccid})})
	call := b.Builder.Template(image.Template{Type: image.TypeSetUpCall, Qualifier: 0x00, Dest: 0x83,
		Elements: []image.Element{image.TextElement(0x85, b.Alpha("Call the bank?", "拨打客服电话？")),
			image.LitElement(0x86, []byte{0x81, 0x59, 0x55, 0xF8})}})
	more := b.Builder.Template(image.Template{Type: image.TypeSelectItem, Qualifier: 0x00, Dest: 0x82,
		Elements: []image.Element{image.TextElement(0x85, b.Alpha("More", "更多")),
			image.ItemElement(0x8F, 1, b.Alpha("Call us", "客服电话")), image.ItemElement(0x8F, 2, b.Alpha("Back", "返回"))}})
	mainTpl := b.Builder.Template(image.Template{Type: image.TypeSetUpMenu, Qualifier: 0x80, Dest: 0x82,
		Elements: []image.Element{image.TextElement(0x85, b.Alpha("Mobile Bank", "手机银行")),
			image.ItemElement(0x8F, 1, b.Alpha("Balance", "余额查询")), image.ItemElement(0x8F, 2, b.Alpha("Pay", "支付")),
			image.ItemElement(0x8F, 3, b.Alpha("More", "更多"))}})

	c := b.Code()
	lBalance, lPay, lMore, lCall, lBack := c.NewLabel(), c.NewLabel(), c.NewLabel(), c.NewLabel(), c.NewLabel()
	lSmall, lNo, lWrong, lBlocked := c.NewLabel(), c.NewLabel(), c.NewLabel(), c.NewLabel()

	c.Mark(lBalance)
	c.SMS(balSMS)
	c.Cmd(sent)
	c.End()

	c.Mark(lPay)
	c.Select(chooseKind, kind)
	c.Input(askPayee, payee)
	c.Input(askAmount, amount)
	c.IfLit(image.CmpGt|image.Numeric, amount, []byte("50000"), lSmall)
	c.Cmd(tooLarge)
	c.End()
	c.Mark(lSmall)
	c.Count(txn)
	c.Inkey(confirm, -1)
	c.On(image.Mask(image.OutNo), lNo)
	c.Input(askPIN, pin)
	c.VerifyPIN(PINRef, pin, tries)
	c.On(image.Mask(image.OutWrong), lWrong)
	c.On(image.Mask(image.OutBlocked), lBlocked)
	c.Sign(key, sig, []int{iccid, txn, payee, amount})
	c.SMS(paySMS)
	c.Cmd(paid)
	c.End()
	c.Mark(lNo)
	c.Cmd(cancelled)
	c.End()
	c.Mark(lWrong)
	c.Cmd(wrong)
	c.End()
	c.Mark(lBlocked)
	c.Cmd(blocked)
	c.End()

	c.Mark(lMore)
	m := b.Menu(image.Menu{Template: more, Items: []image.MenuItem{{ID: 1, Label: lCall, Help: image.NoText}, {ID: 2, Label: lBack, Help: image.NoText}}})
	c.Menu(m)
	c.Mark(lCall)
	c.Cmd(call)
	c.On(image.Mask(image.OutDeclined), lBack)
	c.End()
	c.Mark(lBack)
	c.End()

	b.SetMain(image.Menu{Template: mainTpl, Items: []image.MenuItem{
		{ID: 1, Label: lBalance, Help: b.TextString("The balance comes by SMS", "余额以短信通知")},
		{ID: 2, Label: lPay, Help: image.NoText},
		{ID: 3, Label: lMore, Help: image.NoText},
	}})
	img, err := b.Build()
	must(err)
	return img
}

// Hello builds a one-language image: a SET UP MENU titled title with one item that shows
// "Hello, world".
func Hello(title string) *image.Image {
	b := New("hello", "en")
	hello := b.Builder.Template(image.Template{Type: image.TypeDisplayText, Qualifier: 0x80, Dest: 0x02,
		Elements: []image.Element{image.TextElement(0x8D, b.TextString("Hello, world"))}})
	mainTpl := b.Builder.Template(image.Template{Type: image.TypeSetUpMenu, Qualifier: 0x00, Dest: 0x82,
		Elements: []image.Element{image.TextElement(0x85, b.Alpha(title)), image.ItemElement(0x8F, 1, b.Alpha("Hello"))}})
	c := b.Code()
	l := c.NewLabel()
	c.Mark(l)
	c.Cmd(hello)
	c.End()
	b.SetMain(image.Menu{Template: mainTpl, Items: []image.MenuItem{{ID: 1, Label: l, Help: image.NoText}}})
	img, err := b.Build()
	must(err)
	return img
}
