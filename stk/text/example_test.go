package text_test

import (
	"fmt"

	"github.com/stkforge/stkforge/stk/text"
)

func ExampleEncodeAlpha() {
	for _, s := range []string{"Balance", "Баланс", "余额查询", "Բարեւ"} {
		b, _ := text.EncodeAlpha(s)
		a, _ := text.DecodeAlpha(b)
		fmt.Printf("%-8s %-7v % X\n", s, a.Format, b)
	}
	// Output:
	// Balance  gsm     42 61 6C 61 6E 63 65
	// Баланс   ucs2-81 81 06 08 91 B0 BB B0 BD C1
	// 余额查询     ucs2    80 4F 59 98 9D 67 E5 8B E2
	// Բարեւ    ucs2-82 82 05 05 32 80 AF CE B3 D0
}

func ExampleDecodeText() {
	// The GET INKEY prompt of cat-sample.json: Text string 8D 09 00 4537BD2C07896022.
	s, _ := text.DecodeText(0x00, []byte{0x45, 0x37, 0xBD, 0x2C, 0x07, 0x89, 0x60, 0x22})
	fmt.Println(s)
	_, err := text.DecodeText(0x08, []byte{0x4F, 0x59, 0x98})
	fmt.Println(err)
	// Output:
	// Enter "0"
	// text: offset 2: UCS2 text has an odd length (3 bytes)
}

func ExampleAlpha_Encode() {
	// An 82 alpha keeps its base and padding, so it re-encodes byte for byte.
	a, _ := text.DecodeAlpha([]byte{0x82, 0x02, 0x04, 0x10, 0x87, 0x31, 0xFF})
	fmt.Printf("%q %v base %04X pad %d\n", a.Text, a.Format, a.Base, a.Pad)
	b, _ := a.Encode()
	fmt.Printf("% X\n", b)
	// Output:
	// "З1" ucs2-82 base 0410 pad 1
	// 82 02 04 10 87 31 FF
}
