package pcsc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// DefaultSocket is where pcscd listens for its clients (PCSCLITE_CSOCK_NAME as Debian builds
// pcsc-lite).
const DefaultSocket = "/run/pcscd/pcscd.comm"

// SocketPath is the socket libpcsclite would dial: $PCSCLITE_CSOCK_NAME, else DefaultSocket.
func SocketPath() string {
	if p := os.Getenv("PCSCLITE_CSOCK_NAME"); p != "" {
		return p
	}
	return DefaultSocket
}

// Client is one application context with pcscd (SCardEstablishContext) over one connection to
// its socket. Its methods may be called from several goroutines; calls go one at a time.
type Client struct {
	mu      sync.Mutex
	conn    net.Conn
	order   byteOrder
	context uint32
	major   uint32
	minor   uint32
	broken  error // a socket failure: the stream is out of step, every later call fails
	closed  bool
}

// Dial connects to pcscd at SocketPath, checks that it speaks protocol 4.4 (CMD_VERSION) and
// establishes a context of scope SCARD_SCOPE_SYSTEM. ctx bounds the whole handshake.
func Dial(ctx context.Context) (*Client, error) { return DialSocket(ctx, SocketPath()) }

// DialSocket is Dial on the socket at path.
func DialSocket(ctx context.Context, path string) (*Client, error) {
	const call = "SCardEstablishContext"
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		// libpcsclite answers SCARD_E_NO_SERVICE when it cannot reach the daemon
		return nil, &Error{Call: call, Code: SCardENoService, Err: fmt.Errorf("%w (is pcscd running?)", err)}
	}
	return newClient(ctx, conn)
}

// newClient runs the handshake on conn, a fresh connection to pcscd; on failure it closes conn.
func newClient(ctx context.Context, conn net.Conn) (*Client, error) {
	c := &Client{conn: conn, order: hostOrder}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	err := c.handshake()
	if !stop() || ctx.Err() != nil {
		err = errors.Join(err, ctx.Err())
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	return c, nil
}

func (c *Client) handshake() error {
	const call = "SCardEstablishContext"
	v := versionMsg{Major: ProtocolMajor, Minor: ProtocolMinor}
	if err := c.roundTrip(call, CmdVersion, &v, nil, &v); err != nil {
		return err
	}
	c.major, c.minor = v.Major, v.Minor
	if RV(v.RV) != SCardSSuccess || v.Major != ProtocolMajor || v.Minor < ProtocolMinor {
		code := RV(v.RV)
		if code == SCardSSuccess {
			code = SCardEServiceStopped
		}
		return &Error{Call: call, Code: code, Err: fmt.Errorf("pcscd speaks client protocol %d.%d, this client %d.%d (pcsc-lite 1.8.24 to 2.2, or a later one that still serves 4.4 clients)",
			int32(v.Major), int32(v.Minor), ProtocolMajor, ProtocolMinor)}
	}
	e := establishMsg{Scope: ScopeSystem}
	if err := c.roundTrip(call, CmdEstablishContext, &e, nil, &e); err != nil {
		return err
	}
	if RV(e.RV) != SCardSSuccess {
		return &Error{Call: call, Code: RV(e.RV)}
	}
	c.context = e.Context
	return nil
}

// ServerProtocol is the client protocol version pcscd announced (4.4 on Debian 12).
func (c *Client) ServerProtocol() (major, minor int) { return int(c.major), int(c.minor) }

// roundTrip sends one request and reads the fixed-size reply into reply. The caller holds c.mu
// (or owns c alone, during Dial).
func (c *Client) roundTrip(call string, cmd Command, req message, extra []byte, reply message) error {
	if err := c.send(call, request(c.order, cmd, req, extra)); err != nil {
		return err
	}
	b, err := c.receive(call, sizeOf(reply))
	if err != nil {
		return err
	}
	if err := unmarshal(c.order, reply, b); err != nil {
		return c.fail(call, err)
	}
	return nil
}

func (c *Client) send(call string, b []byte) error {
	if c.broken != nil {
		return c.broken
	}
	if c.closed {
		return &Error{Call: call, Code: SCardEInvalidHandle, Err: errors.New("client closed")}
	}
	if _, err := c.conn.Write(b); err != nil {
		return c.fail(call, err)
	}
	return nil
}

func (c *Client) receive(call string, n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(c.conn, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("pcscd closed the connection: %w", err)
		}
		return nil, c.fail(call, err)
	}
	return b, nil
}

