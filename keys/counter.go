package keys

import "fmt"

// KeysetRef names one keyset of one card.
type KeysetRef struct {
	ICCID ICCID
	KVN   uint8
}

// CounterBatch turns a batch of counter requests into one request per keyset (the Ns summed), so a
// backend can reserve a whole batch in one statement that touches each row once, and splits the
// reserved runs back into the requests' ranges, in request order.
type CounterBatch struct {
	reqs   []CounterRequest
	Unique []CounterRequest // one per keyset, in order of first appearance
	index  map[KeysetRef]int
}

// NewCounterBatch checks and merges reqs.
func NewCounterBatch(reqs []CounterRequest) (*CounterBatch, error) {
	b := &CounterBatch{reqs: reqs, index: make(map[KeysetRef]int, len(reqs))}
	for _, req := range reqs {
		if req.N < 1 || req.N > CounterMax {
			return nil, &CounterError{ICCID: req.ICCID, KVN: req.KVN, Err: fmt.Errorf("cannot reserve %d values", req.N)}
		}
		k := KeysetRef{req.ICCID, req.KVN}
		i, ok := b.index[k]
		if !ok {
			i = len(b.Unique)
			b.index[k] = i
			b.Unique = append(b.Unique, CounterRequest{ICCID: req.ICCID, KVN: req.KVN})
		}
		b.Unique[i].N += req.N
		if b.Unique[i].N > CounterMax {
			return nil, &CounterError{ICCID: req.ICCID, KVN: req.KVN, Err: ErrCounterExhausted}
		}
	}
	return b, nil
}

// Ranges splits the reserved runs, given the new stored counter of each Unique keyset (0 for a
// keyset that was not updated), into the requests' ranges. It returns the first Unique request
// that was not updated, if any.
func (b *CounterBatch) Ranges(last []uint64) ([]CounterRange, *CounterRequest) {
	next := make([]uint64, len(b.Unique))
	for i, u := range b.Unique {
		if last[i] == 0 {
			return nil, &b.Unique[i]
		}
		next[i] = last[i] - u.N + 1
	}
	out := make([]CounterRange, len(b.reqs))
	for i, req := range b.reqs {
		j := b.index[KeysetRef{req.ICCID, req.KVN}]
		out[i] = CounterRange{ICCID: req.ICCID, KVN: req.KVN, First: next[j], N: req.N}
		next[j] += req.N
	}
	return out, nil
}

// Position returns the index in Unique of a keyset.
func (b *CounterBatch) Position(k KeysetRef) (int, bool) {
	i, ok := b.index[k]
	return i, ok
}
