package toolkit

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"sync"
	"weak"

	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/cat/profile"
	"github.com/stkforge/stkforge/stk/image"
)

// Config configures a Runtime.
type Config struct {
	// Issuers are trusted issuer keys in addition to those personalised into EF 6F04.
	Issuers []image.IssuerKey
	// Rand is the randomness for PSS signatures and for key pairs generated when an image
	// names a key the card lacks (crypto/rand when nil).
	Rand io.Reader
	// KeyPair, when set, supplies the key pairs an image names that the card lacks, instead of
	// generating them on the card from Rand (a simulator that runs many cards may hand out keys
	// made ahead of time; RSA-2048 generation costs tens of milliseconds per card).
	KeyPair func(name string, bits int) (*rsa.PrivateKey, error)
	// AllowUnsigned lets a card that trusts no issuer key at all activate unsigned images (a lab
	// card). A card with trusted keys always refuses unsigned images.
	AllowUnsigned bool
	// Log, when set, hears what the runtime decides (activation, refusals, session ends).
	Log func(string)
}

// Runtime is the toolkit runtime; plug it into a card with card.SetToolkit or Attach.
type Runtime struct {
	mu  sync.Mutex
	cfg Config

	loaded  bool
	st      *state
	persist bool // the card has EF 6F04

	img      *image.Image
	slot     byte
	terminal profile.Profile
	hasTP    bool
	menuDue  bool // SET UP MENU to send once no session runs
	sess     *session
	msisdnRL int
}

// New returns a runtime.
func New(cfg Config) *Runtime { return &Runtime{cfg: cfg, msisdnRL: 28} }

// Attach creates a runtime, plugs it into c and returns it.
func Attach(c *card.Card, cfg Config) *Runtime {
	rt := New(cfg)
	for _, f := range c.Snapshot().Files {
		if f.Path == PathMSISDN && f.RecordLength > 0 {
			rt.msisdnRL = f.RecordLength
		}
	}
	c.SetToolkit(rt)
	return rt
}

func (rt *Runtime) logf(format string, args ...any) {
	if rt.cfg.Log != nil {
		rt.cfg.Log(fmt.Sprintf(format, args...))
	}
}

// Image is the active image, nil when none.
func (rt *Runtime) Image() *image.Image {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.img
}

// PublicKey is the public half of the card's key pair name, for the key store; false before the
// card's state is loaded (the first TERMINAL PROFILE) or when there is no such key.
func (rt *Runtime) PublicKey(name string) (*rsa.PublicKey, bool) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.st == nil {
		return nil, false
	}
	if k := rt.st.key(name); k != nil {
		return &k.PublicKey, true
	}
	return nil, false
}

// Counter is the transaction counter's current value.
func (rt *Runtime) Counter() uint32 {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.st == nil {
		return 0
	}
	return rt.st.Counter
}

// load reads the state and the active image once, at the first call from the card.
func (rt *Runtime) load(p *card.Proactive) {
	if rt.loaded {
		return
	}
	rt.loaded = true
	rt.st = &state{}
	if b, err := p.ReadFile(PathState); err == nil {
		rt.persist = true
		if st, err := parseState(b); err == nil {
			rt.st = st
		} else {
			rt.logf("state: %v", err)
		}
	}
	ctl, err := p.ReadFile(PathControl)
	if err != nil || len(ctl) < 1 || (ctl[0] != 1 && ctl[0] != 2) {
		return
	}
	img, status := rt.check(p, ctl[0])
	if status != StatusActivated {
		rt.logf("active slot %d does not load: %s", ctl[0], StatusName(status))
		return
	}
	rt.img, rt.slot = img, ctl[0]
	if err := rt.ensureKeys(p, img); err != nil {
		rt.logf("keys: %v", err)
	}
}

func (rt *Runtime) save(p *card.Proactive) error {
	if !rt.persist {
		return nil
	}
	b, err := rt.st.marshal()
	if err != nil {
		return err
	}
	return p.UpdateFile(PathState, 0, b)
}

func (rt *Runtime) issuers() []image.IssuerKey {
	return append(append([]image.IssuerKey(nil), rt.st.Issuers...), rt.cfg.Issuers...)
}

// check loads the image in slot and checks it can be activated.
func (rt *Runtime) check(p *card.Proactive, slot byte) (*image.Image, byte) {
	b, err := p.ReadFile(slotPath(slot))
	if err != nil {
		return nil, StatusIncomplete
	}
	n, ok := imageLen(b)
	if !ok {
		return nil, StatusIncomplete
	}
	img, err := loadShared(b[:n])
	if err != nil {
		if fe, ok := err.(*image.FormatError); ok && fe.Field == "file.hash" {
			return nil, StatusHash
		}
		rt.logf("slot %d: %v", slot, err)
		return nil, StatusInvalid
	}
	keys := rt.issuers()
	if len(keys) > 0 || !rt.cfg.AllowUnsigned {
		if img.Signature == nil {
			return nil, StatusUnsigned
		}
		if _, err := image.Verify(img, keys); err != nil {
			return nil, StatusBadSignature
		}
	}
	for _, k := range img.Keys {
		if ck := rt.st.key(k.Name); ck != nil && ck.N.BitLen() != k.Bits {
			rt.logf("image key %q is %d bits, the card's %d", k.Name, k.Bits, ck.N.BitLen())
			return nil, StatusUnsupported
		}
	}
	return img, StatusActivated
}

