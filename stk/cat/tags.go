package cat

import "github.com/stkforge/stkforge/stk/tlv"

// COMPREHENSION-TLV tags of simple TLV data objects, without their CR bit (TS 101 220 7.2,
// TS 102 223 clause 8 for the value layouts).
const (
	TagCommandDetails             tlv.Tag = 0x01 // 8.6
	TagDeviceIdentities           tlv.Tag = 0x02 // 8.7
	TagResult                     tlv.Tag = 0x03 // 8.12
	TagDuration                   tlv.Tag = 0x04 // 8.8
	TagAlphaIdentifier            tlv.Tag = 0x05 // 8.2
	TagAddress                    tlv.Tag = 0x06 // 8.1
	TagCapabilityConfiguration    tlv.Tag = 0x07 // 8.4
	TagSubaddress                 tlv.Tag = 0x08 // 8.3
	TagSSString                   tlv.Tag = 0x09 // 8.14 (TS 31.111)
	TagUSSDString                 tlv.Tag = 0x0A // 8.17
	TagSMSTPDU                    tlv.Tag = 0x0B // 8.13
	TagCellBroadcastPage          tlv.Tag = 0x0C // 8.5
	TagTextString                 tlv.Tag = 0x0D // 8.15
	TagTone                       tlv.Tag = 0x0E // 8.16
	TagItem                       tlv.Tag = 0x0F // 8.9
	TagItemIdentifier             tlv.Tag = 0x10 // 8.10
	TagResponseLength             tlv.Tag = 0x11 // 8.11
	TagFileList                   tlv.Tag = 0x12 // 8.18
	TagLocationInformation        tlv.Tag = 0x13 // 8.19
	TagIMEI                       tlv.Tag = 0x14 // 8.20
	TagHelpRequest                tlv.Tag = 0x15 // 8.21
	TagNetworkMeasurementResults  tlv.Tag = 0x16 // 8.22
	TagDefaultText                tlv.Tag = 0x17 // 8.23
	TagItemsNextActionIndicator   tlv.Tag = 0x18 // 8.24
	TagEventList                  tlv.Tag = 0x19 // 8.25
	TagCause                      tlv.Tag = 0x1A // 8.26
	TagLocationStatus             tlv.Tag = 0x1B // 8.27
	TagTransactionIdentifier      tlv.Tag = 0x1C // 8.28
	TagBCCHChannelList            tlv.Tag = 0x1D // 8.29
	TagIconIdentifier             tlv.Tag = 0x1E // 8.31
	TagItemIconIdentifierList     tlv.Tag = 0x1F // 8.32
	TagCardReaderStatus           tlv.Tag = 0x20 // 8.33
	TagCardATR                    tlv.Tag = 0x21 // 8.34
	TagCAPDU                      tlv.Tag = 0x22 // 8.35
	TagRAPDU                      tlv.Tag = 0x23 // 8.36
	TagTimerIdentifier            tlv.Tag = 0x24 // 8.37
	TagTimerValue                 tlv.Tag = 0x25 // 8.38
	TagDateTimeAndTimeZone        tlv.Tag = 0x26 // 8.39
	TagCallControlRequestedAction tlv.Tag = 0x27 // 8.30
	TagATCommand                  tlv.Tag = 0x28 // 8.40
	TagATResponse                 tlv.Tag = 0x29 // 8.41
	TagBCRepeatIndicator          tlv.Tag = 0x2A // 8.42
	TagImmediateResponse          tlv.Tag = 0x2B // 8.43
	TagDTMFString                 tlv.Tag = 0x2C // 8.44
	TagLanguage                   tlv.Tag = 0x2D // 8.45
	TagTimingAdvance              tlv.Tag = 0x2E // 8.46
	TagAID                        tlv.Tag = 0x2F // 8.60
	TagBrowserIdentity            tlv.Tag = 0x30 // 8.47
	TagURL                        tlv.Tag = 0x31 // 8.48
	TagBearer                     tlv.Tag = 0x32 // 8.49
	TagProvisioningReferenceFile  tlv.Tag = 0x33 // 8.50
	TagBrowserTerminationCause    tlv.Tag = 0x34 // 8.51
	TagBearerDescription          tlv.Tag = 0x35 // 8.52
	TagChannelData                tlv.Tag = 0x36 // 8.53
	TagChannelDataLength          tlv.Tag = 0x37 // 8.54
	TagChannelStatus              tlv.Tag = 0x38 // 8.56
	TagBufferSize                 tlv.Tag = 0x39 // 8.55
	TagAccessTechnology           tlv.Tag = 0x3F // 8.61
	TagTextAttribute              tlv.Tag = 0x50 // 8.72
	TagItemTextAttributeList      tlv.Tag = 0x51 // 8.73
	TagIMEISV                     tlv.Tag = 0x62 // 8.74
	TagBatteryState               tlv.Tag = 0x63 // 8.75
	TagNetworkSearchMode          tlv.Tag = 0x65 // 8.77
	TagFrameIdentifier            tlv.Tag = 0x68 // 8.80
)

