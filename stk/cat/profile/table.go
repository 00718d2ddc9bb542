package profile

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Clauses the table cites. TS 102 223 clause 5.2 defines the TERMINAL PROFILE structure and the
// bits common to all access technologies; the bits it marks "reserved by 3GPP" are defined in
// TS 31.111 clause 5.2.
const (
	clauseETSI = "TS 102 223 5.2"
	clause3GPP = "TS 31.111 5.2"
)

// Capability is one defined bit of the TERMINAL PROFILE (TS 102 223 5.2).
type Capability struct {
	// Name is the stable snake_case name used in JSON, listings and checker messages.
	Name string
	// Byte is the 1-based byte number, as the spec counts them ("first byte" = 1).
	Byte int
	// Bit is the bit within the byte, b1 (least significant) .. b8.
	Bit int
	// Clause is where the bit is defined.
	Clause string
	// Desc says what the terminal declares by setting the bit.
	Desc string
}

// Mask is the bit's mask within its byte.
func (c Capability) Mask() byte { return 1 << (c.Bit - 1) }

// Field is a multi-bit integer field of the TERMINAL PROFILE (TS 102 223 5.2), such as the
// number of characters down and across the display.
type Field struct {
	Name   string
	Byte   int // 1-based byte number
	Low    int // lowest bit, 1..8
	Width  int // number of bits
	Clause string
	Desc   string
}

// Max is the largest value the field can hold.
func (f Field) Max() int { return 1<<f.Width - 1 }

func (f Field) mask() byte { return byte(f.Max() << (f.Low - 1)) }

