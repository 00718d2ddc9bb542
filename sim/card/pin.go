package card

import (
	"bytes"
	"crypto/subtle"
	"fmt"
)

// Key references (TS 102 221 9.5.1).
const (
	RefPIN1      byte = 0x01
	RefPIN2      byte = 0x81
	RefADM1      byte = 0x0A
	RefUniversal byte = 0x11
)

type pin struct {
	ref         byte
	name        string
	value, puk  []byte // 8 bytes, ASCII digits padded with FF (TS 102 221 9.5.1)
	maxTries    int
	tries       int
	maxPUKTries int
	pukTries    int
	disabled    bool
}

// pinBlock codes digits as TS 102 221 9.5.1 / TS 51.011 9.3 do: ASCII, padded with FF to 8.
func pinBlock(s string) ([]byte, error) {
	if len(s) < 4 || len(s) > 8 {
		return nil, fmt.Errorf("%d digits: a PIN has 4 to 8", len(s))
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return nil, fmt.Errorf("%q is not a digit", r)
		}
	}
	return pad([]byte(s), 8), nil
}

func newPINs(specs []PINSpec) ([]*pin, error) {
	var out []*pin
	seen := map[byte]bool{}
	for i, s := range specs {
		field := fmt.Sprintf("pins[%d]", i)
		if len(s.Ref) != 1 {
			return nil, profileErr(field+".ref", "one byte: 01, 81, 0A, 11, ...")
		}
		p := &pin{ref: s.Ref[0], name: s.Name, maxTries: s.MaxTries, tries: s.Tries,
			maxPUKTries: s.MaxPUKTries, pukTries: s.PUKTries, disabled: s.Disabled}
		if seen[p.ref] {
			return nil, profileErr(field+".ref", "%02X repeated", p.ref)
		}
		seen[p.ref] = true
		var err error
		if p.value, err = pinBlock(s.Value); err != nil {
			return nil, profileErr(field+".value", "%v", err)
		}
		if s.PUK != "" {
			if len(s.PUK) != 8 {
				return nil, profileErr(field+".puk", "a PUK has 8 digits")
			}
			if p.puk, err = pinBlock(s.PUK); err != nil {
				return nil, profileErr(field+".puk", "%v", err)
			}
			if p.maxPUKTries < 1 || p.maxPUKTries > 15 || p.pukTries < 0 || p.pukTries > p.maxPUKTries {
				return nil, profileErr(field+".puk_tries", "%d of %d: 1..15 and at most the maximum", p.pukTries, p.maxPUKTries)
			}
		}
		if p.maxTries < 1 || p.maxTries > 15 || p.tries < 0 || p.tries > p.maxTries {
			return nil, profileErr(field+".tries", "%d of %d: 1..15 and at most the maximum", p.tries, p.maxTries)
		}
		out = append(out, p)
	}
	return out, nil
}

func (p *pin) spec() PINSpec {
	trim := func(b []byte) string { return string(bytes.TrimRight(b, "\xFF")) }
	return PINSpec{Ref: Hex{p.ref}, Name: p.name, Value: trim(p.value), PUK: trim(p.puk), MaxTries: p.maxTries,
		Tries: p.tries, MaxPUKTries: p.maxPUKTries, PUKTries: p.pukTries, Disabled: p.disabled}
}

func (c *Card) pin(ref byte) *pin {
	for _, p := range c.pins {
		if p.ref == ref {
			return p
		}
	}
	return nil
}

// pinRef maps P2 to a key reference: for class A0, CHV1 is 01 and CHV2 (02) is PIN2 (81);
// UNBLOCK CHV names CHV1 by 00 (TS 51.011 9.2.9-9.2.13).
func pinRef(x *cmd) byte {
	if !x.sim {
		return x.p2
	}
	switch x.p2 {
	case 0x00:
		if x.ins == 0x2C {
			return RefPIN1
		}
	case 0x02:
		return RefPIN2
	}
	return x.p2
}

// verifySW is the failure status word for x tries left (UICC 63Cx, TS 102 221 10.2.1.3;
// SIM 9804 while tries remain and 9840 when blocked, TS 51.011 9.4.5).
func (c *Card) triesSW(x *cmd, left int) uint16 {
	if x.sim {
		if left == 0 {
			return 0x9840
		}
		return 0x9804
	}
	return swTriesUICC | uint16(left&0x0F)
}

// check compares a PIN (or the PUK) and counts the try; the counters are saved.
func (c *Card) check(x *cmd, p *pin, got []byte, usePUK bool) uint16 {
	want, tries := p.value, &p.tries
	if usePUK {
		want, tries = p.puk, &p.pukTries
	}
	if *tries == 0 {
		return c.swFor(x, condBlocked)
	}
	old := *tries
	if subtle.ConstantTimeCompare(want, got) != 1 {
		*tries--
		if err := c.save(); err != nil {
			*tries = old
			return c.swFor(x, condMemory)
		}
		return c.triesSW(x, *tries)
	}
	if usePUK {
		*tries = p.maxPUKTries
	} else {
		*tries = p.maxTries
	}
	if old != *tries {
		if err := c.save(); err != nil {
			*tries = old
			return c.swFor(x, condMemory)
		}
	}
	return SWOK
}

