package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The Android handset's profile (named.go cites the source) decodes to these capabilities.
func TestParseAndroid(t *testing.T) {
	p, err := ParseHex(androidHex)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		// byte 1 EE
		"sms_pp_data_download", "cb_data_download", "menu_selection", "timer_expiration",
		"ussd_string_in_call_control", "call_control_on_automatic_redial",
		// byte 2 FE
		"call_control_by_naa", "call_control_cell_identity", "mo_short_message_control_by_naa",
		"call_control_alpha_identifier_handling", "ucs2_entry", "ucs2_display", "display_extension_text",
		// byte 3 97
		"display_text", "get_inkey", "get_input", "play_tone", "refresh",
		// byte 4 FF
		"select_item", "send_short_message", "send_ss", "send_ussd", "set_up_call", "set_up_menu",
		"provide_local_information_location_imei", "provide_local_information_nmr",
		// byte 5 7F
		"set_up_event_list", "event_mt_call", "event_call_connected", "event_call_disconnected",
		"event_location_status", "event_user_activity", "event_idle_screen_available",
		// byte 6 1D
		"event_language_selection", "event_data_available", "event_channel_status",
		"event_access_technology_change",
		// byte 8 FF
		"timer_management_start_stop", "timer_management_get_current_value",
		"provide_local_information_date_time_zone", "get_inkey_binary_choice", "set_up_idle_mode_text",
		"run_at_command", "set_up_call_second_alpha", "call_control_second_ccp",
		// byte 9 BF
		"display_text_sustained", "send_dtmf", "provide_local_information_bcch_channel_list",
		"provide_local_information_language", "provide_local_information_timing_advance",
		"language_notification", "provide_local_information_access_technology",
		// byte 12 1F
		"open_channel", "close_channel", "receive_data", "send_data", "get_channel_status",
		// byte 13 E2
		"bearer_gprs",
		// byte 14 80
		"screen_sizing_parameters",
		// byte 17 83
		"transport_tcp_client_remote", "transport_udp_client_remote", "bearer_hsdpa",
		// byte 18 6B
		"display_text_variable_timeout", "get_inkey_help_with_timeout", "get_inkey_variable_timeout",
		"call_control_on_gprs", "provide_local_information_imeisv",
		// byte 22 01, byte 23 40
		"utran_ps_extended_parameters", "provide_local_information_nmr_utran_eutran",
	}
	if got := p.Names(); !slices.Equal(got, sortedNames(slices.Clone(want))) {
		t.Errorf("names:\n got %v\nwant %v", got, sortedNames(want))
	}
	if p.Len() != 29 {
		t.Errorf("Len = %d, want 29", p.Len())
	}
	for name, v := range map[string]int{"bip_channels": 7, "screen_height": 0, "screen_width": 0, "soft_keys_max": 0, "max_frames": 0} {
		if got, _ := p.Field(name); got != v {
			t.Errorf("%s = %d, want %d", name, got, v)
		}
	}
	if p.Has("launch_browser") || p.Has("more_time") || p.Has("profile_download") {
		t.Error("launch_browser, more_time and profile_download are 0 in the Android profile")
	}
}

// The TE half of the same RIL: what Android's CatService shows or answers itself.
func TestParseAndroidTE(t *testing.T) {
	p, err := ParseHex(AndroidTEHex)
	if err != nil {
		t.Fatal(err)
	}
	want := sortedNames([]string{
		"menu_selection",
		"display_text", "get_inkey", "get_input", "play_tone",
		"select_item", "set_up_menu",
		"set_up_event_list",
		"provide_local_information_date_time_zone", "get_inkey_binary_choice", "set_up_idle_mode_text",
		"display_text_sustained", "provide_local_information_language", "launch_browser",
		"provide_local_information_access_technology",
	})
	if got := p.Names(); !slices.Equal(got, want) {
		t.Errorf("names:\n got %v\nwant %v", got, want)
	}
}

