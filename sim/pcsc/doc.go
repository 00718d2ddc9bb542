// Package pcsc joins stkforge to PC/SC, both ways, in pure Go (no cgo, no libpcsclite).
//
// Card side: the vpcd bridge ([Bridge], [DialAndServe]) puts a simulated card into a real
// PC/SC stack. pcscd's vsmartcard vpcd reader driver waits on TCP 35963 (slot 0) and 35964
// (slot 1); the bridge connects and answers it, so pcscd offers the card to any PC/SC
// application (scriptor, opensc-tool, pySim, a handset test rig). Both ways every message is a
// 2-byte big-endian length and a payload; a 1-byte payload from the reader is a control code
// (00 power off, 01 power on, 02 reset, none answered; 04 get ATR, answered with the ATR), a
// longer one a command APDU, answered with the response APDU, SW1 SW2 last.
//
// Client side: [Client] speaks pcscd's own client protocol over its UNIX socket
// ([DefaultSocket], or $PCSCLITE_CSOCK_NAME as libpcsclite reads it), so that stkforge drives a
// card in any reader pcscd knows, a real one or the vpcd one. [Dial] checks the protocol
// version (CMD_VERSION: this client speaks 4.4, the version of pcsc-lite 1.8.24 to 2.2; Debian
// 12 ships 1.9.9; later daemons still serve 4.4 clients, earlier ones refuse it and Dial says
// so) and establishes a context; [Client.Readers] reads pcscd's reader state array;
// [Client.Connect] connects in shared mode, T=0 or T=1; [Conn.Transmit] sends APDUs; Close
// disconnects (leaving the card as it is) and releases the context. A failure is an [Error] that
// names the PC/SC call and its return code, as in
// "SCardConnect: SCARD_E_NO_SMARTCARD (0x8010000C)".
//
// The protocol (pcsc-lite winscard_msg.h, winscard_msg.c, winscard_clnt.c, winscard_svc.c):
// a request is an 8-byte header (size of the struct that follows, command number) and the C
// struct of the call; the reply is the same struct with the results and rv filled in, with no
// header. The structs travel as they lie in memory: 32-bit fields in host byte order, reader
// names in 128-byte arrays, so the client and pcscd must share a machine (or at least a byte
// order). SCARD_TRANSMIT is followed by the command APDU, and its reply, when rv is
// SCARD_S_SUCCESS, by pcbRecvLength bytes of response. CMD_GET_READERS_STATE has no body; its
// reply is 16 READER_STATE structs of 184 bytes (name, event counter, state bits, sharing,
// ATR in 33 bytes padded to 36, ATR length, protocol). Replies that do not decode are
// [MsgError]s naming the struct, the field and the byte offset.
//
// A terminal completes T=0 exchanges the application does not see, and [Conn.Transmit] does
// the same, so callers get whole responses from a card on a T=0 reader: after 61xx (UICC) or
// 9Fxx (SIM) it sends GET RESPONSE with Le = xx in the class of the command (TS 102 221
// 7.3.1.1.4, 7.2.2.3; TS 51.011 9.4.1), after 6Cxx to a command without data it sends the
// command again with Le = xx (ISO/IEC 7816-3 10.3.3; 67xx for class A0, TS 51.011 9.4.6). A
// command with data is never sent twice. [T0] does the same in front of a simulated card, so
// tests compare a card in memory with the same card behind pcscd.
package pcsc
