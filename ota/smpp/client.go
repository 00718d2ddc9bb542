package smpp

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linxGnu/gosmpp"
	"github.com/linxGnu/gosmpp/data"
	"github.com/linxGnu/gosmpp/pdu"

	"github.com/stkforge/stkforge/ota/smspp"
)

// Config configures a Client. Zero fields take the defaults given.
type Config struct {
	Addr       string // SMSC host:port
	SystemID   string
	Password   string // never logged
	SystemType string
	// Source is the OTA server's address (short code or MSISDN) put in source_addr, with its
	// TON and NPI (SMPP 3.4 5.2.5, 5.2.6).
	Source    string
	SourceTON byte
	SourceNPI byte

	Window          int           // submit_sm awaiting a response, at most (default 100)
	ResponseTimeout time.Duration // per submit_sm (default 10 s)
	EnquireLink     time.Duration // idle time before an enquire_link (default 30 s)
	BindTimeout     time.Duration // dial and bind (default 10 s)
	MinBackoff      time.Duration // first reconnection delay (default 100 ms), doubled up to
	MaxBackoff      time.Duration // (default 30 s)
	// BindRetries is how many times Dial binds again, with the same backoff, after a refusal
	// that may pass: ESME_RBINDFAIL (the account's binds are all taken, a dead session still
	// counted), ESME_RSYSERR, ESME_RMSGQFUL, ESME_RTHROTTLED (default 8, about 25 s; negative:
	// none). Refused credentials and a failed dial end Dial at once.
	BindRetries int
	// ThrottleDelay is the pause after a throttling answer, doubled while they repeat up to
	// one second (default 20 ms). The window is halved at each and grows back by one per
	// window of acknowledged messages (AIMD).
	ThrottleDelay time.Duration
	// MaxRate caps submit_sm per second (0: no cap), as real SMSCs sell binds by the rate.
	MaxRate float64
	// MaxResubmits bounds the resubmissions of one message after throttling (0: no bound).
	MaxResubmits int

	OnReceipt func(Receipt) // called on gosmpp's reading goroutine: return quickly
	OnMO      func(MO)      // likewise
	// OnConnection reports binds (up) and losses of the connection with their cause.
	OnConnection func(up bool, err error)
	// Trace receives every PDU written and read, whole; the slice is valid during the call only.
	Trace func(dir Direction, pdu []byte)
	// Reassembly bounds the concatenated MO messages held (ota/smspp defaults).
	Reassembly smspp.Limits

	Dial   func(ctx context.Context, network, addr string) (net.Conn, error)
	Now    func() time.Time // clock of receipts and reassembly (default time.Now)
	Rand   *rand.Rand       // backoff jitter (default a fixed seed)
	Logger *slog.Logger     // default: discard
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Window <= 0 {
		c.Window = 100
	}
	def(&c.ResponseTimeout, 10*time.Second)
	def(&c.EnquireLink, 30*time.Second)
	def(&c.BindTimeout, 10*time.Second)
	def(&c.MinBackoff, 100*time.Millisecond)
	def(&c.MaxBackoff, 30*time.Second)
	def(&c.ThrottleDelay, 20*time.Millisecond)
	if c.BindRetries == 0 {
		c.BindRetries = 8
	}
	if c.Dial == nil {
		var d net.Dialer
		c.Dial = d.DialContext
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.New(rand.NewPCG(7, 11))
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Message is one short message to submit. OTAMessage fills in what an OTA push needs.
type Message struct {
	Dest               string // MSISDN: "+491720000001" (TON 1, NPI 1) or digits (TON 0, NPI 1)
	UD                 []byte // TP-UD, user data header included when ESMClass has UDHI
	ESMClass           byte
	ProtocolID         byte
	DataCoding         byte
	RegisteredDelivery byte
}

// OTAMessage returns the submit_sm content for one segment of a secured packet (TS 31.115 4.1,
// 6.1): esm_class 40 (UDHI), protocol_id 7F ((U)SIM data download), data_coding F6 (8-bit
// class 2), and a delivery receipt on success or failure (registered_delivery 01).
func OTAMessage(dest string, ud []byte) Message {
	return Message{Dest: dest, UD: ud, ESMClass: 0x40, ProtocolID: smspp.PIDSIMDataDownload,
		DataCoding: smspp.DCSClass2Data, RegisteredDelivery: 0x01}
}

// Result is the outcome of a submission: the SMSC's message_id, or why there is none.
type Result struct {
	MessageID string
	Err       error
	Attempts  int // submit_sm written for it (more than one after throttling)
}

// Stats counts what the client did.
type Stats struct {
	Submitted, Accepted, Throttled, Failed, Timeouts, Lost int64
	Receipts, MO, BadMO, Reconnects                        int64
	Window                                                 float64 // current AIMD window
	// Outstanding is the submit_sm written and awaiting their response now, PeakOutstanding the
	// most there ever were: neither exceeds Config.Window, whatever the SMSC does.
	Outstanding, PeakOutstanding int
}

type pending struct {
	msg      Message
	ctx      context.Context
	done     func(Result)
	attempts int
	sent     time.Time
	deadline time.Time
	gen      uint64
}

// Client is an SMPP transceiver bound to one SMSC. It is safe for concurrent use.
type Client struct {
	cfg  Config
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu          sync.Mutex
	cond        *sync.Cond
	sess        *gosmpp.Session
	gen         uint64
	connected   bool
	closed      bool
	inflight    int
	peak        int // most inflight ever
	cwnd        float64
	resumeAt    time.Time
	lastCut     time.Time // when the window was last halved
	throttleRun int
	nextSend    time.Time // MaxRate pacing
	wakeTimer   *time.Timer
	wakeTime    time.Time // when wakeTimer fires; zero when not armed
	wakeArms    int       // timers armed, for the tests
	pending     map[int32]*pending

	lastRead atomic.Int64 // unix nanos of the last PDU read
	reasmMu  sync.Mutex
	reasm    *smspp.Reassembler

	submitted, accepted, throttled, failed, timeouts, lost atomic.Int64
	receipts, mo, badMO, reconnects                        atomic.Int64
}

func newReassembler(cfg Config) *smspp.Reassembler {
	return smspp.NewReassembler(cfg.Reassembly, cfg.Now)
}

// Dial connects and binds as a transceiver; a refused bind is a *StatusError (after
// Config.BindRetries for a refusal that may pass). The client then keeps the bind up until
// Close, reconnecting with backoff after any loss.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	cfg.defaults()
	c := &Client{cfg: cfg, cwnd: float64(cfg.Window), pending: map[int32]*pending{},
		reasm: newReassembler(cfg)}
	c.cond = sync.NewCond(&c.mu)
	c.ctx, c.stop = context.WithCancel(context.Background())
	delay := cfg.MinBackoff
	var sess *gosmpp.Session
	for try := 0; ; try++ {
		var err error
		if sess, err = c.connect(ctx, c.gen+1); err == nil {
			break
		}
		var se *StatusError
		if !errors.As(err, &se) || !transientBind(se.Status) || try >= cfg.BindRetries {
			c.stop()
			return nil, err
		}
		cfg.Logger.Warn("smpp bind refused; binding again", "status", se.Status.String(), "next_in", delay)
		c.notify(false, err)
		select {
		case <-ctx.Done():
			c.stop()
			return nil, err
		case <-time.After(time.Duration(float64(delay) * (0.8 + 0.4*cfg.Rand.Float64()))):
		}
		delay = min(2*delay, cfg.MaxBackoff)
	}
	c.mu.Lock()
	c.gen++
	c.sess, c.connected = sess, true
	c.mu.Unlock()
	c.notify(true, nil)
	c.wg.Add(1)
	go c.housekeeping()
	return c, nil
}

// transientBind says whether a bind refused with st may be accepted later (SMPP 3.4 5.1.3):
// the SMSC is busy or the account's binds are taken, as opposed to credentials it does not know.
func transientBind(st Status) bool {
	switch st {
	case RSysErr, RBindFail, RMsgQFul, RThrottled:
		return true
	}
	return false
}

func (c *Client) notify(up bool, err error) {
	if c.cfg.OnConnection != nil {
		c.cfg.OnConnection(up, err)
	}
}

func (c *Client) connect(ctx context.Context, gen uint64) (*gosmpp.Session, error) {
	codes := &codings{m: map[int32]byte{}}
	settings := gosmpp.Settings{
		// No WriteTimeout: writes only queue (tracedConn), and a dead peer shows as a read
		// timeout, which closes the connection.
		ReadTimeout: c.cfg.EnquireLink + c.cfg.ResponseTimeout,
		OnAllPDU:    func(p pdu.PDU) (pdu.PDU, bool) { return c.handle(codes, p) },
		OnClosed:    func(st gosmpp.State) { c.lostConnection(gen, st) },
		OnReceivingError: func(err error) {
			c.cfg.Logger.Info("smpp read", "err", err)
		},
		OnSubmitError: func(_ pdu.PDU, err error) {
			c.cfg.Logger.Info("smpp write", "err", err)
		},
	}
	c.lastRead.Store(time.Now().UnixNano())
	return gosmpp.NewSession(&connector{cfg: &c.cfg, ctx: ctx, codes: codes}, settings, -1)
}

// lostConnection fails the submit_sm awaiting a response on connection gen and starts
// reconnecting.
func (c *Client) lostConnection(gen uint64, st gosmpp.State) {
	c.mu.Lock()
	if gen != c.gen || !c.connected {
		c.mu.Unlock()
		return
	}
	c.connected = false
	var lost []*pending
	for seq, p := range c.pending {
		if p.gen == gen {
			lost = append(lost, p)
			delete(c.pending, seq)
			c.inflight--
		}
	}
	closed := c.closed
	c.cond.Broadcast()
	c.mu.Unlock()
	c.lost.Add(int64(len(lost)))
	for _, p := range lost {
		p.done(Result{Err: ErrConnectionLost, Attempts: p.attempts})
	}
	if closed {
		return
	}
	c.cfg.Logger.Warn("smpp connection lost", "state", st.String(), "in_flight_failed", len(lost))
	c.notify(false, ErrConnectionLost)
	c.wg.Add(1)
	go c.reconnect()
}

func (c *Client) reconnect() {
	defer c.wg.Done()
	delay := c.cfg.MinBackoff
	for {
		c.mu.Lock()
		jitter := 0.8 + 0.4*c.cfg.Rand.Float64()
		c.mu.Unlock()
		select {
		case <-c.ctx.Done():
			return
		case <-time.After(time.Duration(float64(delay) * jitter)):
		}
		c.mu.Lock()
		gen := c.gen + 1
		c.mu.Unlock()
		sess, err := c.connect(c.ctx, gen)
		if err != nil {
			c.cfg.Logger.Info("smpp reconnect failed", "err", err, "next_in", delay)
			c.notify(false, err)
			delay = min(2*delay, c.cfg.MaxBackoff)
			continue
		}
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			_ = sess.Close()
			return
		}
		c.gen = gen
		c.sess, c.connected = sess, true
		c.cond.Broadcast()
		c.mu.Unlock()
		c.reconnects.Add(1)
		c.notify(true, nil)
		return
	}
}