// loaded holds the images the runtimes of this process have loaded, by the SHA-256 of their
// bytes, for as long as a card uses them: a simulator runs thousands of cards that receive the
// same image, and a loaded image is immutable and depends on its bytes alone (image.Load), so
// they share one. Each card still checks the signature with its own issuer keys (check).
var loaded = struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]weak.Pointer[image.Image]
}{m: map[[sha256.Size]byte]weak.Pointer[image.Image]{}}

// loadShared is image.Load through the loaded images.
func loadShared(b []byte) (*image.Image, error) {
	k := sha256.Sum256(b)
	loaded.mu.Lock()
	img := loaded.m[k].Value()
	loaded.mu.Unlock()
	if img != nil {
		return img, nil
	}
	img, err := image.Load(b)
	if err != nil {
		return nil, err
	}
	loaded.mu.Lock()
	defer loaded.mu.Unlock()
	if old := loaded.m[k].Value(); old != nil {
		return old, nil // another card loaded it meanwhile
	}
	loaded.m[k] = weak.Make(img)
	runtime.AddCleanup(img, func(k [sha256.Size]byte) {
		loaded.mu.Lock()
		defer loaded.mu.Unlock()
		if loaded.m[k].Value() == nil {
			delete(loaded.m, k)
		}
	}, k)
	return img, nil
}

// imageLen is the length of the CBOR item at the start of b (the file: tag, array of four),
// false when b does not hold it whole.
func imageLen(b []byte) (int, bool) {
	off := 0
	var item func(depth int) bool
	head := func() (byte, uint64, bool) {
		if off >= len(b) {
			return 0, 0, false
		}
		ib := b[off]
		off++
		maj, ai := ib>>5, ib&0x1F
		var n int
		switch {
		case ai < 24:
			return maj, uint64(ai), true
		case ai == 24:
			n = 1
		case ai == 25:
			n = 2
		case ai == 26:
			n = 4
		case ai == 27:
			n = 8
		default:
			return 0, 0, false
		}
		if off+n > len(b) {
			return 0, 0, false
		}
		var v uint64
		for _, c := range b[off : off+n] {
			v = v<<8 | uint64(c)
		}
		off += n
		return maj, v, true
	}
	item = func(depth int) bool {
		if depth > 4 {
			return false
		}
		maj, v, ok := head()
		if !ok {
			return false
		}
		switch maj {
		case 2, 3:
			if v > uint64(len(b)-off) {
				return false
			}
			off += int(v)
		case 4:
			for i := uint64(0); i < v; i++ {
				if !item(depth + 1) {
					return false
				}
			}
		case 6:
			return item(depth + 1)
		case 0, 7:
		default:
			return false
		}
		return true
	}
	if !item(0) {
		return 0, false
	}
	return off, true
}

// TerminalProfile stores the terminal's capabilities and sends SET UP MENU (TS 102 223 5.2,
// 6.4.8) when an image is active and the terminal supports it.
func (rt *Runtime) TerminalProfile(p *card.Proactive, tp []byte) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.load(p)
	pr, err := profile.Parse(tp)
	rt.terminal, rt.hasTP = pr, err == nil
	rt.sess = nil // a TERMINAL PROFILE follows a reset: no session survives it
	rt.menuDue = rt.img != nil
	rt.sendMenu(p)
}

func (rt *Runtime) supports(typ, q byte) bool {
	return rt.hasTP && rt.terminal.Supports(typ, q)
}

// sendMenu sends the SET UP MENU of the active image when one is due and nothing else runs.
func (rt *Runtime) sendMenu(p *card.Proactive) {
	if !rt.menuDue || rt.img == nil || rt.sess != nil || p.Busy() {
		return
	}
	t := rt.img.Templates[rt.img.Main.Template]
	if !rt.supports(t.Type, t.Qualifier) {
		rt.logf("terminal profile lacks SET UP MENU %02X: menu not sent", t.Qualifier)
		rt.menuDue = false
		return
	}
	cmd, err := rt.img.Command(rt.img.Main.Template, 0, p.NextNumber(), nil, nil)
	if err != nil {
		rt.logf("SET UP MENU: %v", err)
		rt.menuDue = false
		return
	}
	if err := p.Queue(cmd); err == nil {
		rt.menuDue = false
		rt.sess = &session{menuOnly: true}
	}
}

