package packet

import (
	"crypto/subtle"
	"encoding/binary"
)

// Security is what the SPI, KIc and KID of a command packet say; it governs the command packet
// and its PoR (TS 102 225 5.1.1-5.1.3).
type Security struct {
	SPI SPI `json:"spi"`
	KIc KIc `json:"kic"`
	KID KID `json:"kid"`
}

// Header is the command header without its lengths (TS 102 225 5.1.1): CPL, CHL and PCNTR
// follow from the SPI, the KID and the data, so Seal computes them and Open checks them.
type Header struct {
	Security
	TAR  TAR     `json:"tar"`
	CNTR Counter `json:"counter"`
}

// Command is a command packet opened by the card: its header and secured data without padding.
type Command struct {
	Header
	Data []byte
	// PCNTR is the padding counter the packet carried.
	PCNTR int
}

const (
	// offsets in a command packet (TS 102 225 5.1.1, CPL first as TS 31.115 4.2 sends it)
	offCPL   = 0
	offCHL   = 2
	offSPI   = 3
	offKIc   = 5
	offKID   = 6
	offTAR   = 7
	offCNTR  = 10
	offPCNTR = 15
	offRC    = 16
	// chlBase is CHL without the RC/CC/DS: SPI(2) KIc KID TAR(3) CNTR(5) PCNTR.
	chlBase = 13
	// MaxPacket is the largest command packet, CPL included: CPL is two bytes.
	MaxPacket = 2 + 0xFFFF
)

// Seal builds the command packet for h and data with keys and appends it to dst, starting with
// CPL (TS 102 225 5.1.1, TS 31.115 4.2): header, zero padding when ciphering (count in PCNTR),
// RC/CC over CPL..PCNTR and data+padding, then ciphering of CNTR..end. It allocates nothing
// beyond the key schedules when dst has room.
func Seal(dst []byte, h *Header, data []byte, keys *Keyset) ([]byte, error) {
	if h.CNTR > MaxCounter {
		return dst, errorf("command.cntr", -1, ErrRange, "counter %X does not fit 5 bytes", uint64(h.CNTR))
	}
	s, err := newSuite("command", h.SPI.Ciphering, h.SPI.Checksum, h.KIc, h.KID, keys)
	if err != nil {
		return dst, err
	}
	secured := 6 + s.sumLen + len(data) // CNTR PCNTR RC/CC data
	pad := 0
	if s.enc != nil {
		bs := s.cipherAlg.blockSize()
		pad = (bs - secured%bs) % bs
	}
	cpl := 1 + chlBase - 6 + secured + pad
	if cpl > 0xFFFF {
		return dst, errorf("command.cpl", -1, ErrRange, "packet needs CPL %d, above 65535", cpl)
	}
	start := len(dst)
	dst = append(dst, make([]byte, 2+cpl)...)
	p := dst[start:]
	binary.BigEndian.PutUint16(p[offCPL:], uint16(cpl))
	p[offCHL] = byte(chlBase + s.sumLen)
	spi := h.SPI.Bytes()
	p[offSPI], p[offSPI+1] = spi[0], spi[1]
	p[offKIc], p[offKID] = byte(h.KIc), byte(h.KID)
	copy(p[offTAR:], h.TAR[:])
	putCounter(p[offCNTR:], h.CNTR)
	p[offPCNTR] = byte(pad)
	copy(p[offRC+s.sumLen:], data) // padding is already zero
	if s.sumLen > 0 {
		s.checksum(p[offRC:], p[:offRC], p[offRC+s.sumLen:])
	}
	if s.enc != nil {
		s.encrypt(p[offCNTR:])
	}
	return dst, nil
}

