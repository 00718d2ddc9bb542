package card

import (
	"bytes"
	"testing"
)

// TestTransparentKeepsPrefix: a transparent EF holds only the bytes up to its last non-FF one,
// yet reads, writes, undo and snapshots behave as over the whole EF: the 8 KB script slots of
// a fresh card hold nothing.
func TestTransparentKeepsPrefix(t *testing.T) {
	p, err := LoadProfile(defaultProfile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	const slot = "3F00/7F4F/6F01"
	f, err := c.fileByPath(slot)
	if err != nil {
		t.Fatal(err)
	}
	if f.data != nil || f.bsize != 8192 {
		t.Fatalf("fresh slot holds %d bytes of %d", len(f.data), f.bsize)
	}
	ff := func(n int) []byte { return bytes.Repeat([]byte{0xFF}, n) }
	if err := c.updateFile(slot, 100, []byte{1, 2, 3}, false); err != nil {
		t.Fatal(err)
	}
	got, err := c.ReadFile(slot)
	if err != nil {
		t.Fatal(err)
	}
	want := append(append(ff(100), 1, 2, 3), ff(8192-103)...)
	if !bytes.Equal(got, want) || len(f.data) != 103 {
		t.Fatalf("after a write at 100: %d bytes read, %d held", len(got), len(f.data))
	}
	// READ BINARY across the end of what is held: EF PL holds "en" (656E) of its 10 bytes
	if r := c.Transmit([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0x05}); !bytes.HasSuffix(r, []byte{0x90, 0x00}) {
		t.Fatalf("SELECT 2F05: %X", r)
	}
	if r := c.Transmit([]byte{0x00, 0xB0, 0x00, 0x01, 0x09}); !bytes.Equal(r, append(append([]byte{0x6E}, ff(8)...), 0x90, 0x00)) {
		t.Fatalf("READ BINARY of EF PL from 1: %X", r)
	}
	if r := c.Transmit([]byte{0x00, 0xB0, 0x00, 0x09, 0x01}); !bytes.Equal(r, []byte{0xFF, 0x90, 0x00}) {
		t.Fatalf("READ BINARY of EF PL's last byte: %X", r)
	}
	if r := c.Transmit([]byte{0x00, 0xB0, 0x00, 0x0A, 0x01}); bytes.HasSuffix(r, []byte{0x90, 0x00}) {
		t.Fatalf("READ BINARY past EF PL's end: %X", r)
	}
	// FF written over the tail gives the memory back
	if err := c.updateFile(slot, 101, ff(2), false); err != nil || len(f.data) != 101 {
		t.Fatalf("after FF over the tail: %d bytes held (%v)", len(f.data), err)
	}
	// a failed save undoes the write, growth included
	c.saveHook = func() { c.statePath = "/nonexistent/dir/state.json" }
	if err := c.updateFile(slot, 4000, []byte{9}, false); err == nil {
		t.Fatal("the save did not fail")
	}
	if b, _ := c.ReadFile(slot); b[4000] != 0xFF || len(f.data) != 101 {
		t.Fatalf("undo left %02X at 4000 and %d bytes held", b[4000], len(f.data))
	}
	c.saveHook, c.statePath = nil, ""
	// the snapshot (state files, profiles) still gives the whole EF
	for _, s := range c.Snapshot().Files {
		if s.Path == slot && (s.Size != 8192 || len(s.Data) != 8192 || s.Data[100] != 1) {
			t.Fatalf("snapshot of the slot: size %d, %d data bytes", s.Size, len(s.Data))
		}
	}
	if err := c.updateFile(slot, 8190, []byte{1, 2, 3}, false); err == nil {
		t.Fatal("a write past the end was taken")
	}
}
