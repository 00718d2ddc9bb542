package cat

import (
	"bytes"
	"math/rand"
	"reflect"
	"testing"

	"github.com/stkforge/stkforge/stk/text"
)

// gen fills typed values with random but valid contents, per Go type.
type gen struct{ r *rand.Rand }

var (
	gsmWords  = []string{"Pay", "Balance", "Transfer 100.00", "Menu", "PIN?", "OK [1]", "€5", "a_b", "Top-up @ 9"}
	cjkWords  = []string{"支付", "余额查询", "转账", "银行"}
	cyrWords  = []string{"Баланс", "Платёж", "ЗДРАВСТВУЙ"}
	dialChars = "0123456789*#"
)

func (g gen) pick(s []string) string { return s[g.r.Intn(len(s))] }
func (g gen) bytes(min, max int) []byte {
	b := make([]byte, min+g.r.Intn(max-min+1))
	g.r.Read(b)
	return b
}
func (g gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = dialChars[g.r.Intn(len(dialChars))]
	}
	return string(b)
}

func (g gen) alpha() text.Alpha {
	switch g.r.Intn(4) {
	case 0:
		return text.Alpha{Text: g.pick(cjkWords), Format: text.AlphaUCS2}
	case 1:
		return text.Alpha{Text: g.pick(cyrWords), Format: text.AlphaUCS2Base81, Base: 0x0400}
	case 2:
		return text.Alpha{Text: g.pick(cyrWords) + " 1", Format: text.AlphaUCS2Base82, Base: 0x0410}
	}
	return text.Alpha{Text: g.pick(gsmWords), Pad: g.r.Intn(3)}
}

func (g gen) textString() TextString {
	switch g.r.Intn(4) {
	case 0:
		return TextString{DCS: 0x08, Text: g.pick(cjkWords)}
	case 1:
		return TextString{DCS: 0x04, Text: g.pick(gsmWords)}
	}
	return TextString{DCS: 0x00, Text: g.pick(gsmWords)}
}

