package cat

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/stkforge/stkforge/stk/text"
)

// ---- raw-valued objects ----

// RawValue is a data object this codec carries as bytes (its layout is outside CAT proper).
type RawValue struct{ Data []byte }

func (r *RawValue) decodeValue(v []byte) error           { r.Data = v; return nil }
func (r *RawValue) appendValue(b []byte) ([]byte, error) { return append(b, r.Data...), nil }
func (r *RawValue) appendJSON(o *object)                 { o.set("data", hexString(r.Data)) }
func (r *RawValue) fromJSON(f fields) (err error) {
	r.Data, _, err = f.hexBytes("data")
	if r.Data == nil {
		r.Data = []byte{}
	}
	return err
}

// CapabilityConfiguration holds capability configuration parameters (TS 102 223 8.4), coded as
// the bearer capability of TS 24.008.
type CapabilityConfiguration struct{ RawValue }

// Subaddress is a called party subaddress (TS 102 223 8.3, TS 24.008).
type Subaddress struct{ RawValue }

// SMSTPDU is an SMS TPDU (TS 102 223 8.13, TS 23.040): SMS-SUBMIT in SEND SHORT MESSAGE,
// SMS-DELIVER in SMS-PP DOWNLOAD.
type SMSTPDU struct{ RawValue }

// CellBroadcastPage is one 88-byte cell broadcast page (TS 102 223 8.5, TS 23.041).
type CellBroadcastPage struct{ RawValue }

// Cause is a call control cause (TS 102 223 8.26, TS 24.008); empty means radio link failure.
type Cause struct{ RawValue }

// TransactionIdentifier lists call transaction identifiers (TS 102 223 8.28).
type TransactionIdentifier struct{ RawValue }

// NetworkMeasurementResults are the radio measurements of TS 44.018 (TS 102 223 8.22).
type NetworkMeasurementResults struct{ RawValue }

// AID is an application identifier (TS 102 223 8.60, TS 101 220).
type AID struct{ RawValue }

// ProvisioningReferenceFile is a file path for LAUNCH BROWSER (TS 102 223 8.50).
type ProvisioningReferenceFile struct{ RawValue }

// ---- one-byte and fixed objects ----

var toneNames = newNameTable(map[byte]string{
	0x01: "dial tone", 0x02: "called subscriber busy", 0x03: "congestion", 0x04: "radio path acknowledge",
	0x05: "radio path not available / call dropped", 0x06: "error / special information",
	0x07: "call waiting tone", 0x08: "ringing tone", 0x10: "general beep", 0x11: "positive acknowledgement tone",
	0x12: "negative acknowledgement or error tone", 0x13: "ringing tone as selected by the user",
	0x14: "alert tone as selected by the user for SMS", 0x15: "critical alert",
	0x20: "vibrate only", 0x30: "happy tone", 0x31: "sad tone", 0x32: "urgent action tone",
	0x33: "question tone", 0x34: "message received tone", 0x40: "melody 1", 0x41: "melody 2",
	0x42: "melody 3", 0x43: "melody 4", 0x44: "melody 5", 0x45: "melody 6", 0x46: "melody 7",
	0x47: "melody 8",
})

// Tone is a PLAY TONE tone (TS 102 223 8.16).
type Tone struct{ Tone uint8 }

func (t *Tone) decodeValue(v []byte) error {
	if err := needLen(v, 1); err != nil {
		return err
	}
	t.Tone = v[0]
	return nil
}
func (t *Tone) appendValue(b []byte) ([]byte, error) { return append(b, t.Tone), nil }
func (t *Tone) appendJSON(o *object)                 { o.set("tone", toneNames.name(t.Tone)) }
func (t *Tone) fromJSON(f fields) (err error) {
	t.Tone, err = f.mustCode("tone", toneNames)
	return err
}

// oneByte reads the value of a one-byte object into p.
func oneByte(v []byte, p *uint8) error {
	if err := needLen(v, 1); err != nil {
		return err
	}
	*p = v[0]
	return nil
}

// ItemIdentifier identifies an item (TS 102 223 8.10).
type ItemIdentifier struct{ Identifier uint8 }

func (i *ItemIdentifier) decodeValue(v []byte) error           { return oneByte(v, &i.Identifier) }
func (i *ItemIdentifier) appendValue(b []byte) ([]byte, error) { return append(b, i.Identifier), nil }
func (i *ItemIdentifier) appendJSON(o *object)                 { o.set("id", i.Identifier) }
func (i *ItemIdentifier) fromJSON(f fields) (err error) {
	i.Identifier, err = f.mustByte("id")
	return err
}

