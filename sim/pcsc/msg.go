package pcsc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// Command is the command field of a request header (pcsc-lite winscard_msg.h, enum
// pcsc_msg_commands). Only the commands this client sends are named.
type Command uint32

// Commands of pcscd's client protocol 4.4.
const (
	CmdEstablishContext Command = 0x01 // SCARD_ESTABLISH_CONTEXT
	CmdReleaseContext   Command = 0x02 // SCARD_RELEASE_CONTEXT
	CmdConnect          Command = 0x04 // SCARD_CONNECT
	CmdDisconnect       Command = 0x06 // SCARD_DISCONNECT
	CmdTransmit         Command = 0x09 // SCARD_TRANSMIT
	CmdVersion          Command = 0x11 // CMD_VERSION
	CmdGetReadersState  Command = 0x12 // CMD_GET_READERS_STATE
)

var commandNames = map[Command]string{
	CmdEstablishContext: "SCARD_ESTABLISH_CONTEXT",
	CmdReleaseContext:   "SCARD_RELEASE_CONTEXT",
	CmdConnect:          "SCARD_CONNECT",
	CmdDisconnect:       "SCARD_DISCONNECT",
	CmdTransmit:         "SCARD_TRANSMIT",
	CmdVersion:          "CMD_VERSION",
	CmdGetReadersState:  "CMD_GET_READERS_STATE",
}

func (c Command) String() string {
	if n, ok := commandNames[c]; ok {
		return n
	}
	return fmt.Sprintf("command 0x%02X", uint32(c))
}

// The protocol this client speaks: 4.4, the one of pcsc-lite 1.8.24 to 2.2 (Debian 12 has
// 1.9.9). Later servers (4.5, 4.6) still serve 4.4 clients; earlier ones refuse them.
const (
	ProtocolMajor = 4
	ProtocolMinor = 4
)

// Sizes fixed by pcsc-lite's headers (pcsclite.h): they are part of the message layout.
const (
	MaxReaderName         = 128                          // MAX_READERNAME: szReader, readerName
	MaxATRSize            = 33                           // MAX_ATR_SIZE
	MaxReadersContexts    = 16                           // PCSCLITE_MAX_READERS_CONTEXTS: entries of the reader state array
	MaxBufferSizeExtended = 4 + 3 + (1 << 16) + 3 + 2    // MAX_BUFFER_SIZE_EXTENDED: largest APDU either way
	readerNotInitialized  = MaxATRSize + 1               // cardAtrLength before the reader powered the card
	readerStateSize       = MaxReaderName + 3*4 + 36 + 8 // READER_STATE with the ATR padded to 36
	headerSize            = 8
)

// Card protocols and share modes (pcsclite.h).
const (
	ProtocolT0  uint32 = 0x0001 // SCARD_PROTOCOL_T0
	ProtocolT1  uint32 = 0x0002 // SCARD_PROTOCOL_T1
	ProtocolAny uint32 = ProtocolT0 | ProtocolT1

	ShareShared  uint32 = 0x0002 // SCARD_SHARE_SHARED
	LeaveCard    uint32 = 0x0000 // SCARD_LEAVE_CARD
	ScopeSystem  uint32 = 0x0002 // SCARD_SCOPE_SYSTEM
	StatePresent uint32 = 0x0004 // SCARD_PRESENT in readerState
	StatePowered uint32 = 0x0010 // SCARD_POWERED
	// pciLength is sizeof(SCARD_IO_REQUEST) on LP64 (two unsigned longs), what libpcsclite
	// sends as ioSendPciLength and ioRecvPciLength.
	pciLength uint32 = 16
)

// byteOrder is the host's byte order: pcscd and its clients exchange C structs as they lie in
// memory, so every 32-bit field is in the order of the machine both run on.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// hostOrder is the order of the messages on this machine.
var hostOrder byteOrder = binary.NativeEndian

