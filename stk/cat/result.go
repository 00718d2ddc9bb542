package cat

import (
	"fmt"
	"strings"
)

// GeneralResult is the first byte of a Result (TS 102 223 8.12). 0x = performed, 1x = user
// action, 2x = transient problem (may be retried), 3x = permanent problem.
type GeneralResult uint8

// General results (TS 102 223 8.12).
const (
	ResultOK                        GeneralResult = 0x00
	ResultPartialComprehension      GeneralResult = 0x01
	ResultMissingInformation        GeneralResult = 0x02
	ResultRefreshAdditionalEFsRead  GeneralResult = 0x03
	ResultIconNotDisplayed          GeneralResult = 0x04
	ResultModifiedByCallControl     GeneralResult = 0x05
	ResultLimitedService            GeneralResult = 0x06
	ResultWithModification          GeneralResult = 0x07
	ResultRefreshNAANotActive       GeneralResult = 0x08
	ResultToneNotPlayed             GeneralResult = 0x09
	ResultSessionTerminatedByUser   GeneralResult = 0x10
	ResultBackwardMove              GeneralResult = 0x11
	ResultNoResponseFromUser        GeneralResult = 0x12
	ResultHelpRequired              GeneralResult = 0x13
	ResultUSSDOrSSTerminatedByUser  GeneralResult = 0x14
	ResultTerminalUnable            GeneralResult = 0x20
	ResultNetworkUnable             GeneralResult = 0x21
	ResultUserDidNotAccept          GeneralResult = 0x22
	ResultUserClearedCall           GeneralResult = 0x23
	ResultTimerStateContradiction   GeneralResult = 0x24
	ResultCallControlTemporary      GeneralResult = 0x25
	ResultLaunchBrowserError        GeneralResult = 0x26
	ResultMMSTemporary              GeneralResult = 0x27
	ResultBeyondTerminalCapability  GeneralResult = 0x30
	ResultTypeNotUnderstood         GeneralResult = 0x31
	ResultDataNotUnderstood         GeneralResult = 0x32
	ResultNumberNotKnown            GeneralResult = 0x33
	ResultSSReturnError             GeneralResult = 0x34
	ResultSMSRPError                GeneralResult = 0x35
	ResultRequiredValuesMissing     GeneralResult = 0x36
	ResultUSSDReturnError           GeneralResult = 0x37
	ResultMultipleCardError         GeneralResult = 0x38
	ResultCallControlPermanent      GeneralResult = 0x39
	ResultBearerIndependentProtocol GeneralResult = 0x3A
	ResultAccessTechnologyUnable    GeneralResult = 0x3B
	ResultFramesError               GeneralResult = 0x3C
	ResultMMSError                  GeneralResult = 0x3D
)

var generalResultNames = map[GeneralResult]string{
	0x00: "command performed successfully",
	0x01: "command performed with partial comprehension",
	0x02: "command performed, with missing information",
	0x03: "REFRESH performed with additional EFs read",
	0x04: "command performed successfully, but requested icon could not be displayed",
	0x05: "command performed, but modified by call control by NAA",
	0x06: "command performed successfully, limited service",
	0x07: "command performed with modification",
	0x08: "REFRESH performed but indicated NAA was not active",
	0x09: "command performed successfully, tone not played",
	0x10: "proactive UICC session terminated by the user",
	0x11: "backward move in the proactive UICC session requested by the user",
	0x12: "no response from user",
	0x13: "help information required by the user",
	0x14: "USSD or SS transaction terminated by the user",
	0x20: "terminal currently unable to process command",
	0x21: "network currently unable to process command",
	0x22: "user did not accept the proactive command",
	0x23: "user cleared down call before connection or network release",
	0x24: "action in contradiction with the current timer state",
	0x25: "interaction with call control by NAA, temporary problem",
	0x26: "launch browser generic error code",
	0x27: "MMS temporary problem",
	0x30: "command beyond terminal's capabilities",
	0x31: "command type not understood by terminal",
	0x32: "command data not understood by terminal",
	0x33: "command number not known by terminal",
	0x34: "SS Return Error",
	0x35: "SMS RP-ERROR",
	0x36: "error, required values are missing",
	0x37: "USSD Return Error",
	0x38: "MultipleCard commands error",
	0x39: "interaction with call control by NAA, permanent problem",
	0x3A: "bearer independent protocol error",
	0x3B: "access technology unable to process command",
	0x3C: "frames error",
	0x3D: "MMS error",
}

var generalResultByName = func() map[string]GeneralResult {
	m := make(map[string]GeneralResult)
	for k, v := range generalResultNames {
		m[strings.ToLower(v)] = k
	}
	return m
}()

// String is the result's meaning as TS 102 223 8.12 words it, or "" for an unassigned code.
func (g GeneralResult) String() string { return generalResultNames[g] }

