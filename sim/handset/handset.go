package handset

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stkforge/stkforge/sim/card"
	"github.com/stkforge/stkforge/stk/cat"
)

// Card is what the handset talks to: a UICC behind T=0 (*card.Card, or a bridge to a reader).
type Card interface {
	ATR() []byte
	Transmit(capdu []byte) []byte
}

// Network takes the short messages the handset sends (sim/network's *SMSC satisfies it).
type Network interface {
	SubmitMO(from string, tpdu []byte) error
}

// Option configures a Handset.
type Option func(*Handset)

// WithClock sets the handset's clock (default: 2026-01-01 00:00:00 UTC, fixed); waits in a
// scenario move it forward.
func WithClock(now func() time.Time) Option { return func(h *Handset) { h.now = now } }

// WithIMEI sets the 15-digit IMEI that PROVIDE LOCAL INFORMATION reports.
func WithIMEI(digits string) Option { return func(h *Handset) { h.imei = digits } }

// WithLocation sets the serving cell PROVIDE LOCAL INFORMATION reports.
func WithLocation(l cat.LocationInformation) Option { return func(h *Handset) { h.location = l } }

// WithLanguage sets the handset's language (ISO 639, two letters).
func WithLanguage(code string) Option { return func(h *Handset) { h.language = code } }

// WithNetwork plugs the handset into a network for the short messages it sends; without one
// they only go to the outbox.
func WithNetwork(n Network, msisdn string) Option {
	return func(h *Handset) { h.network, h.msisdn = n, msisdn }
}

// WithUSSD sets the network's answer to SEND USSD (default: the answer "OK").
func WithUSSD(fn func(request string) (string, error)) Option {
	return func(h *Handset) { h.ussd = fn }
}

// WithExchange calls fn with every APDU exchange, after it is done (a pcap writer, a log).
func WithExchange(fn func(card.Exchange)) Option { return func(h *Handset) { h.onExchange = fn } }

// Defaults of the deterministic handset.
var (
	DefaultClock    = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	DefaultIMEI     = "355000000000019"
	DefaultLocation = cat.LocationInformation{MCC: "460", MNC: "00", LAC: 0x1234, CellID: []byte{0x00, 0x01}}
)

// ErrNotHere is a user action the current screen does not take.
var ErrNotHere = errors.New("handset: action not possible on this screen")

// Handset is a phone in front of a card: it powers the card up, downloads its TERMINAL
// PROFILE, runs the FETCH loop, turns proactive commands into screens, takes the user's
// actions and answers with TERMINAL RESPONSEs as real handsets do. All it does is recorded as
// Events. It is safe for concurrent use; every action runs alone.
type Handset struct {
	mu sync.Mutex

	card Card
	prof *Profile

	now      func() time.Time
	elapsed  time.Duration
	imei     string
	location cat.LocationInformation
	language string
	network  Network
	msisdn   string
	ussd     func(string) (string, error)

	onExchange func(card.Exchange)

	menu     *Screen // the main menu of SET UP MENU; nil when none
	idleText string
	screen   *Screen
	pending  *pending // the interactive command waiting for the user
	timers   map[uint8]timer
	eventSet []cat.Event

	events []Event
	outbox []SMS
	inbox  []SMS
	calls  []string
	urls   []string
	on     bool
	mr     byte // TP-MR of the next SMS-SUBMIT
}

type pending struct {
	raw  []byte
	cmd  cat.Command
	icon bool
	// timeout is how long the screen waits: the profile's, or the command's duration.
	timeout time.Duration
	// expiry is the result when the timeout runs out: 12 (no response) or 00 (DISPLAY TEXT
	// cleared after a delay).
	expiry cat.GeneralResult
}

type timer struct {
	start time.Time
	value time.Duration
}

// New puts a card into a handset of profile p.
func New(c Card, p *Profile, opts ...Option) *Handset {
	h := &Handset{card: c, prof: p, now: func() time.Time { return DefaultClock }, imei: DefaultIMEI,
		location: DefaultLocation, language: "en", timers: map[uint8]timer{},
		ussd: func(string) (string, error) { return "OK", nil }}
	for _, o := range opts {
		o(h)
	}
	h.screen = h.idle()
	return h
}

// Profile is the handset's profile.
func (h *Handset) Profile() *Profile { return h.prof }

// Now is the handset's clock.
func (h *Handset) Now() time.Time { return h.now().Add(h.elapsed) }

// PowerOn runs the start-up of TS 102 221 and TS 102 223 5.1: the ATR, SELECT MF with its FCP
// by GET RESPONSE, TERMINAL PROFILE, then FETCH for as long as the card has a command.
func (h *Handset) PowerOn() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.on = true
	h.note(EventPower, fmt.Sprintf("power on (%s): ATR % X", h.prof.Name, h.card.ATR()))
	if _, sw := h.apdu(0x00, 0xA4, 0x00, 0x04, []byte{0x3F, 0x00}, true); sw != card.SWOK {
		return fmt.Errorf("handset: SELECT MF answered %04X", sw)
	}
	_, sw := h.apdu(0x80, 0x10, 0x00, 0x00, h.prof.TerminalProfile.Encode(), false)
	if sw != card.SWOK && sw>>8 != 0x91 {
		return fmt.Errorf("handset: TERMINAL PROFILE answered %04X", sw)
	}
	h.pump(sw)
	h.show()
	return nil
}