// tagInfo is what the codec knows about one simple TLV: its name as the spec spells it, a
// constructor for its typed value, and the value lengths a cheap structural check accepts.
type tagInfo struct {
	name     string
	newValue func() Value
	min, max int // accepted value lengths; max < 0 = unbounded
}

// tags maps one-byte tags (01..7E) to their codecs; miekg/dns style table, no switch ladder.
var tags = [0x80]*tagInfo{
	TagCommandDetails:             {"Command details", func() Value { return new(CommandDetails) }, 3, 3},
	TagDeviceIdentities:           {"Device identities", func() Value { return new(DeviceIdentities) }, 2, 2},
	TagResult:                     {"Result", func() Value { return new(Result) }, 1, -1},
	TagDuration:                   {"Duration", func() Value { return new(Duration) }, 2, 2},
	TagAlphaIdentifier:            {"Alpha identifier", func() Value { return new(AlphaIdentifier) }, 0, -1},
	TagAddress:                    {"Address", func() Value { return new(Address) }, 0, -1},
	TagCapabilityConfiguration:    {"Capability configuration parameters", func() Value { return new(CapabilityConfiguration) }, 0, -1},
	TagSubaddress:                 {"Subaddress", func() Value { return new(Subaddress) }, 0, -1},
	TagSSString:                   {"SS string", func() Value { return new(SSString) }, 1, -1},
	TagUSSDString:                 {"USSD string", func() Value { return new(USSDString) }, 1, -1},
	TagSMSTPDU:                    {"SMS TPDU", func() Value { return new(SMSTPDU) }, 0, -1},
	TagCellBroadcastPage:          {"Cell Broadcast page", func() Value { return new(CellBroadcastPage) }, 0, -1},
	TagTextString:                 {"Text string", func() Value { return new(TextString) }, 0, -1},
	TagTone:                       {"Tone", func() Value { return new(Tone) }, 1, 1},
	TagItem:                       {"Item", func() Value { return new(Item) }, 0, -1},
	TagItemIdentifier:             {"Item identifier", func() Value { return new(ItemIdentifier) }, 1, 1},
	TagResponseLength:             {"Response length", func() Value { return new(ResponseLength) }, 2, 2},
	TagFileList:                   {"File list", func() Value { return new(FileList) }, 1, -1},
	TagLocationInformation:        {"Location information", func() Value { return new(LocationInformation) }, 5, -1},
	TagIMEI:                       {"IMEI", func() Value { return new(IMEI) }, 8, 8},
	TagHelpRequest:                {"Help request", func() Value { return new(HelpRequest) }, 0, 0},
	TagNetworkMeasurementResults:  {"Network measurement results", func() Value { return new(NetworkMeasurementResults) }, 0, -1},
	TagDefaultText:                {"Default text", func() Value { return new(DefaultText) }, 0, -1},
	TagItemsNextActionIndicator:   {"Items next action indicator", func() Value { return new(ItemsNextActionIndicator) }, 0, -1},
	TagEventList:                  {"Event list", func() Value { return new(EventList) }, 0, -1},
	TagCause:                      {"Cause", func() Value { return new(Cause) }, 0, -1},
	TagLocationStatus:             {"Location status", func() Value { return new(LocationStatus) }, 1, 1},
	TagTransactionIdentifier:      {"Transaction identifier", func() Value { return new(TransactionIdentifier) }, 0, -1},
	TagBCCHChannelList:            {"BCCH channel list", func() Value { return new(RawValue) }, 0, -1},
	TagIconIdentifier:             {"Icon identifier", func() Value { return new(IconIdentifier) }, 2, 2},
	TagItemIconIdentifierList:     {"Item icon identifier list", func() Value { return new(ItemIconIdentifierList) }, 1, -1},
	TagCardReaderStatus:           {"Card reader status", func() Value { return new(RawValue) }, 0, -1},
	TagCardATR:                    {"Card ATR", func() Value { return new(RawValue) }, 0, -1},
	TagCAPDU:                      {"C-APDU", func() Value { return new(RawValue) }, 0, -1},
	TagRAPDU:                      {"R-APDU", func() Value { return new(RawValue) }, 0, -1},
	TagTimerIdentifier:            {"Timer identifier", func() Value { return new(TimerIdentifier) }, 1, 1},
	TagTimerValue:                 {"Timer value", func() Value { return new(TimerValue) }, 3, 3},
	TagDateTimeAndTimeZone:        {"Date-Time and Time zone", func() Value { return new(DateTimeAndTimeZone) }, 7, 7},
	TagCallControlRequestedAction: {"Call control requested action", func() Value { return new(RawValue) }, 0, -1},
	TagATCommand:                  {"AT Command", func() Value { return new(RawValue) }, 0, -1},
	TagATResponse:                 {"AT Response", func() Value { return new(RawValue) }, 0, -1},
	TagBCRepeatIndicator:          {"BC Repeat Indicator", func() Value { return new(RawValue) }, 0, -1},
	TagImmediateResponse:          {"Immediate response", func() Value { return new(ImmediateResponse) }, 0, 0},
	TagDTMFString:                 {"DTMF string", func() Value { return new(RawValue) }, 0, -1},
	TagLanguage:                   {"Language", func() Value { return new(Language) }, 2, 2},
	TagTimingAdvance:              {"Timing Advance", func() Value { return new(RawValue) }, 0, -1},
	TagAID:                        {"AID", func() Value { return new(AID) }, 0, 16},
	TagBrowserIdentity:            {"Browser Identity", func() Value { return new(BrowserIdentity) }, 1, 1},
	TagURL:                        {"URL", func() Value { return new(URL) }, 0, -1},
	TagBearer:                     {"Bearer", func() Value { return new(Bearer) }, 0, -1},
	TagProvisioningReferenceFile:  {"Provisioning Reference File", func() Value { return new(ProvisioningReferenceFile) }, 0, -1},
	TagBrowserTerminationCause:    {"Browser Termination Cause", func() Value { return new(BrowserTerminationCause) }, 1, 1},
	TagBearerDescription:          {"Bearer description", func() Value { return new(RawValue) }, 0, -1},
	TagChannelData:                {"Channel data", func() Value { return new(RawValue) }, 0, -1},
	TagChannelDataLength:          {"Channel data length", func() Value { return new(RawValue) }, 0, -1},
	TagChannelStatus:              {"Channel status", func() Value { return new(RawValue) }, 0, -1},
	TagBufferSize:                 {"Buffer size", func() Value { return new(RawValue) }, 0, -1},
	TagAccessTechnology:           {"Access Technology", func() Value { return new(AccessTechnology) }, 1, -1},
	TagTextAttribute:              {"Text Attribute", func() Value { return new(TextAttribute) }, 0, -1},
	TagItemTextAttributeList:      {"Item Text Attribute List", func() Value { return new(ItemTextAttributeList) }, 0, -1},
	TagIMEISV:                     {"IMEISV", func() Value { return new(RawValue) }, 0, -1},
	TagBatteryState:               {"Battery state", func() Value { return new(RawValue) }, 0, -1},
	TagNetworkSearchMode:          {"Network Search Mode", func() Value { return new(RawValue) }, 0, -1},
	TagFrameIdentifier:            {"Frame identifier", func() Value { return new(FrameIdentifier) }, 1, 1},
}

// lookupTag returns the codec for t, or nil for a tag this package does not know.
func lookupTag(t tlv.Tag) *tagInfo {
	if t < 0x80 {
		return tags[t]
	}
	return nil
}

// tagByName maps element names (as in the JSON form) back to tags.
var tagByName = func() map[string]tlv.Tag {
	m := make(map[string]tlv.Tag)
	for t, ti := range tags {
		if ti != nil {
			m[ti.name] = tlv.Tag(t)
		}
	}
	return m
}()

// TagName is the spec's name of a simple TLV tag, or "" when unknown.
func TagName(t tlv.Tag) string {
	if ti := lookupTag(t); ti != nil {
		return ti.name
	}
	return ""
}
