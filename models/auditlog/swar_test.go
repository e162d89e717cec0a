package auditlog

import (
	"math/rand/v2"
	"testing"
)

func naiveScanPlain(s []byte) (int, bool) {
	nonASCII := false
	for i, c := range s {
		if c < 0x20 || c == '"' || c == '\\' {
			return i, nonASCII
		}
		if c >= 0x80 {
			nonASCII = true
		}
	}
	return len(s), nonASCII
}

// TestScanPlain puts every byte value at every position of strings long
// enough to use the word loop, over backgrounds of ASCII and of high bytes.
func TestScanPlain(t *testing.T) {
	for _, fill := range []byte{'a', 0x7f, 0x80, 0xff, ' '} {
		for n := 0; n <= 19; n++ {
			for pos := 0; pos < n; pos++ {
				for c := 0; c < 256; c++ {
					s := make([]byte, n)
					for i := range s {
						s[i] = fill
					}
					s[pos] = byte(c)
					wi, wn := naiveScanPlain(s)
					if gi, gn := scanPlain(s); gi != wi || gn != wn {
						t.Fatalf("scanPlain(%q) = %d, %v; want %d, %v", s, gi, gn, wi, wn)
					}
					if gi, gn := scanPlain(string(s)); gi != wi || gn != wn {
						t.Fatalf("scanPlain(string %q) = %d, %v; want %d, %v", s, gi, gn, wi, wn)
					}
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab\"\\\x00\x1f\x20\x7f\x80\xc3\xa9\xff")
	for range 20000 {
		s := make([]byte, rng.IntN(40))
		for i := range s {
			s[i] = alphabet[rng.IntN(len(alphabet))]
		}
		wi, wn := naiveScanPlain(s)
		if gi, gn := scanPlain(s); gi != wi || gn != wn {
			t.Fatalf("scanPlain(%q) = %d, %v; want %d, %v", s, gi, gn, wi, wn)
		}
	}
}