// housekeeping times out submit_sm without a response and sends enquire_link when idle.
func (c *Client) housekeeping() {
	defer c.wg.Done()
	tick := time.NewTicker(min(c.cfg.ResponseTimeout/4, c.cfg.EnquireLink/2, time.Second))
	defer tick.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case now := <-tick.C:
			c.expire(now)
			if now.Sub(time.Unix(0, c.lastRead.Load())) >= c.cfg.EnquireLink {
				c.mu.Lock()
				sess, up := c.sess, c.connected
				c.mu.Unlock()
				if up {
					_ = sess.Transceiver().Submit(pdu.NewEnquireLink())
				}
			}
		}
	}
}

func (c *Client) expire(now time.Time) {
	c.mu.Lock()
	var late []*pending
	for seq, p := range c.pending {
		if now.After(p.deadline) {
			late = append(late, p)
			delete(c.pending, seq)
			c.inflight--
		}
	}
	if len(late) > 0 {
		c.cond.Broadcast()
	}
	c.mu.Unlock()
	c.timeouts.Add(int64(len(late)))
	for _, p := range late {
		p.done(Result{Err: ErrTimeout, Attempts: p.attempts})
	}
}

// Submit sends m and waits for its outcome.
func (c *Client) Submit(ctx context.Context, m Message) (string, error) {
	ch := make(chan Result, 1)
	if err := c.SubmitAsync(ctx, m, func(r Result) { ch <- r }); err != nil {
		return "", err
	}
	select {
	case r := <-ch:
		return r.MessageID, r.Err
	case <-ctx.Done():
		// the outcome still arrives in ch (buffered); the caller no longer waits for it
		return "", ctx.Err()
	}
}

