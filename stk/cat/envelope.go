package cat

import "github.com/stkforge/stkforge/stk/tlv"

// Envelope is a typed ENVELOPE (TS 102 223 clause 7, TS 31.111 clause 7). Marshal writes the
// fields in the order of the spec's table with CR set; Unmarshal starts from a clean struct.
type Envelope interface {
	BERTag() byte
	Marshal() ([]byte, error)
	Unmarshal(b []byte) error
	bind(*binder)
}

// newEnvelope maps envelope tags to their typed struct.
var newEnvelope = map[byte]func() Envelope{
	TagSMSPPDownload:         func() Envelope { return new(SMSPPDownload) },
	TagCellBroadcastDownload: func() Envelope { return new(CellBroadcastDownload) },
	TagMenuSelection:         func() Envelope { return new(MenuSelection) },
	TagCallControl:           func() Envelope { return new(CallControl) },
	TagMOShortMessageControl: func() Envelope { return new(MOShortMessageControl) },
	TagEventDownload:         func() Envelope { return new(EventDownload) },
	TagTimerExpiration:       func() Envelope { return new(TimerExpiration) },
}

// UnmarshalEnvelope decodes an envelope into its typed struct.
func UnmarshalEnvelope(b []byte) (Envelope, error) {
	var m Message
	if err := m.Unmarshal(b); err != nil {
		return nil, err
	}
	f := newEnvelope[m.BERTag]
	if m.Kind != KindEnvelope || f == nil {
		return nil, tlv.Errorf("envelope", 0, "%s is not a typed envelope", m.Name())
	}
	e := f()
	if err := decodeBound(&m, e, 0); err != nil {
		return nil, err
	}
	return e, nil
}

func unmarshalEnvelope(b []byte, e Envelope) error {
	var m Message
	if err := m.Unmarshal(b); err != nil {
		return err
	}
	if m.Kind != KindEnvelope || m.BERTag != e.BERTag() {
		return tlv.Errorf(envelopes[e.BERTag()].name, 0, "is a %s", m.Name())
	}
	return decodeBound(&m, e, 0)
}

func marshalEnvelope(e Envelope) ([]byte, error) {
	m, err := encodeBound(envelopes[e.BERTag()].name, KindEnvelope, e.BERTag(), nil, e)
	if err != nil {
		return nil, err
	}
	return m.Marshal()
}

// SMSPPDownload is SMS-PP DOWNLOAD (TS 31.111 7.1.1): network to UICC, the SMS-DELIVER.
type SMSPPDownload struct {
	Devices DeviceIdentities
	Address *Address // service centre
	TPDU    SMSTPDU
	Extra   []Element
}

func (e *SMSPPDownload) BERTag() byte { return TagSMSPPDownload }
func (e *SMSPPDownload) bind(b *binder) {
	req(b, TagDeviceIdentities, &e.Devices)
	opt(b, TagAddress, &e.Address)
	req(b, TagSMSTPDU, &e.TPDU)
	rest(b, &e.Extra)
}

// CellBroadcastDownload is CELL BROADCAST DOWNLOAD (TS 31.111 7.1.2).
type CellBroadcastDownload struct {
	Devices DeviceIdentities
	Page    CellBroadcastPage
	Extra   []Element
}

func (e *CellBroadcastDownload) BERTag() byte { return TagCellBroadcastDownload }
func (e *CellBroadcastDownload) bind(b *binder) {
	req(b, TagDeviceIdentities, &e.Devices)
	req(b, TagCellBroadcastPage, &e.Page)
	rest(b, &e.Extra)
}

// MenuSelection is MENU SELECTION (TS 102 223 7.2): keypad to UICC, the chosen item, and
// whether the user asked for help on it.
type MenuSelection struct {
	Devices     DeviceIdentities
	Item        ItemIdentifier
	HelpRequest bool
	Extra       []Element
}

func (e *MenuSelection) BERTag() byte { return TagMenuSelection }
func (e *MenuSelection) bind(b *binder) {
	req(b, TagDeviceIdentities, &e.Devices)
	req(b, TagItemIdentifier, &e.Item)
	flag(b, TagHelpRequest, &e.HelpRequest)
	rest(b, &e.Extra)
}

// CallControl is CALL CONTROL (TS 102 223 7.3.1, TS 31.111 7.3.1): one of Address, SSString or
// USSDString says what the terminal is about to set up.
type CallControl struct {
	Devices                  DeviceIdentities
	Address                  *Address
	SSString                 *SSString
	USSDString               *USSDString
	CapabilityConfiguration  *CapabilityConfiguration
	Subaddress               *Subaddress
	Location                 *LocationInformation
	CapabilityConfiguration2 *CapabilityConfiguration
	BCRepeatIndicator        *RawValue
	Extra                    []Element
}

func (e *CallControl) BERTag() byte { return TagCallControl }
func (e *CallControl) bind(b *binder) {
	if !b.decoding {
		b.needFirst(e.CapabilityConfiguration2 != nil, e.CapabilityConfiguration != nil, "CapabilityConfiguration2", "CapabilityConfiguration")
	}
	req(b, TagDeviceIdentities, &e.Devices)
	opt(b, TagAddress, &e.Address)
	opt(b, TagSSString, &e.SSString)
	opt(b, TagUSSDString, &e.USSDString)
	opt(b, TagCapabilityConfiguration, &e.CapabilityConfiguration)
	opt(b, TagSubaddress, &e.Subaddress)
	opt(b, TagLocationInformation, &e.Location)
	opt(b, TagCapabilityConfiguration, &e.CapabilityConfiguration2)
	opt(b, TagBCRepeatIndicator, &e.BCRepeatIndicator)
	rest(b, &e.Extra)
}

