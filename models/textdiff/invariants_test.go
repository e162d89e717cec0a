package textdiff

import (
	"strings"
	"testing"
)

// checkWords asserts everything Words promises for any pair of inputs; the
// property test and the fuzz target both rely on it.
func checkWords(t testing.TB, before, after string) {
	t.Helper()
	segs := Words(before, after)
	if segs == nil {
		t.Fatalf("Words(%q, %q) = nil", before, after)
	}
	var left, right strings.Builder
	var leftCuts, rightCuts []int
	for i, s := range segs {
		if s.Text == "" {
			t.Fatalf("Words(%q, %q): empty segment at %d: %q", before, after, i, segs)
		}
		if i > 0 && segs[i-1].Op == s.Op {
			t.Fatalf("Words(%q, %q): unmerged %s segments at %d: %q", before, after, s.Op, i, segs)
		}
		if i > 0 && segs[i-1].Op == OpInsert && s.Op == OpDelete {
			t.Fatalf("Words(%q, %q): insert before delete at %d: %q", before, after, i, segs)
		}
		switch s.Op {
		case OpEqual:
			left.WriteString(s.Text)
			right.WriteString(s.Text)
		case OpDelete:
			left.WriteString(s.Text)
		case OpInsert:
			right.WriteString(s.Text)
		default:
			t.Fatalf("Words(%q, %q): unknown op %q", before, after, s.Op)
		}
		leftCuts = append(leftCuts, left.Len())
		rightCuts = append(rightCuts, right.Len())
	}
	if left.String() != before {
		t.Fatalf("equal+delete = %q, want before %q (segments %q)", left.String(), before, segs)
	}
	if right.String() != after {
		t.Fatalf("equal+insert = %q, want after %q (segments %q)", right.String(), after, segs)
	}
	checkCutsOnTokens(t, before, leftCuts)
	checkCutsOnTokens(t, after, rightCuts)

	sl, sr := SideBySide(segs)
	if got := concatText(sl); got != before {
		t.Fatalf("SideBySide left = %q, want %q", got, before)
	}
	if got := concatText(sr); got != after {
		t.Fatalf("SideBySide right = %q, want %q", got, after)
	}
}

// checkCutsOnTokens is the "no change ever splits a word or a number" rule:
// every segment boundary in a text must be a token boundary of that text.
func checkCutsOnTokens(t testing.TB, text string, cuts []int) {
	t.Helper()
	bounds := map[int]bool{0: true}
	at := 0
	for _, tok := range tokenize(text) {
		at += len(tok.text)
		bounds[at] = true
	}
	for _, c := range cuts {
		if !bounds[c] {
			t.Fatalf("segment boundary at byte %d splits a token of %q", c, text)
		}
	}
}

func concatText(segs []Segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(s.Text)
	}
	return b.String()
}
