// Package remote builds and reads the remote APDU layer of OTA (ETSI TS 102 226): Remote File
// Management commands (RFM, clause 6) and Remote Application Management over GlobalPlatform
// (RAM, clause 8), packed as command scripts in the compact format (5.1) or the expanded format
// (5.2), and the responses the card returns in the PoR. It knows nothing of the security layer
// (ota/packet) or the transport (ota/smspp): it takes and returns the secured data's plaintext.
package remote
