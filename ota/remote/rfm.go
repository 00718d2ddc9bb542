package remote

import "fmt"

// Instruction codes of the RFM commands (TS 102 226 6.2, TS 102 221 10.1.2, TS 51.011 9.2).
const (
	INSSelect         byte = 0xA4
	INSReadBinary     byte = 0xB0
	INSUpdateBinary   byte = 0xD6
	INSReadRecord     byte = 0xB2
	INSUpdateRecord   byte = 0xDC
	INSSearchRecord   byte = 0xA2
	INSIncrease       byte = 0x32
	INSVerifyPIN      byte = 0x20
	INSChangePIN      byte = 0x24
	INSDisablePIN     byte = 0x26
	INSEnablePIN      byte = 0x28
	INSUnblockPIN     byte = 0x2C
	INSDeactivateFile byte = 0x04
	INSActivateFile   byte = 0x44
	INSGetResponse    byte = 0xC0
)

// Record modes (TS 102 221 11.1.5, TS 51.011 9.2.4): P2 of READ/UPDATE RECORD.
const (
	RecordNext     byte = 0x02
	RecordPrevious byte = 0x03
	RecordAbsolute byte = 0x04
)

// Dialect says which command set a TAR speaks: the GSM SIM one (TS 51.011, CLA A0) or the UICC
// one (TS 102 221, CLA 00). The CLA follows from it.
type Dialect byte

// Dialects.
const (
	SIM  Dialect = Dialect(CLASIM)
	UICC Dialect = Dialect(CLAUICC)
)

func (d Dialect) cla() byte { return byte(d) }

// SelectFID selects a file by identifier: A0 A4 00 00 02 FID on a SIM; 00 A4 00 04 02 FID on a
// UICC, asking for the FCP (TS 102 221 11.1.1).
func SelectFID(d Dialect, fid uint16) CommandAPDU {
	c := CommandAPDU{CLA: d.cla(), INS: INSSelect, Data: []byte{byte(fid >> 8), byte(fid)}}
	if d == UICC {
		c.P2 = 0x04
	}
	return c
}

// SelectPath selects a file by its path from the MF (the path may start with 3F00). A UICC takes
// it in one command, P1 08 with the path less 3F00 (TS 102 221 11.1.1.2); a SIM has no path
// selection, so the result is one SELECT per level starting from the MF (TS 51.011 9.2.1).
func SelectPath(d Dialect, path ...uint16) ([]CommandAPDU, error) {
	if len(path) > 0 && path[0] == 0x3F00 {
		path = path[1:]
	}
	if len(path) == 0 {
		return []CommandAPDU{SelectFID(d, 0x3F00)}, nil
	}
	if d == SIM {
		out := []CommandAPDU{SelectFID(d, 0x3F00)}
		for _, fid := range path {
			out = append(out, SelectFID(d, fid))
		}
		return out, nil
	}
	if len(path) > 127 {
		return nil, errorf(ErrTooLong, "path", 0, "%d levels", len(path))
	}
	data := make([]byte, 0, 2*len(path))
	for _, fid := range path {
		if fid == 0x3F00 {
			return nil, errorf(ErrInvalid, "path", 0, "3F00 inside the path")
		}
		data = append(data, byte(fid>>8), byte(fid))
	}
	return []CommandAPDU{{CLA: d.cla(), INS: INSSelect, P1: 0x08, P2: 0x04, Data: data}}, nil
}

// ReadBinary reads n octets (0 = 256) at offset of the current transparent EF (TS 102 221
// 11.1.3; offset 15 bits).
func ReadBinary(d Dialect, offset uint16, n byte) (CommandAPDU, error) {
	if offset > 0x7FFF {
		return CommandAPDU{}, errorf(ErrInvalid, "offset", 0, "%d exceeds 15 bits", offset)
	}
	return CommandAPDU{CLA: d.cla(), INS: INSReadBinary, P1: byte(offset >> 8), P2: byte(offset), Le: n, HasLe: true}, nil
}