// apdu sends one command. data goes as the command data (case 3) or, with none, P3 = 00; a
// case 4 command (withResponse) takes its data by GET RESPONSE after 61xx/9Fxx.
func (h *Handset) apdu(cla, ins, p1, p2 byte, data []byte, withResponse bool) ([]byte, uint16) {
	c := append([]byte{cla, ins, p1, p2, byte(len(data))}, data...)
	resp, sw := h.transmit(c)
	if withResponse && (sw>>8 == 0x61 || sw>>8 == 0x9F) {
		gr := byte(0x00) // GET RESPONSE is class 0X on a UICC, A0 on a SIM
		if cla == 0xA0 {
			gr = 0xA0
		}
		return h.transmit([]byte{gr, 0xC0, 0x00, 0x00, byte(sw)})
	}
	return resp, sw
}

func (h *Handset) transmit(c []byte) ([]byte, uint16) {
	r := h.card.Transmit(c)
	ex := card.Exchange{Command: bytes.Clone(c), Response: bytes.Clone(r)}
	h.events = append(h.events, Event{Kind: EventAPDU, Exchange: &ex})
	if h.onExchange != nil {
		h.onExchange(ex)
	}
	if len(r) < 2 {
		return nil, card.SWTechnical
	}
	return r[:len(r)-2], uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
}

// pump fetches while the card announces a proactive command (91xx) and no command waits for
// the user (TS 102 221 7.4.2).
func (h *Handset) pump(sw uint16) {
	for i := 0; sw>>8 == 0x91 && h.pending == nil; i++ {
		if i > 1000 {
			h.note(EventNote, "handset: more than 1000 proactive commands in a row; stopped")
			return
		}
		raw, fsw := h.transmit([]byte{0x80, 0x12, 0x00, 0x00, byte(sw)})
		if fsw != card.SWOK {
			h.note(EventNote, fmt.Sprintf("FETCH answered %04X (%s); no command", fsw, card.SWMeaning(fsw)))
			return
		}
		sw = h.proactive(raw)
	}
}

// respond sends the TERMINAL RESPONSE and returns the status word.
func (h *Handset) respond(tr *cat.TerminalResponse) uint16 {
	b, err := tr.Marshal()
	if err != nil {
		// the handset's own fields failed to encode: answer without them
		b, _ = (&cat.TerminalResponse{Details: tr.Details, Result: cat.Result{General: cat.ResultTerminalUnable, Additional: []byte{0x00}}}).Marshal()
		h.note(EventNote, fmt.Sprintf("handset: terminal response did not encode (%v); answered 20", err))
	}
	_, sw := h.apdu(0x80, 0x14, 0x00, 0x00, b, false)
	return sw
}

// finish answers the pending command and carries on with the session.
func (h *Handset) finish(tr *cat.TerminalResponse) {
	p := h.pending
	h.pending = nil
	if p != nil && p.icon && tr.Result.General == cat.ResultOK {
		tr.Result.General = cat.ResultIconNotDisplayed
	}
	sw := h.respond(tr)
	h.pump(sw)
	h.show()
}

// envelope sends an ENVELOPE and returns its response data and status word.
func (h *Handset) envelope(env []byte) ([]byte, uint16) {
	return h.apdu(0x80, 0xC2, 0x00, 0x00, env, true)
}

// show moves to the idle screen when no command waits, and records the screen.
func (h *Handset) show() {
	if h.pending == nil {
		h.screen = h.idle()
	}
	h.events = append(h.events, Event{Kind: EventScreen, Screen: h.screen.Render(h.prof)})
}

func (h *Handset) idle() *Screen {
	if h.menu != nil {
		s := *h.menu
		s.Items = append([]Item(nil), h.menu.Items...)
		return &s
	}
	return &Screen{Kind: ScreenIdle, Text: h.idleText}
}

func (h *Handset) note(k EventKind, s string) { h.events = append(h.events, Event{Kind: k, Text: s}) }

// Screen returns a copy of what the handset shows.
func (h *Handset) Screen() Screen {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := *h.screen
	s.Items = append([]Item(nil), s.Items...)
	return s
}

// Events returns everything recorded so far.
func (h *Handset) Events() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Event(nil), h.events...)
}

// ClearEvents forgets the record and the outbox and inbox (a long interactive or benchmark
// run keeps only what it needs).
func (h *Handset) ClearEvents() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events, h.outbox, h.inbox = nil, nil, nil
}

// Outbox returns the short messages the handset sent.
func (h *Handset) Outbox() []SMS {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]SMS(nil), h.outbox...)
}

// Inbox returns the short messages the user received (not the data downloads).
func (h *Handset) Inbox() []SMS {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]SMS(nil), h.inbox...)
}

// Calls returns the numbers SET UP CALL dialled.
func (h *Handset) Calls() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.calls...)
}
