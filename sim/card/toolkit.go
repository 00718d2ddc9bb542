package card

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/stkforge/stkforge/stk/tlv"
)

// Toolkit is the card's toolkit runtime (sim/toolkit) as the card calls it. Every method runs
// with the card locked, inside the exchange that triggered it: it may queue proactive commands
// but must not call Transmit.
type Toolkit interface {
	// TerminalProfile follows a TERMINAL PROFILE (TS 102 221 11.2.1); the place to queue SET UP
	// MENU (TS 102 223 5.2).
	TerminalProfile(p *Proactive, profile []byte)
	// Envelope handles an ENVELOPE other than SMS-PP DOWNLOAD: MENU SELECTION (D3), EVENT
	// DOWNLOAD (D6), TIMER EXPIRATION (D7) ... (TS 102 223 7). It returns response data and the
	// status word (90 00, or 93 00 when busy).
	Envelope(p *Proactive, env []byte) ([]byte, uint16)
	// TerminalResponse handles the TERMINAL RESPONSE to a command the toolkit queued
	// (TS 102 223 6.8); cmd is that command.
	TerminalResponse(p *Proactive, cmd, tr []byte) uint16
	// SecuredData handles the secured data of an OTA packet that passed its checks and is
	// addressed to a TAR of an application instance (TS 102 225 5, TS 102 226 8); the answer is
	// the PoR's additional data.
	SecuredData(p *Proactive, instance *Instance, data []byte) []byte
}

type owner uint8

const (
	ownerToolkit owner = iota
	ownerCard          // the card's own commands: SEND SHORT MESSAGE of a PoR
)

type queued struct {
	cmd   []byte
	owner owner
}

// toolkitState is the proactive queue (TS 102 221 7.4.2, TS 102 223 6.2): the head waits
// for FETCH (announced by 91xx), the fetched command waits for its TERMINAL RESPONSE.
type toolkitState struct {
	queue   []queued
	fetched *queued
	handler Toolkit
	number  byte
}

func (t *toolkitState) reset() {
	t.queue, t.fetched = nil, nil
}

// announce is the length of the command to report as 91xx, 0 when none.
func (t *toolkitState) announce() int {
	if t.fetched != nil || len(t.queue) == 0 {
		return 0
	}
	return len(t.queue[0].cmd)
}

func (t *toolkitState) busy() bool { return t.fetched != nil || len(t.queue) > 0 }

// ErrProactive is a proactive command the queue refuses.
var ErrProactive = errors.New("card: not a proactive command")

// Proactive is the toolkit's handle on the card while the card calls it: the proactive queue,
// the files and the PINs.
type Proactive struct {
	t *toolkitState
	c *Card
}

// FileObserver is implemented by a Toolkit that wants to hear of file updates (UPDATE BINARY,
// UPDATE RECORD, INCREASE, by the terminal or by RFM), such as a new script image arriving in
// the script store.
type FileObserver interface {
	FileUpdated(p *Proactive, path string)
}

// ReadFile returns a copy of a transparent EF's contents, or of a record EF's records one
// after the other; path is as in the profile ("3F00/7F4F/6F01").
func (p *Proactive) ReadFile(path string) ([]byte, error) { return p.c.readFile(path) }

// UpdateFile writes data at offset into a transparent EF and saves the state (the toolkit is
// not told of its own write).
func (p *Proactive) UpdateFile(path string, offset int, data []byte) error {
	return p.c.updateFile(path, offset, data, false)
}

// CheckPIN compares a PIN the user entered with the card's PIN ref, counting the try as
// VERIFY does (TS 102 221 11.1.9): it reports whether it matched and the tries left.
func (p *Proactive) CheckPIN(ref byte, digits string) (ok bool, left int, err error) {
	pn := p.c.pin(ref)
	if pn == nil {
		return false, 0, fmt.Errorf("card: no PIN %02X", ref)
	}
	blk, err := pinBlock(digits)
	if err != nil {
		return false, pn.tries, err
	}
	sw := p.c.check(&cmd{}, pn, blk, false)
	if sw == condSW[condMemory][0] {
		return false, pn.tries, fmt.Errorf("card: state not saved")
	}
	return sw == SWOK, pn.tries, nil
}

// Queue appends a proactive command (a whole D0 BER-TLV of at most 255 bytes, the most FETCH
// can carry in one T=0 response with a nonzero 91xx).
func (p *Proactive) Queue(cmd []byte) error { return p.t.push(cmd, ownerToolkit) }

// Busy reports whether a proactive session is running: a command queued or fetched and not yet
// answered.
func (p *Proactive) Busy() bool { return p.t.busy() }

// Pending is the number of commands not yet fetched.
func (p *Proactive) Pending() int { return len(p.t.queue) }

// NextNumber returns a command number for a new command (TS 102 223 8.6), 01 to FE.
func (p *Proactive) NextNumber() byte { return p.t.nextNumber() }

func (t *toolkitState) nextNumber() byte {
	t.number = t.number%0xFE + 1
	return t.number
}

