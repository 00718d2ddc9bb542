package smspp

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sebdah/goldie/v2"
)

// makePacket returns n octets that look like a command packet: CPL then a counting pattern.
func makePacket(n int) []byte {
	p := make([]byte, n)
	p[0], p[1] = byte((n-2)>>8), byte(n-2)
	for i := 2; i < n; i++ {
		p[i] = byte(i * 7)
	}
	return p
}

// sizeFor is a packet size that needs exactly k segments with the 8-bit reference.
func sizeFor(k int, wide bool) int {
	c := SegmentCapacity(wide)
	if k == 1 {
		return c.Single
	}
	return c.First + (k-1)*c.Next
}

func TestCapacity(t *testing.T) {
	c := SegmentCapacity(false)
	if c != (Capacity{Single: 137, First: 132, Next: 134}) {
		t.Fatalf("%+v", c)
	}
	if w := SegmentCapacity(true); w != (Capacity{Single: 137, First: 131, Next: 133}) {
		t.Fatalf("%+v", w)
	}
	if c.MaxPacket() != 132+254*134 {
		t.Fatal(c.MaxPacket())
	}
	for _, k := range []int{1, 2, 3, 10, 255} {
		if got := c.Segments(sizeFor(k, false)); got != k {
			t.Errorf("%d segments: Segments = %d", k, got)
		}
		if k > 1 {
			if got := c.Segments(sizeFor(k-1, false) + 1); got != k {
				t.Errorf("one octet over %d: %d", k-1, got)
			}
		}
	}
}

func TestSegmentLayout(t *testing.T) {
	segs, err := Segment(CommandPacket, makePacket(300), Reference{Value: 0x2A})
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) != 3 {
		t.Fatalf("%d segments", len(segs))
	}
	if !bytes.HasPrefix(segs[0], []byte{0x07, 0x00, 0x03, 0x2A, 0x03, 0x01, 0x70, 0x00, 0x01, 0x2A}) {
		t.Fatalf("first % X", segs[0][:10])
	}
	if !bytes.HasPrefix(segs[1], []byte{0x05, 0x00, 0x03, 0x2A, 0x03, 0x02}) || !bytes.HasPrefix(segs[2], []byte{0x05, 0x00, 0x03, 0x2A, 0x03, 0x03}) {
		t.Fatalf("next % X / % X", segs[1][:6], segs[2][:6])
	}
	for i, s := range segs[:2] {
		if len(s) != MaxUserData {
			t.Errorf("segment %d: %d octets", i+1, len(s))
		}
	}
	wide, err := Segment(CommandPacket, makePacket(300), Reference{Value: 0x1234, Wide: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(wide[0], []byte{0x08, 0x08, 0x04, 0x12, 0x34, 0x03, 0x01, 0x70, 0x00}) || !bytes.HasPrefix(wide[1], []byte{0x06, 0x08, 0x04, 0x12, 0x34, 0x03, 0x02}) {
		t.Fatalf("wide % X / % X", wide[0][:9], wide[1][:7])
	}
	if _, err := Segment(CommandPacket, makePacket(300), Reference{Value: 256}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ref 256 with 8-bit IE: %v", err)
	}
	if _, err := Segment(CommandPacket, makePacket(SegmentCapacity(false).MaxPacket()+1), Reference{}); !errors.Is(err, ErrTooLong) {
		t.Fatalf("over 255 segments: %v", err)
	}
}

// TestConcatRoundTrip segments packets of 1, 2, 10 and 255 segments, shuffles the parts, adds
// duplicates, and reassembles them.
func TestConcatRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, wide := range []bool{false, true} {
		for _, k := range []int{1, 2, 10, 255} {
			for _, kind := range []PacketKind{CommandPacket, ResponsePacket} {
				t.Run(fmt.Sprintf("wide=%v/%d/%v", wide, k, kind), func(t *testing.T) {
					packet := makePacket(sizeFor(k, wide))
					segs, err := Segment(kind, packet, Reference{Value: 0xA5, Wide: wide})
					if err != nil {
						t.Fatal(err)
					}
					if len(segs) != k {
						t.Fatalf("%d segments, want %d", len(segs), k)
					}
					// Shuffle the parts with duplicates of random ones, some landing after the
					// series completed (ignored by digest).
					feed := append([][]byte{}, segs...)
					for i := 0; k > 1 && i < k/3+1; i++ {
						feed = append(feed, segs[rng.IntN(k)])
					}
					rng.Shuffle(len(feed), func(i, j int) { feed[i], feed[j] = feed[j], feed[i] })
					r := NewReassembler(Limits{}, vectorClock)
					var got *Packet
					for i, ud := range feed {
						if len(ud) > MaxUserData {
							t.Fatalf("segment of %d octets", len(ud))
						}
						p, err := r.Add("+491720000001", ud)
						if err != nil {
							t.Fatalf("part %d: %v", i, err)
						}
						if p != nil {
							if got != nil {
								t.Fatal("completed twice")
							}
							got = p
						}
					}
					if got == nil {
						t.Fatal("never completed")
					}
					if got.Kind != kind || got.Segments != k || !bytes.Equal(got.Data, packet) {
						t.Fatalf("got %v %d segments, %d octets", got.Kind, got.Segments, len(got.Data))
					}
					if r.Pending() != 0 {
						t.Fatalf("%d pending", r.Pending())
					}
				})
			}
		}
	}
}

