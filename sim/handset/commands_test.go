package handset

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stkforge/stkforge/stk/cat"
)

type commandCase struct {
	cmd  cat.Command
	act  func(h *Handset) error // nil: nothing for the user to do
	want cat.GeneralResult      // on the strict handset
}

func hdr(q uint8, d cat.Device) cat.CommandHeader {
	return cat.CommandHeader{Qualifier: q, Destination: d}
}

// everyCommand is one command of each type the CAT codec types, with the user's part.
func everyCommand(t testing.TB) []commandCase {
	tt := cat.TextString{DCS: 0x04, Text: "Hello"}
	ok := func(h *Handset) error { return h.OK() }
	yes := func(h *Handset) error { return h.Yes() }
	return []commandCase{
		{&cat.DisplayText{CommandHeader: hdr(0x81, cat.DeviceDisplay), Text: tt}, ok, 0x00},
		{&cat.DisplayText{CommandHeader: hdr(0x00, cat.DeviceDisplay), Text: tt, ImmediateResponse: true,
			Icon: &cat.IconIdentifier{Qualifier: 0, Record: 1}}, nil, 0x04},
		{&cat.GetInkey{CommandHeader: hdr(0x00, cat.DeviceTerminal), Text: tt}, func(h *Handset) error { return h.Enter("7") }, 0x00},
		{&cat.GetInkey{CommandHeader: hdr(0x84, cat.DeviceTerminal), Text: tt}, func(h *Handset) error { return h.Help(0) }, 0x13},
		{&cat.GetInput{CommandHeader: hdr(0x03, cat.DeviceTerminal), Text: tt, ResponseLength: cat.ResponseLength{Min: 0, Max: 10}},
			func(h *Handset) error { return h.Enter("你好") }, 0x00},
		{&cat.GetInput{CommandHeader: hdr(0x09, cat.DeviceTerminal), Text: tt, ResponseLength: cat.ResponseLength{Min: 0, Max: 10},
			Default: &cat.DefaultText{TextString: cat.TextString{DCS: 0x04, Text: "abc"}}}, ok, 0x00},
		{&cat.GetInput{CommandHeader: hdr(0x00, cat.DeviceTerminal), Text: tt, ResponseLength: cat.ResponseLength{Min: 250, Max: 255}}, nil, 0x30},
		{&cat.SelectItem{CommandHeader: hdr(0x80, cat.DeviceTerminal), Alpha: alpha("Pick"), Items: []cat.Item{item(1, "One"), item(2, "Two")},
			DefaultItem: &cat.ItemIdentifier{Identifier: 2}}, ok, 0x00},
		{&cat.SetUpMenu{CommandHeader: hdr(0x00, cat.DeviceTerminal), Alpha: *alpha("Menu 2"), Items: []cat.Item{item(7, "Seven")}}, nil, 0x00},
		{&cat.SendShortMessage{CommandHeader: hdr(0x00, cat.DeviceNetwork), Alpha: alpha("Sending"), TPDU: smsSubmit(t, "95588", "HI")}, nil, 0x00},
		{&cat.SendUSSD{CommandHeader: hdr(0x00, cat.DeviceNetwork), USSDString: cat.USSDString{DCS: 0x0F, Text: "*100#"}}, nil, 0x00},
		{&cat.SendSS{CommandHeader: hdr(0x00, cat.DeviceNetwork), SSString: cat.SSString{TONNPI: 0x81, String: "*21*123#"}}, nil, 0x00},
		{&cat.SetUpCall{CommandHeader: hdr(0x00, cat.DeviceNetwork), ConfirmationAlpha: alpha("Call the bank?"),
			Address: cat.Address{TONNPI: 0x81, Number: "95588"}}, yes, 0x00},
		{&cat.SetUpCall{CommandHeader: hdr(0x00, cat.DeviceNetwork), Address: cat.Address{TONNPI: 0x81, Number: "110"}},
			func(h *Handset) error { return h.No() }, 0x22},
		{&cat.LaunchBrowser{CommandHeader: hdr(0x00, cat.DeviceTerminal), URL: cat.URL{URL: "https://bank.example/"}}, yes, 0x00},
		{&cat.PlayTone{CommandHeader: hdr(0x00, cat.DeviceEarpiece), Tone: &cat.Tone{Tone: 0x10}}, nil, 0x00},
		{&cat.ProvideLocalInformation{CommandHeader: hdr(cat.LocalInfoLocation, cat.DeviceTerminal)}, nil, 0x00},
		{&cat.ProvideLocalInformation{CommandHeader: hdr(cat.LocalInfoIMEI, cat.DeviceTerminal)}, nil, 0x00},
		{&cat.ProvideLocalInformation{CommandHeader: hdr(cat.LocalInfoDateTime, cat.DeviceTerminal)}, nil, 0x00},
		{&cat.ProvideLocalInformation{CommandHeader: hdr(cat.LocalInfoLanguage, cat.DeviceTerminal)}, nil, 0x00},
		{&cat.ProvideLocalInformation{CommandHeader: hdr(cat.LocalInfoAccessTechnology, cat.DeviceTerminal)}, nil, 0x00},
		{&cat.ProvideLocalInformation{CommandHeader: hdr(cat.LocalInfoIMEISV, cat.DeviceTerminal)}, nil, 0x00},
		{&cat.ProvideLocalInformation{CommandHeader: hdr(cat.LocalInfoNMR, cat.DeviceTerminal)}, nil, 0x30},
		{&cat.TimerManagement{CommandHeader: hdr(cat.TimerStart, cat.DeviceTerminal), Timer: cat.TimerIdentifier{Identifier: 2},
			Value: &cat.TimerValue{Minutes: 1}}, nil, 0x00},
		{&cat.TimerManagement{CommandHeader: hdr(cat.TimerGetValue, cat.DeviceTerminal), Timer: cat.TimerIdentifier{Identifier: 5}}, nil, 0x24},
		{&cat.SetUpEventList{CommandHeader: hdr(0x00, cat.DeviceTerminal), Events: cat.EventList{Events: []cat.Event{0x05}}}, nil, 0x00},
		{&cat.SetUpIdleModeText{CommandHeader: hdr(0x00, cat.DeviceTerminal), Text: tt}, nil, 0x00},
		{&cat.LanguageNotification{CommandHeader: hdr(0x01, cat.DeviceTerminal), Language: &cat.Language{Code: "zh"}}, nil, 0x00},
		{&cat.Refresh{CommandHeader: hdr(cat.RefreshFileChangeNotification, cat.DeviceTerminal),
			FileList: &cat.FileList{Files: [][]byte{{0x3F, 0x00, 0x7F, 0x20, 0x6F, 0x46}}}}, nil, 0x00},
		{&cat.MoreTime{CommandHeader: hdr(0x00, cat.DeviceTerminal)}, nil, 0x00},
		{&cat.PollInterval{CommandHeader: hdr(0x00, cat.DeviceTerminal), Interval: cat.Duration{Unit: cat.Seconds, Interval: 30}}, nil, 0x00},
		{&cat.PollingOff{CommandHeader: hdr(0x00, cat.DeviceTerminal)}, nil, 0x00},
		{&cat.GenericCommand{CommandHeader: hdr(0x00, cat.DeviceTerminal), CommandType: cat.TypeSendDTMF}, nil, 0x30},
	}
}