// SubmitAsync waits for room in the window (and for the throttling pause, the rate cap and a
// bound connection), writes the submit_sm and returns; done is called exactly once with the
// outcome, on the client's reading goroutine (return quickly). An error return means the
// message was not sent and done will
// not be called.
func (c *Client) SubmitAsync(ctx context.Context, m Message, done func(Result)) error {
	if len(m.UD) > smspp.MaxUserData {
		return ErrTooLong
	}
	sm, err := c.submitSM(m)
	if err != nil {
		return err
	}
	return c.send(ctx, &pending{msg: m, ctx: ctx, done: done}, sm)
}

// submitSM builds the submit_sm (SMPP 3.4 4.4.1) without optional parameters, so that its
// octets are the same from run to run.
func (c *Client) submitSM(m Message) (*pdu.SubmitSM, error) {
	s := pdu.NewSubmitSM().(*pdu.SubmitSM)
	s.SourceAddr = pdu.NewAddressWithTonNpi(c.cfg.SourceTON, c.cfg.SourceNPI)
	if err := s.SourceAddr.SetAddress(c.cfg.Source); err != nil {
		return nil, err
	}
	ton := byte(0)
	dest, intl := strings.CutPrefix(m.Dest, "+")
	if intl {
		ton = 1
	}
	s.DestAddr = pdu.NewAddressWithTonNpi(ton, 1)
	if err := s.DestAddr.SetAddress(dest); err != nil {
		return nil, err
	}
	s.EsmClass = m.ESMClass
	s.ProtocolID = m.ProtocolID
	s.RegisteredDelivery = m.RegisteredDelivery
	// The whole TP-UD goes in short_message as given; gosmpp would otherwise re-encode a UDH.
	if err := s.Message.SetMessageDataWithEncoding(m.UD, rawCoding(m.DataCoding)); err != nil {
		return nil, err
	}
	return s, nil
}

