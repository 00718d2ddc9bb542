package pay

import (
	"bytes"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sebdah/goldie/v2"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
	"github.com/stkforge/stkforge/stk/check"
	"github.com/stkforge/stkforge/stk/gen"
	"github.com/stkforge/stkforge/stk/tlv"
)

const fixtureDir = "../../fixtures"

func golden(t *testing.T) *goldie.Goldie {
	return goldie.New(t,
		goldie.WithFixtureDir(filepath.Join(fixtureDir, "golden", "stk", "pay")),
		goldie.WithNameSuffix(".golden"))
}

func loadKey(t testing.TB, name string) *rsa.PrivateKey {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(data)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

// bankFormat is the signed payment SMS of fixtures/menus/bank-zh.yaml.
func bankFormat(t testing.TB) *Format {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, "menus", "bank-zh.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, diags := check.Lint("bank-zh.yaml", data, check.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Format(0))
	}
	fs, err := Formats(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 {
		t.Fatalf("%d formats, want 1", len(fs))
	}
	return fs[0]
}

var bankValues = map[string][]byte{
	"card.iccid": []byte("89860012345678901234"),
	"txn":        []byte("42"),
	"payee":      []byte("6222020200112233"),
	"amount":     []byte("12800"),
}

// dump writes an annotated hexdump: each labelled piece on its own lines, 16 bytes a line.
type dump struct {
	strings.Builder
	off int
}

func (d *dump) add(label string, b []byte) {
	if len(b) == 0 {
		fmt.Fprintf(&d.Builder, "%04x  %-48s  %s (empty)\n", d.off, "", label)
	}
	for i := 0; i < len(b); i += 16 {
		chunk := b[i:min(i+16, len(b))]
		var hx strings.Builder
		for _, c := range chunk {
			fmt.Fprintf(&hx, "%02x ", c)
		}
		l := label
		if i > 0 {
			l = "  ..."
		}
		fmt.Fprintf(&d.Builder, "%04x  %-48s  %s\n", d.off+i, hx.String(), l)
	}
	d.off += len(b)
}

// dumpCanonical annotates a canonical encoding, field by field.
func dumpCanonical(t *testing.T, tx *Transaction) string {
	c, err := tx.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	var d dump
	d.add(fmt.Sprintf("domain %q", Domain), c[:16])
	d.add(fmt.Sprintf("app length %d", len(tx.App)), c[16:17])
	d.add(fmt.Sprintf("app %q", tx.App), []byte(tx.App))
	d.add(fmt.Sprintf("field count %d", len(tx.Fields)), []byte{byte(len(tx.Fields))})
	for _, f := range tx.Fields {
		d.add(fmt.Sprintf("name length %d", len(f.Name)), []byte{byte(len(f.Name))})
		d.add(fmt.Sprintf("name %q", f.Name), []byte(f.Name))
		d.add(fmt.Sprintf("value length %d", len(f.Value)), []byte{byte(len(f.Value) >> 8), byte(len(f.Value))})
		d.add(fmt.Sprintf("value %q", f.Value), f.Value)
	}
	if d.off != len(c) {
		t.Fatalf("dump covers %d of %d bytes", d.off, len(c))
	}
	return d.String()
}

// TestCanonicalGolden: the canonical encoding's test vectors, as annotated hexdumps, with the
// SHA-256 PKCS#1 v1.5 signature of the first under testdata/card-2048.pem.
func TestCanonicalGolden(t *testing.T) {
	key := loadKey(t, "card-2048.pem")
	vectors := []struct {
		name string
		tx   Transaction
	}{
		{"bank-zh-pay", Transaction{App: "bank-zh", Fields: []Field{
			{"card.iccid", bankValues["card.iccid"]}, {"txn", bankValues["txn"]},
			{"payee", bankValues["payee"]}, {"amount", bankValues["amount"]}}}},
		{"text-choice-yesno", Transaction{App: "demo", Fields: []Field{
			{"note", []byte("收款 ok")}, {"kind", []byte("water")}, {"confirmed", []byte{0x01}}}}},
		{"no-fields", Transaction{App: "x"}},
		{"empty-value", Transaction{App: "x", Fields: []Field{{"note", nil}}}},
	}
	var out strings.Builder
	for i, v := range vectors {
		fmt.Fprintf(&out, "# %s\n", v.name)
		out.WriteString(dumpCanonical(t, &v.tx))
		if i == 0 {
			c, _ := v.tx.Canonical()
			sig, err := Sign(nil, key, PKCS1v15SHA256, c)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "# signature, pkcs1v15-sha256, testdata/card-2048.pem\n")
			var d dump
			d.add("signature", sig)
			out.WriteString(d.String())
		}
		out.WriteString("\n")
	}
	golden(t).Assert(t, "canonical", []byte(out.String()))
}

