package smspp

import "fmt"

// PacketKind says which secured packet user data carries; its value is the IEI that marks it.
type PacketKind byte

// Packet kinds (TS 31.115 4.1, 4.2).
const (
	CommandPacket  PacketKind = PacketKind(IEICommandPacket)
	ResponsePacket PacketKind = PacketKind(IEIResponsePacket)
)

func (k PacketKind) String() string {
	switch k {
	case CommandPacket:
		return "command packet"
	case ResponsePacket:
		return "response packet"
	}
	return fmt.Sprintf("PacketKind(%02X)", byte(k))
}

// Limits of one short message and of a concatenated series (TS 23.040 9.2.3.16, 9.2.3.24.1).
const (
	MaxUserData = 140 // octets of TP-UD in one 8-bit short message
	MaxSegments = 255 // parts of a concatenated short message
)

// Reference is the concatenated short message reference number the caller chose for a series.
// Wide selects the 16-bit reference IE (IEI 08, TS 23.040 9.2.3.24.8) instead of the 8-bit one
// (IEI 00, 9.2.3.24.1).
type Reference struct {
	Value uint16
	Wide  bool
}

func (r Reference) ieLen() int {
	if r.Wide {
		return 6 // IEI, IEDL, ref(2), total, seq
	}
	return 5 // IEI, IEDL, ref, total, seq
}

// Capacity is how many packet octets fit in each short message of a series.
type Capacity struct {
	Single int // a packet sent alone: UD = 02 70 00 + packet
	First  int // first segment: UDHL, concatenation IE, 70 00
	Next   int // later segments: UDHL, concatenation IE
}

// SegmentCapacity returns the packet octets per short message with the 8-bit (wide false) or
// 16-bit reference. With the 8-bit reference they are 137 alone, 132 first and 134 next.
func SegmentCapacity(wide bool) Capacity {
	ie := Reference{Wide: wide}.ieLen()
	return Capacity{
		Single: MaxUserData - 3,
		First:  MaxUserData - 1 - ie - 2,
		Next:   MaxUserData - 1 - ie,
	}
}

// Segments is the number of short messages a packet of n octets needs.
func (c Capacity) Segments(n int) int {
	if n <= c.Single {
		return 1
	}
	return 1 + (n-c.First+c.Next-1)/c.Next
}

// MaxPacket is the largest packet a series of MaxSegments can carry.
func (c Capacity) MaxPacket() int { return c.First + (MaxSegments-1)*c.Next }

// Segment splits a packet into the user data of one or more short messages (TS 31.115 4.1, 4.2
// and 6.2): a packet that fits goes alone as 02 70 00 + packet; a longer one is concatenated,
// the first segment's header being 07 00 03 ref total 01 70 00 (or 08 08 04 refH refL total 01
// 70 00 with the 16-bit reference) and the later ones' 05 00 03 ref total seq, so that the
// security header appears only in the first. ref is the caller's: this package keeps no counter.
func Segment(kind PacketKind, packet []byte, ref Reference) ([][]byte, error) {
	if kind != CommandPacket && kind != ResponsePacket {
		return nil, errorf(ErrInvalid, "kind", 0, "%v", kind)
	}
	if !ref.Wide && ref.Value > 0xFF {
		return nil, errorf(ErrInvalid, "reference", 0, "%d does not fit the 8-bit reference IE", ref.Value)
	}
	c := SegmentCapacity(ref.Wide)
	if len(packet) <= c.Single {
		ud := make([]byte, 0, 3+len(packet))
		ud = append(ud, 0x02, byte(kind), 0x00)
		return [][]byte{append(ud, packet...)}, nil
	}
	total := c.Segments(len(packet))
	if total > MaxSegments {
		return nil, errorf(ErrTooLong, "packet", 0, "%d octets need %d segments, at most %d (%d octets) fit", len(packet), total, MaxSegments, c.MaxPacket())
	}
	out := make([][]byte, 0, total)
	rest := packet
	for seq := 1; seq <= total; seq++ {
		n := c.Next
		udhl := ref.ieLen()
		if seq == 1 {
			n = c.First
			udhl += 2
		}
		n = min(n, len(rest))
		ud := make([]byte, 0, 1+udhl+n)
		ud = append(ud, byte(udhl))
		ud = appendConcatIE(ud, ref, total, seq)
		if seq == 1 {
			ud = append(ud, byte(kind), 0x00)
		}
		ud = append(ud, rest[:n]...)
		rest = rest[n:]
		out = append(out, ud)
	}
	return out, nil
}

