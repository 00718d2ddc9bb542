package network

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/sim/trace"
)

// Handset is what the SMSC delivers mobile terminated short messages to: the simulated handset
// with its card. DeliverSMS receives an SMS-DELIVER TPDU (TS 23.040 9.2.2.1) and returns the
// SMS-DELIVER-REPORT TPDU of the RP-ACK (9.2.2.1a, may be nil), or an error for an RP-ERROR.
type Handset interface {
	DeliverSMS(ctx context.Context, tpdu []byte) (report []byte, err error)
}

// HandsetFunc adapts a function to Handset.
type HandsetFunc func(ctx context.Context, tpdu []byte) ([]byte, error)

// DeliverSMS calls f.
func (f HandsetFunc) DeliverSMS(ctx context.Context, tpdu []byte) ([]byte, error) {
	return f(ctx, tpdu)
}

// Faults are the troubles the virtual SMSC injects, each as a real SMSC shows it; every random
// choice comes from Config.Rand.
type Faults struct {
	// Latency delays each MT delivery after its submit_sm_resp.
	Latency time.Duration
	// Loss is the fraction of MT messages dropped after their submit_sm_resp.
	Loss float64
	// LossReceipt sends an UNDELIV receipt for a lost message when one was asked for; without
	// it the loss is silent, as when a network loses a message without telling.
	LossReceipt bool
	// ThrottleRate is the submit_sm rate per second over all binds (the account's licence)
	// above which submit_sm is answered ESME_RTHROTTLED (0: no limit); ThrottleBurst is the
	// bucket size (default rate/10, at least 1).
	ThrottleRate  float64
	ThrottleBurst int
	// BindRate is the submit_sm rate per second each bind may send (0: no limit), above it
	// ESME_RTHROTTLED; BindBurst is its bucket (default rate/10, at least 1). SMSCs license
	// throughput per bind, so N binds of one account (N server nodes) get N times the rate,
	// up to ThrottleRate when both are set.
	BindRate  float64
	BindBurst int
	// StormFor and StormEvery make throttling storms: for StormFor at the start of every
	// StormEvery (on Config.Now, counted from Listen or SetFaults) every submit_sm is answered
	// ESME_RTHROTTLED, as an SMSC does while its own downstream (an HLR, an MSC) is congested.
	StormFor, StormEvery time.Duration
	// QueueFull is the fraction of submit_sm answered ESME_RMSGQFUL at random, besides the
	// answers a really full delivery queue gives.
	QueueFull float64
	// GenericNack is the fraction of submit_sm answered with a generic_nack of status
	// GenericNackStatus (default ESME_RSYSERR) instead of a submit_sm_resp, as SMSCs do under
	// overload or for a PDU they cannot take: the message is not accepted (SMPP 3.4 4.3.1) and
	// never delivered.
	GenericNack       float64
	GenericNackStatus Status
	// ResponseDelay holds every submit_sm_resp back this long; the message is accepted and
	// delivered meanwhile, so a PoR may reach the ESME before the response. A slow SMSC: the
	// ESME's window fills and its throughput becomes window / delay.
	ResponseDelay time.Duration
	// RefuseBinds answers the first n binds with good credentials (after Listen or SetFaults)
	// with RefuseBindStatus (default ESME_RBINDFAIL), then accepts them: an SMSC that still
	// counts a dead session against the account's bind limit, or is restarting.
	RefuseBinds      int
	RefuseBindStatus Status
	// DisconnectAfter closes a session when it sends its n-th submit_sm, leaving it unanswered
	// (0: never); every session of the SMSC closes after its n-th, a flapping link.
	// With DisconnectIdle the session first stops answering anything and reads on until no PDU
	// has come for DisconnectIdle (the ESME's window is full), then closes: a whole window of
	// submit_sm unanswered and never delivered, as when the link dies under load.
	DisconnectAfter int
	DisconnectIdle  time.Duration
}

