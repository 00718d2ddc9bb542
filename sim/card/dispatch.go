package card

// channel is one logical channel's selection state (TS 102 221 8.5, 11.1.17).
type channel struct {
	df     *file // current DF or ADF
	ef     *file // current EF, nil when none
	adf    *file // current application, nil before one is selected
	record int   // current record of ef, 0 = none
}

// session is what a reset forgets: channels, verified PINs, the pending GET RESPONSE data. A
// remote command script runs in its own session (TS 102 226 5.1) with ADM rights.
type session struct {
	ch       [4]*channel
	verified map[byte]bool
	rfm      bool
	resp     []byte
	respSet  bool
}

func newSession(t *fs, rfm bool) *session {
	s := &session{verified: map[byte]bool{}, rfm: rfm}
	s.ch[0] = &channel{df: t.mf}
	return s
}

// cmd is one decoded command TPDU.
type cmd struct {
	cla, ins, p1, p2 byte
	p3               int
	data             []byte // command data (incoming INS)
	le               int    // expected response length (outgoing INS; P3 00 means 256)
	sim              bool   // class A0: TS 51.011 semantics
	ch               *channel
	chn              int
	s                *session
}

// instruction describes an INS: its name, whether P3 is Le (outgoing), the UICC class it
// takes (0x00 interindustry or 0x80 proprietary, TS 102 221 10.1.1; 0xFF = none) and whether
// the GSM class A0 knows it (TS 51.011 9.2).
type instruction struct {
	name string
	out  bool
	uicc byte
	sim  bool
	run  func(*Card, *cmd) ([]byte, uint16)
}

var instructions [256]*instruction

// rfmCommands are the commands a remote file management script may run (TS 102 226 6.1 and
// 6.2): file and PIN commands, never the toolkit's own (ENVELOPE, FETCH, TERMINAL PROFILE,
// TERMINAL RESPONSE), so an OTA script cannot feed the card to itself.
var rfmCommands = map[byte]bool{
	0xA4: true, 0xF2: true, 0xB0: true, 0xD6: true, 0xB2: true, 0xDC: true, 0xA2: true, 0x32: true,
	0x20: true, 0x24: true, 0x26: true, 0x28: true, 0x2C: true, 0x04: true, 0x44: true, 0xC0: true,
}

func init() {
	for ins, i := range map[byte]*instruction{
		0xA4: {"SELECT", false, 0x00, true, (*Card).cmdSelect},
		0xF2: {"STATUS", true, 0x80, true, (*Card).cmdStatus},
		0xB0: {"READ BINARY", true, 0x00, true, (*Card).cmdReadBinary},
		0xD6: {"UPDATE BINARY", false, 0x00, true, (*Card).cmdUpdateBinary},
		0xB2: {"READ RECORD", true, 0x00, true, (*Card).cmdReadRecord},
		0xDC: {"UPDATE RECORD", false, 0x00, true, (*Card).cmdUpdateRecord},
		0xA2: {"SEARCH RECORD", false, 0x00, true, (*Card).cmdSearchRecord},
		0x32: {"INCREASE", false, 0x80, true, (*Card).cmdIncrease},
		0x20: {"VERIFY PIN", false, 0x00, true, (*Card).cmdVerify},
		0x24: {"CHANGE PIN", false, 0x00, true, (*Card).cmdChange},
		0x26: {"DISABLE PIN", false, 0x00, true, (*Card).cmdDisable},
		0x28: {"ENABLE PIN", false, 0x00, true, (*Card).cmdEnable},
		0x2C: {"UNBLOCK PIN", false, 0x00, true, (*Card).cmdUnblock},
		0x04: {"DEACTIVATE FILE", false, 0x00, true, (*Card).cmdDeactivate},
		0x44: {"ACTIVATE FILE", false, 0x00, true, (*Card).cmdActivate},
		0x70: {"MANAGE CHANNEL", true, 0x00, false, (*Card).cmdManageChannel},
		0xC0: {"GET RESPONSE", true, 0x00, true, (*Card).cmdGetResponse},
		0x10: {"TERMINAL PROFILE", false, 0x80, true, (*Card).cmdTerminalProfile},
		0xC2: {"ENVELOPE", false, 0x80, true, (*Card).cmdEnvelope},
		0x12: {"FETCH", true, 0x80, true, (*Card).cmdFetch},
		0x14: {"TERMINAL RESPONSE", false, 0x80, true, (*Card).cmdTerminalResponse},
		0xFA: {"SLEEP", false, 0xFF, true, (*Card).cmdSleep},
	} {
		instructions[ins] = i
	}
}

// InstructionName is the name of a command this card knows, "" otherwise.
func InstructionName(ins byte) string {
	if i := instructions[ins]; i != nil {
		return i.name
	}
	return ""
}

// Outgoing reports whether P3 of ins is Le (the card sends data) for this card.
func Outgoing(ins byte) bool { i := instructions[ins]; return i != nil && i.out }

func swBytes(data []byte, sw uint16) []byte {
	out := make([]byte, 0, len(data)+2)
	out = append(out, data...)
	return append(out, byte(sw>>8), byte(sw))
}

// transmit runs one T=0 TPDU in session s (TS 102 221 7.3.1.1, TS 51.011 9.4, ISO/IEC 7816-3
// 10.3): a case 4 command's data waits for GET RESPONSE behind 61xx (9Fxx for class A0), and a
// normal ending becomes 91xx while a proactive command waits to be fetched.
func (c *Card) transmit(s *session, b []byte) []byte {
	if len(b) < 4 {
		return swBytes(nil, SWWrongLength)
	}
	x := &cmd{cla: b[0], ins: b[1], p1: b[2], p2: b[3], s: s}
	if len(b) >= 5 {
		x.p3 = int(b[4])
	}
	data, sw := c.run(x, b)
	if sw == SWOK && !s.rfm {
		if n := c.tk.announce(); n > 0 {
			sw = swProactiveBase | uint16(n&0xFF)
		}
	}
	return swBytes(data, sw)
}

