package card

import (
	"bytes"
	"os"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
	"github.com/stkforge/stkforge/ota/smspp"
)

// allowedSW reports whether sw is one this card may answer (TS 102 221 10.2.1, TS 51.011
// 9.4, GlobalPlatform for RAM never reaches Transmit).
func allowedSW(sw uint16) bool {
	if _, ok := swNames[sw]; ok {
		return true
	}
	switch sw >> 8 {
	case 0x61, 0x9F, 0x91, 0x6C, 0x67:
		return true
	case 0x63:
		return sw&0xF0 == 0xC0
	}
	return false
}

// splitAPDUs reads a fuzz input as APDUs, each preceded by its length byte.
func splitAPDUs(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n := int(b[0])
		b = b[1:]
		n = min(n, len(b))
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

func joinAPDUs(t testing.TB, hexes ...string) []byte {
	var out []byte
	for _, h := range hexes {
		a := unhex(t, h)
		out = append(out, byte(len(a)))
		out = append(out, a...)
	}
	return out
}

// FuzzTransmit: any sequence of APDUs, never a panic, every answer a status word from the
// allowed set, data only with 90 00 or 91xx (or a 61xx/6Cxx count for GET RESPONSE).
func FuzzTransmit(f *testing.F) {
	fuzzseed.Add(f)
	f.Add(joinAPDUs(f, "00A40004023F00", "00C0000028", "00A4000C022FE2", "00B000000A"))
	f.Add(joinAPDUs(f, "A0A40000027F20", "A0C0000016", "A0A40000026F07", "A0B0000009", "A02000010831323334FFFFFFFF"))
	f.Add(joinAPDUs(f, "002000010831323334FFFFFFFF", "00A4080C047F106F3A", "00DC01041E"+string(bytes.Repeat([]byte("41"), 30)), "00A20104024141", "00C0000001"))
	f.Add(joinAPDUs(f, "0070000001", "01A4000C022FE2", "0070800100", "80F2000000", "801000000AFFFFFFFF7F9C00DFFF00"))
	f.Add(joinAPDUs(f, "A032000003000010", "002C000110313233343536373831323334FFFFFFFF", "80C2000009D30782020181900101", "8012000010"))
	for _, vc := range loadVectors(f) {
		env := unhex(f, vc.Expected.Envelope)
		f.Add(append([]byte{byte(5 + len(env)), 0x80, 0xC2, 0x00, 0x00, byte(len(env))}, env...))
	}
	c := newCard(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		c.Reset()
		for _, a := range splitAPDUs(in) {
			r := c.Transmit(a)
			if len(r) < 2 {
				t.Fatalf("%X: response %X without a status word", a, r)
			}
			sw := uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
			if !allowedSW(sw) {
				t.Fatalf("%X: status word %04X is not in the allowed set", a, sw)
			}
			if len(r) > 2 && sw != SWOK && sw>>8 != 0x91 && sw>>8 != 0x61 {
				t.Fatalf("%X: data with %04X", a, sw)
			}
		}
	})
}

// FuzzSMSPPDownload: any secured packet in an ENVELOPE (SMS-PP DOWNLOAD), never a panic; a
// packet that is not executed leaves the card's state as it was.
func FuzzSMSPPDownload(f *testing.F) {
	fuzzseed.Add(f)
	vcs := loadVectors(f)
	for _, vc := range vcs {
		env := unhex(f, vc.Expected.Envelope)
		e, err := smspp.ParseSMSPPDownload(env)
		if err != nil {
			f.Fatal(err)
		}
		d, err := smspp.ParseDeliver(e.TPDU)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(d.UD[3:], false)
		f.Add(env, true)
	}
	c := vectorCard(f, vcs[0])
	f.Fuzz(func(t *testing.T, in []byte, raw bool) {
		c.Reset()
		before, _ := c.Snapshot().Marshal()
		env := in
		if !raw {
			ud := append([]byte{0x02, 0x70, 0x00}, in...)
			if len(ud) > smspp.MaxUserData {
				return
			}
			tpdu, err := smspp.NewOTADeliver(otaOrigin, ud, fixedNow).MarshalBinary()
			if err != nil {
				return
			}
			if env, err = smspp.NewSMSPPDownload(nil, tpdu).MarshalBinary(); err != nil {
				return
			}
		}
		if len(env) > 255 {
			return
		}
		c.mu.Lock()
		c.lastOTA = nil
		c.mu.Unlock()
		r := c.Transmit(append([]byte{0x80, 0xC2, 0x00, 0x00, byte(len(env))}, env...))
		sw := uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
		if !allowedSW(sw) {
			t.Fatalf("status word %04X", sw)
		}
		if ev := c.LastOTA(); ev == nil || !ev.Executed {
			after, _ := c.Snapshot().Marshal()
			if !bytes.Equal(before, after) {
				t.Fatalf("a packet that did not run changed the card (event %+v)", ev)
			}
		}
	})
}

