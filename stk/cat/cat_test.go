package cat

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sebdah/goldie/v2"
	"github.com/stkforge/stkforge/stk/text"
	"github.com/stkforge/stkforge/stk/tlv"
)

const displayText = "D01A8103012180820281028D0F04546F6F6C6B697420546573742031"

func TestDecodeErrors(t *testing.T) {
	cases := []struct{ name, hex, want string }{
		{"empty", "", "message: offset 0: empty"},
		{"first byte", "00", "message: offset 0: first byte 00 is neither"},
		{"truncated text", "D00F8103012180820281028D0F04546F6F",
			"DISPLAY TEXT.Text string.value: offset 13: needs 15 bytes, 4 left"},
		{"outer length", "D01A81030121808202810280", "PROACTIVE COMMAND.value: offset 2: needs 26 bytes, 10 left"},
		{"trailing", displayText + "00", "DISPLAY TEXT: offset 28: 1 bytes after the BER-TLV"},
		{"unknown CR", "D01D8103012180820281028D0F04546F6F6C6B697420546573742031FE0100",
			"DISPLAY TEXT.element 7E: offset 28: tag FE not understood in a DISPLAY TEXT and comprehension required"},
		{"duplicate", "D01D8103012180820281028D0F04546F6F6C6B6974205465737420318D0100",
			"DISPLAY TEXT.Text string: offset 28: more than 1"},
		{"missing text", "D00B810301218082028102AB00", "DISPLAY TEXT.Text string: offset 13: missing"},
		{"details first", "D009820281028103012180", "PROACTIVE COMMAND.Command details: offset 2: missing: element 1 is Device identities"},
		{"bad duration length", "D00C810301030082028182840100", "POLL INTERVAL.Duration.length: offset 11: is 1, must be 2"},
		{"two events", "D60899020405820282 81", "EVENT DOWNLOAD.Event list.length: offset 2: is 2, must be 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := ParseHex(c.hex)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Decode(b)
			var te *tlv.Error
			if err == nil || !errors.As(err, &te) || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func TestUnknownElementWithoutCRIsKept(t *testing.T) {
	// DISPLAY TEXT with an unknown 7E (CR clear) between the text and an immediate response.
	b := mustHex(t, "D0208103012180820281028D0F04546F6F6C6B6974205465737420317E0201022B00")
	m, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustMarshal(t, m); !bytes.Equal(got, b) {
		t.Fatalf("re-encoded %X", got)
	}
	checkJSON(t, b)
	var c DisplayText
	if err := c.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if len(c.Extra) != 1 || c.Extra[0].Tag != 0x7E || !c.ImmediateResponse || c.Text.Text != "Toolkit Test 1" {
		t.Fatalf("typed: %+v", c)
	}
}

func TestCRBitsAndOrderKept(t *testing.T) {
	// LAUNCH BROWSER vector with URL and alpha without CR, then the same with the alpha first.
	for _, h := range []string{
		"D0188103011500820281823100050B44656661756C742055524C",
		"D018810301150082028182050B44656661756C742055524C3100",
	} {
		b := mustHex(t, h)
		checkJSON(t, b)
		var c LaunchBrowser
		if err := c.Unmarshal(b); err != nil || c.Alpha.Text != "Default URL" || c.URL.URL != "" {
			t.Fatalf("%s: %+v %v", h, c, err)
		}
	}
}

func TestGenericCommand(t *testing.T) {
	// SEND DTMF (14) is not typed here: it decodes generically and re-encodes exactly.
	b := mustHex(t, "D00F8103011400820281838500AC02C1D2")
	c, err := UnmarshalCommand(b)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := c.(*GenericCommand)
	if !ok || g.CommandType != TypeSendDTMF || len(g.Elements) != 2 || !g.Elements[1].CR {
		t.Fatalf("%#v", c)
	}
	out, err := g.Marshal()
	if err != nil || !bytes.Equal(out, b) {
		t.Fatalf("%X %v", out, err)
	}
	checkJSON(t, b)
}

func TestTerminalResponses(t *testing.T) {
	t.Run("missing additional information", func(t *testing.T) {
		var tr TerminalResponse
		if err := tr.Unmarshal(mustHex(t, "810301210082028281830120")); err != nil {
			t.Fatal(err)
		}
		if tr.Result.General != ResultTerminalUnable || tr.Result.AdditionalMeaning() != "" {
			t.Fatalf("%+v", tr.Result)
		}
	})
	t.Run("screen busy", func(t *testing.T) {
		var tr TerminalResponse
		if err := tr.Unmarshal(mustHex(t, "81030221010202828183022001")); err != nil {
			t.Fatal(err)
		}
		if tr.Result.General.String() != "terminal currently unable to process command" || tr.Result.AdditionalMeaning() != "screen is busy" {
			t.Fatalf("%+v", tr.Result)
		}
	})
	t.Run("network cause", func(t *testing.T) {
		r := Result{General: ResultNetworkUnable, Additional: []byte{0x91}}
		if got := r.AdditionalMeaning(); got != "network cause 17" {
			t.Fatal(got)
		}
	})
	t.Run("yes", func(t *testing.T) {
		b := mustHex(t, "810301220482028281830100 8D020401")
		var tr TerminalResponse
		if err := tr.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		if yes, ok := tr.YesNo(); !yes || !ok {
			t.Fatal("not yes")
		}
		j, _ := JSON(b)
		if !bytes.Contains(j, []byte(`"answer": "yes"`)) {
			t.Fatalf("%s", j)
		}
		checkJSON(t, b)
	})
	t.Run("local information", func(t *testing.T) {
		tr := TerminalResponse{
			Details:  CommandDetails{1, TypeProvideLocalInformation, LocalInfoDateTime},
			Result:   Result{General: ResultOK},
			DateTime: &DateTimeAndTimeZone{26, 11, 27, 21, 40, 5, 0x80},
		}
		b, err := tr.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if want := mustHex(t, "8103012603820282818301 00A607621172120450 80"); !bytes.Equal(b, want) {
			t.Fatalf("%X, want %X", b, want)
		}
		j, _ := JSON(b)
		if !bytes.Contains(j, []byte(`"date_time": "2026-11-27 21:40:05"`)) || !bytes.Contains(j, []byte(`"time_zone": "+02:00"`)) {
			t.Fatalf("%s", j)
		}
	})
	t.Run("prefixes of a terminal response", func(t *testing.T) {
		_, err := Decode(mustHex(t, "8103012100"))
		if err == nil || !strings.Contains(err.Error(), "Device identities: offset 5: missing") {
			t.Fatal(err)
		}
	})
}

func TestJSONHexOnlyWhileUnedited(t *testing.T) {
	// GET INKEY vector with the spare bit of the packed text set: the text reads the same but
	// re-encodes with a 0 bit, so the JSON carries the bytes.
	b := mustHex(t, "D0148103012200820281828D09004537BD2C078960A2")
	j, err := JSON(b)
	if err != nil {
		t.Skipf("stk/text refuses a set spare bit: %v", err)
	}
	if !bytes.Contains(j, []byte(`"hex"`)) {
		t.Fatalf("no hex in\n%s", j)
	}
	checkJSON(t, b)
	edited := bytes.Replace(j, []byte(`Enter \"0\"`), []byte(`Enter \"1\"`), 1)
	out, err := FromJSON(edited)
	if err != nil {
		t.Fatal(err)
	}
	var c GetInkey
	if err := c.Unmarshal(out); err != nil || c.Text.Text != `Enter "1"` {
		t.Fatalf("%+v %v", c.Text, err)
	}
}

func TestJSONEditing(t *testing.T) {
	j, err := JSON(mustHex(t, displayText))
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	json.Unmarshal(j, &top)
	top["qualifier"] = map[string]any{"value": "80", "high_priority": true}
	el := top["elements"].([]any)[0].(map[string]any)
	el["text"] = "支付"
	delete(el, "dcs")
	delete(el, "alphabet")
	j2, _ := json.Marshal(top)
	b, err := FromJSON(j2)
	if err != nil {
		t.Fatal(err)
	}
	var c DisplayText
	if err := c.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if !c.HighPriority() || !c.WaitForUser() || c.Text.DCS != 0x08 || c.Text.Text != "支付" {
		t.Fatalf("%+v", c)
	}
}

func TestFromJSONErrors(t *testing.T) {
	for _, c := range []struct{ json, want string }{
		{`{}`, "type: missing"},
		{`{"type":"FOO"}`, `type: unknown message type "FOO"`},
		{`{"type":"DISPLAY TEXT","command_type":"22","command_number":1,"source":"UICC","destination":"Display"}`, "disagrees"},
		{`{"type":"DISPLAY TEXT","command_number":1,"source":"UICC","destination":"Display","elements":[{"element":"Text string","text":"x","dcs":"zz"}]}`, "elements[0]: Text string: dcs"},
		{`{"type":"DISPLAY TEXT","command_number":1,"source":"UICC","destination":"Display","elements":[]}`, "DISPLAY TEXT.Text string: offset 11: missing"},
		// A fuzz find: an empty path encoded a count without paths.
		{`{"type":"REFRESH","command_number":1,"source":"UICC","destination":"Terminal","elements":[{"element":"File list","files":[""]}]}`,
			"elements[0]: File list: file 0:  is not a full path from 3F00"},
	} {
		_, err := FromJSON([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.json, err, c.want)
		}
	}
}

// examples are the messages kept as golden hexdumps and JSON.
func examples(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, v := range catVectors(t) {
		out[v.ID] = mustHex(t, v.Hex)
	}
	marshal := func(name string, m interface{ Marshal() ([]byte, error) }) {
		b, err := m.Marshal()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b
	}
	ucs2 := func(s string) text.Alpha { return text.Alpha{Text: s, Format: text.AlphaUCS2} }
	marshal("set-up-menu-ucs2-chinese", &SetUpMenu{
		CommandHeader: CommandHeader{Number: 1, Qualifier: SetUpMenuHelp, Destination: DeviceTerminal},
		Alpha:         AlphaIdentifier{ucs2("移动支付")},
		Items: []Item{{Identifier: 1, Alpha: ucs2("余额查询")}, {Identifier: 2, Alpha: ucs2("转账")},
			{Identifier: 3, Alpha: ucs2("缴费")}},
		NextActions: &ItemsNextActionIndicator{[]CommandType{TypeDisplayText, TypeGetInput, TypeSelectItem}},
	})
	marshal("select-item-icons-next-actions", &SelectItem{
		CommandHeader: CommandHeader{Number: 2, Qualifier: SelectItemPresentation | SelectItemHelp, Destination: DeviceTerminal},
		Alpha:         &AlphaIdentifier{text.Alpha{Text: "Pay to"}},
		Items: []Item{{Identifier: 1, Alpha: text.Alpha{Text: "Bank A"}}, {Identifier: 2, Alpha: text.Alpha{Text: "Bank B"}},
			{Identifier: 3, Alpha: text.Alpha{Text: "Платёж", Format: text.AlphaUCS2Base81, Base: 0x0400}}},
		NextActions:        &ItemsNextActionIndicator{[]CommandType{TypeGetInput, TypeGetInput, TypeEndOfSession}},
		DefaultItem:        &ItemIdentifier{2},
		Icon:               &IconIdentifier{Qualifier: 1, Record: 1},
		ItemIcons:          &ItemIconIdentifierList{Qualifier: 0, Records: []byte{5, 6, 7}},
		TextAttribute:      &TextAttribute{[]TextFormat{{0, 6, 0x10, 0xB4}}},
		ItemTextAttributes: &ItemTextAttributeList{TextAttribute{[]TextFormat{{0, 6, 0, 0xB4}, {0, 6, 0, 0xB4}, {0, 6, 0x20, 0xB4}}}},
	})
	marshal("display-text-ucs2", &DisplayText{
		CommandHeader: CommandHeader{Number: 4, Qualifier: DisplayTextWaitForUser, Destination: DeviceDisplay},
		Text:          TextString{DCS: 0x08, Text: "确认支付 100.00 元?"},
		Duration:      &Duration{Seconds, 30},
	})
	marshal("play-tone-beep", &PlayTone{
		CommandHeader: CommandHeader{Number: 5, Qualifier: PlayToneVibrate, Destination: DeviceEarpiece},
		Alpha:         &AlphaIdentifier{text.Alpha{Text: "Paid"}},
		Tone:          &Tone{0x11}, Duration: &Duration{TenthsSeconds, 5},
	})
	marshal("language-notification-zh", &LanguageNotification{
		CommandHeader: CommandHeader{Number: 6, Qualifier: LanguageSpecific, Destination: DeviceTerminal},
		Language:      &Language{"zh"},
	})
	marshal("set-up-event-list-several", &SetUpEventList{
		CommandHeader: CommandHeader{Number: 7, Destination: DeviceTerminal},
		Events:        EventList{[]Event{EventMTCall, EventLocationStatus, EventIdleScreenAvailable, EventLanguageSelection}},
	})
	marshal("tr-local-information-imei", &TerminalResponse{
		Details: CommandDetails{8, TypeProvideLocalInformation, LocalInfoIMEI}, Result: Result{General: ResultOK},
		IMEI: &IMEI{Digits: "490154203237518", Type: 0x0A},
	})
	marshal("tr-local-information-language", &TerminalResponse{
		Details: CommandDetails{9, TypeProvideLocalInformation, LocalInfoLanguage}, Result: Result{General: ResultOK},
		Language: &Language{"en"},
	})
	marshal("tr-local-information-access-technology", &TerminalResponse{
		Details: CommandDetails{10, TypeProvideLocalInformation, LocalInfoAccessTechnology}, Result: Result{General: ResultOK},
		AccessTechnology: &AccessTechnology{[]byte{0x08}},
	})
	marshal("tr-timer-get-value", &TerminalResponse{
		Details: CommandDetails{11, TypeTimerManagement, TimerGetValue}, Result: Result{General: ResultOK},
		Timer: &TimerIdentifier{2}, TimerValue: &TimerValue{0, 4, 59},
	})
	marshal("tr-get-inkey-no", &TerminalResponse{
		Details: CommandDetails{12, TypeGetInkey, GetInkeyYesNo}, Result: Result{General: ResultOK},
		Text: &TextString{DCS: 0x04, Data: []byte{0x00}},
	})
	marshal("tr-send-ss-return-error", &TerminalResponse{
		Details: CommandDetails{13, TypeSendSS, 0}, Result: Result{General: ResultSSReturnError, Additional: []byte{0x8D}},
	})
	marshal("get-input-hidden-pin", &GetInput{
		CommandHeader:  CommandHeader{Number: 3, Qualifier: GetInputHidden, Destination: DeviceTerminal},
		Text:           TextString{DCS: 0x04, Text: "PIN?"},
		ResponseLength: ResponseLength{4, 8},
	})
	marshal("tr-get-input-pin", &TerminalResponse{
		Details: CommandDetails{3, TypeGetInput, GetInputHidden}, Result: Result{General: ResultOK},
		Text: &TextString{DCS: 0x04, Text: "1234"},
	})
	marshal("tr-local-information-location", &TerminalResponse{
		Details: CommandDetails{4, TypeProvideLocalInformation, LocalInfoLocation}, Result: Result{General: ResultOK},
		Location: &LocationInformation{MCC: "460", MNC: "00", LAC: 0x1234, CellID: []byte{0x56, 0x78}},
	})
	marshal("tr-launch-browser-error", &TerminalResponse{
		Details: CommandDetails{5, TypeLaunchBrowser, 0}, Result: Result{General: ResultLaunchBrowserError, Additional: []byte{0x02}},
	})
	marshal("env-sms-pp-download", &SMSPPDownload{
		Devices: DeviceIdentities{DeviceNetwork, DeviceUICC},
		Address: &Address{TONNPI: 0x91, Number: "8613800100500"},
		TPDU:    SMSTPDU{RawValue{mustHex(t, "400881214365877FF6227052000000000302700000")}},
	})
	marshal("env-event-mt-call", &EventDownload{
		Events: EventList{[]Event{EventMTCall}}, Devices: DeviceIdentities{DeviceNetwork, DeviceUICC},
		TransactionIdentifier: &TransactionIdentifier{RawValue{[]byte{0x00}}},
		Address:               &Address{TONNPI: 0x91, Number: "447700900123"},
	})
	marshal("env-timer-expiration", &TimerExpiration{
		Devices: DeviceIdentities{DeviceTerminal, DeviceUICC}, Timer: TimerIdentifier{1}, Value: TimerValue{0, 1, 30},
	})
	marshal("env-call-control", &CallControl{
		Devices:  DeviceIdentities{DeviceTerminal, DeviceUICC},
		Address:  &Address{TONNPI: 0x81, Number: "112"},
		Location: &LocationInformation{MCC: "234", MNC: "15", LAC: 1, CellID: []byte{0, 2}},
	})
	return out
}

func TestGolden(t *testing.T) {
	g := goldie.New(t, goldie.WithFixtureDir(filepath.Join("..", "..", "fixtures", "golden", "stk", "cat")),
		goldie.WithNameSuffix(".golden"))
	for name, b := range examples(t) {
		t.Run(name, func(t *testing.T) {
			d, err := Dump(b)
			if err != nil {
				t.Fatal(err)
			}
			j, err := JSON(b)
			if err != nil {
				t.Fatal(err)
			}
			checkJSON(t, b)
			g.Assert(t, name, []byte(d+"\n"+string(j)))
		})
	}
}

// TestRuleTablesFit guards the fixed-size counter array of Message.check.
func TestRuleTablesFit(t *testing.T) {
	all := [][]elemRule{trRules}
	for _, c := range commands {
		all = append(all, c.rules)
	}
	for _, e := range envelopes {
		all = append(all, e.rules)
	}
	for _, r := range all {
		if len(r) > 32 {
			t.Fatalf("%d rules", len(r))
		}
	}
}

// TestRegressionManyResponseElements is a fuzz crasher: a terminal response using the 25th
// rule overflowed the rule counters.
func TestRegressionManyResponseElements(t *testing.T) {
	b := mustHex(t, "810301210082028281830100AA00")
	if _, err := Decode(b); err != nil {
		t.Fatal(err)
	}
}

// TestRegressionDumpShortDeviceIdentities is a fuzz crasher: Dump read two bytes of a second,
// one-byte device identities kept as an unknown element.
func TestRegressionDumpShortDeviceIdentities(t *testing.T) {
	b := []byte("\x81\x03000\x02\x0200\x02\x010\x83\x010")
	if _, err := Dump(b); err != nil {
		t.Fatal(err)
	}
}

func TestRemoveMenu(t *testing.T) {
	// TS 102 223 6.6.7: a null alpha identifier and one empty item remove the menu.
	b := mustHex(t, "D00D81030125008202818285008F00")
	var c SetUpMenu
	if err := c.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if c.Alpha.Text != "" || len(c.Items) != 1 || !c.Items[0].Empty {
		t.Fatalf("%+v", c)
	}
	out, err := c.Marshal()
	if err != nil || !bytes.Equal(out, b) {
		t.Fatalf("%X %v", out, err)
	}
	checkJSON(t, b)
}

func TestTextErrorOffsets(t *testing.T) {
	// Item 1 of a SET UP MENU has the byte 80 after its GSM text, at offset 18.
	_, err := JSON(mustHex(t, "D0118103012500820281828501418F03014180"))
	if err == nil || err.Error() != "SET UP MENU.Item.alpha.pad: offset 18: byte 80 is neither a character nor FF padding" {
		t.Fatal(err)
	}
	var c SetUpMenu
	if err2 := c.Unmarshal(mustHex(t, "D0118103012500820281828501418F03014180")); err2 == nil || err2.Error() != err.Error() {
		t.Fatalf("typed: %v", err2)
	}
}

func TestEnvelopeTyped(t *testing.T) {
	e, err := UnmarshalEnvelope(mustHex(t, "D309820201819001019500"))
	if err != nil {
		t.Fatal(err)
	}
	ms, ok := e.(*MenuSelection)
	if !ok || ms.Item.Identifier != 1 || !ms.HelpRequest || ms.Devices.Source != DeviceKeypad {
		t.Fatalf("%+v", e)
	}
	var ev EventDownload
	if err := ev.Unmarshal(mustHex(t, "D60799010482028281")); err != nil || ev.Events.Events[0] != EventUserActivity {
		t.Fatalf("%+v %v", ev, err)
	}
	if err := ev.Unmarshal(mustHex(t, "D309820201819001019500")); err == nil {
		t.Fatal("MENU SELECTION read as EVENT DOWNLOAD")
	}
}
