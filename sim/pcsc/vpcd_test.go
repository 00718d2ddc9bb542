package pcsc

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

// rw is a reader's side of a connection in memory: what the reader sent, what came back.
type rw struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (c *rw) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c *rw) Write(p []byte) (int, error) { return c.out.Write(p) }

func frame(p ...byte) []byte { return append([]byte{byte(len(p) >> 8), byte(len(p))}, p...) }

func TestBridgeProtocol(t *testing.T) {
	c := newCard(t)
	var in []byte
	in = append(in, frame(CtrlPowerOn)...)
	in = append(in, frame(CtrlGetATR)...)
	in = append(in, frame(0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0xE2)...)
	in = append(in, frame(0x00, 0xB0, 0x00, 0x00, 0x0A)...)
	in = append(in, frame(CtrlReset)...)
	in = append(in, frame(0x00, 0xB0, 0x00, 0x00, 0x0A)...) // after reset: no EF selected
	in = append(in, frame(CtrlPowerOff)...)
	conn := &rw{in: bytes.NewReader(in)}
	b := NewBridge(c)
	if err := b.Serve(conn); err != nil {
		t.Fatal(err)
	}
	var want []byte
	want = append(want, frame(c.ATR()...)...)
	want = append(want, frame(0x90, 0x00)...)
	want = append(want, frame(0x98, 0x88, 0x12, 0x01, 0x00, 0x00, 0x40, 0x03, 0x10, 0xF0, 0x90, 0x00)...)
	want = append(want, frame(0x69, 0x86)...)
	if !bytes.Equal(conn.out.Bytes(), want) {
		t.Errorf("got  %X\nwant %X", conn.out.Bytes(), want)
	}
	if s := b.Stats(); s.APDUs != 3 || s.Controls != 4 {
		t.Errorf("stats %+v", s)
	}
}

// TestBridgeBrokenFrames: every strict prefix of a valid stream ends cleanly (nil at a frame
// boundary, a FrameError inside one); unknown control codes and empty frames are errors.
func TestBridgeBrokenFrames(t *testing.T) {
	c := newCard(t)
	stream := append(frame(CtrlGetATR), frame(0x00, 0xB0, 0x00, 0x00, 0x0A)...)
	for n := 0; n < len(stream); n++ {
		err := NewBridge(c).Serve(&rw{in: bytes.NewReader(stream[:n])})
		boundary := n == 0 || n == 3
		var fe *FrameError
		switch {
		case boundary && err != nil:
			t.Errorf("prefix %d: %v", n, err)
		case !boundary && !errors.As(err, &fe):
			t.Errorf("prefix %d: %v, want a FrameError", n, err)
		}
	}
	for _, bad := range [][]byte{frame(0x07), frame()} {
		var fe *FrameError
		if err := NewBridge(c).Serve(&rw{in: bytes.NewReader(bad)}); !errors.As(err, &fe) || fe.Offset != 2 {
			t.Errorf("%X: %v", bad, err)
		}
	}
}

// FuzzBridge: any byte stream from the reader, never a panic, every answer framed.
func FuzzBridge(f *testing.F) {
	fuzzseed.Add(f)
	f.Add(append(frame(CtrlPowerOn), frame(0x00, 0xA4, 0x00, 0x04, 0x02, 0x3F, 0x00)...))
	f.Add(append(frame(CtrlGetATR), frame(0xA0, 0xF2, 0x00, 0x00, 0x16)...))
	c := newCard(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		conn := &rw{in: bytes.NewReader(in)}
		NewBridge(c).Serve(conn)
		out := conn.out.Bytes()
		for len(out) > 0 {
			if len(out) < 2 {
				t.Fatalf("half a length: %X", out)
			}
			n := int(out[0])<<8 | int(out[1])
			if n < 2 || len(out)-2 < n {
				t.Fatalf("bad frame %X", out)
			}
			out = out[2+n:]
		}
	})
}

var _ io.ReadWriter = (*rw)(nil)
