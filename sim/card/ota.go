package card

import (
	"bytes"
	"errors"

	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/remote"
	"github.com/stkforge/stkforge/ota/smspp"
	"github.com/stkforge/stkforge/stk/tlv"
)

// porUDH is the user data header of a response packet (TS 31.115 4.2): UDHL 02, IEI 71, IEIDL
// 00. The PoR's RC/CC covers it.
var porUDH = []byte{0x02, 0x71, 0x00}

// OTAEvent reports what the OTA engine did with one secured packet; tests and traces read it.
type OTAEvent struct {
	TAR      packet.TAR
	Status   packet.Status
	Executed bool   // the secured data was run
	PoR      []byte // response packet (from RPL), nil when none was sent
	BySubmit bool   // the PoR went out in a SEND SHORT MESSAGE
}

// LastOTA is the event of the last secured packet processed, nil before any.
func (c *Card) LastOTA() *OTAEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lastOTA == nil {
		return nil
	}
	e := *c.lastOTA
	return &e
}

// smsPPDownload handles ENVELOPE (SMS-PP DOWNLOAD) (TS 31.111 7.1.1, TS 31.115 4 and 6): the
// SMS-DELIVER's user data joins the reassembly; a whole command packet is processed. An
// intermediate segment, a malformed short message and a packet that ends with no PoR answer
// 90 00; a PoR sent back in the SMS-DELIVER-REPORT is the response data (61xx / 9Fxx), as UD:
// 02 71 00 followed by the response packet (TS 31.115 5.1, TS 31.111 7.1.1.2).
func (c *Card) smsPPDownload(x *cmd) ([]byte, uint16) {
	env, err := smspp.ParseSMSPPDownload(x.data)
	if err != nil {
		return nil, c.swFor(x, condBadData)
	}
	d, err := smspp.ParseDeliver(env.TPDU)
	if err != nil || d.PID != smspp.PIDSIMDataDownload || !d.UDHI {
		return nil, SWOK // not for the OTA engine: acknowledged, not stored
	}
	p, err := c.reasm.Add(d.OA.String(), d.UD)
	if err != nil || p == nil || p.Kind != smspp.CommandPacket {
		return nil, SWOK
	}
	ev := c.processPacket(p.Data)
	c.lastOTA = &ev
	if ev.PoR == nil {
		return nil, SWOK
	}
	if ev.BySubmit {
		if !c.queuePoRSubmit(d.OA, env.SCAddress, ev.PoR) {
			c.lastOTA.PoR, c.lastOTA.BySubmit = nil, false
		}
		return nil, SWOK
	}
	ud := append(bytes.Clone(porUDH), ev.PoR...)
	if len(ud) > 256 && c.tooBig != nil {
		// too big for the SMS-DELIVER-REPORT: a PoR with status 0B says the response comes by
		// SMS-SUBMIT, which follows (TS 31.115 5.1)
		if !c.queuePoRSubmit(d.OA, env.SCAddress, ev.PoR) {
			return nil, SWOK
		}
		ud = append(bytes.Clone(porUDH), c.tooBig...)
		c.lastOTA.BySubmit = true
	}
	if len(ud) > 256 {
		return nil, SWOK
	}
	return ud, SWOK
}

