// Package keys is the card and key store: card records (ICCID, IMSI, MSISDN), OTA keysets by key
// version number with their counters, per-TAR minimum security levels, card RSA public keys, the
// issuer signing keys of bank tenants, sealing of every secret at rest, import of card
// manufacturer files and a hash-chained audit log.
//
// keys stores key bytes and algorithm codings as data (a KIc/KID byte as in TS 102 225 5.1.2 and
// 5.1.3); it does no OTA cryptography itself. Backends live in keys/sqlite and keys/postgres and
// both pass the suite in keys/storetest.
package keys
