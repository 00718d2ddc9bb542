package campaign

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/stkforge/stkforge/keys"
	"github.com/stkforge/stkforge/ota/packet"
	"github.com/stkforge/stkforge/ota/remote"
	"github.com/stkforge/stkforge/ota/smspp"
)

// Spec is what a campaign pushes, to whom, how securely and how fast. Its JSON form is what the
// HTTP API and `stkforge push --spec` take.
type Spec struct {
	Name   string `json:"name"`
	Tenant string `json:"tenant"` // owner; a bank tenant may only use its own TARs and keysets
	// Script is the secured data: an RFM/RAM command script in the compact or expanded format
	// (TS 102 226 5.1, 5.2), hex in JSON.
	Script HexBytes `json:"script,omitempty"`
	// Image is a script image file (stk/image) to write by RFM into ImageSlot (1: EF 6F01, 2:
	// EF 6F02, the cards' inactive slot) and commit (docs/image-format.md, "OTA delivery");
	// give Script or Image, not both. A PoR OK whose commit status is not 00 is a por_error.
	Image     HexBytes `json:"image,omitempty"`
	ImageSlot int      `json:"image_slot,omitempty"`
	Targets   Targets  `json:"targets"`
	Security  Security `json:"security"`
	// Rate caps the targets started per second (0: no cap; the SMSC bind's own rate still
	// applies through ota/smpp).
	Rate float64 `json:"rate,omitempty"`
	// Canary is the number of first targets that must all end por_ok before the rest start; any
	// other outcome pauses the campaign.
	Canary int `json:"canary,omitempty"`
	// ErrorThreshold pauses the campaign once the share of por_error among finished targets
	// exceeds it, after MinSample finished targets (defaults 0.1 and 20).
	ErrorThreshold float64 `json:"error_threshold,omitempty"`
	MinSample      int     `json:"min_sample,omitempty"`
	// MaxAttempts bounds the packets sent to one target (default 3); Backoff is the delay
	// before the second attempt, doubled for each next one (default 5s); PoRTimeout is how long
	// to wait for a PoR before trying again (default 60s), counted from the submit_sm_resp of
	// the packet's last segment, not from the claim: time spent queued behind throttling does
	// not count.
	MaxAttempts int      `json:"max_attempts,omitempty"`
	Backoff     Duration `json:"backoff,omitempty"`
	PoRTimeout  Duration `json:"por_timeout,omitempty"`
}

// Targets selects the cards of a campaign: listed by one identifier kind, or a filter.
type Targets struct {
	ICCIDs  []string `json:"iccids,omitempty"`
	IMSIs   []string `json:"imsis,omitempty"`
	MSISDNs []string `json:"msisdns,omitempty"`
	Filter  *Filter  `json:"filter,omitempty"`
}

// Filter selects cards from the store.
type Filter struct {
	Tenant    string         `json:"tenant,omitempty"`    // card owner; empty: any
	Lifecycle keys.Lifecycle `json:"lifecycle,omitempty"` // empty: active
}

// Security is the security of the command packets (TS 102 225 5.1.1-5.1.3) as hex strings:
// SPI "1639", KIc "12", KID "12", TAR "B00000". Lab allows what production refuses.
type Security struct {
	SPI string `json:"spi"`
	KIc string `json:"kic"`
	KID string `json:"kid"`
	TAR string `json:"tar"`
	Lab bool   `json:"lab,omitempty"`
}

// Parsed is a Security read into ota/packet's types.
type Parsed struct {
	packet.Security
	TAR packet.TAR
	KVN uint8 // the keyset whose counter the packets use (KID's when a CC is asked, else KIc's)
	// Data is the secured data every packet carries: Script, or the RFM script of Image.
	Data []byte
	// Image says the PoR data must show a successful commit (remote.ParseImageCommit) that made
	// ImageSlot the active slot.
	Image     bool
	ImageSlot byte
}

// SpecError is a spec that cannot run: the JSON field path, the byte offset inside the field's
// value when it is about one, and why.
type SpecError struct {
	Field  string
	Offset int
	Err    error
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("campaign spec: %s: offset %d: %v", e.Field, e.Offset, e.Err)
}

func (e *SpecError) Unwrap() error { return e.Err }

// Errors a SpecError wraps.
var (
	ErrInvalid = errors.New("invalid value")
	// ErrTooManyTargets is a campaign over the size cap of its Scope.
	ErrTooManyTargets = errors.New("too many targets")
	ErrInsecure       = errors.New("below the production security minimum")
)

func specErr(field string, off int, kind error, format string, args ...any) *SpecError {
	return &SpecError{Field: field, Offset: off, Err: fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))}
}