func TestReassemblyKeyedByOriginator(t *testing.T) {
	a, _ := Segment(CommandPacket, makePacket(200), Reference{Value: 7})
	b, _ := Segment(CommandPacket, makePacket(250), Reference{Value: 7})
	r := NewReassembler(Limits{}, vectorClock)
	for _, step := range []struct {
		from string
		ud   []byte
	}{{"A", a[0]}, {"B", b[1]}, {"B", b[0]}, {"A", a[1]}} {
		p, err := r.Add(step.from, step.ud)
		if err != nil {
			t.Fatal(err)
		}
		if p != nil && len(p.Data) != map[string]int{"A": 200, "B": 250}[step.from] {
			t.Fatalf("%s got %d octets", step.from, len(p.Data))
		}
	}
	if r.Pending() != 0 {
		t.Fatal(r.Pending())
	}
}

// TestReassemblyRejects checks each negative path gives a typed error naming the field.
func TestReassemblyRejects(t *testing.T) {
	segs, _ := Segment(CommandPacket, makePacket(300), Reference{Value: 9})
	mod := func(ud []byte, f func([]byte)) []byte { c := bytes.Clone(ud); f(c); return c }
	tests := []struct {
		name  string
		setup [][]byte
		ud    []byte
		kind  error
		field string
	}{
		{"total mismatch", [][]byte{segs[0]}, mod(segs[1], func(b []byte) { b[4] = 4 }), ErrTotalMismatch, "total"},
		{"seq zero", nil, mod(segs[1], func(b []byte) { b[5] = 0 }), ErrSequence, "seq"},
		{"seq above total", nil, mod(segs[1], func(b []byte) { b[5] = 4 }), ErrSequence, "seq"},
		{"total zero", nil, mod(segs[1], func(b []byte) { b[4] = 0; b[5] = 0 }), ErrSequence, "total"},
		{"first part without IEI 70", nil, []byte{0x05, 0x00, 0x03, 0x09, 0x03, 0x01, 0xAA}, ErrNoPacketHeader, "udh"},
		{"IEI 70 in a later part", nil, mod(segs[0], func(b []byte) { b[5] = 2 }), ErrMisplacedPacketHeader, "udh"},
		{"conflicting duplicate", [][]byte{segs[1]}, mod(segs[1], func(b []byte) { b[len(b)-1] ^= 1 }), ErrConflictingDuplicate, "seq"},
		{"single without identifier", nil, []byte{0x00, 0x01, 0x02}, ErrNoPacketHeader, "udh"},
		{"CPL wrong", nil, []byte{0x02, 0x70, 0x00, 0x00, 0x05, 0x01}, ErrLength, "packet.cpl"},
		{"two identifiers", nil, []byte{0x04, 0x70, 0x00, 0x71, 0x00, 0x00, 0x00}, ErrInvalid, "IEI 71"},
		{"IEDL of 70 not 0", nil, []byte{0x03, 0x70, 0x01, 0x00, 0x00, 0x00}, ErrInvalid, "IEI 70"},
		{"IE runs past UDHL", nil, []byte{0x03, 0x00, 0x03, 0x01, 0x02, 0x01}, ErrTruncated, "IEI 00"},
		{"UDHL past end", nil, []byte{0x09, 0x70, 0x00}, ErrTruncated, "udhl"},
		{"too long", nil, make([]byte, 141), ErrTooLong, "ud"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReassembler(Limits{}, vectorClock)
			for _, ud := range tc.setup {
				if _, err := r.Add("o", ud); err != nil {
					t.Fatal(err)
				}
			}
			_, err := r.Add("o", tc.ud)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, tc.kind) || !strings.Contains(e.Field, tc.field) {
				t.Fatalf("got %v, want %v in field %q", err, tc.kind, tc.field)
			}
			// Errors about the concatenation IE point at the octet: 05 00 03 ref TOTAL SEQ.
			if strings.HasSuffix(e.Field, "concat.total") && e.Offset != 4 || strings.HasSuffix(e.Field, "concat.seq") && e.Offset != 5 {
				t.Fatalf("%v: offset %d", err, e.Offset)
			}
		})
	}
}

