package main

import "testing"

// TestNetKeyPool: a card always gets the same pair from the pool, pairs are of the size asked,
// and the cards spread over the pool.
func TestNetKeyPool(t *testing.T) {
	p := &netKeyPool{n: 3}
	seen := map[any]bool{}
	for i := 1; i <= 12; i++ {
		m := netMSISDN(i)
		a, err := p.forCard(m)("pay", 1024)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := p.forCard(m)("pay", 1024)
		if a != b || a.N.BitLen() != 1024 {
			t.Fatalf("card %s: two different pairs or %d bits", m, a.N.BitLen())
		}
		seen[a] = true
	}
	if len(seen) < 2 || len(seen) > 3 {
		t.Fatalf("%d distinct pairs over 12 cards from a pool of 3", len(seen))
	}
}
