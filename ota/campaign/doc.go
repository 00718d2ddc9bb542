// Package campaign pushes one update (an RFM/RAM command script, TS 102 226 5) to many cards over
// SMS-PP (TS 31.115) through an SMPP ESME, and follows every card to a final state.
//
// A campaign is a [Spec]: the update, the targets (ICCIDs, IMSIs, MSISDNs or a filter over the
// key store), the security settings of its command packets (SPI, KIc, KID, TAR; TS 102 225
// 5.1.1-5.1.3), a rate, a canary size and an error threshold. Each target has a durable state in
// the key store's database (tables campaigns and campaign_targets, migration 2 of keys/sqlite and
// keys/postgres):
//
//	pending -> sent -> delivered -> por_ok
//	                             -> por_error (with the PoR status, TS 102 225 5.2.2 table 5)
//	        -> expired (no PoR after the attempt limit)   failed (the card cannot be served)
//	        -> cancelled
//
// Invariants the tests check: a counter value is reserved durably (keys.Store.ReserveCounterBatch)
// before the packet that carries it leaves, and is never used twice for a card's keyset, even
// across crashes; a target is never lost (each ends in one of the final states); work is claimed
// in batches with row locks (PostgreSQL FOR UPDATE SKIP LOCKED, SQLite's single writer), so
// several nodes can share a campaign; a crashed runner's targets simply time out and are sent
// again with a new counter.
//
// Memory does not grow with the campaign: targets are created by INSERT ... SELECT or in pages,
// claimed in pages, and only the messages in flight are held in memory.
//
// Decisions where the standards leave room:
//   - The PoR timeout of an attempt counts from the submit_sm_resp of its last segment (SMPP 3.4
//     4.4.2), not from the claim: time queued behind throttling or a full window is the
//     operator's, not the card's. Until then the claim's deadline in the journal is a lease the
//     runner renews; after, next_at holds that time plus the timeout, so a restart keeps it.
//   - A PoR is matched to its target by originator MSISDN and TAR, then opened with the card's
//     keyset and accepted only when its CNTR is the counter of the target's latest attempt (TS
//     102 225 5.2.2 echoes CNTR); a PoR of an older attempt is stale and ignored.
//   - A PoR with a status other than 00 is final (por_error): retrying a packet the card refused
//     for its security (01, 05, 06, 09, 0A) or for CNTR high or blocked (03, 04) would be refused
//     again. CNTR low (02) is the exception, retried with a new counter while attempts remain:
//     the store hands out increasing values, so the card has seen a later one first (two
//     campaigns to one card, or a retry that overtook its original).
//   - Over SMS a refused packet's PoR is unsigned (TS 102 225 5.2.2): it is believed only as a
//     refusal, never as an OK, so a forged one can at worst fail or delay one target.
//   - Production security (the default) requires a cryptographic checksum, ciphering, counter
//     mode "higher" or "one higher" (SPI1 >= 16 in MSL terms, TS 102 226 8.2.1.3.2.4.2), a PoR,
//     and no single DES (KIc/KID algorithm 0001 or 1101); Lab allows less and is logged.
package campaign