// MsgError is a message of pcscd's protocol that does not decode: which message, which field,
// at which byte offset from the start of the message, and why.
type MsgError struct {
	Msg    string // version_struct, connect_struct, readerStates ...
	Field  string // rv, readerStates[2].cardAtrLength ...
	Offset int
	Reason string
}

func (e *MsgError) Error() string {
	return fmt.Sprintf("pcscd: %s: offset %d: %s", fieldPath(e.Msg, e.Field), e.Offset, e.Reason)
}

// fieldPath joins a struct and a member: version_struct.rv, readerStates[2].cardAtrLength.
func fieldPath(msg, field string) string {
	if strings.HasPrefix(field, "[") {
		return msg + field
	}
	return msg + "." + field
}

// field is one member of a C struct pcscd sends as it lies in memory: a 32-bit integer in host
// byte order, or a fixed-size byte array (padding included).
type field struct {
	name string
	u32  *uint32
	raw  []byte
}

func (f field) size() int {
	if f.u32 != nil {
		return 4
	}
	return len(f.raw)
}

// message is a struct of winscard_msg.h: its C name and its members in order.
type message interface {
	msgName() string
	fields() []field
}

func marshal(order byteOrder, m message) []byte {
	var out []byte
	for _, f := range m.fields() {
		if f.u32 != nil {
			out = order.AppendUint32(out, *f.u32)
		} else {
			out = append(out, f.raw...)
		}
	}
	return out
}

// unmarshal fills m from b, which must hold exactly the struct.
func unmarshal(order byteOrder, m message, b []byte) error {
	off := 0
	for _, f := range m.fields() {
		n := f.size()
		if len(b)-off < n {
			return &MsgError{Msg: m.msgName(), Field: f.name, Offset: off, Reason: fmt.Sprintf("need %d bytes, have %d", n, len(b)-off)}
		}
		if f.u32 != nil {
			*f.u32 = order.Uint32(b[off:])
		} else {
			copy(f.raw, b[off:off+n])
		}
		off += n
	}
	if off != len(b) {
		return &MsgError{Msg: m.msgName(), Field: "(end)", Offset: off, Reason: fmt.Sprintf("%d trailing bytes", len(b)-off)}
	}
	return nil
}

func sizeOf(m message) int {
	n := 0
	for _, f := range m.fields() {
		n += f.size()
	}
	return n
}

// request is a message to pcscd: the rxHeader (size of the struct, command) then the struct,
// then for SCARD_TRANSMIT the command APDU, which the header's size does not count.
func request(order byteOrder, cmd Command, m message, extra []byte) []byte {
	var body []byte
	if m != nil {
		body = marshal(order, m)
	}
	out := order.AppendUint32(nil, uint32(len(body)))
	out = order.AppendUint32(out, uint32(cmd))
	out = append(out, body...)
	return append(out, extra...)
}

// versionMsg is struct version_struct (CMD_VERSION), both ways.
type versionMsg struct{ Major, Minor, RV uint32 }

func (*versionMsg) msgName() string { return "version_struct" }
func (m *versionMsg) fields() []field {
	return []field{{name: "major", u32: &m.Major}, {name: "minor", u32: &m.Minor}, {name: "rv", u32: &m.RV}}
}

// establishMsg is struct establish_struct (SCARD_ESTABLISH_CONTEXT).
type establishMsg struct{ Scope, Context, RV uint32 }

func (*establishMsg) msgName() string { return "establish_struct" }
func (m *establishMsg) fields() []field {
	return []field{{name: "dwScope", u32: &m.Scope}, {name: "hContext", u32: &m.Context}, {name: "rv", u32: &m.RV}}
}

// releaseMsg is struct release_struct (SCARD_RELEASE_CONTEXT).
type releaseMsg struct{ Context, RV uint32 }

func (*releaseMsg) msgName() string { return "release_struct" }
func (m *releaseMsg) fields() []field {
	return []field{{name: "hContext", u32: &m.Context}, {name: "rv", u32: &m.RV}}
}