// ParseHeader reads the clear part of a command packet (CPL up to TAR), which the card needs to
// choose the keys (TAR, key versions); CNTR may still be ciphered, so it is left zero.
func ParseHeader(packet []byte) (Header, error) {
	var h Header
	if len(packet) < offCNTR {
		return h, errorf(headerField(len(packet)), len(packet), ErrTruncated, "packet of %d bytes ends inside the header", len(packet))
	}
	spi, err := DecodeSPI([2]byte{packet[offSPI], packet[offSPI+1]}, offSPI)
	if err != nil {
		return h, err
	}
	h.SPI = spi
	h.KIc, h.KID = KIc(packet[offKIc]), KID(packet[offKID])
	copy(h.TAR[:], packet[offTAR:offCNTR])
	return h, nil
}

func headerField(n int) string {
	switch {
	case n < offCHL:
		return "command.cpl"
	case n < offSPI:
		return "command.chl"
	case n < offKIc:
		return "command.spi"
	case n < offKID:
		return "command.kic"
	case n < offTAR:
		return "command.kid"
	}
	return "command.tar"
}

// Open checks and deciphers a command packet (starting with CPL) on the card's side: lengths,
// deciphering, RC/CC, padding (TS 102 225 5.1); packet is not modified. Counter checking is a separate step
// ([CheckCounter]) because it needs the card's stored counter.
//
// buf is scratch space for the deciphered part; Command.Data points into it, or into a new
// slice when cap(buf) is less than len(packet).
func Open(buf, packet []byte, keys *Keyset) (Command, error) {
	var c Command
	h, err := ParseHeader(packet)
	if err != nil {
		return c, err
	}
	cpl := int(binary.BigEndian.Uint16(packet))
	if cpl != len(packet)-2 {
		kind := ErrLength
		if cpl > len(packet)-2 {
			kind = ErrTruncated
		}
		return c, errorf("command.cpl", offCPL, kind, "CPL %d but %d bytes follow it", cpl, len(packet)-2)
	}
	s, err := newSuite("command", h.SPI.Ciphering, h.SPI.Checksum, h.KIc, h.KID, keys)
	if err != nil {
		return c, err
	}
	if chl := int(packet[offCHL]); chl != chlBase+s.sumLen {
		return c, errorf("command.chl", offCHL, ErrLength, "CHL %d but SPI %v and KID %02X need %d (%v, %d-byte checksum)",
			chl, h.SPI, byte(h.KID), chlBase+s.sumLen, s.sumAlg, s.sumLen)
	}
	if len(packet) < offRC+s.sumLen {
		return c, errorf("command.rc_cc", len(packet), ErrTruncated, "packet of %d bytes ends inside the header", len(packet))
	}
	plain := append(buf[:0], packet[offCNTR:]...) // CNTR PCNTR RC/CC data padding
	if s.enc != nil {
		if bs := s.cipherAlg.blockSize(); len(plain)%bs != 0 {
			return c, errorf("command.secured_data", offCNTR, ErrCiphering,
				"%d ciphered bytes from CNTR on, not a multiple of the %d-byte %v block", len(plain), bs, s.cipherAlg)
		}
		s.decrypt(plain)
	}
	const pc = offPCNTR - offCNTR
	rc := plain[pc+1 : pc+1+s.sumLen]
	body := plain[pc+1+s.sumLen:]
	if s.sumLen > 0 {
		var sum [8]byte
		s.checksum(sum[:], packet[:offCNTR], plain[:pc+1], body)
		if subtle.ConstantTimeCompare(sum[:s.sumLen], rc) != 1 {
			return c, errorf("command.rc_cc", offRC, ErrChecksum, "%v over the packet does not match", s.sumAlg)
		}
	}
	pcntr := int(plain[pc])
	if pcntr > len(body) {
		return c, errorf("command.pcntr", offPCNTR, ErrLength, "PCNTR %d but only %d bytes of secured data", pcntr, len(body))
	}
	h.CNTR = getCounter(plain)
	c.Header = h
	c.PCNTR = pcntr
	c.Data = body[:len(body)-pcntr]
	return c, nil
}