// UpdateBinary writes data at offset of the current transparent EF (TS 102 221 11.1.4).
func UpdateBinary(d Dialect, offset uint16, data []byte) (CommandAPDU, error) {
	if offset > 0x7FFF {
		return CommandAPDU{}, errorf(ErrInvalid, "offset", 0, "%d exceeds 15 bits", offset)
	}
	if len(data) == 0 || len(data) > 255 {
		return CommandAPDU{}, errorf(ErrInvalid, "data", 0, "%d octets, 1..255", len(data))
	}
	return CommandAPDU{CLA: d.cla(), INS: INSUpdateBinary, P1: byte(offset >> 8), P2: byte(offset), Data: data}, nil
}

// ReadRecord reads record rec of the current EF in mode (RecordAbsolute, RecordNext, ...), n
// octets (TS 102 221 11.1.5).
func ReadRecord(d Dialect, rec, mode, n byte) CommandAPDU {
	return CommandAPDU{CLA: d.cla(), INS: INSReadRecord, P1: rec, P2: mode, Le: n, HasLe: true}
}

// UpdateRecord writes record rec in mode (TS 102 221 11.1.6). A cyclic file takes
// RecordPrevious with rec 0.
func UpdateRecord(d Dialect, rec, mode byte, data []byte) (CommandAPDU, error) {
	if len(data) == 0 || len(data) > 255 {
		return CommandAPDU{}, errorf(ErrInvalid, "data", 0, "%d octets, 1..255", len(data))
	}
	return CommandAPDU{CLA: d.cla(), INS: INSUpdateRecord, P1: rec, P2: mode, Data: data}, nil
}

// SearchRecord looks for pattern in the current linear fixed or cyclic EF, forward from the
// first record: SEEK type 1 on a SIM (TS 51.011 9.2.5, P2 00), SEARCH RECORD simple search from
// record 1 on a UICC (TS 102 221 11.1.7, P1 01 P2 04).
func SearchRecord(d Dialect, pattern []byte) (CommandAPDU, error) {
	if len(pattern) == 0 || len(pattern) > 255 {
		return CommandAPDU{}, errorf(ErrInvalid, "pattern", 0, "%d octets, 1..255", len(pattern))
	}
	c := CommandAPDU{CLA: d.cla(), INS: INSSearchRecord, Data: pattern}
	if d == UICC {
		c.P1, c.P2 = 0x01, 0x04
	}
	return c, nil
}

// Increase adds a 3-octet value to the current cyclic EF's last record (TS 51.011 9.2.7; on a
// UICC the command is proprietary class 80, TS 102 221 11.1.8).
func Increase(d Dialect, value [3]byte) CommandAPDU {
	cla := d.cla()
	if d == UICC {
		cla = CLAProprietary
	}
	return CommandAPDU{CLA: cla, INS: INSIncrease, Data: value[:]}
}

// pinBlock is a PIN as 8 octets: ASCII digits padded with FF (TS 102 221 9.5.1).
func pinBlock(field, pin string) ([]byte, error) {
	if len(pin) < 4 || len(pin) > 8 {
		return nil, errorf(ErrInvalid, field, 0, "%d digits, 4..8", len(pin))
	}
	b := []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return nil, errorf(ErrInvalid, field, i, "not a digit: %q", pin[i])
		}
		b[i] = pin[i]
	}
	return b, nil
}

// PIN references (TS 102 221 9.5.1, TS 51.011 9.2.9): P2 of the PIN commands.
const (
	PIN1         byte = 0x01 // PIN1 / CHV1
	CHV2         byte = 0x02 // SIM CHV2
	PIN2         byte = 0x81 // UICC second PIN, local
	ADM1         byte = 0x0A
	UniversalPIN byte = 0x11
)

// VerifyPIN presents a PIN (TS 102 221 11.1.9, TS 51.011 9.2.9).
func VerifyPIN(d Dialect, ref byte, pin string) (CommandAPDU, error) {
	b, err := pinBlock("pin", pin)
	if err != nil {
		return CommandAPDU{}, err
	}
	return CommandAPDU{CLA: d.cla(), INS: INSVerifyPIN, P2: ref, Data: b}, nil
}

// ChangePIN replaces a PIN: old then new, 8 octets each (TS 102 221 11.1.10).
func ChangePIN(d Dialect, ref byte, oldPIN, newPIN string) (CommandAPDU, error) {
	o, err := pinBlock("old_pin", oldPIN)
	if err != nil {
		return CommandAPDU{}, err
	}
	n, err := pinBlock("new_pin", newPIN)
	if err != nil {
		return CommandAPDU{}, err
	}
	return CommandAPDU{CLA: d.cla(), INS: INSChangePIN, P2: ref, Data: append(o, n...)}, nil
}

