// Package pay holds stkforge's signed payment messages: the canonical transaction bytes a card
// signs (docs/spec-language.md, "Signatures": the "stkforge-sign-v1" encoding), RSA signature
// and verification (RSASSA-PKCS1-v1_5 or RSASSA-PSS with SHA-256, RFC 8017 8.2 and 8.1), and the
// parse of the 8-bit payment SMS body a bank receives, so that the bank can rebuild the
// canonical bytes from the fields it reads and verify them with the card's public key.
//
// Errors while reading are *tlv.Error values: the field path and the byte offset where reading
// failed.
package pay

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/stkforge/stkforge/stk/tlv"
)

// Domain is the domain separator that starts every canonical encoding (16 ASCII bytes).
const Domain = "stkforge-sign-v1"

// Field is one signed variable: its name as the spec writes it ("card.iccid", "amount") and
// its value coded as the spec language says (digits as ASCII digits, text and choices in UTF-8,
// yes/no as one byte 01/00, bytes as they are).
type Field struct {
	Name  string
	Value []byte
}

// Transaction is what a sign action covers: the spec's name and the signed fields in the order
// the spec lists them.
type Transaction struct {
	App    string
	Fields []Field
}

// Limits of the canonical encoding: one length byte for names and the field count, two for
// values.
const (
	maxName  = 255
	maxCount = 255
	maxValue = 0xFFFF
)

// Canonical returns the canonical encoding of t:
//
//	"stkforge-sign-v1" || len(app) || app || count || { len(name) || name || len16(value) || value }
//
// with one-byte lengths for the name, app and count and a two-byte big-endian value length.
func (t *Transaction) Canonical() ([]byte, error) {
	if len(t.App) == 0 || len(t.App) > maxName {
		return nil, fmt.Errorf("pay: app name of %d bytes; the canonical encoding takes 1 to %d", len(t.App), maxName)
	}
	if len(t.Fields) > maxCount {
		return nil, fmt.Errorf("pay: %d fields; the canonical encoding takes at most %d", len(t.Fields), maxCount)
	}
	n := len(Domain) + 1 + len(t.App) + 1
	for i, f := range t.Fields {
		if len(f.Name) == 0 || len(f.Name) > maxName {
			return nil, fmt.Errorf("pay: field %d: name of %d bytes; the canonical encoding takes 1 to %d", i, len(f.Name), maxName)
		}
		if len(f.Value) > maxValue {
			return nil, fmt.Errorf("pay: field %q: value of %d bytes; the canonical encoding takes at most %d", f.Name, len(f.Value), maxValue)
		}
		n += 1 + len(f.Name) + 2 + len(f.Value)
	}
	b := make([]byte, 0, n)
	b = append(b, Domain...)
	b = append(b, byte(len(t.App)))
	b = append(b, t.App...)
	b = append(b, byte(len(t.Fields)))
	for _, f := range t.Fields {
		b = append(b, byte(len(f.Name)))
		b = append(b, f.Name...)
		b = binary.BigEndian.AppendUint16(b, uint16(len(f.Value)))
		b = append(b, f.Value...)
	}
	return b, nil
}

// ParseCanonical reads a canonical encoding back. It rejects a wrong domain separator, empty
// names, a field name given twice and trailing bytes.
func ParseCanonical(b []byte) (*Transaction, error) {
	r := reader{b: b}
	dom := r.bytes("canonical.domain", len(Domain))
	if r.err == nil && !bytes.Equal(dom, []byte(Domain)) {
		return nil, tlv.Errorf("canonical.domain", 0, "%q is not %q", dom, Domain)
	}
	t := &Transaction{App: string(r.short("canonical.app"))}
	if r.err == nil && t.App == "" {
		return nil, tlv.Errorf("canonical.app", len(Domain), "empty")
	}
	count := r.u8("canonical.count")
	seen := map[string]bool{}
	for i := 0; i < count && r.err == nil; i++ {
		path := fmt.Sprintf("canonical.fields[%d]", i)
		at := r.off
		name := string(r.short(path + ".name"))
		if r.err != nil {
			break
		}
		if name == "" {
			return nil, tlv.Errorf(path+".name", at, "empty")
		}
		if seen[name] {
			return nil, tlv.Errorf(path+".name", at, "field %q given twice", name)
		}
		seen[name] = true
		n := r.u16(path + ".length")
		v := r.bytes(path+".value", n)
		t.Fields = append(t.Fields, Field{Name: name, Value: v})
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.off != len(b) {
		return nil, tlv.Errorf("canonical", r.off, "%d trailing bytes", len(b)-r.off)
	}
	return t, nil
}

// reader is a bounds-checked cursor with a sticky error.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) bytes(field string, n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b)-r.off {
		r.err = tlv.Errorf(field, r.off, "want %d bytes, %d left", n, len(r.b)-r.off)
		return nil
	}
	v := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return v
}

func (r *reader) u8(field string) int {
	v := r.bytes(field, 1)
	if v == nil {
		return 0
	}
	return int(v[0])
}

func (r *reader) u16(field string) int {
	v := r.bytes(field, 2)
	if v == nil {
		return 0
	}
	return int(binary.BigEndian.Uint16(v))
}

// short reads a one-byte length and that many bytes.
func (r *reader) short(field string) []byte {
	n := r.u8(field + ".length")
	return r.bytes(field, n)
}
