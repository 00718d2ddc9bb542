// Package network is the virtual SMS network: an SMPP 3.4 SMSC on TCP (SMPP 3.4 2-5) that
// authenticates binds, accepts submit_sm and routes each mobile terminated message by
// destination MSISDN to a registered Handset as an SMS-DELIVER TPDU (TS 23.040 9.2.2.1), sends
// delivery receipts (deliver_sm, esm_class 04, with receipted_message_id and message_state),
// and takes mobile originated SMS-SUBMIT TPDUs from handsets (PoRs, payment messages) to the
// bound ESME that owns their destination, store and forward. The troubles of real SMSCs can be
// injected (Faults): latency, loss, throttling (ESME_RTHROTTLED per account, per bind, and in
// storms), full queues (ESME_RMSGQFUL), generic_nack, slow submit_sm_resp, refused binds and
// disconnections that leave a whole window unanswered, every random choice drawn from an
// injected source.
//
// The PDU codec is its own (not gosmpp's): strict, with errors naming the PDU, field and
// octet offset, and optional parameters kept in order so that PDUs are byte-exact from run to
// run. ESME is a plain client on the same codec for the simulated endpoints behind the SMSC.
package network