// TimerIdentifier is a timer number 1..8 (TS 102 223 8.37).
type TimerIdentifier struct{ Identifier uint8 }

func (i *TimerIdentifier) decodeValue(v []byte) error {
	return oneByte(v, &i.Identifier)
}
func (i *TimerIdentifier) appendValue(b []byte) ([]byte, error) { return append(b, i.Identifier), nil }
func (i *TimerIdentifier) appendJSON(o *object)                 { o.set("timer", i.Identifier) }
func (i *TimerIdentifier) fromJSON(f fields) (err error) {
	i.Identifier, err = f.mustByte("timer")
	return err
}

// FrameIdentifier names a frame of the frames layout (TS 102 223 8.80).
type FrameIdentifier struct{ Identifier uint8 }

func (i *FrameIdentifier) decodeValue(v []byte) error {
	return oneByte(v, &i.Identifier)
}
func (i *FrameIdentifier) appendValue(b []byte) ([]byte, error) { return append(b, i.Identifier), nil }
func (i *FrameIdentifier) appendJSON(o *object)                 { o.set("frame", i.Identifier) }
func (i *FrameIdentifier) fromJSON(f fields) (err error) {
	i.Identifier, err = f.mustByte("frame")
	return err
}

var browserNames = newNameTable(map[byte]string{0x00: "default browser", 0x01: "WML browser", 0x02: "HTML browser", 0x03: "XHTML browser", 0x04: "CHTML browser"})

// BrowserIdentity selects the browser (TS 102 223 8.47).
type BrowserIdentity struct{ Browser uint8 }

func (i *BrowserIdentity) decodeValue(v []byte) error           { return oneByte(v, &i.Browser) }
func (i *BrowserIdentity) appendValue(b []byte) ([]byte, error) { return append(b, i.Browser), nil }
func (i *BrowserIdentity) appendJSON(o *object)                 { o.set("browser", browserNames.name(i.Browser)) }
func (i *BrowserIdentity) fromJSON(f fields) (err error) {
	i.Browser, err = f.mustCode("browser", browserNames)
	return err
}

var browserTerminationNames = newNameTable(map[byte]string{0x00: "user termination", 0x01: "error termination"})

// BrowserTerminationCause says why the browser ended (TS 102 223 8.51).
type BrowserTerminationCause struct{ Cause uint8 }

func (i *BrowserTerminationCause) decodeValue(v []byte) error {
	return oneByte(v, &i.Cause)
}
func (i *BrowserTerminationCause) appendValue(b []byte) ([]byte, error) {
	return append(b, i.Cause), nil
}
func (i *BrowserTerminationCause) appendJSON(o *object) {
	o.set("cause", browserTerminationNames.name(i.Cause))
}
func (i *BrowserTerminationCause) fromJSON(f fields) (err error) {
	i.Cause, err = f.mustCode("cause", browserTerminationNames)
	return err
}

var locationStatusNames = newNameTable(map[byte]string{0x00: "normal service", 0x01: "limited service", 0x02: "no service"})

// LocationStatus is the service state (TS 102 223 8.27).
type LocationStatus struct{ Status uint8 }

func (i *LocationStatus) decodeValue(v []byte) error           { return oneByte(v, &i.Status) }
func (i *LocationStatus) appendValue(b []byte) ([]byte, error) { return append(b, i.Status), nil }
func (i *LocationStatus) appendJSON(o *object)                 { o.set("status", locationStatusNames.name(i.Status)) }
func (i *LocationStatus) fromJSON(f fields) (err error) {
	i.Status, err = f.mustCode("status", locationStatusNames)
	return err
}

// ResponseLength is the minimum and maximum length of a GET INPUT answer (TS 102 223 8.11).
type ResponseLength struct{ Min, Max uint8 }

func (r *ResponseLength) decodeValue(v []byte) error {
	if err := needLen(v, 2); err != nil {
		return err
	}
	r.Min, r.Max = v[0], v[1]
	return nil
}
func (r *ResponseLength) appendValue(b []byte) ([]byte, error) { return append(b, r.Min, r.Max), nil }
func (r *ResponseLength) appendJSON(o *object)                 { o.set("min", r.Min); o.set("max", r.Max) }
func (r *ResponseLength) fromJSON(f fields) (err error) {
	if r.Min, err = f.mustByte("min"); err == nil {
		r.Max, err = f.mustByte("max")
	}
	return err
}

// HelpRequest marks a help request in MENU SELECTION (TS 102 223 8.21); it has no value.
type HelpRequest struct{}

func (*HelpRequest) decodeValue(v []byte) error           { return needLen(v, 0) }
func (*HelpRequest) appendValue(b []byte) ([]byte, error) { return b, nil }
func (*HelpRequest) appendJSON(*object)                   {}
func (*HelpRequest) fromJSON(fields) error                { return nil }

