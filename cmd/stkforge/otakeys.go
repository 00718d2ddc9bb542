package main

import (
	"context"
	"fmt"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/ota/packet"
)

// otaKeySource says where the hand tools take a card's keys from: a keyset file, or the key store
// (a card by ICCID; the keyset by the key version in the KIc/KID byte, TS 102 225 5.1.2/5.1.3).
// Keys never come from flags.
type otaKeySource struct {
	Keyset    *keysetFile `xor:"keys" required:"" placeholder:"FILE" help:"Keyset JSON: {\"kic\": \"HEX\", \"kid\": \"HEX\"}, optional \"kik\" and \"cmac_length\" (4 or 8)."`
	ICCID     string      `name:"iccid" xor:"keys" required:"" placeholder:"ICCID" help:"Take the keys of this card from the key store (--store, --master-key)."`
	Store     string      `env:"STKFORGE_STORE" placeholder:"PATH|URL" help:"Key store for --iccid: SQLite file path or postgres:// URL."`
	MasterKey string      `env:"STKFORGE_MASTER_KEY" placeholder:"FILE" help:"Master key file for --iccid (mode 0600), or a pkcs11: key."`
}

// keyset returns the keys for a packet secured with kic and kid; cc says whether the KID names a
// cryptographic checksum (else a CRC, which needs no key).
func (s *otaKeySource) keyset(kic packet.KIc, kid packet.KID, cc bool) (packet.Keyset, error) {
	if s.Keyset != nil {
		return s.Keyset.Keyset, nil
	}
	if s.Store == "" || s.MasterKey == "" {
		return packet.Keyset{}, fmt.Errorf("--iccid needs --store and --master-key (or STKFORGE_STORE and STKFORGE_MASTER_KEY)")
	}
	iccid, err := keys.ParseICCID(s.ICCID)
	if err != nil {
		return packet.Keyset{}, err
	}
	kr, err := keysRing(keysStoreFlag{Store: s.Store}, keysMasterKey{MasterKey: s.MasterKey})
	if err != nil {
		return packet.Keyset{}, err
	}
	defer kr.Store.Close()
	ctx := context.Background()
	cic, err := kr.OpenKeyset(ctx, iccid, uint8(kic.KeyVersion()))
	if err != nil {
		return packet.Keyset{}, fmt.Errorf("KIc %02X: %w", byte(kic), err)
	}
	cid := cic
	if kid.KeyVersion() != kic.KeyVersion() {
		if cid, err = kr.OpenKeyset(ctx, iccid, uint8(kid.KeyVersion())); err != nil {
			return packet.Keyset{}, fmt.Errorf("KID %02X: %w", byte(kid), err)
		}
	}
	// The card ciphers with the algorithm it holds for the key, whatever the packet says; a
	// mismatch would only produce packets the card rejects, so say it here.
	if cic.KIcCoding&0x0F != byte(kic)&0x0F {
		return packet.Keyset{}, fmt.Errorf("KIc %02X: card %s keyset %d holds a key coded %02X", byte(kic), iccid, cic.KVN, cic.KIcCoding)
	}
	if cc && cid.KIDCoding&0x0F != byte(kid)&0x0F {
		return packet.Keyset{}, fmt.Errorf("KID %02X: card %s keyset %d holds a key coded %02X", byte(kid), iccid, cid.KVN, cid.KIDCoding)
	}
	return packet.Keyset{KIc: cic.KIc, KID: cid.KID, KIK: cic.KIK}, nil
}
