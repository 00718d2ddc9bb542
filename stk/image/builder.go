package image

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/fxamacker/cbor/v2"
)

// Builder assembles an image. Indices it returns are stable; identical texts and templates are
// stored once. The first error sticks and Build returns it.
type Builder struct {
	img      Image
	texts    map[string]int
	tpls     map[string]int
	asm      Asm
	mainSet  bool
	mainMenu Menu
	menus    []Menu
	needs    []Capability
	err      error
}

// NewBuilder starts an image for the application name in the given languages (ISO 639-1,
// languages[0] the fallback).
func NewBuilder(name string, languages []string) *Builder {
	return &Builder{img: Image{Name: name, Languages: slices.Clone(languages)},
		texts: map[string]int{}, tpls: map[string]int{}}
}

func (b *Builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("image: "+format, args...)
	}
}

// Key adds an RSA key reference and returns its index.
func (b *Builder) Key(k Key) int {
	for i, x := range b.img.Keys {
		if x.Name == k.Name {
			if x != k {
				b.fail("key %q given twice with different parameters", k.Name)
			}
			return i
		}
	}
	b.img.Keys = append(b.img.Keys, k)
	return len(b.img.Keys) - 1
}

// Var adds a variable and returns its index. Card data variables ("card.iccid", "card.imsi",
// "card.msisdn") are read by the card before the session.
func (b *Builder) Var(v Var) int {
	if b.img.Var(v.Name) >= 0 {
		b.fail("variable %q added twice", v.Name)
	}
	v.Choices = slices.Clone(v.Choices)
	b.img.Vars = append(b.img.Vars, v)
	return len(b.img.Vars) - 1
}

// Text adds a text (one LangText per language) and returns its index; an identical text
// returns the index of the first.
func (b *Builder) Text(t Text) int {
	k := string(append([]byte{byte(t.Context), byte(len(t.Langs))}, textBytes(t)...))
	if i, ok := b.texts[k]; ok {
		return i
	}
	b.img.Texts = append(b.img.Texts, t)
	b.texts[k] = len(b.img.Texts) - 1
	return len(b.img.Texts) - 1
}

// Template adds a proactive command template and returns its index; identical templates are
// stored once.
func (b *Builder) Template(t Template) int {
	k := string(templateBytes(t))
	if i, ok := b.tpls[k]; ok {
		return i
	}
	b.img.Templates = append(b.img.Templates, t)
	b.tpls[k] = len(b.img.Templates) - 1
	return len(b.img.Templates) - 1
}

// SMS adds a SEND SHORT MESSAGE description and returns its index.
func (b *Builder) SMS(s SMS) int {
	s.DA = bytes.Clone(s.DA)
	b.img.SMS = append(b.img.SMS, s)
	return len(b.img.SMS) - 1
}

// Menu adds a submenu (a SELECT ITEM template) and returns its index for Asm.Menu. Items give
// their entry as a Label of the builder's Asm.
func (b *Builder) Menu(m Menu) int {
	m.Items = slices.Clone(m.Items)
	b.menus = append(b.menus, m)
	return len(b.menus) - 1
}

// SetMain sets the main menu (a SET UP MENU template).
func (b *Builder) SetMain(m Menu) {
	m.Items = slices.Clone(m.Items)
	b.mainMenu, b.mainSet = m, true
}

// Need records a capability beyond the (type, qualifier) of the templates, which Build adds
// itself.
func (b *Builder) Need(c Capability) { b.needs = append(b.needs, c) }

// Code is the image's assembler.
func (b *Builder) Code() *Asm { return &b.asm }

// Build resolves the labels, encodes the image and validates it as Load does.
func (b *Builder) Build() (*Image, error) {
	if b.err != nil {
		return nil, b.err
	}
	if !b.mainSet {
		return nil, fmt.Errorf("image: no main menu (SetMain)")
	}
	code, err := b.asm.resolve()
	if err != nil {
		return nil, err
	}
	img := b.img
	img.Code = code
	resolve := func(m Menu) (Menu, error) {
		for i := range m.Items {
			it := &m.Items[i]
			at := b.asm.LabelAddr(it.Label)
			if at < 0 {
				return m, fmt.Errorf("image: menu item %d: its entry label is not marked", it.ID)
			}
			it.Entry = at
		}
		return m, nil
	}
	if img.Main, err = resolve(b.mainMenu); err != nil {
		return nil, err
	}
	img.Menus = nil
	for _, m := range b.menus {
		r, err := resolve(m)
		if err != nil {
			return nil, err
		}
		img.Menus = append(img.Menus, r)
	}
	img.Needs = mergeNeeds(append(slices.Clone(b.needs), templateNeeds(&img)...))
	img.CardData = cardDataOf(img.Vars)
	body, err := encMode.Marshal(bodyCBOR(&img))
	if err != nil {
		return nil, fmt.Errorf("image: encoding: %w", err)
	}
	return assemble(body, nil)
}

