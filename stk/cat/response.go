package cat

import "github.com/stkforge/stkforge/stk/tlv"

// TerminalResponse is a TERMINAL RESPONSE (TS 102 223 6.8): the echoed command details, the
// result, and the data the command asked for. Marshal writes device identities terminal to
// UICC with CR set ("82 02 82 81"); terminals that send "02 02 82 81" are read as well, and
// the Message form keeps that byte.
type TerminalResponse struct {
	Details CommandDetails
	Result  Result
	// CallControlResult is the second result a command modified by call control carries.
	CallControlResult *Result
	Text              *TextString     // GET INKEY, GET INPUT, SEND USSD
	Item              *ItemIdentifier // SELECT ITEM
	Duration          *Duration       // GET INKEY with variable timeout
	Timer             *TimerIdentifier
	TimerValue        *TimerValue
	Location          *LocationInformation // PROVIDE LOCAL INFORMATION 00
	IMEI              *IMEI                // 01
	NMR               *NetworkMeasurementResults
	DateTime          *DateTimeAndTimeZone // 03
	Language          *Language            // 04
	AccessTechnology  *AccessTechnology    // 06
	Extra             []Element
}

func (t *TerminalResponse) bind(b *binder) {
	req(b, TagResult, &t.Result)
	opt(b, TagResult, &t.CallControlResult)
	opt(b, TagTextString, &t.Text)
	opt(b, TagItemIdentifier, &t.Item)
	opt(b, TagDuration, &t.Duration)
	opt(b, TagTimerIdentifier, &t.Timer)
	opt(b, TagTimerValue, &t.TimerValue)
	opt(b, TagLocationInformation, &t.Location)
	opt(b, TagIMEI, &t.IMEI)
	opt(b, TagNetworkMeasurementResults, &t.NMR)
	opt(b, TagDateTimeAndTimeZone, &t.DateTime)
	opt(b, TagLanguage, &t.Language)
	opt(b, TagAccessTechnology, &t.AccessTechnology)
	rest(b, &t.Extra)
}

// Marshal encodes the terminal response (no BER wrapper).
func (t *TerminalResponse) Marshal() ([]byte, error) {
	d := t.Details
	header := []Element{
		{Tag: TagCommandDetails, CR: true, Value: []byte{d.Number, byte(d.Type), d.Qualifier}},
		{Tag: TagDeviceIdentities, CR: true, Value: []byte{byte(DeviceTerminal), byte(DeviceUICC)}},
	}
	m, err := encodeBound("TERMINAL RESPONSE", KindTerminalResponse, 0, header, t)
	if err != nil {
		return nil, err
	}
	return m.Marshal()
}

// Unmarshal decodes a terminal response, starting from a clean struct.
func (t *TerminalResponse) Unmarshal(b []byte) error {
	*t = TerminalResponse{}
	var m Message
	if err := m.Unmarshal(b); err != nil {
		return err
	}
	if m.Kind != KindTerminalResponse {
		return tlv.Errorf("TERMINAL RESPONSE", 0, "is a %s", m.Name())
	}
	if s := m.Devices().Source; s != DeviceTerminal {
		return tlv.Errorf("TERMINAL RESPONSE.Device identities.source", m.Elements[1].Offset+2, "is %s, must be Terminal", s)
	}
	t.Details = m.Details()
	return decodeBound(&m, t, 2)
}

// YesNo reads the answer to a GET INKEY yes/no question: a text string with DCS 04 and the
// byte 01 (yes) or 00 (no) (TS 102 223 6.8, 8.15).
func (t *TerminalResponse) YesNo() (yes, ok bool) {
	if t.Text == nil || t.Text.Null || t.Text.DCS != 0x04 {
		return false, false
	}
	raw, err := t.Text.appendValue(nil)
	if err != nil || len(raw) != 2 || raw[1] > 1 {
		return false, false
	}
	return raw[1] == 1, true
}
