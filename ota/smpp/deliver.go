package smpp

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/linxGnu/gosmpp/pdu"

	"github.com/stkforge/stkforge/ota/smspp"
)

// MessageState is the message_state of a receipt (SMPP 3.4 5.2.28).
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

var stateNames = []string{"", "ENROUTE", "DELIVERED", "EXPIRED", "DELETED", "UNDELIVERABLE", "ACCEPTED", "UNKNOWN", "REJECTED"}

func (s MessageState) String() string {
	if int(s) < len(stateNames) && s != 0 {
		return stateNames[s]
	}
	return "state " + strconv.Itoa(int(s))
}

// statWords maps the stat: word of a receipt's text (SMPP 3.4 appendix B) to a state.
var statWords = map[string]MessageState{"ENROUTE": Enroute, "DELIVRD": Delivered, "EXPIRED": Expired,
	"DELETED": Deleted, "UNDELIV": Undeliverable, "ACCEPTD": Accepted, "UNKNOWN": Unknown, "REJECTD": Rejected}

// Final says whether the state is final: nothing will change it any more.
func (s MessageState) Final() bool { return s >= Delivered && s != Accepted && s != Enroute }

// Receipt is an SMSC delivery receipt (deliver_sm with esm_class 04, SMPP 3.4 2.11): the
// message_id the submit_sm_resp gave, the state, and the error if any. The TLVs
// receipted_message_id (001E), message_state (0427) and network_error_code (0423) win over the
// informative text; the text fills what they leave out.
type Receipt struct {
	MessageID    string
	State        MessageState
	Err          string // err: of the text, 3 digits
	NetworkError []byte // network_error_code: type, code (2 octets)
	From, To     string // the handset's MSISDN, the submitter's address
	Text         string
}

// MO is a mobile originated message from a handset. For a secured packet (UDH with IEI 70/71,
// possibly concatenated) Packet is the whole reassembled packet and Segments how many short
// messages carried it; for anything else Packet is nil and UD is the user data as received.
type MO struct {
	From, To   string // "+" + digits when the TON is international
	ESMClass   byte
	ProtocolID byte
	DataCoding byte
	UD         []byte
	Packet     *smspp.Packet
}

func addr(a pdu.Address) string {
	if a.Ton() == 1 {
		return "+" + a.Address()
	}
	return a.Address()
}

// userData puts back together what gosmpp split: the user data header it parsed (when
// esm_class has UDHI) and the rest; a message_payload TLV replaces an empty short message.
func userData(d *pdu.DeliverSM) []byte {
	rest, _ := d.Message.GetMessageData()
	if len(rest) == 0 {
		if f, ok := d.OptionalParameters[pdu.TagMessagePayload]; ok {
			return bytes.Clone(f.Data)
		}
	}
	var ud []byte
	if udh := d.Message.UDH(); len(udh) > 0 {
		ud, _ = udh.MarshalBinary()
	}
	return append(ud, rest...)
}

func (c *Client) deliver(d *pdu.DeliverSM, dataCoding byte) {
	if d.EsmClass&0x3C == 0x04 || d.EsmClass&0x3C == 0x20 { // SMSC delivery receipt, intermediate notification
		r := parseReceipt(d)
		c.receipts.Add(1)
		if c.cfg.OnReceipt != nil {
			c.cfg.OnReceipt(r)
		}
		return
	}
	m := MO{From: addr(d.SourceAddr), To: addr(d.DestAddr), ESMClass: d.EsmClass, ProtocolID: d.ProtocolID,
		DataCoding: dataCoding, UD: userData(d)}
	if d.EsmClass&0x40 != 0 {
		if p, err := smspp.ParseUserData(m.UD); err == nil && (p.Kind != 0 || p.Concat != nil) {
			c.reasmMu.Lock()
			pkt, err := c.reasm.Add(m.From, m.UD)
			c.reasmMu.Unlock()
			if err != nil {
				c.badMO.Add(1)
				c.cfg.Logger.Warn("MO secured packet dropped", "from", m.From, "err", err)
				return
			}
			if pkt == nil {
				return // more segments to come, or a repeat
			}
			m.Packet = pkt
		}
	}
	c.mo.Add(1)
	if c.cfg.OnMO != nil {
		c.cfg.OnMO(m)
	}
}

// parseReceipt reads a receipt's TLVs and text (SMPP 3.4 5.3.2.12, 5.3.2.35, appendix B).
func parseReceipt(d *pdu.DeliverSM) Receipt {
	text, _ := d.Message.GetMessageData()
	r := Receipt{From: addr(d.SourceAddr), To: addr(d.DestAddr), Text: string(text)}
	for _, f := range strings.Fields(r.Text) {
		k, v, ok := strings.Cut(f, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(k) {
		case "id":
			r.MessageID = v
		case "stat":
			r.State = statWords[strings.ToUpper(v)]
		case "err":
			r.Err = v
		}
	}
	if f, ok := d.OptionalParameters[pdu.TagReceiptedMessageID]; ok {
		r.MessageID = string(bytes.TrimRight(f.Data, "\x00"))
	}
	if f, ok := d.OptionalParameters[pdu.TagMessageStateOption]; ok && len(f.Data) == 1 {
		r.State = MessageState(f.Data[0])
	}
	if f, ok := d.OptionalParameters[pdu.TagNetworkErrorCode]; ok {
		r.NetworkError = bytes.Clone(f.Data)
	}
	return r
}