// ImmediateResponse asks the terminal to answer DISPLAY TEXT at once (TS 102 223 8.43).
type ImmediateResponse struct{ HelpRequest }

// IconIdentifier is an icon qualifier and EF-IMG record number (TS 102 223 8.31). Qualifier
// bit 1: 0 = the icon is self-explanatory (replaces the text), 1 = not self-explanatory.
type IconIdentifier struct {
	Qualifier uint8
	Record    uint8
}

// SelfExplanatory reports qualifier bit 1 = 0 (TS 102 223 8.31).
func (i *IconIdentifier) SelfExplanatory() bool { return i.Qualifier&1 == 0 }

func (i *IconIdentifier) decodeValue(v []byte) error {
	if err := needLen(v, 2); err != nil {
		return err
	}
	i.Qualifier, i.Record = v[0], v[1]
	return nil
}
func (i *IconIdentifier) appendValue(b []byte) ([]byte, error) {
	return append(b, i.Qualifier, i.Record), nil
}
func (i *IconIdentifier) appendJSON(o *object) {
	o.set("self_explanatory", i.SelfExplanatory())
	o.set("record", i.Record)
}
func iconQualifierFromJSON(f fields) (byte, error) {
	se, ok, err := f.boolean("self_explanatory")
	if !ok || se {
		return 0, err
	}
	return 1, err
}
func (i *IconIdentifier) fromJSON(f fields) (err error) {
	if i.Qualifier, err = iconQualifierFromJSON(f); err == nil {
		i.Record, err = f.mustByte("record")
	}
	return err
}

// ItemIconIdentifierList gives one EF-IMG record per item (TS 102 223 8.32).
type ItemIconIdentifierList struct {
	Qualifier uint8
	Records   []byte
}

// SelfExplanatory reports qualifier bit 1 = 0 (TS 102 223 8.32).
func (i *ItemIconIdentifierList) SelfExplanatory() bool { return i.Qualifier&1 == 0 }

func (i *ItemIconIdentifierList) decodeValue(v []byte) error {
	if len(v) < 1 {
		return verr(0, "qualifier", "missing")
	}
	i.Qualifier, i.Records = v[0], v[1:]
	return nil
}
func (i *ItemIconIdentifierList) appendValue(b []byte) ([]byte, error) {
	return append(append(b, i.Qualifier), i.Records...), nil
}
func (i *ItemIconIdentifierList) appendJSON(o *object) {
	o.set("self_explanatory", i.SelfExplanatory())
	rs := make([]int, len(i.Records))
	for k, r := range i.Records {
		rs[k] = int(r)
	}
	o.set("records", rs)
}
func (i *ItemIconIdentifierList) fromJSON(f fields) error {
	q, err := iconQualifierFromJSON(f)
	if err != nil {
		return err
	}
	i.Qualifier = q
	var rs []uint8
	if raw, ok := f["records"]; ok {
		var ns []int
		if err := jsonUnmarshal(raw, &ns); err != nil {
			return fmt.Errorf("records: want a list of numbers 0..255")
		}
		for _, n := range ns {
			if n < 0 || n > 255 {
				return fmt.Errorf("records: %d is not 0..255", n)
			}
			rs = append(rs, uint8(n))
		}
	}
	i.Records = rs
	if i.Records == nil {
		i.Records = []byte{}
	}
	return nil
}

// ItemsNextActionIndicator gives, per item, the command that selecting it will lead to
// (TS 102 223 8.24).
type ItemsNextActionIndicator struct{ Actions []CommandType }

func (n *ItemsNextActionIndicator) decodeValue(v []byte) error {
	n.Actions = make([]CommandType, len(v))
	for i, c := range v {
		n.Actions[i] = CommandType(c)
	}
	return nil
}
func (n *ItemsNextActionIndicator) appendValue(b []byte) ([]byte, error) {
	for _, a := range n.Actions {
		b = append(b, byte(a))
	}
	return b, nil
}
func (n *ItemsNextActionIndicator) appendJSON(o *object) {
	s := make([]string, len(n.Actions))
	for i, a := range n.Actions {
		s[i] = nextActionNames.name(byte(a))
	}
	o.set("actions", s)
}
func (n *ItemsNextActionIndicator) fromJSON(f fields) error {
	v, err := f.codeList("actions", nextActionNames)
	n.Actions = make([]CommandType, len(v))
	for i, c := range v {
		n.Actions[i] = CommandType(c)
	}
	return err
}