func hexField(field, s string, n int) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		var ie hex.InvalidByteError
		off := 0
		if errors.As(err, &ie) {
			off = strings.IndexByte(s, byte(ie)) / 2
		}
		return nil, specErr(field, off, ErrInvalid, "%q is not hex", s)
	}
	if len(b) != n {
		return nil, specErr(field, 0, ErrInvalid, "%d bytes, want %d", len(b), n)
	}
	return b, nil
}

// Parse checks the security settings. Production (Lab false) requires a cryptographic checksum,
// ciphering, counter "higher" or "one higher", a PoR always, and no single DES (DESIGN.md,
// TS 102 225 5.1.1-5.1.3); it returns the warnings a lab setting earns.
func (s Security) Parse() (Parsed, []string, error) {
	var p Parsed
	spi, err := hexField("security.spi", s.SPI, 2)
	if err != nil {
		return p, nil, err
	}
	if p.SPI, err = packet.DecodeSPI([2]byte{spi[0], spi[1]}, 0); err != nil {
		return p, nil, specErr("security.spi", 0, ErrInvalid, "%v", err)
	}
	kic, err := hexField("security.kic", s.KIc, 1)
	if err != nil {
		return p, nil, err
	}
	kid, err := hexField("security.kid", s.KID, 1)
	if err != nil {
		return p, nil, err
	}
	tar, err := hexField("security.tar", s.TAR, 3)
	if err != nil {
		return p, nil, err
	}
	p.KIc, p.KID = packet.KIc(kic[0]), packet.KID(kid[0])
	copy(p.TAR[:], tar)
	// the counter belongs to the keyset of KID when the packet has a CC, else KIc's
	if p.SPI.Checksum == packet.ChecksumCC {
		p.KVN = uint8(p.KID.KeyVersion())
	} else {
		p.KVN = uint8(p.KIc.KeyVersion())
	}
	if p.KVN == 0 && p.SPI.Counter != packet.CounterNone {
		return p, nil, specErr("security.kid", 0, ErrInvalid, "key version 0 cannot keep a counter")
	}
	var weak []string
	if p.SPI.Checksum != packet.ChecksumCC {
		weak = append(weak, fmt.Sprintf("SPI1 %v: no cryptographic checksum", p.SPI.Checksum))
	}
	if !p.SPI.Ciphering {
		weak = append(weak, "SPI1: no ciphering")
	}
	if p.SPI.Counter < packet.CounterHigher {
		weak = append(weak, fmt.Sprintf("SPI1 counter %v: replay not prevented", p.SPI.Counter))
	}
	if p.SPI.PoR != packet.PoRAlways {
		weak = append(weak, fmt.Sprintf("SPI2 PoR %v: outcomes cannot be confirmed", p.SPI.PoR))
	}
	if p.SPI.Ciphering && p.KIc.Algorithm().SingleDES() {
		weak = append(weak, fmt.Sprintf("KIc %02X: single DES", kic[0]))
	}
	if p.SPI.Checksum == packet.ChecksumCC && p.KID.Algorithm(packet.ChecksumCC).SingleDES() {
		weak = append(weak, fmt.Sprintf("KID %02X: single DES", kid[0]))
	}
	if len(weak) > 0 && !s.Lab {
		return p, nil, specErr("security", 0, ErrInsecure, "%s (set lab to allow it)", strings.Join(weak, "; "))
	}
	return p, weak, nil
}

// withDefaults fills in the zero tuning fields.
func (s Spec) withDefaults() Spec {
	if s.ErrorThreshold == 0 {
		s.ErrorThreshold = 0.1
	}
	if s.MinSample == 0 {
		s.MinSample = 20
	}
	if s.MaxAttempts == 0 {
		s.MaxAttempts = 3
	}
	if s.Backoff == 0 {
		s.Backoff = Duration(5 * time.Second)
	}
	if s.PoRTimeout == 0 {
		s.PoRTimeout = Duration(60 * time.Second)
	}
	return s
}

// maxScript is the longest secured data that still fits 255 concatenated short messages with
// the largest header, checksum and padding this package can ask for (TS 31.115 6.2).
var maxScript = smspp.SegmentCapacity(false).MaxPacket() - (16 + 8 + 16)

