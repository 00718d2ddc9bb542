// Package pcsctest starts a private pcscd for a test, with the vsmartcard vpcd reader driver, so
// that a simulated card served by the sim/pcsc bridge sits in a real PC/SC stack.
//
// pcscd's client socket is fixed when pcsc-lite is built (/run/pcscd/pcscd.comm on Debian; the
// daemon has no option to move it) and the vpcd driver listens on fixed TCP ports, so only one
// such daemon runs at a time on a machine: StartDaemon takes an exclusive lock on a file in the
// temporary directory, shared by every test package of the module, and holds it until the test
// ends.
package pcsctest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Paths of the Debian packages pcscd and vsmartcard-vpcd.
const (
	PCSCD      = "/usr/sbin/pcscd"
	VPCDConfig = "/etc/reader.conf.d/vpcd"
	Socket     = "/run/pcscd/pcscd.comm"
	// VPCDAddr is where the vpcd driver waits for the card of slot 0.
	VPCDAddr = "127.0.0.1:35963"
	// Reader is the name pcscd gives the vpcd reader of slot 0.
	Reader = "Virtual PCD 00 00"
)

// Require reports whether STKFORGE_REQUIRE_TOOLS=1 turns a missing tool into a failure.
func Require() bool { return os.Getenv("STKFORGE_REQUIRE_TOOLS") == "1" }

// skip skips the test, or fails it under STKFORGE_REQUIRE_TOOLS=1.
func skip(t testing.TB, format string, args ...any) {
	t.Helper()
	if Require() {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// NeedTools returns the paths of tools, skipping the test when one is missing (failing under
// STKFORGE_REQUIRE_TOOLS=1).
func NeedTools(t testing.TB, names ...string) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			skip(t, "%s not found", n)
		}
		out = append(out, p)
	}
	return out
}

// lock takes the module-wide pcscd lock and releases it when the test ends.
func lock(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "stkforge-pcscd.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("lock %s: %v", f.Name(), err)
	}
	t.Cleanup(func() { f.Close() }) // closing the file releases the lock
}

// StartDaemon starts pcscd in the foreground with the vpcd reader and stops it when the test
// ends (its output is logged if the test failed). It skips the test when pcscd or the vpcd
// driver is missing, or when a pcscd it did not start holds the socket or the vpcd port (under
// STKFORGE_REQUIRE_TOOLS=1 it fails instead).
func StartDaemon(t testing.TB) {
	t.Helper()
	NeedTools(t, PCSCD)
	if _, err := os.Stat(VPCDConfig); err != nil {
		skip(t, "vsmartcard-vpcd not installed (%s)", VPCDConfig)
	}
	lock(t)
	if c, err := net.DialTimeout("tcp", VPCDAddr, 200*time.Millisecond); err == nil {
		c.Close()
		skip(t, "something already listens on the vpcd port %s (another pcscd?)", VPCDAddr)
	}
	if c, err := net.Dial("unix", Socket); err == nil {
		c.Close()
		skip(t, "a pcscd is already running on %s", Socket)
	}
	// The vpcd driver binds its ports without SO_REUSEADDR, so a connection of an earlier
	// daemon still in TIME_WAIT on one of them (up to a minute, tcp(7)) makes it fail: wait.
	for _, port := range []int{35963, 35964} {
		for deadline := time.Now().Add(2 * time.Minute); !bindable(port); time.Sleep(time.Second) {
			if time.Now().After(deadline) {
				skip(t, "the vpcd port %d stays in use", port)
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(Socket), 0o755); err != nil {
		skip(t, "cannot create %s: %v", filepath.Dir(Socket), err)
	}
	var log bytes.Buffer
	cmd := exec.Command(PCSCD, "--foreground")
	cmd.Stdout, cmd.Stderr = &log, &log
	// its own process group (a terminal's ^C goes to the test, whose cleanup stops it), and
	// SIGTERM if the test binary dies without cleaning up (a timeout), so no pcscd outlives it
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("pcscd output:\n%s", log.String())
		}
	})
}

// bindable reports whether port can be bound on every address the way the vpcd driver binds it:
// without SO_REUSEADDR, so that a connection in TIME_WAIT on the port counts as a use.
func bindable(port int) bool {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return true // let pcscd say what is wrong
	}
	defer syscall.Close(fd)
	return syscall.Bind(fd, &syscall.SockaddrInet4{Port: port}) == nil
}
