package packet

import (
	"crypto/subtle"
	"encoding/binary"
)

// Response is a response packet (PoR) opened by the OTA server (TS 102 225 5.2.2).
type Response struct {
	TAR    TAR     `json:"tar"`
	CNTR   Counter `json:"counter"` // echo of the command's counter
	Status Status  `json:"status"`
	// Data is the additional response data without padding: for compact remote APDUs the
	// number of commands run, the last status word and its data (TS 102 226 5.1.2).
	Data  []byte `json:"-"`
	PCNTR int    `json:"pcntr"`
}

const (
	// offsets in a response packet, RPL first as TS 31.115 sends it over SMS-PP
	offRPL     = 0
	offRHL     = 2
	offRTAR    = 3
	offRCNTR   = 6
	offRPCNTR  = 11
	offRStatus = 12
	offRRC     = 13
	rhlBase    = 10 // TAR(3) CNTR(5) PCNTR STATUS
)

// SealPoR builds, on the card, the response packet to the command with header h and appends it
// to dst, starting with RPL (TS 102 225 5.2.2; TS 31.115 for SMS-PP). The PoR echoes h's TAR
// and CNTR; SPI2 decides its RC/CC (key and algorithm of KID) and ciphering (key and algorithm
// of KIc).
//
// transport is the transport header the RC/CC covers ahead of RPL: the UDH 02 71 00 for SMS
// (TS 31.115), nothing for transports that cover no header. It is not written to dst; a caller
// building SMS user data appends the UDH to dst first and passes the same bytes here.
//
// A card answering a packet that failed its security checks passes an h whose SPI2 asks for
// no ciphering (TS 102 225 5.2.2).
func SealPoR(dst, transport []byte, h *Header, st Status, data []byte, keys *Keyset) ([]byte, error) {
	if h.CNTR > MaxCounter {
		return dst, errorf("por.cntr", -1, ErrRange, "counter %X does not fit 5 bytes", uint64(h.CNTR))
	}
	s, err := newSuite("por", h.SPI.PoRCiphering, h.SPI.PoRChecksum, h.KIc, h.KID, keys)
	if err != nil {
		return dst, err
	}
	secured := 7 + s.sumLen + len(data) // CNTR PCNTR STATUS RC/CC data
	pad := 0
	if s.enc != nil {
		bs := s.cipherAlg.blockSize()
		pad = (bs - secured%bs) % bs
	}
	rpl := 1 + 3 + secured + pad
	if rpl > 0xFFFF {
		return dst, errorf("por.rpl", -1, ErrRange, "PoR needs RPL %d, above 65535", rpl)
	}
	start := len(dst)
	dst = append(dst, make([]byte, 2+rpl)...)
	p := dst[start:]
	binary.BigEndian.PutUint16(p[offRPL:], uint16(rpl))
	p[offRHL] = byte(rhlBase + s.sumLen)
	copy(p[offRTAR:], h.TAR[:])
	putCounter(p[offRCNTR:], h.CNTR)
	p[offRPCNTR] = byte(pad)
	p[offRStatus] = byte(st)
	copy(p[offRRC+s.sumLen:], data)
	if s.sumLen > 0 {
		s.checksum(p[offRRC:], transport, p[:offRRC], p[offRRC+s.sumLen:])
	}
	if s.enc != nil {
		s.encrypt(p[offRCNTR:])
	}
	return dst, nil
}

