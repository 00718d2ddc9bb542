package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/smspp"
)

// OtaCmd groups the TS 102 225 hand tools. They exist for operators debugging a card: keys come
// from a keyset file or from the key store, never from flags, and every algorithm is accepted,
// with a warning for the weak ones.
type OtaCmd struct {
	Seal OtaSealCmd `cmd:"" help:"Seal a command packet (OTA server side) and print it as hex, starting with CPL."`
	Open OtaOpenCmd `cmd:"" help:"Check and decode a command packet (card side) and print it as JSON."`
	Por  OtaPorCmd  `cmd:"" name:"por" help:"Check and decode a PoR's SMS user data (027100...) and print it as JSON."`
}

// otaKeys are the flags that say how a packet is secured: keys from a file, the algorithms and
// key versions from the KIc/KID bytes (TS 102 225 5.1.2, 5.1.3).
type otaKeys struct {
	otaKeySource
	SPI spiFlag  `name:"spi" required:"" placeholder:"HEX" help:"SPI, 2 bytes (TS 102 225 5.1.1)."`
	KIc byteFlag `name:"kic" required:"" placeholder:"HEX" help:"KIc byte: key version b8-b5, ciphering algorithm b4-b1."`
	KID byteFlag `name:"kid" required:"" placeholder:"HEX" help:"KID byte: key version b8-b5, CC or RC algorithm b4-b1."`
}

func (k *otaKeys) security() packet.Security {
	return packet.Security{SPI: packet.SPI(k.SPI), KIc: packet.KIc(k.KIc), KID: packet.KID(k.KID)}
}

// warn prints the warnings the hand tools owe their users: single DES (TS 102 225 keeps it for
// old cards only) and a packet without a counter (no replay protection).
func (k *otaKeys) warn(w io.Writer) {
	s := k.security()
	if (s.SPI.Ciphering || s.SPI.PoRCiphering) && s.KIc.Algorithm().SingleDES() {
		fmt.Fprintf(w, "warning: KIc %02X is single DES (%v): too weak for production cards\n", byte(s.KIc), s.KIc.Algorithm())
	}
	for _, c := range []packet.Checksum{s.SPI.Checksum, s.SPI.PoRChecksum} {
		if c == packet.ChecksumCC && s.KID.Algorithm(c).SingleDES() {
			fmt.Fprintf(w, "warning: KID %02X is single DES (%v): too weak for production cards\n", byte(s.KID), s.KID.Algorithm(c))
			break
		}
	}
	if s.SPI.Counter == packet.CounterNone {
		fmt.Fprintf(w, "warning: SPI %v asks for no counter: the card cannot detect a replayed packet\n", s.SPI)
	}
}

// OtaSealCmd seals a command packet.
type OtaSealCmd struct {
	otaKeys
	TAR     tarFlag     `name:"tar" required:"" placeholder:"HEX" help:"TAR, 3 bytes (TS 101 220 annex D)."`
	Counter counterFlag `required:"" placeholder:"HEX" help:"CNTR, up to 5 bytes."`
	Data    hexBytes    `required:"" placeholder:"HEX" help:"Secured data: the remote commands (TS 102 226)."`
	As      string      `enum:"packet,ud" default:"packet" help:"Print the packet (from CPL), or the SMS user data: 027000 + packet, or the concatenated segments one per line."`
	Ref     uint16      `default:"0" help:"Concatenation reference for a packet that needs several SMS (8-bit unless --wide-ref)."`
	WideRef bool        `help:"Use the 16-bit concatenation reference (IEI 08)."`
}

func (c *OtaSealCmd) Run(env *Env) error {
	c.warn(env.Stderr)
	h := packet.Header{Security: c.security(), TAR: packet.TAR(c.TAR), CNTR: packet.Counter(c.Counter)}
	ks, err := c.keyset(h.Security.KIc, h.Security.KID, h.Security.SPI.Checksum == packet.ChecksumCC)
	if err != nil {
		return fmt.Errorf("ota seal: %w", err)
	}
	pkt, err := packet.Seal(nil, &h, c.Data, &ks)
	if err != nil {
		return fmt.Errorf("ota seal: %w", err)
	}
	if c.As == "packet" {
		_, err = fmt.Fprintf(env.Stdout, "%X\n", pkt)
		return err
	}
	uds, err := smspp.Segment(smspp.CommandPacket, pkt, smspp.Reference{Value: c.Ref, Wide: c.WideRef})
	if err != nil {
		return fmt.Errorf("ota seal: %w", err)
	}
	for _, ud := range uds {
		if _, err := fmt.Fprintf(env.Stdout, "%X\n", ud); err != nil {
			return err
		}
	}
	return nil
}

