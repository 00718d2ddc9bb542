package gen

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/image"
)

// bodyFields names the body map's keys (docs/image-format.md "Body").
var bodyFields = map[uint64]string{
	1: "name", 2: "languages", 3: "needs", 5: "keys", 6: "vars", 7: "texts",
	8: "templates", 9: "sms", 10: "main", 11: "menus", 12: "code",
}

// Hexdump is an image file as an annotated hexdump: the file's envelope (tag, array, version,
// hash, signature), and inside the body each field, each entry of a list on its own lines,
// offsets counting from the start of the file.
//
// When the file loads as an image, list entries are labelled with what they hold: a
// variable's name and type, a text's first language, a template's command, an SMS's number.
func Hexdump(file []byte) (string, error) {
	d := &hexdump{b: file}
	if img, err := image.Load(file); err == nil {
		d.img = img
	}
	if err := d.file(); err != nil {
		return d.String(), err
	}
	return d.String(), nil
}

type hexdump struct {
	strings.Builder
	b   []byte
	off int
	img *image.Image // nil when the file does not load
}

// head reads a CBOR head (RFC 8949 3): major type, argument and the head's length.
func (d *hexdump) head(at int) (major byte, arg uint64, n int, err error) {
	if at >= len(d.b) {
		return 0, 0, 0, fmt.Errorf("offset %d: truncated", at)
	}
	ib := d.b[at]
	major, ai := ib>>5, ib&0x1F
	switch {
	case ai < 24:
		return major, uint64(ai), 1, nil
	case ai <= 27:
		k := 1 << (ai - 24)
		if at+1+k > len(d.b) {
			return 0, 0, 0, fmt.Errorf("offset %d: truncated head", at)
		}
		var v uint64
		for _, c := range d.b[at+1 : at+1+k] {
			v = v<<8 | uint64(c)
		}
		return major, v, 1 + k, nil
	}
	return 0, 0, 0, fmt.Errorf("offset %d: head %02X not in the image format (indefinite or reserved)", at, ib)
}

// skip returns the offset after the item at at.
func (d *hexdump) skip(at int) (int, error) {
	major, arg, n, err := d.head(at)
	if err != nil {
		return 0, err
	}
	at += n
	switch major {
	case 2, 3:
		if arg > uint64(len(d.b)-at) {
			return 0, fmt.Errorf("offset %d: string runs past the end", at)
		}
		return at + int(arg), nil
	case 4, 5:
		if arg > uint64(len(d.b)) {
			return 0, fmt.Errorf("offset %d: too many entries", at)
		}
		k := int(arg)
		if major == 5 {
			k *= 2
		}
		for range k {
			if at, err = d.skip(at); err != nil {
				return 0, err
			}
		}
		return at, nil
	case 6:
		return d.skip(at)
	}
	return at, nil
}

// line writes bytes [d.off, end) with a label, 16 bytes a line.
func (d *hexdump) line(end int, label string) {
	for i := d.off; i < end; i += 16 {
		j := min(i+16, end)
		var hx strings.Builder
		for _, c := range d.b[i:j] {
			fmt.Fprintf(&hx, "%02x ", c)
		}
		l := label
		if i > d.off {
			l = "  ..."
		}
		fmt.Fprintf(d, "%06x  %-48s  %s\n", i, hx.String(), l)
	}
	d.off = end
}

// item writes one whole item with a label.
func (d *hexdump) item(label string) error {
	end, err := d.skip(d.off)
	if err != nil {
		return err
	}
	d.line(end, label)
	return nil
}

func (d *hexdump) headLine(label string) (major byte, arg uint64, err error) {
	major, arg, n, err := d.head(d.off)
	if err != nil {
		return 0, 0, err
	}
	d.line(d.off+n, label)
	return major, arg, nil
}