// digestNames maps the wording of section 8 of the project's CAT digest
// (shared/spec/stk-proactive.md) to this table's names, bit by bit.
var digestNames = map[int][8]string{
	1: {"profile_download", "sms_pp_data_download", "cb_data_download", "menu_selection", "sms_pp_data_download_error_9exx", "timer_expiration", "ussd_string_in_call_control", "call_control_on_automatic_redial"},
	2: {"command_result", "call_control_by_naa", "call_control_cell_identity", "mo_short_message_control_by_naa", "call_control_alpha_identifier_handling", "ucs2_entry", "ucs2_display", "display_extension_text"},
	3: {"display_text", "get_inkey", "get_input", "more_time", "play_tone", "poll_interval", "polling_off", "refresh"},
	4: {"select_item", "send_short_message", "send_ss", "send_ussd", "set_up_call", "set_up_menu", "provide_local_information_location_imei", "provide_local_information_nmr"},
	5: {"set_up_event_list", "event_mt_call", "event_call_connected", "event_call_disconnected", "event_location_status", "event_user_activity", "event_idle_screen_available", "event_card_reader_status"},
	8: {"timer_management_start_stop", "timer_management_get_current_value", "provide_local_information_date_time_zone", "get_inkey_binary_choice", "set_up_idle_mode_text", "run_at_command", "set_up_call_second_alpha", "call_control_second_ccp"},
	9: {"display_text_sustained", "send_dtmf", "provide_local_information_bcch_channel_list", "provide_local_information_language", "provide_local_information_timing_advance", "language_notification", "launch_browser", "provide_local_information_access_technology"},
}

// The digest lists eight items per byte for bytes 1-5, 8 and 9; a byte of FF at that position
// must decode to the same eight items in bit order.
func TestDigestTable(t *testing.T) {
	md := readDigest(t)
	rows := digestProfileRows(md)
	if len(rows) != len(digestNames) {
		t.Fatalf("digest section 8 has rows for bytes %v, test knows %d", slices.Sorted(maps.Keys(rows)), len(digestNames))
	}
	for n, want := range digestNames {
		items := rows[n]
		if len(items) != 8 {
			t.Errorf("byte %d: digest lists %d items, want 8: %q", n, len(items), items)
			continue
		}
		b := make([]byte, n)
		b[n-1] = 0xFF
		p, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		got := p.Names()
		if !slices.Equal(got, sortedNames(slices.Clone(want[:]))) {
			t.Errorf("byte %d = FF: names %v, want %v", n, got, want)
		}
		for bit, name := range want {
			c, ok := Lookup(name)
			if !ok || c.Byte != n || c.Bit != bit+1 {
				t.Errorf("byte %d b%d (digest %q): %s is %+v", n, bit+1, items[bit], name, c)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in     []byte
		field  string
		offset int
	}{
		{nil, "terminal_profile", 0},
		{[]byte{}, "terminal_profile", 0},
		{make([]byte, 256), "terminal_profile", 255},
		{make([]byte, 1000), "terminal_profile", 255},
	} {
		_, err := Parse(tc.in)
		var e *Error
		if !errors.As(err, &e) || e.Field != tc.field || e.Offset != tc.offset {
			t.Errorf("Parse(%d bytes) = %v, want *Error at %s offset %d", len(tc.in), err, tc.field, tc.offset)
		}
	}
	if _, err := ParseHex("0G"); err == nil {
		t.Error("ParseHex(0G) succeeded")
	}
	if p, err := ParseHex(" ee fe\n97 "); err != nil || p.String() != "EEFE97" {
		t.Errorf("ParseHex with spaces = %v, %v", p, err)
	}
}

// Any 1..255 bytes survive Parse/Encode and the JSON form exactly, RFU bits included.
func TestRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 400; i++ {
		b := make([]byte, 1+rng.IntN(MaxLen))
		for j := range b {
			switch rng.IntN(3) {
			case 0: // sparse, like real profiles
			case 1:
				b[j] = 0xFF
			default:
				b[j] = byte(rng.Uint32())
			}
		}
		checkRoundTrip(t, b)
	}
	for _, n := range []int{1, MaxLen} {
		checkRoundTrip(t, bytes.Repeat([]byte{0xFF}, n))
		checkRoundTrip(t, make([]byte, n))
	}
}

func checkRoundTrip(t *testing.T, b []byte) {
	t.Helper()
	p, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse(%X): %v", b, err)
	}
	if got := p.Encode(); !bytes.Equal(got, b) {
		t.Fatalf("Encode(Parse(%X)) = %X", b, got)
	}
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var q Profile
	if err := json.Unmarshal(js, &q); err != nil {
		t.Fatalf("Unmarshal(%s): %v", js, err)
	}
	if got := q.Encode(); !bytes.Equal(got, b) {
		t.Fatalf("JSON round trip of %X gave %X via %s", b, got, js)
	}
}

