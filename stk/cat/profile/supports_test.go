package profile

import (
	"fmt"
	"slices"
	"testing"
)

// supportsCases covers every command type of section 3 of the CAT digest, with the qualifiers
// that change what the command needs. A nil want means the table does not know the command or
// qualifier, so no terminal supports it.
var supportsCases = []struct {
	typ, qual byte
	want      []string
}{
	{0x01, 0x00, []string{"refresh"}},
	{0x01, 0x04, []string{"refresh"}},
	{0x01, 0x06, []string{"refresh"}},
	{0x01, 0x07, []string{"refresh", "refresh_steering_of_roaming"}},
	{0x01, 0x0B, nil},
	{0x02, 0x00, []string{"more_time"}},
	{0x03, 0x00, []string{"poll_interval"}},
	{0x04, 0x00, []string{"polling_off"}},
	{0x05, 0x00, []string{"set_up_event_list"}},
	{0x10, 0x00, []string{"set_up_call"}},
	{0x10, 0x05, []string{"set_up_call"}},
	{0x11, 0x00, []string{"send_ss"}},
	{0x12, 0x00, []string{"send_ussd"}},
	{0x13, 0x00, []string{"send_short_message"}},
	{0x13, 0x01, []string{"send_short_message"}},
	{0x15, 0x00, []string{"launch_browser"}},
	{0x15, 0x03, []string{"launch_browser"}},
	{0x20, 0x00, []string{"play_tone"}},
	{0x20, 0x01, []string{"play_tone"}},
	{0x21, 0x80, []string{"display_text"}},
	{0x21, 0x81, []string{"display_text"}},
	{0x22, 0x00, []string{"get_inkey"}},
	{0x22, 0x01, []string{"get_inkey"}},
	{0x22, 0x03, []string{"get_inkey", "ucs2_entry"}},
	{0x22, 0x04, []string{"get_inkey", "get_inkey_binary_choice"}},
	{0x22, 0x06, []string{"get_inkey", "get_inkey_binary_choice"}}, // Yes/No disables the UCS2 set
	{0x22, 0x80, []string{"get_inkey"}},
	{0x23, 0x00, []string{"get_input"}},
	{0x23, 0x01, []string{"get_input"}},
	{0x23, 0x03, []string{"get_input", "ucs2_entry"}},
	{0x23, 0x04, []string{"get_input"}},
	{0x23, 0x08, []string{"get_input"}},
	{0x24, 0x00, []string{"select_item"}},
	{0x24, 0x83, []string{"select_item"}},
	{0x25, 0x00, []string{"set_up_menu"}},
	{0x25, 0x80, []string{"set_up_menu"}},
	{0x26, 0x00, []string{"provide_local_information_location_imei"}},
	{0x26, 0x01, []string{"provide_local_information_location_imei"}},
	{0x26, 0x02, []string{"provide_local_information_nmr"}},
	{0x26, 0x03, []string{"provide_local_information_date_time_zone"}},
	{0x26, 0x04, []string{"provide_local_information_language"}},
	{0x26, 0x05, []string{"provide_local_information_timing_advance"}},
	{0x26, 0x06, []string{"provide_local_information_access_technology"}},
	{0x26, 0x08, []string{"provide_local_information_imeisv"}},
	{0x26, 0x0A, []string{"provide_local_information_battery_state"}},
	{0x26, 0x0F, nil},
	{0x27, 0x00, []string{"timer_management_start_stop"}},
	{0x27, 0x01, []string{"timer_management_start_stop"}},
	{0x27, 0x02, []string{"timer_management_get_current_value"}},
	{0x27, 0x03, nil},
	{0x28, 0x00, []string{"set_up_idle_mode_text"}},
	{0x35, 0x00, []string{"language_notification"}},
	{0x35, 0x01, []string{"language_notification"}},
	{0x81, 0x00, nil}, // end of proactive session is not a command
	{0x99, 0x00, nil},
}

