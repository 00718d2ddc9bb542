package cat

import (
	"fmt"
	"testing"

	"github.com/stkforge/stkforge/stk/text"
)

// menu10 is a SET UP MENU with a UCS2 title and 10 UCS2 items (about 200 bytes).
func menu10(b testing.TB) []byte {
	m := &SetUpMenu{
		CommandHeader: CommandHeader{Number: 1, Destination: DeviceTerminal},
		Alpha:         AlphaIdentifier{text.Alpha{Text: "移动支付服务", Format: text.AlphaUCS2}},
	}
	for i := 1; i <= 10; i++ {
		m.Items = append(m.Items, Item{Identifier: byte(i), Alpha: text.Alpha{Text: fmt.Sprintf("转账给银行%d", i%10), Format: text.AlphaUCS2}})
	}
	out, err := m.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func benchmarks(b *testing.B) map[string][]byte {
	return map[string][]byte{"SetUpMenu10UCS2": menu10(b), "DisplayText": mustHex(b, displayText)}
}

// BenchmarkDecode: Message.Unmarshal, the structural decode (texts are read lazily).
func BenchmarkDecode(b *testing.B) {
	for name, raw := range benchmarks(b) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var m Message
			for b.Loop() {
				if err := m.Unmarshal(raw); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(raw)), "bytes/cmd")
		})
	}
}

// BenchmarkEncode: Message.Marshal of a decoded message.
func BenchmarkEncode(b *testing.B) {
	for name, raw := range benchmarks(b) {
		b.Run(name, func(b *testing.B) {
			m, err := Decode(raw)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Marshal(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(raw)), "bytes/cmd")
		})
	}
}

// BenchmarkDecodeReencode is the round trip a card or handset simulator does per command.
func BenchmarkDecodeReencode(b *testing.B) {
	for name, raw := range benchmarks(b) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m, err := Decode(raw)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := m.Marshal(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
		})
	}
}

// BenchmarkTypedRoundTrip decodes into the typed struct (texts decoded) and marshals it again.
func BenchmarkTypedRoundTrip(b *testing.B) {
	for name, raw := range benchmarks(b) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c, err := UnmarshalCommand(raw)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.Marshal(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
		})
	}
}
