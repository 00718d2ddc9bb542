package toolkit_test

import (
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/cat/profile"
)

// FuzzRuntime drives the runtime with random menu selections, terminal responses and envelopes:
// the card never panics, always answers a status word, and every proactive command it queues
// decodes with stk/cat.
func FuzzRuntime(f *testing.F) {
	fuzzseed.Add(f)
	// select Pay, answer language en, item 1, payee, amount, yes, PIN
	f.Add([]byte{0, 2, 1, 0, 4, 0xAD, 0x02, 'e', 'n', 1, 0, 3, 0x90, 0x01, 0x01, 1, 0, 0})
	f.Add([]byte{0, 3, 1, 0, 0, 1, 0x11, 0, 1, 0x10, 0})
	f.Add([]byte{2, 12, 0x81, 0x03, 0x01, 0x25, 0x80, 0x82, 0x02, 0x82, 0x81, 0x83, 0x01, 0x00})
	f.Add([]byte{3, 9, 0xD3, 0x07, 0x82, 0x02, 0x01, 0x81, 0x90, 0x01, 0x02})
	f.Add(append([]byte{4, 0, 60}, imagetestHead()...))
	f.Fuzz(func(t *testing.T, data []byte) {
		tm := started(t, profile.Profile{})
		next := func() byte {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return b
		}
		take := func() []byte {
			n := int(next())
			n = min(n, len(data))
			b := data[:n]
			data = data[n:]
			return b
		}
		tm.apdu([]byte{0x00, 0x20, 0x00, 0x0A, 0x08, '8', '8', '8', '8', '8', '8', '8', '8'}) // ADM1, for case 4
		for steps := 0; len(data) > 0 && steps < 64; steps++ {
			var r []byte
			switch next() % 5 {
			case 0:
				it := next()
				r = tm.selectMenu(it%5, it&0x80 != 0)
			case 1:
				if tm.pending == 0 {
					continue
				}
				cmd := tm.fetch()
				if _, err := cat.Decode(cmd); err != nil {
					t.Fatalf("the card queued a command stk/cat does not decode: %X: %v", cmd, err)
				}
				res := next()
				extra := take()
				r = tm.respond(res, hexOf(extra))
			case 2:
				d := take()
				r = tm.apdu(append([]byte{0x80, 0x14, 0, 0, byte(len(d))}, d...))
			case 3:
				d := take()
				r = tm.apdu(append([]byte{0x80, 0xC2, 0, 0, byte(len(d))}, d...))
			case 4: // random bytes into slot B, then a commit (what a broken OTA push does)
				off := int(next()) * 4
				d := take()
				tm.apdu([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00})
				tm.apdu([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x7F, 0x4F})
				tm.apdu([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x6F, 0x02})
				tm.apdu(append([]byte{0x00, 0xD6, byte(off >> 8), byte(off), byte(len(d))}, d...))
				tm.apdu([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x6F, 0x03})
				r = tm.apdu([]byte{0x00, 0xD6, 0x00, 0x01, 0x01, next() % 4})
			}
			if len(r) < 2 {
				t.Fatalf("response %X", r)
			}
		}
	})
}

func hexOf(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// imagetestHead is the start of a real image, so the fuzzer writes plausible slot contents.
func imagetestHead() []byte {
	fixtures(nil)
	return signed.Bytes()[:60]
}
