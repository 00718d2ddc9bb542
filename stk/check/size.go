package check

// Sizes of proactive commands (TS 102 223 clause 6 for the objects of each command, clause 8
// for their coding). Tags are one byte; lengths take one byte up to 127 and two (81 xx) up to
// 255 (TS 101 220 7.1.2).

// tlvLen is the size of a one-byte-tag TLV with n bytes of value.
func tlvLen(n int) int {
	if n < 128 {
		return 2 + n
	}
	if n < 256 {
		return 3 + n
	}
	return 4 + n
}

// commandLen is the size of a whole proactive command (D0 TLV) whose objects after the
// device identities take body bytes: Command details (5 bytes) and Device identities (4) come
// first (TS 102 223 6.6).
func commandLen(body int) int { return tlvLen(5 + 4 + body) }

func alphaTLV(t *Text) int {
	if t == nil {
		return 0
	}
	return tlvLen(t.MaxLen())
}

func iconTLV(icon int) int {
	if icon == 0 {
		return 0
	}
	return tlvLen(2) // qualifier, record (8.31)
}

func durationTLV(d *Duration) int {
	if d == nil {
		return 0
	}
	return tlvLen(2) // unit, interval (8.8)
}

// menuSize is SET UP MENU (6.6.7) or SELECT ITEM (6.6.8): alpha, items, item icon list,
// default item, icon.
func (c *checker) menuSize(title *Text, icon int, items []*Item, withDefault bool) int {
	body := alphaTLV(title) + iconTLV(icon)
	icons := 0
	for _, it := range items {
		n := 0
		if it.Text != nil {
			n = it.Text.MaxLen()
		}
		body += tlvLen(1 + n) // item identifier + text (8.9)
		if it.Icon != 0 {
			icons++
		}
	}
	if icons > 0 {
		body += tlvLen(1 + len(items)) // item icon identifier list (8.32)
	}
	if withDefault {
		body += tlvLen(1) // item identifier (8.10)
	}
	return commandLen(body)
}

// textTLV is a Text string object: DCS byte + data (8.15).
func textTLV(t *Text) int {
	if t == nil {
		return 0
	}
	return tlvLen(1 + t.MaxLen())
}

// addressLen is an Address object's value: TON/NPI and the digits in BCD (8.1).
func addressLen(number string) int {
	d := 0
	for _, r := range number {
		if r != '+' {
			d++
		}
	}
	return 1 + (d+1)/2
}
