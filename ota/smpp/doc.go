// Package smpp is the OTA server's ESME: an SMPP 3.4 transceiver session on gosmpp that pushes
// secured packets as submit_sm (esm_class 40 UDHI, protocol_id 7F, data_coding F6, TS 31.115
// 6.1) with its own bounded window keyed by sequence number, response timeouts, enquire_link
// when idle, reconnection with exponential backoff, and throttling (ESME_RTHROTTLED,
// ESME_RMSGQFUL) that slows submission down and resubmits instead of failing. Every deliver_sm
// is answered; delivery receipts (esm_class 04) go to OnReceipt, and MO messages, PoRs sent by
// the card in an SMS-SUBMIT (02 71 00 ..., single or concatenated) reassembled with
// ota/smspp, go to OnMO with the sender's MSISDN.
//
// Outcomes are never silent: every message given to Submit ends with a message_id or an error;
// an error after the PDU was written (ErrConnectionLost, ErrTimeout) says the SMSC may still
// have accepted it, which the caller (the campaign) resolves from receipts and PoRs. The other
// way is at least once: an SMSC resends a deliver_sm whose response it did not get before a
// disconnection, so a receipt or a single-message PoR may come twice (repeated segments of a
// concatenated PoR are dropped by the reassembly).
//
// Passwords are never logged, nor put in errors.
package smpp