// Event is an event code of SET UP EVENT LIST and EVENT DOWNLOAD (TS 102 223 8.25).
type Event uint8

// Events (TS 102 223 8.25).
const (
	EventMTCall                 Event = 0x00
	EventCallConnected          Event = 0x01
	EventCallDisconnected       Event = 0x02
	EventLocationStatus         Event = 0x03
	EventUserActivity           Event = 0x04
	EventIdleScreenAvailable    Event = 0x05
	EventCardReaderStatus       Event = 0x06
	EventLanguageSelection      Event = 0x07
	EventBrowserTermination     Event = 0x08
	EventDataAvailable          Event = 0x09
	EventChannelStatus          Event = 0x0A
	EventAccessTechnologyChange Event = 0x0B
)

var eventNames = newNameTable(map[byte]string{
	0x00: "MT call", 0x01: "Call connected", 0x02: "Call disconnected", 0x03: "Location status",
	0x04: "User activity", 0x05: "Idle screen available", 0x06: "Card reader status",
	0x07: "Language selection", 0x08: "Browser termination", 0x09: "Data available",
	0x0A: "Channel status", 0x0B: "Access Technology Change", 0x0C: "Display parameters changed",
	0x0D: "Local connection", 0x0E: "Network Search Mode Change", 0x0F: "Browsing status",
	0x10: "Frames Information Change",
})

func (e Event) String() string { return eventNames.name(byte(e)) }

// EventList lists events (TS 102 223 8.25); empty removes the list.
type EventList struct{ Events []Event }

func (e *EventList) decodeValue(v []byte) error {
	e.Events = make([]Event, len(v))
	for i, c := range v {
		e.Events[i] = Event(c)
	}
	return nil
}
func (e *EventList) appendValue(b []byte) ([]byte, error) {
	for _, x := range e.Events {
		b = append(b, byte(x))
	}
	return b, nil
}
func (e *EventList) appendJSON(o *object) {
	s := make([]string, len(e.Events))
	for i, x := range e.Events {
		s[i] = x.String()
	}
	o.set("events", s)
}
func (e *EventList) fromJSON(f fields) error {
	v, err := f.codeList("events", eventNames)
	e.Events = make([]Event, len(v))
	for i, c := range v {
		e.Events[i] = Event(c)
	}
	return err
}

// FileList is a list of full file paths, each from 3F00 (TS 102 223 8.18).
type FileList struct{ Files [][]byte }

func (l *FileList) decodeValue(v []byte) error {
	if len(v) < 1 {
		return verr(0, "count", "missing")
	}
	if (len(v)-1)%2 != 0 {
		return verr(1, "paths", "odd number of bytes %d", len(v)-1)
	}
	l.Files = nil
	p := v[1:]
	start := 0
	for i := 0; i < len(p); i += 2 {
		if p[i] == 0x3F && p[i+1] == 0x00 && i > start {
			l.Files = append(l.Files, p[start:i])
			start = i
		} else if i == 0 && !(p[0] == 0x3F && p[1] == 0x00) {
			return verr(1, "paths", "path does not start at 3F00")
		}
	}
	if len(p) > 0 {
		l.Files = append(l.Files, p[start:])
	}
	for i, f := range l.Files {
		if len(f) < 4 {
			return verr(1, "paths", "file %d: %X is shorter than 4 bytes", i+1, f)
		}
	}
	if int(v[0]) != len(l.Files) {
		return verr(0, "count", "says %d files, the paths hold %d", v[0], len(l.Files))
	}
	return nil
}
func (l *FileList) appendValue(b []byte) ([]byte, error) {
	if len(l.Files) > 255 {
		return nil, errors.New("more than 255 files")
	}
	b = append(b, byte(len(l.Files)))
	for i, f := range l.Files {
		// 8.18: full paths from the MF, so 3F00 starts each and only each path.
		if len(f) < 4 || len(f)%2 != 0 || f[0] != 0x3F || f[1] != 0x00 {
			return nil, fmt.Errorf("file %d: %X is not a full path from 3F00", i, f)
		}
		for k := 2; k < len(f); k += 2 {
			if f[k] == 0x3F && f[k+1] == 0x00 {
				return nil, fmt.Errorf("file %d: %X has 3F00 inside", i, f)
			}
		}
		b = append(b, f...)
	}
	return b, nil
}
func (l *FileList) appendJSON(o *object) {
	s := make([]string, len(l.Files))
	for i, f := range l.Files {
		s[i] = hexString(f)
	}
	o.set("files", s)
}
func (l *FileList) fromJSON(f fields) error {
	ss, _, err := f.strList("files")
	if err != nil {
		return err
	}
	l.Files = nil
	for i, s := range ss {
		b, err := ParseHex(s)
		if err != nil {
			return fmt.Errorf("files[%d]: %v", i, err)
		}
		l.Files = append(l.Files, b)
	}
	return nil
}