func appendConcatIE(b []byte, ref Reference, total, seq int) []byte {
	if ref.Wide {
		return append(b, IEIConcat16, 4, byte(ref.Value>>8), byte(ref.Value), byte(total), byte(seq))
	}
	return append(b, IEIConcat8, 3, byte(ref.Value), byte(total), byte(seq))
}

// Concat is the content of a concatenation IE (TS 23.040 9.2.3.24.1, 9.2.3.24.8).
type Concat struct {
	Ref   Reference
	Total int
	Seq   int
	// Offset is where the IE's IEI was found in the user data (set by ParseUserData).
	Offset int
}

// totalOffset and seqOffset locate the fields in the user data, for errors.
func (c *Concat) totalOffset() int { return c.Offset + 2 + c.Ref.ieLen() - 4 }
func (c *Concat) seqOffset() int   { return c.totalOffset() + 1 }

// Part is one short message's user data, taken apart: which packet identifier it carries (0 if
// none), its concatenation IE if any, and the octets after the header.
type Part struct {
	Kind   PacketKind
	Concat *Concat
	UDH    UDH
	Data   []byte
	// DataOffset is the offset of Data in the user data.
	DataOffset int
}

// ParseUserData takes apart the user data of an OTA short message (TS 31.115 4.1, 4.2, 6.2):
// the header is read with ParseUDH, then checked for what a secured packet needs: at most one
// packet identifier, at most one concatenation IE, a sequence number within 1..total. It does
// not decide which segment may carry what; Reassembler does.
func ParseUserData(ud []byte) (*Part, error) {
	if len(ud) > MaxUserData {
		return nil, errorf(ErrTooLong, "ud", MaxUserData, "%d octets, at most %d", len(ud), MaxUserData)
	}
	h, end, err := ParseUDH(ud)
	if err != nil {
		return nil, err
	}
	p := &Part{UDH: h, Data: ud[end:], DataOffset: end}
	for i, ie := range h {
		f := ieField(i, ie.IEI)
		switch ie.IEI {
		case IEICommandPacket, IEIResponsePacket:
			if p.Kind != 0 {
				return nil, errorf(ErrInvalid, f, ie.Offset, "second packet identifier (first was %02X)", byte(p.Kind))
			}
			p.Kind = PacketKind(ie.IEI)
		case IEIConcat8, IEIConcat16:
			if p.Concat != nil {
				return nil, errorf(ErrInvalid, f, ie.Offset, "second concatenation IE")
			}
			c := &Concat{Offset: ie.Offset}
			d := ie.Data
			if ie.IEI == IEIConcat16 {
				c.Ref = Reference{Value: uint16(d[0])<<8 | uint16(d[1]), Wide: true}
				d = d[1:]
			} else {
				c.Ref = Reference{Value: uint16(d[0])}
			}
			c.Total, c.Seq = int(d[1]), int(d[2])
			at := ie.Offset + 2 + len(ie.Data)
			if c.Total == 0 {
				return nil, errorf(ErrSequence, f+".total", at-2, "total of 0 segments")
			}
			if c.Seq == 0 || c.Seq > c.Total {
				return nil, errorf(ErrSequence, f+".seq", at-1, "sequence %d not in 1..%d", c.Seq, c.Total)
			}
			p.Concat = c
		}
	}
	return p, nil
}

// UserData returns the user data of a packet sent in one short message: 02 70 00 (or 02 71 00)
// followed by the packet (TS 31.115 4.1, 4.2). It fails if the packet needs concatenation.
func UserData(kind PacketKind, packet []byte) ([]byte, error) {
	if len(packet) > SegmentCapacity(false).Single {
		return nil, errorf(ErrTooLong, "packet", 0, "%d octets do not fit one short message (at most %d)", len(packet), SegmentCapacity(false).Single)
	}
	segs, err := Segment(kind, packet, Reference{})
	if err != nil {
		return nil, err
	}
	return segs[0], nil
}
