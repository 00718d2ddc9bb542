package campaign

import "time"

// State is where one target is (package doc for the graph).
type State string

const (
	Pending   State = "pending"   // waiting for its (next) attempt
	Sent      State = "sent"      // claimed, counter reserved, packet handed to the SMSC
	Delivered State = "delivered" // the SMSC's receipt says the handset took every segment
	PoROK     State = "por_ok"    // the card's PoR verified with status 00: done
	PoRError  State = "por_error" // the card's PoR verified with another status: final
	Expired   State = "expired"   // no PoR after MaxAttempts attempts: final
	Failed    State = "failed"    // the card cannot be served (no keyset, counter exhausted): final
	Cancelled State = "cancelled" // the campaign was cancelled before it was sent: final
)

// States lists every target state in graph order.
var States = []State{Pending, Sent, Delivered, PoROK, PoRError, Expired, Failed, Cancelled}

// Final reports whether a target in s will not change any more.
func (s State) Final() bool {
	switch s {
	case PoROK, PoRError, Expired, Failed, Cancelled:
		return true
	}
	return false
}

// Status is the state of a whole campaign.
type Status string

const (
	Running  Status = "running"
	Paused   Status = "paused"    // by an operator, by the canary or by the error threshold
	Stopped  Status = "cancelled" // cancelled: targets not yet sent are cancelled
	Finished Status = "done"      // every target is in a final state
)

// Info is a campaign as stored.
type Info struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Tenant  string    `json:"tenant"`
	Status  Status    `json:"status"`
	Reason  string    `json:"reason,omitempty"` // why it is paused, cancelled or done
	Spec    Spec      `json:"spec"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Target is the durable state of one card in a campaign.
type Target struct {
	Campaign  string    `json:"-"`
	Seq       int64     `json:"seq"`
	ICCID     string    `json:"iccid"`
	MSISDN    string    `json:"msisdn"`
	State     State     `json:"state"`
	Attempts  int       `json:"attempts"`
	Counter   uint64    `json:"counter"` // CNTR of the latest attempt, 0 before the first
	PoRStatus int       `json:"por_status"`
	LastError string    `json:"last_error,omitempty"`
	Updated   time.Time `json:"updated"`
}

// Counts is how many targets are in each state.
type Counts map[State]int

// Total is the number of targets.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Open is the number of targets not yet in a final state.
func (c Counts) Open() int { return c[Pending] + c[Sent] + c[Delivered] }