// fail records a socket or framing failure: libpcsclite reports SCARD_F_COMM_ERROR for it.
func (c *Client) fail(call string, err error) error {
	e := &Error{Call: call, Code: SCardFCommError, Err: err}
	if c.broken == nil {
		c.broken = e
	}
	return e
}

// Readers returns the readers pcscd offers, from its reader state array
// (CMD_GET_READERS_STATE), in the array's order.
func (c *Client) Readers() ([]Reader, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readers()
}

func (c *Client) readers() ([]Reader, error) {
	const call = "SCardListReaders"
	if err := c.send(call, request(c.order, CmdGetReadersState, nil, nil)); err != nil {
		return nil, err
	}
	b, err := c.receive(call, MaxReadersContexts*readerStateSize)
	if err != nil {
		return nil, err
	}
	rs, err := decodeReaderStates(c.order, b)
	if err != nil {
		return nil, c.fail(call, err)
	}
	return rs, nil
}

// FirstCard is the first reader that holds a card, or an error naming the readers seen.
func (c *Client) FirstCard() (Reader, error) {
	rs, err := c.Readers()
	if err != nil {
		return Reader{}, err
	}
	if len(rs) == 0 {
		return Reader{}, &Error{Call: "SCardListReaders", Code: SCardENoReadersAvailable}
	}
	var names []string
	for _, r := range rs {
		if r.CardPresent {
			return r, nil
		}
		names = append(names, fmt.Sprintf("%q", r.Name))
	}
	return Reader{}, &Error{Call: "SCardConnect", Code: SCardENoSmartcard, Err: fmt.Errorf("no card in %s", strings.Join(names, ", "))}
}

// Conn is a card connected in a reader (SCardConnect, shared, T=0 or T=1).
type Conn struct {
	c        *Client
	reader   string
	card     uint32
	protocol uint32
	atr      []byte
	err      error
	closed   bool
}

// Connect connects to the card in reader, in shared mode, T=0 or T=1 as the reader negotiated.
func (c *Client) Connect(reader string) (*Conn, error) {
	const call = "SCardConnect"
	if len(reader) >= MaxReaderName || strings.IndexByte(reader, 0) >= 0 {
		return nil, &Error{Call: call, Code: SCardEInvalidValue, Err: fmt.Errorf("reader name of %d bytes, at most %d without NUL", len(reader), MaxReaderName-1)}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m := connectMsg{Context: c.context, ShareMode: ShareShared, PreferredProtocols: ProtocolAny}
	copy(m.Reader[:], reader)
	if err := c.roundTrip(call, CmdConnect, &m, nil, &m); err != nil {
		return nil, err
	}
	if RV(m.RV) != SCardSSuccess {
		err := &Error{Call: call, Code: RV(m.RV)}
		if err.Code == SCardEUnknownReader {
			if rs, lerr := c.readers(); lerr == nil {
				var names []string
				for _, r := range rs {
					names = append(names, fmt.Sprintf("%q", r.Name))
				}
				err.Err = fmt.Errorf("no reader %q; readers: %s", reader, strings.Join(names, ", "))
			}
		}
		return nil, err
	}
	conn := &Conn{c: c, reader: reader, card: m.Card, protocol: m.ActiveProtocol}
	// the ATR is in the reader state array (SCardStatus reads it there too)
	rs, err := c.readers()
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.Name == reader {
			conn.atr = r.ATR
		}
	}
	return conn, nil
}

// Reader is the name of the reader the card is in.
func (k *Conn) Reader() string { return k.reader }

// ATR is the card's answer to reset.
func (k *Conn) ATR() []byte { return append([]byte(nil), k.atr...) }

// Protocol is the active protocol, ProtocolT0 or ProtocolT1.
func (k *Conn) Protocol() uint32 { return k.protocol }

// Err is the first transport error a Transmit met, nil if none.
func (k *Conn) Err() error {
	k.c.mu.Lock()
	defer k.c.mu.Unlock()
	return k.err
}

