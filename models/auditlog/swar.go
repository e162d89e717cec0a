package auditlog

import "math/bits"

// Strings dominate what verification reads and writes, so the scans for the
// few bytes JSON cares about look at eight bytes at a time. A word that may
// contain one falls back to the byte loop, so false alarms cost only speed.

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

func load64[T string | []byte](s T, i int) uint64 {
	s = s[i : i+8] // one bounds check instead of eight
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// specialMask has the high bit of each byte of x that may be '"', '\\' or
// below 0x20 set. Borrows only travel upwards, so the lowest set bit is
// always a real one; higher ones may be false alarms.
func specialMask(x uint64) uint64 {
	q := x ^ (lsb * '"')
	b := x ^ (lsb * '\\')
	return ((x-lsb*0x20)&^x | (q-lsb)&^q | (b-lsb)&^b) & msb
}

// scanPlain returns the index of the first '"', '\\' or control byte in s
// (len(s) if none) and whether any byte before it is not ASCII.
func scanPlain[T string | []byte](s T) (n int, nonASCII bool) {
	var high uint64
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := load64(s, i)
		if m := specialMask(x); m != 0 {
			// The first special byte is exact; keep only the bytes
			// before it for the ASCII test.
			k := bits.TrailingZeros64(m) >> 3
			high |= x & (1<<(8*k) - 1)
			return i + k, high&msb != 0
		}
		high |= x
	}
	nonASCII = high&msb != 0
	for ; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' {
			return i, nonASCII
		}
		if c >= 0x80 {
			nonASCII = true
		}
	}
	return i, nonASCII
}
