package smpp

import (
	"bytes"
	"testing"

	"github.com/linxGnu/gosmpp/pdu"
	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

// FuzzDeliverSM runs what the client does with a deliver_sm it reads (the data_coding scan,
// gosmpp's parse, receipt and user data extraction) on arbitrary octets: no panic.
func FuzzDeliverSM(f *testing.F) {
	fuzzseed.Add(f)
	receipt := pduBytes(0x05, 0, 100, append([]byte("\x00\x01\x01491720000001\x00\x00\x0112345\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x14id:1 stat:DELIVRD er"),
		0x00, 0x1E, 0x00, 0x02, '1', 0, 0x04, 0x27, 0x00, 0x01, 0x02))
	mo := pduBytes(0x05, 0, 101, append([]byte("\x00\x01\x01491720000001\x00\x00\x0112345\x00\x40\x00\x00\x00\x00\x00\x00\xF6\x00\x08"),
		0x02, 0x71, 0x00, 0x00, 0x03, 0xB0, 0x00, 0x10))
	f.Add(receipt)
	f.Add(mo)
	c := &Client{cfg: Config{}}
	c.cfg.defaults()
	c.reasm = newReassembler(c.cfg)
	f.Fuzz(func(t *testing.T, b []byte) {
		codes := &codings{m: map[int32]byte{}}
		if len(b) >= 16 {
			codes.note(SMSCToESME, b)
		}
		if len(b) >= 16 && guard(b) != nil {
			return // the connection drops it (tracedConn.Read)
		}
		p, err := pdu.Parse(bytes.NewReader(b))
		if err != nil {
			return
		}
		c.handle(codes, p)
	})
}