// OtaOpenCmd checks and decodes a command packet as the card does.
type OtaOpenCmd struct {
	otaKeySource
	Packet hexBytes `xor:"in" required:"" placeholder:"HEX" help:"The command packet, starting with CPL."`
	UD     *udFlag  `name:"ud" xor:"in" required:"" placeholder:"HEX" help:"SMS user data of one SMS: UDH with IEI 70, then the packet."`
}

type openJSON struct {
	SPI     spiJSON        `json:"spi"`
	KIc     keyIDJSON      `json:"kic"`
	KID     keyIDJSON      `json:"kid"`
	TAR     packet.TAR     `json:"tar"`
	Counter packet.Counter `json:"counter"`
	PCNTR   int            `json:"pcntr"`
	Data    string         `json:"data"`
}

type spiJSON struct {
	Hex string `json:"hex"`
	packet.SPI
}

type keyIDJSON struct {
	Hex        string           `json:"hex"`
	KeyVersion int              `json:"key_version"`
	Algorithm  packet.Algorithm `json:"algorithm"`
}

func (c *OtaOpenCmd) Run(env *Env) error {
	pkt := []byte(c.Packet)
	if c.UD != nil {
		if err := c.UD.want(smspp.CommandPacket); err != nil {
			return fmt.Errorf("ota open: --ud: %w", err)
		}
		pkt = c.UD.Data
	}
	hdr, err := packet.ParseHeader(pkt)
	if err != nil {
		return fmt.Errorf("ota open: %w", err)
	}
	ks, err := c.keyset(hdr.Security.KIc, hdr.Security.KID, hdr.Security.SPI.Checksum == packet.ChecksumCC)
	if err != nil {
		return fmt.Errorf("ota open: %w", err)
	}
	cmd, err := packet.Open(nil, pkt, &ks)
	if err != nil {
		return fmt.Errorf("ota open: %w", err)
	}
	(&otaKeys{SPI: spiFlag(cmd.SPI), KIc: byteFlag(cmd.KIc), KID: byteFlag(cmd.KID)}).warn(env.Stderr)
	return writeJSON(env.Stdout, openJSON{
		SPI:     spiJSON{Hex: cmd.SPI.String(), SPI: cmd.SPI},
		KIc:     keyIDJSON{fmt.Sprintf("%02X", byte(cmd.KIc)), cmd.KIc.KeyVersion(), cmd.KIc.Algorithm()},
		KID:     keyIDJSON{fmt.Sprintf("%02X", byte(cmd.KID)), cmd.KID.KeyVersion(), cmd.KID.Algorithm(cmd.SPI.Checksum)},
		TAR:     cmd.TAR,
		Counter: cmd.CNTR,
		PCNTR:   cmd.PCNTR,
		Data:    fmt.Sprintf("%X", cmd.Data),
	})
}

// OtaPorCmd checks and decodes a PoR as the OTA server does.
type OtaPorCmd struct {
	otaKeys
	UD udFlag `name:"ud" required:"" placeholder:"HEX" help:"The PoR's SMS user data: UDH with IEI 71 (027100), then the response packet."`
}

type porJSON struct {
	Status     int            `json:"status"`
	StatusName string         `json:"status_name"`
	TAR        packet.TAR     `json:"tar"`
	Counter    packet.Counter `json:"counter"`
	PCNTR      int            `json:"pcntr"`
	Data       string         `json:"data"`
}

func (c *OtaPorCmd) Run(env *Env) error {
	if err := c.UD.want(smspp.ResponsePacket); err != nil {
		return fmt.Errorf("ota por: --ud: %w", err)
	}
	c.warn(env.Stderr)
	// The whole UDH is covered by the PoR's RC/CC (TS 31.115, response packet over SMS-PP).
	ks, err := c.keyset(packet.KIc(c.KIc), packet.KID(c.KID), c.security().SPI.PoRChecksum == packet.ChecksumCC)
	if err != nil {
		return fmt.Errorf("ota por: %w", err)
	}
	r, err := packet.OpenPoR(nil, c.UD.ud[:c.UD.DataOffset], c.UD.Data, c.security(), &ks)
	if err != nil {
		return fmt.Errorf("ota por: %w", err)
	}
	return writeJSON(env.Stdout, porJSON{
		Status: int(r.Status), StatusName: r.Status.String(), TAR: r.TAR, Counter: r.CNTR, PCNTR: r.PCNTR,
		Data: fmt.Sprintf("%X", r.Data),
	})
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// decodeHex reads a flag value as hex; spaces are allowed, as people paste bytes from traces.
func decodeHex(ctx *kong.DecodeContext) ([]byte, error) {
	var s string
	if err := ctx.Scan.PopValueInto("hex", &s); err != nil {
		return nil, err
	}
	s = strings.Join(strings.Fields(s), "")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not hex: %q", s)
	}
	return b, nil
}