func (t *toolkitState) push(cmd []byte, o owner) error {
	r := tlv.NewReader(cmd)
	tag, _, _, err := r.ReadBER("proactive")
	switch {
	case err != nil:
		return fmt.Errorf("%w: %v", ErrProactive, err)
	case tag != 0xD0:
		return fmt.Errorf("%w: tag %02X, want D0", ErrProactive, tag)
	case !r.Empty():
		return fmt.Errorf("%w: %d bytes after the BER-TLV", ErrProactive, len(r.Remaining()))
	case len(cmd) > 255:
		return fmt.Errorf("%w: %d bytes, at most 255", ErrProactive, len(cmd))
	}
	t.queue = append(t.queue, queued{cmd: bytes.Clone(cmd), owner: o})
	return nil
}

// SetToolkit plugs the toolkit runtime in (nil: none; envelopes are then acknowledged and
// ignored).
func (c *Card) SetToolkit(t Toolkit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tk.handler = t
}

// TerminalProfileBytes is the last TERMINAL PROFILE stored.
func (c *Card) TerminalProfileBytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.termProf)
}

// cmdTerminalProfile stores the terminal profile (TS 102 221 11.2.1, TS 51.011 9.2.19).
func (c *Card) cmdTerminalProfile(x *cmd) ([]byte, uint16) {
	if x.p1 != 0 || x.p2 != 0 {
		return nil, c.swFor(x, condP1P2)
	}
	if len(x.data) == 0 {
		return nil, SWWrongLength
	}
	old := c.termProf
	c.termProf = bytes.Clone(x.data)
	if err := c.save(); err != nil {
		c.termProf = old
		return nil, c.swFor(x, condMemory)
	}
	if c.tk.handler != nil {
		c.tk.handler.TerminalProfile(&Proactive{&c.tk, c}, bytes.Clone(x.data))
	}
	return nil, SWOK
}

// cmdEnvelope is ENVELOPE (TS 102 221 11.2.2, TS 51.011 9.2.20): one BER-TLV whose tag is an
// envelope tag (TS 101 220 7.2, D1 to DF). SMS-PP DOWNLOAD goes to the OTA engine, the others
// to the toolkit; while a proactive session runs the answer is 93 00.
func (c *Card) cmdEnvelope(x *cmd) ([]byte, uint16) {
	if x.p1 != 0 || x.p2 != 0 {
		return nil, c.swFor(x, condP1P2)
	}
	if len(x.data) == 0 {
		return nil, SWWrongLength
	}
	r := tlv.NewReader(x.data)
	tag, _, _, err := r.ReadBER("envelope")
	if err != nil || !r.Empty() || tag < 0xD1 || tag > 0xDF {
		return nil, c.swFor(x, condBadData)
	}
	if c.tk.busy() {
		return nil, SWToolkitBusy
	}
	if tag == 0xD1 {
		return c.smsPPDownload(x)
	}
	if c.tk.handler == nil {
		return nil, SWOK
	}
	return c.tk.handler.Envelope(&Proactive{&c.tk, c}, bytes.Clone(x.data))
}

// cmdFetch hands the terminal the pending proactive command (TS 102 221 11.2.3, TS 51.011
// 9.2.21); P3 must be its length (6Cxx/67xx otherwise). A repeated FETCH before the TERMINAL
// RESPONSE gets the same command again.
func (c *Card) cmdFetch(x *cmd) ([]byte, uint16) {
	if x.p1 != 0 || x.p2 != 0 {
		return nil, c.swFor(x, condP1P2)
	}
	q := c.tk.fetched
	if q == nil {
		if len(c.tk.queue) == 0 {
			return nil, c.swFor(x, condTechnical)
		}
		q = &c.tk.queue[0]
	}
	if sw, ok := c.outLen(x, len(q.cmd)); !ok {
		return nil, sw
	}
	if c.tk.fetched == nil {
		f := c.tk.queue[0]
		c.tk.fetched = &f
		c.tk.queue = c.tk.queue[1:]
	}
	return bytes.Clone(q.cmd), SWOK
}

// cmdTerminalResponse passes the answer to the fetched command to its owner (TS 102 221
// 11.2.4, TS 51.011 9.2.22); without a fetched command it is refused.
func (c *Card) cmdTerminalResponse(x *cmd) ([]byte, uint16) {
	if x.p1 != 0 || x.p2 != 0 {
		return nil, c.swFor(x, condP1P2)
	}
	if len(x.data) == 0 {
		return nil, SWWrongLength
	}
	q := c.tk.fetched
	if q == nil {
		return nil, c.swFor(x, condTechnical)
	}
	var o tlv.CTLV
	r := tlv.NewReader(x.data)
	if err := r.ReadCTLV("terminal_response.command_details", &o); err != nil || o.Tag != 0x01 || len(o.Value) != 3 {
		return nil, c.swFor(x, condBadData)
	}
	c.tk.fetched = nil
	if q.owner == ownerCard || c.tk.handler == nil {
		return nil, SWOK
	}
	return nil, c.tk.handler.TerminalResponse(&Proactive{&c.tk, c}, q.cmd, bytes.Clone(x.data))
}
