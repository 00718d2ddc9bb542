package profile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/sebdah/goldie/v2"
)

const (
	goldenDir   = "../../../fixtures/golden/stk/cat/profile"
	profilesDir = "../../../fixtures/profiles"
)

func indentJSON(t *testing.T, p Profile) []byte {
	t.Helper()
	out, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// The named profiles as JSON and as annotated listings; the JSON is also the fixture other
// packages load from fixtures/profiles/NAME.json.
func TestGoldenNamed(t *testing.T) {
	golden := goldie.New(t, goldie.WithFixtureDir(goldenDir), goldie.WithNameSuffix(".golden"))
	fixtures := goldie.New(t, goldie.WithFixtureDir(profilesDir), goldie.WithNameSuffix(".json"))
	for _, name := range NamedProfiles() {
		p, _ := Named(name)
		js := indentJSON(t, p)
		golden.Assert(t, name+".json", js)
		golden.Assert(t, name+".listing", []byte(p.Listing()))
		fixtures.Assert(t, name, js)
	}
	te, _ := ParseHex(AndroidTEHex)
	golden.Assert(t, "android-te.listing", []byte(te.Listing()))
}

// Each fixture file decodes back to exactly the named profile's bytes.
func TestProfileFixtures(t *testing.T) {
	for _, name := range NamedProfiles() {
		data, err := os.ReadFile(filepath.Join(profilesDir, name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var p Profile
		if err := json.Unmarshal(data, &p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, _ := Named(name)
		if !p.Equal(want) {
			t.Errorf("%s.json encodes to %s, want %s", name, p, want)
		}
	}
}
