package cat

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// object is a JSON object that keeps its keys in insertion order, so the JSON form reads in the
// order of the spec's tables and golden files are stable.
type object struct {
	keys []string
	vals []any
}

func (o *object) set(k string, v any) {
	for i, kk := range o.keys {
		if kk == k {
			o.vals[i] = v
			return
		}
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

func (o *object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := marshalNoEscape(o.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshalNoEscape is json.Marshal without HTML escaping, so texts like "<OK>" stay readable.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func hexString(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// fields is a JSON object as read back by the encoder; its accessors name the key in errors.
type fields map[string]json.RawMessage

func (f fields) has(k string) bool { _, ok := f[k]; return ok }

func (f fields) str(k string) (string, bool, error) {
	raw, ok := f[k]
	if !ok {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, fmt.Errorf("%s: want a string, got %s", k, raw)
	}
	return s, true, nil
}

func (f fields) mustStr(k string) (string, error) {
	s, ok, err := f.str(k)
	if err == nil && !ok {
		err = fmt.Errorf("%s: missing", k)
	}
	return s, err
}

func (f fields) boolean(k string) (bool, bool, error) {
	raw, ok := f[k]
	if !ok {
		return false, false, nil
	}
	var v bool
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, true, fmt.Errorf("%s: want true or false, got %s", k, raw)
	}
	return v, true, nil
}

// uint reads a number 0..max, also accepted as a string "0x1F" or "1F" hex.
func (f fields) uint(k string, max uint64) (uint64, bool, error) {
	raw, ok := f[k]
	if !ok {
		return 0, false, nil
	}
	var n uint64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, true, fmt.Errorf("%s: want a number 0..%d, got %s", k, max, raw)
	}
	if n > max {
		return 0, true, fmt.Errorf("%s: %d is more than %d", k, n, max)
	}
	return n, true, nil
}

func (f fields) mustByte(k string) (byte, error) {
	n, ok, err := f.uint(k, 255)
	if err == nil && !ok {
		err = fmt.Errorf("%s: missing", k)
	}
	return byte(n), err
}

func (f fields) hexBytes(k string) ([]byte, bool, error) {
	s, ok, err := f.str(k)
	if !ok || err != nil {
		return nil, ok, err
	}
	b, err := ParseHex(s)
	if err != nil {
		return nil, true, fmt.Errorf("%s: %v", k, err)
	}
	return b, true, nil
}

func (f fields) mustHex(k string) ([]byte, error) {
	b, ok, err := f.hexBytes(k)
	if err == nil && !ok {
		err = fmt.Errorf("%s: missing", k)
	}
	return b, err
}

// hexByte reads a one-byte code written as two hex digits ("80").
func (f fields) hexByte(k string) (byte, bool, error) {
	s, ok, err := f.str(k)
	if !ok || err != nil {
		return 0, ok, err
	}
	v, err := parseHexByte(s)
	if err != nil {
		return 0, true, fmt.Errorf("%s: %v", k, err)
	}
	return v, true, nil
}

func parseHexByte(s string) (byte, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	v, err := strconv.ParseUint(s, 16, 8)
	if err != nil || len(s) == 0 || len(s) > 2 {
		return 0, fmt.Errorf("%q is not a hex byte", s)
	}
	return byte(v), nil
}

func (f fields) strList(k string) ([]string, bool, error) {
	raw, ok := f[k]
	if !ok {
		return nil, false, nil
	}
	var v []string
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, true, fmt.Errorf("%s: want a list of strings, got %s", k, raw)
	}
	return v, true, nil
}

// codeList reads a list of names or hex codes through a name table.
func (f fields) codeList(k string, tab *nameTable) ([]byte, error) {
	ss, _, err := f.strList(k)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(ss))
	for i, s := range ss {
		v, err := tab.parse(s)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %v", k, i, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// nameTable names the values of a one-byte code; unnamed values print as two hex digits.
type nameTable struct {
	names  [256]string
	byName map[string]byte
}

func newNameTable(m map[byte]string) *nameTable {
	t := &nameTable{byName: make(map[string]byte, len(m))}
	for k, v := range m {
		t.names[k] = v
		t.byName[strings.ToLower(v)] = k
	}
	return t
}

func (t *nameTable) name(v byte) string {
	if n := t.names[v]; n != "" {
		return n
	}
	return fmt.Sprintf("%02X", v)
}

func (t *nameTable) named(v byte) bool { return t.names[v] != "" }

func (t *nameTable) parse(s string) (byte, error) {
	if v, ok := t.byName[strings.ToLower(s)]; ok {
		return v, nil
	}
	if v, err := parseHexByte(s); err == nil {
		return v, nil
	}
	return 0, fmt.Errorf("%q is neither a known name nor a hex byte", s)
}

func (f fields) code(k string, tab *nameTable) (byte, bool, error) {
	s, ok, err := f.str(k)
	if !ok || err != nil {
		return 0, ok, err
	}
	v, err := tab.parse(s)
	if err != nil {
		return 0, true, fmt.Errorf("%s: %v", k, err)
	}
	return v, true, nil
}

func (f fields) mustCode(k string, tab *nameTable) (byte, error) {
	v, ok, err := f.code(k, tab)
	if err == nil && !ok {
		err = fmt.Errorf("%s: missing", k)
	}
	return v, err
}

// ParseHex reads hex digits, ignoring spaces, tabs, newlines and colons between them.
func ParseHex(s string) ([]byte, error) {
	out := make([]byte, 0, len(s)/2)
	var hi int = -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'a' && c <= 'f':
			v = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			v = int(c-'A') + 10
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':':
			continue
		default:
			return nil, fmt.Errorf("hex: character %q at position %d is not a hex digit", c, i)
		}
		if hi < 0 {
			hi = v
		} else {
			out = append(out, byte(hi<<4|v))
			hi = -1
		}
	}
	if hi >= 0 {
		return nil, fmt.Errorf("hex: odd number of digits")
	}
	return out, nil
}
