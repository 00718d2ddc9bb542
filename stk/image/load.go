package image

import (
	"bytes"
	"strconv"
	"strings"
)

// MaxSize is the largest image file Load reads (a 64 KB card's whole memory).
const MaxSize = 65536

// Load parses an image file and validates it completely (docs/image-format.md "Limits and
// validation"): nothing of an image Load refuses is ever run. The signature is not verified
// here (Verify does that against the keys the caller trusts).
func Load(b []byte) (*Image, error) {
	if len(b) > MaxSize {
		return nil, errf("file", -1, "%d bytes; an image is at most %d", len(b), MaxSize)
	}
	r := &reader{b: b}
	at := r.pos()
	tag, err := r.want("file", majTag)
	if err != nil {
		return nil, err
	}
	if tag != SelfDescribeTag {
		return nil, errf("file", at, "tag %d, want %d (not a script image)", tag, SelfDescribeTag)
	}
	if _, err := r.array("file", 4, 4); err != nil {
		return nil, err
	}
	at = r.pos()
	v, err := r.uint("file.version", 1<<16)
	if err != nil {
		return nil, err
	}
	if v != Version {
		return nil, errf("file.version", at, "format version %d; this stkforge reads version %d", v, Version)
	}
	body, bodyAt, err := r.bytes("file.body")
	if err != nil {
		return nil, err
	}
	hash, hashAt, err := r.bytes("file.hash")
	if err != nil {
		return nil, err
	}
	if len(hash) != 32 {
		return nil, errf("file.hash", hashAt, "%d bytes, want 32 (SHA-256)", len(hash))
	}
	img := &Image{}
	copy(img.Hash[:], hash)
	if got := hashOf(body); !bytes.Equal(got[:], hash) {
		return nil, errf("file.hash", hashAt, "content hash %X does not match the body (%X): the image was altered or truncated", hash[:8], got[:8])
	}
	if !r.null() {
		s, err := readSignature(r)
		if err != nil {
			return nil, err
		}
		img.Signature = s
	}
	if r.off != len(r.b) {
		return nil, errf("file", r.pos(), "%d bytes after the image", len(r.b)-r.off)
	}
	// The body is read without recording where each field starts: a card loads a valid image
	// and the map of offsets would cost more than the image. Only when validation fails is the
	// body read again with them, so that the error names its byte offset.
	if err := readBody(&reader{b: body, base: bodyAt}, img); err != nil {
		return nil, err
	}
	if again, err := encMode.Marshal(bodyCBOR(img)); err != nil || !bytes.Equal(again, body) {
		return nil, errf("file.body", bodyAt, "not in the canonical form (RFC 8949 4.2.1 and docs/image-format.md): re-encoding differs")
	}
	img.body = append([]byte(nil), body...)
	img.file = append([]byte(nil), b...)
	if err := validate(img); err != nil {
		located := &Image{Hash: img.Hash, Signature: img.Signature, body: img.body, file: img.file, offs: map[string]int{}}
		if rerr := readBody(&reader{b: body, base: bodyAt, offs: located.offs}, located); rerr == nil {
			if lerr := validate(located); lerr != nil {
				return nil, lerr
			}
		}
		return nil, err
	}
	return img, nil
}

func readSignature(r *reader) (*Signature, error) {
	if _, err := r.array("file.signature", 3, 3); err != nil {
		return nil, err
	}
	at := r.pos()
	alg, err := r.uint("file.signature.alg", 255)
	if err != nil {
		return nil, err
	}
	if alg != int(PKCS1v15SHA256) && alg != int(PSSSHA256) {
		return nil, errf("file.signature.alg", at, "algorithm %d; 1 (PKCS#1 v1.5) and 2 (PSS) are defined", alg)
	}
	id, err := r.text("file.signature.key_id")
	if err != nil {
		return nil, err
	}
	sig, sigAt, err := r.bytes("file.signature.sig")
	if err != nil {
		return nil, err
	}
	if len(sig) < 64 || len(sig) > 512 {
		return nil, errf("file.signature.sig", sigAt, "%d bytes; an RSA signature of 512 to 4096 bits is 64 to 512", len(sig))
	}
	return &Signature{Alg: SigAlg(alg), KeyID: id, Sig: sig}, nil
}