// processPacket checks and runs one command packet (TS 102 225 5.1, TS 31.115): TAR known,
// security at least the TAR's MSL, keys of the KVNs named by KIc/KID, deciphering and RC/CC,
// counter per keyset; only then is the secured data run and the counter stored. The PoR of a
// refused packet is neither ciphered nor checksummed (TS 102 225 5.2.2), so no key signs
// anything about a packet the card could not authenticate.
func (c *Card) processPacket(pk []byte) OTAEvent {
	c.tooBig = nil
	h, err := packet.ParseHeader(pk)
	if err != nil {
		return OTAEvent{Status: packet.StatusUnidentifiedSecurityError} // no TAR to answer to
	}
	ev := OTAEvent{TAR: h.TAR}
	if !h.SPI.Ciphering && len(pk) >= 15 {
		// a clear counter is echoed even when the packet is refused; a ciphered one only once
		// the packet has been deciphered
		for _, b := range pk[10:15] {
			h.CNTR = h.CNTR<<8 | packet.Counter(b)
		}
	}
	fail := func(st packet.Status) OTAEvent {
		ev.Status = st
		if h.SPI.PoR.Send(st) {
			eh := h
			eh.SPI.PoRChecksum, eh.SPI.PoRCiphering = packet.ChecksumNone, false
			// only in the SMS-DELIVER-REPORT: the card never originates a short message to an
			// address taken from a packet it refused
			if por, err := packet.SealPoR(nil, porUDH, &eh, st, nil, &packet.Keyset{}); err == nil {
				ev.PoR = por
			}
		}
		return ev
	}
	tar := c.tars[h.TAR]
	if tar == nil {
		return fail(packet.StatusTARUnknown)
	}
	if !meetsMSL(h.SPI, tar.msl) {
		return fail(packet.StatusInsufficientSecurityLevel)
	}
	keys, ks, ok := c.keysFor(h)
	if !ok {
		return fail(packet.StatusUnidentifiedSecurityError)
	}
	cmdp, err := packet.Open(nil, pk, &keys)
	if err != nil {
		var pe *packet.Error
		if errors.As(err, &pe) {
			return fail(pe.Status())
		}
		return fail(packet.StatusUnidentifiedSecurityError)
	}
	h = cmdp.Header
	stored := packet.Counter(0)
	if ks != nil {
		stored = ks.counter
	}
	newCtr, st := packet.CheckCounter(h.SPI.Counter, stored, h.CNTR)
	if st != packet.StatusPoROK {
		return fail(st)
	}
	if ks != nil && newCtr != stored {
		ks.counter = newCtr
		if err := c.save(); err != nil {
			ks.counter = stored
			return fail(packet.StatusInsufficientMemory)
		}
	} else if ks == nil && h.SPI.Counter >= packet.CounterHigher {
		return fail(packet.StatusUnidentifiedSecurityError) // a checked counter needs a keyset to keep it
	}
	ev.Executed = true
	data := c.execute(tar, cmdp.Data)
	ev.Status = packet.StatusPoROK
	if !h.SPI.PoR.Send(packet.StatusPoROK) {
		return ev
	}
	por, err := packet.SealPoR(nil, porUDH, &h, packet.StatusPoROK, data, &keys)
	if err != nil {
		return ev
	}
	ev.PoR, ev.BySubmit = por, h.SPI.PoRBySubmit
	c.tooBig = nil
	if !ev.BySubmit && len(por)+len(porUDH) > 256 {
		c.tooBig, _ = packet.SealPoR(nil, porUDH, &h, packet.StatusResponseBySubmit, nil, &keys)
	}
	return ev
}

// keysFor assembles the keys a packet needs: KIc's key version when ciphered (command or PoR),
// KID's when a CC is asked for (command or PoR); the algorithm the byte names must be the
// keyset's. The counter belongs to the KID keyset when there is a CC, else to KIc's.
func (c *Card) keysFor(h packet.Header) (packet.Keyset, *keyset, bool) {
	var keys packet.Keyset
	var counterKS *keyset
	if h.SPI.Ciphering || h.SPI.PoRCiphering {
		k := c.keysets[h.KIc.KeyVersion()]
		if k == nil || h.KIc.Algorithm() != k.kicAlg {
			return keys, nil, false
		}
		keys.KIc = k.kic
		counterKS = k
	} else if k := c.keysets[h.KIc.KeyVersion()]; k != nil {
		counterKS = k
	}
	if h.SPI.Checksum == packet.ChecksumCC || h.SPI.PoRChecksum == packet.ChecksumCC {
		k := c.keysets[h.KID.KeyVersion()]
		if k == nil || (h.SPI.Checksum == packet.ChecksumCC && h.KID.Algorithm(packet.ChecksumCC) != k.kidAlg) ||
			(h.SPI.PoRChecksum == packet.ChecksumCC && h.KID.Algorithm(packet.ChecksumCC) != k.kidAlg) {
			return keys, nil, false
		}
		keys.KID = k.kid
		counterKS = k
	}
	return keys, counterKS, true
}