// Config configures an SMSC.
type Config struct {
	// Addr to listen on; default "127.0.0.1:0" (an ephemeral port).
	Addr string
	// Accounts maps system_id to password; binds are checked against it.
	Accounts map[string]string
	// Routes maps a destination address (digits, no "+") of MO messages to the system_id of
	// the ESME that receives them (an OTA server's short code, a bank's number).
	Routes map[string]string
	// SystemID is the SMSC's own, sent in bind responses; default "stkforge".
	SystemID string
	// Workers delivering MT messages to handsets (default 64); messages to one MSISDN always go
	// through the same worker, in order. QueueSize bounds the messages waiting for delivery over
	// all workers (default 8192); beyond it submit_sm is answered ESME_RMSGQFUL.
	Workers   int
	QueueSize int
	// MaxOutbox bounds the deliver_sm waiting for each ESME (default 100000); when it is full,
	// deliveries wait for room (see enqueue).
	MaxOutbox int
	// DeliverWindow bounds the deliver_sm awaiting a response on one session (default 100).
	DeliverWindow int
	// ForwardReportPoR sends the PoR a handset returns in its SMS-DELIVER-REPORT to the
	// submitting ESME as a deliver_sm; real SMSCs rarely do this (DESIGN.md).
	ForwardReportPoR bool
	Faults           Faults
	// Now is the clock for SCTS, receipt dates and throttling (default time.Now).
	Now func() time.Time
	// Rand drives the injected faults (default a fixed seed).
	Rand *rand.Rand
	// Trace, when set, receives every PDU of every session, one TCP stream per session.
	Trace *trace.Writer
	// Logger for session events; passwords are never logged. Default: discard.
	Logger *slog.Logger
}

// Errors of SubmitMO.
var (
	ErrNoRoute = errors.New("network: no route to the destination")
	ErrClosed  = errors.New("network: SMSC closed")
)

// Stats counts what the SMSC did.
type Stats struct {
	Binds, BindsRefused       int64
	Submits                   int64 // submit_sm accepted (answered ESME_ROK)
	Throttled, QueueFull      int64 // submit_sm answered 58 and 14
	Delivered, Failed, Lost   int64 // MT outcomes
	Receipts                  int64 // delivery receipts queued
	MO                        int64 // MO messages queued for ESMEs
	DeliverSMSent, DeliverAck int64 // deliver_sm written and answered ESME_ROK
	GenericNacks              int64
	// Unanswered counts the submit_sm read and left without any answer by DisconnectAfter.
	Unanswered int64
}

type stats struct {
	binds, bindsRefused, submits, throttled, queueFull, delivered, failed, lost, receipts, mo, dsmSent, dsmAck, nacks, unanswered atomic.Int64
}

// SMSC is the virtual short message service centre: an SMPP 3.4 server on TCP.
type SMSC struct {
	cfg Config
	ln  net.Listener
	ctx context.Context
	end context.CancelFunc
	wg  sync.WaitGroup

	mu           sync.Mutex
	handsets     map[string]Handset
	esmes        map[string]*esme
	sessions     map[*session]struct{}
	faults       Faults
	rnd          *rand.Rand
	account      bucket    // Faults.ThrottleRate, over all binds
	faultsAt     time.Time // when the faults were set: storms count from here
	bindsRefused int       // binds refused by Faults.RefuseBinds since then
	closed       bool

	msgID  atomic.Uint64
	queues []chan *job
	queued atomic.Int64
	st     stats
}

// esme is the store-and-forward outbox of one system_id: deliver_sm wait here until one of its
// receiver or transceiver sessions takes them.
type esme struct {
	mu       sync.Mutex
	cond     *sync.Cond // outbox not empty, or sessions closing
	room     *sync.Cond // outbox below MaxOutbox, or the SMSC closing
	outbox   []*outMsg
	sessions int
}

type outMsg struct {
	sm       *SM
	attempts int
}

type job struct {
	sm        *SM
	id        string
	systemID  string
	submitted time.Time
	due       time.Time
	// answered is closed once the submit_sm_resp carrying id is queued on the submitting
	// session: a receipt or forwarded PoR for the message waits for it, so that on that
	// session the ESME never sees a deliver_sm naming a message_id before the response
	// that gave it: the ESME learns the id from submit_sm_resp (SMPP 3.4 4.4.2) and matches
	// the receipt's receipted_message_id against it (5.3.2.12).
	answered chan struct{}
}

