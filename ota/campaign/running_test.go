package campaign_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stkforge/stkforge/ota/campaign"
)

// TestJournalRunning: Running lists the running campaigns on both backends; a
// paused or cancelled one leaves the list and gives no targets to Claim; a resumed one comes
// back.
func TestJournalRunning(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			e := newEnv(t, backend, 3)
			r := e.runner(t)
			for _, id := range []string{"b", "a", "c"} {
				if _, _, err := r.Create(ctx, id, e.spec(t), campaign.Scope{}); err != nil {
					t.Fatal(err)
				}
			}
			want := func(ids ...string) {
				t.Helper()
				got, err := e.j.Running(ctx)
				if err != nil {
					t.Fatal(err)
				}
				slices.Sort(got)
				slices.Sort(ids)
				if !slices.Equal(got, ids) {
					t.Fatalf("running %q, want %q", got, ids)
				}
			}
			want("b", "a", "c")
			if err := r.Pause(ctx, "a", "test"); err != nil {
				t.Fatal(err)
			}
			if err := r.Cancel(ctx, "c", "test"); err != nil {
				t.Fatal(err)
			}
			want("b")
			claim := func(id string) int {
				t.Helper()
				cs, err := e.j.Claim(ctx, id, "test", 10, 1<<62, time.Now().Add(time.Minute))
				if err != nil {
					t.Fatal(err)
				}
				return len(cs)
			}
			if n, m := claim("a"), claim("c"); n != 0 || m != 0 {
				t.Fatalf("paused and cancelled campaigns gave %d and %d targets", n, m)
			}
			if err := r.Resume(ctx, "a"); err != nil {
				t.Fatal(err)
			}
			want("b", "a")
			if n := claim("a"); n != 3 {
				t.Fatalf("the resumed campaign gave %d of its 3 targets", n)
			}
		})
	}
}
