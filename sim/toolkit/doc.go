// Package toolkit is the card's script runtime: the sim/card Toolkit that runs script images
// (stk/image, docs/image-format.md) as proactive sessions.
//
//   - Script store (DF 7F4F): two image slots, EF 6F01 and EF 6F02, and the control EF 6F03.
//     An OTA server writes a new image into the inactive slot with RFM UPDATE BINARY and then
//     writes the slot number into 6F03 byte 1 (the commit). The runtime loads the slot
//     (image.Load: CBOR, hash, every index and template), verifies the bank's signature with
//     the issuer keys the card trusts, and only then switches 6F03 byte 0 and sends the new SET
//     UP MENU; an unsigned, wrongly signed, altered or incomplete image is refused with a status
//     in 6F03 byte 2 (which the OTA server reads back into the PoR) and the old menu stays.
//   - Card state (EF 6F04, read and update "never"): the card's RSA key pairs by name, the
//     transaction counter, the concatenated-SMS reference and the trusted issuer keys, as one
//     CBOR document written through the card (so it lives in the card's state file and is
//     saved atomically with it). Personalise writes it into a card profile before the card
//     starts; a card profile without EF 6F04 keeps that state in memory only.
//   - SET UP MENU after TERMINAL PROFILE and after an activation (never a command whose
//     TERMINAL PROFILE bit is 0: stk/cat/profile.Supports); MENU SELECTION (help requests show
//     the item's help text) starts a session that runs the bytecode through FETCH / TERMINAL
//     RESPONSE, mapping every general result (TS 102 223 8.12) to the outcomes the image's
//     branches test.
//   - Localisation: with several languages and a terminal that supports it, a session starts
//     with PROVIDE LOCAL INFORMATION (language, qualifier 04); otherwise, and for SET UP MENU,
//     the image's first language.
//
// Decisions where the standards leave room:
//   - Before the first TERMINAL PROFILE the runtime sends nothing: it cannot know what the
//     terminal supports (TS 102 221 11.2.1 puts the profile first).
//   - "back" in a flow shows again the submenu the flow started from; on a submenu it goes to
//     the submenu shown before it, and from the first one the session ends (the SET UP MENU is
//     still on the terminal's screen, TS 102 223 6.4.8).
//   - A help request on an item without help text ends the session quietly: the SET UP MENU
//     qualifier told the terminal help is available, but not for every item.
//   - A command the terminal profile does not support is not sent; the instruction ends with
//     outcome "failed", as a terminal answering 30 (beyond terminal capabilities) would.
//   - A TERMINAL RESPONSE that does not decode, or whose command details do not match the
//     command, ends with outcome "failed"; the card still answers 90 00 (TS 102 223 6.8 leaves
//     the card's reaction open, and a session must not hang on a broken terminal).
//   - GET INPUT answers longer than the variable's maximum, or not digits where digits were
//     asked, are outcome "failed" (the terminal broke the Response length of 8.11).
//   - TP-MR in SEND SHORT MESSAGE is 00: the terminal sets it (TS 23.040 9.2.3.6; TS 102 223
//     6.4.10 hands the TPDU to the terminal).
package toolkit