// LocationInformation is MCC, MNC, location area code and cell identity (TS 102 223 8.19,
// TS 24.008 10.5.1.3 for the PLMN layout).
type LocationInformation struct {
	MCC, MNC string
	LAC      uint16
	CellID   []byte
}

func (l *LocationInformation) decodeValue(v []byte) error {
	if len(v) < 5 {
		return verr(0, "length", "needs at least 5 bytes, has %d", len(v))
	}
	d := func(n byte) byte { return "0123456789ABCDEF"[n&0xF] }
	l.MCC = string([]byte{d(v[0]), d(v[0] >> 4), d(v[1])})
	if v[1]>>4 == 0xF {
		l.MNC = string([]byte{d(v[2]), d(v[2] >> 4)})
	} else {
		l.MNC = string([]byte{d(v[2]), d(v[2] >> 4), d(v[1] >> 4)})
	}
	l.LAC = uint16(v[3])<<8 | uint16(v[4])
	l.CellID = v[5:]
	return nil
}
func (l *LocationInformation) appendValue(b []byte) ([]byte, error) {
	x := func(s string, i int) (byte, error) {
		if i >= len(s) {
			return 0xF, nil
		}
		v, err := strconv.ParseUint(s[i:i+1], 16, 8)
		return byte(v), err
	}
	if len(l.MCC) != 3 || len(l.MNC) < 2 || len(l.MNC) > 3 {
		return nil, errors.New("MCC needs 3 digits and MNC 2 or 3")
	}
	var n [6]byte
	var err error
	for i, p := range [6]struct {
		s string
		i int
	}{{l.MCC, 0}, {l.MCC, 1}, {l.MCC, 2}, {l.MNC, 2}, {l.MNC, 0}, {l.MNC, 1}} {
		var e error
		if n[i], e = x(p.s, p.i); e != nil {
			err = fmt.Errorf("bad digit in MCC/MNC")
		}
	}
	b = append(b, n[1]<<4|n[0], n[3]<<4|n[2], n[5]<<4|n[4], byte(l.LAC>>8), byte(l.LAC))
	return append(b, l.CellID...), err
}
func (l *LocationInformation) appendJSON(o *object) {
	o.set("mcc", l.MCC)
	o.set("mnc", l.MNC)
	o.set("lac", fmt.Sprintf("%04X", l.LAC))
	o.set("cell_id", hexString(l.CellID))
}
func (l *LocationInformation) fromJSON(f fields) (err error) {
	if l.MCC, err = f.mustStr("mcc"); err != nil {
		return err
	}
	if l.MNC, err = f.mustStr("mnc"); err != nil {
		return err
	}
	lac, err := f.mustHex("lac")
	if err != nil {
		return err
	}
	if len(lac) != 2 {
		return errors.New("lac: want 4 hex digits")
	}
	l.LAC = uint16(lac[0])<<8 | uint16(lac[1])
	l.CellID, err = f.mustHex("cell_id")
	return err
}

// IMEI is the terminal's IMEI in the TS 24.008 mobile identity layout (TS 102 223 8.20): the
// first byte holds digit 1 and the identity type (A = IMEI, odd).
type IMEI struct {
	Digits string
	Type   uint8 // low nibble of the first byte, 0x0A for an IMEI
}

func (m *IMEI) decodeValue(v []byte) error {
	if err := needLen(v, 8); err != nil {
		return err
	}
	const h = "0123456789ABCDEF"
	d := []byte{h[v[0]>>4]}
	for _, c := range v[1:] {
		d = append(d, h[c&0xF], h[c>>4])
	}
	m.Digits, m.Type = string(d), v[0]&0x0F
	return nil
}
func (m *IMEI) appendValue(b []byte) ([]byte, error) {
	raw, err := ParseHex(m.Digits + "0")
	if err != nil || len(m.Digits) != 15 {
		return nil, errors.New("IMEI needs 15 digits")
	}
	b = append(b, raw[0]&0xF0|m.Type&0x0F)
	s := m.Digits[1:]
	for i := 0; i < 14; i += 2 {
		lo, _ := strconv.ParseUint(s[i:i+1], 16, 8)
		hi, _ := strconv.ParseUint(s[i+1:i+2], 16, 8)
		b = append(b, byte(hi<<4|lo))
	}
	return b, nil
}
func (m *IMEI) appendJSON(o *object) {
	o.set("imei", m.Digits)
	if m.Type != 0x0A {
		o.set("identity_type", fmt.Sprintf("%X", m.Type))
	}
}
func (m *IMEI) fromJSON(f fields) (err error) {
	m.Type = 0x0A
	if t, ok, err := f.hexByte("identity_type"); err != nil {
		return err
	} else if ok {
		m.Type = t
	}
	m.Digits, err = f.mustStr("imei")
	return err
}

