package cat

import (
	"fmt"
	"strings"

	"github.com/stkforge/stkforge/stk/tlv"
)

// Value is the typed value of one simple TLV data object (TS 102 223 clause 8). decodeValue
// reports errors as *tlv.Error whose Field is a sub-field name and whose Offset counts from the
// start of the value; the caller rebases them onto the message.
type Value interface {
	decodeValue(v []byte) error
	appendValue(b []byte) ([]byte, error)
	appendJSON(o *object)
	fromJSON(f fields) error
}

func verr(off int, field, format string, args ...any) error {
	return tlv.Errorf(field, off, format, args...)
}

// shift moves a text error (a *tlv.Error relative to the text) to its place in the value.
func shift(err error, off int) error {
	if e, ok := err.(*tlv.Error); ok {
		return &tlv.Error{Field: e.Field, Offset: e.Offset + off, Msg: e.Msg}
	}
	return verr(off, "text", "%v", err)
}

func needLen(v []byte, n int) error {
	if len(v) != n {
		return verr(0, "length", "needs %d bytes, has %d", n, len(v))
	}
	return nil
}

// ---- Command details (8.6) and device identities (8.7) ----

// CommandType is the type of a proactive command (TS 102 223 9.4).
type CommandType uint8

// CommandDetails is the command number, type and qualifier (TS 102 223 8.6).
type CommandDetails struct {
	Number    uint8
	Type      CommandType
	Qualifier uint8
}

func (c *CommandDetails) decodeValue(v []byte) error {
	if err := needLen(v, 3); err != nil {
		return err
	}
	*c = CommandDetails{v[0], CommandType(v[1]), v[2]}
	return nil
}
func (c *CommandDetails) appendValue(b []byte) ([]byte, error) {
	return append(b, c.Number, byte(c.Type), c.Qualifier), nil
}
func (c *CommandDetails) appendJSON(o *object) {
	o.set("number", c.Number)
	o.set("command_type", fmt.Sprintf("%02X", byte(c.Type)))
	if n := c.Type.String(); n != "" {
		o.set("command", n)
	}
	o.set("qualifier", fmt.Sprintf("%02X", c.Qualifier))
}
func (c *CommandDetails) fromJSON(f fields) (err error) {
	if c.Number, err = f.mustByte("number"); err != nil {
		return err
	}
	t, ok, err := f.hexByte("command_type")
	if err != nil {
		return err
	}
	if !ok {
		name, err := f.mustStr("command")
		if err != nil {
			return err
		}
		ct, ok := commandTypeByName[name]
		if !ok {
			return fmt.Errorf("command: unknown command %q", name)
		}
		t = byte(ct)
	}
	c.Type = CommandType(t)
	c.Qualifier, _, err = f.hexByte("qualifier")
	return err
}

// Device is a device identity code (TS 102 223 8.7).
type Device uint8

// Device identities (TS 102 223 8.7).
const (
	DeviceKeypad   Device = 0x01
	DeviceDisplay  Device = 0x02
	DeviceEarpiece Device = 0x03
	DeviceUICC     Device = 0x81
	DeviceTerminal Device = 0x82
	DeviceNetwork  Device = 0x83
)

var deviceNames = newNameTable(func() map[byte]string {
	m := map[byte]string{0x01: "Keypad", 0x02: "Display", 0x03: "Earpiece", 0x81: "UICC", 0x82: "Terminal", 0x83: "Network"}
	for i := byte(0); i < 8; i++ {
		m[0x10+i] = fmt.Sprintf("Additional Card Reader %d", i)
	}
	for i := byte(1); i < 8; i++ {
		m[0x20+i] = fmt.Sprintf("Channel %d", i)
	}
	return m
}())

func (d Device) String() string { return deviceNames.name(byte(d)) }

// DeviceIdentities is the source and destination of a message (TS 102 223 8.7).
type DeviceIdentities struct {
	Source      Device
	Destination Device
}

func (d *DeviceIdentities) decodeValue(v []byte) error {
	if err := needLen(v, 2); err != nil {
		return err
	}
	*d = DeviceIdentities{Device(v[0]), Device(v[1])}
	return nil
}
func (d *DeviceIdentities) appendValue(b []byte) ([]byte, error) {
	return append(b, byte(d.Source), byte(d.Destination)), nil
}
func (d *DeviceIdentities) appendJSON(o *object) {
	o.set("source", d.Source.String())
	o.set("destination", d.Destination.String())
}
func (d *DeviceIdentities) fromJSON(f fields) error {
	s, err := f.mustCode("source", deviceNames)
	if err != nil {
		return err
	}
	t, err := f.mustCode("destination", deviceNames)
	*d = DeviceIdentities{Device(s), Device(t)}
	return err
}

// ---- Result (8.12) ----

// Result is the general result and its additional information (TS 102 223 8.12).
type Result struct {
	General    GeneralResult
	Additional []byte
}

func (r *Result) decodeValue(v []byte) error {
	if len(v) < 1 {
		return verr(0, "general result", "missing")
	}
	*r = Result{General: GeneralResult(v[0]), Additional: v[1:]}
	return nil
}
func (r *Result) appendValue(b []byte) ([]byte, error) {
	return append(append(b, byte(r.General)), r.Additional...), nil
}
func (r *Result) appendJSON(o *object) {
	o.set("general_result", fmt.Sprintf("%02X", byte(r.General)))
	if n := r.General.String(); n != "" {
		o.set("meaning", n)
	}
	if len(r.Additional) > 0 {
		o.set("additional_information", hexString(r.Additional))
		if m := r.AdditionalMeaning(); m != "" {
			o.set("additional_meaning", m)
		}
	}
}
func (r *Result) fromJSON(f fields) error {
	s, err := f.mustStr("general_result")
	if err != nil {
		return err
	}
	g, err := parseHexByte(s)
	if err != nil {
		gr, ok := generalResultByName[strings.ToLower(s)]
		if !ok {
			return fmt.Errorf("general_result: %q is neither a hex code nor a result name", s)
		}
		g = byte(gr)
	}
	r.General = GeneralResult(g)
	r.Additional, _, err = f.hexBytes("additional_information")
	return err
}

// ---- Duration (8.8) ----

// TimeUnit is the unit of a Duration (TS 102 223 8.8).
type TimeUnit uint8

// Time units (TS 102 223 8.8).
const (
	Minutes       TimeUnit = 0x00
	Seconds       TimeUnit = 0x01
	TenthsSeconds TimeUnit = 0x02
)

var timeUnitNames = newNameTable(map[byte]string{0: "minutes", 1: "seconds", 2: "tenths of seconds"})

// Duration is a time interval (TS 102 223 8.8); Interval 00 is reserved.
type Duration struct {
	Unit     TimeUnit
	Interval uint8
}

func (d *Duration) decodeValue(v []byte) error {
	if err := needLen(v, 2); err != nil {
		return err
	}
	*d = Duration{TimeUnit(v[0]), v[1]}
	return nil
}
func (d *Duration) appendValue(b []byte) ([]byte, error) {
	return append(b, byte(d.Unit), d.Interval), nil
}
func (d *Duration) appendJSON(o *object) {
	o.set("interval", d.Interval)
	o.set("unit", timeUnitNames.name(byte(d.Unit)))
}
func (d *Duration) fromJSON(f fields) (err error) {
	u, err := f.mustCode("unit", timeUnitNames)
	d.Unit = TimeUnit(u)
	if err == nil {
		d.Interval, err = f.mustByte("interval")
	}
	return err
}
