// Package audit is the security self-audit of a card's over-the-air receiving side: it sends
// the card ENVELOPE (SMS-PP DOWNLOAD) command TPDUs, each carrying a TS 102 225 command packet
// with a harmless remote command script (SELECT + READ BINARY of EF ICCID for RFM TARs,
// GET STATUS of the issuer security domain for the RAM TAR), and judges what comes back.
//
// Every TAR the card's profile names, and the well-known TARs of TS 101 220 annex D, gets
// the probes below; a TAR that answers 09 (TAR unknown) to the first one is not exposed and
// gets no more. The keyed probes run once per keyset the auditor holds.
//
//	no_security        SPI1 00: no RC/CC/DS, no ciphering, no counter (the Simjacker shape)
//	rc_only            SPI1 01: a CRC32 redundancy check only (TS 102 225 5.1.3.2)
//	cc_no_ciphering    SPI1 12: CC and counter higher, no ciphering
//	no_counter         SPI1 06: CC and ciphering, no counter (no replay protection)
//	baseline           SPI1 16: CC, ciphering, counter higher; the one legitimate probe
//	replay             the baseline packet again, byte for byte
//	replay_unchecked   SPI1 0E: the baseline's counter again, SPI asking for no check
//	single_des         SPI1 16 with KIc/KID naming single DES (first 8 bytes of each key)
//	wrong_cc           SPI1 16, fresh counter, last byte of the packet flipped
//
// The production policy is SPI1 16 at least, no single DES (DESIGN "Security defaults"). A
// finding is a probe below it that the card executed (PoR status 00), a replay or a wrong CC
// executed, a refused packet answered with a PoR that is checksummed or ciphered (TS 102 225
// 5.2.2: it must be neither), or a refused packet's PoR carrying response data.
//
// Only the baseline is a packet the production policy allows; every other probe is one a
// correct card refuses before running anything, so the audit moves nothing on such a card but
// the counters of the baseline probes (TS 102 225 5.1.1: the card stores a counter only once
// every check has passed). Callers that must not touch the card's state at all run it on a
// copy (stkforge audit does, unless --in-place).
//
// PoRs are asked for in the SMS-DELIVER-REPORT (SPI2 b6 = 0, TS 31.115 4.2), so the audit
// needs only ENVELOPE and GET RESPONSE; a PoR sent by SMS-SUBMIT instead is counted as none.
package audit