func (c *Card) run(x *cmd, b []byte) ([]byte, uint16) {
	switch {
	case x.cla == 0xA0:
		x.sim = true
	case x.cla&0x70 == 0 && x.cla&0x0C != 0: // 0X/8X with secure messaging bits
		return nil, 0x6882
	case x.cla&0x70 == 0:
		x.chn = int(x.cla & 0x03)
	case x.cla&0x40 != 0 && x.cla != 0xFF: // 4X-7X, CX-FE: logical channels 4-19
		return nil, 0x6881
	default:
		return nil, SWClassNotSupp
	}
	in := instructions[x.ins]
	if in == nil || (x.sim && !in.sim) || (!x.sim && in.uicc == 0xFF) || (x.s.rfm && !rfmCommands[x.ins]) {
		return nil, SWINSNotSupp
	}
	if !x.sim && x.cla&0x80 != in.uicc {
		return nil, SWClassNotSupp
	}
	if x.ch = x.s.ch[x.chn]; x.ch == nil {
		return nil, c.swFor(x, condChannel)
	}
	switch {
	case in.out:
		if len(b) > 5 {
			return nil, SWWrongLength
		}
		x.le = x.p3
		if x.le == 0 {
			x.le = 256 // T=0: P3 00 asks for 256 bytes (a 4-byte command has P3 00)
		}
	default:
		switch len(b) {
		case 4, 5 + x.p3, 6 + x.p3: // 6+Lc: a case 4 APDU whose Le T=0 does not carry
		default:
			return nil, SWWrongLength
		}
		if len(b) > 5 {
			x.data = b[5 : 5+x.p3 : 5+x.p3]
		}
		x.le = -1
	}
	if x.ins != 0xC0 {
		x.s.resp, x.s.respSet = nil, false
	}
	data, sw := in.run(c, x)
	if !in.out && len(data) > 0 {
		if sw != SWOK {
			return nil, sw
		}
		x.s.resp, x.s.respSet = data, true
		more := swMoreUICC
		if x.sim {
			more = swMoreSIM
		}
		return nil, more | uint16(len(data)&0xFF)
	}
	return data, sw
}

// outLen answers an outgoing command whose response has n bytes and the terminal asked for
// x.le: 6C n (UICC) or 67 n (SIM) when they differ, as T=0 does (ISO/IEC 7816-3 10.3.3,
// TS 51.011 9.4.6). ok is true when x.le == n.
func (c *Card) outLen(x *cmd, n int) (sw uint16, ok bool) {
	if x.le == n || (x.le == 256 && n == 256) {
		return SWOK, true
	}
	if x.sim {
		return swWrongP3SIM | uint16(n&0xFF), false
	}
	return swWrongLeUICC | uint16(n&0xFF), false
}

// cmdGetResponse returns the data a case 4 command left (TS 102 221 12.1.1,
// TS 51.011 9.2.18): UICC gives Le bytes and 61xx for the rest, or 6Cxx when Le is too long;
// SIM gives the first Le bytes (67xx when Le is too long).
func (c *Card) cmdGetResponse(x *cmd) ([]byte, uint16) {
	if x.p1 != 0 || x.p2 != 0 {
		return nil, c.swFor(x, condP1P2)
	}
	if !x.s.respSet {
		if x.sim {
			return nil, SWTechnical
		}
		return nil, c.swFor(x, condConditions)
	}
	r := x.s.resp
	switch {
	case x.le > len(r):
		if x.sim {
			return nil, swWrongP3SIM | uint16(len(r)&0xFF)
		}
		return nil, swWrongLeUICC | uint16(len(r)&0xFF)
	case x.le < len(r) && !x.sim:
		x.s.resp = r[x.le:]
		return r[:x.le], swMoreUICC | uint16(len(r)-x.le)&0xFF
	}
	x.s.resp, x.s.respSet = nil, false
	return r[:x.le], SWOK
}

// cmdManageChannel opens (P1 00) or closes (P1 80) logical channels 1 to 3 (TS 102 221 11.1.17).
func (c *Card) cmdManageChannel(x *cmd) ([]byte, uint16) {
	switch x.p1 {
	case 0x00:
		if x.p2 != 0 || x.le != 1 {
			if x.p2 != 0 {
				return nil, c.swFor(x, condP1P2)
			}
			sw, _ := c.outLen(x, 1)
			return nil, sw
		}
		for n := 1; n < 4; n++ {
			if x.s.ch[n] == nil {
				// the new channel starts where the issuing channel is (TS 102 221 11.1.17.2)
				cp := *x.ch
				cp.ef, cp.record = nil, 0
				x.s.ch[n] = &cp
				return []byte{byte(n)}, SWOK
			}
		}
		return nil, 0x6A81
	case 0x80:
		if x.le != 256 { // case 1: P3 = 00
			return nil, SWWrongLength
		}
		if x.p2 == 0 || x.p2 > 3 || x.s.ch[x.p2] == nil {
			return nil, c.swFor(x, condChannel)
		}
		x.s.ch[x.p2] = nil
		return nil, SWOK
	}
	return nil, c.swFor(x, condP1P2)
}

// cmdSleep is the obsolete TS 51.011 SLEEP: it does nothing.
func (c *Card) cmdSleep(x *cmd) ([]byte, uint16) { return nil, SWOK }
