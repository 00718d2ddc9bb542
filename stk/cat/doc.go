// Package cat is the CAT (card application toolkit) codec of ETSI TS 102 223 and 3GPP
// TS 31.111: proactive commands, terminal responses and envelopes, typed and as a JSON form.
//
// Three layers:
//
//   - Message: a decoded proactive command (BER-TLV D0), envelope (D1..DF) or terminal
//     response (bare COMPREHENSION-TLVs, told apart by its first byte 01/81) as an ordered list
//     of elements whose values slice into the input. It checks the structure of the spec
//     (command details and device identities first, no unknown element with CR set, no
//     duplicates where one is allowed, required elements present) and re-encodes to exactly the
//     bytes it came from: order, CR bits and unknown elements without CR are kept. Decoding
//     allocates nothing beyond the Message; texts are read only when asked for.
//   - Typed structs, one per command and envelope plus TerminalResponse, each with a
//     Marshal/Unmarshal pair (crypto/tls handshake message style). Unmarshal starts from a
//     clean struct; Marshal writes the canonical form (spec order, CR set).
//   - The JSON form (JSON, FromJSON), what `stkforge cat decode|encode` print and read:
//     FromJSON(JSON(b)) == b for every b that decodes.
//
// Command types, simple TLV tags, results and envelopes are mapped to names and codecs by
// tables (commands, tags, envelopes), not by switch ladders.
package cat