// capabilities lists every defined bit of bytes 1..39, byte by byte, b1 first. Bytes 1..32
// follow TS 102 223 5.2 and TS 31.111 5.2; the 3GPP-reserved positions were cross-checked
// against the index constants of TS 31.130 (uicc.usim.toolkit.USATTerminalProfile). Bytes 33..39
// (Rel-12 and later) follow Wireshark's gsm_sim dissector and have not been checked against the
// spec text. Positions held by a Field are absent here; positions the spec leaves RFU are
// named rfu_byteN_bitM by rfuName, not listed.
var capabilities = []Capability{
	// First byte (Download).
	{"profile_download", 1, 1, clauseETSI, "Profile download"},
	{"sms_pp_data_download", 1, 2, clause3GPP, "SMS-PP data download"},
	{"cb_data_download", 1, 3, clause3GPP, "Cell Broadcast data download"},
	{"menu_selection", 1, 4, clauseETSI, "Menu selection"},
	{"sms_pp_data_download_error_9exx", 1, 5, clause3GPP, "'9EXX' response code for SIM data download error"},
	{"timer_expiration", 1, 6, clauseETSI, "Timer expiration"},
	{"ussd_string_in_call_control", 1, 7, clause3GPP, "USSD string data object supported in Call Control"},
	{"call_control_on_automatic_redial", 1, 8, clause3GPP, "Envelope Call Control always sent to the UICC during automatic redial"},

	// Second byte (Other).
	{"command_result", 2, 1, clauseETSI, "Command result"},
	{"call_control_by_naa", 2, 2, clause3GPP, "Call Control by NAA"},
	{"call_control_cell_identity", 2, 3, clause3GPP, "Cell identity included in Call Control by NAA"},
	{"mo_short_message_control_by_naa", 2, 4, clause3GPP, "MO short message control by NAA"},
	{"call_control_alpha_identifier_handling", 2, 5, clause3GPP, "Handling of the alpha identifier (TS 31.111 9.1.3)"},
	{"ucs2_entry", 2, 6, clauseETSI, "UCS2 entry supported"},
	{"ucs2_display", 2, 7, clauseETSI, "UCS2 display supported"},
	{"display_extension_text", 2, 8, clauseETSI, "Display of the extension text"},

	// Third byte (Proactive UICC).
	{"display_text", 3, 1, clauseETSI, "DISPLAY TEXT"},
	{"get_inkey", 3, 2, clauseETSI, "GET INKEY"},
	{"get_input", 3, 3, clauseETSI, "GET INPUT"},
	{"more_time", 3, 4, clauseETSI, "MORE TIME"},
	{"play_tone", 3, 5, clauseETSI, "PLAY TONE"},
	{"poll_interval", 3, 6, clauseETSI, "POLL INTERVAL"},
	{"polling_off", 3, 7, clauseETSI, "POLLING OFF"},
	{"refresh", 3, 8, clauseETSI, "REFRESH"},

	// Fourth byte (Proactive UICC).
	{"select_item", 4, 1, clauseETSI, "SELECT ITEM"},
	{"send_short_message", 4, 2, clause3GPP, "SEND SHORT MESSAGE with 3GPP-SMS-TPDU"},
	{"send_ss", 4, 3, clause3GPP, "SEND SS"},
	{"send_ussd", 4, 4, clause3GPP, "SEND USSD"},
	{"set_up_call", 4, 5, clauseETSI, "SET UP CALL"},
	{"set_up_menu", 4, 6, clauseETSI, "SET UP MENU"},
	{"provide_local_information_location_imei", 4, 7, clauseETSI, "PROVIDE LOCAL INFORMATION (MCC, MNC, LAC, Cell ID and IMEI)"},
	{"provide_local_information_nmr", 4, 8, clause3GPP, "PROVIDE LOCAL INFORMATION (NMR)"},

	// Fifth byte (Event driven information).
	{"set_up_event_list", 5, 1, clauseETSI, "SET UP EVENT LIST"},
	{"event_mt_call", 5, 2, clauseETSI, "Event: MT call"},
	{"event_call_connected", 5, 3, clauseETSI, "Event: Call connected"},
	{"event_call_disconnected", 5, 4, clauseETSI, "Event: Call disconnected"},
	{"event_location_status", 5, 5, clauseETSI, "Event: Location status"},
	{"event_user_activity", 5, 6, clauseETSI, "Event: User activity"},
	{"event_idle_screen_available", 5, 7, clauseETSI, "Event: Idle screen available"},
	{"event_card_reader_status", 5, 8, clauseETSI, "Event: Card reader status"},

	// Sixth byte (Event driven information extensions).
	{"event_language_selection", 6, 1, clauseETSI, "Event: Language selection"},
	{"event_browser_termination", 6, 2, clauseETSI, "Event: Browser termination"},
	{"event_data_available", 6, 3, clauseETSI, "Event: Data available"},
	{"event_channel_status", 6, 4, clauseETSI, "Event: Channel status"},
	{"event_access_technology_change", 6, 5, clauseETSI, "Event: Access technology change"},
	{"event_display_parameters_changed", 6, 6, clauseETSI, "Event: Display parameters changed"},
	{"event_local_connection", 6, 7, clauseETSI, "Event: Local connection"},
	{"event_network_search_mode_change", 6, 8, clause3GPP, "Event: Network search mode change"},

	// Seventh byte (Multiple card proactive commands, class "a"); b6..b8 RFU.
	{"power_on_card", 7, 1, clauseETSI, "POWER ON CARD"},
	{"power_off_card", 7, 2, clauseETSI, "POWER OFF CARD"},
	{"perform_card_apdu", 7, 3, clauseETSI, "PERFORM CARD APDU"},
	{"get_reader_status", 7, 4, clauseETSI, "GET READER STATUS (card reader status)"},
	{"get_reader_status_identifier", 7, 5, clauseETSI, "GET READER STATUS (card reader identifier)"},

	// Eighth byte (Proactive UICC).
	{"timer_management_start_stop", 8, 1, clauseETSI, "TIMER MANAGEMENT (start, stop)"},
	{"timer_management_get_current_value", 8, 2, clauseETSI, "TIMER MANAGEMENT (get current value)"},
	{"provide_local_information_date_time_zone", 8, 3, clauseETSI, "PROVIDE LOCAL INFORMATION (date, time and time zone)"},
	{"get_inkey_binary_choice", 8, 4, clause3GPP, "Binary choice (Yes/No) in GET INKEY"},
	{"set_up_idle_mode_text", 8, 5, clauseETSI, "SET UP IDLE MODE TEXT"},
	{"run_at_command", 8, 6, clauseETSI, "RUN AT COMMAND"},
	{"set_up_call_second_alpha", 8, 7, clause3GPP, "2nd alpha identifier in SET UP CALL"},
	{"call_control_second_ccp", 8, 8, clause3GPP, "2nd capability configuration parameter in Call Control"},

	// Ninth byte.
	{"display_text_sustained", 9, 1, clauseETSI, "Sustained DISPLAY TEXT (immediate response)"},
	{"send_dtmf", 9, 2, clauseETSI, "SEND DTMF"},
	{"provide_local_information_bcch_channel_list", 9, 3, clause3GPP, "PROVIDE LOCAL INFORMATION (NMR with BCCH channel list)"},
	{"provide_local_information_language", 9, 4, clauseETSI, "PROVIDE LOCAL INFORMATION (language)"},
	{"provide_local_information_timing_advance", 9, 5, clause3GPP, "PROVIDE LOCAL INFORMATION (timing advance)"},
	{"language_notification", 9, 6, clauseETSI, "LANGUAGE NOTIFICATION"},
	{"launch_browser", 9, 7, clauseETSI, "LAUNCH BROWSER"},
	{"provide_local_information_access_technology", 9, 8, clauseETSI, "PROVIDE LOCAL INFORMATION (access technology)"},

	// Tenth byte (Soft keys support, class "d"); b3..b8 RFU.
	{"soft_keys_select_item", 10, 1, clauseETSI, "Soft keys support for SELECT ITEM"},
	{"soft_keys_set_up_menu", 10, 2, clauseETSI, "Soft keys support for SET UP MENU"},

	// Twelfth byte (Bearer Independent Protocol proactive commands, class "e").
	{"open_channel", 12, 1, clauseETSI, "OPEN CHANNEL"},
	{"close_channel", 12, 2, clauseETSI, "CLOSE CHANNEL"},
	{"receive_data", 12, 3, clauseETSI, "RECEIVE DATA"},
	{"send_data", 12, 4, clauseETSI, "SEND DATA"},
	{"get_channel_status", 12, 5, clauseETSI, "GET CHANNEL STATUS"},
	{"service_search", 12, 6, clauseETSI, "SERVICE SEARCH"},
	{"get_service_information", 12, 7, clauseETSI, "GET SERVICE INFORMATION"},
	{"declare_service", 12, 8, clauseETSI, "DECLARE SERVICE"},

	// Thirteenth byte (BIP supported bearers, class "e"); b6..b8 are bip_channels.
	{"bearer_csd", 13, 1, clause3GPP, "CSD bearer"},
	{"bearer_gprs", 13, 2, clause3GPP, "GPRS bearer"},
	{"bearer_bluetooth", 13, 3, clauseETSI, "Bluetooth bearer"},
	{"bearer_irda", 13, 4, clauseETSI, "IrDA bearer"},
	{"bearer_rs232", 13, 5, clauseETSI, "RS232 bearer"},

	// Fourteenth byte (Screen height); b1..b5 are screen_height.
	{"no_display", 14, 6, clauseETSI, "No display capability"},
	{"no_keypad", 14, 7, clauseETSI, "No keypad available"},
	{"screen_sizing_parameters", 14, 8, clauseETSI, "Screen sizing parameters supported"},

	// Fifteenth byte (Screen width); b1..b7 are screen_width.
	{"variable_size_fonts", 15, 8, clauseETSI, "Variable size fonts supported"},

	// Sixteenth byte (Screen effects); b5 RFU, b6..b8 are menu_width_reduction.
	{"display_resize", 16, 1, clauseETSI, "Display can be resized"},
	{"text_wrapping", 16, 2, clauseETSI, "Text wrapping supported"},
	{"text_scrolling", 16, 3, clauseETSI, "Text scrolling supported"},
	{"text_attributes", 16, 4, clauseETSI, "Text attributes supported"},

	// Seventeenth byte (BIP supported transport interfaces and bearers, class "e").
	{"transport_tcp_client_remote", 17, 1, clauseETSI, "TCP, UICC in client mode, remote connection"},
	{"transport_udp_client_remote", 17, 2, clauseETSI, "UDP, UICC in client mode, remote connection"},
	{"transport_tcp_server", 17, 3, clauseETSI, "TCP, UICC in server mode"},
	{"transport_tcp_client_local", 17, 4, clauseETSI, "TCP, UICC in client mode, local connection"},
	{"transport_udp_client_local", 17, 5, clauseETSI, "UDP, UICC in client mode, local connection"},
	{"transport_direct_communication", 17, 6, clauseETSI, "Direct communication channel"},
	{"bearer_eutran", 17, 7, clause3GPP, "E-UTRAN bearer"},
	{"bearer_hsdpa", 17, 8, clause3GPP, "HSDPA bearer"},

	// Eighteenth byte.
	{"display_text_variable_timeout", 18, 1, clauseETSI, "DISPLAY TEXT (variable time out)"},
	{"get_inkey_help_with_timeout", 18, 2, clauseETSI, "GET INKEY help while waiting for immediate response or variable time out"},
	{"bearer_usb", 18, 3, clauseETSI, "USB bearer"},
	{"get_inkey_variable_timeout", 18, 4, clauseETSI, "GET INKEY (variable time out)"},
	{"provide_local_information_esn", 18, 5, clauseETSI, "PROVIDE LOCAL INFORMATION (ESN)"},
	{"call_control_on_gprs", 18, 6, clause3GPP, "Call Control on GPRS"},
	{"provide_local_information_imeisv", 18, 7, clauseETSI, "PROVIDE LOCAL INFORMATION (IMEISV)"},
	{"provide_local_information_search_mode", 18, 8, clause3GPP, "PROVIDE LOCAL INFORMATION (search mode change)"},

	// Nineteenth byte: b1..b4 are tia_eia_136_version, b5..b8 RFU.
	// Twentieth byte: tia_eia_is820a.

	// Twenty-first byte (Extended LAUNCH BROWSER capability, class "c"); b5..b8 RFU.
	{"browser_wml", 21, 1, clauseETSI, "WML browser"},
	{"browser_xhtml", 21, 2, clauseETSI, "XHTML browser"},
	{"browser_html", 21, 3, clauseETSI, "HTML browser"},
	{"browser_chtml", 21, 4, clauseETSI, "CHTML browser"},

	// Twenty-second byte.
	{"utran_ps_extended_parameters", 22, 1, clause3GPP, "UTRAN PS with extended parameters"},
	{"provide_local_information_battery_state", 22, 2, clauseETSI, "PROVIDE LOCAL INFORMATION (battery state)"},
	{"play_tone_melody_themed", 22, 3, clauseETSI, "PLAY TONE (melody tones and themed tones)"},
	{"set_up_call_multimedia", 22, 4, clause3GPP, "Multi-media calls in SET UP CALL"},
	{"toolkit_initiated_gba", 22, 5, clause3GPP, "Toolkit-initiated GBA"},
	{"retrieve_multimedia_message", 22, 6, clauseETSI, "RETRIEVE MULTIMEDIA MESSAGE"},
	{"submit_multimedia_message", 22, 7, clauseETSI, "SUBMIT MULTIMEDIA MESSAGE"},
	{"display_multimedia_message", 22, 8, clauseETSI, "DISPLAY MULTIMEDIA MESSAGE"},

	// Twenty-third byte.
	{"set_frames", 23, 1, clauseETSI, "SET FRAMES"},
	{"get_frames_status", 23, 2, clauseETSI, "GET FRAMES STATUS"},
	{"mms_notification_download", 23, 3, clauseETSI, "MMS notification download"},
	{"refresh_alpha_identifier", 23, 4, clauseETSI, "Alpha identifier in REFRESH"},
	{"geographical_location_reporting", 23, 5, clause3GPP, "Geographical location reporting"},
	{"provide_local_information_meid", 23, 6, clauseETSI, "PROVIDE LOCAL INFORMATION (MEID)"},
	{"provide_local_information_nmr_utran_eutran", 23, 7, clause3GPP, "PROVIDE LOCAL INFORMATION (NMR for UTRAN/E-UTRAN)"},
	{"ussd_data_download", 23, 8, clause3GPP, "USSD data download and application mode"},

	// Twenty-fourth byte (class "i"): b1..b4 are max_frames, b5..b8 RFU.

	// Twenty-fifth byte (Event driven information extensions).
	{"event_browsing_status", 25, 1, clauseETSI, "Event: Browsing status"},
	{"event_mms_transfer_status", 25, 2, clauseETSI, "Event: MMS transfer status"},
	{"event_frame_information_changed", 25, 3, clauseETSI, "Event: Frame information changed"},
	{"event_iwlan_access_status", 25, 4, clause3GPP, "Event: I-WLAN access status"},
	{"event_network_rejection_geran_utran", 25, 5, clause3GPP, "Event: Network rejection for GERAN/UTRAN"},
	{"event_hci_connectivity", 25, 6, clauseETSI, "Event: HCI connectivity"},
	{"event_network_rejection_eutran", 25, 7, clause3GPP, "Event: Network rejection for E-UTRAN"},
	{"multiple_access_technologies", 25, 8, clause3GPP, "Multiple access technologies in Event: Access technology change and PROVIDE LOCAL INFORMATION"},

	// Twenty-sixth byte; b3..b8 RFU. Twenty-seventh byte: RFU.
	{"event_csg_cell_selection", 26, 1, clause3GPP, "Event: CSG cell selection"},
	{"event_contactless_state_request", 26, 2, clauseETSI, "Event: Contactless state request"},

	// Twenty-eighth byte (Text attributes); b7..b8 RFU.
	{"text_align_left", 28, 1, clauseETSI, "Text alignment left"},
	{"text_align_centre", 28, 2, clauseETSI, "Text alignment centre"},
	{"text_align_right", 28, 3, clauseETSI, "Text alignment right"},
	{"text_font_size_normal", 28, 4, clauseETSI, "Font size normal"},
	{"text_font_size_large", 28, 5, clauseETSI, "Font size large"},
	{"text_font_size_small", 28, 6, clauseETSI, "Font size small"},

	// Twenty-ninth byte (Text attributes); b8 RFU.
	{"text_style_normal", 29, 1, clauseETSI, "Style normal"},
	{"text_style_bold", 29, 2, clauseETSI, "Style bold"},
	{"text_style_italic", 29, 3, clauseETSI, "Style italic"},
	{"text_style_underlined", 29, 4, clauseETSI, "Style underlined"},
	{"text_style_strikethrough", 29, 5, clauseETSI, "Style strikethrough"},
	{"text_foreground_colour", 29, 6, clauseETSI, "Text foreground colour"},
	{"text_background_colour", 29, 7, clauseETSI, "Text background colour"},

	// Thirtieth byte.
	{"bearer_iwlan", 30, 1, clause3GPP, "I-WLAN bearer"},
	{"provide_local_information_wsid", 30, 2, clause3GPP, "PROVIDE LOCAL INFORMATION (WSID of the current I-WLAN connection)"},
	{"terminal_applications", 30, 3, clauseETSI, "TERMINAL APPLICATIONS"},
	{"refresh_steering_of_roaming", 30, 4, clause3GPP, "\"Steering of Roaming\" REFRESH"},
	{"activate", 30, 5, clauseETSI, "ACTIVATE"},
	{"geographical_location_request", 30, 6, clause3GPP, "Geographical location request"},
	{"provide_local_information_broadcast_network", 30, 7, clauseETSI, "PROVIDE LOCAL INFORMATION (broadcast network information)"},
	{"refresh_steering_of_roaming_iwlan", 30, 8, clause3GPP, "\"Steering of Roaming for I-WLAN\" REFRESH"},

	// Thirty-first byte.
	{"contactless_state_changed", 31, 1, clauseETSI, "CONTACTLESS STATE CHANGED"},
	{"csg_cell_discovery", 31, 2, clause3GPP, "CSG cell discovery"},
	{"open_channel_server_confirmation_parameters", 31, 3, clauseETSI, "Confirmation parameters for OPEN CHANNEL in terminal server mode"},
	{"communication_control_ims", 31, 4, clause3GPP, "Communication control for IMS"},
	{"cat_over_modem_interface", 31, 5, clauseETSI, "CAT over the modem interface"},
	{"event_incoming_ims_data", 31, 6, clause3GPP, "Event: Incoming IMS data"},
	{"event_ims_registration", 31, 7, clause3GPP, "Event: IMS registration"},
	{"containers_and_encapsulated_session", 31, 8, clauseETSI, "Profile Container, Envelope Container, COMMAND CONTAINER and ENCAPSULATED SESSION CONTROL"},

	// Thirty-second byte.
	{"bearer_ims", 32, 1, clause3GPP, "IMS bearer"},
	{"provide_local_information_henb_ip_address", 32, 2, clause3GPP, "PROVIDE LOCAL INFORMATION (H(e)NB IP address)"},
	{"provide_local_information_henb_surrounding_macrocells", 32, 3, clause3GPP, "PROVIDE LOCAL INFORMATION (H(e)NB surrounding macrocells)"},
	{"open_channel_server_launch_parameters", 32, 4, clauseETSI, "Launch parameters for OPEN CHANNEL in terminal server mode"},
	{"open_channel_server_direct_communication", 32, 5, clauseETSI, "Direct communication channel for OPEN CHANNEL in terminal server mode"},
	{"containers_security", 32, 6, clauseETSI, "Security for Profile Container, Envelope Container, COMMAND CONTAINER and ENCAPSULATED SESSION CONTROL"},
	{"ecat_client_service_list", 32, 7, clauseETSI, "CAT service list for eCAT client"},
	{"refresh_enforcement_policy", 32, 8, clauseETSI, "Refresh enforcement policy"},

	// Thirty-third byte.
	{"open_channel_dns_server_request", 33, 1, clauseETSI, "DNS server address request for OPEN CHANNEL (packet data service bearer)"},
	{"close_channel_network_access_name_reuse", 33, 2, clauseETSI, "Network access name reuse indication for CLOSE CHANNEL (packet data service bearer)"},
	{"event_poll_interval_negotiation", 33, 3, clauseETSI, "Event: Poll interval negotiation"},
	{"prose_usage_information_reporting", 33, 4, clause3GPP, "ProSe usage information reporting"},
	{"provide_local_information_supported_rats", 33, 5, clause3GPP, "PROVIDE LOCAL INFORMATION (supported radio access technologies)"},
	{"event_wlan_access_status", 33, 6, clause3GPP, "Event: WLAN access status"},
	{"bearer_wlan", 33, 7, clause3GPP, "WLAN bearer"},
	{"provide_local_information_wlan_identifier", 33, 8, clause3GPP, "PROVIDE LOCAL INFORMATION (current WLAN identifier)"},

	// Thirty-fourth byte.
	{"send_short_message_uri", 34, 1, clause3GPP, "URI support for SEND SHORT MESSAGE"},
	{"set_up_call_ims_uri", 34, 2, clause3GPP, "IMS URI in SET UP CALL"},
	{"set_up_call_media_voice", 34, 3, clause3GPP, "Media type voice in SET UP CALL and Call Control"},
	{"set_up_call_media_video", 34, 4, clause3GPP, "Media type video in SET UP CALL and Call Control"},
	{"provide_local_information_eutran_timing_advance", 34, 5, clause3GPP, "PROVIDE LOCAL INFORMATION (E-UTRAN timing advance information)"},
	{"refresh_euicc_profile_state_change", 34, 6, clauseETSI, "REFRESH with \"eUICC Profile State Change\""},
	{"event_network_rejection_eutran_extended_cause", 34, 7, clause3GPP, "Extended rejection cause code in Event: Network rejection for E-UTRAN"},
	{"deprecated_byte34_bit8", 34, 8, clause3GPP, "Deprecated"},

	// Thirty-fifth byte; b7..b8 RFU.
	{"get_input_variable_timeout", 35, 1, clauseETSI, "GET INPUT (variable time out)"},
	{"event_data_connection_status_pdp", 35, 2, clause3GPP, "Event: Data connection status change (PDP connection)"},
	{"event_data_connection_status_pdn", 35, 3, clause3GPP, "Event: Data connection status change (PDN connection)"},
	{"refresh_application_update", 35, 4, clauseETSI, "REFRESH with \"Application Update\""},
	{"lsi_proactive_session_request", 35, 5, clauseETSI, "LSI COMMAND with \"Proactive Session Request\""},
	{"lsi_uicc_platform_reset", 35, 6, clauseETSI, "LSI COMMAND with \"UICC Platform Reset\""},

	// Thirty-sixth byte.
	{"event_data_connection_status_pdu", 36, 1, clause3GPP, "Event: Data connection status change (PDU session)"},
	{"event_network_rejection_ngran", 36, 2, clause3GPP, "Event: Network rejection for NG-RAN"},
	{"non_ip_data_delivery", 36, 3, clause3GPP, "Non-IP data delivery"},
	{"provide_local_information_slices", 36, 4, clause3GPP, "PROVIDE LOCAL INFORMATION (slice information)"},
	{"refresh_steering_of_roaming_sor_cmci", 36, 5, clause3GPP, "\"Steering of Roaming\" REFRESH with SOR-CMCI parameter"},
	{"event_network_rejection_satellite_ngran", 36, 6, clause3GPP, "Event: Network rejection for satellite NG-RAN"},
	{"cag", 36, 7, clause3GPP, "CAG feature"},
	{"event_slices_status_change", 36, 8, clause3GPP, "Event: Slices status change"},

	// Thirty-seventh byte; b5..b8 RFU. Thirty-eighth byte: RFU.
	{"provide_local_information_rejected_slices", 37, 1, clause3GPP, "PROVIDE LOCAL INFORMATION (rejected slice information)"},
	{"extended_location_information", 37, 2, clause3GPP, "Extended information in location information, Event: Location status and Event: Network rejection"},
	{"provide_local_information_envelope_chaining", 37, 3, clause3GPP, "Chaining of PROVIDE LOCAL INFORMATION and envelope commands"},
	{"prose_5g_usage_information_reporting", 37, 4, clause3GPP, "5G ProSe usage information reporting"},

	// Thirty-ninth byte; b2..b8 RFU.
	{"provide_local_information_ngran_timing_advance", 39, 1, clause3GPP, "PROVIDE LOCAL INFORMATION (NG-RAN and satellite NG-RAN timing advance information)"},
}

