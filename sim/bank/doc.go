// Package bank is the bank's endpoint behind the SMS network: it receives the signed payment
// short messages a card sends with SEND SHORT MESSAGE (8-bit user data, concatenated by the UDH
// 00 or 08 reference of TS 23.040 9.2.3.24.1 and 9.2.3.24.8), parses them with the formats of
// the bank's menu (stk/pay), checks the RSA signature with the card's public key from the key
// store, records the transaction (in memory and optionally as JSON lines), refuses a replay of
// the same card and transaction counter, and answers the payer with a receipt short message.
//
// Endpoint binds it to an SMSC as an SMPP 3.4 ESME (sim/network.DialESME): deliver_sm in,
// submit_sm out with the receipt text in the GSM 7-bit default alphabet (data_coding 00,
// SMPP 3.4 5.2.19).
//
// Decisions where nothing is standard (the bank's own protocol):
//   - The card is found by the ICCID field of the signed body (card.iccid); when the store
//     records an MSISDN for it, the originating address must match it, so a signature captured
//     on one line cannot be replayed from another.
//   - A transaction is identified by (ICCID, txn): the card's transaction counter is signed,
//     so a second message with the same pair is a replay whatever else it carries.
//   - Amounts are entered in yuan as digits and shown with two decimals ("100.00").
package bank
