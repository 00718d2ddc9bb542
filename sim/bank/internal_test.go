package bank

import "testing"

// TestEightBit: the TP-DCS values that code 8-bit data (TS 23.038 4).
func TestEightBit(t *testing.T) {
	for dcs, want := range map[byte]bool{0x04: true, 0x14: true, 0xF4: true, 0xF6: true, 0x00: false, 0x08: false, 0xF0: false, 0x15: true, 0x40: false, 0x44: true, 0x80: false, 0xC4: false} {
		if got := eightBit(dcs); got != want {
			t.Errorf("eightBit(%02X) = %v, want %v", dcs, got, want)
		}
	}
}
