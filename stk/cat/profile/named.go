package profile

import "sort"

// androidHex is the TERMINAL PROFILE of an Android handset, as its modem downloads it to the
// UICC. Source: the Android RIL for NVIDIA Icera modems, icera-ril-stk.c (StkGetProfile), which
// quotes the modem's answer `*TSTPROF: 29,"EEFE97FF7F1D00FFBF00001FE2800000836B0000000140000000000000"`
// and downloads it unchanged with AT*TSTPD (github.com/Project-Google-Tango/vendor_nvidia_jxd_src,
// tegra/icera/ril/icera-ril/icera-ril-stk.c). Android's CatService does not build the profile
// itself; the RIL/modem does.
const androidHex = "EEFE97FF7F1D00FFBF00001FE2800000836B0000000140000000000000"

// AndroidTEHex is the part of the profile that Android's CatService handles (the TE profile
// written with AT+CUSATW=0 by the same RIL, RIL_STK_TE_PROFILE in icera-ril-stk.h): the
// commands it shows or answers itself. Kept for tests and for checks that want only what the
// Android UI renders.
const AndroidTEHex = "080017210100001CC900000000000000000000000000000000000000000000"

// Android is the profile of an Android handset (see androidHex for the source).
func Android() Profile { return mustParseHex(androidHex) }

// FeaturePhone is a small phone: SMS and calls, a 5 x 16 character screen, UCS2 display but
// no UCS2 entry, no browser, no soft keys, no Bearer Independent Protocol.
func FeaturePhone() Profile {
	return mustBuild(16, []string{
		"profile_download", "sms_pp_data_download", "cb_data_download", "menu_selection",
		"sms_pp_data_download_error_9exx", "timer_expiration",
		"command_result", "call_control_by_naa", "call_control_cell_identity",
		"mo_short_message_control_by_naa", "call_control_alpha_identifier_handling", "ucs2_display",
		"display_text", "get_inkey", "get_input", "more_time", "play_tone", "poll_interval",
		"polling_off", "refresh",
		"select_item", "send_short_message", "send_ss", "send_ussd", "set_up_call", "set_up_menu",
		"provide_local_information_location_imei", "provide_local_information_nmr",
		"set_up_event_list", "event_mt_call", "event_call_connected", "event_call_disconnected",
		"event_location_status",
		"timer_management_start_stop", "timer_management_get_current_value",
		"provide_local_information_date_time_zone", "get_inkey_binary_choice", "set_up_idle_mode_text",
		"send_dtmf", "provide_local_information_language", "language_notification",
		"text_wrapping",
	}, map[string]int{"screen_height": 5, "screen_width": 16})
}

// Strict is everything of TS 102 223 that the stkforge simulator implements: the commands,
// envelopes, events and PROVIDE LOCAL INFORMATION qualifiers of the project's CAT digest
// (stk-proactive.md), UCS2 both ways, soft keys, text attributes. It leaves out what the
// simulator has no model for: Bearer Independent Protocol, card readers, frames, multimedia
// messages, RUN AT COMMAND, SEND DTMF.
func Strict() Profile {
	return mustBuild(32, []string{
		// Download and envelopes (D1..D7).
		"profile_download", "sms_pp_data_download", "cb_data_download", "menu_selection",
		"sms_pp_data_download_error_9exx", "timer_expiration", "ussd_string_in_call_control",
		"command_result", "call_control_by_naa", "call_control_cell_identity",
		"mo_short_message_control_by_naa", "call_control_alpha_identifier_handling",
		"ucs2_entry", "ucs2_display", "display_extension_text",
		// Proactive commands.
		"display_text", "get_inkey", "get_input", "more_time", "play_tone", "poll_interval",
		"polling_off", "refresh",
		"select_item", "send_short_message", "send_ss", "send_ussd", "set_up_call", "set_up_menu",
		"provide_local_information_location_imei", "provide_local_information_nmr",
		"timer_management_start_stop", "timer_management_get_current_value",
		"provide_local_information_date_time_zone", "get_inkey_binary_choice", "set_up_idle_mode_text",
		"set_up_call_second_alpha",
		"display_text_sustained", "provide_local_information_language",
		"provide_local_information_timing_advance", "language_notification", "launch_browser",
		"provide_local_information_access_technology",
		"display_text_variable_timeout", "get_inkey_help_with_timeout", "get_inkey_variable_timeout",
		"provide_local_information_imeisv", "provide_local_information_battery_state",
		"refresh_steering_of_roaming",
		// Events 00..05, 07, 08, 0B.
		"set_up_event_list", "event_mt_call", "event_call_connected", "event_call_disconnected",
		"event_location_status", "event_user_activity", "event_idle_screen_available",
		"event_language_selection", "event_browser_termination", "event_access_technology_change",
		// Screen.
		"soft_keys_select_item", "soft_keys_set_up_menu",
		"text_wrapping", "text_scrolling", "text_attributes",
		"text_align_left", "text_align_centre", "text_align_right", "text_font_size_normal",
		"text_style_normal", "text_style_bold", "text_style_italic", "text_style_underlined",
	}, map[string]int{"soft_keys_max": 2, "screen_height": 10, "screen_width": 24})
}

// named maps the names used by handset models, the CLI and fixtures to the profiles.
var named = map[string]func() Profile{
	"android":       Android,
	"feature-phone": FeaturePhone,
	"strict":        Strict,
}

// Named returns a named profile: "android", "feature-phone" or "strict".
func Named(name string) (Profile, bool) {
	f, ok := named[name]
	if !ok {
		return Profile{}, false
	}
	return f(), true
}

// NamedProfiles returns the names Named knows, sorted.
func NamedProfiles() []string {
	var out []string
	for n := range named {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func mustParseHex(s string) Profile {
	p, err := ParseHex(s)
	if err != nil {
		panic(err)
	}
	return p
}

func mustBuild(length int, names []string, values map[string]int) Profile {
	p, err := Build(length, names, values)
	if err != nil {
		panic(err)
	}
	return p
}