// Listen starts an SMSC on cfg.Addr.
func Listen(cfg Config) (*SMSC, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.SystemID == "" {
		cfg.SystemID = "stkforge"
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 64
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 8192
	}
	if cfg.MaxOutbox <= 0 {
		cfg.MaxOutbox = 100000
	}
	if cfg.DeliverWindow <= 0 {
		cfg.DeliverWindow = 100
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(1, 2))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	s := &SMSC{cfg: cfg, ln: ln, handsets: map[string]Handset{}, esmes: map[string]*esme{},
		sessions: map[*session]struct{}{}, faults: cfg.Faults, rnd: cfg.Rand, faultsAt: cfg.Now()}
	s.ctx, s.end = context.WithCancel(context.Background())
	per := max(1, cfg.QueueSize/cfg.Workers)
	s.queues = make([]chan *job, cfg.Workers)
	for i := range s.queues {
		s.queues[i] = make(chan *job, per)
		s.wg.Add(1)
		go s.worker(s.queues[i])
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is the address the SMSC listens on.
func (s *SMSC) Addr() net.Addr { return s.ln.Addr() }

// Register attaches a handset to an MSISDN ("+491720000001" or digits; the "+" is ignored).
func (s *SMSC) Register(msisdn string, h Handset) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handsets[strings.TrimPrefix(msisdn, "+")] = h
}

// SetFaults replaces the injected faults while the SMSC runs; storms and refused binds count
// from now.
func (s *SMSC) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.faultsAt = s.cfg.Now()
	s.bindsRefused = 0
}

// faultsNow returns the faults in force.
func (s *SMSC) faultsNow() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Stats returns the counters so far.
func (s *SMSC) Stats() Stats {
	return Stats{Binds: s.st.binds.Load(), BindsRefused: s.st.bindsRefused.Load(), Submits: s.st.submits.Load(),
		Throttled: s.st.throttled.Load(), QueueFull: s.st.queueFull.Load(), Delivered: s.st.delivered.Load(),
		Failed: s.st.failed.Load(), Lost: s.st.lost.Load(), Receipts: s.st.receipts.Load(), MO: s.st.mo.Load(),
		DeliverSMSent: s.st.dsmSent.Load(), DeliverAck: s.st.dsmAck.Load(), GenericNacks: s.st.nacks.Load(),
		Unanswered: s.st.unanswered.Load()}
}

// Outbox is the number of deliver_sm waiting for systemID (not yet written or not answered).
func (s *SMSC) Outbox(systemID string) int {
	e := s.esme(systemID)
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.outbox)
}

// Disconnect closes every session bound as systemID, as a network failure would.
func (s *SMSC) Disconnect(systemID string) int {
	s.mu.Lock()
	var ss []*session
	for c := range s.sessions {
		if c.systemID.Load() != nil && *c.systemID.Load() == systemID {
			ss = append(ss, c)
		}
	}
	s.mu.Unlock()
	for _, c := range ss {
		c.close()
	}
	return len(ss)
}

// Close stops listening, closes every session and waits for the workers.
func (s *SMSC) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	ss := make([]*session, 0, len(s.sessions))
	for c := range s.sessions {
		ss = append(ss, c)
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.end()
	for _, c := range ss {
		c.close()
	}
	for _, e := range s.allESMEs() {
		e.mu.Lock()
		e.cond.Broadcast()
		e.room.Broadcast()
		e.mu.Unlock()
	}
	s.wg.Wait()
	return err
}

func (s *SMSC) allESMEs() []*esme {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*esme, 0, len(s.esmes))
	for _, e := range s.esmes {
		out = append(out, e)
	}
	return out
}

func (s *SMSC) esme(systemID string) *esme {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.esmes[systemID]
	if e == nil {
		e = &esme{}
		e.cond = sync.NewCond(&e.mu)
		e.room = sync.NewCond(&e.mu)
		s.esmes[systemID] = e
	}
	return e
}

// enqueue puts a deliver_sm in systemID's outbox.
func (s *SMSC) enqueue(systemID string, sm *SM) error {
	e := s.esme(systemID)
	e.mu.Lock()
	defer e.mu.Unlock()
	// A full outbox holds the delivering worker until the ESME takes deliver_sm again, as an
	// SMSC whose store is full stops taking traffic: its MT queue then fills and submit_sm is
	// answered ESME_RMSGQFUL, so the ESME slows down. Nothing is dropped and memory stays
	// bounded by MaxOutbox.
	for len(e.outbox) >= s.cfg.MaxOutbox {
		if s.ctx.Err() != nil {
			return ErrClosed
		}
		e.room.Wait()
	}
	e.outbox = append(e.outbox, &outMsg{sm: sm})
	e.cond.Signal()
	return nil
}

