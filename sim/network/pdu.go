package network

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// CommandID is an SMPP command_id (SMPP 3.4 5.1.2.1).
type CommandID uint32

// Command identifiers the virtual SMSC speaks (SMPP 3.4 5.1.2.1).
const (
	GenericNack         CommandID = 0x80000000
	BindReceiver        CommandID = 0x00000001
	BindReceiverResp    CommandID = 0x80000001
	BindTransmitter     CommandID = 0x00000002
	BindTransmitterResp CommandID = 0x80000002
	SubmitSM            CommandID = 0x00000004
	SubmitSMResp        CommandID = 0x80000004
	DeliverSM           CommandID = 0x00000005
	DeliverSMResp       CommandID = 0x80000005
	Unbind              CommandID = 0x00000006
	UnbindResp          CommandID = 0x80000006
	BindTransceiver     CommandID = 0x00000009
	BindTransceiverResp CommandID = 0x80000009
	EnquireLink         CommandID = 0x00000015
	EnquireLinkResp     CommandID = 0x80000015
)

var commandNames = map[CommandID]string{
	GenericNack: "generic_nack", BindReceiver: "bind_receiver", BindReceiverResp: "bind_receiver_resp",
	BindTransmitter: "bind_transmitter", BindTransmitterResp: "bind_transmitter_resp",
	SubmitSM: "submit_sm", SubmitSMResp: "submit_sm_resp", DeliverSM: "deliver_sm", DeliverSMResp: "deliver_sm_resp",
	Unbind: "unbind", UnbindResp: "unbind_resp", BindTransceiver: "bind_transceiver",
	BindTransceiverResp: "bind_transceiver_resp", EnquireLink: "enquire_link", EnquireLinkResp: "enquire_link_resp",
}

func (c CommandID) String() string {
	if n, ok := commandNames[c]; ok {
		return n
	}
	return fmt.Sprintf("command_id %08X", uint32(c))
}

// IsResponse says whether c is a response (bit 31 set, SMPP 3.4 5.1.2.1).
func (c CommandID) IsResponse() bool { return c&0x80000000 != 0 }

// Status is an SMPP command_status (SMPP 3.4 5.1.3).
type Status uint32

// Status values the virtual SMSC answers with (SMPP 3.4 5.1.3).
const (
	ROK          Status = 0x00
	RInvMsgLen   Status = 0x01
	RInvCmdLen   Status = 0x02
	RInvCmdID    Status = 0x03
	RInvBndSts   Status = 0x04
	RAlyBnd      Status = 0x05
	RSysErr      Status = 0x08
	RInvSrcAdr   Status = 0x0A
	RInvDstAdr   Status = 0x0B
	RBindFail    Status = 0x0D
	RInvPaswd    Status = 0x0E
	RInvSysID    Status = 0x0F
	RMsgQFul     Status = 0x14
	RInvESMClass Status = 0x43
	RSubmitFail  Status = 0x45
	RThrottled   Status = 0x58
	RXTAppn      Status = 0x64
	RXPAppn      Status = 0x65
	RUnknownErr  Status = 0xFF
)

var statusNames = map[Status]string{
	ROK: "ESME_ROK", RInvMsgLen: "ESME_RINVMSGLEN", RInvCmdLen: "ESME_RINVCMDLEN", RInvCmdID: "ESME_RINVCMDID",
	RInvBndSts: "ESME_RINVBNDSTS", RAlyBnd: "ESME_RALYBND", RSysErr: "ESME_RSYSERR", RInvSrcAdr: "ESME_RINVSRCADR",
	RInvDstAdr: "ESME_RINVDSTADR", RBindFail: "ESME_RBINDFAIL", RInvPaswd: "ESME_RINVPASWD", RInvSysID: "ESME_RINVSYSID",
	RMsgQFul: "ESME_RMSGQFUL", RInvESMClass: "ESME_RINVESMCLASS", RSubmitFail: "ESME_RSUBMITFAIL",
	RThrottled: "ESME_RTHROTTLED", RXTAppn: "ESME_RX_T_APPN", RXPAppn: "ESME_RX_P_APPN", RUnknownErr: "ESME_RUNKNOWNERR",
}

func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("command_status %08X", uint32(s))
}