// fields lists the multi-bit integer fields (TS 102 223 5.2).
var fields = []Field{
	{"soft_keys_max", 11, 1, 8, clauseETSI, "Maximum number of soft keys available ('FF' reserved)"},
	{"bip_channels", 13, 6, 3, clauseETSI, "Number of channels supported by the terminal"},
	{"screen_height", 14, 1, 5, clauseETSI, "Number of characters supported down the display"},
	{"screen_width", 15, 1, 7, clauseETSI, "Number of characters supported across the display"},
	{"menu_width_reduction", 16, 6, 3, clauseETSI, "Width reduction when in a menu"},
	{"tia_eia_136_version", 19, 1, 4, clauseETSI, "Protocol version of TIA/EIA-136 supported (reserved for TIA/EIA-136)"},
	{"tia_eia_is820a", 20, 1, 8, clauseETSI, "Reserved for TIA/EIA/IS-820-A facilities"},
	{"max_frames", 24, 1, 4, clauseETSI, "Maximum number of frames supported, including frames created in existing frames"},
}

// definedBytes is the number of bytes the table describes; every bit of later bytes is RFU.
const definedBytes = 39

// MaxLen is the longest TERMINAL PROFILE: its length travels in the one-byte P3/Lc of
// TERMINAL PROFILE (TS 102 221 10.1.1).
const MaxLen = 255