// TestPrefixesFail: every strict prefix of a valid command either fails cleanly or is itself
// a valid shorter command; none panics and none changes a file.
func TestPrefixesFail(t *testing.T) {
	c := newCard(t)
	tx(t, c, "0020000A083838383838383838")
	for _, full := range []string{"00A4080C047F206F46", "00D60000050141424344", "00DC01041E" + string(bytes.Repeat([]byte("41"), 30))} {
		a := unhex(t, full)
		for n := 0; n < len(a); n++ {
			before, _ := c.Snapshot().Marshal()
			r := c.Transmit(a[:n])
			sw := uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
			if !allowedSW(sw) {
				t.Errorf("%X: %04X", a[:n], sw)
			}
			if after, _ := c.Snapshot().Marshal(); a[1] != 0xA4 && !bytes.Equal(before, after) {
				t.Errorf("prefix %X changed the card", a[:n])
			}
		}
	}
	for _, vc := range loadVectors(t) {
		env := unhex(t, vc.Expected.Envelope)
		vcard := vectorCard(t, vc)
		before, _ := vcard.Snapshot().Marshal()
		for n := 1; n < len(env); n++ {
			r := vcard.Transmit(append([]byte{0x80, 0xC2, 0x00, 0x00, byte(n)}, env[:n]...))
			if ev := vcard.LastOTA(); ev != nil && ev.Executed {
				t.Fatalf("%s: prefix of %d bytes executed", vc.ID, n)
			}
			if sw := uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1]); !allowedSW(sw) {
				t.Errorf("%s: prefix %d: %04X", vc.ID, n, sw)
			}
		}
		if after, _ := vcard.Snapshot().Marshal(); !bytes.Equal(before, after) {
			t.Errorf("%s: prefixes changed the card", vc.ID)
		}
	}
}

// TestProfileRoundTrip: profile -> card -> state document -> card gives the same document,
// and every strict prefix of a state document fails with a ProfileError.
func TestProfileRoundTrip(t *testing.T) {
	c := newCard(t)
	tx(t, c, "0020000A083838383838383838")
	tx(t, c, "00A4080C047F4F6F03")
	tx(t, c, "00D60000020102")
	b1, err := c.Snapshot().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseProfile(b1)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := c2.Snapshot().Marshal()
	if !bytes.Equal(b1, b2) {
		t.Fatal("state document changed through a card")
	}
	for n := 0; n < len(b1)-1; n += 1 + n/64 {
		p, err := ParseProfile(b1[:n])
		if err == nil {
			_, err = New(p)
		}
		if _, ok := err.(*ProfileError); !ok {
			t.Fatalf("prefix of %d bytes: %v, want a ProfileError", n, err)
		}
	}
}

// FuzzProfile: any profile document, never a panic; one that builds a card answers APDUs.
func FuzzProfile(f *testing.F) {
	fuzzseed.Add(f)
	b, err := os.ReadFile(defaultProfile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"name":"x","atr":"3B00","files":[{"path":"3F00","type":"mf"},{"path":"3F00/2FE2","type":"transparent","size":1}],"pins":[]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := ParseProfile(in)
		if err != nil {
			return
		}
		c, err := New(p)
		if err != nil {
			if _, ok := err.(*ProfileError); !ok {
				t.Fatalf("%T %v", err, err)
			}
			return
		}
		c.Transmit([]byte{0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00})
		c.Snapshot().Marshal()
	})
}
