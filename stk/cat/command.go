package cat

import "github.com/stkforge/stkforge/stk/tlv"

// Command is a typed proactive command (TS 102 223 6.6). Marshal writes the canonical form:
// command details, device identities (UICC to the command's destination), then the fields in
// the order of the spec's table, every tag with CR set, then Extra. Unmarshal starts from a
// clean struct and rejects what Decode rejects plus a source other than the UICC.
type Command interface {
	Type() CommandType
	Header() *CommandHeader
	Marshal() ([]byte, error)
	Unmarshal(b []byte) error
	bind(*binder)
}

// CommandHeader is what every proactive command carries besides its own fields.
type CommandHeader struct {
	Number      uint8  // command number (8.6)
	Qualifier   uint8  // command qualifier (8.6); see the typed accessors and constants
	Destination Device // device identities destination (8.7); the source is always the UICC
	// Extra holds elements the command does not define and that have CR clear, in wire order;
	// Marshal writes them after the defined fields.
	Extra []Element
}

// Header returns the header, for code that handles every command alike.
func (h *CommandHeader) Header() *CommandHeader { return h }

// newCommand maps command types to their typed struct (a table, miekg/dns style).
var newCommand = map[CommandType]func() Command{
	TypeRefresh:                 func() Command { return new(Refresh) },
	TypeMoreTime:                func() Command { return new(MoreTime) },
	TypePollInterval:            func() Command { return new(PollInterval) },
	TypePollingOff:              func() Command { return new(PollingOff) },
	TypeSetUpEventList:          func() Command { return new(SetUpEventList) },
	TypeSetUpCall:               func() Command { return new(SetUpCall) },
	TypeSendSS:                  func() Command { return new(SendSS) },
	TypeSendUSSD:                func() Command { return new(SendUSSD) },
	TypeSendShortMessage:        func() Command { return new(SendShortMessage) },
	TypeLaunchBrowser:           func() Command { return new(LaunchBrowser) },
	TypePlayTone:                func() Command { return new(PlayTone) },
	TypeDisplayText:             func() Command { return new(DisplayText) },
	TypeGetInkey:                func() Command { return new(GetInkey) },
	TypeGetInput:                func() Command { return new(GetInput) },
	TypeSelectItem:              func() Command { return new(SelectItem) },
	TypeSetUpMenu:               func() Command { return new(SetUpMenu) },
	TypeProvideLocalInformation: func() Command { return new(ProvideLocalInformation) },
	TypeTimerManagement:         func() Command { return new(TimerManagement) },
	TypeSetUpIdleModeText:       func() Command { return new(SetUpIdleModeText) },
	TypeLanguageNotification:    func() Command { return new(LanguageNotification) },
}

// UnmarshalCommand decodes a proactive command into its typed struct; a command type this
// package does not type comes back as *GenericCommand.
func UnmarshalCommand(b []byte) (Command, error) {
	var m Message
	if err := m.Unmarshal(b); err != nil {
		return nil, err
	}
	if m.Kind != KindProactiveCommand {
		return nil, tlv.Errorf("proactive command", 0, "is a %s", m.Name())
	}
	var c Command
	if f := newCommand[m.Details().Type]; f != nil {
		c = f()
	} else {
		c = &GenericCommand{CommandType: m.Details().Type}
	}
	if err := commandFromMessage(&m, c); err != nil {
		return nil, err
	}
	return c, nil
}

func unmarshalCommand(b []byte, c Command) error {
	var m Message
	if err := m.Unmarshal(b); err != nil {
		return err
	}
	if m.Kind != KindProactiveCommand {
		return tlv.Errorf("proactive command", 0, "is a %s", m.Name())
	}
	if t := m.Details().Type; t != c.Type() {
		return tlv.Errorf(c.Type().String()+".Command details.type", m.Elements[0].Offset+3, "is %02X (%s)", byte(t), m.Name())
	}
	return commandFromMessage(&m, c)
}

