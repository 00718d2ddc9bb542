package cat

import (
	"fmt"
	"strings"
)

// Dump returns an annotated hexdump of a message: per line the offset, the bytes of one TLV
// (wrapped at 16) and what they mean, so a reader can follow the bytes as Wireshark shows them.
func Dump(b []byte) (string, error) {
	m, err := Decode(b)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.WriteString("offset  bytes                                            meaning\n")
	first := 0
	switch m.Kind {
	case KindTerminalResponse:
		fmt.Fprintf(&sb, "%-8s%-47s  %s (no BER-TLV wrapper, %d bytes)\n", "", "", m.Name(), len(b))
	default:
		first = len(b) - bodyLen(m)
		what := "envelope"
		if m.Kind == KindProactiveCommand {
			what = "proactive command"
		}
		dumpLine(&sb, 0, b[:first], fmt.Sprintf("%s (%s, BER-TLV %02X, %d bytes)", m.Name(), what, m.BERTag, bodyLen(m)))
	}
	rules, _, _ := m.rules()
	for i := range m.Elements {
		e := &m.Elements[i]
		end := e.Offset + headerLen(e) + len(e.Value)
		o, err := m.elementJSON(e, rules)
		if err != nil {
			return "", rename(err, m.Name()+"."+elementName(e.Tag))
		}
		dumpLine(&sb, e.Offset, b[e.Offset:end], summary(e, o, m, i))
	}
	return sb.String(), nil
}

func bodyLen(m *Message) int {
	n := 0
	for i := range m.Elements {
		n += headerLen(&m.Elements[i]) + len(m.Elements[i].Value)
	}
	return n
}

func summary(e *Element, o *object, m *Message, i int) string {
	var parts []string
	name := ""
	for k, key := range o.keys {
		v := o.vals[k]
		switch key {
		case "element":
			name = v.(string)
			continue
		case "tag":
			name = "unknown element " + v.(string)
			continue
		}
		j, _ := marshalNoEscape(v)
		parts = append(parts, key+"="+string(j))
	}
	if m.Kind != KindEnvelope && i == 0 {
		d := m.Details()
		q := fmt.Sprintf("%02X", d.Qualifier)
		if ci := commands[d.Type]; ci != nil {
			var named []string
			for _, f := range ci.qual {
				if f.names == nil && d.Qualifier&f.mask != 0 {
					named = append(named, f.key)
				} else if f.names != nil {
					named = append(named, f.names.name(d.Qualifier&f.mask))
				}
			}
			if len(named) > 0 {
				q += " (" + strings.Join(named, ", ") + ")"
			}
		}
		return fmt.Sprintf("%s: number %d, type %02X %s, qualifier %s", name, d.Number, byte(d.Type), d.Type, q)
	}
	if e.Tag == TagDeviceIdentities && len(e.Value) == 2 && !e.ThreeByte {
		d := DeviceIdentities{Device(e.Value[0]), Device(e.Value[1])}
		s := fmt.Sprintf("%s: %s -> %s", name, d.Source, d.Destination)
		if !e.CR {
			s += " (CR clear)"
		}
		return s
	}
	return name + ": " + strings.Join(parts, " ")
}

func dumpLine(sb *strings.Builder, off int, b []byte, meaning string) {
	for i := 0; i < len(b) || i == 0; i += 16 {
		end := min(i+16, len(b))
		hx := make([]string, 0, 16)
		for _, c := range b[i:end] {
			hx = append(hx, fmt.Sprintf("%02X", c))
		}
		if i == 0 {
			fmt.Fprintf(sb, "%04X    %-47s  %s\n", off+i, strings.Join(hx, " "), meaning)
		} else {
			fmt.Fprintf(sb, "%04X    %s\n", off+i, strings.Join(hx, " "))
		}
	}
}
