package textdiff

import "testing"

// FuzzWords checks the reconstruction and token-boundary guarantees on
// arbitrary byte strings, invalid UTF-8 included; seeds live in
// testdata/fuzz/FuzzWords.
func FuzzWords(f *testing.F) {
	f.Fuzz(func(t *testing.T, before, after string) {
		checkWords(t, before, after)
	})
}
