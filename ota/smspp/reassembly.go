package smspp

import (
	"bytes"
	"crypto/sha256"
	"time"
)

// Limits bound what a Reassembler holds, so that no sender can make it grow without end: its
// memory stays below MaxSeries × MaxBytes octets of packet data plus bookkeeping.
type Limits struct {
	MaxSegments int           // segments in one series (at most MaxSegments, the default)
	MaxBytes    int           // packet octets held for one series (default: what 255 segments carry)
	MaxAge      time.Duration // a series not complete this long after its first part is dropped (default 5 min)
	MaxSeries   int           // series pending at once (default 64)
}

func (l Limits) withDefaults() Limits {
	if l.MaxSegments <= 0 || l.MaxSegments > MaxSegments {
		l.MaxSegments = MaxSegments
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = SegmentCapacity(false).MaxPacket()
	}
	if l.MaxAge <= 0 {
		l.MaxAge = 5 * time.Minute
	}
	if l.MaxSeries <= 0 {
		l.MaxSeries = 64
	}
	return l
}

// Packet is a whole secured packet out of a Reassembler.
type Packet struct {
	Kind       PacketKind
	Originator string
	Ref        Reference // zero for a single short message
	Segments   int
	Data       []byte // starts with CPL or RPL
}

type seriesKey struct {
	originator string
	ref        Reference
}

type series struct {
	first time.Time
	total int
	kind  PacketKind
	parts [][]byte // by seq-1; nil while missing
	have  int
	bytes int
}

// done remembers a completed series for MaxAge, by digest only, so that a part the network
// delivers again after completion is recognised and ignored instead of opening a new series.
type done struct {
	at    time.Time
	total int
	sums  [][sha256.Size]byte
}

// Reassembler puts concatenated OTA short messages back together (TS 31.115 6.2, TS 23.040
// 9.2.3.24.1). Series are keyed by originator address and reference; parts may come in any
// order; an identical duplicate is ignored (also after its series completed, for MaxAge) and a
// conflicting one rejected. It is not safe for concurrent use.
type Reassembler struct {
	limits    Limits
	now       func() time.Time
	pending   map[seriesKey]*series
	completed map[seriesKey]*done
}

// NewReassembler returns a Reassembler with the given limits (zero fields take defaults) and
// clock (time.Now if nil).
func NewReassembler(l Limits, now func() time.Time) *Reassembler {
	if now == nil {
		now = time.Now
	}
	return &Reassembler{limits: l.withDefaults(), now: now, pending: map[seriesKey]*series{}, completed: map[seriesKey]*done{}}
}

// Pending is the number of incomplete series held.
func (r *Reassembler) Pending() int { return len(r.pending) }

// Expire drops the series older than MaxAge and returns how many it dropped.
func (r *Reassembler) Expire() int {
	now := r.now()
	n := 0
	for k, s := range r.pending {
		if now.Sub(s.first) > r.limits.MaxAge {
			delete(r.pending, k)
			n++
		}
	}
	for k, d := range r.completed {
		if now.Sub(d.at) > r.limits.MaxAge {
			delete(r.completed, k)
		}
	}
	return n
}

