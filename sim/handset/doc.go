// Package handset is a phone in front of a card: it powers the UICC up (ATR, SELECT MF with
// its FCP, TERMINAL PROFILE of its profile), runs the FETCH loop on 91xx (TS 102 221 7.4.2),
// turns each proactive command into a Screen (title, text, items with identifiers, an input
// field with its constraints, icons noted, softkeys), applies its profile's rules, takes the
// user's actions (select, enter, yes/no, OK, back, cancel, help, wait) and answers with the
// TERMINAL RESPONSEs real handsets send (TS 102 223 6.8, 8.12). Short messages: an SMS-DELIVER
// with TP-PID 7F goes to the card as ENVELOPE (SMS-PP DOWNLOAD) (TS 31.111 7.1.1) and its PoR
// back in the SMS-DELIVER-REPORT; SEND SHORT MESSAGE goes to the outbox and to a Network
// (sim/network's SMSC), and the Handset is a sim/network Handset. Scenarios (docs/scenarios.md)
// drive sessions and yield transcripts; Lab issues a card with a compiled menu (stk/gen,
// sim/toolkit) and verifies its signed payments (stk/pay). Everything is deterministic: clock,
// IMEI, location, language and all keys are injected or fixed.
//
// Decisions where the standards leave room, each with its clause:
//   - A command the TERMINAL PROFILE does not claim (stk/cat/profile Supports), or that the
//     emulator has no model for (SEND DTMF, BIP, network measurement results), is answered 30
//     "beyond terminal capabilities" (TS 102 223 5.2, 8.12.30); one that does not decode, 32,
//     echoing its command details when they can be read.
//   - Text longer than the screen wraps and scrolls; menu items and titles are cut with "…" at
//     the profile's menu width (TERMINAL PROFILE screen width less menu width reduction, 5.2),
//     which only the feature phone declares. GET INPUT's field is bounded by the keypad's limit
//     (stk/check's handset limits); a minimum above it, or UCS2 entry on a keypad without it
//     (profile byte 2 bit 2), is 30.
//   - Timeouts run on the handset's clock: a prompt left alone answers 12 after the profile's
//     timeout or the command's Duration; a DISPLAY TEXT without "wait for user" answers 00
//     when it clears itself (6.4.1). The strict profile never times out.
//   - Icons are never drawn (no EF IMG reader): a command done with an icon answers 04.
//   - GET INPUT answers DCS 04 (SMS default alphabet, unpacked), 00 when packing is asked, 08
//     for UCS2; an empty answer is the null text string (8.15). GET INKEY yes/no answers DCS 04
//     with 01 or 00 (6.8).
//   - SEND SHORT MESSAGE: the TPDU goes as the card built it except TP-MR, which the terminal
//     sets from its own counter (TS 23.040 9.2.3.6); with packing required (qualifier bit 1)
//     8-bit default-alphabet user data is packed into septets and TP-DCS set to 7-bit; 7-bit
//     or UCS2 messages go as they are. A null alpha identifier sends silently. A network
//     refusal is 35 with RP cause 01 (no route) or 2A (congestion).
//   - SET UP CALL and LAUNCH BROWSER ask the user first (6.4.13, 6.4.26): No is 22.
//   - An ENVELOPE (SMS-PP DOWNLOAD) answered 93 00 is retried twice, then refused with RP-ERROR
//     TP-FCS D4; 62xx/63xx/9Exx give RP-ERROR D5 with the response data (TS 31.111 7.1.1.2).
//     A MENU SELECTION answered 93 00 is dropped.
//   - PROVIDE LOCAL INFORMATION: location 460-00 LAC 1234 CI 0001, IMEI 355000000000019, the
//     clock in UTC (time zone 00), language "en", access technology E-UTRAN (08; GSM 00 on the
//     feature phone), IMEISV with SVN 01, timing advance 0 idle, battery full (04).
//   - REFRESH, PLAY TONE, MORE TIME, POLLING OFF, POLL INTERVAL (the interval asked for),
//     SET UP EVENT LIST, SET UP IDLE MODE TEXT and LANGUAGE NOTIFICATION are recorded and
//     answered 00; REFRESH does not re-read files or reset the card. SEND SS is answered 00
//     without an SS return result (the network's SS side is not modelled).
//   - The handset uses the UICC classes (00 for SELECT and GET RESPONSE, 80 for the toolkit
//     commands) with every profile.
package handset