func commandFromMessage(m *Message, c Command) error {
	d, dev := m.Details(), m.Devices()
	if dev.Source != DeviceUICC {
		return tlv.Errorf(m.Name()+".Device identities.source", m.Elements[1].Offset+2, "is %s, must be UICC", dev.Source)
	}
	*c.Header() = CommandHeader{Number: d.Number, Qualifier: d.Qualifier, Destination: dev.Destination}
	return decodeBound(m, c, 2)
}

// CommandMessage returns the Message of a typed command.
func CommandMessage(c Command) (*Message, error) {
	h := c.Header()
	header := []Element{
		{Tag: TagCommandDetails, CR: true, Value: []byte{h.Number, byte(c.Type()), h.Qualifier}},
		{Tag: TagDeviceIdentities, CR: true, Value: []byte{byte(DeviceUICC), byte(h.Destination)}},
	}
	name := c.Type().String()
	if name == "" {
		name = "PROACTIVE COMMAND"
	}
	return encodeBound(name, KindProactiveCommand, TagProactiveCommand, header, c)
}

func marshalCommand(c Command) ([]byte, error) {
	m, err := CommandMessage(c)
	if err != nil {
		return nil, err
	}
	return m.Marshal()
}

// GenericCommand is a proactive command of a type this package does not type: its number,
// type, qualifier and elements as they were, so it re-encodes exactly.
type GenericCommand struct {
	CommandHeader
	CommandType CommandType
	Elements    []Element
}

func (c *GenericCommand) Type() CommandType        { return c.CommandType }
func (c *GenericCommand) bind(b *binder)           { rest(b, &c.Elements) }
func (c *GenericCommand) Marshal() ([]byte, error) { return marshalCommand(c) }
func (c *GenericCommand) Unmarshal(b []byte) error {
	t := c.CommandType
	*c = GenericCommand{CommandType: t}
	return unmarshalCommand(b, c)
}

// Refresh is REFRESH (TS 102 223 6.6.13); the qualifier is one of the Refresh* modes.
type Refresh struct {
	CommandHeader
	FileList      *FileList
	AID           *AID
	Alpha         *AlphaIdentifier
	Icon          *IconIdentifier
	TextAttribute *TextAttribute
	Frame         *FrameIdentifier
}

func (c *Refresh) Type() CommandType { return TypeRefresh }
func (c *Refresh) bind(b *binder) {
	opt(b, TagFileList, &c.FileList)
	opt(b, TagAID, &c.AID)
	opt(b, TagAlphaIdentifier, &c.Alpha)
	opt(b, TagIconIdentifier, &c.Icon)
	opt(b, TagTextAttribute, &c.TextAttribute)
	opt(b, TagFrameIdentifier, &c.Frame)
	rest(b, &c.Extra)
}

// MoreTime is MORE TIME (TS 102 223 6.6.4).
type MoreTime struct{ CommandHeader }

func (c *MoreTime) Type() CommandType { return TypeMoreTime }
func (c *MoreTime) bind(b *binder)    { rest(b, &c.Extra) }

// PollInterval is POLL INTERVAL (TS 102 223 6.6.6).
type PollInterval struct {
	CommandHeader
	Interval Duration
}

func (c *PollInterval) Type() CommandType { return TypePollInterval }
func (c *PollInterval) bind(b *binder) {
	req(b, TagDuration, &c.Interval)
	rest(b, &c.Extra)
}

// PollingOff is POLLING OFF (TS 102 223 6.6.14).
type PollingOff struct{ CommandHeader }

func (c *PollingOff) Type() CommandType { return TypePollingOff }
func (c *PollingOff) bind(b *binder)    { rest(b, &c.Extra) }

// SetUpEventList is SET UP EVENT LIST (TS 102 223 6.6.16).
type SetUpEventList struct {
	CommandHeader
	Events EventList
}

func (c *SetUpEventList) Type() CommandType { return TypeSetUpEventList }
func (c *SetUpEventList) bind(b *binder) {
	req(b, TagEventList, &c.Events)
	rest(b, &c.Extra)
}