// TestEveryCommand: each command type through the real card's proactive queue on the strict
// handset, the user's part played, the result as real handsets answer; golden transcript.
func TestEveryCommand(t *testing.T) {
	kit := payKit(t)
	cases := everyCommand(t)
	h, _ := newSession(t, kit, "strict")
	must(t, h.PowerOn())
	for i, c := range cases {
		if h.Screen().Kind != ScreenMenu {
			t.Fatalf("case %d: not on the menu: %+v", i, h.Screen())
		}
		id := h.Screen().Items[0].ID
		kit.scripts[id] = []cat.Command{c.cmd}
		n := len(kit.trs)
		must(t, h.Select(id))
		if c.act != nil {
			if err := c.act(h); err != nil {
				t.Fatalf("case %d %T: %v", i, c.cmd, err)
			}
		}
		if len(kit.trs) != n+1 {
			t.Fatalf("case %d %T: %d responses", i, c.cmd, len(kit.trs)-n)
		}
		if g := kit.trs[n].Result.General; g != c.want {
			t.Errorf("case %d %T: result %02X, want %02X", i, c.cmd, byte(g), byte(c.want))
		}
	}
	if fmt.Sprint(h.Calls()) != "[95588]" || len(h.Outbox()) != 1 {
		t.Errorf("calls %v, outbox %d", h.Calls(), len(h.Outbox()))
	}
	golden(t).Assert(t, "every-command-strict", []byte(Transcript(h.Events())))
}

// TestBeyondFeaturePhone: what the feature phone's profile does not claim gets 30.
func TestBeyondFeaturePhone(t *testing.T) {
	kit := payKit(t)
	kit.scripts[1] = []cat.Command{&cat.LaunchBrowser{CommandHeader: hdr(0x00, cat.DeviceTerminal), URL: cat.URL{URL: "https://x/"}}}
	h, _ := newSession(t, kit, "feature-phone")
	must(t, h.PowerOn())
	must(t, h.Select(1))
	if got := results(kit.trs); got != "SET_UP_MENU:00 LAUNCH_BROWSER:30" {
		t.Errorf("results %s", got)
	}
	tr := Transcript(h.Events())
	if !strings.Contains(tr, "beyond this feature-phone handset -> 30") {
		t.Error(tr)
	}
	// menu items are cut to the feature phone's menu width
	kit2 := payKit(t)
	kit2.menu = &cat.SetUpMenu{CommandHeader: hdr(0, cat.DeviceTerminal), Alpha: *alpha("M"),
		Items: []cat.Item{item(1, "A very long menu item text")}}
	h2, _ := newSession(t, kit2, "feature-phone")
	must(t, h2.PowerOn())
	if s := h2.Screen(); len([]rune(s.Items[0].Text)) > h2.prof.MenuWidth || !strings.HasSuffix(s.Items[0].Text, "…") {
		t.Errorf("item %q, width %d", s.Items[0].Text, h2.prof.MenuWidth)
	}
}

// TestSendShortMessagePacking: with packing required, 8-bit "HELLO" leaves as five packed
// septets with TP-DCS 00 (TS 102 223 6.4.10).
func TestSendShortMessagePacking(t *testing.T) {
	kit := payKit(t)
	kit.scripts[1] = []cat.Command{&cat.SendShortMessage{CommandHeader: hdr(cat.SendShortMessagePackingRequired, cat.DeviceNetwork),
		TPDU: smsSubmit(t, "95588", "HELLO")}}
	h, _ := newSession(t, kit, "android")
	must(t, h.PowerOn())
	must(t, h.Select(1))
	out := h.Outbox()
	if len(out) != 1 || out[0].DCS != 0x00 || out[0].Text != "HELLO" ||
		fmt.Sprintf("% X", out[0].TPDU) != "01 00 05 81 59 85 F8 00 00 05 C8 22 93 F9 04" {
		t.Fatalf("%+v % X", out, out[0].TPDU)
	}
	if got := results(kit.trs); got != "SET_UP_MENU:00 SEND_SHORT_MESSAGE:00" {
		t.Error(got)
	}
}
