package profile

import "fmt"

// command says which TERMINAL PROFILE bits a proactive command needs (TS 102 223 5.2, with
// command types from TS 102 223 9.4 and qualifiers from 8.6).
type command struct {
	typ  byte
	name string // as TS 102 223 9.4 spells it
	// needs holds the bits the command needs whatever its qualifier.
	needs []string
	// byQualifier, when set, lists the bits for each defined qualifier value; a qualifier
	// missing from it is one this table does not know, so the command is not supported.
	byQualifier map[byte][]string
	// qualifierBits adds bits when qualifier bits are set.
	qualifierBits []qualifierBit
}

// qualifierBit: when qualifier&mask != 0 and qualifier&unless == 0, the command also needs bit.
type qualifierBit struct {
	mask, unless byte
	needs        string
}

// commands is the table of proactive commands. GET INKEY with the Yes/No qualifier (bit 3)
// needs the binary-choice bit (8th byte b4) and, because bit 3 disables the character sets of
// bits 1 and 2, UCS2 entry only without it; GET INKEY and GET INPUT with the UCS2 qualifier
// (bit 2) need UCS2 entry (2nd byte b6). REFRESH modes 07.. need their own bits as well.
var commands = []command{
	{typ: 0x01, name: "REFRESH", needs: []string{"refresh"}, byQualifier: map[byte][]string{
		0x00: nil, 0x01: nil, 0x02: nil, 0x03: nil, 0x04: nil, 0x05: nil, 0x06: nil,
		0x07: {"refresh_steering_of_roaming"},
		0x08: {"refresh_steering_of_roaming_iwlan"},
		0x09: {"refresh_euicc_profile_state_change"},
		0x0A: {"refresh_application_update"},
	}},
	{typ: 0x02, name: "MORE TIME", needs: []string{"more_time"}},
	{typ: 0x03, name: "POLL INTERVAL", needs: []string{"poll_interval"}},
	{typ: 0x04, name: "POLLING OFF", needs: []string{"polling_off"}},
	{typ: 0x05, name: "SET UP EVENT LIST", needs: []string{"set_up_event_list"}},
	{typ: 0x10, name: "SET UP CALL", needs: []string{"set_up_call"}},
	{typ: 0x11, name: "SEND SS", needs: []string{"send_ss"}},
	{typ: 0x12, name: "SEND USSD", needs: []string{"send_ussd"}},
	{typ: 0x13, name: "SEND SHORT MESSAGE", needs: []string{"send_short_message"}},
	{typ: 0x14, name: "SEND DTMF", needs: []string{"send_dtmf"}},
	{typ: 0x15, name: "LAUNCH BROWSER", needs: []string{"launch_browser"}},
	{typ: 0x16, name: "GEOGRAPHICAL LOCATION REQUEST", needs: []string{"geographical_location_request"}},
	{typ: 0x20, name: "PLAY TONE", needs: []string{"play_tone"}},
	{typ: 0x21, name: "DISPLAY TEXT", needs: []string{"display_text"}},
	{typ: 0x22, name: "GET INKEY", needs: []string{"get_inkey"}, qualifierBits: []qualifierBit{
		{mask: 0x04, needs: "get_inkey_binary_choice"},
		{mask: 0x02, unless: 0x04, needs: "ucs2_entry"},
	}},
	{typ: 0x23, name: "GET INPUT", needs: []string{"get_input"}, qualifierBits: []qualifierBit{
		{mask: 0x02, needs: "ucs2_entry"},
	}},
	{typ: 0x24, name: "SELECT ITEM", needs: []string{"select_item"}},
	{typ: 0x25, name: "SET UP MENU", needs: []string{"set_up_menu"}},
	{typ: 0x26, name: "PROVIDE LOCAL INFORMATION", byQualifier: map[byte][]string{
		0x00: {"provide_local_information_location_imei"},
		0x01: {"provide_local_information_location_imei"},
		0x02: {"provide_local_information_nmr"},
		0x03: {"provide_local_information_date_time_zone"},
		0x04: {"provide_local_information_language"},
		0x05: {"provide_local_information_timing_advance"},
		0x06: {"provide_local_information_access_technology"},
		0x07: {"provide_local_information_esn"},
		0x08: {"provide_local_information_imeisv"},
		0x09: {"provide_local_information_search_mode"},
		0x0A: {"provide_local_information_battery_state"},
		0x0B: {"provide_local_information_meid"},
		0x0C: {"provide_local_information_wsid"},
		0x0D: {"provide_local_information_broadcast_network"},
		0x0E: {"provide_local_information_access_technology", "multiple_access_technologies"},
	}},
	{typ: 0x27, name: "TIMER MANAGEMENT", byQualifier: map[byte][]string{
		0x00: {"timer_management_start_stop"},
		0x01: {"timer_management_start_stop"},
		0x02: {"timer_management_get_current_value"},
	}},
	{typ: 0x28, name: "SET UP IDLE MODE TEXT", needs: []string{"set_up_idle_mode_text"}},
	{typ: 0x30, name: "PERFORM CARD APDU", needs: []string{"perform_card_apdu"}},
	{typ: 0x31, name: "POWER ON CARD", needs: []string{"power_on_card"}},
	{typ: 0x32, name: "POWER OFF CARD", needs: []string{"power_off_card"}},
	{typ: 0x33, name: "GET READER STATUS", byQualifier: map[byte][]string{
		0x00: {"get_reader_status"},
		0x01: {"get_reader_status_identifier"},
	}},
	{typ: 0x34, name: "RUN AT COMMAND", needs: []string{"run_at_command"}},
	{typ: 0x35, name: "LANGUAGE NOTIFICATION", needs: []string{"language_notification"}},
	{typ: 0x40, name: "OPEN CHANNEL", needs: []string{"open_channel"}},
	{typ: 0x41, name: "CLOSE CHANNEL", needs: []string{"close_channel"}},
	{typ: 0x42, name: "RECEIVE DATA", needs: []string{"receive_data"}},
	{typ: 0x43, name: "SEND DATA", needs: []string{"send_data"}},
	{typ: 0x44, name: "GET CHANNEL STATUS", needs: []string{"get_channel_status"}},
	{typ: 0x45, name: "SERVICE SEARCH", needs: []string{"service_search"}},
	{typ: 0x46, name: "GET SERVICE INFORMATION", needs: []string{"get_service_information"}},
	{typ: 0x47, name: "DECLARE SERVICE", needs: []string{"declare_service"}},
	{typ: 0x50, name: "SET FRAMES", needs: []string{"set_frames"}},
	{typ: 0x51, name: "GET FRAMES STATUS", needs: []string{"get_frames_status"}},
	{typ: 0x60, name: "RETRIEVE MULTIMEDIA MESSAGE", needs: []string{"retrieve_multimedia_message"}},
	{typ: 0x61, name: "SUBMIT MULTIMEDIA MESSAGE", needs: []string{"submit_multimedia_message"}},
	{typ: 0x62, name: "DISPLAY MULTIMEDIA MESSAGE", needs: []string{"display_multimedia_message"}},
	{typ: 0x70, name: "ACTIVATE", needs: []string{"activate"}},
	{typ: 0x71, name: "CONTACTLESS STATE CHANGED", needs: []string{"contactless_state_changed"}},
	{typ: 0x72, name: "COMMAND CONTAINER", needs: []string{"containers_and_encapsulated_session"}},
	{typ: 0x73, name: "ENCAPSULATED SESSION CONTROL", needs: []string{"containers_and_encapsulated_session"}},
}