// sharingRetries bounds the wait for another application's transaction on the card
// (libpcsclite retries SCARD_E_SHARING_VIOLATION every 100 ms; we give up after 5 s).
const sharingRetries = 50

// transmitOnce is one SCardTransmit; the caller holds k.c.mu.
func (k *Conn) transmitOnce(capdu []byte) ([]byte, error) {
	const call = "SCardTransmit"
	if len(capdu) > MaxBufferSizeExtended {
		return nil, &Error{Call: call, Code: SCardEInsufficientBuffer, Err: fmt.Errorf("command of %d bytes", len(capdu))}
	}
	for try := 0; ; try++ {
		m := transmitMsg{Card: k.card, SendPciProtocol: k.protocol, SendPciLength: pciLength, SendLength: uint32(len(capdu)),
			RecvPciProtocol: ProtocolAny, RecvPciLength: pciLength, RecvLength: MaxBufferSizeExtended}
		if err := k.c.roundTrip(call, CmdTransmit, &m, capdu, &m); err != nil {
			return nil, err
		}
		rv := RV(m.RV)
		if rv == SCardESharingViolation && try < sharingRetries {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if rv != SCardSSuccess {
			return nil, &Error{Call: call, Code: rv}
		}
		if m.RecvLength > MaxBufferSizeExtended {
			return nil, k.c.fail(call, &MsgError{Msg: m.msgName(), Field: "pcbRecvLength", Offset: 24,
				Reason: fmt.Sprintf("%d, at most %d", m.RecvLength, MaxBufferSizeExtended)})
		}
		return k.c.receive(call, int(m.RecvLength))
	}
}

// TransmitErr sends capdu and completes it as a terminal does over T=0 (61xx, 9Fxx, 6Cxx: see
// exchange), returning the whole response, SW1 SW2 last.
func (k *Conn) TransmitErr(capdu []byte) ([]byte, error) {
	k.c.mu.Lock()
	defer k.c.mu.Unlock()
	if k.closed {
		return nil, &Error{Call: "SCardTransmit", Code: SCardEInvalidHandle, Err: errors.New("card disconnected")}
	}
	r, err := exchange(k.transmitOnce, capdu)
	if err != nil {
		var pe *Error
		if !errors.As(err, &pe) {
			err = &Error{Call: "SCardTransmit", Code: SCardFCommError, Err: err}
		}
		return nil, err
	}
	return r, nil
}

// Transmit is TransmitErr for callers that want bytes only (audit.Card): on an error it answers
// 6F00 and keeps the first error for Err; after one, it sends nothing more.
func (k *Conn) Transmit(capdu []byte) []byte {
	if k.Err() != nil {
		return []byte{0x6F, 0x00}
	}
	r, err := k.TransmitErr(capdu)
	if err != nil {
		k.c.mu.Lock()
		if k.err == nil {
			k.err = err
		}
		k.c.mu.Unlock()
		return []byte{0x6F, 0x00}
	}
	return r
}

// Close disconnects from the card, leaving it as it is (SCardDisconnect, SCARD_LEAVE_CARD).
func (k *Conn) Close() error {
	const call = "SCardDisconnect"
	k.c.mu.Lock()
	defer k.c.mu.Unlock()
	if k.closed {
		return nil
	}
	k.closed = true
	m := disconnectMsg{Card: k.card, Disposition: LeaveCard}
	if err := k.c.roundTrip(call, CmdDisconnect, &m, nil, &m); err != nil {
		return err
	}
	if RV(m.RV) != SCardSSuccess {
		return &Error{Call: call, Code: RV(m.RV)}
	}
	return nil
}

// Close releases the context (SCardReleaseContext) and closes the connection to pcscd.
func (c *Client) Close() error {
	const call = "SCardReleaseContext"
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	var err error
	if c.broken == nil {
		m := releaseMsg{Context: c.context}
		if err = c.roundTrip(call, CmdReleaseContext, &m, nil, &m); err == nil && RV(m.RV) != SCardSSuccess {
			err = &Error{Call: call, Code: RV(m.RV)}
		}
	}
	c.closed = true
	c.conn.Close()
	return err
}