// assemble wraps a body (and a signature) into a file and loads it, so a built image is exactly
// what Load accepts.
func assemble(body []byte, sig *Signature) (*Image, error) {
	h := hashOf(body)
	var s any
	if sig != nil {
		s = []any{uint64(sig.Alg), sig.KeyID, sig.Sig}
	}
	file, err := encMode.Marshal(cbor.Tag{Number: SelfDescribeTag, Content: []any{uint64(Version), body, h[:], s}})
	if err != nil {
		return nil, fmt.Errorf("image: encoding: %w", err)
	}
	return Load(file)
}

var encMode = func() cbor.EncMode {
	m, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()

func u(x int) uint64 { return uint64(x) }

func menuCBOR(m Menu) any {
	items := make([]any, len(m.Items))
	for i, it := range m.Items {
		var help any
		if it.Help >= 0 {
			help = u(it.Help)
		}
		items[i] = []any{u(int(it.ID)), u(it.Entry), help}
	}
	return []any{u(m.Template), items}
}

// Body map keys (docs/image-format.md "Body").
const (
	keyName = 1 + iota
	keyLanguages
	keyNeeds
	_ // 4 was card_data in format 1; format 2 derives it from the variables
	keyKeys
	keyVars
	keyTexts
	keyTemplates
	keySMS
	keyMain
	keyMenus
	keyCode
)

func bodyCBOR(img *Image) map[uint64]any {
	m := map[uint64]any{keyName: img.Name, keyMain: menuCBOR(img.Main), keyCode: img.Code}
	list := func(key uint64, n int, f func(i int) any) {
		if n == 0 {
			return
		}
		l := make([]any, n)
		for i := range l {
			l[i] = f(i)
		}
		m[key] = l
	}
	list(keyLanguages, len(img.Languages), func(i int) any { return img.Languages[i] })
	if extra := extraNeeds(img); len(extra) > 0 {
		m[keyNeeds] = needsBytes(extra)
	}
	list(keyKeys, len(img.Keys), func(i int) any {
		k := img.Keys[i]
		return []any{k.Name, u(k.Bits), k.Scheme}
	})
	list(keyVars, len(img.Vars), func(i int) any {
		v := img.Vars[i]
		out := []any{v.Name, u(int(v.Type)), u(v.MaxLen)}
		if len(v.Choices) > 0 {
			cs := make([]any, len(v.Choices))
			for j, c := range v.Choices {
				cs[j] = c
			}
			out = append(out, cs)
		}
		return out
	})
	list(keyTexts, len(img.Texts), func(i int) any { return textBytes(img.Texts[i]) })
	list(keyTemplates, len(img.Templates), func(i int) any { return templateBytes(img.Templates[i]) })
	list(keySMS, len(img.SMS), func(i int) any {
		s := img.SMS[i]
		return []any{u(s.Template), bytes.Clone(s.DA), u(s.Text), s.Concatenate}
	})
	list(keyMenus, len(img.Menus), func(i int) any { return menuCBOR(img.Menus[i]) })
	return m
}

// templateNeeds are the capabilities the templates spell: every (type, qualifier) they hold.
func templateNeeds(img *Image) []Capability {
	var cs []Capability
	for _, t := range img.Templates {
		cs = append(cs, Capability{t.Type, t.Qualifier})
	}
	return cs
}

// extraNeeds are the capabilities no template spells (the language request of a multilingual
// session, a help DISPLAY TEXT ...): the only ones the body stores, the rest being derivable.
func extraNeeds(img *Image) []Capability {
	have := templateNeeds(img)
	var out []Capability
	for _, c := range img.Needs {
		if !slices.Contains(have, c) {
			out = append(out, c)
		}
	}
	return out
}

// mergeNeeds sorts and deduplicates capabilities by (type, qualifier).
func mergeNeeds(cs []Capability) []Capability {
	slices.SortFunc(cs, func(x, y Capability) int {
		return int(x.Type)<<8 | int(x.Qualifier) - (int(y.Type)<<8 | int(y.Qualifier))
	})
	return slices.Compact(cs)
}

// cardDataOf are the card data the variables read, sorted: iccid, imsi, msisdn.
func cardDataOf(vars []Var) []string {
	var out []string
	for _, v := range vars {
		if d, ok := strings.CutPrefix(v.Name, "card."); ok {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}