// SubmitMO takes a handset's SMS-SUBMIT TPDU (TS 23.040 9.2.2.2), a PoR sent by SEND SHORT
// MESSAGE or a payment message, and queues it as a deliver_sm for the ESME that the routing
// table names for its TP-DA. It returns once the message is queued, not delivered.
func (s *SMSC) SubmitMO(from string, tpdu []byte) error {
	if s.ctx.Err() != nil {
		return ErrClosed
	}
	sm, err := moSM(from, tpdu)
	if err != nil {
		return err
	}
	sys, ok := s.cfg.Routes[sm.Dest]
	if !ok {
		return fmt.Errorf("%w %q", ErrNoRoute, sm.Dest)
	}
	if err := s.enqueue(sys, sm); err != nil {
		return err
	}
	s.st.mo.Add(1)
	return nil
}

func (s *SMSC) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.serve(c)
	}
}

// ServeConn runs an SMPP session on c, a connection made elsewhere (net.Pipe in tests, a
// listener of the caller's), until it ends.
func (s *SMSC) ServeConn(c net.Conn) {
	if sess := s.serve(c); sess != nil {
		<-sess.ended
	}
}

func (s *SMSC) serve(c net.Conn) *session {
	sess := s.newSession(c)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close()
		return nil
	}
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()
	s.wg.Add(2)
	go sess.readLoop()
	go sess.writeLoop()
	return sess
}

// throttle decides the fate of one submit_sm of bind b before it is queued: a storm, the
// bind's bucket, the account's bucket (ESME_RTHROTTLED), or a random full queue.
func (s *SMSC) throttle(b *bucket) (throttled, queueFull bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	now := s.cfg.Now()
	if f.StormFor > 0 && f.StormEvery > 0 && now.Sub(s.faultsAt)%f.StormEvery < f.StormFor {
		return true, false
	}
	if f.QueueFull > 0 && s.rnd.Float64() < f.QueueFull {
		return false, true
	}
	if f.BindRate > 0 && !b.take(now, f.BindRate, f.BindBurst) {
		return true, false
	}
	if f.ThrottleRate > 0 && !s.account.take(now, f.ThrottleRate, f.ThrottleBurst) {
		return true, false
	}
	return false, false
}

// bucket is a token bucket of submit_sm: rate per second, burst tokens at most (default
// rate/10, at least 1), full at its first use.
type bucket struct {
	tokens float64
	at     time.Time
	filled bool
}

func (b *bucket) take(now time.Time, rate float64, burst int) bool {
	size := float64(burst)
	if size <= 0 {
		size = max(1, rate/10)
	}
	if !b.filled {
		b.tokens, b.at, b.filled = size, now, true
	}
	b.tokens = min(size, b.tokens+max(0, now.Sub(b.at).Seconds())*rate)
	b.at = now
	if b.tokens < 1-1e-9 { // 1e-9: ten additions of 0.1 token make one
		return false
	}
	b.tokens--
	return true
}

func shard(msisdn string, n int) int {
	h := uint32(2166136261)
	for i := 0; i < len(msisdn); i++ {
		h = (h ^ uint32(msisdn[i])) * 16777619
	}
	return int(h % uint32(n))
}

// submit queues an accepted submit_sm for delivery, or says why not. For an accepted message
// the caller must close answered once its submit_sm_resp is queued (see job.answered).
func (s *SMSC) submit(systemID string, b *bucket, sm *SM, answered chan struct{}) (string, Status) {
	if sm.Dest == "" {
		return "", RInvDstAdr
	}
	if _, ok := tpDCS(sm.DataCoding); !ok {
		return "", RSubmitFail
	}
	if _, _, err := splitShortMessage(sm.ESMClass&ESMClassUDHI != 0, sm.ShortMessage); err != nil {
		return "", RSubmitFail // UDHI set, but no well-formed user data header to deliver
	}
	if throttled, full := s.throttle(b); throttled {
		s.st.throttled.Add(1)
		return "", RThrottled
	} else if full {
		s.st.queueFull.Add(1)
		return "", RMsgQFul
	}
	now := s.cfg.Now()
	s.mu.Lock()
	lat := s.faults.Latency
	s.mu.Unlock()
	id := strconv.FormatUint(s.msgID.Add(1), 10)
	j := &job{sm: sm, id: id, systemID: systemID, submitted: now, due: time.Now().Add(lat), answered: answered}
	select {
	case s.queues[shard(sm.Dest, len(s.queues))] <- j:
	default:
		s.st.queueFull.Add(1)
		return "", RMsgQFul
	}
	s.st.submits.Add(1)
	return id, ROK
}