func TestReassemblyLimits(t *testing.T) {
	now := vectorClock()
	clock := func() time.Time { return now }
	segs, _ := Segment(CommandPacket, makePacket(1000), Reference{Value: 1})

	r := NewReassembler(Limits{MaxSeries: 2}, clock)
	for ref := byte(1); ref <= 2; ref++ {
		if _, err := r.Add("o", []byte{0x05, 0x00, 0x03, ref, 0x02, 0x02, 0xAA}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Add("o", []byte{0x05, 0x00, 0x03, 3, 0x02, 0x02, 0xAA}); !errors.Is(err, ErrLimit) {
		t.Fatalf("third series: %v", err)
	}
	now = now.Add(5*time.Minute + time.Second)
	if _, err := r.Add("o", []byte{0x05, 0x00, 0x03, 3, 0x02, 0x02, 0xAA}); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if r.Pending() != 1 {
		t.Fatalf("pending %d", r.Pending())
	}

	// A part delivered again after its series completed is ignored; a new series on the same
	// reference (other content) is accepted.
	r = NewReassembler(Limits{}, clock)
	two, _ := Segment(CommandPacket, makePacket(200), Reference{Value: 5})
	for _, s := range two {
		if _, err := r.Add("o", s); err != nil {
			t.Fatal(err)
		}
	}
	if p, err := r.Add("o", two[1]); p != nil || err != nil || r.Pending() != 0 {
		t.Fatalf("late duplicate: %v %v, %d pending", p, err, r.Pending())
	}
	other, _ := Segment(CommandPacket, makePacket(260), Reference{Value: 5})
	if _, err := r.Add("o", other[0]); err != nil || r.Pending() != 1 {
		t.Fatalf("reused reference: %v, %d pending", err, r.Pending())
	}

	r = NewReassembler(Limits{MaxSegments: 4}, clock)
	if _, err := r.Add("o", segs[0]); !errors.Is(err, ErrLimit) {
		t.Fatalf("%d segments with MaxSegments 4: %v", len(segs), err)
	}
	r = NewReassembler(Limits{MaxBytes: 300}, clock)
	var err error
	for _, s := range segs[:3] {
		if _, err = r.Add("o", s); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrLimit) || r.Pending() != 0 {
		t.Fatalf("MaxBytes: %v, %d pending", err, r.Pending())
	}
}

// TestPrefixesFail: every strict prefix of valid user data, TPDU and ENVELOPE fails cleanly.
func TestPrefixesFail(t *testing.T) {
	for _, c := range loadOTA(t) {
		env := unhex(t, c.Expected.Envelope)
		tp := unhex(t, c.Expected.DeliverTPDU)
		for i := range env {
			if _, err := ParseSMSPPDownload(env[:i]); err == nil {
				t.Fatalf("%s: envelope prefix %d parsed", c.ID, i)
			}
		}
		for i := range tp {
			if _, err := ParseDeliver(tp[:i]); err == nil {
				t.Fatalf("%s: TPDU prefix %d parsed", c.ID, i)
			}
		}
	}
	s, _ := NewPoRSubmit(1, Number("+4917"), makePacket(40))
	sb, _ := s.MarshalBinary()
	for i := range sb {
		if _, err := ParseSubmit(sb[:i]); err == nil {
			t.Fatalf("submit prefix %d parsed", i)
		}
	}
	dr, _ := NewPoRDeliverReport(makePacket(40))
	db, _ := dr.MarshalBinary()
	for i := range db {
		if _, err := ParseDeliverReport(db[:i], false); err == nil {
			t.Fatalf("report prefix %d parsed", i)
		}
	}
}

func TestTPDURoundTrip(t *testing.T) {
	vp := byte(0xA7)
	subs := []*Submit{
		{RejectDuplicates: true, StatusReportRequest: true, UDHI: true, MR: 9, DA: Number("+12345"), PID: 0x7F, DCS: 0x16, RelativeVP: &vp, UD: []byte{0x02, 0x70, 0x00, 0x00, 0x00}},
		{MR: 1, DA: Address{TON: TONNational, NPI: NPIISDN, Digits: "0*#a"}, PID: 0, DCS: 0x04, UD: []byte("plain")},
	}
	for _, s := range subs {
		b, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseSubmit(b)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := back.MarshalBinary()
		if !bytes.Equal(again, b) {
			t.Fatalf("% X != % X", again, b)
		}
	}
	for v := 0; v < 256; v++ {
		x := byte(v)
		s := &Submit{DA: Number("1"), DCS: 0xF6, RelativeVP: &x, UD: []byte{}}
		b, err := s.MarshalBinary()
		if err != nil || b[7] != x {
			t.Fatalf("VP %02X: % X %v", x, b, err)
		}
	}
	rep := &DeliverReport{RPError: true, FCS: FCSSIMDataDownloadError, UDHI: true, HasPID: true, PID: 0x7F, HasDCS: true, DCS: 0xF6, UD: []byte{0x02, 0x71, 0x00, 0x00, 0x00}}
	b, _ := rep.MarshalBinary()
	if !bytes.Equal(b[:4], []byte{0x40, 0xD5, 0x07, 0x7F}) {
		t.Fatalf("% X", b)
	}
	back, err := ParseDeliverReport(b, true)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := back.MarshalBinary()
	if !bytes.Equal(again, b) {
		t.Fatal("report round trip")
	}
	// A TPDU with a 7-bit DCS is not OTA user data.
	d := &Deliver{OA: Number("1"), DCS: 0x00, UD: []byte("x")}
	if _, err := d.MarshalBinary(); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
}

func TestEnvelopeRejects(t *testing.T) {
	tests := []struct {
		name, hex, field string
	}{
		{"wrong tag", "D3 07 82 02 83 81 8B 01 00", "envelope.tag"},
		{"device identities", "D1 07 82 02 01 81 8B 01 00", "envelope.device_identities"},
		{"no TPDU", "D1 04 82 02 83 81", "envelope.sms_tpdu"},
		{"repeated", "D1 0A 82 02 83 81 8B 01 00 8B 01 00", "envelope.object"},
		{"unknown CR", "D1 0A 82 02 83 81 8B 01 00 C0 01 00", "envelope.object"},
		{"trailing", "D1 07 82 02 83 81 8B 01 00 00", "envelope"},
		{"address digit", "D1 0B 82 02 83 81 86 02 91 1F 8B 01 00", "envelope.address"},
	}
	for _, tc := range tests {
		_, err := ParseSMSPPDownload(unhex(t, tc.hex))
		var e *Error
		if !errors.As(err, &e) || !strings.HasPrefix(e.Field, tc.field) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// An unknown object without the CR bit is skipped.
	if _, err := ParseSMSPPDownload(unhex(t, "D1 0A 82 02 83 81 40 01 00 8B 01 00")); err != nil {
		t.Fatal(err)
	}
}

func TestGoldenThreeSegments(t *testing.T) {
	segs, err := Segment(CommandPacket, makePacket(300), Reference{Value: 0x2A})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("# 300-octet command packet (CPL 012A) in 3 concatenated short messages, reference 42.\n")
	sb.WriteString("# TS 31.115 4.1 / TS 23.040 9.2.3.24.1: IEI 70 only in the first segment.\n")
	for i, s := range segs {
		d, err := Describe(s)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sb, "\n## segment %d: TP-UD of %d octets\n%s", i+1, len(s), d)
	}
	g := goldie.New(t, goldie.WithFixtureDir("../../fixtures/golden/ota/smspp"), goldie.WithNameSuffix(".golden"))
	g.Assert(t, "concat-3-segments", []byte(sb.String()))
}

func BenchmarkSegment1K(b *testing.B) {
	p := makePacket(1024)
	var n int
	for b.Loop() {
		segs, err := Segment(CommandPacket, p, Reference{Value: 1})
		if err != nil {
			b.Fatal(err)
		}
		n += len(segs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "segments/s")
}

func BenchmarkReassemble1K(b *testing.B) {
	// 256 references in turn, so that no series repeats one the Reassembler still remembers.
	var series [256][][]byte
	for i := range series {
		series[i], _ = Segment(CommandPacket, makePacket(1024), Reference{Value: uint16(i)})
	}
	r := NewReassembler(Limits{}, vectorClock)
	var n, done int
	for i := 0; b.Loop(); i++ {
		for _, s := range series[i%256] {
			p, err := r.Add("+491720000001", s)
			if err != nil {
				b.Fatal(err)
			}
			if p != nil {
				done++
			}
		}
		n += len(series[0])
	}
	if done == 0 {
		b.Fatal("nothing reassembled")
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "segments/s")
	b.ReportMetric(float64(done)/b.Elapsed().Seconds(), "packets/s")
}

// TestParseDeliverStrict covers what warthog618/sms v0.3.0 alone would let through.
func TestParseDeliverStrict(t *testing.T) {
	base := "40 04 91 2143 7F F6 52107261424300"
	tests := []struct {
		name, hex string
		kind      error
		field     string
	}{
		{"UDL 0 with trailing octets", "00 04 91 2143 7F F6 52107261424300 00 AA", ErrInvalid, "tpdu"},
		{"IE runs past UDHL", base + "07 02 70 03 00 00 00 00", ErrTruncated, "tpdu.ud.udh.ie[0](IEI 70).ied"},
		{"IE runs past UD", base + "06 02 70 05 00 00 00", ErrTruncated, "tpdu.ud.udh.ie[0](IEI 70).ied"},
		{"UDHL past UD", base + "03 05 70 00", ErrTruncated, "tpdu.ud.udh.udhl"},
		{"7-bit DCS", "40 04 91 2143 7F 00 52107261424300 03 02 70 00", ErrInvalid, "tpdu.dcs"},
		{"SUBMIT given to ParseDeliver", "41 00 04 91 2143 7F F6 03 02 70 00", ErrInvalid, "tpdu.first_octet.mti"},
	}
	for _, tc := range tests {
		_, err := ParseDeliver(unhex(t, tc.hex))
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, tc.kind) || !strings.HasPrefix(e.Field, tc.field) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
