package spec

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sebdah/goldie/v2"
)

const fixtureDir = "../../fixtures"

func specFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fixtureDir, dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no specs in %s: %v", dir, err)
	}
	return files
}

// TestDumpGolden: the syntax tree of each example menu, with positions.
func TestDumpGolden(t *testing.T) {
	g := goldie.New(t, goldie.WithFixtureDir(filepath.Join(fixtureDir, "golden", "stk", "spec")), goldie.WithNameSuffix(".golden"))
	for _, f := range specFiles(t, "menus") {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			tree, diags := Parse(name+".yaml", data)
			if len(diags) > 0 {
				t.Fatalf("diagnostics:\n%s", diags.Format(0))
			}
			g.Assert(t, name, []byte(Dump(tree)))
		})
	}
}

// TestParseErrors: each bad input gives the expected diagnostics, in order, at the expected
// positions.
func TestParseErrors(t *testing.T) {
	const head = "stkforge: 1\nname: t\n"
	for _, c := range []struct {
		name, src string
		want      []string // "line:col code substring"
	}{
		{"unknown top key", head + "menu: {title: T, items: []}\nmenuz: {}\n",
			[]string{`4:1 unknown-key unknown key "menuz" in the spec (did you mean "menu"?)`}},
		{"unknown menu key", head + "menu:\n  title: T\n  itmes: []\n",
			[]string{`5:3 unknown-key unknown key "itmes" in menu (did you mean "items"?)`}},
		{"default on main", head + "menu:\n  title: T\n  default: a\n",
			[]string{`5:3 unknown-key the main menu (SET UP MENU) has no default item`}},
		{"wrong type title", head + "menu:\n  title: [a, b]\n",
			[]string{`4:10 wrong-type menu.title: want a text (a string, or a map from language to string), got a list`}},
		{"wrong type int", head + "menu:\n  title: T\n  icon: one\n",
			[]string{`5:9 wrong-type menu.icon: want a whole number, got a string`}},
		{"items not a list", head + "menu:\n  title: T\n  items: {a: 1}\n",
			[]string{`5:10 wrong-type menu.items: want a list, got a map`}},
		{"missing keys", "menu: {title: T}\n",
			[]string{`1:1 missing-key missing keys "stkforge", "name"`}},
		{"empty", "", []string{`1:1 missing-key empty spec`}},
		{"not a map", "- a\n- b\n", []string{`1:1 wrong-type the spec: want a map, got a list`}},
		{"syntax", head + "menu: {title: T\n", []string{`syntax YAML:`}},
		{"duplicate key", head + "name: u\nmenu: {title: T, title: U}\n", []string{`3:1 duplicate-key the spec: key "name" is already given at line 2`, `4:18 duplicate-key menu: key "title" is already given at line 4`}},
		{"anchor", head + "menu: &m {title: T}\n", []string{`3:7 syntax YAML anchors are not part of the spec language`}},
		{"unknown action", head + "menu:\n  title: T\n  items:\n    - id: a\n      text: A\n      do:\n        - sendsms: {}\n",
			[]string{`9:11 unknown-action unknown action "sendsms" (did you mean "send_sms"?)`}},
		{"action key beside", head + "menu:\n  title: T\n  items:\n    - id: a\n      text: A\n      do:\n        - display: Hi\n          timeout: 3s\n",
			[]string{`10:11 unknown-key unexpected key "timeout" next to action "display" (indent it under "display")`}},
		{"two actions in one entry", head + "menu:\n  title: T\n  items:\n    - id: a\n      text: A\n      do:\n        - display: Hi\n          end: \n",
			[]string{`10:11 unknown-key unexpected key "end" next to action "display" (each action is its own list entry: start it with "- ")`}},
		{"unknown action key", head + "menu:\n  title: T\n  items:\n    - id: a\n      text: A\n      do:\n        - input: {into: x, promt: P}\n",
			[]string{`9:28 unknown-key unknown key "promt" in action input (did you mean "prompt"?)`}},
		{"unknown outcome", head + "menu:\n  title: T\n  items:\n    - id: a\n      text: A\n      do:\n        - display:\n            text: Hi\n            on: {canceled: end}\n",
			[]string{`11:18 unknown-key unknown outcome "canceled" in menu.items[0].do[0].display.on (did you mean "cancelled"?)`}},
		{"template", head + "menu:\n  title: T\n  items:\n    - id: a\n      text: A\n      do:\n        - display: \"a } b\"\n",
			[]string{`9:23 template unmatched "}"`}},
		{"bad ref", head + "menu:\n  title: T\n  items:\n    - id: a\n      text: A\n      do:\n        - display: 'x {1a}'\n",
			[]string{`9:24 template bad variable reference {1a}`}},
		{"condition", head + "menu:\n  title: T\n  items:\n    - id: a\n      text: A\n      do:\n        - if: \"a = 1\"\n",
			[]string{`9:18 condition condition "a = 1": unknown operator "="`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, diags := Parse("t.yaml", []byte(c.src))
			diags = diags.Normalize()
			if len(diags) != len(c.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%s", len(diags), len(c.want), diags.Format(0))
			}
			for i, d := range diags {
				got := d.Code + " " + d.Message
				if strings.Contains(c.want[i], ":") && c.want[i][0] >= '0' && c.want[i][0] <= '9' {
					got = strings.Join([]string{itoa(d.Line) + ":" + itoa(d.Col), got}, " ")
				}
				if !strings.HasPrefix(got, c.want[i]) {
					t.Errorf("diagnostic %d:\n got %s\nwant %s", i, got, c.want[i])
				}
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
