package check

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// genSpec writes a spec with n menu items: a main menu of groups, groups of up to 20 leaf
// menus, leaf menus of up to 16 items, each item a payment-like flow (input, confirm, SMS).
func genSpec(n int) []byte {
	const perLeaf, perGroup = 16, 20
	leaves := (n + perLeaf - 1) / perLeaf
	groups := (leaves + perGroup - 1) / perGroup
	var b strings.Builder
	b.WriteString("stkforge: 1\nname: gen\ncard: 64k\nmanifest:\n  sms:\n    - {to: \"95588\", why: generated payment requests}\nmenu:\n  title: Generated\n  items:\n")
	for g := 0; g < groups; g++ {
		fmt.Fprintf(&b, "    - {id: g%d, text: Group %d, do: [goto: group%d]}\n", g, g, g)
	}
	b.WriteString("menus:\n")
	for g := 0; g < groups; g++ {
		fmt.Fprintf(&b, "  group%d:\n    title: Group %d\n    items:\n", g, g)
		for l := g * perGroup; l < min((g+1)*perGroup, leaves); l++ {
			fmt.Fprintf(&b, "      - {id: l%d, text: Leaf %d, do: [goto: leaf%d]}\n", l, l, l)
		}
		b.WriteString("      - {id: back, text: Back, do: [end]}\n")
	}
	item := 0
	for l := 0; l < leaves; l++ {
		fmt.Fprintf(&b, "  leaf%d:\n    title: Leaf %d\n    items:\n", l, l)
		for i := 0; i < perLeaf && item < n; i, item = i+1, item+1 {
			fmt.Fprintf(&b, `      - id: i%d
        text: Item %d
        do:
          - input: {into: amount, prompt: Amount for item %d, kind: digits, min: 1, max: 8}
          - if: "amount > 5000"
            then: [display: Too much, end]
          - confirm: "Pay {amount} for item %d?"
          - send_sms: {to: "95588", alpha: Paying, text: "P%d {amount}"}
`, i, item, item, item, item)
		}
	}
	return []byte(b.String())
}

func TestGeneratedSpecsClean(t *testing.T) {
	for _, n := range []int{50, 500} {
		_, diags := Lint("gen.yaml", genSpec(n), Options{})
		if len(diags) > 0 {
			t.Fatalf("%d items:\n%s", n, diags.Format(0))
		}
	}
}

func benchLint(b *testing.B, data []byte, items int) {
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		p, diags := Lint("bench.yaml", data, Options{})
		if p == nil || diags.HasErrors() {
			b.Fatalf("errors:\n%s", diags.Format(0))
		}
	}
	b.ReportMetric(float64(items)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkLintBank is parse + check of the Chinese bank menu (the whole compile's goal is
// under 20 ms).
func BenchmarkLintBank(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(fixtureDir, "menus", "bank-zh.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	p, _ := Lint("bank-zh.yaml", data, Options{})
	items := 0
	for _, m := range append([]*Menu{p.Main}, p.Menus...) {
		items += len(m.Items)
	}
	benchLint(b, data, items)
}

// BenchmarkLintGenerated is parse + check of generated specs; time should grow linearly with
// the item count (compare items/s across sizes).
func BenchmarkLintGenerated(b *testing.B) {
	for _, n := range []int{50, 500, 5000} {
		data := genSpec(n)
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) { benchLint(b, data, n) })
	}
}