func (d *hexdump) file() error {
	if _, _, err := d.headLine("tag 55799: self-described CBOR"); err != nil {
		return err
	}
	if _, _, err := d.headLine("array(4): version, body, hash, signature"); err != nil {
		return err
	}
	if err := d.item(fmt.Sprintf("version %d", d.peekUint())); err != nil {
		return err
	}
	_, n, err := d.headLine("")
	if err != nil {
		return err
	}
	d.relabelLast(fmt.Sprintf("body: byte string of %d bytes (canonical CBOR; the hash covers it)", n))
	if n > uint64(len(d.b)-d.off) {
		return fmt.Errorf("offset %d: body runs past the end of the file", d.off)
	}
	end := d.off + int(n)
	major, count, err := d.headLine("")
	if err != nil {
		return err
	}
	if major != 5 {
		return fmt.Errorf("offset %d: body is not a map", d.off)
	}
	d.relabelLast(fmt.Sprintf("body map, %d fields", count))
	for range count {
		key := d.peekUint()
		name := bodyFields[key]
		if err := d.item(fmt.Sprintf("key %d: %s", key, name)); err != nil {
			return err
		}
		if err := d.field(name); err != nil {
			return err
		}
	}
	if d.off != end {
		return fmt.Errorf("offset %d: body ends at %d", d.off, end)
	}
	if err := d.item("hash: SHA-256 of the body"); err != nil {
		return err
	}
	if d.off < len(d.b) && d.b[d.off] == 0xF6 {
		return d.item("signature: null (unsigned)")
	}
	if _, _, err := d.headLine("signature: [alg, key id, signature]"); err != nil {
		return err
	}
	alg := d.peekUint()
	if err := d.item(fmt.Sprintf("  alg %d", alg)); err != nil {
		return err
	}
	if err := d.item("  key id"); err != nil {
		return err
	}
	return d.item("  signature")
}

// field writes a body field's value: lists one entry a block, other values whole.
func (d *hexdump) field(name string) error {
	major, count, _, err := d.head(d.off)
	if err != nil {
		return err
	}
	switch {
	case major == 4 && name != "main":
		if _, _, err := d.headLine(fmt.Sprintf("  %s: %d entries", name, count)); err != nil {
			return err
		}
		for i := range count {
			label := fmt.Sprintf("  %s[%d]", name, i)
			if what := d.describe(name, int(i)); what != "" {
				label += " " + what
			}
			if err := d.item(label); err != nil {
				return err
			}
		}
		return nil
	case name == "code":
		return d.code()
	}
	return d.item("  " + name)
}

// code writes the bytecode one instruction a line, by its operand shapes.
func (d *hexdump) code() error {
	_, n, err := d.headLine("")
	if err != nil {
		return err
	}
	d.relabelLast(fmt.Sprintf("  code: %d bytes", n))
	if n > uint64(len(d.b)-d.off) {
		return fmt.Errorf("offset %d: code runs past the end of the file", d.off)
	}
	end := d.off + int(n)
	base := d.off
	for d.off < end {
		op := d.b[d.off]
		shape, ok := opShapes[op]
		if !ok {
			d.line(end, "  (undecoded)")
			break
		}
		p := d.off + 1
		for _, k := range shape.operands {
			switch k {
			case 'u':
				if p >= end {
					break
				}
				_, m := binary.Uvarint(d.b[p:end])
				if m <= 0 {
					m = end - p
				}
				p += m
			case 'a':
				p += 2
			case 'b', 'n':
				if p >= end {
					break
				}
				v, m := binary.Uvarint(d.b[p:end])
				if m <= 0 {
					m = end - p
				}
				p += m
				switch {
				case k == 'b' && v > uint64(max(0, end-p)):
					p = end
				case k == 'b':
					p += int(v)
				default:
					for i := uint64(0); i < v && p < end; i++ {
						_, m := binary.Uvarint(d.b[p:end])
						if m <= 0 {
							m = 1
						}
						p += m
					}
				}
			}
		}
		d.line(min(p, end), fmt.Sprintf("  %04x %s", d.off-base, shape.name))
	}
	return nil
}

