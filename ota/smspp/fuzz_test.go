package smspp

import (
	"bytes"
	"testing"
	"time"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

func seedUD(f *testing.F) {
	for _, c := range loadOTA(f) {
		f.Add(unhex(f, c.Expected.SMSUD))
		if c.PoR.UD != "" {
			f.Add(unhex(f, c.PoR.UD))
		}
	}
	segs, _ := Segment(CommandPacket, makePacket(300), Reference{Value: 3})
	for _, s := range segs {
		f.Add(s)
	}
	wide, _ := Segment(CommandPacket, makePacket(300), Reference{Value: 0x1234, Wide: true})
	f.Add(wide[0])
}

func FuzzParseUDH(f *testing.F) {
	fuzzseed.Add(f)
	seedUD(f)
	f.Fuzz(func(t *testing.T, ud []byte) {
		h, end, err := ParseUDH(ud)
		if err != nil {
			return
		}
		again, err := h.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, ud[:end]) {
			t.Fatalf("% X re-encodes as % X", ud[:end], again)
		}
		_, _ = ParseUserData(ud)
		_, _ = Describe(ud)
	})
}

// FuzzReassembly feeds a stream of random parts, cut from the input, under tight limits: no
// panic, and never more held than the limits allow.
func FuzzReassembly(f *testing.F) {
	fuzzseed.Add(f)
	segs, _ := Segment(CommandPacket, makePacket(400), Reference{Value: 3})
	var all []byte
	for _, s := range segs {
		all = append(all, byte(len(s)))
		all = append(all, s...)
	}
	f.Add(all)
	seedUD(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		now := vectorClock()
		lim := Limits{MaxSegments: 8, MaxBytes: 600, MaxSeries: 4, MaxAge: time.Minute}
		r := NewReassembler(lim, func() time.Time { return now })
		for len(in) > 0 {
			n := min(int(in[0]), len(in)-1)
			ud := in[1 : 1+n]
			in = in[1+n:]
			from := "a"
			if n%3 == 0 {
				from = "b"
			}
			p, err := r.Add(from, ud)
			if err == nil && p != nil && len(p.Data) > lim.MaxBytes && p.Segments > 1 {
				t.Fatalf("packet of %d octets over MaxBytes", len(p.Data))
			}
			if r.Pending() > lim.MaxSeries || len(r.completed) > lim.MaxSeries {
				t.Fatalf("%d series pending", r.Pending())
			}
			held := 0
			for _, s := range r.pending {
				held += s.bytes
				if s.bytes > lim.MaxBytes || len(s.parts) > lim.MaxSegments {
					t.Fatalf("series holds %d octets in %d parts", s.bytes, len(s.parts))
				}
			}
			now = now.Add(time.Duration(n) * time.Second)
		}
	})
}

func FuzzParseTPDU(f *testing.F) {
	fuzzseed.Add(f)
	for _, c := range loadOTA(f) {
		f.Add(unhex(f, c.Expected.DeliverTPDU))
	}
	for _, v := range loadCATTPDUs(f) {
		f.Add(unhex(f, v.Hex))
	}
	s, _ := NewPoRSubmit(3, Number("+4917"), makePacket(40))
	sb, _ := s.MarshalBinary()
	f.Add(sb)
	dr, _ := NewPoRDeliverReport(makePacket(40))
	db, _ := dr.MarshalBinary()
	f.Add(db)
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := ParseDeliver(b); err == nil {
			again, err := d.MarshalBinary()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("deliver round trip: %v\n% X\n% X", err, b, again)
			}
		}
		if s, err := ParseSubmit(b); err == nil {
			again, err := s.MarshalBinary()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("submit round trip: %v\n% X\n% X", err, b, again)
			}
		}
		for _, rpError := range []bool{false, true} {
			if r, err := ParseDeliverReport(b, rpError); err == nil {
				again, err := r.MarshalBinary()
				if err != nil || !bytes.Equal(again, b) {
					t.Fatalf("report round trip: %v\n% X\n% X", err, b, again)
				}
			}
		}
	})
}

func FuzzParseEnvelope(f *testing.F) {
	fuzzseed.Add(f)
	for _, c := range loadOTA(f) {
		f.Add(unhex(f, c.Expected.Envelope))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseSMSPPDownload(b)
		if err != nil {
			return
		}
		if _, err := e.MarshalBinary(); err != nil {
			t.Fatal(err)
		}
		_, _ = ParseDeliver(e.TPDU)
	})
}
