package bank

import (
	"errors"
	"time"

	"github.com/stkforge/stkforge/ota/smspp"
)

// Concatenation IEs (TS 23.040 9.2.3.24.1, 9.2.3.24.8).
const (
	ieiConcat8  = 0x00
	ieiConcat16 = 0x08
)

// Limits bound what the reassembly holds, so that no sender can make it grow without end.
type Limits struct {
	MaxSeries int           // incomplete series held at once (default 10000)
	MaxParts  int           // segments in one series (default 16: a 2048-bit signature needs 3)
	MaxAge    time.Duration // an incomplete series is dropped after this (default 10 minutes)
}

func (l Limits) withDefaults() Limits {
	if l.MaxSeries <= 0 {
		l.MaxSeries = 10000
	}
	if l.MaxParts <= 0 {
		l.MaxParts = 16
	}
	if l.MaxAge <= 0 {
		l.MaxAge = 10 * time.Minute
	}
	return l
}

type seriesKey struct {
	from string
	ref  uint16
	wide bool
}

type series struct {
	total int
	parts map[int][]byte
	first time.Time
}

// reassembler joins the 8-bit user data of concatenated short messages by originator and
// reference; parts may come in any order and an identical repeat is ignored.
type reassembler struct {
	lim    Limits
	now    func() time.Time
	series map[seriesKey]*series
}

func newReassembler(l Limits, now func() time.Time) *reassembler {
	return &reassembler{lim: l.withDefaults(), now: now, series: map[seriesKey]*series{}}
}

// add takes one short message's user data (with its header when udhi) and returns the whole
// body once every part is in, nil while parts are missing.
func (r *reassembler) add(from string, udhi bool, ud []byte) ([]byte, error) {
	if !udhi {
		return ud, nil
	}
	h, n, err := smspp.ParseUDH(ud)
	if err != nil {
		var se *smspp.Error
		if errors.As(err, &se) {
			return nil, refuse(ErrFormat, se.Field, se.Offset, "%s", se.Msg)
		}
		return nil, refuse(ErrFormat, "udh", 0, "%v", err)
	}
	data := ud[n:]
	var k seriesKey
	var total, seq int
	ie, ok := h.Find(ieiConcat8)
	switch {
	case ok && len(ie.Data) == 3:
		k, total, seq = seriesKey{from: from, ref: uint16(ie.Data[0])}, int(ie.Data[1]), int(ie.Data[2])
	default:
		ie, ok = h.Find(ieiConcat16)
		if !ok || len(ie.Data) != 4 {
			return data, nil // a header without concatenation: a single message
		}
		k, total, seq = seriesKey{from: from, ref: uint16(ie.Data[0])<<8 | uint16(ie.Data[1]), wide: true}, int(ie.Data[2]), int(ie.Data[3])
	}
	if total == 0 || seq == 0 || seq > total {
		return nil, refuse(ErrFormat, "udh.concat.seq", ie.Offset, "segment %d of %d", seq, total)
	}
	if total > r.lim.MaxParts {
		return nil, refuse(ErrLimit, "udh.concat.total", ie.Offset, "%d segments, at most %d", total, r.lim.MaxParts)
	}
	if total == 1 {
		return data, nil
	}
	now := r.now()
	s := r.series[k]
	if s != nil && now.Sub(s.first) > r.lim.MaxAge {
		delete(r.series, k)
		s = nil
	}
	if s == nil {
		if len(r.series) >= r.lim.MaxSeries {
			r.expire(now)
			if len(r.series) >= r.lim.MaxSeries {
				return nil, refuse(ErrLimit, "udh.concat", ie.Offset, "%d incomplete series held", len(r.series))
			}
		}
		s = &series{total: total, parts: map[int][]byte{}, first: now}
		r.series[k] = s
	}
	if s.total != total {
		return nil, refuse(ErrFormat, "udh.concat.total", ie.Offset, "segment says %d parts, the series %d", total, s.total)
	}
	if _, dup := s.parts[seq]; dup {
		return nil, nil
	}
	s.parts[seq] = append([]byte(nil), data...)
	if len(s.parts) < total {
		return nil, nil
	}
	delete(r.series, k)
	var body []byte
	for i := 1; i <= total; i++ {
		body = append(body, s.parts[i]...)
	}
	return body, nil
}

// expire drops the series older than MaxAge.
func (r *reassembler) expire(now time.Time) int {
	n := 0
	for k, s := range r.series {
		if now.Sub(s.first) > r.lim.MaxAge {
			delete(r.series, k)
			n++
		}
	}
	return n
}