func (s *SMSC) worker(q chan *job) {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case j := <-q:
			if d := time.Until(j.due); d > 0 {
				select {
				case <-time.After(d):
				case <-s.ctx.Done():
					return
				}
			}
			s.deliver(j)
		}
	}
}

// Network error codes in failed receipts (GSM MAP errors as network_error_code, SMPP 3.4 5.3.2.31).
const (
	netErrAbsentSubscriber  uint16 = 27
	netErrSystemFailure     uint16 = 34
	netErrUnknownSubscriber uint16 = 1
)

func (s *SMSC) deliver(j *job) {
	s.mu.Lock()
	lost := s.faults.Loss > 0 && s.rnd.Float64() < s.faults.Loss
	lossReceipt := s.faults.LossReceipt
	h := s.handsets[strings.TrimPrefix(j.sm.Dest, "+")]
	s.mu.Unlock()
	rd := j.sm.RegisteredDelivery & 0x03
	fail := func(code uint16) {
		s.st.failed.Add(1)
		if rd == 1 || rd == 2 {
			s.receipt(j, Undeliverable, code)
		}
	}
	if lost {
		s.st.lost.Add(1)
		if lossReceipt && (rd == 1 || rd == 2) {
			s.receipt(j, Undeliverable, netErrAbsentSubscriber)
		}
		return
	}
	if h == nil {
		fail(netErrUnknownSubscriber)
		return
	}
	t, err := DeliverTPDU(j.sm, s.cfg.Now())
	if err != nil {
		s.cfg.Logger.Warn("MT not deliverable", "id", j.id, "err", err)
		fail(netErrSystemFailure)
		return
	}
	report, err := h.DeliverSMS(s.ctx, t)
	if err != nil {
		fail(netErrSystemFailure)
		return
	}
	s.st.delivered.Add(1)
	if rd == 1 {
		s.receipt(j, Delivered, 0)
	}
	if s.cfg.ForwardReportPoR && report != nil {
		s.forwardPoR(j, report)
	}
}