// queuePoRSubmit queues SEND SHORT MESSAGE with the PoR in an SMS-SUBMIT to the originator
// (TS 31.115 5.2, TS 102 223 6.4.10): a null alpha identifier so the terminal sends silently,
// the service centre of the SMS-PP when it had one, one command per short message.
func (c *Card) queuePoRSubmit(oa smspp.Address, sc *smspp.Address, por []byte) bool {
	var uds [][]byte
	if len(por)+len(porUDH) <= smspp.MaxUserData {
		uds = [][]byte{append(bytes.Clone(porUDH), por...)}
	} else {
		var err error
		c.mr++
		if uds, err = smspp.Segment(smspp.ResponsePacket, por, smspp.Reference{Value: uint16(c.mr)}); err != nil {
			return false
		}
	}
	var scAddr []byte
	if sc != nil {
		var err error
		if scAddr, err = sc.AppendCAT(nil); err != nil {
			scAddr = nil
		}
	}
	var cmds [][]byte
	for _, ud := range uds {
		c.mr++
		s := &smspp.Submit{UDHI: true, MR: c.mr, DA: oa, PID: smspp.PIDPlain, DCS: smspp.DCSClass2Data, UD: ud}
		tpdu, err := s.MarshalBinary()
		if err != nil {
			return false
		}
		b := tlv.NewBuilder(nil)
		b.AddBER(0xD0, func(b *tlv.Builder) {
			b.AddCTLVBytes(0x01, true, []byte{c.tk.nextNumber(), 0x13, 0x00}) // SEND SHORT MESSAGE, no packing
			b.AddCTLVBytes(0x02, true, []byte{0x81, 0x83})                    // UICC -> network
			b.AddCTLVBytes(0x05, true, nil)                                   // null alpha: send silently
			if scAddr != nil {
				b.AddCTLVBytes(0x06, true, scAddr)
			}
			b.AddCTLVBytes(0x0B, true, tpdu)
		})
		cmd, err := b.Bytes()
		if err != nil || len(cmd) > 255 {
			return false
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := c.tk.push(cmd, ownerCard); err != nil {
			return false
		}
	}
	if err := c.save(); err != nil { // the message reference moved
		return false
	}
	return true
}

// execute runs the secured data on the TAR's target and returns the PoR's additional data.
func (c *Card) execute(t *tarEntry, data []byte) []byte {
	switch t.target {
	case targetApplet:
		if c.tk.handler == nil {
			return nil
		}
		return c.tk.handler.SecuredData(&Proactive{&c.tk, c}, t.instance, bytes.Clone(data))
	}
	s := newSession(c.fs, true)
	cla := remote.CLAUICC
	switch t.target {
	case targetRFMSIM:
		cla = remote.CLASIM
	case targetRFMADF:
		s.ch[0].df, s.ch[0].adf = t.adf, t.adf
	case targetRAM:
		cla = remote.CLAGlobalPlatform
	}
	rs := &ramSession{}
	run := func(tpdu []byte) []byte {
		if t.target == targetRAM {
			return c.ram(rs, tpdu)
		}
		return c.transmit(s, tpdu)
	}
	if t.expanded {
		return c.runExpanded(run, data)
	}
	return c.runCompact(run, cla, data)
}

// scriptOK is a status word after which a remote command script goes on (TS 102 226 5.1.1):
// normal ending, or data waiting for a scripted GET RESPONSE.
func scriptOK(sw uint16) bool {
	return sw == SWOK || sw&0xFF00 == swMoreUICC || sw&0xFF00 == swMoreSIM
}

// runCompact runs a compact remote command script (TS 102 226 5.1): T=0 TPDUs in order,
// stopping at the first one that does not end normally. The answer is the number of commands
// run, the last status word and the last response data (5.1.2). A script that cannot be split
// into TPDUs runs nothing and answers 00 67 00.
func (c *Card) runCompact(run func([]byte) []byte, cla byte, data []byte) []byte {
	cmds, err := remote.ParseCompactScript(data)
	if err != nil {
		return []byte{0x00, 0x67, 0x00}
	}
	var last []byte
	n := 0
	for _, a := range cmds {
		tpdu := []byte{a.CLA, a.INS, a.P1, a.P2, byte(len(a.Data))}
		if a.HasLe {
			tpdu[4] = a.Le
		}
		tpdu = append(tpdu, a.Data...)
		last = run(tpdu)
		n++
		if !scriptOK(uint16(last[len(last)-2])<<8 | uint16(last[len(last)-1])) {
			break
		}
	}
	sw := last[len(last)-2:]
	return append(append([]byte{byte(n)}, sw...), last[:len(last)-2]...)
}

// runExpanded runs an expanded remote command script (TS 102 226 5.2): each C-APDU as T=1 sees
// it (a 61xx / 9Fxx is followed by GET RESPONSE), answering with a response scripting template:
// number of executed commands, then an R-APDU per command run.
func (c *Card) runExpanded(run func([]byte) []byte, data []byte) []byte {
	s, err := remote.ParseExpandedScript(data)
	if err != nil {
		bf := remote.BadFormatUnknownTag
		var re *remote.Error
		if errors.As(err, &re) && errors.Is(err, remote.ErrTruncated) {
			bf = remote.BadFormatWrongLength
		}
		zero := 0
		out, _ := (&remote.ExpandedResponse{Executed: &zero, BadFormat: &bf}).MarshalBinary()
		return out
	}
	resp := &remote.ExpandedResponse{Indefinite: s.Indefinite}
	n := 0
	for _, it := range s.Items {
		if it.Tag != remote.TagCAPDU {
			continue
		}
		a := it.APDU
		tpdu := []byte{a.CLA, a.INS, a.P1, a.P2, byte(len(a.Data))}
		if len(a.Data) == 0 && a.HasLe {
			tpdu[4] = a.Le
		}
		tpdu = append(tpdu, a.Data...)
		r := run(tpdu)
		sw := uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
		if sw&0xFF00 == swMoreUICC || sw&0xFF00 == swMoreSIM {
			r = run([]byte{getResponseCLA(a.CLA), 0xC0, 0, 0, byte(sw)})
			sw = uint16(r[len(r)-2])<<8 | uint16(r[len(r)-1])
		}
		n++
		resp.RAPDUs = append(resp.RAPDUs, remote.ResponseAPDU{Data: r[:len(r)-2], SW: sw})
		if sw != SWOK && sw&0xFF00 != swProactiveBase {
			break
		}
	}
	resp.Executed = &n
	out, err := resp.MarshalBinary()
	if err != nil {
		return nil
	}
	return out
}

func getResponseCLA(cla byte) byte {
	if cla == 0xA0 {
		return 0xA0
	}
	return cla & 0x03
}
