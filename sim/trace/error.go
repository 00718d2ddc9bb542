package trace

import "fmt"

// Error says which input the writer refused to put in a frame: the frame kind ("APDU",
// "SMPP", "config"), the field, the byte offset in that field's input where it applies (-1
// where it does not), and why. A refused frame is never written.
type Error struct {
	Frame  string
	Field  string
	Offset int
	Msg    string
}

func (e *Error) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("trace: %s.%s: %s", e.Frame, e.Field, e.Msg)
	}
	return fmt.Sprintf("trace: %s.%s: offset %d: %s", e.Frame, e.Field, e.Offset, e.Msg)
}
