package tlv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand"
	"strings"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The DISPLAY TEXT of TS 102 384 27.22.4.1.1 (cat-sample.json cat-display-text-01), built by nesting.
func TestBuilderDisplayText(t *testing.T) {
	b := NewBuilder(nil)
	b.AddBER(0xD0, func(b *Builder) {
		b.AddCTLV(0x01, true, func(b *Builder) { b.AddBytes(0x01, 0x21, 0x80) })
		b.AddCTLV(0x02, true, func(b *Builder) { b.AddBytes(0x81, 0x02) })
		b.AddCTLV(0x0D, true, func(b *Builder) {
			b.AddUint8(0x04)
			b.AddBytes([]byte("Toolkit Test 1")...)
		})
	})
	got, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := mustHex(t, "D01A8103012180820281028D0F04546F6F6C6B697420546573742031")
	if !bytes.Equal(got, want) {
		t.Fatalf("got  %X\nwant %X", got, want)
	}
}

func TestLengthForms(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 200, 255, 256, 1000, 65535} {
		b := NewBuilder(nil)
		b.AddBER(0xD0, func(b *Builder) { b.AddBytes(make([]byte, n)...) })
		enc, err := b.Bytes()
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		var head []byte
		switch {
		case n <= 127:
			head = []byte{0xD0, byte(n)}
		case n <= 255:
			head = []byte{0xD0, 0x81, byte(n)}
		default:
			head = []byte{0xD0, 0x82, byte(n >> 8), byte(n)}
		}
		if !bytes.HasPrefix(enc, head) || len(enc) != len(head)+n {
			t.Fatalf("n=%d: header %X, len %d", n, enc[:min(len(enc), 4)], len(enc))
		}
		r := NewReader(enc)
		tag, v, off, err := r.ReadBER("msg")
		if err != nil || tag != 0xD0 || len(v) != n || off != len(head) || !r.Empty() {
			t.Fatalf("n=%d: read tag %X len %d off %d err %v", n, tag, len(v), off, err)
		}
	}
	b := NewBuilder(nil)
	b.AddBER(0xD0, func(b *Builder) { b.AddBytes(make([]byte, 65536)...) })
	if _, err := b.Bytes(); err == nil {
		t.Fatal("65536-byte value accepted")
	}
}

// Nested values that grow past 127 bytes shift their content; the outer length must follow.
func TestNestedWidening(t *testing.T) {
	b := NewBuilder(nil)
	b.AddBER(0xD0, func(b *Builder) {
		b.AddCTLV(0x0D, true, func(b *Builder) { b.AddBytes(bytes.Repeat([]byte{0xAA}, 130)...) })
		b.AddCTLV(0x05, false, func(b *Builder) { b.AddBytes(0x41) })
	})
	enc, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{0xD0, 0x81, 0x88, 0x8D, 0x81, 0x82}, bytes.Repeat([]byte{0xAA}, 130)...)
	want = append(want, 0x05, 0x01, 0x41)
	if !bytes.Equal(enc, want) {
		t.Fatalf("got %X", enc)
	}
}

func TestThreeByteTags(t *testing.T) {
	b := NewBuilder(nil)
	b.AddCTLVBytes(0x0123, true, []byte{1, 2})
	b.AddObject(CTLV{Tag: 0x05, ThreeByte: true, Value: []byte{9}})
	enc, _ := b.Bytes()
	want := mustHex(t, "7F812302 0102 7F000501 09")
	if !bytes.Equal(enc, want) {
		t.Fatalf("got %X want %X", enc, want)
	}
	r := NewReader(enc)
	var o CTLV
	if err := r.ReadCTLV("x", &o); err != nil || o.Tag != 0x0123 || !o.CR || o.ThreeByte {
		t.Fatalf("first: %+v %v", o, err)
	}
	if err := r.ReadCTLV("x", &o); err != nil || o.Tag != 0x05 || o.CR || !o.ThreeByte {
		t.Fatalf("second: %+v %v", o, err)
	}
	round := NewBuilder(nil)
	r = NewReader(enc)
	for !r.Empty() {
		if err := r.ReadCTLV("x", &o); err != nil {
			t.Fatal(err)
		}
		round.AddObject(o)
	}
	if got, _ := round.Bytes(); !bytes.Equal(got, enc) {
		t.Fatalf("round trip %X", got)
	}
}

func TestReaderErrors(t *testing.T) {
	cases := []struct {
		hex, field string
		offset     int
	}{
		{"", "m.tag", 0},
		{"8D", "m.length", 1},
		{"8D05 0102", "m.value", 2},
		{"8D81", "m.length", 1},
		{"8D8105", "m.length", 1},     // non-minimal
		{"8D820080", "m.length", 1},   // non-minimal
		{"8D83000001", "m.length", 1}, // 83 form not used by CAT
		{"00", "m.tag", 0},
		{"80", "m.tag", 0},
		{"FF", "m.tag", 0},
		{"7F00", "m.tag", 0},
		{"7F000001", "m.tag", 0}, // tag value 0
	}
	for _, c := range cases {
		r := NewReaderAt(mustHex(t, c.hex), 0)
		var o CTLV
		err := r.ReadCTLV("m", &o)
		var te *Error
		if !errors.As(err, &te) {
			t.Errorf("%s: err %v, want *Error", c.hex, err)
			continue
		}
		if te.Field != c.field || te.Offset != c.offset {
			t.Errorf("%s: got %s at %d, want %s at %d (%v)", c.hex, te.Field, te.Offset, c.field, c.offset, err)
		}
		if r.Offset() != 0 {
			t.Errorf("%s: failed read consumed input", c.hex)
		}
	}
}