// SetUpCall is SET UP CALL (TS 102 223 6.6.12): the first alpha and icon are for the user's
// confirmation, the second ones for the call set-up phase.
type SetUpCall struct {
	CommandHeader
	ConfirmationAlpha         *AlphaIdentifier
	Address                   Address
	CapabilityConfiguration   *CapabilityConfiguration
	Subaddress                *Subaddress
	Duration                  *Duration
	ConfirmationIcon          *IconIdentifier
	SetUpAlpha                *AlphaIdentifier
	SetUpIcon                 *IconIdentifier
	ConfirmationTextAttribute *TextAttribute
	SetUpTextAttribute        *TextAttribute
	Frame                     *FrameIdentifier
}

func (c *SetUpCall) Type() CommandType { return TypeSetUpCall }
func (c *SetUpCall) bind(b *binder) {
	if !b.decoding {
		// The two alphas, icons and text attributes are told apart only by their order
		// (TS 102 223 6.6.12), so the second of a pair cannot go without the first.
		b.needFirst(c.SetUpAlpha != nil, c.ConfirmationAlpha != nil, "SetUpAlpha", "ConfirmationAlpha")
		b.needFirst(c.SetUpIcon != nil, c.ConfirmationIcon != nil, "SetUpIcon", "ConfirmationIcon")
		b.needFirst(c.SetUpTextAttribute != nil, c.ConfirmationTextAttribute != nil, "SetUpTextAttribute", "ConfirmationTextAttribute")
	}
	opt(b, TagAlphaIdentifier, &c.ConfirmationAlpha)
	req(b, TagAddress, &c.Address)
	opt(b, TagCapabilityConfiguration, &c.CapabilityConfiguration)
	opt(b, TagSubaddress, &c.Subaddress)
	opt(b, TagDuration, &c.Duration)
	opt(b, TagIconIdentifier, &c.ConfirmationIcon)
	opt(b, TagAlphaIdentifier, &c.SetUpAlpha)
	opt(b, TagIconIdentifier, &c.SetUpIcon)
	opt(b, TagTextAttribute, &c.ConfirmationTextAttribute)
	opt(b, TagTextAttribute, &c.SetUpTextAttribute)
	opt(b, TagFrameIdentifier, &c.Frame)
	rest(b, &c.Extra)
}

// Redial reports whether the qualifier asks for automatic redial (8.6: odd modes).
func (c *SetUpCall) Redial() bool { return c.Qualifier&0x01 != 0 }

// SendSS is SEND SS (TS 102 223 6.6.10, TS 31.111).
type SendSS struct {
	CommandHeader
	Alpha         *AlphaIdentifier
	SSString      SSString
	Icon          *IconIdentifier
	TextAttribute *TextAttribute
	Frame         *FrameIdentifier
}

func (c *SendSS) Type() CommandType { return TypeSendSS }
func (c *SendSS) bind(b *binder) {
	opt(b, TagAlphaIdentifier, &c.Alpha)
	req(b, TagSSString, &c.SSString)
	opt(b, TagIconIdentifier, &c.Icon)
	opt(b, TagTextAttribute, &c.TextAttribute)
	opt(b, TagFrameIdentifier, &c.Frame)
	rest(b, &c.Extra)
}

// SendUSSD is SEND USSD (TS 102 223 6.6.11, TS 31.111).
type SendUSSD struct {
	CommandHeader
	Alpha         *AlphaIdentifier
	USSDString    USSDString
	Icon          *IconIdentifier
	TextAttribute *TextAttribute
	Frame         *FrameIdentifier
}

func (c *SendUSSD) Type() CommandType { return TypeSendUSSD }
func (c *SendUSSD) bind(b *binder) {
	opt(b, TagAlphaIdentifier, &c.Alpha)
	req(b, TagUSSDString, &c.USSDString)
	opt(b, TagIconIdentifier, &c.Icon)
	opt(b, TagTextAttribute, &c.TextAttribute)
	opt(b, TagFrameIdentifier, &c.Frame)
	rest(b, &c.Extra)
}

// SendShortMessage is SEND SHORT MESSAGE (TS 102 223 6.6.9); a null Alpha asks the terminal
// to send silently.
type SendShortMessage struct {
	CommandHeader
	Alpha         *AlphaIdentifier
	Address       *Address // the service centre (RP destination); the terminal's default if nil
	TPDU          SMSTPDU
	Icon          *IconIdentifier
	TextAttribute *TextAttribute
	Frame         *FrameIdentifier
}

