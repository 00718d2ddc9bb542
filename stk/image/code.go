package image

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Op is a bytecode opcode (docs/image-format.md "The bytecode").
type Op byte

// Opcodes.
const (
	OpCmd    Op = 0x01 // u template
	OpInput  Op = 0x02 // u template, u var
	OpInkey  Op = 0x03 // u template, u var+1
	OpSelect Op = 0x04 // u template, u var
	OpLocal  Op = 0x05 // u template, u var
	OpSMS    Op = 0x06 // u sms
	OpMenu   Op = 0x07 // u menu
	OpEnd    Op = 0x08
	OpJmp    Op = 0x09 // a addr
	OpOn     Op = 0x0A // u mask, a addr
	OpIfV    Op = 0x0B // u op, u left, u right, a addr
	OpIfL    Op = 0x0C // u op, u left, b literal, a addr
	OpPIN    Op = 0x0D // u ref, u pin var, u tries var+1
	OpSign   Op = 0x0E // u key, u into, u n, n*u var
	OpCount  Op = 0x0F // u var
)

// operand kinds
const (
	kU = 'u' // LEB128
	kA = 'a' // 2-byte address
	kB = 'b' // LEB128 length + bytes
	kN = 'n' // LEB128 count, then that many u
)

var opTable = map[Op]struct {
	name     string
	operands string
}{
	OpCmd: {"CMD", "u"}, OpInput: {"INPUT", "uu"}, OpInkey: {"INKEY", "uu"}, OpSelect: {"SELECT", "uu"},
	OpLocal: {"LOCAL", "uu"}, OpSMS: {"SMS", "u"}, OpMenu: {"MENU", "u"}, OpEnd: {"END", ""},
	OpJmp: {"JMP", "a"}, OpOn: {"ON", "ua"}, OpIfV: {"IFV", "uuua"}, OpIfL: {"IFL", "uuba"},
	OpPIN: {"PIN", "uuu"}, OpSign: {"SIGN", "uun"}, OpCount: {"COUNT", "u"},
}

func (o Op) String() string {
	if e, ok := opTable[o]; ok {
		return e.name
	}
	return fmt.Sprintf("op(%02X)", byte(o))
}

// Outcome is how a command ended, as the bytecode tests it (docs/image-format.md).
type Outcome uint8

// Outcomes.
const (
	OutOK        Outcome = 0
	OutCancelled Outcome = 1
	OutBack      Outcome = 2
	OutTimeout   Outcome = 3
	OutNo        Outcome = 4
	OutDeclined  Outcome = 5
	OutFailed    Outcome = 6
	OutWrong     Outcome = 7
	OutBlocked   Outcome = 8
	OutHelp      Outcome = 9
)

var outcomeNames = [...]string{"ok", "cancelled", "back", "timeout", "no", "declined", "failed", "wrong", "blocked", "help"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", uint8(o))
}

// OutcomeByName maps the spec language's outcome names to outcomes.
func OutcomeByName(s string) (Outcome, bool) {
	for i, n := range outcomeNames {
		if n == s {
			return Outcome(i), true
		}
	}
	return 0, false
}

// Mask is a set of outcomes for ON.
func Mask(outs ...Outcome) uint {
	var m uint
	for _, o := range outs {
		m |= 1 << o
	}
	return m
}

func maskString(m uint64) string {
	var s []string
	for i := range outcomeNames {
		if m&(1<<i) != 0 {
			s = append(s, outcomeNames[i])
		}
	}
	if m>>len(outcomeNames) != 0 {
		s = append(s, fmt.Sprintf("rfu(%X)", m>>len(outcomeNames)))
	}
	return strings.Join(s, "|")
}

// CmpOp is a comparison of IFV/IFL.
type CmpOp uint8

// Comparisons; add Numeric to compare digits as numbers.
const (
	CmpEq    CmpOp = 1
	CmpNe    CmpOp = 2
	CmpLt    CmpOp = 3
	CmpLe    CmpOp = 4
	CmpGt    CmpOp = 5
	CmpGe    CmpOp = 6
	CmpTrue  CmpOp = 7
	CmpFalse CmpOp = 8
	Numeric  CmpOp = 0x10
)