// connectMsg is struct connect_struct (SCARD_CONNECT).
type connectMsg struct {
	Context                             uint32
	Reader                              [MaxReaderName]byte
	ShareMode, PreferredProtocols, Card uint32
	ActiveProtocol, RV                  uint32
}

func (*connectMsg) msgName() string { return "connect_struct" }
func (m *connectMsg) fields() []field {
	return []field{{name: "hContext", u32: &m.Context}, {name: "szReader", raw: m.Reader[:]},
		{name: "dwShareMode", u32: &m.ShareMode}, {name: "dwPreferredProtocols", u32: &m.PreferredProtocols},
		{name: "hCard", u32: &m.Card}, {name: "dwActiveProtocol", u32: &m.ActiveProtocol}, {name: "rv", u32: &m.RV}}
}

// disconnectMsg is struct disconnect_struct (SCARD_DISCONNECT).
type disconnectMsg struct{ Card, Disposition, RV uint32 }

func (*disconnectMsg) msgName() string { return "disconnect_struct" }
func (m *disconnectMsg) fields() []field {
	return []field{{name: "hCard", u32: &m.Card}, {name: "dwDisposition", u32: &m.Disposition}, {name: "rv", u32: &m.RV}}
}

// transmitMsg is struct transmit_struct (SCARD_TRANSMIT). The command APDU follows the request,
// and the response APDU (pcbRecvLength bytes) the reply when rv is SCARD_S_SUCCESS.
type transmitMsg struct {
	Card                           uint32
	SendPciProtocol, SendPciLength uint32
	SendLength                     uint32
	RecvPciProtocol, RecvPciLength uint32
	RecvLength, RV                 uint32
}

func (*transmitMsg) msgName() string { return "transmit_struct" }
func (m *transmitMsg) fields() []field {
	return []field{{name: "hCard", u32: &m.Card}, {name: "ioSendPciProtocol", u32: &m.SendPciProtocol},
		{name: "ioSendPciLength", u32: &m.SendPciLength}, {name: "cbSendLength", u32: &m.SendLength},
		{name: "ioRecvPciProtocol", u32: &m.RecvPciProtocol}, {name: "ioRecvPciLength", u32: &m.RecvPciLength},
		{name: "pcbRecvLength", u32: &m.RecvLength}, {name: "rv", u32: &m.RV}}
}

// readerStatesMsg is the reply to CMD_GET_READERS_STATE: pcscd's array of
// PCSCLITE_MAX_READERS_CONTEXTS READER_STATE structs (eventhandler.h), each readerName[128],
// eventCounter, readerState, readerSharing, cardAtr[33] padded to 36, cardAtrLength,
// cardProtocol. An entry whose name is empty is a free slot.
type readerStatesMsg struct {
	States [MaxReadersContexts]readerState
}

type readerState struct {
	Name                         [MaxReaderName]byte
	EventCounter, State, Sharing uint32
	ATR                          [MaxATRSize + 3]byte
	ATRLength, Protocol          uint32
}

func (*readerStatesMsg) msgName() string { return "readerStates" }
func (m *readerStatesMsg) fields() []field {
	var fs []field
	for i := range m.States {
		s := &m.States[i]
		p := fmt.Sprintf("[%d].", i)
		fs = append(fs, field{name: p + "readerName", raw: s.Name[:]}, field{name: p + "eventCounter", u32: &s.EventCounter},
			field{name: p + "readerState", u32: &s.State}, field{name: p + "readerSharing", u32: &s.Sharing},
			field{name: p + "cardAtr", raw: s.ATR[:]}, field{name: p + "cardAtrLength", u32: &s.ATRLength},
			field{name: p + "cardProtocol", u32: &s.Protocol})
	}
	return fs
}

// Reader is one reader pcscd offers, as its reader state array shows it.
type Reader struct {
	Name string
	// CardPresent: a card is in the reader (SCARD_PRESENT).
	CardPresent bool
	// ATR is the card's answer to reset once the reader has powered it, else empty.
	ATR []byte
	// State is the readerState bit field (SCARD_ABSENT, SCARD_PRESENT, SCARD_POWERED ...).
	State uint32
	// Protocol is the card's current protocol (SCARD_PROTOCOL_T0, _T1), 0 before a connect.
	Protocol uint32
}