// Optional parameter tags used here (SMPP 3.4 5.3.2).
const (
	TagReceiptedMessageID uint16 = 0x001E
	TagNetworkErrorCode   uint16 = 0x0423
	TagMessageState       uint16 = 0x0427
	TagSCInterfaceVersion uint16 = 0x0210
	TagMessagePayload     uint16 = 0x0424
)

// MessageState is the value of the message_state TLV (SMPP 3.4 5.2.28).
type MessageState byte

// Message states (SMPP 3.4 5.2.28).
const (
	Enroute       MessageState = 1
	Delivered     MessageState = 2
	Expired       MessageState = 3
	Deleted       MessageState = 4
	Undeliverable MessageState = 5
	Accepted      MessageState = 6
	Unknown       MessageState = 7
	Rejected      MessageState = 8
)

// HeaderLen is the length of the PDU header (SMPP 3.4 3.2).
const HeaderLen = 16

// MaxPDULen bounds command_length: the largest PDU the virtual SMSC reads. A submit_sm with a
// 254-octet short message and a few TLVs stays far below it; message_payload may use the rest.
const MaxPDULen = 4096

// Header is the SMPP PDU header (SMPP 3.4 3.2): command_length counts the header.
type Header struct {
	Length uint32
	ID     CommandID
	Status Status
	Seq    uint32
}

// ParseHeader reads a header from the first 16 octets of b.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, &DecodeError{PDU: "header", Field: "header", Offset: len(b), Status: RInvCmdLen, Msg: fmt.Sprintf("%d octets, the header is %d", len(b), HeaderLen)}
	}
	h := Header{
		Length: binary.BigEndian.Uint32(b),
		ID:     CommandID(binary.BigEndian.Uint32(b[4:])),
		Status: Status(binary.BigEndian.Uint32(b[8:])),
		Seq:    binary.BigEndian.Uint32(b[12:]),
	}
	if h.Length < HeaderLen || h.Length > MaxPDULen {
		return h, &DecodeError{PDU: "header", Field: "command_length", Offset: 0, Status: RInvCmdLen, Msg: fmt.Sprintf("%d not in %d..%d", h.Length, HeaderLen, MaxPDULen)}
	}
	return h, nil
}

// DecodeError says why a PDU could not be read: which PDU, which field (a dotted path), the
// octet offset from the start of the PDU, and the status the SMSC answers it with.
type DecodeError struct {
	PDU    string
	Field  string
	Offset int
	Status Status
	Msg    string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("smpp: %s.%s: offset %d: %s", e.PDU, e.Field, e.Offset, e.Msg)
}