// commandOf indexes commands by type; building it checks every name against the table.
var commandOf = buildCommandIndex()

func buildCommandIndex() map[byte]*command {
	commandOf := map[byte]*command{}
	for i := range commands {
		c := &commands[i]
		if commandOf[c.typ] != nil {
			panic(fmt.Sprintf("profile: command type %02X listed twice", c.typ))
		}
		commandOf[c.typ] = c
		check := func(name string) {
			if _, ok := byName[name]; !ok || IsRFU(name) {
				panic("profile: command " + c.name + " needs unknown capability " + name)
			}
		}
		for _, n := range c.needs {
			check(n)
		}
		for _, ns := range c.byQualifier {
			for _, n := range ns {
				check(n)
			}
		}
		for _, qb := range c.qualifierBits {
			check(qb.needs)
		}
	}
	return commandOf
}

// CommandName returns the name of a proactive command type as TS 102 223 9.4 spells it
// ("DISPLAY TEXT"), or "" for a type this table does not know.
func CommandName(cmdType byte) string {
	if c := commandOf[cmdType]; c != nil {
		return c.name
	}
	return ""
}

// Requirements returns the capabilities a proactive command of type cmdType with the given
// command qualifier needs the terminal to have declared. ok is false for a command type, or a
// qualifier of a command whose qualifier selects the feature, that this table does not know:
// a card must not send such a command.
func Requirements(cmdType, qualifier byte) (needs []string, ok bool) {
	c := commandOf[cmdType]
	if c == nil {
		return nil, false
	}
	needs = append(needs, c.needs...)
	if c.byQualifier != nil {
		extra, known := c.byQualifier[qualifier]
		if !known {
			return nil, false
		}
		needs = append(needs, extra...)
	}
	for _, qb := range c.qualifierBits {
		if qualifier&qb.mask != 0 && qualifier&qb.unless == 0 {
			needs = append(needs, qb.needs)
		}
	}
	return needs, true
}

// Supports reports whether the terminal declared every capability the proactive command needs
// (TS 102 223 5.2: the UICC shall not send a command the terminal has not declared).
func (p Profile) Supports(cmdType, qualifier byte) bool {
	// The same walk as Requirements, without building the list: the card runtime asks before
	// every proactive command.
	c := commandOf[cmdType]
	if c == nil {
		return false
	}
	for _, n := range c.needs {
		if !p.Has(n) {
			return false
		}
	}
	if c.byQualifier != nil {
		extra, known := c.byQualifier[qualifier]
		if !known {
			return false
		}
		for _, n := range extra {
			if !p.Has(n) {
				return false
			}
		}
	}
	for _, qb := range c.qualifierBits {
		if qualifier&qb.mask != 0 && qualifier&qb.unless == 0 && !p.Has(qb.needs) {
			return false
		}
	}
	return true
}

// Missing returns the capabilities the command needs that the profile lacks, for messages such
// as "SET UP MENU needs set_up_menu (byte 4 bit 6)". The error is for an unknown command type or
// qualifier.
func (p Profile) Missing(cmdType, qualifier byte) ([]Capability, error) {
	needs, ok := Requirements(cmdType, qualifier)
	if !ok {
		if name := CommandName(cmdType); name != "" {
			return nil, fmt.Errorf("%s: qualifier %02X selects no feature this table knows", name, qualifier)
		}
		return nil, fmt.Errorf("command type %02X is not a proactive command this table knows", cmdType)
	}
	var missing []Capability
	for _, n := range needs {
		if !p.Has(n) {
			missing = append(missing, byName[n])
		}
	}
	return missing, nil
}