const maxList = 1 << 16

func readBody(r *reader, img *Image) error {
	at := r.pos()
	n, err := r.want("body", majMap)
	if err != nil {
		return err
	}
	if n > keyCode {
		return errf("body", at, "map of %d entries; the format has %d keys", n, keyCode)
	}
	last := 0
	seen := map[int]bool{}
	for i := 0; i < int(n); i++ {
		at := r.pos()
		k, err := r.uint("body.key", 1<<16)
		if err != nil {
			return err
		}
		if k <= last {
			return errf("body.key", at, "key %d after key %d: keys must be sorted and unique", k, last)
		}
		last = k
		seen[k] = true
		r.mark("body." + bodyKeyNames[k])
		if err := readField(r, img, k); err != nil {
			return err
		}
	}
	if r.off != len(r.b) {
		return errf("body", r.pos(), "%d bytes after the body map", len(r.b)-r.off)
	}
	// Derived fields (format 2): every template's capability, and the card data the variables
	// read.
	img.Needs = mergeNeeds(append(img.Needs, templateNeeds(img)...))
	img.CardData = cardDataOf(img.Vars)
	for _, k := range []int{keyName, keyMain, keyCode} {
		if !seen[k] {
			return errf("body", at, "required key %d (%s) missing", k, bodyKeyNames[k])
		}
	}
	return nil
}

var bodyKeyNames = map[int]string{keyName: "name", keyLanguages: "languages", keyNeeds: "needs",
	keyKeys: "keys", keyVars: "vars", keyTexts: "texts", keyTemplates: "templates", keySMS: "sms", keyMain: "main",
	keyMenus: "menus", keyCode: "code"}

// codeData keys the offset of the first byte of the bytecode.
const codeData = "body.code#data"

// offsetOf is where field (or the closest enclosing field recorded) starts in the file, -1 when
// nothing is known (a built image that was never read).
func (img *Image) offsetOf(field string) int {
	if i := strings.Index(field, " ("); i >= 0 {
		field = field[:i]
	}
	for field != "" {
		if o, ok := img.offs[field]; ok {
			return o
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			break
		}
		field = field[:i]
	}
	return -1
}

// errAt is a validation error at field.
func (img *Image) errAt(field, format string, args ...any) *FormatError {
	return errf(field, img.offsetOf(field), format, args...)
}

// codeErr is a bytecode error at pc.
func (img *Image) codeErr(pc int, format string, args ...any) *FormatError {
	off := -1
	if o, ok := img.offs[codeData]; ok {
		off = o + pc
	}
	return errf("body.code", off, format, args...)
}

// list reads an array of 1..maxList elements (an empty list is left out of the map).
func list(r *reader, field string, f func(field string, i int) error) error {
	n, err := r.array(field, 1, maxList)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		fi := elem(field, i)
		r.mark(fi)
		if err := f(fi, i); err != nil {
			return err
		}
	}
	return nil
}