// Every prefix of a profile is a profile (the spec lets a terminal send fewer bytes); the
// empty one is not. Every strict prefix of the JSON form fails to decode, without panicking.
func TestPrefixes(t *testing.T) {
	for _, name := range NamedProfiles() {
		p, _ := Named(name)
		b := p.Encode()
		if _, err := Parse(b[:0]); err == nil {
			t.Errorf("%s: empty prefix parsed", name)
		}
		for n := 1; n < len(b); n++ {
			q, err := Parse(b[:n])
			if err != nil {
				t.Fatalf("%s: prefix %d: %v", name, n, err)
			}
			for _, c := range Capabilities() {
				if c.Byte > n && q.Has(c.Name) {
					t.Errorf("%s: prefix %d has %s of byte %d", name, n, c.Name, c.Byte)
				}
			}
		}
		js, _ := json.Marshal(p)
		for n := 0; n < len(js); n++ {
			var q Profile
			if err := json.Unmarshal(js[:n], &q); err == nil {
				t.Errorf("%s: JSON prefix %q decoded", name, js[:n])
			}
			if err := q.UnmarshalJSON(js[:n]); err == nil {
				t.Errorf("%s: UnmarshalJSON of prefix %q succeeded", name, js[:n])
			}
		}
	}
}

func TestUnmarshalErrors(t *testing.T) {
	for _, tc := range []struct{ in, field, msg string }{
		{`{"capabilities":["display_text"]}`, "terminal_profile.length", "missing"},
		{`{"length":0}`, "terminal_profile.length", "missing"},
		{`{"length":256}`, "terminal_profile.length", "out of range"},
		{`{"length":-1}`, "terminal_profile.length", "out of range"},
		{`{"length":3,"capabilities":["display_txt"]}`, "terminal_profile.capabilities[0]", `unknown capability "display_txt"`},
		{`{"length":3,"capabilities":["display_text","get_inkey","display_text"]}`, "terminal_profile.capabilities[2]", "repeats capabilities[0]"},
		{`{"length":3,"capabilities":["set_up_menu"]}`, "terminal_profile.capabilities[0]", "beyond the length 3"},
		{`{"length":3,"fields":{"screen_height":5}}`, "terminal_profile.fields.screen_height", "beyond the length 3"},
		{`{"length":14,"fields":{"screen_height":32}}`, "terminal_profile.fields.screen_height", "out of range 0..31"},
		{`{"length":14,"fields":{"screen_depth":3}}`, "terminal_profile.fields.screen_depth", "unknown field"},
		{`{"length":3,"hex":"00"}`, "terminal_profile", "unknown field"},
		{`{"length":3} {}`, "terminal_profile", "after the profile"},
		{`[]`, "terminal_profile", "JSON"},
	} {
		var p Profile
		err := p.UnmarshalJSON([]byte(tc.in))
		var e *Error
		if !errors.As(err, &e) || e.Field != tc.field || !strings.Contains(e.Msg, tc.msg) {
			t.Errorf("UnmarshalJSON(%s) = %v, want %s: ...%s...", tc.in, err, tc.field, tc.msg)
		}
	}
	// The error names the byte offset of the offending bit.
	var p Profile
	err := p.UnmarshalJSON([]byte(`{"length":3,"capabilities":["set_up_menu"]}`))
	if err == nil || err.Error() != "terminal_profile.capabilities[0]: offset 3: set_up_menu is byte 4 bit 6, beyond the length 3" {
		t.Errorf("error text = %v", err)
	}
}