// value returns a random valid value of type t (a Value's element type).
func (g gen) value(t reflect.Type) reflect.Value {
	r := g.r
	var v any
	switch t {
	case reflect.TypeOf(AlphaIdentifier{}):
		v = AlphaIdentifier{g.alpha()}
	case reflect.TypeOf(Item{}):
		v = Item{Identifier: byte(1 + r.Intn(255)), Alpha: g.alpha()}
	case reflect.TypeOf(TextString{}):
		v = g.textString()
	case reflect.TypeOf(DefaultText{}):
		v = DefaultText{g.textString()}
	case reflect.TypeOf(Address{}):
		v = Address{TONNPI: []byte{0x81, 0x91}[r.Intn(2)], Number: g.digits(1 + r.Intn(20))}
	case reflect.TypeOf(SSString{}):
		v = SSString{TONNPI: 0x91, String: "**21*" + g.digits(r.Intn(12)) + "#"}
	case reflect.TypeOf(USSDString{}):
		if r.Intn(2) == 0 {
			v = USSDString{DCS: 0x48, Text: g.pick(cjkWords)}
		} else {
			v = USSDString{DCS: 0x0F, Text: "*100#" + g.pick(gsmWords)}
		}
	case reflect.TypeOf(Duration{}):
		v = Duration{TimeUnit(r.Intn(3)), byte(1 + r.Intn(255))}
	case reflect.TypeOf(Tone{}):
		v = Tone{[]byte{0x01, 0x02, 0x10, 0x11, 0x12}[r.Intn(5)]}
	case reflect.TypeOf(ItemIdentifier{}):
		v = ItemIdentifier{byte(1 + r.Intn(255))}
	case reflect.TypeOf(TimerIdentifier{}):
		v = TimerIdentifier{byte(1 + r.Intn(8))}
	case reflect.TypeOf(FrameIdentifier{}):
		v = FrameIdentifier{byte(r.Intn(16))}
	case reflect.TypeOf(ResponseLength{}):
		min := byte(r.Intn(10))
		v = ResponseLength{min, min + byte(r.Intn(100))}
	case reflect.TypeOf(FileList{}):
		var fs [][]byte
		for i := 0; i <= r.Intn(3); i++ {
			fs = append(fs, []byte{0x3F, 0x00, 0x7F, byte(0x10 + i), 0x6F, byte(r.Intn(256))})
		}
		v = FileList{fs}
	case reflect.TypeOf(EventList{}):
		ev := make([]Event, r.Intn(5))
		for i := range ev {
			ev[i] = Event(r.Intn(12))
		}
		v = EventList{ev}
	case reflect.TypeOf(ItemsNextActionIndicator{}):
		a := make([]CommandType, 1+r.Intn(5))
		for i := range a {
			a[i] = []CommandType{TypeDisplayText, TypeGetInput, TypeSendShortMessage, TypeEndOfSession}[r.Intn(4)]
		}
		v = ItemsNextActionIndicator{a}
	case reflect.TypeOf(IconIdentifier{}):
		v = IconIdentifier{byte(r.Intn(2)), byte(1 + r.Intn(20))}
	case reflect.TypeOf(ItemIconIdentifierList{}):
		v = ItemIconIdentifierList{byte(r.Intn(2)), g.bytes(1, 6)}
	case reflect.TypeOf(TimerValue{}):
		v = TimerValue{byte(r.Intn(24)), byte(r.Intn(60)), byte(r.Intn(60))}
	case reflect.TypeOf(Language{}):
		v = Language{g.pick([]string{"en", "zh", "de", "fr"})}
	case reflect.TypeOf(BrowserIdentity{}):
		v = BrowserIdentity{byte(r.Intn(5))}
	case reflect.TypeOf(URL{}):
		v = URL{g.pick([]string{"", "http://pay.example/x?a=1", "https://bank.example/"})}
	case reflect.TypeOf(Bearer{}):
		v = Bearer{g.bytes(1, 4)}
	case reflect.TypeOf(TextAttribute{}), reflect.TypeOf(ItemTextAttributeList{}):
		fs := make([]TextFormat, 1+r.Intn(3))
		for i := range fs {
			fs[i] = TextFormat{byte(r.Intn(50)), byte(r.Intn(50)), byte(r.Intn(256)) &^ 0x0C, byte(r.Intn(256))}
		}
		if t == reflect.TypeOf(TextAttribute{}) {
			v = TextAttribute{fs}
		} else {
			v = ItemTextAttributeList{TextAttribute{fs}}
		}
	case reflect.TypeOf(Result{}):
		v = Result{General: GeneralResult(r.Intn(0x3E)), Additional: g.bytes(0, 2)}
	case reflect.TypeOf(LocationInformation{}):
		v = LocationInformation{MCC: "460", MNC: []string{"00", "001"}[r.Intn(2)], LAC: uint16(r.Intn(65536)), CellID: g.bytes(2, 2)}
	case reflect.TypeOf(IMEI{}):
		v = IMEI{Digits: g.digits(0)[:0] + "35209900176148" + string(rune('0'+r.Intn(10))), Type: 0x0A}
	case reflect.TypeOf(DateTimeAndTimeZone{}):
		v = DateTimeAndTimeZone{26, byte(1 + r.Intn(12)), byte(1 + r.Intn(28)), byte(r.Intn(24)), byte(r.Intn(60)), byte(r.Intn(60)), []byte{0x23, 0x80, 0xFF, 0x0A}[r.Intn(4)]}
	case reflect.TypeOf(AccessTechnology{}):
		v = AccessTechnology{g.bytes(1, 2)}
	case reflect.TypeOf(DeviceIdentities{}):
		v = DeviceIdentities{Device([]byte{0x01, 0x02, 0x82, 0x83}[r.Intn(4)]), DeviceUICC}
	case reflect.TypeOf(AID{}):
		v = AID{RawValue{g.bytes(5, 16)}}
	case reflect.TypeOf(LocationStatus{}):
		v = LocationStatus{byte(r.Intn(3))}
	case reflect.TypeOf(BrowserTerminationCause{}):
		v = BrowserTerminationCause{byte(r.Intn(2))}
	default:
		// Raw-valued objects (RawValue and the types embedding it).
		x := reflect.New(t).Elem()
		raw := x.FieldByName("Data")
		if !raw.IsValid() {
			panic("no generator for " + t.String())
		}
		raw.SetBytes(g.bytes(0, 24))
		return x
	}
	return reflect.ValueOf(v)
}

// fill sets every field of the struct p points to: pointers are nil half of the time, lists
// get 0..4 entries (at least one item), flags are random, header fields random.
func (g gen) fill(p any) {
	s := reflect.ValueOf(p).Elem()
	for i := 0; i < s.NumField(); i++ {
		f, sf := s.Field(i), s.Type().Field(i)
		switch {
		case sf.Name == "Extra" || sf.Name == "CommandType":
		case sf.Name == "CommandHeader":
			f.Set(reflect.ValueOf(CommandHeader{Number: byte(g.r.Intn(256)), Qualifier: byte(g.r.Intn(256)),
				Destination: Device([]byte{0x02, 0x82, 0x83}[g.r.Intn(3)])}))
		case sf.Name == "Details":
			f.Set(reflect.ValueOf(CommandDetails{byte(g.r.Intn(256)), TypeDisplayText, byte(g.r.Intn(256))}))
		case f.Kind() == reflect.Bool:
			f.SetBool(g.r.Intn(2) == 0)
		case f.Kind() == reflect.Pointer:
			if g.r.Intn(2) == 0 {
				pv := reflect.New(f.Type().Elem())
				pv.Elem().Set(g.value(f.Type().Elem()))
				f.Set(pv)
			}
		case f.Kind() == reflect.Slice:
			n := g.r.Intn(5)
			if sf.Name == "Items" {
				n++
			}
			if n == 0 {
				continue
			}
			sl := reflect.MakeSlice(f.Type(), n, n)
			for k := 0; k < n; k++ {
				sl.Index(k).Set(g.value(f.Type().Elem()))
			}
			f.Set(sl)
		default:
			f.Set(g.value(f.Type()))
		}
	}
}