// waitAnswered waits until the submit_sm_resp of j is queued, or the SMSC closes.
func (s *SMSC) waitAnswered(j *job) bool {
	select {
	case <-j.answered:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// afterAnswered runs f once the submit_sm_resp of j is queued: at once when it is, else on a
// goroutine of its own, so that a held response (Faults.ResponseDelay) does not stop the worker
// delivering the next messages of its queue.
func (s *SMSC) afterAnswered(j *job, f func()) {
	select {
	case <-j.answered:
		f()
		return
	default:
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if s.waitAnswered(j) {
			f()
		}
	}()
}

func (s *SMSC) receipt(j *job, state MessageState, code uint16) {
	done := s.cfg.Now()
	s.afterAnswered(j, func() {
		if s.enqueue(j.systemID, receiptSM(j.sm, j.id, j.submitted, done, state, code)) == nil {
			s.st.receipts.Add(1)
		}
	})
}

// forwardPoR sends the response packet of an SMS-DELIVER-REPORT (TS 31.115 5.1) to the ESME
// that submitted the command, as an MO deliver_sm from the handset: esm_class 40, PID 7F, DCS F6.
func (s *SMSC) forwardPoR(j *job, report []byte) {
	r, err := smspp.ParseDeliverReport(report, false)
	if err != nil || r.UD == nil || !r.UDHI {
		return
	}
	if p, err := smspp.ParseUserData(r.UD); err != nil || p.Kind != smspp.ResponsePacket {
		return
	}
	sm := &SM{SourceTON: j.sm.DestTON, SourceNPI: j.sm.DestNPI, Source: j.sm.Dest,
		DestTON: j.sm.SourceTON, DestNPI: j.sm.SourceNPI, Dest: j.sm.Source,
		ESMClass: ESMClassUDHI, ProtocolID: smspp.PIDSIMDataDownload, DataCoding: smspp.DCSClass2Data, ShortMessage: r.UD}
	s.afterAnswered(j, func() {
		if s.enqueue(j.systemID, sm) == nil {
			s.st.mo.Add(1)
		}
	})
}

// session is one TCP connection from an ESME.
type session struct {
	s        *SMSC
	conn     net.Conn
	out      chan []byte
	done     chan struct{}
	ended    chan struct{} // closed when finish is over
	once     sync.Once
	stream   *trace.SMPPStream
	bound    atomic.Uint32 // the bind command_id once bound
	systemID atomic.Pointer[string]
	submits  int
	rate     bucket // Faults.BindRate of this bind; the reader's alone
	seq      atomic.Uint32
	// mute is set by DisconnectAfter with DisconnectIdle: the reader answers nothing more and
	// notes when it last read a PDU, until the session closes.
	mute     atomic.Bool
	lastRead atomic.Int64 // unix nanos

	mu       sync.Mutex
	inflight map[uint32]*outMsg
	finished bool // set by finish under mu: later deliver_sm go back to the outbox
	window   chan struct{}
}

func (s *SMSC) newSession(c net.Conn) *session {
	sess := &session{s: s, conn: c, out: make(chan []byte, 256), done: make(chan struct{}), ended: make(chan struct{}),
		inflight: map[uint32]*outMsg{}, window: make(chan struct{}, s.cfg.DeliverWindow)}
	if s.cfg.Trace != nil {
		// The SMSC side is written on port 2775, where Wireshark looks for SMPP, whatever
		// port it really listens on.
		esme, err1 := netip.ParseAddrPort(c.RemoteAddr().String())
		smsc, err2 := netip.ParseAddrPort(c.LocalAddr().String())
		if err1 == nil && err2 == nil {
			smsc = netip.AddrPortFrom(smsc.Addr().Unmap(), trace.SMPPPort)
			sess.stream, _ = s.cfg.Trace.SMPPStream(netip.AddrPortFrom(esme.Addr().Unmap(), esme.Port()), smsc)
		}
	}
	return sess
}

func (c *session) close() {
	c.once.Do(func() {
		close(c.done)
		c.conn.Close()
	})
}

// send queues a PDU for the writer; false once the session is closed.
func (c *session) send(p []byte) bool {
	select {
	case c.out <- p:
		return true
	case <-c.done:
		return false
	}
}

func (c *session) writeLoop() {
	defer c.s.wg.Done()
	w := bufio.NewWriterSize(c.conn, 32<<10)
	for {
		var p []byte
		select {
		case p = <-c.out:
		case <-c.done:
			return
		}
		if p == nil { // flushAndClose
			_ = w.Flush()
			c.close()
			return
		}
		if c.stream != nil {
			_ = c.stream.Write(trace.SMSCToESME, p)
		}
		if _, err := w.Write(p); err != nil {
			c.close()
			return
		}
		if len(c.out) == 0 {
			if err := w.Flush(); err != nil {
				c.close()
				return
			}
		}
	}
}

func (c *session) readLoop() {
	defer c.s.wg.Done()
	defer c.finish()
	r := bufio.NewReaderSize(c.conn, 32<<10)
	for {
		p, err := ReadPDU(r)
		if err != nil {
			var de *DecodeError
			if errors.As(err, &de) {
				// command_length out of range: answer and close, the stream is lost (SMPP 3.4 2.9)
				var seq uint32
				if hb, _ := r.Peek(HeaderLen); len(hb) == HeaderLen {
					h, _ := ParseHeader(hb)
					seq = h.Seq
				}
				c.nack(de.Status, seq)
				c.flushAndClose()
			} else if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				c.s.cfg.Logger.Debug("session read", "err", err)
			}
			return
		}
		if c.stream != nil {
			_ = c.stream.Write(trace.ESMEToSMSC, p)
		}
		if c.mute.Load() {
			c.lastRead.Store(time.Now().UnixNano())
			if h, _ := ParseHeader(p); h.ID == SubmitSM {
				c.s.st.unanswered.Add(1)
			}
			continue
		}
		if !c.handle(p) {
			return
		}
	}
}

// flushAndClose has the writer send what is queued and close the connection, and waits (a
// second at most) for it.
func (c *session) flushAndClose() {
	if c.send(nil) {
		select {
		case <-c.done:
		case <-time.After(time.Second):
		}
	}
	c.close()
}

func (c *session) nack(st Status, seq uint32) {
	c.s.st.nacks.Add(1)
	c.send(MarshalHeaderOnly(GenericNack, st, seq))
}

// handle answers one PDU; false ends the session.
func (c *session) handle(p []byte) bool {
	h, _ := ParseHeader(p)
	switch h.ID {
	case BindTransmitter, BindReceiver, BindTransceiver:
		return c.bind(p, h)
	case EnquireLink:
		c.send(MarshalHeaderOnly(EnquireLinkResp, ROK, h.Seq))
	case Unbind:
		c.send(MarshalHeaderOnly(UnbindResp, ROK, h.Seq))
		c.flushAndClose()
		return false
	case UnbindResp, EnquireLinkResp, GenericNack:
	case SubmitSM:
		return c.submitSM(p, h)
	case DeliverSMResp:
		c.deliverResp(p, h)
	default:
		if h.ID.IsResponse() {
			return true // a response to nothing we sent is ignored (SMPP 3.4 2.9 leaves it open)
		}
		c.nack(RInvCmdID, h.Seq)
	}
	return true
}

func (c *session) bind(p []byte, h Header) bool {
	if c.bound.Load() != 0 {
		c.send(MarshalBindResp(h.ID, RAlyBnd, h.Seq, ""))
		return true
	}
	_, b, err := ParseBind(p)
	if err != nil {
		c.nack(RInvMsgLen, h.Seq)
		return true
	}
	pw, ok := c.s.cfg.Accounts[b.SystemID]
	st := ROK
	switch {
	case !ok:
		st = RInvSysID
	case pw != b.Password:
		st = RInvPaswd
	}
	if st == ROK {
		c.s.mu.Lock()
		if c.s.bindsRefused < c.s.faults.RefuseBinds {
			c.s.bindsRefused++
			st = c.s.faults.RefuseBindStatus
			if st == ROK {
				st = RBindFail
			}
		}
		c.s.mu.Unlock()
	}
	if st != ROK {
		c.s.st.bindsRefused.Add(1)
		c.s.cfg.Logger.Info("bind refused", "system_id", b.SystemID, "status", st.String())
		c.send(MarshalBindResp(h.ID, st, h.Seq, ""))
		return true
	}
	c.s.st.binds.Add(1)
	sys := b.SystemID
	c.systemID.Store(&sys)
	c.bound.Store(uint32(h.ID))
	c.send(MarshalBindResp(h.ID, ROK, h.Seq, c.s.cfg.SystemID))
	if h.ID != BindTransmitter {
		c.s.wg.Add(1)
		go c.pump(c.s.esme(sys))
	}
	return true
}

func (c *session) submitSM(p []byte, h Header) bool {
	bound := CommandID(c.bound.Load())
	if bound != BindTransmitter && bound != BindTransceiver {
		c.send(MarshalSMResp(SubmitSMResp, RInvBndSts, h.Seq, ""))
		return true
	}
	c.submits++
	f := c.s.faultsNow()
	if f.DisconnectAfter > 0 && c.submits >= f.DisconnectAfter {
		c.s.st.unanswered.Add(1)
		if f.DisconnectIdle <= 0 {
			c.close()
			return false
		}
		c.lastRead.Store(time.Now().UnixNano())
		c.mute.Store(true)
		c.s.wg.Add(1)
		go c.closeWhenIdle(f.DisconnectIdle)
		return true
	}
	_, sm, err := ParseSM(p)
	if err != nil {
		c.nack(RInvMsgLen, h.Seq)
		return true
	}
	if f.GenericNack > 0 && c.s.chance(f.GenericNack) {
		st := f.GenericNackStatus
		if st == ROK {
			st = RSysErr
		}
		c.nack(st, h.Seq)
		return true
	}
	answered := make(chan struct{})
	id, st := c.s.submit(*c.systemID.Load(), &c.rate, sm, answered)
	resp := MarshalSMResp(SubmitSMResp, st, h.Seq, id)
	if f.ResponseDelay > 0 {
		// the reader goes on, so the ESME's window fills; answered is closed whatever
		// happens, so that a receipt waiting for it is not held until the SMSC closes
		time.AfterFunc(f.ResponseDelay, func() {
			c.send(resp)
			close(answered)
		})
		return true
	}
	c.send(resp)
	close(answered)
	return true
}

// chance draws from the fault source: true with probability p.
func (s *SMSC) chance(p float64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rnd.Float64() < p
}

// closeWhenIdle closes a muted session once no PDU has come for idle.
func (c *session) closeWhenIdle(idle time.Duration) {
	defer c.s.wg.Done()
	tick := time.NewTicker(max(idle/4, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-c.done:
			return
		case now := <-tick.C:
			if now.Sub(time.Unix(0, c.lastRead.Load())) >= idle {
				c.close()
				return
			}
		}
	}
}

// pump writes the ESME's outbox as deliver_sm, at most DeliverWindow unanswered.
func (c *session) pump(e *esme) {
	defer c.s.wg.Done()
	e.mu.Lock()
	e.sessions++
	e.mu.Unlock()
	for {
		select {
		case c.window <- struct{}{}:
		case <-c.done:
			return
		}
		e.mu.Lock()
		for len(e.outbox) == 0 && !c.isClosed() {
			e.cond.Wait()
		}
		if c.isClosed() {
			e.cond.Signal() // hand the wake-up on to another session
			e.mu.Unlock()
			return
		}
		m := e.outbox[0]
		e.outbox[0] = nil
		e.outbox = e.outbox[1:]
		e.room.Signal()
		e.mu.Unlock()
		seq := c.seq.Add(1)
		p, err := MarshalSM(DeliverSM, seq, m.sm)
		if err != nil {
			<-c.window
			continue
		}
		c.mu.Lock()
		if c.finished {
			c.mu.Unlock()
			e.mu.Lock()
			e.outbox = append([]*outMsg{m}, e.outbox...)
			e.cond.Signal()
			e.mu.Unlock()
			return
		}
		c.inflight[seq] = m
		c.mu.Unlock()
		c.s.st.dsmSent.Add(1)
		if !c.send(p) {
			return
		}
	}
}

func (c *session) isClosed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// maxDeliverAttempts bounds the deliver_sm an ESME answers with an error before it is dropped.
const maxDeliverAttempts = 5

func (c *session) deliverResp(p []byte, h Header) {
	c.mu.Lock()
	m, ok := c.inflight[h.Seq]
	delete(c.inflight, h.Seq)
	c.mu.Unlock()
	if !ok {
		return
	}
	<-c.window
	if h.Status == ROK {
		c.s.st.dsmAck.Add(1)
		return
	}
	m.attempts++
	if m.attempts >= maxDeliverAttempts || h.Status == RXPAppn {
		c.s.cfg.Logger.Warn("deliver_sm refused by the ESME; dropped", "status", h.Status.String())
		return
	}
	e := c.s.esme(*c.systemID.Load())
	time.AfterFunc(100*time.Millisecond, func() {
		e.mu.Lock()
		e.outbox = append(e.outbox, m)
		e.cond.Signal()
		e.mu.Unlock()
	})
}

// finish ends a session: unanswered deliver_sm go back to the front of the outbox, so that a
// reconnecting ESME receives them (store and forward).
func (c *session) finish() {
	defer close(c.ended)
	c.close()
	c.s.mu.Lock()
	delete(c.s.sessions, c)
	c.s.mu.Unlock()
	if c.stream != nil {
		_ = c.stream.Close(trace.ESMEToSMSC)
	}
	sys := c.systemID.Load()
	if sys == nil || CommandID(c.bound.Load()) == BindTransmitter {
		return
	}
	e := c.s.esme(*sys)
	c.mu.Lock()
	c.finished = true
	seqs := make([]uint32, 0, len(c.inflight))
	for seq := range c.inflight {
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	back := make([]*outMsg, 0, len(seqs))
	for _, seq := range seqs {
		back = append(back, c.inflight[seq])
		delete(c.inflight, seq)
	}
	c.mu.Unlock()
	e.mu.Lock()
	e.outbox = append(back, e.outbox...)
	e.sessions--
	e.cond.Broadcast()
	e.mu.Unlock()
}
