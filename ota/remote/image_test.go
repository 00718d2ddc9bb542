package remote

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stkforge/stkforge/fixtures/fuzzseed"
)

func TestImageScript(t *testing.T) {
	img := make([]byte, 300)
	for i := range img {
		img[i] = byte(i)
	}
	s, err := ImageScript(img, 2)
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := ParseCompactScript(s)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"00A40004027F4F", "00A40004026F02", "", "", "00A40004026F03", "00D600010102", "00B0000004"}
	if len(cmds) != len(want) {
		t.Fatalf("%d commands: %v", len(cmds), cmds)
	}
	var got []byte
	for i, c := range cmds {
		b, _ := c.MarshalBinary()
		if want[i] != "" && !bytes.Equal(b, unhex(t, want[i])) {
			t.Errorf("command %d: %X, want %s", i, b, want[i])
		}
		if c.INS == INSUpdateBinary && i < 4 {
			if off := int(c.P1)<<8 | int(c.P2); off != len(got) {
				t.Errorf("chunk at %d, want %d", off, len(got))
			}
			got = append(got, c.Data...)
		}
	}
	if !bytes.Equal(got, img) {
		t.Error("the chunks do not rebuild the image")
	}
	for _, bad := range []struct {
		img  []byte
		slot byte
	}{{img, 0}, {img, 3}, {nil, 1}, {make([]byte, 0x8001), 1}} {
		if _, err := ImageScript(bad.img, bad.slot); !errors.Is(err, ErrInvalid) {
			t.Errorf("slot %d, %d octets: %v", bad.slot, len(bad.img), err)
		}
	}
}

func TestParseImageCommit(t *testing.T) {
	por := unhex(t, "07900002000001") // 7 commands, 90 00, EF 6F03 = 02 00 00 01
	c, err := ParseImageCommit(por)
	if err != nil || c != (ImageCommit{Active: 2, Status: 0, Version: 1}) {
		t.Fatalf("%+v %v", c, err)
	}
	if c, _ := ParseImageCommit(unhex(t, "07900001000501")); ImageCommitStatus(c.Status) != "signature does not verify with a trusted issuer key" {
		t.Errorf("%+v", c)
	}
	if _, err := ParseImageCommit(unhex(t, "0790")); !errors.Is(err, ErrTruncated) {
		t.Errorf("short: %v", err)
	}
	if _, err := ParseImageCommit(unhex(t, "07900002")); !errors.Is(err, ErrInvalid) {
		t.Errorf("no control EF: %v", err)
	}
	if _, err := ParseImageCommit(unhex(t, "036A82")); !errors.Is(err, ErrInvalid) {
		t.Errorf("stopped early: %v", err)
	}
	for i := range por {
		ParseImageCommit(por[:i]) // every prefix fails cleanly
	}
}

func FuzzParseImageCommit(f *testing.F) {
	fuzzseed.Add(f)
	f.Add(unhex(f, "07900002000001"))
	f.Fuzz(func(t *testing.T, b []byte) { ParseImageCommit(b) })
}