// byName indexes every bit's capability (RFU bits included), fieldOf the integer fields, and
// bitOwner names the capability or field at each (byte, bit). They are package variables, not
// init work, so that other variables built from them are initialised after them.
var byName, fieldOf, bitOwner = buildIndex()

func buildIndex() (map[string]Capability, map[string]Field, *[MaxLen + 1][8]string) {
	names := map[string]Capability{}
	fieldsByName := map[string]Field{}
	owner := new([MaxLen + 1][8]string)
	for _, c := range capabilities {
		if _, dup := names[c.Name]; dup {
			panic("profile: duplicate capability " + c.Name)
		}
		if owner[c.Byte][c.Bit-1] != "" {
			panic(fmt.Sprintf("profile: byte %d bit %d defined twice", c.Byte, c.Bit))
		}
		names[c.Name] = c
		owner[c.Byte][c.Bit-1] = c.Name
	}
	for _, f := range fields {
		fieldsByName[f.Name] = f
		for i := 0; i < f.Width; i++ {
			if owner[f.Byte][f.Low-1+i] != "" {
				panic(fmt.Sprintf("profile: byte %d bit %d defined twice", f.Byte, f.Low+i))
			}
			owner[f.Byte][f.Low-1+i] = f.Name
		}
	}
	// Every other bit of every byte is RFU: give it its name so that any byte string has a
	// lossless named form.
	for n := 1; n <= MaxLen; n++ {
		for bit := 1; bit <= 8; bit++ {
			if owner[n][bit-1] != "" {
				continue
			}
			c := Capability{Name: rfuName(n, bit), Byte: n, Bit: bit, Clause: clauseETSI, Desc: "RFU"}
			names[c.Name] = c
			owner[n][bit-1] = c.Name
		}
	}
	return names, fieldsByName, owner
}