// TimerValue is a time in hours, minutes and seconds, swapped BCD (TS 102 223 8.38).
type TimerValue struct{ Hours, Minutes, Seconds uint8 }

func bcdByte(c byte, off int, field string) (uint8, error) {
	lo, hi := c&0x0F, c>>4
	if lo > 9 || hi > 9 {
		return 0, verr(off, field, "%02X is not swapped BCD", c)
	}
	return lo*10 + hi, nil
}
func toBCD(v uint8) byte { return v%10<<4 | v/10%10 }

func (t *TimerValue) decodeValue(v []byte) (err error) {
	if err = needLen(v, 3); err != nil {
		return err
	}
	if t.Hours, err = bcdByte(v[0], 0, "hours"); err != nil {
		return err
	}
	if t.Minutes, err = bcdByte(v[1], 1, "minutes"); err != nil {
		return err
	}
	t.Seconds, err = bcdByte(v[2], 2, "seconds")
	return err
}
func (t *TimerValue) appendValue(b []byte) ([]byte, error) {
	if t.Hours > 99 || t.Minutes > 99 || t.Seconds > 99 {
		return nil, errors.New("timer value field above 99")
	}
	return append(b, toBCD(t.Hours), toBCD(t.Minutes), toBCD(t.Seconds)), nil
}
func (t *TimerValue) appendJSON(o *object) {
	o.set("value", fmt.Sprintf("%02d:%02d:%02d", t.Hours, t.Minutes, t.Seconds))
}
func (t *TimerValue) fromJSON(f fields) error {
	s, err := f.mustStr("value")
	if err != nil {
		return err
	}
	var h, m, sec uint8
	if n, _ := fmt.Sscanf(s, "%d:%d:%d", &h, &m, &sec); n != 3 {
		return fmt.Errorf("value: %q is not hh:mm:ss", s)
	}
	*t = TimerValue{h, m, sec}
	return nil
}

// DateTimeAndTimeZone is the terminal's date, time and time zone in swapped BCD (TS 102 223
// 8.39, TS 23.040 9.2.3.11); TimeZone FF means unknown.
type DateTimeAndTimeZone struct {
	Year, Month, Day, Hour, Minute, Second uint8
	TimeZone                               uint8
}

func (d *DateTimeAndTimeZone) decodeValue(v []byte) error {
	if err := needLen(v, 7); err != nil {
		return err
	}
	names := [6]string{"year", "month", "day", "hour", "minute", "second"}
	ps := [6]*uint8{&d.Year, &d.Month, &d.Day, &d.Hour, &d.Minute, &d.Second}
	for i, p := range ps {
		x, err := bcdByte(v[i], i, names[i])
		if err != nil {
			return err
		}
		*p = x
	}
	d.TimeZone = v[6]
	if v[6] != 0xFF && (v[6]&0x07 > 9 || v[6]>>4 > 9) {
		return verr(6, "time zone", "%02X is not swapped BCD", v[6])
	}
	return nil
}
func (d *DateTimeAndTimeZone) appendValue(b []byte) ([]byte, error) {
	for _, x := range [6]uint8{d.Year, d.Month, d.Day, d.Hour, d.Minute, d.Second} {
		if x > 99 {
			return nil, errors.New("date-time field above 99")
		}
		b = append(b, toBCD(x))
	}
	return append(b, d.TimeZone), nil
}
func (d *DateTimeAndTimeZone) appendJSON(o *object) {
	o.set("date_time", fmt.Sprintf("20%02d-%02d-%02d %02d:%02d:%02d", d.Year, d.Month, d.Day, d.Hour, d.Minute, d.Second))
	if d.TimeZone == 0xFF {
		o.set("time_zone", "unknown")
		return
	}
	q := int(d.TimeZone&0x07)*10 + int(d.TimeZone>>4)
	sign := "+"
	if d.TimeZone&0x08 != 0 {
		sign = "-"
	}
	o.set("time_zone", fmt.Sprintf("%s%02d:%02d", sign, q/4, q%4*15))
}
func (d *DateTimeAndTimeZone) fromJSON(f fields) error {
	s, err := f.mustStr("date_time")
	if err != nil {
		return err
	}
	var y int
	if n, _ := fmt.Sscanf(s, "%d-%d-%d %d:%d:%d", &y, &d.Month, &d.Day, &d.Hour, &d.Minute, &d.Second); n != 6 || y < 2000 || y > 2099 {
		return fmt.Errorf("date_time: %q is not YYYY-MM-DD hh:mm:ss in 2000..2099", s)
	}
	d.Year = uint8(y - 2000)
	tz, err := f.mustStr("time_zone")
	if err != nil {
		return err
	}
	if tz == "unknown" {
		d.TimeZone = 0xFF
		return nil
	}
	var hh, mm int
	if n, _ := fmt.Sscanf(tz[1:], "%d:%d", &hh, &mm); n != 2 || (tz[0] != '+' && tz[0] != '-') || mm%15 != 0 {
		return fmt.Errorf("time_zone: %q is not ±hh:mm in quarter hours", tz)
	}
	q := hh*4 + mm/15
	if q > 79 {
		return fmt.Errorf("time_zone: %q too far from UTC", tz)
	}
	d.TimeZone = byte(q%10)<<4 | byte(q/10)
	if tz[0] == '-' {
		d.TimeZone |= 0x08
	}
	return nil
}