var cmpNames = map[CmpOp]string{CmpEq: "==", CmpNe: "!=", CmpLt: "<", CmpLe: "<=", CmpGt: ">", CmpGe: ">=", CmpTrue: "true", CmpFalse: "not"}

func (c CmpOp) String() string {
	s, ok := cmpNames[c&^Numeric]
	if !ok {
		return fmt.Sprintf("cmp(%02X)", uint8(c))
	}
	if c&Numeric != 0 {
		return s + "#"
	}
	return s
}

func (c CmpOp) valid() bool {
	_, ok := cmpNames[c&^Numeric]
	return ok && c&^(Numeric|0x0F) == 0
}

// Instr is one decoded instruction.
type Instr struct {
	PC   int
	Op   Op
	Args []int  // the u and a operands in order (for SIGN: key, into, then the fields)
	Lit  []byte // IFL's literal
	Len  int    // encoded length
}

// Next is the address after the instruction.
func (in Instr) Next() int { return in.PC + in.Len }

// DecodeInstr reads the instruction at pc. Errors name the code offset.
func DecodeInstr(code []byte, pc int) (Instr, error) {
	if pc < 0 || pc >= len(code) {
		return Instr{}, fmt.Errorf("pc %d outside the code (%d bytes)", pc, len(code))
	}
	op := Op(code[pc])
	e, ok := opTable[op]
	if !ok {
		return Instr{}, fmt.Errorf("pc %d: unknown opcode %02X", pc, code[pc])
	}
	in := Instr{PC: pc, Op: op}
	p := pc + 1
	for _, k := range e.operands {
		switch k {
		case kU:
			v, n := binary.Uvarint(code[p:])
			if n <= 0 || v > 1<<24 {
				return Instr{}, fmt.Errorf("pc %d: %s: operand at %d truncated or too large", pc, op, p)
			}
			in.Args = append(in.Args, int(v))
			p += n
		case kA:
			if p+2 > len(code) {
				return Instr{}, fmt.Errorf("pc %d: %s: address at %d truncated", pc, op, p)
			}
			in.Args = append(in.Args, int(binary.BigEndian.Uint16(code[p:])))
			p += 2
		case kB:
			v, n := binary.Uvarint(code[p:])
			if n <= 0 || v > uint64(len(code)) || p+n+int(v) > len(code) {
				return Instr{}, fmt.Errorf("pc %d: %s: literal at %d truncated", pc, op, p)
			}
			in.Lit = append([]byte{}, code[p+n:p+n+int(v)]...)
			p += n + int(v)
		case kN:
			v, n := binary.Uvarint(code[p:])
			if n <= 0 || v > 255 {
				return Instr{}, fmt.Errorf("pc %d: %s: count at %d truncated or above 255", pc, op, p)
			}
			p += n
			for i := 0; i < int(v); i++ {
				x, n := binary.Uvarint(code[p:])
				if n <= 0 || x > 1<<24 {
					return Instr{}, fmt.Errorf("pc %d: %s: field %d at %d truncated", pc, op, i, p)
				}
				in.Args = append(in.Args, int(x))
				p += n
			}
		}
	}
	in.Len = p - pc
	return in, nil
}

// Label is a code address the assembler resolves at Build.
type Label int

// Asm writes bytecode. Addresses are labels; Build resolves them.
type Asm struct {
	code   []byte
	labels []int // address per label, -1 unbound
	fixups []fixup
}

type fixup struct {
	at    int
	label Label
}

// NewLabel returns an unbound label.
func (a *Asm) NewLabel() Label {
	a.labels = append(a.labels, -1)
	return Label(len(a.labels) - 1)
}

// Mark binds l to the current address.
func (a *Asm) Mark(l Label) { a.labels[l] = len(a.code) }