func (c *SendShortMessage) Type() CommandType { return TypeSendShortMessage }
func (c *SendShortMessage) bind(b *binder) {
	opt(b, TagAlphaIdentifier, &c.Alpha)
	opt(b, TagAddress, &c.Address)
	req(b, TagSMSTPDU, &c.TPDU)
	opt(b, TagIconIdentifier, &c.Icon)
	opt(b, TagTextAttribute, &c.TextAttribute)
	opt(b, TagFrameIdentifier, &c.Frame)
	rest(b, &c.Extra)
}

// PackingRequired reports qualifier bit 1 (8.6): the terminal packs the 7-bit text.
func (c *SendShortMessage) PackingRequired() bool {
	return c.Qualifier&SendShortMessagePackingRequired != 0
}

// LaunchBrowser is LAUNCH BROWSER (TS 102 223 6.6.26); an empty URL means the default URL.
type LaunchBrowser struct {
	CommandHeader
	Browser           *BrowserIdentity
	URL               URL
	Bearer            *Bearer
	ProvisioningFiles []ProvisioningReferenceFile
	GatewayProxy      *TextString
	Alpha             *AlphaIdentifier
	Icon              *IconIdentifier
	TextAttribute     *TextAttribute
	Frame             *FrameIdentifier
}

func (c *LaunchBrowser) Type() CommandType { return TypeLaunchBrowser }
func (c *LaunchBrowser) bind(b *binder) {
	opt(b, TagBrowserIdentity, &c.Browser)
	req(b, TagURL, &c.URL)
	opt(b, TagBearer, &c.Bearer)
	list(b, TagProvisioningReferenceFile, &c.ProvisioningFiles)
	opt(b, TagTextString, &c.GatewayProxy)
	opt(b, TagAlphaIdentifier, &c.Alpha)
	opt(b, TagIconIdentifier, &c.Icon)
	opt(b, TagTextAttribute, &c.TextAttribute)
	opt(b, TagFrameIdentifier, &c.Frame)
	rest(b, &c.Extra)
}

// PlayTone is PLAY TONE (TS 102 223 6.6.5).
type PlayTone struct {
	CommandHeader
	Alpha         *AlphaIdentifier
	Tone          *Tone
	Duration      *Duration
	Icon          *IconIdentifier
	TextAttribute *TextAttribute
	Frame         *FrameIdentifier
}

func (c *PlayTone) Type() CommandType { return TypePlayTone }
func (c *PlayTone) bind(b *binder) {
	opt(b, TagAlphaIdentifier, &c.Alpha)
	opt(b, TagTone, &c.Tone)
	opt(b, TagDuration, &c.Duration)
	opt(b, TagIconIdentifier, &c.Icon)
	opt(b, TagTextAttribute, &c.TextAttribute)
	opt(b, TagFrameIdentifier, &c.Frame)
	rest(b, &c.Extra)
}

// Vibrate reports qualifier bit 1 (8.6): vibrate alert with the tone.
func (c *PlayTone) Vibrate() bool { return c.Qualifier&PlayToneVibrate != 0 }

// DisplayText is DISPLAY TEXT (TS 102 223 6.6.1).
type DisplayText struct {
	CommandHeader
	Text              TextString
	Icon              *IconIdentifier
	ImmediateResponse bool
	Duration          *Duration
	TextAttribute     *TextAttribute
	Frame             *FrameIdentifier
}

func (c *DisplayText) Type() CommandType { return TypeDisplayText }
func (c *DisplayText) bind(b *binder) {
	req(b, TagTextString, &c.Text)
	opt(b, TagIconIdentifier, &c.Icon)
	flag(b, TagImmediateResponse, &c.ImmediateResponse)
	opt(b, TagDuration, &c.Duration)
	opt(b, TagTextAttribute, &c.TextAttribute)
	opt(b, TagFrameIdentifier, &c.Frame)
	rest(b, &c.Extra)
}

