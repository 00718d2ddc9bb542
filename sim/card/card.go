package card

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/smspp"
)

// Exchange is one T=0 command-response pair exactly as it crossed the interface: the command
// TPDU (CLA INS P1 P2 P3 [data]) and the response (data SW1 SW2).
type Exchange struct {
	Command  []byte
	Response []byte
}

// Option configures a Card.
type Option func(*Card)

// WithStateFile makes the card save its state to path, atomically, after every change (file
// contents, PIN tries, counters, registry, terminal profile).
func WithStateFile(path string) Option { return func(c *Card) { c.statePath = path } }

// WithTrace calls fn with every exchange Transmit handles, after it is handled.
func WithTrace(fn func(Exchange)) Option { return func(c *Card) { c.trace = fn } }

// WithClock sets the clock of the SMS-PP reassembly (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *Card) { c.now = now } }

// Card is a simulated UICC with a GSM SIM personality: APDUs of class A0 get TS 51.011
// semantics, classes 0X and 8X get TS 102 221 semantics, both over the same files. It is safe
// for concurrent use; every exchange runs alone.
type Card struct {
	mu sync.Mutex

	name     string
	lab      bool
	atr      []byte
	fs       *fs
	pins     []*pin
	keysets  map[int]*keyset
	tars     map[packet.TAR]*tarEntry
	tarOrder []packet.TAR
	registry Registry
	termProf []byte
	mr       byte

	sess  *session
	tk    toolkitState
	reasm *smspp.Reassembler
	load  *loadInProgress

	lastOTA *OTAEvent
	tooBig  []byte // the 0B PoR that stands in for a PoR too long for the envelope response

	statePath string
	trace     func(Exchange)
	now       func() time.Time
	warnings  []string
	saveHook  func() // tests: runs before each save
}

// New builds a card from a profile (or a state file read with LoadProfile).
func New(p *Profile, opts ...Option) (*Card, error) {
	c := &Card{name: p.Name, lab: p.Lab, atr: bytes.Clone(p.ATR), termProf: bytes.Clone(p.TerminalProfile),
		mr: p.MessageReference, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	if len(c.atr) < 2 || len(c.atr) > 33 {
		return nil, profileErr("atr", "%d bytes: an ATR is 2 to 33 bytes (ISO/IEC 7816-3 8.2)", len(c.atr))
	}
	var err error
	if c.fs, err = newFS(p.Files); err != nil {
		return nil, err
	}
	if c.pins, err = newPINs(p.PINs); err != nil {
		return nil, err
	}
	if err := c.loadKeysets(p.Keysets); err != nil {
		return nil, err
	}
	if err := c.loadTARs(p.TARs); err != nil {
		return nil, err
	}
	if err := c.loadRegistry(p.Registry); err != nil {
		return nil, err
	}
	c.reasm = smspp.NewReassembler(smspp.Limits{}, c.now)
	c.reset()
	return c, nil
}

// Open loads the card from its state file when it exists, else from the profile at
// profilePath, and keeps its state in statePath from then on.
func Open(profilePath, statePath string, opts ...Option) (*Card, error) {
	// temporary files of a save that a crash interrupted (WriteFileAtomic) are dropped
	if stale, err := filepath.Glob(filepath.Join(filepath.Dir(statePath), "."+filepath.Base(statePath)+".tmp*")); err == nil {
		for _, f := range stale {
			os.Remove(f)
		}
	}
	p, err := LoadProfile(statePath)
	if errors.Is(err, os.ErrNotExist) {
		p, err = LoadProfile(profilePath)
	}
	if err != nil {
		return nil, err // a state file that does not load is never replaced by a fresh card
	}
	c, err := New(p, append(opts, WithStateFile(statePath))...)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.save(); err != nil {
		return nil, err
	}
	return c, nil
}

// ATR is the answer to reset.
func (c *Card) ATR() []byte { return bytes.Clone(c.atr) }

// Name is the profile name.
func (c *Card) Name() string { return c.name }

// Warnings lists what a lab profile allows that a production one would refuse.
func (c *Card) Warnings() []string { return append([]string(nil), c.warnings...) }

// Reset is a cold or warm reset: the session (current files, verified PINs, pending response,
// proactive session, partial SMS-PP series) is lost; the state is kept.
func (c *Card) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reset()
}

func (c *Card) reset() {
	c.sess = newSession(c.fs, false)
	c.tk.reset()
	c.reasm = smspp.NewReassembler(smspp.Limits{}, c.now)
	c.load = nil
}

// Transmit handles one command TPDU under T=0 and returns the response, SW1 SW2 last. It never
// panics on any input.
func (c *Card) Transmit(capdu []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	resp := c.transmit(c.sess, capdu)
	if c.trace != nil {
		c.trace(Exchange{Command: bytes.Clone(capdu), Response: bytes.Clone(resp)})
	}
	return resp
}

// Snapshot returns the card's state as a profile document.
func (c *Card) Snapshot() *Profile {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snapshot()
}

func (c *Card) snapshot() *Profile {
	p := &Profile{Name: c.name, Lab: c.lab, ATR: bytes.Clone(c.atr), Files: c.fs.specs(),
		TerminalProfile: bytes.Clone(c.termProf), MessageReference: c.mr}
	for _, pn := range c.pins {
		p.PINs = append(p.PINs, pn.spec())
	}
	for kvn := 0; kvn < 16; kvn++ {
		if k := c.keysets[kvn]; k != nil {
			p.Keysets = append(p.Keysets, k.spec())
		}
	}
	for _, t := range c.tarOrder {
		if e := c.tars[t]; e != nil && e.instance == nil {
			p.TARs = append(p.TARs, e.spec)
		}
	}
	p.Registry = c.registry.clone()
	return p
}

// sw helpers

func (c *Card) swFor(x *cmd, k cond) uint16 {
	if x.sim {
		return condSW[k][1]
	}
	return condSW[k][0]
}

func hexs(b []byte) string { return fmt.Sprintf("%X", b) }