func decodeHexN(ctx *kong.DecodeContext, what string, min, max int) ([]byte, error) {
	b, err := decodeHex(ctx)
	if err != nil {
		return nil, err
	}
	if len(b) < min || len(b) > max {
		if min == max {
			return nil, fmt.Errorf("%s is %d bytes, have %d", what, min, len(b))
		}
		return nil, fmt.Errorf("%s is %d to %d bytes, have %d", what, min, max, len(b))
	}
	return b, nil
}

// hexBytes is a flag holding any number of bytes as hex.
type hexBytes []byte

func (h *hexBytes) Decode(ctx *kong.DecodeContext) error {
	b, err := decodeHex(ctx)
	*h = b
	return err
}

// byteFlag is a one-byte flag (KIc, KID).
type byteFlag byte

func (f *byteFlag) Decode(ctx *kong.DecodeContext) error {
	b, err := decodeHexN(ctx, "a key identifier", 1, 1)
	if err == nil {
		*f = byteFlag(b[0])
	}
	return err
}

// spiFlag is the two SPI bytes, decoded as TS 102 225 5.1.1 says (reserved bits refused).
type spiFlag packet.SPI

func (f *spiFlag) Decode(ctx *kong.DecodeContext) error {
	b, err := decodeHexN(ctx, "the SPI", 2, 2)
	if err != nil {
		return err
	}
	s, err := packet.DecodeSPI([2]byte{b[0], b[1]}, 0)
	*f = spiFlag(s)
	return err
}

// tarFlag is the 3-byte TAR.
type tarFlag packet.TAR

func (f *tarFlag) Decode(ctx *kong.DecodeContext) error {
	b, err := decodeHexN(ctx, "the TAR", 3, 3)
	if err == nil {
		copy(f[:], b)
	}
	return err
}

// counterFlag is CNTR, at most 5 bytes, big-endian.
type counterFlag packet.Counter

func (f *counterFlag) Decode(ctx *kong.DecodeContext) error {
	b, err := decodeHexN(ctx, "the counter", 1, 5)
	if err != nil {
		return err
	}
	var c packet.Counter
	for _, x := range b {
		c = c<<8 | packet.Counter(x)
	}
	*f = counterFlag(c)
	return nil
}

// udFlag is the user data of one short message carrying a secured packet, taken apart by
// ota/smspp (TS 31.115 4.1, 4.2).
type udFlag struct {
	*smspp.Part
	ud []byte
}

func (f *udFlag) Decode(ctx *kong.DecodeContext) error {
	ud, err := decodeHex(ctx)
	if err != nil {
		return err
	}
	p, err := smspp.ParseUserData(ud)
	if err != nil {
		return err
	}
	f.Part, f.ud = p, ud
	return nil
}

// want checks that the user data holds a whole packet of the given kind.
func (f *udFlag) want(kind smspp.PacketKind) error {
	switch {
	case f.Concat != nil:
		return fmt.Errorf("segment %d of %d of a concatenated packet: reassemble the segments first", f.Concat.Seq, f.Concat.Total)
	case f.Kind != kind:
		return fmt.Errorf("the UDH carries no %v identifier (IEI %02X)", kind, byte(kind))
	}
	return nil
}

// keysetFile is a keyset read from a JSON file named by the flag.
type keysetFile struct {
	packet.Keyset
}

func (f *keysetFile) Decode(ctx *kong.DecodeContext) error {
	var name string
	if err := ctx.Scan.PopValueInto("file", &name); err != nil {
		return err
	}
	raw, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	var j struct {
		KIc        string `json:"kic"`
		KID        string `json:"kid"`
		KIK        string `json:"kik"`
		CMACLength int    `json:"cmac_length"`
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&j); err != nil {
		return fmt.Errorf("keyset %s: %v", name, err)
	}
	for _, k := range []struct {
		name string
		hex  string
		dst  *[]byte
	}{{"kic", j.KIc, &f.KIc}, {"kid", j.KID, &f.KID}, {"kik", j.KIK, &f.KIK}} {
		b, err := hex.DecodeString(strings.Join(strings.Fields(k.hex), ""))
		if err != nil {
			return fmt.Errorf("keyset %s: %q is not hex", name, k.name)
		}
		*k.dst = b
	}
	f.CMACLength = j.CMACLength
	return nil
}
