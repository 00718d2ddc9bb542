package cat_test

import (
	"fmt"

	"github.com/stkforge/stkforge/stk/cat"
	"github.com/stkforge/stkforge/stk/text"
)

func ExampleDisplayText_Marshal() {
	c := &cat.DisplayText{
		CommandHeader: cat.CommandHeader{Number: 1, Qualifier: cat.DisplayTextWaitForUser, Destination: cat.DeviceDisplay},
		Text:          cat.TextString{DCS: 0x04, Text: "Toolkit Test 1"},
	}
	b, err := c.Marshal()
	fmt.Printf("%X %v\n", b, err)
	// Output: D01A8103012180820281028D0F04546F6F6C6B697420546573742031 <nil>
}

func ExampleUnmarshalCommand() {
	b, _ := cat.ParseHex("D0 3B 81 03 01 25 80 82 02 81 82 85 0C 54 6F 6F 6C 6B 69 74 20 4D 65 6E 75" +
		"8F 07 01 49 74 65 6D 20 31 8F 07 02 49 74 65 6D 20 32 8F 07 03 49 74 65 6D 20 33 8F 07 04 49 74 65 6D 20 34")
	c, err := cat.UnmarshalCommand(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := c.(*cat.SetUpMenu)
	fmt.Println(m.Type(), m.Alpha.Text, len(m.Items), m.Items[0].Text, m.Help())
	// Output: SET UP MENU Toolkit Menu 4 Item 1 true
}

func ExampleTerminalResponse_Unmarshal() {
	b, _ := cat.ParseHex("81030221010202828183022001")
	var tr cat.TerminalResponse
	if err := tr.Unmarshal(b); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %s (%s)\n", tr.Details.Type, tr.Result.General, tr.Result.AdditionalMeaning())
	// Output: DISPLAY TEXT: terminal currently unable to process command (screen is busy)
}

func ExampleDump() {
	item := cat.Item{Identifier: 1, Alpha: text.Alpha{Text: "支付", Format: text.AlphaUCS2}}
	b, _ := (&cat.SetUpMenu{
		CommandHeader: cat.CommandHeader{Number: 1, Destination: cat.DeviceTerminal},
		Alpha:         cat.AlphaIdentifier{Alpha: text.Alpha{Text: "Bank"}},
		Items:         []cat.Item{item},
	}).Marshal()
	d, _ := cat.Dump(b)
	fmt.Print(d)
	// Output:
	// offset  bytes                                            meaning
	// 0000    D0 17                                            SET UP MENU (proactive command, BER-TLV D0, 23 bytes)
	// 0002    81 03 01 25 00                                   Command details: number 1, type 25 SET UP MENU, qualifier 00
	// 0007    82 02 81 82                                      Device identities: UICC -> Terminal
	// 000B    85 04 42 61 6E 6B                                Alpha identifier: text="Bank" format="gsm"
	// 0011    8F 06 01 80 65 2F 4E D8                          Item: id=1 text="支付" format="ucs2"
}