// Add takes the user data of one short message from originator. It returns the packet once the
// message or its series is complete, and nil while parts are missing or when ud repeats a part
// already held. An error rejects this part only (a series that broke a limit is dropped).
func (r *Reassembler) Add(originator string, ud []byte) (*Packet, error) {
	r.Expire()
	p, err := ParseUserData(ud)
	if err != nil {
		return nil, err
	}
	if p.Concat == nil {
		if p.Kind == 0 {
			return nil, errorf(ErrNoPacketHeader, "udh", 0, "neither IEI 70 nor 71 and no concatenation IE")
		}
		return finish(&Packet{Kind: p.Kind, Originator: originator, Segments: 1, Data: bytes.Clone(p.Data)})
	}
	c := p.Concat
	cf := "udh.concat"
	if c.Seq == 1 && p.Kind == 0 {
		return nil, errorf(ErrNoPacketHeader, "udh", 0, "first segment of series %d has no IEI 70 or 71", c.Ref.Value)
	}
	if c.Seq != 1 && p.Kind != 0 {
		return nil, errorf(ErrMisplacedPacketHeader, "udh", 0, "segment %d of %d carries IEI %02X", c.Seq, c.Total, byte(p.Kind))
	}
	if c.Total > r.limits.MaxSegments {
		return nil, errorf(ErrLimit, cf+".total", c.totalOffset(), "%d segments, at most %d", c.Total, r.limits.MaxSegments)
	}
	key := seriesKey{originator: originator, ref: c.Ref}
	s := r.pending[key]
	if d := r.completed[key]; s == nil && d != nil {
		if d.total == c.Total && d.sums[c.Seq-1] == sha256.Sum256(p.Data) {
			return nil, nil // delivered again after its series completed
		}
		delete(r.completed, key) // the reference is being reused for a new series
	}
	if s == nil {
		if len(r.pending) >= r.limits.MaxSeries {
			return nil, errorf(ErrLimit, "series", 0, "%d series pending, at most %d", len(r.pending), r.limits.MaxSeries)
		}
		s = &series{first: r.now(), total: c.Total, parts: make([][]byte, c.Total)}
		r.pending[key] = s
	}
	if c.Total != s.total {
		return nil, errorf(ErrTotalMismatch, cf+".total", c.totalOffset(), "series %d from %q has %d segments, this part says %d", c.Ref.Value, originator, s.total, c.Total)
	}
	if old := s.parts[c.Seq-1]; old != nil {
		if bytes.Equal(old, p.Data) {
			return nil, nil
		}
		return nil, errorf(ErrConflictingDuplicate, cf+".seq", c.seqOffset(), "segment %d of series %d received twice with different data", c.Seq, c.Ref.Value)
	}
	if s.bytes+len(p.Data) > r.limits.MaxBytes {
		delete(r.pending, key)
		return nil, errorf(ErrLimit, "ud", p.DataOffset, "series %d would hold more than %d octets; dropped", c.Ref.Value, r.limits.MaxBytes)
	}
	if c.Seq == 1 {
		s.kind = p.Kind
	}
	s.parts[c.Seq-1] = bytes.Clone(p.Data)
	if s.parts[c.Seq-1] == nil {
		s.parts[c.Seq-1] = []byte{} // an empty part is still a part received
	}
	s.have++
	s.bytes += len(p.Data)
	if s.have < s.total {
		return nil, nil
	}
	delete(r.pending, key)
	data := make([]byte, 0, s.bytes)
	d := &done{at: r.now(), total: s.total, sums: make([][sha256.Size]byte, s.total)}
	for i, part := range s.parts {
		data = append(data, part...)
		d.sums[i] = sha256.Sum256(part)
	}
	r.remember(key, d)
	return finish(&Packet{Kind: s.kind, Originator: originator, Ref: c.Ref, Segments: s.total, Data: data})
}

// finish checks that CPL (or RPL) counts the octets after it (TS 102 225 5.1.1, 5.2.1).
func finish(p *Packet) (*Packet, error) {
	field := "packet.cpl"
	if p.Kind == ResponsePacket {
		field = "packet.rpl"
	}
	if len(p.Data) < 2 {
		return nil, errorf(ErrTruncated, field, 0, "packet of %d octets", len(p.Data))
	}
	if n := int(p.Data[0])<<8 | int(p.Data[1]); n != len(p.Data)-2 {
		return nil, errorf(ErrLength, field, 0, "says %d octets follow, %d do", n, len(p.Data)-2)
	}
	return p, nil
}

// remember keeps a completed series' digests, dropping the oldest when MaxSeries are kept.
func (r *Reassembler) remember(key seriesKey, d *done) {
	if len(r.completed) >= r.limits.MaxSeries {
		var oldest seriesKey
		var at time.Time
		first := true
		for k, v := range r.completed {
			if first || v.at.Before(at) || v.at.Equal(at) && k.originator < oldest.originator {
				oldest, at, first = k, v.at, false
			}
		}
		delete(r.completed, oldest)
	}
	r.completed[key] = d
}
