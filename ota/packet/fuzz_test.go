package packet

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

// FuzzOpen opens arbitrary bytes as a command packet with the keys of a sample case: no panic,
// every failure is an *Error, and whatever opens re-seals to a packet that opens the same.
func FuzzOpen(f *testing.F) {
	fuzzseed.Add(f)
	cases := loadSamples(f)
	for i, c := range cases {
		f.Add(unhex(f, c.Expected.CommandPacket), uint8(i))
	}
	f.Fuzz(func(t *testing.T, pkt []byte, which uint8) {
		c := cases[int(which)%len(cases)]
		_, keys := c.header(t)
		cmd, err := Open(nil, pkt, keys)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := Seal(nil, &cmd.Header, cmd.Data, keys)
		if err != nil {
			t.Fatal(err)
		}
		cmd2, err := Open(nil, again, keys)
		if err != nil || cmd2.Header != cmd.Header || !bytes.Equal(cmd2.Data, cmd.Data) {
			t.Fatalf("re-sealed packet %x opens as %+v, %v", again, cmd2, err)
		}
	})
}

// FuzzOpenPoR parses arbitrary SMS user data as a PoR (UDH 02 71 00 then the packet) for the
// SPI, KIc and KID of a sample case.
func FuzzOpenPoR(f *testing.F) {
	fuzzseed.Add(f)
	cases := loadSamples(f)
	for i, c := range cases {
		if c.PoR != nil {
			f.Add(unhex(f, c.PoR.UD), uint8(i))
			if c.PoR.TamperedUD != "" {
				f.Add(unhex(f, c.PoR.TamperedUD), uint8(i))
			}
		}
	}
	f.Fuzz(func(t *testing.T, ud []byte, which uint8) {
		c := cases[int(which)%len(cases)]
		h, keys := c.header(t)
		n := min(3, len(ud))
		r, err := OpenPoR(nil, ud[:n], ud[n:], h.Security, keys)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		h.TAR, h.CNTR = r.TAR, r.CNTR
		again, err := SealPoR(nil, ud[:n], &h, r.Status, r.Data, keys)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := OpenPoR(nil, ud[:n], again, h.Security, keys)
		if err != nil || r2.Status != r.Status || !bytes.Equal(r2.Data, r.Data) {
			t.Fatalf("re-sealed PoR %x opens as %+v, %v", again, r2, err)
		}
	})
}
