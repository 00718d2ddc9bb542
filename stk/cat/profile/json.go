package profile

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// jsonProfile is the JSON form: the length, the sorted names of the set bits (rfu_byteN_bitM
// for RFU bits, so that any profile survives the trip) and every integer field within the length.
type jsonProfile struct {
	Length       int            `json:"length"`
	Capabilities []string       `json:"capabilities"`
	Fields       map[string]int `json:"fields,omitempty"`
}

// MarshalJSON writes {"length": n, "capabilities": [sorted names], "fields": {...}}.
func (p Profile) MarshalJSON() ([]byte, error) {
	j := jsonProfile{Length: len(p.b), Capabilities: p.Names(), Fields: p.Values()}
	if j.Capabilities == nil {
		j.Capabilities = []string{}
	}
	if len(j.Fields) == 0 {
		j.Fields = nil
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the form MarshalJSON writes. It starts from an empty profile and rejects
// unknown keys, unknown or repeated names, values out of range and bits beyond the length, so
// that a JSON profile re-encodes to exactly the bytes it was made from.
func (p *Profile) UnmarshalJSON(data []byte) error {
	*p = Profile{}
	var j jsonProfile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return errorf("terminal_profile", 0, "JSON: %v", err)
	}
	if dec.More() {
		return errorf("terminal_profile", 0, "JSON: data after the profile object")
	}
	if j.Length == 0 {
		return errorf("terminal_profile.length", 0, "missing or 0: the length is 1..%d bytes", MaxLen)
	}
	seen := map[string]int{}
	for i, name := range j.Capabilities {
		if prev, dup := seen[name]; dup {
			return errorf(fmt.Sprintf("terminal_profile.capabilities[%d]", i), 0, "%q repeats capabilities[%d]", name, prev)
		}
		seen[name] = i
	}
	q, err := Build(j.Length, j.Capabilities, j.Fields)
	if err != nil {
		return err
	}
	*p = q
	return nil
}
