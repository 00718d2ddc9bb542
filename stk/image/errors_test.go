package image_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stkforge/stkforge/stk/image"
	"github.com/stkforge/stkforge/stk/image/imagetest"
)

// bad builds an image the way the generator would, with one mistake made by f.
func bad(f func(b *imagetest.B, c *image.Asm, entry image.Label, display int)) error {
	b := imagetest.New("bad", "en")
	display := b.Builder.Template(image.Template{Type: image.TypeDisplayText, Qualifier: 0x80, Dest: 0x02,
		Elements: []image.Element{image.TextElement(0x8D, b.TextString("Hi"))}})
	menu := b.Builder.Template(image.Template{Type: image.TypeSetUpMenu, Dest: 0x82,
		Elements: []image.Element{image.TextElement(0x85, b.Alpha("Menu")), image.ItemElement(0x8F, 1, b.Alpha("One"))}})
	c := b.Code()
	entry := c.NewLabel()
	c.Mark(entry)
	f(b, c, entry, display)
	b.SetMain(image.Menu{Template: menu, Items: []image.MenuItem{{ID: 1, Label: entry, Help: image.NoText}}})
	_, err := b.Build()
	return err
}

// TestBadImages: each class of mistake is refused with the field and what is wrong.
func TestBadImages(t *testing.T) {
	cases := []struct {
		name string
		f    func(b *imagetest.B, c *image.Asm, entry image.Label, display int)
	}{
		{"template out of range", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) { c.Cmd(99) }},
		{"wrong command for the instruction", func(b *imagetest.B, c *image.Asm, _ image.Label, d int) { c.Input(d, 0) }},
		{"variable out of range", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) { c.Count(5) }},
		{"counter into text", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) {
			c.Count(b.Var(image.Var{Name: "x", Type: image.TypeText, MaxLen: 3}))
		}},
		{"sign into a short variable", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) {
			k := b.Key(image.Key{Name: "pay", Bits: 2048, Scheme: "pkcs1v15-sha256"})
			c.Sign(k, b.Var(image.Var{Name: "sig", Type: image.TypeBytes, MaxLen: 128}), nil)
		}},
		{"bad key scheme", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) {
			b.Key(image.Key{Name: "pay", Bits: 2048, Scheme: "sha1"})
			c.End()
		}},
		{"unmarked label", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) { c.Jmp(c.NewLabel()) }},
		{"template too long", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) {
			v := b.Var(image.Var{Name: "long", Type: image.TypeText, MaxLen: 200})
			t := b.Template(image.CtxTextString, []any{"Text: ", v})
			c.Cmd(b.Builder.Template(image.Template{Type: image.TypeDisplayText, Qualifier: 0x80, Dest: 0x02,
				Elements: []image.Element{image.TextElement(0x8D, t)}}))
		}},
		{"text context mismatch", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) {
			c.Cmd(b.Builder.Template(image.Template{Type: image.TypeDisplayText, Qualifier: 0x80, Dest: 0x02,
				Elements: []image.Element{image.TextElement(0x8D, b.Alpha("Alpha"))}}))
		}},
		{"bytes in a display", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) {
			v := b.Var(image.Var{Name: "sig", Type: image.TypeBytes, MaxLen: 4})
			c.Cmd(b.Builder.Template(image.Template{Type: image.TypeDisplayText, Qualifier: 0x80, Dest: 0x02,
				Elements: []image.Element{image.TextElement(0x8D, b.Template(image.CtxTextString, []any{v}))}}))
		}},
		{"missing language", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) {
			b.Text(image.Text{Context: image.CtxAlpha})
			c.End()
		}},
		{"undecodable fixed text", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) {
			b.Text(image.Text{Context: image.CtxAlpha, Langs: []image.LangText{image.FixedText(image.CodingAlpha81, []byte{0x81, 0x05})}})
			c.End()
		}},
		{"sms text stored fixed", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) {
			b.Text(image.Text{Context: image.CtxSMS, Langs: []image.LangText{image.FixedText(image.CodingPacked7, []byte{0x41})}})
			c.End()
		}},
		{"command details in a template", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) {
			c.Cmd(b.Builder.Template(image.Template{Type: image.TypeDisplayText, Qualifier: 0x80, Dest: 0x02,
				Elements: []image.Element{image.LitElement(0x81, []byte{1, 0x21, 0x80})}}))
		}},
		{"sms address", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) {
			tpl := b.Builder.Template(image.Template{Type: image.TypeSendShortMessage, Dest: 0x83, Elements: []image.Element{image.SlotElement(0x8B)}})
			c.SMS(b.SMS(image.SMS{Template: tpl, DA: []byte{0x05, 0x81, 0x59}, Text: b.Template(image.CtxSMS, []any{"x"})}))
		}},
		{"display text without text", func(b *imagetest.B, c *image.Asm, _ image.Label, _ int) {
			c.Cmd(b.Builder.Template(image.Template{Type: image.TypeDisplayText, Qualifier: 0x80, Dest: 0x02}))
		}},
	}
	var sb strings.Builder
	for _, c := range cases {
		err := bad(c.f)
		if err == nil {
			t.Errorf("%s: built", c.name)
			continue
		}
		fmt.Fprintf(&sb, "%s:\n  %v\n", c.name, err)
	}
	golden(t).Assert(t, "bad-images", []byte(sb.String()))
}