// HighPriority reports qualifier bit 1 (8.6).
func (c *DisplayText) HighPriority() bool { return c.Qualifier&DisplayTextHighPriority != 0 }

// WaitForUser reports qualifier bit 8 (8.6): wait for the user to clear the message.
func (c *DisplayText) WaitForUser() bool { return c.Qualifier&DisplayTextWaitForUser != 0 }

// GetInkey is GET INKEY (TS 102 223 6.6.2).
type GetInkey struct {
	CommandHeader
	Text          TextString
	Icon          *IconIdentifier
	Duration      *Duration
	TextAttribute *TextAttribute
	Frame         *FrameIdentifier
}

func (c *GetInkey) Type() CommandType { return TypeGetInkey }
func (c *GetInkey) bind(b *binder) {
	req(b, TagTextString, &c.Text)
	opt(b, TagIconIdentifier, &c.Icon)
	opt(b, TagDuration, &c.Duration)
	opt(b, TagTextAttribute, &c.TextAttribute)
	opt(b, TagFrameIdentifier, &c.Frame)
	rest(b, &c.Extra)
}

// YesNo reports qualifier bit 3 (8.6): the answer is yes or no.
func (c *GetInkey) YesNo() bool { return c.Qualifier&GetInkeyYesNo != 0 }

// GetInput is GET INPUT (TS 102 223 6.6.3).
type GetInput struct {
	CommandHeader
	Text           TextString
	ResponseLength ResponseLength
	Default        *DefaultText
	Icon           *IconIdentifier
	TextAttribute  *TextAttribute
	Frame          *FrameIdentifier
}

func (c *GetInput) Type() CommandType { return TypeGetInput }
func (c *GetInput) bind(b *binder) {
	req(b, TagTextString, &c.Text)
	req(b, TagResponseLength, &c.ResponseLength)
	opt(b, TagDefaultText, &c.Default)
	opt(b, TagIconIdentifier, &c.Icon)
	opt(b, TagTextAttribute, &c.TextAttribute)
	opt(b, TagFrameIdentifier, &c.Frame)
	rest(b, &c.Extra)
}

// Hidden reports qualifier bit 3 (8.6): the input must not be shown (a PIN).
func (c *GetInput) Hidden() bool { return c.Qualifier&GetInputHidden != 0 }

// SelectItem is SELECT ITEM (TS 102 223 6.6.8).
type SelectItem struct {
	CommandHeader
	Alpha              *AlphaIdentifier
	Items              []Item
	NextActions        *ItemsNextActionIndicator
	DefaultItem        *ItemIdentifier
	Icon               *IconIdentifier
	ItemIcons          *ItemIconIdentifierList
	TextAttribute      *TextAttribute
	ItemTextAttributes *ItemTextAttributeList
	Frame              *FrameIdentifier
}

func (c *SelectItem) Type() CommandType { return TypeSelectItem }
func (c *SelectItem) bind(b *binder) {
	opt(b, TagAlphaIdentifier, &c.Alpha)
	list(b, TagItem, &c.Items)
	opt(b, TagItemsNextActionIndicator, &c.NextActions)
	opt(b, TagItemIdentifier, &c.DefaultItem)
	opt(b, TagIconIdentifier, &c.Icon)
	opt(b, TagItemIconIdentifierList, &c.ItemIcons)
	opt(b, TagTextAttribute, &c.TextAttribute)
	opt(b, TagItemTextAttributeList, &c.ItemTextAttributes)
	opt(b, TagFrameIdentifier, &c.Frame)
	rest(b, &c.Extra)
}

// Help reports qualifier bit 8 (8.6): help information is available.
func (c *SelectItem) Help() bool { return c.Qualifier&SelectItemHelp != 0 }

// SetUpMenu is SET UP MENU (TS 102 223 6.6.7); a null alpha with one empty item removes the menu.
type SetUpMenu struct {
	CommandHeader
	Alpha              AlphaIdentifier
	Items              []Item
	NextActions        *ItemsNextActionIndicator
	Icon               *IconIdentifier
	ItemIcons          *ItemIconIdentifierList
	TextAttribute      *TextAttribute
	ItemTextAttributes *ItemTextAttributeList
}