// TestCanonicalRoundTrip: random transactions round-trip, and every strict prefix of an
// encoding fails to parse with a *tlv.Error.
func TestCanonicalRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 200; n++ {
		tx := &Transaction{App: randName(r, 1+r.IntN(20))}
		for i := range r.IntN(6) {
			v := make([]byte, r.IntN(300))
			for j := range v {
				v[j] = byte(r.Uint32())
			}
			tx.Fields = append(tx.Fields, Field{Name: fmt.Sprintf("f%d_%s", i, randName(r, r.IntN(5))), Value: v})
		}
		c, err := tx.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseCanonical(c)
		if err != nil {
			t.Fatalf("%d: %v", n, err)
		}
		c2, _ := back.Canonical()
		if !bytes.Equal(c, c2) {
			t.Fatalf("%d: round trip differs", n)
		}
		for k := range len(c) {
			_, err := ParseCanonical(c[:k])
			var te *tlv.Error
			if !errors.As(err, &te) {
				t.Fatalf("%d: prefix %d of %d: err %v", n, k, len(c), err)
			}
		}
	}
}

func randName(r *rand.Rand, n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return string(b)
}

func TestCanonicalErrors(t *testing.T) {
	good, _ := (&Transaction{App: "a", Fields: []Field{{"x", []byte("1")}}}).Canonical()
	cases := map[string]struct {
		in   []byte
		want string
	}{
		"domain":   {append([]byte("stkforge-sign-v2"), good[16:]...), "canonical.domain: offset 0"},
		"trailing": {append(append([]byte{}, good...), 0), "canonical: offset 24: 1 trailing bytes"},
		"dup":      {append(append([]byte{}, good[:18]...), append([]byte{2}, append(good[19:], good[19:]...)...)...), "canonical.fields[1].name: offset 24: field \"x\" given twice"},
		"empty":    {append([]byte(Domain), 0), "canonical.app: offset 16: empty"},
	}
	for name, c := range cases {
		_, err := ParseCanonical(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", name, err, c.want)
		}
	}
	if _, err := (&Transaction{App: strings.Repeat("a", 256)}).Canonical(); err == nil {
		t.Error("256-byte app accepted")
	}
	if _, err := (&Transaction{App: "a", Fields: []Field{{"v", make([]byte, 0x10000)}}}).Canonical(); err == nil {
		t.Error("65536-byte value accepted")
	}
}

// TestSignVerify: both schemes verify, and a changed message, signature or scheme does not.
func TestSignVerify(t *testing.T) {
	key := loadKey(t, "card-1024.pem")
	msg := []byte("stkforge-sign-v1 test")
	for _, sc := range []Scheme{PKCS1v15SHA256, PSSSHA256} {
		sig, err := Sign(crand.Reader, key, sc, msg)
		if err != nil {
			t.Fatal(err)
		}
		if len(sig) != 128 {
			t.Errorf("%s: %d-byte signature", sc, len(sig))
		}
		if err := Verify(&key.PublicKey, sc, msg, sig); err != nil {
			t.Errorf("%s: %v", sc, err)
		}
		if err := Verify(&key.PublicKey, sc, append(msg, 0), sig); err == nil {
			t.Errorf("%s: altered message verifies", sc)
		}
		bad := bytes.Clone(sig)
		bad[5] ^= 1
		if err := Verify(&key.PublicKey, sc, msg, bad); err == nil {
			t.Errorf("%s: altered signature verifies", sc)
		}
		if err := Verify(&key.PublicKey, sc, msg, sig[1:]); err == nil {
			t.Errorf("%s: short signature verifies", sc)
		}
		other := PSSSHA256
		if sc == PSSSHA256 {
			other = PKCS1v15SHA256
		}
		if err := Verify(&key.PublicKey, other, msg, sig); err == nil {
			t.Errorf("%s: verifies as %s", sc, other)
		}
	}
	if _, err := ParseScheme("pss-sha1"); err == nil {
		t.Error("pss-sha1 accepted")
	}
}

