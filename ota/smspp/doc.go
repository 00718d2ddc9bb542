// Package smspp carries TS 102 225 secured packets over SMS point to point, as 3GPP TS 31.115
// specifies: the user data header with the command packet identifier (IEI 70) or the response
// packet identifier (IEI 71), concatenation of packets longer than one short message and their
// bounded reassembly, the SMS-DELIVER, SMS-SUBMIT and SMS-DELIVER-REPORT TPDUs of TS 23.040 that
// carry them, and the ENVELOPE (SMS-PP DOWNLOAD) of TS 31.111 7.1.1 that hands one to the card.
//
// The package takes and returns packet bytes (starting with CPL or RPL); it does not secure or
// check them, which is ota/packet's business.
package smspp