func (c *SetUpMenu) Type() CommandType { return TypeSetUpMenu }
func (c *SetUpMenu) bind(b *binder) {
	req(b, TagAlphaIdentifier, &c.Alpha)
	list(b, TagItem, &c.Items)
	opt(b, TagItemsNextActionIndicator, &c.NextActions)
	opt(b, TagIconIdentifier, &c.Icon)
	opt(b, TagItemIconIdentifierList, &c.ItemIcons)
	opt(b, TagTextAttribute, &c.TextAttribute)
	opt(b, TagItemTextAttributeList, &c.ItemTextAttributes)
	rest(b, &c.Extra)
}

// Help reports qualifier bit 8 (8.6): help information is available.
func (c *SetUpMenu) Help() bool { return c.Qualifier&SetUpMenuHelp != 0 }

// ProvideLocalInformation is PROVIDE LOCAL INFORMATION (TS 102 223 6.6.15); the qualifier is
// one of the LocalInfo* values.
type ProvideLocalInformation struct{ CommandHeader }

func (c *ProvideLocalInformation) Type() CommandType { return TypeProvideLocalInformation }
func (c *ProvideLocalInformation) bind(b *binder)    { rest(b, &c.Extra) }

// TimerManagement is TIMER MANAGEMENT (TS 102 223 6.6.21); qualifier bits 1-2 are Timer*.
type TimerManagement struct {
	CommandHeader
	Timer TimerIdentifier
	Value *TimerValue
}

func (c *TimerManagement) Type() CommandType { return TypeTimerManagement }
func (c *TimerManagement) bind(b *binder) {
	req(b, TagTimerIdentifier, &c.Timer)
	opt(b, TagTimerValue, &c.Value)
	rest(b, &c.Extra)
}

// Operation is qualifier bits 1-2 (8.6): TimerStart, TimerDeactivate or TimerGetValue.
func (c *TimerManagement) Operation() uint8 { return c.Qualifier & 0x03 }

// SetUpIdleModeText is SET UP IDLE MODE TEXT (TS 102 223 6.6.22).
type SetUpIdleModeText struct {
	CommandHeader
	Text          TextString
	Icon          *IconIdentifier
	TextAttribute *TextAttribute
	Frame         *FrameIdentifier
}

func (c *SetUpIdleModeText) Type() CommandType { return TypeSetUpIdleModeText }
func (c *SetUpIdleModeText) bind(b *binder) {
	req(b, TagTextString, &c.Text)
	opt(b, TagIconIdentifier, &c.Icon)
	opt(b, TagTextAttribute, &c.TextAttribute)
	opt(b, TagFrameIdentifier, &c.Frame)
	rest(b, &c.Extra)
}

// LanguageNotification is LANGUAGE NOTIFICATION (TS 102 223 6.6.25).
type LanguageNotification struct {
	CommandHeader
	Language *Language
}

func (c *LanguageNotification) Type() CommandType { return TypeLanguageNotification }
func (c *LanguageNotification) bind(b *binder) {
	opt(b, TagLanguage, &c.Language)
	rest(b, &c.Extra)
}

// Specific reports qualifier bit 1 (8.6): a specific language.
func (c *LanguageNotification) Specific() bool { return c.Qualifier&LanguageSpecific != 0 }

// The marshal/unmarshal pairs; each Unmarshal starts from a clean struct.