// signedBody is the bank-zh payment SMS the card sends for bankValues.
func signedBody(t testing.TB, f *Format, key *rsa.PrivateKey) []byte {
	t.Helper()
	vals := map[string][]byte{}
	tx := &Transaction{App: f.App}
	for k, v := range bankValues {
		vals[k] = v
	}
	for _, name := range f.Signed {
		tx.Fields = append(tx.Fields, Field{Name: name, Value: vals[name]})
	}
	c, err := tx.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := Sign(nil, key, f.Scheme, c)
	if err != nil {
		t.Fatal(err)
	}
	vals[f.Signature] = sig
	body, err := f.Build(vals)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestBankBody: the bank-zh payment SMS body is built as the card builds it, parsed as the bank
// parses it, verified with the card's public key; golden annotated dump.
func TestBankBody(t *testing.T) {
	f := bankFormat(t)
	key := loadKey(t, "card-2048.pem")
	if f.App != "bank-zh" || f.To != "95588" || f.Signature != "sig" || f.SigLen != 256 || f.Scheme != PKCS1v15SHA256 ||
		strings.Join(f.Signed, ",") != "card.iccid,txn,payee,amount" {
		t.Fatalf("format %+v", f)
	}
	body := signedBody(t, f, key)
	m, err := f.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Verify(&key.PublicKey); err != nil {
		t.Fatal(err)
	}
	for k, v := range bankValues {
		if got, _ := m.Value(k); !bytes.Equal(got, v) {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	// A changed amount no longer verifies.
	bad := bytes.Replace(body, []byte(" 12800 "), []byte(" 92800 "), 1)
	m2, err := f.Parse(bad)
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Verify(&key.PublicKey); err == nil {
		t.Error("altered amount verifies")
	}
	var d dump
	off := 0
	for _, pt := range f.Parts {
		var n int
		label := ""
		if pt.Kind == KindLiteral {
			n, label = len(pt.Lit), fmt.Sprintf("literal %q", pt.Lit)
		} else if pt.Name == f.Signature {
			n, label = f.SigLen, fmt.Sprintf("{%s} %s signature, %d bytes", pt.Name, f.Scheme, f.SigLen)
		} else {
			v, _ := m.Value(pt.Name)
			n, label = len(v), fmt.Sprintf("{%s} %s %q", pt.Name, pt.Kind, v)
		}
		d.add(label, body[off:off+n])
		off += n
	}
	out := fmt.Sprintf("# bank-zh payment SMS body (TP-DCS 04, %d octets, %s to %s), signed with testdata/card-2048.pem\n%s# verifies: %v\n",
		len(body), "concatenated", f.To, d.String(), m.Verify(&key.PublicKey) == nil)
	golden(t).Assert(t, "bank-zh-body", []byte(out))
}

// TestBodyPrefixes: every strict prefix of a valid body fails to parse, with a *tlv.Error,
// or parses to something that does not verify.
func TestBodyPrefixes(t *testing.T) {
	f := bankFormat(t)
	key := loadKey(t, "card-2048.pem")
	body := signedBody(t, f, key)
	for k := range len(body) {
		m, err := f.Parse(body[:k])
		if err != nil {
			var te *tlv.Error
			if !errors.As(err, &te) {
				t.Fatalf("prefix %d: %T %v", k, err, err)
			}
			continue
		}
		if m.Verify(&key.PublicKey) == nil {
			t.Fatalf("prefix %d of %d verifies", k, len(body))
		}
	}
}

func TestBodyErrors(t *testing.T) {
	f := bankFormat(t)
	sig := bytes.Repeat([]byte{' '}, 256)
	cases := map[string]struct {
		body string
		want string
	}{
		"literal":      {"PAX 1 2 3 4 " + string(sig), "body.parts[0]: offset 0: want \"PAY \""},
		"digits":       {"PAY 8986x 1 2 3 " + string(sig), "body.card.iccid: offset 4: byte 4 ('x') is not a digit"},
		"no sep":       {"PAY 1" + string(sig), "body.parts[8]: offset 4: want \" \""},
		"empty":        {"PAY 1  2 3 " + string(sig), "body.txn: offset 6: empty, want digits"},
		"short sig":    {"PAY 1 2 3 4 abc", "body.sig: offset 0: needs 256 bytes at the end of the body, 15 left"},
		"no iccid sep": {"PAY 1234 " + string(sig), "body.parts[2]: offset 4: literal \" \" not found"},
	}
	for name, c := range cases {
		_, err := f.Parse([]byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", name, err, c.want)
		}
	}
}

// FuzzParseCanonical: no panic; what parses re-encodes to the same bytes.
func FuzzParseCanonical(f *testing.F) {
	fuzzseed.Add(f)
	c, _ := (&Transaction{App: "bank-zh", Fields: []Field{{"card.iccid", bankValues["card.iccid"]}, {"amount", []byte("1")}}}).Canonical()
	f.Add(c)
	f.Add([]byte(Domain))
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := ParseCanonical(b)
		if err != nil {
			return
		}
		c, err := tx.Canonical()
		if err != nil || !bytes.Equal(c, b) {
			t.Fatalf("re-encode: %v", err)
		}
	})
}

// FuzzParseBody: the bank's body parser on arbitrary bytes: no panic, and a parsed body
// rebuilds to the same bytes.
func FuzzParseBody(f *testing.F) {
	fuzzseed.Add(f)
	fm := bankFormat(f)
	key := loadKey(f, "card-2048.pem")
	f.Add(signedBody(f, fm, key))
	f.Add([]byte("PAY 1 2 3 4 "))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := fm.Parse(b)
		if err != nil {
			return
		}
		vals := map[string][]byte{fm.Signature: m.Signature}
		for _, v := range m.Values {
			vals[v.Name] = v.Value
		}
		out, err := fm.Build(vals)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("rebuild: %v\n%q\n%q", err, out, b)
		}
	})
}