// decodeReaderStates decodes the reply to CMD_GET_READERS_STATE into the readers it names.
func decodeReaderStates(order byteOrder, b []byte) ([]Reader, error) {
	var m readerStatesMsg
	if err := unmarshal(order, &m, b); err != nil {
		return nil, err
	}
	var out []Reader
	for i, s := range m.States {
		base := i * readerStateSize
		if s.Name[0] == 0 {
			continue
		}
		n := bytes.IndexByte(s.Name[:], 0)
		if n < 0 {
			return nil, &MsgError{Msg: m.msgName(), Field: fmt.Sprintf("[%d].readerName", i), Offset: base, Reason: "no NUL in 128 bytes"}
		}
		r := Reader{Name: string(s.Name[:n]), State: s.State, Protocol: s.Protocol, CardPresent: s.State&StatePresent != 0}
		switch {
		case s.ATRLength == 0:
		case s.ATRLength <= MaxATRSize:
			r.ATR = bytes.Clone(s.ATR[:s.ATRLength])
		case s.ATRLength == readerNotInitialized:
		default:
			return nil, &MsgError{Msg: m.msgName(), Field: fmt.Sprintf("[%d].cardAtrLength", i), Offset: base + MaxReaderName + 12 + MaxATRSize + 3,
				Reason: fmt.Sprintf("%d, at most %d", s.ATRLength, MaxATRSize)}
		}
		out = append(out, r)
	}
	return out, nil
}

// dump is an annotated hexdump of one message: offset, bytes, field = value, a field a line
// (byte arrays wrap at 16 bytes; their all-zero tail is summarised). A request starts with its
// rxHeader; after the struct, the rest (an APDU) is shown with its note.
func dump(order byteOrder, title string, msg []byte, hasHeader bool, m message, restNote string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %d bytes, %s\n", title, len(msg), order)
	off := 0
	line := func(n int, note string) {
		n = min(n, len(msg)-off)
		fmt.Fprintf(&b, "%s\n", strings.TrimRight(fmt.Sprintf("%04X  %-47s  %s", off, fmt.Sprintf("% X", msg[off:off+n]), note), " "))
		off += n
	}
	if hasHeader && len(msg) >= headerSize {
		line(4, fmt.Sprintf("header.size = %d", order.Uint32(msg)))
		cmd := Command(order.Uint32(msg[4:]))
		line(4, fmt.Sprintf("header.command = %d (%v)", uint32(cmd), cmd))
	}
	if m != nil {
		for _, f := range m.fields() {
			if f.u32 != nil {
				v := fmt.Sprintf("0x%08X (%d)", *f.u32, *f.u32)
				if f.name == "rv" {
					v = RV(*f.u32).String()
				}
				line(4, fmt.Sprintf("%s = %s", fieldPath(m.msgName(), f.name), v))
				continue
			}
			used := len(bytes.TrimRight(f.raw, "\x00"))
			for i := 0; i < len(f.raw); i += 16 {
				if i > 0 && i >= used {
					fmt.Fprintf(&b, "%04X  %-47s  (%d zero bytes)\n", off, "00 ...", len(f.raw)-i)
					off += len(f.raw) - i
					break
				}
				note := ""
				if i == 0 {
					note = fmt.Sprintf("%s = %s", fieldPath(m.msgName(), f.name), text(f.raw[:used]))
				}
				line(min(16, len(f.raw)-i), note)
			}
		}
	}
	for off < len(msg) {
		line(16, restNote)
		restNote = ""
	}
	return b.String()
}

// text shows a byte array as a quoted string when it is printable ASCII, else as hex.
func text(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c > 0x7E {
			return fmt.Sprintf("%X", b)
		}
	}
	return fmt.Sprintf("%q", b)
}