func TestRandomCommandsRoundTrip(t *testing.T) {
	g := gen{rand.New(rand.NewSource(1))}
	for ct, newc := range newCommand {
		for i := 0; i < 200; i++ {
			c := newc()
			g.fill(c)
			if sc, ok := c.(*SetUpCall); ok {
				if sc.ConfirmationAlpha == nil {
					sc.SetUpAlpha = nil
				}
				if sc.ConfirmationIcon == nil {
					sc.SetUpIcon = nil
				}
				if sc.ConfirmationTextAttribute == nil {
					sc.SetUpTextAttribute = nil
				}
			}
			b, err := c.Marshal()
			if err != nil {
				t.Fatalf("%s: marshal %+v: %v", ct, c, err)
			}
			back := newc()
			if err := back.Unmarshal(b); err != nil {
				t.Fatalf("%s: unmarshal %X: %v", ct, b, err)
			}
			if !reflect.DeepEqual(c, back) {
				t.Fatalf("%s: round trip differs\n got %+v\nwant %+v\nbytes %X", ct, back, c, b)
			}
			any, err := UnmarshalCommand(b)
			if err != nil || reflect.TypeOf(any) != reflect.TypeOf(c) {
				t.Fatalf("%s: UnmarshalCommand gives %T, %v", ct, any, err)
			}
			checkPrefixes(t, b)
			checkJSON(t, b)
		}
	}
}

func TestRandomEnvelopesAndResponsesRoundTrip(t *testing.T) {
	g := gen{rand.New(rand.NewSource(2))}
	news := []func() interface {
		Marshal() ([]byte, error)
		Unmarshal([]byte) error
	}{}
	for _, f := range newEnvelope {
		f := f
		news = append(news, func() interface {
			Marshal() ([]byte, error)
			Unmarshal([]byte) error
		} {
			return f()
		})
	}
	news = append(news, func() interface {
		Marshal() ([]byte, error)
		Unmarshal([]byte) error
	} {
		return new(TerminalResponse)
	})
	for _, f := range news {
		for i := 0; i < 200; i++ {
			x := f()
			g.fill(x)
			if cc, ok := x.(*CallControl); ok && cc.CapabilityConfiguration == nil {
				cc.CapabilityConfiguration2 = nil
			}
			if ev, ok := x.(*EventDownload); ok {
				ev.Events.Events = []Event{Event(g.r.Intn(12))}
			}
			b, err := x.Marshal()
			if err != nil {
				t.Fatalf("%T: marshal: %v", x, err)
			}
			back := f()
			if err := back.Unmarshal(b); err != nil {
				t.Fatalf("%T: unmarshal %X: %v", x, b, err)
			}
			if !reflect.DeepEqual(x, back) {
				t.Fatalf("%T: round trip differs\n got %+v\nwant %+v\nbytes %X", x, back, x, b)
			}
			checkPrefixes(t, b)
			checkJSON(t, b)
		}
	}
}

// checkPrefixes asserts that every strict prefix of a valid encoding fails to decode, with an
// error and without a panic.
func checkPrefixes(t *testing.T, b []byte) {
	t.Helper()
	for n := 0; n < len(b); n++ {
		if m, err := Decode(b[:n]); err == nil {
			// A terminal response has no outer length: a prefix ending on an element boundary
			// is itself well formed, but then it must be a different (shorter) message.
			if b[0] >= 0xD0 || !bytes.Equal(mustMarshal(t, m), b[:n]) {
				t.Fatalf("prefix %X of %X decodes", b[:n], b)
			}
		}
	}
}

func mustMarshal(t *testing.T, m *Message) []byte {
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkJSON asserts FromJSON(JSON(b)) == b.
func checkJSON(t *testing.T, b []byte) {
	t.Helper()
	j, err := JSON(b)
	if err != nil {
		t.Fatalf("JSON(%X): %v", b, err)
	}
	back, err := FromJSON(j)
	if err != nil || !bytes.Equal(back, b) {
		t.Fatalf("FromJSON: %X, %v; want %X\n%s", back, err, b, j)
	}
}
