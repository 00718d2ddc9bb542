package card_test

import (
	"fmt"

	"github.com/stkforge/stkforge/sim/card"
)

// A card from a profile, read through T=0: SELECT EF ICCID, READ BINARY.
func ExampleCard_Transmit() {
	p, err := card.LoadProfile("../../fixtures/cards/default.json")
	if err != nil {
		panic(err)
	}
	c, err := card.New(p)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%X\n", c.Transmit([]byte{0x00, 0xA4, 0x00, 0x0C, 0x02, 0x2F, 0xE2}))
	fmt.Printf("%X\n", c.Transmit([]byte{0x00, 0xB0, 0x00, 0x00, 0x0A}))
	fmt.Printf("%X\n", c.Transmit([]byte{0x00, 0xB0, 0x00, 0x00, 0x00}))
	// Output:
	// 9000
	// 988812010000400310F09000
	// 6C0A
}
