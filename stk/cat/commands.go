package cat

import (
	"encoding/json"
	"strings"

	"github.com/stkforge/stkforge/stk/tlv"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// Proactive command types (TS 102 223 9.4).
const (
	TypeRefresh                 CommandType = 0x01
	TypeMoreTime                CommandType = 0x02
	TypePollInterval            CommandType = 0x03
	TypePollingOff              CommandType = 0x04
	TypeSetUpEventList          CommandType = 0x05
	TypeSetUpCall               CommandType = 0x10
	TypeSendSS                  CommandType = 0x11
	TypeSendUSSD                CommandType = 0x12
	TypeSendShortMessage        CommandType = 0x13
	TypeSendDTMF                CommandType = 0x14
	TypeLaunchBrowser           CommandType = 0x15
	TypePlayTone                CommandType = 0x20
	TypeDisplayText             CommandType = 0x21
	TypeGetInkey                CommandType = 0x22
	TypeGetInput                CommandType = 0x23
	TypeSelectItem              CommandType = 0x24
	TypeSetUpMenu               CommandType = 0x25
	TypeProvideLocalInformation CommandType = 0x26
	TypeTimerManagement         CommandType = 0x27
	TypeSetUpIdleModeText       CommandType = 0x28
	TypeLanguageNotification    CommandType = 0x35
	// TypeEndOfSession appears only in the items next action indicator (TS 102 223 9.4).
	TypeEndOfSession CommandType = 0x81
)

// Qualifier bits and values per command (TS 102 223 8.6).
const (
	// REFRESH (8.6, command type 01): the qualifier is one of these modes.
	RefreshNAAInitFullFileChange  = 0x00
	RefreshFileChangeNotification = 0x01
	RefreshNAAInitFileChange      = 0x02
	RefreshNAAInit                = 0x03
	RefreshUICCReset              = 0x04
	RefreshNAAApplicationReset    = 0x05
	RefreshNAASessionReset        = 0x06
	RefreshSteeringOfRoaming      = 0x07

	// SET UP CALL (8.6, 10): the qualifier is one of these.
	SetUpCallIfNotBusy        = 0x00
	SetUpCallIfNotBusyRedial  = 0x01
	SetUpCallPutOnHold        = 0x02
	SetUpCallPutOnHoldRedial  = 0x03
	SetUpCallDisconnectOthers = 0x04
	SetUpCallDisconnectRedial = 0x05

	// SEND SHORT MESSAGE (8.6, 13) bit 1: the terminal packs the 7-bit text.
	SendShortMessagePackingRequired = 0x01

	// LAUNCH BROWSER (8.6, 15): the qualifier is one of these.
	LaunchBrowserIfNotLaunched  = 0x00
	LaunchBrowserUseExisting    = 0x02
	LaunchBrowserCloseAndLaunch = 0x03

	// PLAY TONE (8.6, 20) bit 1: vibrate alert with the tone.
	PlayToneVibrate = 0x01

	// DISPLAY TEXT (8.6, 21): bit 1 high priority, bit 8 wait for the user to clear.
	DisplayTextHighPriority = 0x01
	DisplayTextWaitForUser  = 0x80

	// GET INKEY (8.6, 22): bit 1 alphabet (else digits), bit 2 UCS2 (else SMS alphabet), bit 3
	// yes/no answer, bit 4 immediate digit response, bit 8 help available.
	GetInkeyAlphabet  = 0x01
	GetInkeyUCS2      = 0x02
	GetInkeyYesNo     = 0x04
	GetInkeyImmediate = 0x08
	GetInkeyHelp      = 0x80

	// GET INPUT (8.6, 23): bit 1 alphabet, bit 2 UCS2, bit 3 hide the input, bit 4 answer in SMS
	// packed format, bit 8 help available.
	GetInputAlphabet = 0x01
	GetInputUCS2     = 0x02
	GetInputHidden   = 0x04
	GetInputPacked   = 0x08
	GetInputHelp     = 0x80

	// SELECT ITEM (8.6, 24): bit 1 presentation type given by bit 2, bit 2 navigation options
	// (else data values), bit 3 soft key preferred, bit 8 help available.
	SelectItemPresentation = 0x01
	SelectItemNavigation   = 0x02
	SelectItemSoftKey      = 0x04
	SelectItemHelp         = 0x80

	// SET UP MENU (8.6, 25): bit 1 soft key preferred, bit 8 help available.
	SetUpMenuSoftKey = 0x01
	SetUpMenuHelp    = 0x80

	// PROVIDE LOCAL INFORMATION (8.6, 26): the qualifier is one of these.
	LocalInfoLocation         = 0x00
	LocalInfoIMEI             = 0x01
	LocalInfoNMR              = 0x02
	LocalInfoDateTime         = 0x03
	LocalInfoLanguage         = 0x04
	LocalInfoTimingAdvance    = 0x05
	LocalInfoAccessTechnology = 0x06
	LocalInfoESN              = 0x07
	LocalInfoIMEISV           = 0x08
	LocalInfoSearchMode       = 0x09
	LocalInfoBattery          = 0x0A

	// TIMER MANAGEMENT (8.6, 27) bits 1-2.
	TimerStart      = 0x00
	TimerDeactivate = 0x01
	TimerGetValue   = 0x02

	// LANGUAGE NOTIFICATION (8.6, 35) bit 1: a specific language (else non-specific).
	LanguageSpecific = 0x01
)

// qualField names one field of a command qualifier: a bit (names == nil, shown as a boolean)
// or a group of bits whose values have names.
type qualField struct {
	key   string
	mask  byte
	names *nameTable
}

// elemRule says how often a simple TLV may appear in a message and whether it must.
type elemRule struct {
	tag      tlv.Tag
	max      uint8 // 0 = any number
	required bool
}

// commandInfo is what the codec knows about a proactive command type.
type commandInfo struct {
	name  string
	qual  []qualField
	rules []elemRule
}

func one(t tlv.Tag) elemRule  { return elemRule{t, 1, false} }
func must(t tlv.Tag) elemRule { return elemRule{t, 1, true} }
func many(t tlv.Tag) elemRule { return elemRule{t, 0, false} }
func two(t tlv.Tag) elemRule  { return elemRule{t, 2, false} }

func bit(key string, mask byte) qualField { return qualField{key: key, mask: mask} }
func enum(key string, mask byte, names map[byte]string) qualField {
	return qualField{key, mask, newNameTable(names)}
}

var presentation = []elemRule{one(TagIconIdentifier), one(TagTextAttribute), one(TagFrameIdentifier)}

func with(rs ...elemRule) []elemRule { return append(rs, presentation...) }

// commands is the table of proactive commands this package types (TS 102 223 clause 6.6 for
// the contents, 8.6 for the qualifiers).
var commands = map[CommandType]*commandInfo{
	TypeRefresh: {"REFRESH", []qualField{enum("mode", 0xFF, map[byte]string{
		0x00: "NAA initialization and full file change notification", 0x01: "file change notification",
		0x02: "NAA initialization and file change notification", 0x03: "NAA initialization",
		0x04: "UICC reset", 0x05: "NAA application reset", 0x06: "NAA session reset",
		0x07: "steering of roaming", 0x08: "steering of roaming for I-WLAN", 0x09: "eUICC profile state change",
		0x0A: "application update"})},
		with(one(TagFileList), one(TagAID), one(TagAlphaIdentifier))},
	TypeMoreTime:       {"MORE TIME", nil, nil},
	TypePollInterval:   {"POLL INTERVAL", nil, []elemRule{must(TagDuration)}},
	TypePollingOff:     {"POLLING OFF", nil, nil},
	TypeSetUpEventList: {"SET UP EVENT LIST", nil, []elemRule{must(TagEventList)}},
	TypeSetUpCall: {"SET UP CALL", []qualField{enum("mode", 0xFF, map[byte]string{
		0x00: "only if not currently busy on another call", 0x01: "only if not currently busy on another call, with redial",
		0x02: "putting all other calls on hold", 0x03: "putting all other calls on hold, with redial",
		0x04: "disconnecting all other calls", 0x05: "disconnecting all other calls, with redial"})},
		[]elemRule{two(TagAlphaIdentifier), must(TagAddress), one(TagCapabilityConfiguration), one(TagSubaddress),
			one(TagDuration), two(TagIconIdentifier), two(TagTextAttribute), one(TagFrameIdentifier)}},
	TypeSendSS:   {"SEND SS", nil, with(one(TagAlphaIdentifier), must(TagSSString))},
	TypeSendUSSD: {"SEND USSD", nil, with(one(TagAlphaIdentifier), must(TagUSSDString))},
	TypeSendShortMessage: {"SEND SHORT MESSAGE", []qualField{bit("packing_required", SendShortMessagePackingRequired)},
		with(one(TagAlphaIdentifier), one(TagAddress), must(TagSMSTPDU))},
	TypeLaunchBrowser: {"LAUNCH BROWSER", []qualField{enum("mode", 0xFF, map[byte]string{
		0x00: "launch browser, if not already launched", 0x02: "use the existing browser",
		0x03: "close the existing browser session and launch new browser session"})},
		with(one(TagBrowserIdentity), must(TagURL), one(TagBearer), many(TagProvisioningReferenceFile),
			one(TagTextString), one(TagAlphaIdentifier))},
	TypePlayTone: {"PLAY TONE", []qualField{bit("vibrate", PlayToneVibrate)},
		with(one(TagAlphaIdentifier), one(TagTone), one(TagDuration))},
	TypeDisplayText: {"DISPLAY TEXT", []qualField{bit("high_priority", DisplayTextHighPriority), bit("wait_for_user", DisplayTextWaitForUser)},
		with(must(TagTextString), one(TagImmediateResponse), one(TagDuration))},
	TypeGetInkey: {"GET INKEY", []qualField{bit("alphabet", GetInkeyAlphabet), bit("ucs2", GetInkeyUCS2),
		bit("yes_no", GetInkeyYesNo), bit("immediate_digit_response", GetInkeyImmediate), bit("help", GetInkeyHelp)},
		with(must(TagTextString), one(TagDuration))},
	TypeGetInput: {"GET INPUT", []qualField{bit("alphabet", GetInputAlphabet), bit("ucs2", GetInputUCS2),
		bit("hide_input", GetInputHidden), bit("packed", GetInputPacked), bit("help", GetInputHelp)},
		with(must(TagTextString), must(TagResponseLength), one(TagDefaultText))},
	TypeSelectItem: {"SELECT ITEM", []qualField{bit("presentation_specified", SelectItemPresentation),
		bit("navigation_options", SelectItemNavigation), bit("soft_key", SelectItemSoftKey), bit("help", SelectItemHelp)},
		[]elemRule{one(TagAlphaIdentifier), {TagItem, 0, true}, one(TagItemsNextActionIndicator), one(TagItemIdentifier),
			one(TagIconIdentifier), one(TagItemIconIdentifierList), one(TagTextAttribute), one(TagItemTextAttributeList),
			one(TagFrameIdentifier)}},
	TypeSetUpMenu: {"SET UP MENU", []qualField{bit("soft_key", SetUpMenuSoftKey), bit("help", SetUpMenuHelp)},
		[]elemRule{must(TagAlphaIdentifier), {TagItem, 0, true}, one(TagItemsNextActionIndicator),
			one(TagIconIdentifier), one(TagItemIconIdentifierList), one(TagTextAttribute), one(TagItemTextAttributeList)}},
	TypeProvideLocalInformation: {"PROVIDE LOCAL INFORMATION", []qualField{enum("information", 0xFF, map[byte]string{
		0x00: "location information", 0x01: "IMEI", 0x02: "network measurement results", 0x03: "date, time and time zone",
		0x04: "language setting", 0x05: "timing advance", 0x06: "access technology", 0x07: "ESN", 0x08: "IMEISV",
		0x09: "search mode", 0x0A: "charge state of the battery"})}, nil},
	TypeTimerManagement: {"TIMER MANAGEMENT", []qualField{enum("operation", 0x03, map[byte]string{
		0x00: "start", 0x01: "deactivate", 0x02: "get current value"})},
		[]elemRule{must(TagTimerIdentifier), one(TagTimerValue)}},
	TypeSetUpIdleModeText:    {"SET UP IDLE MODE TEXT", nil, with(must(TagTextString))},
	TypeLanguageNotification: {"LANGUAGE NOTIFICATION", []qualField{bit("specific_language", LanguageSpecific)}, []elemRule{one(TagLanguage)}},
}

// String is the command's name as TS 102 223 spells it, or "" for a type this package does
// not type.
func (t CommandType) String() string {
	if c := commands[t]; c != nil {
		return c.name
	}
	return ""
}

var commandTypeByName = func() map[string]CommandType {
	m := make(map[string]CommandType)
	for t, c := range commands {
		m[c.name] = t
	}
	return m
}()

var nextActionNames = newNameTable(func() map[byte]string {
	m := map[byte]string{byte(TypeEndOfSession): "END OF PROACTIVE SESSION", byte(TypeSendDTMF): "SEND DTMF"}
	for t, c := range commands {
		m[byte(t)] = c.name
	}
	return m
}())

// qualifierJSON shows the qualifier byte and its named fields.
func qualifierJSON(ci *commandInfo, q byte) any {
	o := new(object)
	o.set("value", hexByteString(q))
	if ci == nil {
		return o
	}
	for _, f := range ci.qual {
		if f.names == nil {
			o.set(f.key, q&f.mask != 0)
		} else {
			o.set(f.key, f.names.name(q&f.mask))
		}
	}
	return o
}

// qualifierFromJSON starts from "value" and lets the named fields override their bits, so an
// edited boolean or mode wins over a stale value.
func qualifierFromJSON(ci *commandInfo, raw json.RawMessage) (byte, error) {
	if len(raw) == 0 {
		return 0, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return parseHexByte(s)
	}
	var f fields
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, errorf("qualifier: want an object or a hex byte")
	}
	q, _, err := f.hexByte("value")
	if err != nil || ci == nil {
		return q, err
	}
	for _, qf := range ci.qual {
		if qf.names == nil {
			v, ok, err := f.boolean(qf.key)
			if err != nil {
				return 0, err
			}
			if ok {
				q &^= qf.mask
				if v {
					q |= qf.mask
				}
			}
			continue
		}
		v, ok, err := f.code(qf.key, qf.names)
		if err != nil {
			return 0, err
		}
		if ok {
			q = q&^qf.mask | v&qf.mask
		}
	}
	return q, nil
}

func hexByteString(b byte) string {
	return strings.ToUpper(string("0123456789abcdef"[b>>4]) + string("0123456789abcdef"[b&15]))
}
