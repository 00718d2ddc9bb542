package text

// Pack7 packs septets into octets, the first septet in the low bits of the first octet
// (TS 23.038 6.1.2.1.1), and applies the CR filler rule of TS 23.038 6.1.2.3.1 used by USSD,
// cell broadcast and SIM Toolkit texts:
//
//   - 8n-1 septets would leave 7 spare bits that a receiver would read as '@', so a CR is added;
//   - 8n septets ending with a wanted CR would have that CR stripped by the receiver, so a
//     second CR is added (the receiver then sees CR CR, which the spec says is harmless).
//
// Bits of a septet above bit 7 are ignored. Use AppendPacked7 for SMS user data, whose length
// is a septet count and which has no filler.
func Pack7(septets []byte) []byte {
	k := len(septets)
	fill := needsCRFill(septets)
	if fill {
		k++
	}
	out := make([]byte, 0, (k*7+7)/8)
	out = AppendPacked7(out, septets)
	if !fill {
		return out
	}
	return appendPackedCR(out, len(septets))
}

// needsCRFill reports whether TS 23.038 6.1.2.3.1 asks for a CR filler after septets.
func needsCRFill(septets []byte) bool {
	k := len(septets)
	return k%8 == 7 || (k > 0 && k%8 == 0 && septets[k-1]&0x7F == CR)
}

// appendPackedCR adds one CR septet after the k septets (k > 0) packed at the end of out.
func appendPackedCR(out []byte, k int) []byte {
	shift := uint(k*7) % 8
	if shift == 0 {
		return append(out, CR)
	}
	out[len(out)-1] |= CR << shift
	if shift > 1 {
		out = append(out, CR>>(8-shift))
	}
	return out
}

// AppendPacked7 appends septets packed into octets (TS 23.038 6.1.2.1.1) to dst, with zero fill
// bits and no CR filler.
func AppendPacked7(dst []byte, septets []byte) []byte {
	var acc uint32
	var nbits uint
	for _, s := range septets {
		acc |= uint32(s&0x7F) << nbits
		nbits += 7
		if nbits >= 8 {
			dst = append(dst, byte(acc))
			acc >>= 8
			nbits -= 8
		}
	}
	if nbits > 0 {
		dst = append(dst, byte(acc))
	}
	return dst
}

// Unpack7 returns n septets unpacked from packed (TS 23.038 6.1.2.1.1), one per byte. n is
// clamped to the septets packed holds (len*8/7); a negative n gives none. It does not strip
// a CR filler: that is DecodeText's business, which knows the text ends with the data.
func Unpack7(packed []byte, n int) []byte {
	n = clampSeptets(packed, n)
	return appendUnpacked7(make([]byte, 0, n), packed, n)
}

func clampSeptets(packed []byte, n int) int {
	if max := len(packed) * 8 / 7; n > max {
		n = max
	}
	if n < 0 {
		n = 0
	}
	return n
}

// appendUnpacked7 appends n septets of packed to dst; n must be clamped already.
func appendUnpacked7(dst []byte, packed []byte, n int) []byte {
	for i := 0; i < n; i++ {
		bit := i * 7
		j, shift := bit/8, uint(bit%8)
		v := packed[j] >> shift
		if shift > 1 {
			v |= packed[j+1] << (8 - shift)
		}
		dst = append(dst, v&0x7F)
	}
	return dst
}

// unpackText unpacks a whole packed text into dst and strips the CR filler of
// TS 23.038 6.1.2.3.1: a text that ends on an octet boundary (len%7 == 0) with CR as its last
// septet had that CR added as filler.
func unpackText(dst []byte, packed []byte) []byte {
	n := len(packed) * 8 / 7
	dst = appendUnpacked7(dst, packed, n)
	if len(packed)%7 == 0 && n > 0 && dst[len(dst)-1] == CR {
		dst = dst[:len(dst)-1]
	}
	return dst
}
