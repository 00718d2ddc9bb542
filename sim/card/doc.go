// Package card is a simulated UICC: a file system loaded from a card profile
// (fixtures/cards/*.json), T=0 APDU dispatch with TS 51.011 semantics for class A0 and
// TS 102 221 semantics for classes 0X/8X, PINs with try counters, the proactive queue the
// toolkit runtime (sim/toolkit) plugs into, and the receiving side of OTA: ENVELOPE (SMS-PP
// DOWNLOAD) -> reassembly -> TS 102 225 checks -> RFM on the file system or RAM on the
// registry -> PoR, in the envelope response or by SEND SHORT MESSAGE.
//
// The interface is bytes in, bytes out: [Card.Transmit] takes a command TPDU and returns the
// response with SW1 SW2 last, and never panics. The state (file contents, PIN tries, OTA
// counters, RAM registry, terminal profile, message reference) is the profile document itself,
// written back atomically ([WriteFileAtomic]: temporary file, fsync, rename, fsync of the
// directory) after every change when the card has a state file ([Open], [WithStateFile]).
//
// Files. The profile declares the MF, EF ICCID, EF DIR, DF TELECOM (EF ADN, SMS, MSISDN, SMSP),
// DF GSM (EF IMSI, SPN, AD, PHASE, SST, LOCI, ACM), ADF USIM (selected by AID, or 7FFF once
// selected) and the script store: DF 7F4F under the MF, in the 7F4X range TS 51.011 6.2 keeps
// for administrative use, holding EF 6F01 and EF 6F02 (script image slots A and B) and EF 6F03
// (which slot is active). An ADF sits in the tree under the MF at an alias FID (7FF0).
//
// Decisions where the standards leave room, each with its clause:
//   - A case 4 command's data waits behind 61xx (UICC) or 9Fxx (SIM) for GET RESPONSE
//     (TS 102 221 7.3.1.1.4, TS 51.011 9.4.1). A wrong Le on an outgoing command gets 6Cxx on
//     a UICC and 67xx on a SIM, xx being the right length (ISO/IEC 7816-3 10.3.3, TS 51.011
//     9.4.6); P3 = 00 means 256. A case 4 APDU sent with its Le byte is accepted (T=0 drops it).
//   - SELECT answers the FCP of TS 102 221 11.1.1.3 with security attributes in the expanded
//     form AB (ISO/IEC 7816-4 9.3.3: 90 00 always, 97 00 never, A4 {83 key ref, 95 08} a PIN),
//     so no EF ARR is needed; class A0 gets the TS 51.011 9.2.1 response (22 bytes for a DF,
//     15 for an EF). P2 00 is refused on a UICC (6A86): TS 102 221 codes only 04 and 0C.
//   - SEARCH RECORD (UICC, simple search) finds the pattern anywhere in a record and answers
//     6A83 when no record matches; SEEK (SIM) compares the start of each record (9404).
//   - GET RESPONSE with nothing pending, FETCH with nothing queued and TERMINAL RESPONSE with
//     nothing fetched answer 6985 (6F00 for class A0), 6F00 and 6F00. Any ENVELOPE during a proactive session
//     answers 93 00 (TS 102 221 10.2.1.1).
//   - A PoR in the SMS-DELIVER-REPORT is the envelope's response data as TP-UD, 02 71 00 and
//     the response packet (TS 31.115 5.1, TS 31.111 7.1.1.2), always with a normal ending:
//     the 62xx/63xx/9Exx "data download error" path is not used.
//   - Checks run in this order (TS 102 225 5.1, 5.2.2): header, TAR known (09), SPI1 at least
//     the TAR's MSL (0A), keysets of the KVNs in KIc/KID with the algorithms they name (06),
//     deciphering and RC/CC (05, 01), counter (02, 03, 04). The counter is stored only once all
//     passed, before the script runs. A refused packet's PoR is neither ciphered nor
//     checksummed, echoes CNTR only when it travelled in clear, and goes only in the envelope
//     response, never in an SMS-SUBMIT: the card does not originate a short message to an
//     address taken from a packet it refused (the Simjacker lesson).
//   - MSL (TS 102 226 8.2.1.3.2.4.2) compares SPI1 field by field: RC/CC/DS none < RC < CC <
//     DS, ciphering off < on, counter none < unchecked < higher < one higher. A production
//     profile refuses an MSL without CC and single DES keysets; a lab profile allows both.
//   - The counter belongs to the keyset of KID when the packet has a CC, else to KIc's; a
//     checked counter mode with no keyset to keep it is refused (06).
//   - A compact script stops at the first status word other than 90 00, 61xx, 9Fxx (TS 102 226
//     5.1.1); one that cannot be split into TPDUs runs nothing and answers 00 67 00. The RFM
//     session starts at the MF (rfm_uicc, rfm_sim) or the ADF (rfm_adf) with ADM rights and
//     runs only file and PIN commands (TS 102 226 6): ENVELOPE, FETCH and the other toolkit
//     commands answer 6D00 there, so a script cannot feed the card a packet of its own.
//   - RAM answers INSTALL, LOAD and DELETE with the single byte 00 of GlobalPlatform 11 (so a
//     compact PoR ends 61 01); an instance without TARs takes AID bytes 13-15 as its TAR
//     (TS 102 226 8.2.1.3.2.1.3).
//   - A PoR too long for one GET RESPONSE goes by SMS-SUBMIT and the envelope answers a PoR
//     with status 0B (TS 31.115 5.1).
//   - Sessions (current files, verified PINs, partial SMS-PP series, a LOAD in progress, the
//     proactive queue) end at reset; the state survives.
package card
