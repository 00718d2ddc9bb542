package campaign

import (
	"testing"

	"github.com/stkforge/stkforge/ota/remote"
)

// A retry whose commit the card refuses with 06 because the slot is already active means the
// PoR of an earlier attempt was lost; on a first attempt, or for another slot, it stays an error.
func TestAlreadyCommitted(t *testing.T) {
	rs := &runSpec{}
	rs.parsed.ImageSlot = 1
	for _, c := range []struct {
		commit   remote.ImageCommit
		attempts int
		want     bool
	}{
		{remote.ImageCommit{Active: 1, Status: 0x06, Version: 1}, 2, true},
		{remote.ImageCommit{Active: 1, Status: 0x06, Version: 1}, 1, false},
		{remote.ImageCommit{Active: 2, Status: 0x06, Version: 1}, 3, false},
		{remote.ImageCommit{Active: 1, Status: 0x05, Version: 1}, 3, false},
		{remote.ImageCommit{Active: 1, Status: 0x00, Version: 1}, 3, false},
	} {
		f := &flight{attempts: c.attempts, spec: rs}
		if got := alreadyCommitted(c.commit, f); got != c.want {
			t.Errorf("%+v after %d attempts: got %v, want %v", c.commit, c.attempts, got, c.want)
		}
	}
}