// rawCoding is a gosmpp data.Encoding that passes octets through and names any data_coding,
// F6 included (gosmpp has 04 built in, not the GSM coding group values).
type rawCoding byte

func (r rawCoding) Encode(s string) ([]byte, error) { return []byte(s), nil }
func (r rawCoding) Decode(b []byte) (string, error) { return string(b), nil }
func (r rawCoding) DataCoding() byte                { return byte(r) }

func (c *Client) send(ctx context.Context, p *pending, sm *pdu.SubmitSM) error {
	stopWake := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer stopWake()
	c.mu.Lock()
	for {
		if c.closed {
			c.mu.Unlock()
			return ErrClosed
		}
		if err := ctx.Err(); err != nil {
			c.mu.Unlock()
			return err
		}
		now := time.Now()
		if c.connected && c.inflight < max(1, int(c.cwnd)) {
			wait := max(c.resumeAt.Sub(now), c.nextSend.Sub(now))
			if wait <= 0 {
				break
			}
			c.wakeAt(now.Add(wait))
		}
		c.cond.Wait()
	}
	if c.cfg.MaxRate > 0 {
		now := time.Now()
		if floor := now.Add(-time.Second / 10); c.nextSend.Before(floor) {
			c.nextSend = floor // a burst of at most a tenth of a second after idling
		}
		c.nextSend = c.nextSend.Add(time.Duration(float64(time.Second) / c.cfg.MaxRate))
	}
	sm.AssignSequenceNumber()
	seq := sm.GetSequenceNumber()
	p.attempts++
	p.sent = time.Now()
	p.deadline = p.sent.Add(c.cfg.ResponseTimeout)
	p.gen = c.gen
	c.pending[seq] = p
	c.inflight++
	c.peak = max(c.peak, c.inflight)
	sess := c.sess
	c.mu.Unlock()
	c.submitted.Add(1)
	// recorded before writing: the response may come before Submit returns
	if err := sess.Transceiver().Submit(sm); err != nil {
		c.mu.Lock()
		mine := c.pending[seq] == p
		if mine {
			delete(c.pending, seq)
			c.inflight--
		}
		c.mu.Unlock()
		if mine {
			p.attempts--
			return c.send(ctx, p, sm) // not written: wait for the next connection
		}
	}
	return nil
}

// wakeAt arms the client's one wake-up timer for senders waiting out a throttling pause or the
// rate cap (c.mu held). One timer whatever the number of waiting senders: a timer per sender
// and wake-up grew with window x responses during a throttling storm.
func (c *Client) wakeAt(at time.Time) {
	if !c.wakeTime.IsZero() && !c.wakeTime.After(at) {
		return // an earlier wake-up is armed; the woken senders arm the next
	}
	c.wakeTime = at
	c.wakeArms++
	if c.wakeTimer == nil {
		c.wakeTimer = time.AfterFunc(time.Until(at), c.wake)
	} else {
		c.wakeTimer.Reset(time.Until(at))
	}
}

func (c *Client) wake() {
	c.mu.Lock()
	c.wakeTime = time.Time{}
	c.cond.Broadcast()
	c.mu.Unlock()
}

