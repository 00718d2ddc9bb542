package toolkit

import (
	"testing"

	"github.com/stkforge/stkforge/stk/image/imagetest"
)

// TestLoadShared: cards loading the same bytes share one loaded image; bytes that do not load
// are refused every time and never enter the table.
func TestLoadShared(t *testing.T) {
	b := imagetest.Hello("shared").Bytes()
	a, err := loadShared(b)
	if err != nil {
		t.Fatal(err)
	}
	again, err := loadShared(append([]byte(nil), b...))
	if err != nil {
		t.Fatal(err)
	}
	if a != again {
		t.Fatal("the same bytes loaded twice")
	}
	bad := append([]byte(nil), b...)
	bad[len(bad)-1] ^= 1
	for range 2 {
		if img, err := loadShared(bad); err == nil || img != nil {
			t.Fatalf("altered image loaded: %v", err)
		}
	}
	other, err := loadShared(imagetest.Hello("other").Bytes())
	if err != nil || other == a {
		t.Fatalf("a different image shares the first (%v)", err)
	}
}
