package gen

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/sebdah/goldie/v2"

	"github.com/stkforge/stkforge/stk/check"
	"github.com/stkforge/stkforge/stk/image"
)

const fixtureDir = "../../fixtures"

var menuNames = []string{"hello", "mpesa-en", "bank-zh"}

func readMenu(t testing.TB, name string) check.SpecFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, "menus", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return check.SpecFile{Name: "fixtures/menus/" + name + ".yaml", Data: data}
}

// compileOne compiles one spec and fails the test on any error.
func compileOne(t testing.TB, f check.SpecFile) *Result {
	t.Helper()
	res, diags := Compile([]check.SpecFile{f}, Options{})
	if diags.HasErrors() {
		t.Fatalf("%s:\n%s", f.Name, diags.Format(0))
	}
	if res[0].Image == nil {
		t.Fatalf("%s: no image", f.Name)
	}
	return res[0]
}

// TestMenusGolden: each example menu compiles; its listing and annotated image hexdump are
// golden (fixtures/golden/menus/), and the budgets of all three are a golden table.
func TestMenusGolden(t *testing.T) {
	g := goldie.New(t, goldie.WithFixtureDir(filepath.Join(fixtureDir, "golden", "menus")), goldie.WithNameSuffix(""))
	var reps []*Report
	var paths strings.Builder
	for _, name := range menuNames {
		r := compileOne(t, readMenu(t, name))
		g.Assert(t, name+".listing", []byte(r.Image.Listing(image.ListingOptions{})))
		hd, err := Hexdump(r.Image.Bytes())
		if err != nil {
			t.Fatalf("%s: hexdump: %v", name, err)
		}
		g.Assert(t, name+".image.hex", []byte(hd))
		reps = append(reps, r.Report)
		fmt.Fprintf(&paths, "# %s\n%s\n", name, r.Report.PathTable())
	}
	gg := goldie.New(t, goldie.WithFixtureDir(filepath.Join(fixtureDir, "golden", "stk", "gen")), goldie.WithNameSuffix(".golden"))
	gg.Assert(t, "budgets", []byte(Table(reps)+"\n"+paths.String()))
}

// TestHexdumpCoversFile: the annotated hexdump shows every byte of the file exactly once, in
// order.
func TestHexdumpCoversFile(t *testing.T) {
	for _, name := range menuNames {
		r := compileOne(t, readMenu(t, name))
		hd, err := Hexdump(r.Image.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		for _, line := range strings.Split(strings.TrimSpace(hd), "\n") {
			for _, h := range strings.Fields(line[8:min(len(line), 56)]) {
				var b byte
				fmt.Sscanf(h, "%02x", &b)
				got = append(got, b)
			}
		}
		if !bytes.Equal(got, r.Image.Bytes()) {
			t.Errorf("%s: hexdump holds %d bytes, file %d", name, len(got), len(r.Image.Bytes()))
		}
		// Every strict prefix fails cleanly.
		file := r.Image.Bytes()
		for k := 0; k < len(file); k += 7 {
			if _, err := Hexdump(file[:k]); err == nil {
				t.Fatalf("%s: hexdump of a %d-byte prefix did not fail", name, k)
			}
		}
	}
}

// TestDeterministic: the same spec compiles to the same bytes, twice, and from a YAML file
// whose maps list their keys in another order.
func TestDeterministic(t *testing.T) {
	for _, name := range menuNames {
		f := readMenu(t, name)
		a := compileOne(t, f).Image.Bytes()
		b := compileOne(t, f).Image.Bytes()
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: two compiles differ", name)
		}
		r := rand.New(rand.NewPCG(7, uint64(len(name))))
		for i := range 5 {
			shuffled := shuffleYAML(t, f.Data, r)
			if bytes.Equal(shuffled, f.Data) {
				t.Fatalf("shuffle changed nothing")
			}
			c := compileOne(t, check.SpecFile{Name: f.Name, Data: shuffled}).Image.Bytes()
			if !bytes.Equal(a, c) {
				t.Fatalf("%s: shuffle %d gives other bytes\n%s", name, i, shuffled)
			}
		}
	}
}