// MOShortMessageControl is MO SHORT MESSAGE CONTROL (TS 31.111 7.3.2): the service centre
// (RP destination) and the recipient (TP destination) addresses.
type MOShortMessageControl struct {
	Devices       DeviceIdentities
	RPDestination Address
	TPDestination Address
	Location      LocationInformation
	Extra         []Element
}

func (e *MOShortMessageControl) BERTag() byte { return TagMOShortMessageControl }
func (e *MOShortMessageControl) bind(b *binder) {
	req(b, TagDeviceIdentities, &e.Devices)
	req(b, TagAddress, &e.RPDestination)
	req(b, TagAddress, &e.TPDestination)
	req(b, TagLocationInformation, &e.Location)
	rest(b, &e.Extra)
}

// EventDownload is EVENT DOWNLOAD (TS 102 223 7.5): one event and its data; which data fields
// are set depends on the event (7.5.1 to 7.5.12).
type EventDownload struct {
	Events                  EventList
	Devices                 DeviceIdentities
	TransactionIdentifier   *TransactionIdentifier // MT call, call connected, call disconnected
	Address                 *Address               // MT call: the caller
	Subaddress              *Subaddress
	Cause                   *Cause                   // call disconnected
	LocationStatus          *LocationStatus          // location status
	Location                *LocationInformation     // location status, normal service
	Language                *Language                // language selection
	BrowserTerminationCause *BrowserTerminationCause // browser termination
	CardReaderStatus        *RawValue
	ChannelStatus           *RawValue
	ChannelDataLength       *RawValue
	AccessTechnology        *AccessTechnology // access technology change
	Extra                   []Element
}

func (e *EventDownload) BERTag() byte { return TagEventDownload }
func (e *EventDownload) bind(b *binder) {
	req(b, TagEventList, &e.Events)
	req(b, TagDeviceIdentities, &e.Devices)
	opt(b, TagTransactionIdentifier, &e.TransactionIdentifier)
	opt(b, TagAddress, &e.Address)
	opt(b, TagSubaddress, &e.Subaddress)
	opt(b, TagCause, &e.Cause)
	opt(b, TagLocationStatus, &e.LocationStatus)
	opt(b, TagLocationInformation, &e.Location)
	opt(b, TagLanguage, &e.Language)
	opt(b, TagBrowserTerminationCause, &e.BrowserTerminationCause)
	opt(b, TagCardReaderStatus, &e.CardReaderStatus)
	opt(b, TagChannelStatus, &e.ChannelStatus)
	opt(b, TagChannelDataLength, &e.ChannelDataLength)
	opt(b, TagAccessTechnology, &e.AccessTechnology)
	rest(b, &e.Extra)
}

// TimerExpiration is TIMER EXPIRATION (TS 102 223 7.4).
type TimerExpiration struct {
	Devices DeviceIdentities
	Timer   TimerIdentifier
	Value   TimerValue
	Extra   []Element
}

func (e *TimerExpiration) BERTag() byte { return TagTimerExpiration }
func (e *TimerExpiration) bind(b *binder) {
	req(b, TagDeviceIdentities, &e.Devices)
	req(b, TagTimerIdentifier, &e.Timer)
	req(b, TagTimerValue, &e.Value)
	rest(b, &e.Extra)
}

func (e *SMSPPDownload) Marshal() ([]byte, error) { return marshalEnvelope(e) }
func (e *SMSPPDownload) Unmarshal(b []byte) error {
	*e = SMSPPDownload{}
	return unmarshalEnvelope(b, e)
}
func (e *CellBroadcastDownload) Marshal() ([]byte, error) { return marshalEnvelope(e) }
func (e *CellBroadcastDownload) Unmarshal(b []byte) error {
	*e = CellBroadcastDownload{}
	return unmarshalEnvelope(b, e)
}
func (e *MenuSelection) Marshal() ([]byte, error) { return marshalEnvelope(e) }
func (e *MenuSelection) Unmarshal(b []byte) error {
	*e = MenuSelection{}
	return unmarshalEnvelope(b, e)
}
func (e *CallControl) Marshal() ([]byte, error) { return marshalEnvelope(e) }
func (e *CallControl) Unmarshal(b []byte) error {
	*e = CallControl{}
	return unmarshalEnvelope(b, e)
}
func (e *MOShortMessageControl) Marshal() ([]byte, error) { return marshalEnvelope(e) }
func (e *MOShortMessageControl) Unmarshal(b []byte) error {
	*e = MOShortMessageControl{}
	return unmarshalEnvelope(b, e)
}
func (e *EventDownload) Marshal() ([]byte, error) { return marshalEnvelope(e) }
func (e *EventDownload) Unmarshal(b []byte) error {
	*e = EventDownload{}
	return unmarshalEnvelope(b, e)
}
func (e *TimerExpiration) Marshal() ([]byte, error) { return marshalEnvelope(e) }
func (e *TimerExpiration) Unmarshal(b []byte) error {
	*e = TimerExpiration{}
	return unmarshalEnvelope(b, e)
}