// PC is the current address.
func (a *Asm) PC() int { return len(a.code) }

func (a *Asm) op(o Op, us ...int) {
	a.code = append(a.code, byte(o))
	for _, u := range us {
		a.code = binary.AppendUvarint(a.code, uint64(u))
	}
}

func (a *Asm) addr(l Label) {
	a.fixups = append(a.fixups, fixup{len(a.code), l})
	a.code = append(a.code, 0, 0)
}

// Cmd sends a template (DISPLAY TEXT, PLAY TONE, SET UP CALL, LAUNCH BROWSER, SEND USSD ...).
func (a *Asm) Cmd(tpl int) { a.op(OpCmd, tpl) }

// Input sends GET INPUT; the answer goes into v.
func (a *Asm) Input(tpl, v int) { a.op(OpInput, tpl, v) }

// Inkey sends GET INKEY yes/no; v < 0 makes "no" the outcome OutNo.
func (a *Asm) Inkey(tpl, v int) { a.op(OpInkey, tpl, v+1) }

// Select sends SELECT ITEM; the item identifier goes into the choice var v.
func (a *Asm) Select(tpl, v int) { a.op(OpSelect, tpl, v) }

// Local sends PROVIDE LOCAL INFORMATION; the answer goes into v.
func (a *Asm) Local(tpl, v int) { a.op(OpLocal, tpl, v) }

// SMS sends a SEND SHORT MESSAGE description (one command per segment).
func (a *Asm) SMS(s int) { a.op(OpSMS, s) }

// Menu shows a submenu.
func (a *Asm) Menu(m int) { a.op(OpMenu, m) }

// End ends the session.
func (a *Asm) End() { a.op(OpEnd) }

// Jmp jumps to l.
func (a *Asm) Jmp(l Label) { a.op(OpJmp); a.addr(l) }

// On jumps to l when the pending outcome is in mask (see Mask).
func (a *Asm) On(mask uint, l Label) { a.op(OpOn, int(mask)); a.addr(l) }

// IfVar jumps to orElse when "left op right" is false.
func (a *Asm) IfVar(op CmpOp, left, right int, orElse Label) {
	a.op(OpIfV, int(op), left, right)
	a.addr(orElse)
}

// IfLit jumps to orElse when "left op lit" is false.
func (a *Asm) IfLit(op CmpOp, left int, lit []byte, orElse Label) {
	a.op(OpIfL, int(op), left)
	a.code = binary.AppendUvarint(a.code, uint64(len(lit)))
	a.code = append(a.code, lit...)
	a.addr(orElse)
}

// VerifyPIN checks pin against the card's PIN ref; tries < 0 for none.
func (a *Asm) VerifyPIN(ref byte, pin, tries int) { a.op(OpPIN, int(ref), pin, tries+1) }

// Sign signs the canonical encoding of fields with key into into.
func (a *Asm) Sign(key, into int, fields []int) {
	a.op(OpSign, key, into, len(fields))
	for _, f := range fields {
		a.code = binary.AppendUvarint(a.code, uint64(f))
	}
}

// Count takes the next transaction counter value into v.
func (a *Asm) Count(v int) { a.op(OpCount, v) }

// resolve fills in the addresses.
func (a *Asm) resolve() ([]byte, error) {
	if len(a.code) > 0xFFFF {
		return nil, fmt.Errorf("image: code of %d bytes; addresses take 65535 at most", len(a.code))
	}
	out := append([]byte(nil), a.code...)
	for _, f := range a.fixups {
		at := a.labels[f.label]
		if at < 0 {
			return nil, fmt.Errorf("image: label %d used at pc %d but never marked", f.label, f.at)
		}
		binary.BigEndian.PutUint16(out[f.at:], uint16(at))
	}
	return out, nil
}

// LabelAddr is the address of a marked label, -1 when unmarked.
func (a *Asm) LabelAddr(l Label) int {
	if int(l) < 0 || int(l) >= len(a.labels) {
		return -1
	}
	return a.labels[l]
}
