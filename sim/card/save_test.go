package card

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const saveChildEnv = "STKFORGE_CARD_SAVE_CHILD"

// TestKillDuringSave re-runs this test binary as a child that updates EF SPN and saves the
// state in a loop, kills it with SIGKILL while it writes, and checks that the state file
// always loads and holds one of the values the child wrote.
func TestKillDuringSave(t *testing.T) {
	if path := os.Getenv(saveChildEnv); path != "" {
		saveLoop(path)
		return
	}
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "card.json")
	if _, err := Open(defaultProfile, state); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 5; round++ {
		start, _ := os.ReadFile(state)
		cmd := exec.Command(exe, "-test.run=^TestKillDuringSave$")
		cmd.Env = append(os.Environ(), saveChildEnv+"="+state)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// wait until the child has saved a few times, then kill it wherever it is
		for i := 0; i < 2000; i++ {
			if b, _ := os.ReadFile(state); !bytes.Equal(b, start) {
				break
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(3+round*7) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		p, err := LoadProfile(state)
		if err != nil {
			t.Fatalf("round %d: state file does not load after SIGKILL: %v", round, err)
		}
		c, err := New(p)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		got := tx(t, c, "00A4080C047F206F46") + tx(t, c, "00B0000009")
		if !strings.HasPrefix(got, "9000014E") || !strings.HasSuffix(got, "9000") {
			t.Fatalf("round %d: EF SPN %s is not a value the child wrote", round, got)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) < 1 {
		t.Fatal("state file gone")
	}
}

// saveLoop is the child: write "N" and an 7-digit number into EF SPN, forever.
func saveLoop(path string) {
	c, err := Open(defaultProfile, path)
	if err != nil {
		os.Exit(2)
	}
	c.Transmit([]byte{0x00, 0x20, 0x00, 0x0A, 0x08, '8', '8', '8', '8', '8', '8', '8', '8'})
	c.Transmit([]byte{0x00, 0xA4, 0x08, 0x0C, 0x04, 0x7F, 0x20, 0x6F, 0x46})
	for i := 0; ; i++ {
		v := []byte(fmt.Sprintf("\x01N%07d", i%10000000))
		r := c.Transmit(append([]byte{0x00, 0xD6, 0x00, 0x00, byte(len(v))}, v...))
		if !bytes.Equal(r, []byte{0x90, 0x00}) {
			os.Exit(3)
		}
	}
}