// FileUpdated runs the commit when the OTA server writes EF 6F03 (docs/image-format.md "OTA
// delivery").
func (rt *Runtime) FileUpdated(p *card.Proactive, path string) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.load(p)
	if path != PathControl {
		return
	}
	ctl, err := p.ReadFile(PathControl)
	if err != nil || len(ctl) < 4 || ctl[1] == 0 {
		return
	}
	req := ctl[1]
	status, version := StatusBadRequest, byte(0)
	var img *image.Image
	if (req == 1 || req == 2) && req != rt.slot {
		img, status = rt.check(p, req)
		if b, err := p.ReadFile(slotPath(req)); err == nil && len(b) > 4 && bytes.HasPrefix(b, []byte{0xD9, 0xD9, 0xF7, 0x84}) {
			version = b[4]
		}
	}
	if status == StatusActivated {
		if err := rt.ensureKeys(p, img); err != nil {
			rt.logf("keys: %v", err)
			status = StatusUnsupported
		}
	}
	active := rt.slot
	if status == StatusActivated {
		active = req
	}
	if err := p.UpdateFile(PathControl, 0, []byte{active, 0x00, status, version}); err != nil {
		rt.logf("control EF: %v", err)
		return
	}
	rt.logf("commit slot %d: %s", req, StatusName(status))
	if status != StatusActivated {
		return
	}
	rt.img, rt.slot = img, req
	rt.menuDue = rt.hasTP
	rt.sendMenu(p)
}

// ensureKeys generates the key pairs an image names that the card lacks.
func (rt *Runtime) ensureKeys(p *card.Proactive, img *image.Image) error {
	changed := false
	for _, k := range img.Keys {
		if rt.st.key(k.Name) != nil {
			continue
		}
		var key *rsa.PrivateKey
		var err error
		if rt.cfg.KeyPair != nil {
			key, err = rt.cfg.KeyPair(k.Name, k.Bits)
		} else {
			key, err = GenerateKey(rt.cfg.Rand, k.Bits)
		}
		if err == nil && key.N.BitLen() != k.Bits {
			err = fmt.Errorf("toolkit: key %q of %d bits; the image needs %d", k.Name, key.N.BitLen(), k.Bits)
		}
		if err != nil {
			return err
		}
		rt.st.Keys = append(rt.st.Keys, cardKey{Name: k.Name, Key: key})
		changed = true
	}
	if changed {
		return rt.save(p)
	}
	return nil
}

// SecuredData: the runtime has no OTA application of its own (images arrive by RFM on the file
// system); an applet instance bound to a script gets an empty answer.
func (rt *Runtime) SecuredData(p *card.Proactive, in *card.Instance, data []byte) []byte { return nil }

// Envelope handles MENU SELECTION (TS 102 223 7.1.1): a help request shows the item's help
// text; a selection starts a session at the item's code.
func (rt *Runtime) Envelope(p *card.Proactive, env []byte) ([]byte, uint16) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.load(p)
	e, err := cat.UnmarshalEnvelope(env)
	if err != nil {
		return nil, card.SWOK
	}
	ms, ok := e.(*cat.MenuSelection)
	if !ok || rt.img == nil {
		return nil, card.SWOK
	}
	var item *image.MenuItem
	for i := range rt.img.Main.Items {
		if rt.img.Main.Items[i].ID == ms.Item.Identifier {
			item = &rt.img.Main.Items[i]
		}
	}
	if item == nil {
		rt.logf("MENU SELECTION of unknown item %d", ms.Item.Identifier)
		return nil, card.SWOK
	}
	s := rt.newSession(p)
	if ms.HelpRequest {
		if item.Help != image.NoText {
			s.help(item.Help, -2)
		} else {
			s.end("help requested on item %d, which has none", item.ID) // qualifier bit 8 promised none
		}
		rt.step(p)
		return nil, card.SWOK
	}
	s.start(item.Entry)
	rt.step(p)
	return nil, card.SWOK
}

// TerminalResponse continues the session with the answer to its command (TS 102 223 6.8).
func (rt *Runtime) TerminalResponse(p *card.Proactive, cmd, tr []byte) uint16 {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.load(p)
	s := rt.sess
	if s == nil {
		return card.SWOK
	}
	if s.menuOnly {
		rt.sess = nil
		rt.sendMenu(p)
		return card.SWOK
	}
	s.p = p
	s.answer(cmd, tr)
	rt.step(p)
	return card.SWOK
}

// step runs the session until it waits for a terminal response or ends.
func (rt *Runtime) step(p *card.Proactive) {
	s := rt.sess
	if s == nil {
		return
	}
	s.p = p
	s.run()
	s.p = nil
	if s.done {
		rt.sess = nil
		rt.sendMenu(p)
	}
}

// SeededRand is a deterministic reader for tests and golden files: SHA-256 in counter mode over
// the seed. Never use it for a real card.
func SeededRand(seed string) io.Reader { return &seeded{seed: []byte(seed)} }

type seeded struct {
	seed []byte
	ctr  uint64
	buf  []byte
}

func (s *seeded) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		if len(s.buf) == 0 {
			h := sha256.New()
			h.Write(s.seed)
			h.Write(binary.BigEndian.AppendUint64(nil, s.ctr))
			s.ctr++
			s.buf = h.Sum(nil)
		}
		c := copy(b[n:], s.buf)
		s.buf = s.buf[c:]
		n += c
	}
	return n, nil
}