// OpenPoR checks and deciphers, on the OTA server, a response packet starting with RPL, sent
// for a command secured as sec says (TS 102 225 5.2.2); transport is the header the RC/CC
// covers (02 71 00 for SMS, TS 31.115). buf is scratch space for the deciphered part;
// Response.Data points into it, or into a new slice when cap(buf) is less than len(packet).
// Matching TAR and CNTR against the command is the caller's business.
func OpenPoR(buf, transport, packet []byte, sec Security, keys *Keyset) (Response, error) {
	var r Response
	if len(packet) < offRCNTR {
		f := "por.rpl"
		switch {
		case len(packet) >= offRTAR:
			f = "por.tar"
		case len(packet) >= offRHL:
			f = "por.rhl"
		}
		return r, errorf(f, len(packet), ErrTruncated, "PoR of %d bytes ends inside the header", len(packet))
	}
	rpl := int(binary.BigEndian.Uint16(packet))
	if rpl != len(packet)-2 {
		kind := ErrLength
		if rpl > len(packet)-2 {
			kind = ErrTruncated
		}
		return r, errorf("por.rpl", offRPL, kind, "RPL %d but %d bytes follow it", rpl, len(packet)-2)
	}
	s, err := newSuite("por", sec.SPI.PoRCiphering, sec.SPI.PoRChecksum, sec.KIc, sec.KID, keys)
	if err != nil {
		return r, err
	}
	if rhl := int(packet[offRHL]); rhl != rhlBase+s.sumLen {
		return r, errorf("por.rhl", offRHL, ErrLength, "RHL %d but SPI %v and KID %02X need %d (%v, %d-byte checksum)",
			rhl, sec.SPI, byte(sec.KID), rhlBase+s.sumLen, s.sumAlg, s.sumLen)
	}
	if len(packet) < offRRC+s.sumLen {
		return r, errorf("por.rc_cc", len(packet), ErrTruncated, "PoR of %d bytes ends inside the header", len(packet))
	}
	plain := append(buf[:0], packet[offRCNTR:]...) // CNTR PCNTR STATUS RC/CC data padding
	if s.enc != nil {
		if bs := s.cipherAlg.blockSize(); len(plain)%bs != 0 {
			return r, errorf("por.secured_data", offRCNTR, ErrCiphering,
				"%d ciphered bytes from CNTR on, not a multiple of the %d-byte %v block", len(plain), bs, s.cipherAlg)
		}
		s.decrypt(plain)
	}
	const st = offRStatus - offRCNTR
	body := plain[st+1+s.sumLen:]
	if s.sumLen > 0 {
		var sum [8]byte
		s.checksum(sum[:], transport, packet[:offRCNTR], plain[:st+1], body)
		if subtle.ConstantTimeCompare(sum[:s.sumLen], plain[st+1:st+1+s.sumLen]) != 1 {
			return r, errorf("por.rc_cc", offRRC, ErrChecksum, "%v over the PoR does not match", s.sumAlg)
		}
	}
	pcntr := int(plain[st-1])
	if pcntr > len(body) {
		return r, errorf("por.pcntr", offRPCNTR, ErrLength, "PCNTR %d but only %d bytes of data", pcntr, len(body))
	}
	copy(r.TAR[:], packet[offRTAR:offRCNTR])
	r.CNTR = getCounter(plain)
	r.Status = Status(plain[st])
	r.PCNTR = pcntr
	r.Data = body[:len(body)-pcntr]
	return r, nil
}

// CheckCounter is the card's counter check for SPI1 b5-b4 (TS 102 225 5.1.1): given the counter
// stored for the keyset and the CNTR received, it returns the value to store and
// StatusPoROK, or the stored value unchanged and the PoR status that refuses the packet.
// A stored counter at MaxCounter is blocked for the checking modes.
func CheckCounter(mode CounterMode, stored, received Counter) (Counter, Status) {
	switch mode {
	case CounterHigher:
		switch {
		case stored >= MaxCounter:
			return stored, StatusCounterBlocked
		case received <= stored:
			return stored, StatusCounterLow
		}
		return received, StatusPoROK
	case CounterOneHigher:
		switch {
		case stored >= MaxCounter:
			return stored, StatusCounterBlocked
		case received <= stored:
			return stored, StatusCounterLow
		case received > stored+1:
			return stored, StatusCounterHigh
		}
		return received, StatusPoROK
	}
	return stored, StatusPoROK // no counter, or present and not checked
}
