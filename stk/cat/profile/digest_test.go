package profile

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// readDigest returns the project's CAT digest (shared/spec/stk-proactive.md). The package keeps
// a copy in testdata so that the test runs outside the workspace too; when the shared file is
// at hand and the sections these tests read have changed, the test says so.
func readDigest(t *testing.T) string {
	t.Helper()
	own, err := os.ReadFile("testdata/stk-proactive.md")
	if err != nil {
		t.Fatal(err)
	}
	if shared, err := os.ReadFile("../../../../shared/spec/stk-proactive.md"); err == nil {
		for _, n := range []int{3, 8} { // the sections these tests read
			if !slices.Equal(digestSection(string(shared), n), digestSection(string(own), n)) {
				t.Errorf("section %d of shared/spec/stk-proactive.md changed: copy it to testdata/ and check the tables again", n)
			}
		}
	}
	return string(own)
}

// digestSection returns the lines of the section whose heading starts with "## n.".
func digestSection(md string, n int) []string {
	var out []string
	in := false
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "## ") {
			in = strings.HasPrefix(line, "## "+strconv.Itoa(n)+".")
			continue
		}
		if in {
			out = append(out, line)
		}
	}
	return out
}

// tableRows splits the data rows of the markdown tables in lines into trimmed cells.
func tableRows(lines []string) [][]string {
	var rows [][]string
	for _, line := range lines {
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
	}
	return rows
}

// digestProfileRows returns section 8's items per byte number.
func digestProfileRows(md string) map[int][]string {
	out := map[int][]string{}
	for _, cells := range tableRows(digestSection(md, 8)) {
		n, err := strconv.Atoi(cells[0])
		if err != nil || len(cells) < 2 {
			continue // the header row
		}
		out[n] = strings.Split(cells[1], ", ")
	}
	return out
}

// digestCommands returns section 3's command types and names.
func digestCommands(md string) map[byte]string {
	out := map[byte]string{}
	for _, cells := range tableRows(digestSection(md, 3)) {
		v, err := strconv.ParseUint(cells[0], 16, 8)
		if err != nil || len(cells) < 2 {
			continue
		}
		out[byte(v)] = cells[1]
	}
	return out
}