func (c *Card) pinFor(x *cmd) (*pin, uint16) {
	if x.p1 != 0 {
		return nil, c.swFor(x, condP1P2)
	}
	p := c.pin(pinRef(x))
	if p == nil {
		return nil, c.swFor(x, condRefNotFound)
	}
	return p, SWOK
}

// cmdVerify is VERIFY PIN (TS 102 221 11.1.9) / VERIFY CHV (TS 51.011 9.2.9). Without data
// (UICC) it reports the tries left.
func (c *Card) cmdVerify(x *cmd) ([]byte, uint16) {
	p, sw := c.pinFor(x)
	if sw != SWOK {
		return nil, sw
	}
	if len(x.data) == 0 && !x.sim {
		switch {
		case p.tries == 0:
			return nil, c.swFor(x, condBlocked)
		case x.s.verified[p.ref] || p.disabled:
			return nil, SWOK
		}
		return nil, c.triesSW(x, p.tries)
	}
	if len(x.data) != 8 {
		return nil, SWWrongLength
	}
	if x.sim && p.disabled && p.ref == RefPIN1 {
		return nil, c.swFor(x, condConditions) // 9808: CHV1 disabled
	}
	if sw := c.check(x, p, x.data, false); sw != SWOK {
		x.s.verified[p.ref] = false
		return nil, sw
	}
	x.s.verified[p.ref] = true
	return nil, SWOK
}

// cmdChange is CHANGE PIN (TS 102 221 11.1.10) / CHANGE CHV (TS 51.011 9.2.10).
func (c *Card) cmdChange(x *cmd) ([]byte, uint16) {
	p, sw := c.pinFor(x)
	if sw != SWOK {
		return nil, sw
	}
	if len(x.data) != 16 {
		return nil, SWWrongLength
	}
	if p.disabled {
		return nil, c.swFor(x, condConditions)
	}
	if sw := c.check(x, p, x.data[:8], false); sw != SWOK {
		return nil, sw
	}
	old := p.value
	p.value = bytes.Clone(x.data[8:])
	if err := c.save(); err != nil {
		p.value = old
		return nil, c.swFor(x, condMemory)
	}
	x.s.verified[p.ref] = true
	return nil, SWOK
}

func (c *Card) setDisabled(x *cmd, disabled bool) ([]byte, uint16) {
	p, sw := c.pinFor(x)
	if sw != SWOK {
		return nil, sw
	}
	if len(x.data) != 8 {
		return nil, SWWrongLength
	}
	if p.ref != RefPIN1 && p.ref != RefUniversal {
		return nil, c.swFor(x, condConditions)
	}
	if p.disabled == disabled {
		return nil, c.swFor(x, condConditions)
	}
	if sw := c.check(x, p, x.data, false); sw != SWOK {
		return nil, sw
	}
	p.disabled = disabled
	if err := c.save(); err != nil {
		p.disabled = !disabled
		return nil, c.swFor(x, condMemory)
	}
	return nil, SWOK
}

// cmdDisable is DISABLE PIN (TS 102 221 11.1.11) / DISABLE CHV (TS 51.011 9.2.11).
func (c *Card) cmdDisable(x *cmd) ([]byte, uint16) { return c.setDisabled(x, true) }

// cmdEnable is ENABLE PIN (TS 102 221 11.1.12) / ENABLE CHV (TS 51.011 9.2.12).
func (c *Card) cmdEnable(x *cmd) ([]byte, uint16) { return c.setDisabled(x, false) }

// cmdUnblock is UNBLOCK PIN (TS 102 221 11.1.13) / UNBLOCK CHV (TS 51.011 9.2.13): PUK then
// the new PIN; without data (UICC) it reports the PUK tries left.
func (c *Card) cmdUnblock(x *cmd) ([]byte, uint16) {
	p, sw := c.pinFor(x)
	if sw != SWOK {
		return nil, sw
	}
	if p.puk == nil {
		return nil, c.swFor(x, condRefNotFound)
	}
	if len(x.data) == 0 && !x.sim {
		if p.pukTries == 0 {
			return nil, c.swFor(x, condBlocked)
		}
		return nil, c.triesSW(x, p.pukTries)
	}
	if len(x.data) != 16 {
		return nil, SWWrongLength
	}
	if sw := c.check(x, p, x.data[:8], true); sw != SWOK {
		return nil, sw
	}
	oldV, oldT := p.value, p.tries
	p.value, p.tries = bytes.Clone(x.data[8:]), p.maxTries
	if err := c.save(); err != nil {
		p.value, p.tries = oldV, oldT
		return nil, c.swFor(x, condMemory)
	}
	x.s.verified[p.ref] = true
	return nil, SWOK
}