// Offsets of a nested reader count from the start of the whole message.
func TestNestedOffsets(t *testing.T) {
	msg := mustHex(t, "D005 8D05 0102")
	r := NewReader(msg)
	_, _, _, err := r.ReadBER("D0")
	if err == nil {
		t.Fatal("truncated BER accepted")
	}
	msg = mustHex(t, "D004 8D05 0102")
	r = NewReader(msg)
	_, v, off, err := r.ReadBER("D0")
	if err != nil {
		t.Fatal(err)
	}
	var o CTLV
	err = NewReaderAt(v, off).ReadCTLV("D0.text", &o)
	var te *Error
	if !errors.As(err, &te) || te.Offset != 4 || te.Field != "D0.text.value" {
		t.Fatalf("got %v", err)
	}
	if got := err.Error(); got != "D0.text.value: offset 4: needs 5 bytes, 2 left" {
		t.Fatalf("message %q", got)
	}
}

// Random object lists survive build -> read -> rebuild, and every strict prefix fails to read
// as a whole.
func TestRoundTripAndPrefixes(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 500; i++ {
		var objs []CTLV
		for j := rng.Intn(6); j > 0; j-- {
			o := CTLV{CR: rng.Intn(2) == 0, Value: make([]byte, rng.Intn(300))}
			if rng.Intn(5) == 0 {
				o.Tag = Tag(1 + rng.Intn(0x7FFF))
			} else {
				o.Tag = Tag(1 + rng.Intn(0x7E))
			}
			o.ThreeByte = o.Tag <= 0x7E && rng.Intn(10) == 0
			rng.Read(o.Value)
			objs = append(objs, o)
		}
		b := NewBuilder(nil)
		b.AddBER(0xD0, func(b *Builder) {
			for _, o := range objs {
				b.AddObject(o)
			}
		})
		enc, err := b.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(enc)
		if err != nil {
			t.Fatalf("%X: %v", enc, err)
		}
		if len(got) != len(objs) {
			t.Fatalf("got %d objects, want %d", len(got), len(objs))
		}
		for k := range objs {
			if got[k].Tag != objs[k].Tag || got[k].CR != objs[k].CR || got[k].ThreeByte != objs[k].ThreeByte || !bytes.Equal(got[k].Value, objs[k].Value) {
				t.Fatalf("object %d: got %+v want %+v", k, got[k], objs[k])
			}
		}
		for n := 0; n < len(enc); n++ {
			if _, err := readAll(enc[:n]); err == nil {
				t.Fatalf("prefix %X of %X accepted", enc[:n], enc)
			}
		}
	}
}

func readAll(b []byte) ([]CTLV, error) {
	r := NewReader(b)
	_, v, off, err := r.ReadBER("msg")
	if err != nil {
		return nil, err
	}
	if !r.Empty() {
		return nil, Errorf("msg", r.Offset(), "trailing bytes")
	}
	inner := NewReaderAt(v, off)
	var out []CTLV
	for !inner.Empty() {
		var o CTLV
		if err := inner.ReadCTLV("msg", &o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

func FuzzReader(f *testing.F) {
	fuzzseed.Add(f)
	for _, s := range []string{
		"D01A8103012180820281028D0F04546F6F6C6B697420546573742031",
		"D0188103011500820281823100050B44656661756C742055524C",
		"D309820201819001019500",
		"7F812302 0102",
		"D081880D8182",
	} {
		f.Add(mustHex(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := readAll(data)
		if err != nil {
			return
		}
		b := NewBuilder(nil)
		b.AddBER(data[0], func(b *Builder) {
			for _, o := range objs {
				b.AddObject(o)
			}
		})
		enc, err := b.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, data) {
			t.Fatalf("re-encoding %X gives %X", data, enc)
		}
	})
}

func BenchmarkBuildDisplayText(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		bl := NewBuilder(buf[:0])
		bl.AddBER(0xD0, func(b *Builder) {
			b.AddCTLV(0x01, true, func(b *Builder) { b.AddBytes(0x01, 0x21, 0x80) })
			b.AddCTLV(0x02, true, func(b *Builder) { b.AddBytes(0x81, 0x02) })
			b.AddCTLV(0x0D, true, func(b *Builder) { b.AddUint8(0x04); b.AddBytes([]byte("Toolkit Test 1")...) })
		})
		if _, err := bl.Bytes(); err != nil {
			b.Fatal(err)
		}
	}
}