func TestSupports(t *testing.T) {
	covered := map[byte]bool{}
	for _, tc := range supportsCases {
		name := fmt.Sprintf("%02X/%02X", tc.typ, tc.qual)
		needs, ok := Requirements(tc.typ, tc.qual)
		if ok != (tc.want != nil) || !slices.Equal(needs, tc.want) {
			t.Errorf("%s: Requirements = %v, %v; want %v", name, needs, ok, tc.want)
			continue
		}
		if !ok {
			all, _ := Parse(bytesOf(0xFF, MaxLen))
			if all.Supports(tc.typ, tc.qual) {
				t.Errorf("%s: supported by an all-ones profile", name)
			}
			if _, err := all.Missing(tc.typ, tc.qual); err == nil {
				t.Errorf("%s: Missing gave no error", name)
			}
			continue
		}
		covered[tc.typ] = true
		exact, err := Build(definedBytes, tc.want, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !exact.Supports(tc.typ, tc.qual) {
			t.Errorf("%s: not supported by a profile with exactly %v", name, tc.want)
		}
		for _, drop := range tc.want {
			p := exact
			p.b = slices.Clone(exact.b)
			_ = p.Set(drop, false)
			if p.Supports(tc.typ, tc.qual) {
				t.Errorf("%s: supported without %s", name, drop)
			}
			missing, err := p.Missing(tc.typ, tc.qual)
			if err != nil || len(missing) != 1 || missing[0].Name != drop {
				t.Errorf("%s without %s: Missing = %v, %v", name, drop, missing, err)
			}
		}
		// Bits beyond the length are not declared.
		short, _ := Parse(exact.b[:2])
		if short.Supports(tc.typ, tc.qual) {
			t.Errorf("%s: supported by a 2-byte profile", name)
		}
	}
	for typ, cmd := range digestCommands(readDigest(t)) {
		if !covered[typ] {
			t.Errorf("digest command %02X %s has no case", typ, cmd)
		}
		if CommandName(typ) != cmd {
			t.Errorf("CommandName(%02X) = %q, digest says %q", typ, CommandName(typ), cmd)
		}
	}
}

// What each named profile lets a card send, for the commands a payment menu uses.
func TestNamedSupports(t *testing.T) {
	for _, tc := range []struct {
		profile   string
		typ, qual byte
		want      bool
	}{
		{"android", 0x25, 0x00, true},  // SET UP MENU
		{"android", 0x21, 0x80, true},  // DISPLAY TEXT
		{"android", 0x23, 0x03, true},  // GET INPUT, UCS2
		{"android", 0x23, 0x04, true},  // GET INPUT, hidden
		{"android", 0x13, 0x00, true},  // SEND SHORT MESSAGE
		{"android", 0x26, 0x04, true},  // PLI language
		{"android", 0x15, 0x00, false}, // LAUNCH BROWSER: byte 9 b7 is 0
		{"android", 0x02, 0x00, false}, // MORE TIME: byte 3 b4 is 0
		{"feature-phone", 0x25, 0x00, true},
		{"feature-phone", 0x23, 0x01, true},
		{"feature-phone", 0x23, 0x03, false}, // no UCS2 entry
		{"feature-phone", 0x22, 0x04, true},  // Yes/No
		{"feature-phone", 0x15, 0x00, false}, // no browser
		{"feature-phone", 0x26, 0x06, false}, // no access technology
		{"strict", 0x40, 0x01, false},        // OPEN CHANNEL: no BIP in the simulator
		{"strict", 0x34, 0x00, false},        // RUN AT COMMAND
	} {
		p, _ := Named(tc.profile)
		if got := p.Supports(tc.typ, tc.qual); got != tc.want {
			t.Errorf("%s.Supports(%02X %s, %02X) = %v", tc.profile, tc.typ, CommandName(tc.typ), tc.qual, got)
		}
	}
	// The strict profile supports every command of the digest, with every qualifier above.
	strict := Strict()
	for _, tc := range supportsCases {
		if tc.want != nil && !strict.Supports(tc.typ, tc.qual) {
			m, _ := strict.Missing(tc.typ, tc.qual)
			t.Errorf("strict lacks %v for %02X/%02X", m, tc.typ, tc.qual)
		}
	}
}

func TestCommandTable(t *testing.T) {
	for _, c := range commands {
		if CommandName(c.typ) != c.name {
			t.Errorf("%02X: %q", c.typ, CommandName(c.typ))
		}
		if c.needs == nil && c.byQualifier == nil {
			t.Errorf("%s needs nothing", c.name)
		}
	}
	if CommandName(0x99) != "" {
		t.Error("CommandName(99) not empty")
	}
}

func bytesOf(v byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = v
	}
	return b
}