// maxThrottlePause bounds the doubling pause after repeated throttling answers.
const maxThrottlePause = time.Second

// response settles the submit_sm with sequence number seq.
func (c *Client) response(seq int32, st Status, msgID string, nack bool) {
	c.mu.Lock()
	p, ok := c.pending[seq]
	if !ok {
		c.mu.Unlock()
		return
	}
	delete(c.pending, seq)
	c.inflight--
	c.cond.Broadcast()
	if st == RThrottled || st == RMsgQFul {
		// One congestion event per round: answers to submit_sm written before the last cut
		// say nothing new and do not cut again (as TCP's fast recovery).
		if now := time.Now(); p.sent.After(c.lastCut) {
			c.cwnd = max(1, c.cwnd/2)
			pause := min(c.cfg.ThrottleDelay<<min(c.throttleRun, 10), maxThrottlePause)
			c.throttleRun++
			c.lastCut = now
			c.resumeAt = now.Add(pause)
		}
		c.mu.Unlock()
		c.throttled.Add(1)
		if c.cfg.MaxResubmits > 0 && p.attempts > c.cfg.MaxResubmits {
			c.failed.Add(1)
			p.done(Result{Err: ErrThrottled, Attempts: p.attempts})
			return
		}
		go func() {
			sm, err := c.submitSM(p.msg)
			if err == nil {
				err = c.send(p.ctx, p, sm)
			}
			if err != nil {
				c.failed.Add(1)
				p.done(Result{Err: err, Attempts: p.attempts})
			}
		}()
		return
	}
	if st == ROK && !nack {
		c.throttleRun = 0
		c.cwnd = min(float64(c.cfg.Window), c.cwnd+1/c.cwnd)
		c.mu.Unlock()
		c.accepted.Add(1)
		p.done(Result{MessageID: msgID, Attempts: p.attempts})
		return
	}
	c.mu.Unlock()
	c.failed.Add(1)
	p.done(Result{Err: &StatusError{Command: "submit_sm", Status: st, Nack: nack}, Attempts: p.attempts})
}

// handle answers and dispatches one PDU read on a connection (gosmpp's OnAllPDU).
func (c *Client) handle(codes *codings, p pdu.PDU) (pdu.PDU, bool) {
	c.lastRead.Store(time.Now().UnixNano())
	h := p.GetHeader()
	switch q := p.(type) {
	case *pdu.SubmitSMResp:
		c.response(h.SequenceNumber, Status(h.CommandStatus), q.MessageID, false)
	case *pdu.GenericNack:
		c.response(h.SequenceNumber, Status(h.CommandStatus), "", true)
	case *pdu.DeliverSM:
		dc, _ := codes.take(h.SequenceNumber)
		c.deliver(q, dc)
		return q.GetResponse(), false
	case *pdu.EnquireLink:
		return q.GetResponse(), false
	case *pdu.Unbind:
		return q.GetResponse(), true
	case *pdu.EnquireLinkResp, *pdu.UnbindResp:
	default:
		if p.CanResponse() {
			n := pdu.NewGenericNack()
			n.SetSequenceNumber(h.SequenceNumber)
			n.(*pdu.GenericNack).CommandStatus = data.ESME_RINVCMDID
			return n, false
		}
	}
	return nil, false
}

// Close unbinds and closes; submissions still waiting for a response end with ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	sess := c.sess
	if c.wakeTimer != nil {
		c.wakeTimer.Stop()
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	c.stop()
	var err error
	if sess != nil {
		err = sess.Close()
	}
	c.wg.Wait()
	c.mu.Lock()
	rest := c.pending
	c.pending = map[int32]*pending{}
	c.inflight = 0
	c.mu.Unlock()
	for _, p := range rest {
		p.done(Result{Err: ErrClosed, Attempts: p.attempts})
	}
	return err
}

// Stats returns the counters so far.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	w, out, peak := c.cwnd, len(c.pending), c.peak
	c.mu.Unlock()
	return Stats{Submitted: c.submitted.Load(), Accepted: c.accepted.Load(), Throttled: c.throttled.Load(),
		Failed: c.failed.Load(), Timeouts: c.timeouts.Load(), Lost: c.lost.Load(), Receipts: c.receipts.Load(),
		MO: c.mo.Load(), BadMO: c.badMO.Load(), Reconnects: c.reconnects.Load(), Window: w,
		Outstanding: out, PeakOutstanding: peak}
}