func readField(r *reader, img *Image, k int) error {
	field := "body." + bodyKeyNames[k]
	var err error
	switch k {
	case keyName:
		img.Name, err = r.text(field)
	case keyLanguages:
		err = list(r, field, func(f string, _ int) error {
			s, err := r.text(f)
			img.Languages = append(img.Languages, s)
			return err
		})
	case keyNeeds:
		// Only the capabilities no template spells; Load adds the templates' (derived).
		var b []byte
		var at int
		if b, at, err = r.bytes(field); err != nil {
			return err
		}
		if len(b) == 0 || len(b)%2 != 0 {
			return errf(field, at, "%d bytes; want (type, qualifier) pairs, at least one", len(b))
		}
		for i := 0; i < len(b); i += 2 {
			img.Needs = append(img.Needs, Capability{b[i], b[i+1]})
		}
	case keyKeys:
		err = list(r, field, func(f string, _ int) error {
			var key Key
			if _, err := r.array(f, 3, 3); err != nil {
				return err
			}
			var err error
			if key.Name, err = r.text(f + ".name"); err != nil {
				return err
			}
			if key.Bits, err = r.uint(f+".bits", 16384); err != nil {
				return err
			}
			key.Scheme, err = r.text(f + ".scheme")
			img.Keys = append(img.Keys, key)
			return err
		})
	case keyVars:
		err = list(r, field, func(f string, _ int) error {
			var v Var
			n, err := r.array(f, 3, 4)
			if err != nil {
				return err
			}
			if v.Name, err = r.text(f + ".name"); err != nil {
				return err
			}
			t, err := r.uint(f+".type", 255)
			if err != nil {
				return err
			}
			v.Type = VarType(t)
			if v.MaxLen, err = r.uint(f+".max_len", 65535); err != nil {
				return err
			}
			if n == 4 {
				err = list(r, f+".choices", func(f string, _ int) error {
					s, err := r.text(f)
					v.Choices = append(v.Choices, s)
					return err
				})
			}
			img.Vars = append(img.Vars, v)
			return err
		})
	case keyTexts:
		err = list(r, field, func(f string, _ int) error {
			cr, err := r.compact(f)
			if err != nil {
				return err
			}
			t, err := readTextBytes(cr, f, len(img.Languages))
			img.Texts = append(img.Texts, t)
			return err
		})
	case keyTemplates:
		err = list(r, field, func(f string, _ int) error {
			cr, err := r.compact(f)
			if err != nil {
				return err
			}
			t, err := readTemplateBytes(cr, f)
			img.Templates = append(img.Templates, t)
			return err
		})
	case keySMS:
		err = list(r, field, func(f string, _ int) error {
			var s SMS
			if _, err := r.array(f, 4, 4); err != nil {
				return err
			}
			var err error
			if s.Template, err = r.uint(f+".template", maxList); err != nil {
				return err
			}
			if s.DA, _, err = r.bytes(f + ".da"); err != nil {
				return err
			}
			if s.Text, err = r.uint(f+".text", maxList); err != nil {
				return err
			}
			s.Concatenate, err = r.bool(f + ".concatenate")
			img.SMS = append(img.SMS, s)
			return err
		})
	case keyMain:
		img.Main, err = readMenu(r, field)
	case keyMenus:
		err = list(r, field, func(f string, _ int) error {
			m, err := readMenu(r, f)
			img.Menus = append(img.Menus, m)
			return err
		})
	case keyCode:
		var at int
		img.Code, at, err = r.bytes(field)
		if r.offs != nil {
			r.offs[codeData] = at
		}
	default:
		return errf("body.key", r.pos(), "unknown key %d", k)
	}
	return err
}

func readMenu(r *reader, f string) (Menu, error) {
	var m Menu
	if _, err := r.array(f, 2, 2); err != nil {
		return m, err
	}
	var err error
	if m.Template, err = r.uint(f+".template", maxList); err != nil {
		return m, err
	}
	n, err := r.array(f+".items", 0, 255)
	if err != nil {
		return m, err
	}
	for i := 0; i < n; i++ {
		itf := elem(f+".items", i)
		r.mark(itf)
		if _, err := r.array(itf, 3, 3); err != nil {
			return m, err
		}
		id, err := r.uint(itf+".id", 255)
		if err != nil {
			return m, err
		}
		entry, err := r.uint(itf+".entry", 0xFFFF)
		if err != nil {
			return m, err
		}
		help := NoText
		if !r.null() {
			if help, err = r.uint(itf+".help", maxList); err != nil {
				return m, err
			}
		}
		m.Items = append(m.Items, MenuItem{ID: byte(id), Entry: entry, Help: help})
	}
	return m, nil
}

// elem is the path of element i of the list at field: field[i].
func elem(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }
