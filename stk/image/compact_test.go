package image

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

// randomText is a text of nlang languages in one context, fixed or with parts.
func randomText(r *rand.Rand, nlang int) Text {
	t := Text{Context: Context(1 + r.IntN(5))}
	for range nlang {
		l := LangText{Coding: Coding(1 + r.IntN(7))}
		if r.IntN(2) == 0 {
			l.Fixed = make([]byte, r.IntN(300))
			for i := range l.Fixed {
				l.Fixed[i] = byte(r.IntN(256))
			}
		} else {
			l.IsParts = true
			for range r.IntN(6) {
				if r.IntN(2) == 0 {
					l.Parts = append(l.Parts, VarPart(r.IntN(300)))
				} else {
					l.Parts = append(l.Parts, LitPart(strings.Repeat("é", r.IntN(80))))
				}
			}
		}
		t.Langs = append(t.Langs, l)
	}
	return t
}

func randomTemplate(r *rand.Rand) Template {
	t := Template{Type: byte(r.IntN(256)), Qualifier: byte(r.IntN(256)), Dest: byte(r.IntN(256))}
	for range r.IntN(8) {
		e := Element{Tag: byte(r.IntN(256))}
		for range r.IntN(4) {
			if r.IntN(2) == 0 {
				e.Parts = append(e.Parts, ElemPart{Text: r.IntN(1000)})
			} else {
				e.Parts = append(e.Parts, ElemPart{Lit: bytes.Repeat([]byte{0x5A}, r.IntN(200)), Text: -1})
			}
		}
		t.Elements = append(t.Elements, e)
	}
	return t
}

// TestCompactRoundTrip: texts and templates read back from their byte strings as written, and
// every strict prefix of a text or template fails or reads as something else (never panics).
func TestCompactRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 2000 {
		nlang := 1 + i%3
		txt := randomText(r, nlang)
		b := textBytes(txt)
		got, err := readTextBytes(&creader{b: b}, "text", nlang)
		if err != nil {
			t.Fatalf("text %d: %v", i, err)
		}
		if !bytes.Equal(textBytes(got), b) {
			t.Fatalf("text %d: % X reads back as % X", i, b, textBytes(got))
		}
		tp := randomTemplate(r)
		b = templateBytes(tp)
		gotT, err := readTemplateBytes(&creader{b: b}, "template")
		if err != nil {
			t.Fatalf("template %d: %v", i, err)
		}
		if !bytes.Equal(templateBytes(gotT), b) {
			t.Fatalf("template %d: % X reads back as % X", i, b, templateBytes(gotT))
		}
		for n := range b {
			readTemplateBytes(&creader{b: b[:n]}, "template")
		}
	}
}

// TestCompactErrors: malformed byte strings are refused with the field and the file offset.
func TestCompactErrors(t *testing.T) {
	cases := []struct {
		name  string
		b     []byte
		nlang int
		tpl   bool
		want  string
	}{
		{"empty text", nil, 1, false, "text: offset 100: empty"},
		{"varint not shortest", []byte{0x92, 0x81, 0x00}, 1, false, "text.langs[0].parts[0]: offset 101: varint not in its shortest form"},
		{"literal past the end", []byte{0x92, 0x08, 'a'}, 1, false, "text.langs[0].parts[0]: offset 102: 4 bytes announced, 1 left"},
		{"languages of two contexts", []byte{0x02, 0x11, 'A', 0x21, 'B'}, 2, false, "text.langs[1].header: offset 103: context text; the text's first language is alpha"},
		{"language length past the end", []byte{0x09, 0x11}, 2, false, "text.langs[0]: offset 101: 9 bytes announced, 1 left"},
		{"literal not UTF-8", []byte{0x92, 0x02, 0xFF}, 1, false, "text.langs[0].parts[0]: offset 101: literal is not UTF-8"},
		{"template header cut", []byte{0x21, 0x80}, 0, true, "template.dest: offset 102: unexpected end of data"},
		{"element without its part count", []byte{0x21, 0x80, 0x02, 0x8D}, 0, true, "template.elements[0].parts: offset 104: unexpected end of data in a varint"},
		{"part count too big", []byte{0x21, 0x80, 0x02, 0x8D, 0x80, 0x02}, 0, true, "template.elements[0].parts: offset 104: 256 is above 255"},
	}
	for _, c := range cases {
		r := &creader{b: c.b, base: 100}
		var err error
		if c.tpl {
			_, err = readTemplateBytes(r, "template")
		} else {
			_, err = readTextBytes(r, "text", c.nlang)
		}
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// FuzzCompact: no input panics the compact readers, and what they accept is canonical: written
// again, it gives the same bytes (so Load's re-encoding check holds for the inner framing too).
func FuzzCompact(f *testing.F) {
	fuzzseed.Add(f)
	f.Add([]byte{0x11, 'H', 'i'}, uint8(1), false)
	f.Add([]byte{0x03, 0x91, 0x03, 0x01, 0x92, 0x02, 'x', 0x03}, uint8(2), false)
	f.Add(templateBytes(Template{Type: 0x21, Qualifier: 0x80, Dest: 0x02, Elements: []Element{TextElement(0x8D, 3), LitElement(0x04, []byte{1, 5})}}), uint8(0), true)
	f.Add(templateBytes(Template{Type: 0x13, Dest: 0x83, Elements: []Element{SlotElement(0x8B), ItemElement(0x8F, 1, 2)}}), uint8(0), true)
	f.Fuzz(func(t *testing.T, b []byte, nlang uint8, tpl bool) {
		if tpl {
			got, err := readTemplateBytes(&creader{b: b}, "template")
			if err == nil && !bytes.Equal(templateBytes(got), b) {
				t.Fatalf("template % X reads as % X", b, templateBytes(got))
			}
			return
		}
		n := int(nlang%4) + 1
		got, err := readTextBytes(&creader{b: b}, "text", n)
		if err == nil && !bytes.Equal(textBytes(got), b) {
			t.Fatalf("text % X reads as % X", b, textBytes(got))
		}
	})
}

// TestDerivedNotStored: an image whose needs repeat a template's capability, or list card data
// (format 1's key 4), is refused: Load derives both, and a body that is not exactly what the
// builder writes does not load.
func TestDerivedNotStored(t *testing.T) {
	b := NewBuilder("derived", []string{"en"})
	title := b.Text(Text{Context: CtxAlpha, Langs: []LangText{FixedText(CodingAlphaGSM, []byte("Menu"))}})
	item := b.Text(Text{Context: CtxAlpha, Langs: []LangText{FixedText(CodingAlphaGSM, []byte("One"))}})
	menu := b.Template(Template{Type: TypeSetUpMenu, Dest: 0x82, Elements: []Element{TextElement(0x85, title), ItemElement(0x8F, 1, item)}})
	b.Var(Var{Name: "card.iccid", Type: TypeDigits, MaxLen: 20})
	c := b.Code()
	entry := c.NewLabel()
	c.Mark(entry)
	c.End()
	b.SetMain(Menu{Template: menu, Items: []MenuItem{{ID: 1, Label: entry, Help: NoText}}})
	img, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Needs) != 1 || img.Needs[0] != (Capability{TypeSetUpMenu, 0}) || len(img.CardData) != 1 || img.CardData[0] != "iccid" {
		t.Fatalf("derived needs %v, card data %v", img.Needs, img.CardData)
	}
	for name, add := range map[string]func(m map[uint64]any){
		"needs a template spells": func(m map[uint64]any) { m[keyNeeds] = []byte{TypeSetUpMenu, 0} },
		"card data (key 4)":       func(m map[uint64]any) { m[4] = []any{"iccid"} },
	} {
		m := bodyCBOR(img)
		add(m)
		body, err := encMode.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		_, err = assemble(body, nil)
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(fe.Field, "body") {
			t.Errorf("%s: %v, want a body error", name, err)
		}
	}
}
