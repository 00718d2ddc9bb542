package check

import (
	"testing"

	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/text"
)

// TestSizesAgainstCodec: the checker's command sizes agree with what the CAT codec encodes.
// Menus and fixed display texts are built with stk/cat in every language: each encoding is at
// most the checker's MaxCommand, and exactly it for a one-language spec; the alpha and text
// bytes the checker chose decode back to the source.
func TestSizesAgainstCodec(t *testing.T) {
	for _, f := range append(menuFiles(t, "menus"), "testdata/all-actions.yaml") {
		p, out := lintFile(t, f)
		if len(out) > 0 {
			t.Fatalf("%s:\n%s", f, out)
		}
		for li, lang := range p.Languages {
			alpha := func(tx *Text) text.Alpha {
				l := tx.Langs[li]
				a, err := text.DecodeAlpha(l.Bytes)
				if err != nil || a.Text != l.Source {
					t.Fatalf("%s %s: alpha % X decodes to %q, %v; want %q", f, lang, l.Bytes, a.Text, err, l.Source)
				}
				return a
			}
			for _, m := range append([]*Menu{p.Main}, p.Menus...) {
				var items []cat.Item
				for _, it := range m.Items {
					items = append(items, cat.Item{Identifier: it.ID, Alpha: alpha(it.Text)})
				}
				var b []byte
				var err error
				hdr := cat.CommandHeader{Number: 1, Qualifier: m.Cmd.Qualifier, Destination: cat.Device(m.Cmd.Dest)}
				if m.Cmd.Type == CmdSetUpMenu {
					c := &cat.SetUpMenu{CommandHeader: hdr, Alpha: cat.AlphaIdentifier{Alpha: alpha(m.Title)}, Items: items}
					if m.Icon != 0 {
						c.Icon = &cat.IconIdentifier{}
					}
					if len(items) > 0 && m.Items[0].Icon != 0 {
						c.ItemIcons = &cat.ItemIconIdentifierList{Records: make([]uint8, len(items))}
					}
					b, err = c.Marshal()
				} else {
					c := &cat.SelectItem{CommandHeader: hdr, Items: items}
					if m.Icon != 0 {
						c.Icon = &cat.IconIdentifier{}
					}
					if len(items) > 0 && m.Items[0].Icon != 0 {
						c.ItemIcons = &cat.ItemIconIdentifierList{Records: make([]uint8, len(items))}
					}
					if m.Title != nil {
						c.Alpha = &cat.AlphaIdentifier{Alpha: alpha(m.Title)}
					}
					if m.Default != nil {
						c.DefaultItem = &cat.ItemIdentifier{Identifier: m.Default.ID}
					}
					b, err = c.Marshal()
				}
				if err != nil {
					t.Fatalf("%s menu %s: %v", f, m.Name, err)
				}
				checkLen(t, f, "menu "+m.Name, lang, len(b), m.MaxCommand, len(p.Languages) == 1)
				for _, it := range m.Items {
					walkSteps(it.Flow, func(s Step) {
						d, ok := s.(*Display)
						if !ok || d.Text.IsTemplate() || d.Icon != 0 || d.Duration != nil {
							return
						}
						l := d.Text.Langs[li]
						dcs := l.Coding.DCS(CtxTextString)
						back, err := text.DecodeText(dcs, l.Bytes)
						if err != nil || back != l.Source {
							t.Errorf("%s: text % X (DCS %02X) decodes to %q, %v; want %q", f, l.Bytes, dcs, back, err, l.Source)
						}
						c := &cat.DisplayText{CommandHeader: cat.CommandHeader{Number: 1, Qualifier: d.Cmd.Qualifier, Destination: cat.Device(d.Cmd.Dest)},
							Text: cat.TextString{DCS: dcs, Text: l.Source}}
						b, err := c.Marshal()
						if err != nil {
							t.Fatalf("%s display %q: %v", f, l.Source, err)
						}
						checkLen(t, f, "display "+l.Source, lang, len(b), d.MaxCommand, len(p.Languages) == 1)
					})
				}
			}
		}
	}
}

func checkLen(t *testing.T, file, what, lang string, got, max int, exact bool) {
	t.Helper()
	if got > max || exact && got != max {
		t.Errorf("%s %s (%s): the codec encodes %d bytes, the checker says at most %d", file, what, lang, got, max)
	}
}

func walkSteps(b *Block, fn func(Step)) {
	if b == nil {
		return
	}
	for _, s := range b.Steps {
		fn(s)
		for _, h := range s.base().On {
			walkSteps(h.Flow, fn)
		}
		if v, ok := s.(*If); ok {
			walkSteps(v.Then, fn)
			walkSteps(v.Else, fn)
		}
	}
}
