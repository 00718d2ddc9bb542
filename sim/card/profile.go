package card

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Hex is a byte string written as upper-case hex in JSON.
type Hex []byte

// MarshalText writes upper-case hex.
func (h Hex) MarshalText() ([]byte, error) {
	return []byte(strings.ToUpper(hex.EncodeToString(h))), nil
}

// UnmarshalText reads hex, ignoring spaces.
func (h *Hex) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(strings.ReplaceAll(string(b), " ", ""))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// Profile is a card profile (fixtures/cards/*.json) and also the card's state file: the same
// document, written back with the current file contents, PIN tries, counters, registry and
// terminal profile. Lists are kept in a fixed order so the file is byte-stable.
type Profile struct {
	Name string `json:"name"`
	// Lab allows what a production profile refuses (single DES keysets, TARs without a
	// minimum security level); the card says so in Card.Warnings.
	Lab bool `json:"lab,omitempty"`
	ATR Hex  `json:"atr"`
	// Files in tree order: every file's parent comes before it.
	Files   []FileSpec   `json:"files"`
	PINs    []PINSpec    `json:"pins"`
	Keysets []KeysetSpec `json:"keysets,omitempty"`
	TARs    []TARSpec    `json:"tars,omitempty"`
	// Registry is the RAM registry (TS 102 226 8): load files and application instances.
	Registry Registry `json:"registry"`
	// TerminalProfile is the last TERMINAL PROFILE received (TS 102 221 11.2.1).
	TerminalProfile Hex `json:"terminal_profile,omitempty"`
	// MessageReference is the TP-MR of the last SMS-SUBMIT the card asked for (TS 23.040 9.2.3.6).
	MessageReference byte `json:"message_reference"`
}

// FileSpec is one file of the profile (TS 102 221 8, TS 51.011 6).
type FileSpec struct {
	// Path is the FIDs from the MF, slash separated: "3F00", "3F00/7F10/6F3A". An ADF sits
	// under the MF at its alias FID (e.g. "3F00/7FF0"): selectable there, by 7FFF and by AID.
	Path string `json:"path"`
	Name string `json:"name,omitempty"`
	// Type is mf, df, adf, transparent, linear_fixed or cyclic.
	Type string `json:"type"`
	AID  Hex    `json:"aid,omitempty"`
	// SFI is the short file identifier 1..30 (TS 102 221 8.3); 0 = none.
	SFI          int    `json:"sfi,omitempty"`
	Size         int    `json:"size,omitempty"`          // transparent EF
	RecordLength int    `json:"record_length,omitempty"` // linear fixed and cyclic EF
	Records      int    `json:"records,omitempty"`
	Data         Hex    `json:"data,omitempty"`        // transparent: padded with FF to Size
	RecordData   []Hex  `json:"record_data,omitempty"` // records from 1; each padded with FF
	Read         string `json:"read,omitempty"`        // access: always, pin1, pin2, adm, never
	Update       string `json:"update,omitempty"`
	Increase     string `json:"increase,omitempty"` // cyclic EF
	Deactivated  bool   `json:"deactivated,omitempty"`
}

// PINSpec is a PIN or ADM key with its unblock key and counters (TS 102 221 9.5).
type PINSpec struct {
	// Ref is the key reference: 01 PIN1, 81 PIN2, 0A ADM1, 11 universal PIN (TS 102 221 9.5.1).
	Ref      Hex    `json:"ref"`
	Name     string `json:"name,omitempty"`
	Value    string `json:"value"`
	PUK      string `json:"puk,omitempty"`
	MaxTries int    `json:"max_tries"`
	Tries    int    `json:"tries"`
	// PUK tries; a PIN without a PUK cannot be unblocked.
	MaxPUKTries int  `json:"max_puk_tries,omitempty"`
	PUKTries    int  `json:"puk_tries,omitempty"`
	Disabled    bool `json:"disabled,omitempty"`
}

// KeysetSpec is one OTA keyset, by key version number (TS 102 225 5.1.2, 5.1.3).
type KeysetSpec struct {
	KVN int `json:"kvn"`
	// Algorithms as ota/packet names them: des_cbc, 3des_2key_cbc, 3des_3key_cbc, des_ecb,
	// aes_cbc for KIc; the same DES names or aes_cmac for KID. A packet naming another
	// algorithm for this KVN is refused (PoR 06).
	KIcAlgorithm string `json:"kic_algorithm"`
	KIc          Hex    `json:"kic"`
	KIDAlgorithm string `json:"kid_algorithm"`
	KID          Hex    `json:"kid"`
	KIK          Hex    `json:"kik,omitempty"`
	// Counter is the last CNTR accepted with this keyset (TS 102 225 5.1.1), 10 hex digits.
	Counter Hex `json:"counter"`
}

// TARSpec is a target application reachable over the air (TS 101 220 annex D).
type TARSpec struct {
	TAR Hex `json:"tar"`
	// Target is rfm_uicc (MF, CLA 00), rfm_sim (GSM file system, CLA A0), rfm_adf (the ADF
	// named by AID, CLA 00) or ram (the issuer security domain's RAM, TS 102 226 8).
	Target string `json:"target"`
	AID    Hex    `json:"aid,omitempty"`
	// MSL is the minimum security level, an SPI1 value (TS 102 226 8.2.1.3.2.4.2): a packet
	// whose SPI1 is weaker in its RC/CC/DS, ciphering or counter bits is refused (PoR 0A).
	MSL Hex `json:"msl"`
	// Format of the remote command script: compact (default) or expanded (TS 102 226 5).
	Format string `json:"format,omitempty"`
}

// ProfileError is a profile or state file that cannot be used: the JSON field path and, for
// syntax errors, the byte offset.
type ProfileError struct {
	Field  string
	Offset int64 // -1 when not a syntax error
	Msg    string
}

func (e *ProfileError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("card profile: %s: offset %d: %s", e.Field, e.Offset, e.Msg)
	}
	return fmt.Sprintf("card profile: %s: %s", e.Field, e.Msg)
}

func profileErr(field, format string, args ...any) *ProfileError {
	return &ProfileError{Field: field, Offset: -1, Msg: fmt.Sprintf(format, args...)}
}

// ParseProfile reads a profile (or state file) from JSON; unknown fields are refused.
func ParseProfile(b []byte) (*Profile, error) {
	var p Profile
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, &ProfileError{Field: "json", Offset: se.Offset, Msg: se.Error()}
		case errors.As(err, &te):
			return nil, &ProfileError{Field: te.Field, Offset: te.Offset, Msg: te.Error()}
		}
		return nil, &ProfileError{Field: "json", Offset: d.InputOffset(), Msg: err.Error()}
	}
	if d.More() {
		return nil, &ProfileError{Field: "json", Offset: d.InputOffset(), Msg: "data after the profile"}
	}
	return &p, nil
}

// LoadProfile reads a profile or state file.
func LoadProfile(path string) (*Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseProfile(b)
}

// Marshal writes the profile as indented JSON with a final newline.
func (p *Profile) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