func (c *Refresh) Marshal() ([]byte, error)        { return marshalCommand(c) }
func (c *Refresh) Unmarshal(b []byte) error        { *c = Refresh{}; return unmarshalCommand(b, c) }
func (c *MoreTime) Marshal() ([]byte, error)       { return marshalCommand(c) }
func (c *MoreTime) Unmarshal(b []byte) error       { *c = MoreTime{}; return unmarshalCommand(b, c) }
func (c *PollInterval) Marshal() ([]byte, error)   { return marshalCommand(c) }
func (c *PollInterval) Unmarshal(b []byte) error   { *c = PollInterval{}; return unmarshalCommand(b, c) }
func (c *PollingOff) Marshal() ([]byte, error)     { return marshalCommand(c) }
func (c *PollingOff) Unmarshal(b []byte) error     { *c = PollingOff{}; return unmarshalCommand(b, c) }
func (c *SetUpEventList) Marshal() ([]byte, error) { return marshalCommand(c) }
func (c *SetUpEventList) Unmarshal(b []byte) error {
	*c = SetUpEventList{}
	return unmarshalCommand(b, c)
}
func (c *SetUpCall) Marshal() ([]byte, error)        { return marshalCommand(c) }
func (c *SetUpCall) Unmarshal(b []byte) error        { *c = SetUpCall{}; return unmarshalCommand(b, c) }
func (c *SendSS) Marshal() ([]byte, error)           { return marshalCommand(c) }
func (c *SendSS) Unmarshal(b []byte) error           { *c = SendSS{}; return unmarshalCommand(b, c) }
func (c *SendUSSD) Marshal() ([]byte, error)         { return marshalCommand(c) }
func (c *SendUSSD) Unmarshal(b []byte) error         { *c = SendUSSD{}; return unmarshalCommand(b, c) }
func (c *SendShortMessage) Marshal() ([]byte, error) { return marshalCommand(c) }
func (c *SendShortMessage) Unmarshal(b []byte) error {
	*c = SendShortMessage{}
	return unmarshalCommand(b, c)
}
func (c *LaunchBrowser) Marshal() ([]byte, error) { return marshalCommand(c) }
func (c *LaunchBrowser) Unmarshal(b []byte) error {
	*c = LaunchBrowser{}
	return unmarshalCommand(b, c)
}
func (c *PlayTone) Marshal() ([]byte, error)                { return marshalCommand(c) }
func (c *PlayTone) Unmarshal(b []byte) error                { *c = PlayTone{}; return unmarshalCommand(b, c) }
func (c *DisplayText) Marshal() ([]byte, error)             { return marshalCommand(c) }
func (c *DisplayText) Unmarshal(b []byte) error             { *c = DisplayText{}; return unmarshalCommand(b, c) }
func (c *GetInkey) Marshal() ([]byte, error)                { return marshalCommand(c) }
func (c *GetInkey) Unmarshal(b []byte) error                { *c = GetInkey{}; return unmarshalCommand(b, c) }
func (c *GetInput) Marshal() ([]byte, error)                { return marshalCommand(c) }
func (c *GetInput) Unmarshal(b []byte) error                { *c = GetInput{}; return unmarshalCommand(b, c) }
func (c *SelectItem) Marshal() ([]byte, error)              { return marshalCommand(c) }
func (c *SelectItem) Unmarshal(b []byte) error              { *c = SelectItem{}; return unmarshalCommand(b, c) }
func (c *SetUpMenu) Marshal() ([]byte, error)               { return marshalCommand(c) }
func (c *SetUpMenu) Unmarshal(b []byte) error               { *c = SetUpMenu{}; return unmarshalCommand(b, c) }
func (c *ProvideLocalInformation) Marshal() ([]byte, error) { return marshalCommand(c) }
func (c *ProvideLocalInformation) Unmarshal(b []byte) error {
	*c = ProvideLocalInformation{}
	return unmarshalCommand(b, c)
}
func (c *TimerManagement) Marshal() ([]byte, error) { return marshalCommand(c) }
func (c *TimerManagement) Unmarshal(b []byte) error {
	*c = TimerManagement{}
	return unmarshalCommand(b, c)
}
func (c *SetUpIdleModeText) Marshal() ([]byte, error) { return marshalCommand(c) }
func (c *SetUpIdleModeText) Unmarshal(b []byte) error {
	*c = SetUpIdleModeText{}
	return unmarshalCommand(b, c)
}
func (c *LanguageNotification) Marshal() ([]byte, error) { return marshalCommand(c) }
func (c *LanguageNotification) Unmarshal(b []byte) error {
	*c = LanguageNotification{}
	return unmarshalCommand(b, c)
}