// Language is a two-character ISO 639 code in the SMS default alphabet (TS 102 223 8.45).
type Language struct{ Code string }

func (l *Language) decodeValue(v []byte) error {
	if err := needLen(v, 2); err != nil {
		return err
	}
	s, err := text.DecodeText(0x04, v)
	if err != nil {
		return shift(err, 0)
	}
	l.Code = s
	return nil
}
func (l *Language) appendValue(b []byte) ([]byte, error) {
	e, err := text.EncodeText(l.Code, 0x04)
	if err == nil && len(e) != 2 {
		err = fmt.Errorf("language %q is not two characters", l.Code)
	}
	return append(b, e...), err
}
func (l *Language) appendJSON(o *object)          { o.set("language", l.Code) }
func (l *Language) fromJSON(f fields) (err error) { l.Code, err = f.mustStr("language"); return err }

// URL is the address LAUNCH BROWSER opens, in the SMS default alphabet, unpacked (TS 102 223
// 8.48); empty means the browser's default URL.
type URL struct{ URL string }

func (u *URL) decodeValue(v []byte) error {
	s, err := text.DecodeText(0x04, v)
	if err != nil {
		return shift(err, 0)
	}
	u.URL = s
	return nil
}
func (u *URL) appendValue(b []byte) ([]byte, error) {
	e, err := text.EncodeText(u.URL, 0x04)
	return append(b, e...), err
}
func (u *URL) appendJSON(o *object)          { o.set("url", u.URL) }
func (u *URL) fromJSON(f fields) (err error) { u.URL, _, err = f.str("url"); return err }

var bearerNames = newNameTable(map[byte]string{0x00: "SMS", 0x01: "CSD", 0x02: "USSD", 0x03: "GPRS"})

// Bearer lists the bearers LAUNCH BROWSER may use, in order of priority (TS 102 223 8.49).
type Bearer struct{ Bearers []byte }

func (x *Bearer) decodeValue(v []byte) error           { x.Bearers = v; return nil }
func (x *Bearer) appendValue(b []byte) ([]byte, error) { return append(b, x.Bearers...), nil }
func (x *Bearer) appendJSON(o *object) {
	s := make([]string, len(x.Bearers))
	for i, c := range x.Bearers {
		s[i] = bearerNames.name(c)
	}
	o.set("bearers", s)
}
func (x *Bearer) fromJSON(f fields) (err error) {
	x.Bearers, err = f.codeList("bearers", bearerNames)
	return err
}

var accessTechnologyNames = newNameTable(map[byte]string{
	0x00: "GSM", 0x01: "TIA/EIA-553", 0x02: "TIA/EIA-136-270", 0x03: "UTRAN", 0x04: "TETRA",
	0x05: "TIA/EIA-95-B", 0x06: "cdma2000 1x", 0x07: "cdma2000 HRPD", 0x08: "E-UTRAN", 0x09: "eHRPD",
	0x0A: "3GPP NG-RAN", 0x0B: "3GPP satellite NG-RAN", 0x0C: "3GPP satellite E-UTRAN",
})

// AccessTechnology is the radio access technology in use (TS 102 223 8.61).
type AccessTechnology struct{ Technologies []byte }

func (x *AccessTechnology) decodeValue(v []byte) error { x.Technologies = v; return nil }
func (x *AccessTechnology) appendValue(b []byte) ([]byte, error) {
	return append(b, x.Technologies...), nil
}
func (x *AccessTechnology) appendJSON(o *object) {
	s := make([]string, len(x.Technologies))
	for i, c := range x.Technologies {
		s[i] = accessTechnologyNames.name(c)
	}
	o.set("technologies", s)
}
func (x *AccessTechnology) fromJSON(f fields) (err error) {
	x.Technologies, err = f.codeList("technologies", accessTechnologyNames)
	return err
}