// additionalMeanings names the additional information byte of the results whose first
// additional byte has a defined meaning (TS 102 223 8.12.2 to 8.12.13).
var additionalMeanings = map[GeneralResult]map[byte]string{
	ResultTerminalUnable: {0x00: "no specific cause can be given", 0x01: "screen is busy",
		0x02: "terminal currently busy on call", 0x03: "ME currently busy on SS transaction",
		0x04: "no service", 0x05: "access control class bar", 0x06: "radio resource not granted",
		0x07: "not in speech call", 0x08: "ME currently busy on USSD transaction",
		0x09: "terminal currently busy on SEND DTMF command", 0x0A: "no NAA active"},
	ResultLaunchBrowserError: {0x00: "no specific cause can be given", 0x01: "bearer unavailable",
		0x02: "browser unavailable", 0x03: "terminal unable to read the provisioning data",
		0x04: "default URL unavailable"},
	ResultMultipleCardError: {0x00: "no specific cause can be given", 0x01: "card reader removed or not present",
		0x02: "card removed or not present", 0x03: "card reader busy", 0x04: "card powered off",
		0x05: "C-APDU format error", 0x06: "mute card", 0x07: "transmission error",
		0x08: "protocol not supported", 0x09: "specified reader not valid"},
	ResultCallControlPermanent: {0x00: "no specific cause can be given", 0x01: "action not allowed",
		0x02: "the type of request has changed"},
	ResultBearerIndependentProtocol: {0x00: "no specific cause can be given", 0x01: "no channel available",
		0x02: "channel closed", 0x03: "channel identifier not valid", 0x04: "requested buffer size not available",
		0x05: "security error (unsuccessful authentication)",
		0x06: "requested UICC/terminal interface transport level not available",
		0x07: "remote device is not reachable", 0x08: "service error", 0x09: "service identifier unknown",
		0x10: "port not available", 0x11: "launch parameters missing or incorrect",
		0x12: "application launch failed"},
}

// AdditionalMeaning explains the additional information: the cause named by 8.12 for results
// 20, 26, 38, 39 and 3A, and the network's cause or error value for 21, 34, 35 and 37 (their
// first additional byte is the cause with bit 8 set, or 00 for no specific cause). It is "" when
// there is nothing to explain; a missing byte (as Android sends "83 01 20") is not an error.
func (r *Result) AdditionalMeaning() string {
	if len(r.Additional) == 0 {
		return ""
	}
	a := r.Additional[0]
	if m, ok := additionalMeanings[r.General]; ok {
		if s, ok := m[a]; ok {
			return s
		}
		return ""
	}
	switch r.General {
	case ResultNetworkUnable, ResultSMSRPError:
		if a == 0 {
			return "no specific cause can be given"
		}
		return fmt.Sprintf("network cause %d", a&0x7F)
	case ResultSSReturnError, ResultUSSDReturnError:
		if a == 0 {
			return "no specific cause can be given"
		}
		return fmt.Sprintf("network error value %d", a&0x7F)
	}
	return ""
}

// trRules are the data objects a TERMINAL RESPONSE may carry after its result (TS 102 223
// 6.8): texts for GET INKEY/INPUT and SEND USSD, the item of SELECT ITEM, local information,
// timer state, and a second result for call control.
var trRules = []elemRule{
	{TagResult, 2, true}, one(TagTextString), one(TagItemIdentifier), one(TagDuration),
	one(TagTimerIdentifier), one(TagTimerValue), one(TagLocationInformation), one(TagIMEI),
	one(TagNetworkMeasurementResults), one(TagDateTimeAndTimeZone), one(TagLanguage),
	one(TagTimingAdvance), one(TagAccessTechnology), one(TagIMEISV), one(TagBatteryState),
	one(TagNetworkSearchMode), one(TagBCCHChannelList), one(TagCallControlRequestedAction),
	one(TagAlphaIdentifier), one(TagAddress), one(TagCapabilityConfiguration), one(TagSubaddress),
	one(TagSSString), one(TagUSSDString), one(TagBCRepeatIndicator),
}

// envelopeInfo is what the codec knows about an ENVELOPE (TS 102 223 clause 7).
type envelopeInfo struct {
	name  string
	rules []elemRule
}

// Envelope BER-TLV tags (TS 101 220 7.2).
const (
	TagProactiveCommand      = 0xD0
	TagSMSPPDownload         = 0xD1
	TagCellBroadcastDownload = 0xD2
	TagMenuSelection         = 0xD3
	TagCallControl           = 0xD4
	TagMOShortMessageControl = 0xD5
	TagEventDownload         = 0xD6
	TagTimerExpiration       = 0xD7
)

var envelopes = map[byte]*envelopeInfo{
	TagSMSPPDownload:         {"SMS-PP DOWNLOAD", []elemRule{must(TagDeviceIdentities), one(TagAddress), must(TagSMSTPDU)}},
	TagCellBroadcastDownload: {"CELL BROADCAST DOWNLOAD", []elemRule{must(TagDeviceIdentities), must(TagCellBroadcastPage)}},
	TagMenuSelection:         {"MENU SELECTION", []elemRule{must(TagDeviceIdentities), must(TagItemIdentifier), one(TagHelpRequest)}},
	TagCallControl: {"CALL CONTROL", []elemRule{must(TagDeviceIdentities), one(TagAddress), one(TagSSString),
		one(TagUSSDString), two(TagCapabilityConfiguration), one(TagSubaddress), one(TagLocationInformation),
		one(TagBCRepeatIndicator)}},
	TagMOShortMessageControl: {"MO SHORT MESSAGE CONTROL", []elemRule{must(TagDeviceIdentities), two(TagAddress),
		one(TagLocationInformation)}},
	TagEventDownload: {"EVENT DOWNLOAD", []elemRule{must(TagEventList), must(TagDeviceIdentities),
		one(TagTransactionIdentifier), one(TagAddress), one(TagSubaddress), one(TagCause), one(TagLocationStatus),
		one(TagLocationInformation), one(TagLanguage), one(TagBrowserTerminationCause), one(TagCardReaderStatus),
		one(TagChannelStatus), one(TagChannelDataLength), one(TagAccessTechnology), one(TagBearerDescription)}},
	TagTimerExpiration: {"TIMER EXPIRATION", []elemRule{must(TagDeviceIdentities), must(TagTimerIdentifier), must(TagTimerValue)}},
}

var envelopeByName = func() map[string]byte {
	m := make(map[string]byte)
	for t, e := range envelopes {
		m[e.name] = t
	}
	return m
}()