// rfuName names an RFU bit: rfu_byte7_bit6.
func rfuName(n, bit int) string { return "rfu_byte" + strconv.Itoa(n) + "_bit" + strconv.Itoa(bit) }

// IsRFU reports whether name is an RFU bit's name.
func IsRFU(name string) bool { return strings.HasPrefix(name, "rfu_") }

// Lookup returns the capability called name, RFU bits included.
func Lookup(name string) (Capability, bool) {
	c, ok := byName[name]
	return c, ok
}

// LookupField returns the integer field called name.
func LookupField(name string) (Field, bool) {
	f, ok := fieldOf[name]
	return f, ok
}

// Capabilities returns the defined (non-RFU) bits of bytes 1..39 in byte and bit order.
func Capabilities() []Capability { return append([]Capability(nil), capabilities...) }

// Fields returns the integer fields in byte order.
func Fields() []Field { return append([]Field(nil), fields...) }

// describeByte returns the set capabilities and the field values of byte n, for listings.
func describeByte(n int, v byte) []string {
	var out []string
	seen := map[string]bool{}
	for bit := 1; bit <= 8; bit++ {
		name := bitOwner[n][bit-1]
		if f, ok := fieldOf[name]; ok {
			if !seen[name] {
				seen[name] = true
				out = append(out, fmt.Sprintf("%s=%d", name, int(v&f.mask())>>(f.Low-1)))
			}
			continue
		}
		if v&(1<<(bit-1)) != 0 {
			out = append(out, fmt.Sprintf("b%d %s", bit, name))
		}
	}
	return out
}

// sortedNames sorts names in place and returns them.
func sortedNames(names []string) []string {
	sort.Strings(names)
	return names
}