// TextFormat is one text formatting entry: start, length, format and colour (TS 102 223 8.72).
type TextFormat struct {
	Start, Length uint8
	// Format: bits 1-2 alignment (0 left, 1 centre, 2 right, 3 language dependent), bits 3-4
	// font size (0 normal, 1 large, 2 small), bit 5 bold, bit 6 italic, bit 7 underline,
	// bit 8 strikethrough.
	Format uint8
	Colour uint8 // low nibble foreground, high nibble background
}

var alignNames = [4]string{"left", "centre", "right", "language dependent"}
var sizeNames = [4]string{"normal", "large", "small", "RFU"}

func (t TextFormat) appendJSON(o *object) {
	o.set("start", t.Start)
	o.set("length", t.Length)
	o.set("alignment", alignNames[t.Format&3])
	o.set("size", sizeNames[t.Format>>2&3])
	for i, n := range [4]string{"bold", "italic", "underline", "strikethrough"} {
		if t.Format>>(4+i)&1 != 0 {
			o.set(n, true)
		}
	}
	o.set("colour", fmt.Sprintf("%02X", t.Colour))
}

func textFormatFromJSON(f fields) (t TextFormat, err error) {
	if t.Start, err = f.mustByte("start"); err != nil {
		return t, err
	}
	if t.Length, err = f.mustByte("length"); err != nil {
		return t, err
	}
	pick := func(k string, names [4]string) (byte, error) {
		s, ok, err := f.str(k)
		if !ok || err != nil {
			return 0, err
		}
		for i, n := range names {
			if n == s {
				return byte(i), nil
			}
		}
		return 0, fmt.Errorf("%s: unknown value %q", k, s)
	}
	a, err := pick("alignment", alignNames)
	if err != nil {
		return t, err
	}
	s, err := pick("size", sizeNames)
	if err != nil {
		return t, err
	}
	t.Format = a | s<<2
	for i, n := range [4]string{"bold", "italic", "underline", "strikethrough"} {
		v, _, err := f.boolean(n)
		if err != nil {
			return t, err
		}
		if v {
			t.Format |= 1 << (4 + i)
		}
	}
	c, _, err := f.hexByte("colour")
	t.Colour = c
	return t, err
}

func decodeTextFormats(v []byte) ([]TextFormat, error) {
	if len(v)%4 != 0 {
		return nil, verr(0, "length", "%d is not a multiple of 4", len(v))
	}
	out := make([]TextFormat, len(v)/4)
	for i := range out {
		out[i] = TextFormat{v[4*i], v[4*i+1], v[4*i+2], v[4*i+3]}
	}
	return out, nil
}

func appendTextFormats(b []byte, ts []TextFormat) []byte {
	for _, t := range ts {
		b = append(b, t.Start, t.Length, t.Format, t.Colour)
	}
	return b
}

func textFormatsJSON(o *object, ts []TextFormat) {
	l := make([]*object, len(ts))
	for i, t := range ts {
		l[i] = new(object)
		t.appendJSON(l[i])
	}
	o.set("formats", l)
}

func textFormatsFromJSON(f fields) ([]TextFormat, error) {
	var raws []fields
	if raw, ok := f["formats"]; ok {
		if err := jsonUnmarshal(raw, &raws); err != nil {
			return nil, errors.New("formats: want a list of objects")
		}
	}
	out := make([]TextFormat, len(raws))
	for i, r := range raws {
		t, err := textFormatFromJSON(r)
		if err != nil {
			return nil, fmt.Errorf("formats[%d].%v", i, err)
		}
		out[i] = t
	}
	return out, nil
}

// TextAttribute formats a text (TS 102 223 8.72).
type TextAttribute struct{ Formats []TextFormat }

func (t *TextAttribute) decodeValue(v []byte) (err error) {
	t.Formats, err = decodeTextFormats(v)
	return err
}
func (t *TextAttribute) appendValue(b []byte) ([]byte, error) {
	return appendTextFormats(b, t.Formats), nil
}
func (t *TextAttribute) appendJSON(o *object) { textFormatsJSON(o, t.Formats) }
func (t *TextAttribute) fromJSON(f fields) (err error) {
	t.Formats, err = textFormatsFromJSON(f)
	return err
}

// ItemTextAttributeList formats each item's text, in item order (TS 102 223 8.73).
type ItemTextAttributeList struct{ TextAttribute }
