package smpp

import (
	"errors"
	"fmt"

	"github.com/linxGnu/gosmpp/data"
)

// Status is an SMPP command_status (SMPP 3.4 5.1.3).
type Status uint32

// Status values the client acts on (SMPP 3.4 5.1.3).
const (
	ROK        Status = 0x00
	RInvCmdID  Status = 0x03
	RSysErr    Status = 0x08
	RBindFail  Status = 0x0D
	RInvPaswd  Status = 0x0E
	RInvSysID  Status = 0x0F
	RMsgQFul   Status = 0x14
	RThrottled Status = 0x58
)

func (s Status) String() string {
	n := data.CommandStatusType(s).String()
	if n == "" || n[0] == 'C' { // stringer's fallback "CommandStatusType(n)"
		return fmt.Sprintf("command_status %08X", uint32(s))
	}
	return n
}

// StatusError is a response with a non-zero command_status: to a bind, a submit_sm, or a
// generic_nack in their place.
type StatusError struct {
	Command string // "bind_transceiver", "submit_sm"
	Status  Status
	Nack    bool // the SMSC answered with generic_nack
}

func (e *StatusError) Error() string {
	how := e.Command + "_resp"
	if e.Nack {
		how = "generic_nack to " + e.Command
	}
	return fmt.Sprintf("smpp: %s: %s (%08X)", how, e.Status, uint32(e.Status))
}

// Errors of Submit. ErrConnectionLost and ErrTimeout come after the submit_sm was written: the
// SMSC may or may not have accepted it.
var (
	ErrClosed         = errors.New("smpp: client closed")
	ErrConnectionLost = errors.New("smpp: connection lost before submit_sm_resp")
	ErrTimeout        = errors.New("smpp: no submit_sm_resp in time")
	ErrThrottled      = errors.New("smpp: still throttled after the allowed resubmissions")
	ErrTooLong        = errors.New("smpp: short message over 140 octets")
)

// OutcomeUnknown says whether an error leaves the message's fate unknown (it may have been accepted)
// rather than refused.
func OutcomeUnknown(err error) bool {
	return errors.Is(err, ErrConnectionLost) || errors.Is(err, ErrTimeout)
}