// ReadPDU reads one whole PDU (header included) from r. A command_length out of range is a
// *DecodeError after which the stream cannot be resynchronised.
func ReadPDU(r *bufio.Reader) ([]byte, error) {
	hb, err := r.Peek(HeaderLen)
	if err != nil {
		if err == io.EOF && len(hb) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	h, err := ParseHeader(hb)
	if err != nil {
		return nil, err
	}
	b := make([]byte, h.Length)
	if _, err := io.ReadFull(r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b, nil
}

// reader reads a PDU body field by field, remembering the first error with its field and
// offset, in the manner of cryptobyte.String.
type reader struct {
	b     []byte
	off   int
	pdu   string
	err   *DecodeError
	spans *[]span // when set, every field read is noted, for Describe
}

// span is where a field was read.
type span struct {
	field      string
	kind       byte // 'b' octet, 's' C-Octet String, 'o' octets, 't' TLV tag and length
	start, end int
}

func (r *reader) note(field string, kind byte, start int) {
	if r.spans != nil && r.err == nil {
		*r.spans = append(*r.spans, span{field, kind, start, r.off})
	}
}

func (r *reader) fail(field, format string, args ...any) {
	if r.err == nil {
		r.err = &DecodeError{PDU: r.pdu, Field: field, Offset: r.off, Status: RInvMsgLen, Msg: fmt.Sprintf(format, args...)}
	}
}

func (r *reader) u8(field string, v *byte) {
	if r.err != nil {
		return
	}
	if r.off >= len(r.b) {
		r.fail(field, "missing")
		return
	}
	*v = r.b[r.off]
	r.off++
	r.note(field, 'b', r.off-1)
}

// cstring reads a C-Octet String of at most max octets including its NUL (SMPP 3.4 3.1).
func (r *reader) cstring(field string, max int, v *string) {
	if r.err != nil {
		return
	}
	for i := r.off; i < len(r.b); i++ {
		if r.b[i] == 0 {
			if i+1-r.off > max {
				r.fail(field, "%d octets with its NUL, at most %d", i+1-r.off, max)
				return
			}
			*v = string(r.b[r.off:i])
			start := r.off
			r.off = i + 1
			r.note(field, 's', start)
			return
		}
	}
	r.fail(field, "no terminating NUL")
}

func (r *reader) bytes(field string, n int, v *[]byte) {
	if r.err != nil {
		return
	}
	if n > len(r.b)-r.off {
		r.fail(field, "%d octets announced, %d left", n, len(r.b)-r.off)
		return
	}
	*v = append([]byte(nil), r.b[r.off:r.off+n]...)
	r.off += n
	r.note(field, 'o', r.off-n)
}

// tlvs reads optional parameters to the end (SMPP 3.4 3.2.1): tag, length, value; a tag seen
// twice is refused, so that what is read is what one encoding means.
func (r *reader) tlvs(v *[]TLV) {
	for r.err == nil && r.off < len(r.b) {
		if len(r.b)-r.off < 4 {
			r.fail("tlv", "%d octets left, a TLV header is 4", len(r.b)-r.off)
			return
		}
		tag := binary.BigEndian.Uint16(r.b[r.off:])
		n := int(binary.BigEndian.Uint16(r.b[r.off+2:]))
		field := fmt.Sprintf("tlv[%04X]", tag)
		for _, t := range *v {
			if t.Tag == tag {
				r.fail(field, "tag repeated")
				return
			}
		}
		r.off += 4
		r.note(field, 't', r.off-4)
		var val []byte
		r.bytes(field+".value", n, &val)
		if r.err == nil {
			*v = append(*v, TLV{Tag: tag, Value: val})
		}
	}
}

// TLV is one optional parameter; PDUs keep them in a slice so that they are written in the
// order given, byte-exact from run to run.
type TLV struct {
	Tag   uint16
	Value []byte
}

// Find returns the value of the first TLV with tag, and whether there is one.
func Find(tlvs []TLV, tag uint16) ([]byte, bool) {
	for _, t := range tlvs {
		if t.Tag == tag {
			return t.Value, true
		}
	}
	return nil, false
}

// builder appends a PDU; the header's command_length is set by finish.
type builder struct{ b []byte }

func newBuilder(id CommandID, status Status, seq uint32, size int) *builder {
	b := make([]byte, HeaderLen, HeaderLen+size)
	binary.BigEndian.PutUint32(b[4:], uint32(id))
	binary.BigEndian.PutUint32(b[8:], uint32(status))
	binary.BigEndian.PutUint32(b[12:], seq)
	return &builder{b: b}
}

func (b *builder) u8(v byte)        { b.b = append(b.b, v) }
func (b *builder) cstring(s string) { b.b = append(append(b.b, s...), 0) }
func (b *builder) octets(v []byte)  { b.b = append(b.b, v...) }
func (b *builder) tlvs(ts []TLV) {
	for _, t := range ts {
		b.b = binary.BigEndian.AppendUint16(b.b, t.Tag)
		b.b = binary.BigEndian.AppendUint16(b.b, uint16(len(t.Value)))
		b.b = append(b.b, t.Value...)
	}
}

func (b *builder) finish() []byte {
	binary.BigEndian.PutUint32(b.b, uint32(len(b.b)))
	return b.b
}

// MarshalHeaderOnly encodes a PDU without a body: enquire_link, unbind, their responses, and
// generic_nack (SMPP 3.4 4.11, 4.2, 4.3).
func MarshalHeaderOnly(id CommandID, status Status, seq uint32) []byte {
	return newBuilder(id, status, seq, 0).finish()
}

// Bind is the body of bind_transmitter, bind_receiver and bind_transceiver (SMPP 3.4 4.1).
type Bind struct {
	SystemID         string
	Password         string
	SystemType       string
	InterfaceVersion byte
	AddrTON          byte
	AddrNPI          byte
	AddressRange     string
}

// Field sizes with the NUL (SMPP 3.4 4.1.1, 4.4.1).
const (
	maxSystemID     = 16
	maxPassword     = 9
	maxSystemType   = 13
	maxAddressRange = 41
	maxServiceType  = 6
	maxAddr         = 21
	maxTime         = 17
	maxMessageID    = 65
)

// ParseBind decodes a bind_* PDU (header included).
func ParseBind(p []byte) (Header, *Bind, error) { return parseBind(p, nil) }

func parseBind(p []byte, spans *[]span) (Header, *Bind, error) {
	h, err := ParseHeader(p)
	if err != nil {
		return h, nil, err
	}
	if len(p) != int(h.Length) {
		return h, nil, &DecodeError{PDU: h.ID.String(), Field: "command_length", Status: RInvCmdLen, Msg: fmt.Sprintf("says %d octets, the PDU has %d", h.Length, len(p))}
	}
	r := &reader{b: p, off: HeaderLen, pdu: h.ID.String(), spans: spans}
	b := &Bind{}
	r.cstring("system_id", maxSystemID, &b.SystemID)
	r.cstring("password", maxPassword, &b.Password)
	r.cstring("system_type", maxSystemType, &b.SystemType)
	r.u8("interface_version", &b.InterfaceVersion)
	r.u8("addr_ton", &b.AddrTON)
	r.u8("addr_npi", &b.AddrNPI)
	r.cstring("address_range", maxAddressRange, &b.AddressRange)
	if r.err == nil && r.off != len(r.b) {
		r.fail("address_range", "%d octets after the last field", len(r.b)-r.off)
	}
	if r.err != nil {
		return h, nil, r.err
	}
	return h, b, nil
}

// MarshalBind encodes a bind_* request.
func MarshalBind(id CommandID, seq uint32, b *Bind) []byte {
	w := newBuilder(id, ROK, seq, 64)
	w.cstring(b.SystemID)
	w.cstring(b.Password)
	w.cstring(b.SystemType)
	w.u8(b.InterfaceVersion)
	w.u8(b.AddrTON)
	w.u8(b.AddrNPI)
	w.cstring(b.AddressRange)
	return w.finish()
}

// MarshalBindResp encodes bind_*_resp (SMPP 3.4 4.1.2): system_id, then sc_interface_version
// 0x34 when the bind succeeded. A failed bind's response has no body (4.1.2 note).
func MarshalBindResp(id CommandID, status Status, seq uint32, systemID string) []byte {
	w := newBuilder(id|0x80000000, status, seq, 24)
	if status == ROK {
		w.cstring(systemID)
		w.tlvs([]TLV{{Tag: TagSCInterfaceVersion, Value: []byte{0x34}}})
	}
	return w.finish()
}

// SM is the body of submit_sm and deliver_sm, which share one layout (SMPP 3.4 4.4.1, 4.6.1).
// ShortMessage is the whole TP-UD, user data header included when ESMClass has UDHI (0x40).
type SM struct {
	ServiceType          string
	SourceTON, SourceNPI byte
	Source               string
	DestTON, DestNPI     byte
	Dest                 string
	ESMClass             byte
	ProtocolID           byte
	PriorityFlag         byte
	ScheduleDeliveryTime string
	ValidityPeriod       string
	RegisteredDelivery   byte
	ReplaceIfPresent     byte
	DataCoding           byte
	SMDefaultMsgID       byte
	ShortMessage         []byte
	TLVs                 []TLV
}

// esm_class bits (SMPP 3.4 5.2.12).
const (
	ESMClassUDHI            byte = 0x40
	ESMClassDeliveryReceipt byte = 0x04
	esmClassTypeMask        byte = 0x3C
)

// ParseSM decodes a submit_sm or deliver_sm (header included). With message_payload the
// short_message must be empty (SMPP 3.4 5.3.2.32); the payload then takes its place.
func ParseSM(p []byte) (Header, *SM, error) { return parseSM(p, nil) }

func parseSM(p []byte, spans *[]span) (Header, *SM, error) {
	h, err := ParseHeader(p)
	if err != nil {
		return h, nil, err
	}
	if len(p) != int(h.Length) {
		return h, nil, &DecodeError{PDU: h.ID.String(), Field: "command_length", Status: RInvCmdLen, Msg: fmt.Sprintf("says %d octets, the PDU has %d", h.Length, len(p))}
	}
	r := &reader{b: p, off: HeaderLen, pdu: h.ID.String(), spans: spans}
	s := &SM{}
	r.cstring("service_type", maxServiceType, &s.ServiceType)
	r.u8("source_addr_ton", &s.SourceTON)
	r.u8("source_addr_npi", &s.SourceNPI)
	r.cstring("source_addr", maxAddr, &s.Source)
	r.u8("dest_addr_ton", &s.DestTON)
	r.u8("dest_addr_npi", &s.DestNPI)
	r.cstring("destination_addr", maxAddr, &s.Dest)
	r.u8("esm_class", &s.ESMClass)
	r.u8("protocol_id", &s.ProtocolID)
	r.u8("priority_flag", &s.PriorityFlag)
	r.cstring("schedule_delivery_time", maxTime, &s.ScheduleDeliveryTime)
	r.cstring("validity_period", maxTime, &s.ValidityPeriod)
	r.u8("registered_delivery", &s.RegisteredDelivery)
	r.u8("replace_if_present_flag", &s.ReplaceIfPresent)
	r.u8("data_coding", &s.DataCoding)
	r.u8("sm_default_msg_id", &s.SMDefaultMsgID)
	var n byte
	r.u8("sm_length", &n)
	r.bytes("short_message", int(n), &s.ShortMessage)
	r.tlvs(&s.TLVs)
	if r.err != nil {
		return h, nil, r.err
	}
	if v, ok := Find(s.TLVs, TagMessagePayload); ok {
		if len(s.ShortMessage) != 0 {
			return h, nil, &DecodeError{PDU: h.ID.String(), Field: "tlv[0424]", Offset: HeaderLen, Status: RInvMsgLen, Msg: "message_payload with a non-empty short_message"}
		}
		s.ShortMessage = v
	}
	return h, s, nil
}

// MarshalSM encodes s as a submit_sm or deliver_sm (id). The short message must fit sm_length
// (at most 254 octets, SMPP 3.4 5.2.22).
func MarshalSM(id CommandID, seq uint32, s *SM) ([]byte, error) {
	if len(s.ShortMessage) > 254 {
		return nil, fmt.Errorf("smpp: %s.short_message: %d octets, at most 254", id, len(s.ShortMessage))
	}
	w := newBuilder(id, ROK, seq, 64+len(s.ShortMessage))
	w.cstring(s.ServiceType)
	w.u8(s.SourceTON)
	w.u8(s.SourceNPI)
	w.cstring(s.Source)
	w.u8(s.DestTON)
	w.u8(s.DestNPI)
	w.cstring(s.Dest)
	w.u8(s.ESMClass)
	w.u8(s.ProtocolID)
	w.u8(s.PriorityFlag)
	w.cstring(s.ScheduleDeliveryTime)
	w.cstring(s.ValidityPeriod)
	w.u8(s.RegisteredDelivery)
	w.u8(s.ReplaceIfPresent)
	w.u8(s.DataCoding)
	w.u8(s.SMDefaultMsgID)
	w.u8(byte(len(s.ShortMessage)))
	w.octets(s.ShortMessage)
	w.tlvs(s.TLVs)
	return w.finish(), nil
}

// MarshalSMResp encodes submit_sm_resp or deliver_sm_resp (SMPP 3.4 4.4.2, 4.6.2): the
// message_id, absent when status is an error.
func MarshalSMResp(id CommandID, status Status, seq uint32, messageID string) []byte {
	w := newBuilder(id, status, seq, len(messageID)+1)
	if status == ROK {
		w.cstring(messageID)
	}
	return w.finish()
}

// ParseSMResp decodes submit_sm_resp or deliver_sm_resp; an error response may have no body.
func ParseSMResp(p []byte) (Header, string, error) { return parseSMResp(p, nil) }

func parseSMResp(p []byte, spans *[]span) (Header, string, error) {
	h, err := ParseHeader(p)
	if err != nil {
		return h, "", err
	}
	if len(p) != int(h.Length) {
		return h, "", &DecodeError{PDU: h.ID.String(), Field: "command_length", Status: RInvCmdLen, Msg: fmt.Sprintf("says %d octets, the PDU has %d", h.Length, len(p))}
	}
	r := &reader{b: p, off: HeaderLen, pdu: h.ID.String(), spans: spans}
	var id string
	if r.off < len(r.b) || h.Status == ROK {
		r.cstring("message_id", maxMessageID, &id)
	}
	if r.err == nil && r.off != len(r.b) {
		r.fail("message_id", "%d octets after the last field", len(r.b)-r.off)
	}
	if r.err != nil {
		return h, "", r.err
	}
	return h, id, nil
}
