// Package packet builds and opens the secured packets of ETSI TS 102 225 with the SMS
// specifics of 3GPP TS 31.115: command packets (CPL, CHL, SPI, KIc, KID, TAR, CNTR, PCNTR,
// RC/CC/DS, secured data) and response packets (the PoR: RPL, RHL, TAR, CNTR, PCNTR, status,
// RC/CC/DS, data).
//
// The OTA server calls [Seal] and [OpenPoR]; the card calls [ParseHeader] (to find the keys for
// a TAR and key version), [Open], [CheckCounter] and [SealPoR]. Keys come in as a [Keyset] of
// plain bytes: looking them up is the caller's business. Counters come in as values, so every
// output is a pure function of its inputs.
//
// Layout of a command packet as this package writes it (TS 102 225 5.1, TS 31.115 4.2):
//
//	CPL(2) CHL(1) SPI(2) KIc(1) KID(1) TAR(3) | CNTR(5) PCNTR(1) RC/CC/DS(0,2,4,8) data padding
//	                                           |<------------ ciphered when SPI1 b3 ------------>|
//
// The checksum covers CPL..PCNTR and data+padding, not the checksum field and not the UDH
// (TS 31.115 4.2); ciphering is CBC with a zero IV over CNTR..end (TS 102 225 5.1.2, 5.1.3).
// The PoR checksum covers the transport header the caller names (for SMS the UDH 02 71 00,
// TS 31.115) followed by RPL..STATUS and data+padding.
//
// Decisions where the standards leave room, each checked against independent implementations:
//   - CRC16 (KID b4-b3 = 00 with SPI RC) is the ISO/IEC 13239 CRC named by TS 102 225 5.1.3.2:
//     polynomial x^16+x^12+x^5+1, reflected, initial value FFFF, final XOR FFFF (CRC-16/X-25,
//     check value 906E over "123456789"), sent most significant byte first, as the opentelecoms
//     gsm0348 library does. CRC32 is the ISO/IEC 13239 / IEEE 802.3 CRC (zlib's), big-endian,
//     as pySim does; the sample vectors confirm it.
//   - KID is read as a CC algorithm when the SPI asks for a CC and as a CRC when it asks for an
//     RC (TS 102 225 5.1.3); for the PoR the same byte is read by the PoR's own SPI2 b4-b3.
//   - The AES CMAC is 8 bytes (the leftmost of the RFC 4493 tag); a keyset may configure 4.
//     CHL/RHL carry the length, so a mismatch is reported as an inconsistent CHL/RHL.
//   - PoR ciphering uses KIc and its algorithm, PoR checksum uses KID (TS 102 225 5.2).
package packet