// shuffleYAML re-writes a spec with the keys of every map in a random order (lists keep theirs).
func shuffleYAML(t testing.TB, data []byte, r *rand.Rand) []byte {
	var v any
	if err := yaml.UnmarshalWithOptions(data, &v, yaml.UseOrderedMap()); err != nil {
		t.Fatal(err)
	}
	var shuffle func(v any) any
	shuffle = func(v any) any {
		switch x := v.(type) {
		case yaml.MapSlice:
			out := make(yaml.MapSlice, len(x))
			for i, j := range r.Perm(len(x)) {
				out[i] = yaml.MapItem{Key: x[j].Key, Value: shuffle(x[j].Value)}
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i := range x {
				out[i] = shuffle(x[i])
			}
			return out
		}
		return v
	}
	out, err := yaml.Marshal(shuffle(v))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestListingRoundTrip: compile -> load -> listing gives the compiler's listing, for every
// fixture and for random valid specs.
func TestListingRoundTrip(t *testing.T) {
	files := []check.SpecFile{}
	for _, name := range menuNames {
		files = append(files, readMenu(t, name))
	}
	r := rand.New(rand.NewPCG(1, 1))
	for i := range 40 {
		files = append(files, check.SpecFile{Name: fmt.Sprintf("random-%d.yaml", i), Data: randomSpec(r, fmt.Sprintf("random-%d", i), 1+r.IntN(30), 1+r.IntN(3))})
	}
	for _, f := range files {
		res := compileOne(t, f)
		want := res.Image.Listing(image.ListingOptions{})
		back, err := image.Load(res.Image.Bytes())
		if err != nil {
			t.Fatalf("%s: load: %v", f.Name, err)
		}
		if got := back.Listing(image.ListingOptions{}); got != want {
			t.Fatalf("%s: listing after load differs", f.Name)
		}
	}
}

// TestImageSmallerThanRaw: the fixture menus with payments (issue 5) and a multilingual image
// are smaller than the raw proactive commands they stand for, even with every variable empty.
// hello is not: one menu and one text are outweighed by the header and the hash.
func TestImageSmallerThanRaw(t *testing.T) {
	for _, name := range []string{"bank-zh", "mpesa-en"} {
		r := compileOne(t, readMenu(t, name)).Report
		if r.ImageBytes >= r.RawMin {
			t.Errorf("%s: image %d bytes, raw commands %d..%d", name, r.ImageBytes, r.RawMin, r.RawMax)
		}
	}
	three := compileOne(t, check.SpecFile{Name: "three.yaml", Data: randomSpec(rand.New(rand.NewPCG(3, 3)), "three", 60, 3)}).Report
	if three.ImageBytes >= three.RawMin {
		t.Errorf("60 items in 3 languages: image %d bytes, raw commands %d..%d", three.ImageBytes, three.RawMin, three.RawMax)
	}
}

// TestBudget: --budget limits fail the build with card-budget; without them it passes.
func TestBudget(t *testing.T) {
	f := readMenu(t, "bank-zh")
	count := func([]byte) (int, error) { return 42, nil }
	res, diags := Compile([]check.SpecFile{f}, Options{PushSMS: count, Budget: &Budget{MaxSMS: 41, MaxPathBytes: 500}})
	if !diags.HasErrors() || res[0].Image != nil {
		t.Fatalf("over budget compiled:\n%s", diags.Format(0))
	}
	out := diags.Format(0)
	for _, want := range []string{"pushing the image takes 42 SMS; the budget is 41 [card-budget]", "menu item main/pay makes the card send up to 794 bytes"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if res, diags := Compile([]check.SpecFile{f}, Options{PushSMS: count, Budget: &Budget{MaxSMS: 42}}); diags.HasErrors() || res[0].Report.PushSMS != 42 {
		t.Fatalf("within budget failed:\n%s", diags.Format(0))
	}
	_, diags = Compile([]check.SpecFile{f}, Options{PushSMS: func([]byte) (int, error) { return 0, errors.New("no keys") }})
	if !strings.Contains(diags.Format(0), "counting the SMS of a push: no keys") {
		t.Errorf("push counter error lost:\n%s", diags.Format(0))
	}
	// A 16k card is too small for 9 menus of 16 long texts.
	var big strings.Builder
	big.WriteString("stkforge: 1\nname: big\ncard: 16k\nmenu:\n  title: Big\n  items:\n")
	for m := range 9 {
		fmt.Fprintf(&big, "    - {id: m%d, text: M%d, do: [{goto: s%d}]}\n", m, m, m)
	}
	big.WriteString("menus:\n")
	for m := range 9 {
		fmt.Fprintf(&big, "  s%d:\n    items:\n", m)
		for i := range 16 {
			fmt.Fprintf(&big, "      - {id: i%d, text: I%d, do: [{display: \"%d.%d %s\"}]}\n", i, i, m, i, strings.Repeat("long text ", 15))
		}
	}
	_, diags = Compile([]check.SpecFile{{Name: "big.yaml", Data: []byte(big.String())}}, Options{})
	if !strings.Contains(diags.Format(0), "card profile 16k holds 16384 [card-budget]") {
		t.Errorf("image over the card's memory:\n%s", diags.Format(0))
	}
}

// TestCompileErrors: a spec with errors gives diagnostics and no image; the others compile.
func TestCompileErrors(t *testing.T) {
	bad, err := os.ReadFile(filepath.Join(fixtureDir, "menus", "bad", "unset-variable.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res, diags := Compile([]check.SpecFile{readMenu(t, "hello"), {Name: "bad.yaml", Data: bad}}, Options{})
	if !diags.HasErrors() || res[0].Image == nil || res[1].Image != nil {
		t.Fatalf("images %v %v, diags:\n%s", res[0].Image != nil, res[1].Image != nil, diags.Format(0))
	}
	if _, err := Generate(nil); err == nil {
		t.Error("Generate(nil) succeeded")
	}
}

// TestAddresses: dialling numbers in BCD (TS 102 223 8.1; TS 23.040 9.1.2.5).
func TestAddresses(t *testing.T) {
	cases := []struct{ in, addr, da string }{
		{"95588", "81 59 85 f8", "05 81 59 85 f8"},
		{"+8613800138000", "91 68 31 08 10 83 00 f0", "0d 91 68 31 08 10 83 00 f0"},
		{"*144#", "81 1a 44 fb", "05 81 1a 44 fb"},
	}
	for _, c := range cases {
		a, err := bcdNumber(c.in)
		if err != nil || fmt.Sprintf("% x", a) != c.addr {
			t.Errorf("%s: address % x %v, want %s", c.in, a, err, c.addr)
		}
		d, err := destinationAddress(c.in)
		if err != nil || fmt.Sprintf("% x", d) != c.da {
			t.Errorf("%s: TP-DA % x %v, want %s", c.in, d, err, c.da)
		}
	}
	for _, bad := range []string{"", "+", "12a", strings.Repeat("1", 21)} {
		if _, err := bcdNumber(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// randomSpec writes a valid spec: a main menu of up to 20 items and submenus of up to 30,
// whose flows use displays, inputs, confirmations, conditions, selects, tones and SMS.
func randomSpec(r *rand.Rand, name string, items, langs int) []byte {
	langList := []string{"en", "fr", "zh"}[:langs]
	txt := func(s string) string {
		if langs == 1 {
			return fmt.Sprintf("%q", s)
		}
		var parts []string
		for _, l := range langList {
			v := s
			if l == "zh" {
				v = "中文 " + s
			} else if l == "fr" {
				v = "Le " + s
			}
			parts = append(parts, fmt.Sprintf("%s: %q", l, v))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "stkforge: 1\nname: %s\nlanguages: [%s]\ncard: 64k\n", name, strings.Join(langList, ", "))
	b.WriteString("manifest:\n  sms:\n    - {to: \"12345\", why: every request goes to the service number}\n")
	n := 0
	// Variables are shared between items (a session runs one item), as a real menu's are.
	flow := func(ind string) string {
		var f strings.Builder
		n++
		// Half the items only show a text, as most items of a big menu do.
		switch max(0, r.IntN(10)-5) {
		case 0:
			fmt.Fprintf(&f, "%s- display: %s\n", ind, txt(fmt.Sprintf("Text number %d", r.IntN(40))))
		case 1:
			fmt.Fprintf(&f, "%s- input: {into: amount, prompt: %s, kind: digits, min: 1, max: %d}\n", ind, txt("Amount"), 1+r.IntN(12))
			fmt.Fprintf(&f, "%s- if: \"amount > %d\"\n%s  then:\n%s    - display: %s\n%s    - end\n", ind, r.IntN(1000), ind, ind, txt("Too much"), ind)
			fmt.Fprintf(&f, "%s- confirm: {prompt: %s, on: {no: {display: %s}}}\n", ind, txt("Send {amount}?"), txt("Cancelled"))
			fmt.Fprintf(&f, "%s- send_sms: {to: \"12345\", alpha: %s, text: \"REQ%d {amount}\"}\n", ind, txt("Sending"), n)
		case 2:
			fmt.Fprintf(&f, "%s- select:\n%s    into: kind\n%s    items:\n", ind, ind, ind)
			for j := range 4 {
				fmt.Fprintf(&f, "%s      - {id: c%d, text: %s}\n", ind, j, txt(fmt.Sprintf("Choice %d", j)))
			}
			fmt.Fprintf(&f, "%s- if: \"kind == c%d\"\n%s  then: [{display: %s}]\n%s  else: [{tone: beep}]\n", ind, r.IntN(4), ind, txt("One"), ind)
		case 3:
			fmt.Fprintf(&f, "%s- tone: {tone: positive_ack, duration: 2s}\n%s- display: {text: %s, timeout: 10s}\n", ind, ind, txt(fmt.Sprintf("Done %d", n)))
		case 4:
			fmt.Fprintf(&f, "%s- input: {into: who, prompt: %s, kind: text, max: 20}\n", ind, txt("Your name"))
			fmt.Fprintf(&f, "%s- display: %s\n", ind, txt(fmt.Sprintf("Hello {who}, %d", n)))
		}
		return f.String()
	}
	// Item texts stay short, so a menu of 16 fits one 255-byte command in any language.
	label := func(s string) string {
		if langs == 1 {
			return fmt.Sprintf("%q", s)
		}
		var parts []string
		for _, l := range langList {
			v := s
			if l == "zh" {
				v = "项" + s
			}
			parts = append(parts, fmt.Sprintf("%s: %q", l, v))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	const perMenu, perGroup = 10, 16
	fmt.Fprintf(&b, "menu:\n  title: %s\n  items:\n", txt("Main"))
	if items <= perMenu {
		for i := range items {
			fmt.Fprintf(&b, "    - id: i%d\n      text: %s\n      do:\n%s", i, label(fmt.Sprint(i)), flow("        "))
		}
		return []byte(b.String())
	}
	// Items in submenus of 10; submenus in groups of 16 when there are more than 16.
	subs := (items + perMenu - 1) / perMenu
	groups := 0
	if subs > perGroup {
		groups = (subs + perGroup - 1) / perGroup
		for g := range groups {
			fmt.Fprintf(&b, "    - id: g%d\n      text: %s\n      do:\n        - goto: g%d\n", g, label(fmt.Sprint("G", g)), g)
		}
	} else {
		for m := range subs {
			fmt.Fprintf(&b, "    - id: m%d\n      text: %s\n      do:\n        - goto: s%d\n", m, label(fmt.Sprint("S", m)), m)
		}
	}
	b.WriteString("menus:\n")
	for g := range groups {
		fmt.Fprintf(&b, "  g%d:\n    title: %s\n    items:\n", g, label(fmt.Sprint("G", g)))
		for m := g * perGroup; m < min(subs, (g+1)*perGroup); m++ {
			fmt.Fprintf(&b, "      - id: m%d\n        text: %s\n        do:\n          - goto: s%d\n", m, label(fmt.Sprint("S", m)), m)
		}
	}
	for m := range subs {
		fmt.Fprintf(&b, "  s%d:\n    title: %s\n    items:\n", m, label(fmt.Sprint("S", m)))
		for i := m * perMenu; i < min(items, (m+1)*perMenu); i++ {
			fmt.Fprintf(&b, "      - id: i%d\n        text: %s\n        do:\n%s", i, label(fmt.Sprint(i)), flow("          "))
		}
	}
	return []byte(b.String())
}

func benchmarkSpec(b *testing.B, f check.SpecFile, items int) {
	// A spec too big for any card (5,000 items make an image of some 300 KB, over the format's
	// 64 KB) still goes through parse, check and generation; only the card's budget fails.
	for b.Loop() {
		_, diags := Compile([]check.SpecFile{f}, Options{})
		for _, d := range diags {
			if d.Severity == "error" && d.Code != "card-budget" {
				b.Fatal(diags.Format(0))
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/spec")
	b.ReportMetric(float64(items)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkCompileBank: parse, check and generate the bank menu (goal: under 20 ms).
func BenchmarkCompileBank(b *testing.B) {
	benchmarkSpec(b, readMenu(b, "bank-zh"), 15)
}

// BenchmarkCompileGenerated: generated specs of 50, 500 and 5,000 items (goal: linear).
func BenchmarkCompileGenerated(b *testing.B) {
	for _, n := range []int{50, 500, 5000} {
		data := randomSpec(rand.New(rand.NewPCG(9, 9)), fmt.Sprintf("gen-%d", n), n, 2)
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			benchmarkSpec(b, check.SpecFile{Name: "gen.yaml", Data: data}, n)
		})
	}
}

// TestAllActions: the checker's spec that uses every action and outcome compiles, loads back
// with the same listing, and its golden listing shows each command's template.
func TestAllActions(t *testing.T) {
	data, err := os.ReadFile("../check/testdata/all-actions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := compileOne(t, check.SpecFile{Name: "all-actions.yaml", Data: data})
	back, err := image.Load(r.Image.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	listing := r.Image.Listing(image.ListingOptions{})
	if back.Listing(image.ListingOptions{}) != listing {
		t.Fatal("listing changed through Load")
	}
	gg := goldie.New(t, goldie.WithFixtureDir(filepath.Join(fixtureDir, "golden", "stk", "gen")), goldie.WithNameSuffix(".golden"))
	gg.Assert(t, "all-actions.listing", []byte(listing))
}