func BenchmarkVerifyBody(b *testing.B) {
	f := bankFormat(b)
	key := loadKey(b, "card-2048.pem")
	body := signedBody(b, f, key)
	b.ResetTimer()
	for b.Loop() {
		m, err := f.Parse(body)
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Verify(&key.PublicKey); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "messages/s")
}

// TestFormatsFromImage: the bank that holds only the compiled image finds the same payment
// format as from the spec, and verifies the card's message with it.
func TestFormatsFromImage(t *testing.T) {
	want := bankFormat(t)
	data, err := os.ReadFile(filepath.Join(fixtureDir, "menus", "bank-zh.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res, diags := gen.Compile([]check.SpecFile{{Name: "bank-zh.yaml", Data: data}}, gen.Options{})
	if diags.HasErrors() {
		t.Fatal(diags.Format(0))
	}
	fs, err := FormatsFromImage(res[0].Image)
	if err != nil || len(fs) != 1 {
		t.Fatalf("%d formats, %v", len(fs), err)
	}
	got := *fs[0]
	got.Line = want.Line
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", *want) {
		t.Errorf("from the image:\n%+v\nfrom the spec:\n%+v", got, *want)
	}
	key := loadKey(t, "card-2048.pem")
	m, err := got.Parse(signedBody(t, want, key))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Verify(&key.PublicKey); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		da   []byte
		want string
	}{{[]byte{5, 0x81, 0x59, 0x85, 0xF8}, "95588"}, {[]byte{4, 0x91, 0x21, 0x43}, "+1234"}, {[]byte{1}, ""}} {
		if got := daNumber(c.da); got != c.want {
			t.Errorf("daNumber(% X) = %q, want %q", c.da, got, c.want)
		}
	}
}