// DisablePIN switches PIN verification off (TS 102 221 11.1.11, P1 00: no replacement).
func DisablePIN(d Dialect, ref byte, pin string) (CommandAPDU, error) {
	b, err := pinBlock("pin", pin)
	if err != nil {
		return CommandAPDU{}, err
	}
	return CommandAPDU{CLA: d.cla(), INS: INSDisablePIN, P2: ref, Data: b}, nil
}

// EnablePIN switches PIN verification on (TS 102 221 11.1.12).
func EnablePIN(d Dialect, ref byte, pin string) (CommandAPDU, error) {
	b, err := pinBlock("pin", pin)
	if err != nil {
		return CommandAPDU{}, err
	}
	return CommandAPDU{CLA: d.cla(), INS: INSEnablePIN, P2: ref, Data: b}, nil
}

// UnblockPIN resets a blocked PIN with its unblock key: PUK then new PIN, 8 octets each (TS 102
// 221 11.1.13). On a SIM, CHV1 is named by P2 00 (TS 51.011 9.2.12).
func UnblockPIN(d Dialect, ref byte, puk, newPIN string) (CommandAPDU, error) {
	k, err := pinBlock("puk", puk)
	if err != nil {
		return CommandAPDU{}, err
	}
	n, err := pinBlock("new_pin", newPIN)
	if err != nil {
		return CommandAPDU{}, err
	}
	if d == SIM && ref == PIN1 {
		ref = 0x00
	}
	return CommandAPDU{CLA: d.cla(), INS: INSUnblockPIN, P2: ref, Data: append(k, n...)}, nil
}

// DeactivateFile invalidates the current EF (TS 102 221 11.1.14; INVALIDATE in TS 51.011 9.2.13).
func DeactivateFile(d Dialect) CommandAPDU {
	return CommandAPDU{CLA: d.cla(), INS: INSDeactivateFile}
}

// ActivateFile rehabilitates the current EF (TS 102 221 11.1.15; REHABILITATE in TS 51.011).
func ActivateFile(d Dialect) CommandAPDU {
	return CommandAPDU{CLA: d.cla(), INS: INSActivateFile}
}

// GetResponse fetches n octets of response data (TS 102 221 11.1.2).
func GetResponse(d Dialect, n byte) CommandAPDU {
	return CommandAPDU{CLA: d.cla(), INS: INSGetResponse, Le: n, HasLe: true}
}

// commandNames names the INS codes for listings.
var commandNames = map[byte]string{
	INSSelect: "SELECT", INSReadBinary: "READ BINARY", INSUpdateBinary: "UPDATE BINARY",
	INSReadRecord: "READ RECORD", INSUpdateRecord: "UPDATE RECORD", INSSearchRecord: "SEARCH RECORD",
	INSIncrease: "INCREASE", INSVerifyPIN: "VERIFY PIN", INSChangePIN: "CHANGE PIN",
	INSDisablePIN: "DISABLE PIN", INSEnablePIN: "ENABLE PIN", INSUnblockPIN: "UNBLOCK PIN",
	INSDeactivateFile: "DEACTIVATE FILE", INSActivateFile: "ACTIVATE FILE", INSGetResponse: "GET RESPONSE",
	INSInstall: "INSTALL", INSLoad: "LOAD", INSDelete: "DELETE", INSGetStatus: "GET STATUS",
	INSGetData: "GET DATA", INSPutKey: "PUT KEY", INSSetStatus: "SET STATUS", INSStoreData: "STORE DATA",
}

// Name is the command's name for listings, with the INSTALL variant from P1 (GlobalPlatform
// 11.5.2.1).
func (c CommandAPDU) Name() string {
	n, ok := commandNames[c.INS]
	if !ok {
		return fmt.Sprintf("INS %02X", c.INS)
	}
	if c.INS == INSInstall {
		if v, ok := installNames[c.P1]; ok {
			n += " [" + v + "]"
		}
	}
	return n
}