// opShapes are the bytecode's opcodes and operand shapes (docs/image-format.md "The bytecode").
var opShapes = map[byte]struct{ name, operands string }{
	0x01: {"CMD", "u"}, 0x02: {"INPUT", "uu"}, 0x03: {"INKEY", "uu"}, 0x04: {"SELECT", "uu"},
	0x05: {"LOCAL", "uu"}, 0x06: {"SMS", "u"}, 0x07: {"MENU", "u"}, 0x08: {"END", ""},
	0x09: {"JMP", "a"}, 0x0A: {"ON", "ua"}, 0x0B: {"IFV", "uuua"}, 0x0C: {"IFL", "uuba"},
	0x0D: {"PIN", "uuu"}, 0x0E: {"SIGN", "uun"}, 0x0F: {"COUNT", "u"},
}

// peekUint reads an unsigned integer item without consuming it (0 when it is not one).
func (d *hexdump) peekUint() uint64 {
	major, arg, _, err := d.head(d.off)
	if err != nil || major != 0 {
		return 0
	}
	return arg
}

// relabelLast replaces the label of the last line written.
func (d *hexdump) relabelLast(label string) {
	s := strings.TrimSuffix(d.String(), "\n")
	i := strings.LastIndexByte(s, '\n') + 1
	line := strings.TrimRight(s[i:], " ")
	d.Reset()
	fmt.Fprintf(d, "%s%-58s%s\n", s[:i], line, label)
}

// describe says what a list entry holds, from the loaded image.
func (d *hexdump) describe(field string, i int) string {
	img := d.img
	if img == nil {
		return ""
	}
	switch field {
	case "vars":
		if i < len(img.Vars) {
			return fmt.Sprintf("%s (%s)", img.Vars[i].Name, img.Vars[i].Type)
		}
	case "texts":
		if i < len(img.Texts) && len(img.Texts[i].Langs) > 0 {
			t := img.Texts[i]
			return fmt.Sprintf("%s %s %s", t.Context, t.Langs[0].Coding, d.textSource(i))
		}
	case "templates":
		if i < len(img.Templates) {
			t := img.Templates[i]
			return fmt.Sprintf("%s %02X to %02X%s", cat.CommandType(t.Type), t.Qualifier, t.Dest, elementsSource(t))
		}
	case "sms":
		if i < len(img.SMS) {
			return fmt.Sprintf("to TP-DA % X", img.SMS[i].DA)
		}
	case "keys":
		if i < len(img.Keys) {
			return img.Keys[i].Name
		}
	}
	return ""
}

// textSource is a text's first language as written: literals, and variables as {name}.
func (d *hexdump) textSource(i int) string {
	l := d.img.Texts[i].Langs[0]
	if !l.IsParts {
		s, err := d.img.RenderString(i, 0, nil)
		if err != nil {
			return "(undecoded)"
		}
		return fmt.Sprintf("%q", s)
	}
	var b strings.Builder
	for _, p := range l.Parts {
		if p.Var < 0 {
			b.WriteString(p.Lit)
		} else if p.Var < len(d.img.Vars) {
			b.WriteString("{" + d.img.Vars[p.Var].Name + "}")
		}
	}
	return fmt.Sprintf("%q", b.String())
}

// elementsSource lists a template's elements as its byte string holds them: each tag, then its
// parts (tN a text, hex a literal, "slot" when the instruction fills it).
func elementsSource(t image.Template) string {
	var b strings.Builder
	for _, e := range t.Elements {
		fmt.Fprintf(&b, " | %02X", e.Tag)
		if len(e.Parts) == 0 {
			b.WriteString(" slot")
		}
		for _, p := range e.Parts {
			if p.Text >= 0 {
				fmt.Fprintf(&b, " t%d", p.Text)
			} else {
				fmt.Fprintf(&b, " %X", p.Lit)
			}
		}
	}
	return b.String()
}