func TestHasFieldSet(t *testing.T) {
	var p Profile
	if err := p.Set("set_up_menu", true); err != nil {
		t.Fatal(err)
	}
	if p.Len() != 4 || p.String() != "00000020" || !p.Has("set_up_menu") {
		t.Errorf("after Set(set_up_menu): %s", p)
	}
	if err := p.SetField("screen_width", 40); err != nil {
		t.Fatal(err)
	}
	if err := p.Set("variable_size_fonts", true); err != nil {
		t.Fatal(err)
	}
	if v, ok := p.Field("screen_width"); !ok || v != 40 || p.Len() != 15 || p.Encode()[14] != 0xA8 {
		t.Errorf("screen_width = %d, %v; profile %s", v, ok, p)
	}
	if err := p.SetField("screen_width", 128); err == nil {
		t.Error("screen_width 128 accepted")
	}
	if err := p.Set("no_such_bit", true); err == nil {
		t.Error("unknown capability accepted")
	}
	if err := p.Set("set_up_menu", false); err != nil || p.Has("set_up_menu") {
		t.Errorf("clear: %v, %s", err, p)
	}
	if p.Has("no_such_bit") {
		t.Error("Has(unknown) = true")
	}
	if _, ok := p.Field("no_such_field"); ok {
		t.Error("Field(unknown) ok")
	}
	if v, ok := p.Field("max_frames"); !ok || v != 0 {
		t.Errorf("Field beyond length = %d, %v", v, ok)
	}
	q, _ := Parse([]byte{0, 0, 0, 0, 0, 0, 0x20})
	if !q.Has("rfu_byte7_bit6") || !slices.Equal(q.Names(), []string{"rfu_byte7_bit6"}) {
		t.Errorf("RFU bit: %v", q.Names())
	}
}

// Every bit of bytes 1..39 belongs to exactly one capability or field (checked when the index
// is built); names are snake_case and RFU names are only for bits the spec leaves RFU.
func TestTable(t *testing.T) {
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, c := range Capabilities() {
		if !snake.MatchString(c.Name) || IsRFU(c.Name) {
			t.Errorf("bad name %q", c.Name)
		}
		if c.Byte < 1 || c.Byte > definedBytes || c.Bit < 1 || c.Bit > 8 || c.Clause == "" || c.Desc == "" {
			t.Errorf("bad entry %+v", c)
		}
		seen[c.Name] = true
	}
	for _, f := range Fields() {
		if !snake.MatchString(f.Name) || seen[f.Name] || f.Low+f.Width-1 > 8 {
			t.Errorf("bad field %+v", f)
		}
	}
	if n := len(Capabilities()); n < 200 {
		t.Errorf("only %d capabilities", n)
	}
	for n := 1; n <= MaxLen; n++ {
		for bit := 1; bit <= 8; bit++ {
			if bitOwner[n][bit-1] == "" {
				t.Fatalf("byte %d bit %d has no name", n, bit)
			}
		}
	}
	// A few positions checked against TS 31.130's USATTerminalProfile index constants
	// (index = (byte-1)*8 + bit-1).
	for idx, name := range map[int]string{
		4: "sms_pp_data_download_error_9exx", 7: "call_control_on_automatic_redial",
		12: "call_control_alpha_identifier_handling", 31: "provide_local_information_nmr",
		59: "get_inkey_binary_choice", 63: "call_control_second_ccp",
		66: "provide_local_information_bcch_channel_list", 68: "provide_local_information_timing_advance",
		141: "call_control_on_gprs", 168: "utran_ps_extended_parameters",
		182: "provide_local_information_nmr_utran_eutran", 183: "ussd_data_download",
		195: "event_iwlan_access_status", 198: "event_network_rejection_eutran",
		200: "event_csg_cell_selection", 235: "refresh_steering_of_roaming",
		241: "csg_cell_discovery", 246: "event_ims_registration", 248: "bearer_ims",
	} {
		c, _ := Lookup(name)
		if got := (c.Byte-1)*8 + c.Bit - 1; got != idx {
			t.Errorf("%s: index %d, TS 31.130 says %d", name, got, idx)
		}
	}
}