// Validate checks the spec and returns it with defaults filled in, its parsed security and the
// warnings of a lab setting.
func (s Spec) Validate() (Spec, Parsed, []string, error) {
	if s.Name == "" || len(s.Name) > 200 {
		return s, Parsed{}, nil, specErr("name", 0, ErrInvalid, "want 1 to 200 characters")
	}
	if s.Tenant == "" {
		return s, Parsed{}, nil, specErr("tenant", 0, ErrInvalid, "missing")
	}
	data := []byte(s.Script)
	switch {
	case len(s.Script) > 0 && len(s.Image) > 0:
		return s, Parsed{}, nil, specErr("image", 0, ErrInvalid, "give script or image, not both")
	case len(s.Image) > 0:
		var err error
		if data, err = remote.ImageScript(s.Image, byte(s.ImageSlot)); err != nil {
			field := "image"
			if s.ImageSlot != 1 && s.ImageSlot != 2 {
				field = "image_slot"
			}
			return s, Parsed{}, nil, specErr(field, 0, ErrInvalid, "%v", err)
		}
	case len(s.Script) == 0:
		return s, Parsed{}, nil, specErr("script", 0, ErrInvalid, "empty: give script or image")
	case s.ImageSlot != 0:
		return s, Parsed{}, nil, specErr("image_slot", 0, ErrInvalid, "only with image")
	}
	if len(data) > maxScript {
		return s, Parsed{}, nil, specErr("script", maxScript, ErrInvalid, "%d bytes, at most %d fit 255 short messages", len(data), maxScript)
	}
	kinds := 0
	for _, l := range [][]string{s.Targets.ICCIDs, s.Targets.IMSIs, s.Targets.MSISDNs} {
		if len(l) > 0 {
			kinds++
		}
	}
	if s.Targets.Filter != nil {
		kinds++
	}
	if kinds != 1 {
		return s, Parsed{}, nil, specErr("targets", 0, ErrInvalid, "give exactly one of iccids, imsis, msisdns or filter")
	}
	for i, id := range s.Targets.ICCIDs {
		if _, err := keys.ParseICCID(id); err != nil {
			var fe *keys.FieldError
			off := 0
			if errors.As(err, &fe) {
				off = fe.Offset
			}
			return s, Parsed{}, nil, &SpecError{Field: fmt.Sprintf("targets.iccids[%d]", i), Offset: off, Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
		}
	}
	for name, l := range map[string][]string{"imsis": s.Targets.IMSIs, "msisdns": s.Targets.MSISDNs} {
		for i, v := range l {
			if v == "" || len(v) > 15 {
				return s, Parsed{}, nil, specErr(fmt.Sprintf("targets.%s[%d]", name, i), 0, ErrInvalid, "want 1 to 15 digits")
			}
			for j := 0; j < len(v); j++ {
				if v[j] < '0' || v[j] > '9' {
					return s, Parsed{}, nil, specErr(fmt.Sprintf("targets.%s[%d]", name, i), j, ErrInvalid, "%q is not a digit", v[j])
				}
			}
		}
	}
	if f := s.Targets.Filter; f != nil && f.Lifecycle != "" && !f.Lifecycle.Valid() {
		return s, Parsed{}, nil, specErr("targets.filter.lifecycle", 0, ErrInvalid, "unknown state %q", f.Lifecycle)
	}
	switch {
	case s.Rate < 0:
		return s, Parsed{}, nil, specErr("rate", 0, ErrInvalid, "negative")
	case s.Canary < 0:
		return s, Parsed{}, nil, specErr("canary", 0, ErrInvalid, "negative")
	case s.ErrorThreshold < 0 || s.ErrorThreshold > 1:
		return s, Parsed{}, nil, specErr("error_threshold", 0, ErrInvalid, "want 0 to 1")
	case s.MaxAttempts < 0 || s.MaxAttempts > 100:
		return s, Parsed{}, nil, specErr("max_attempts", 0, ErrInvalid, "want 1 to 100")
	case s.Backoff < 0 || s.PoRTimeout < 0:
		return s, Parsed{}, nil, specErr("backoff", 0, ErrInvalid, "negative duration")
	}
	p, warn, err := s.Security.Parse()
	if err != nil {
		return s, p, nil, err
	}
	p.Data, p.Image, p.ImageSlot = data, len(s.Image) > 0, byte(s.ImageSlot)
	return s.withDefaults(), p, warn, nil
}

// HexBytes is bytes written as a hex string in JSON.
type HexBytes []byte

func (h HexBytes) MarshalText() ([]byte, error) {
	return []byte(strings.ToUpper(hex.EncodeToString(h))), nil
}

func (h *HexBytes) UnmarshalText(b []byte) error {
	v, err := hex.DecodeString(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// Duration is a time.Duration written as "30s" in JSON.
type Duration time.Duration

func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// ParseSpec reads a spec from JSON, refusing unknown fields.
func ParseSpec(b []byte) (Spec, error) {
	var s Spec
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return s, &SpecError{Field: "(json)", Offset: int(se.Offset), Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
		case errors.As(err, &te):
			return s, &SpecError{Field: te.Field, Offset: int(te.Offset), Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
		}
		off := int(dec.InputOffset())
		if errors.Is(err, io.ErrUnexpectedEOF) {
			off = len(b)
		}
		return s, &SpecError{Field: "(json)", Offset: off, Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}
	return s, nil
}
