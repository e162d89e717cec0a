package textdiff

import (
	"strings"
	"time"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// diffTimeout bounds Myers on pathological inputs; past it go-diff returns a
// coarser diff that is still exact, so the limit costs readability only.
const diffTimeout = time.Second

// symbolCapacity is the number of Unicode scalar values: every distinct token
// needs a rune of its own that survives go-diff's rune/string round trips,
// which surrogates do not.
const symbolCapacity = 0x110000 - 0x800

// Words diffs two texts token by token (see the package documentation for
// the tokens and the cleanup) and returns segments from which both texts can
// be rebuilt exactly. The result is never nil, so it encodes as a JSON array.
func Words(before, after string) []Segment {
	if before == after {
		return appendSegment([]Segment{}, OpEqual, before)
	}
	hunks := diffTokens(tokenize(before), tokenize(after), symbolCapacity)
	hunks = foldSmallEqualities(hunks)
	hunks = alignEdits(hunks)
	return render(hunks)
}

// diffTokens runs go-diff over token sequences encoded as runes. limit is a
// parameter only so tests can reach the fallback without a gigabyte of input.
func diffTokens(a, b []token, limit int) []hunk {
	symbols := make(map[string]rune)
	var table []token
	encode := func(toks []token) ([]rune, bool) {
		out := make([]rune, len(toks))
		for i, t := range toks {
			r, ok := symbols[t.text]
			if !ok {
				if len(table) >= limit {
					return nil, false
				}
				r = symbolFor(len(table))
				symbols[t.text] = r
				table = append(table, t)
			}
			out[i] = r
		}
		return out, true
	}
	ra, okA := encode(a)
	rb, okB := encode(b)
	if !okA || !okB {
		return coarseHunks(a, b)
	}

	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = diffTimeout
	diffs := dmp.DiffMainRunes(ra, rb, false)

	hunks := make([]hunk, 0, len(diffs)/2+1)
	var cur hunk
	for _, d := range diffs {
		toks := decodeSymbols(d.Text, table)
		if len(toks) == 0 {
			continue
		}
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			if cur.changed() {
				hunks = append(hunks, cur)
				cur = hunk{}
			}
			cur.equal = concat(cur.equal, toks)
		case diffmatchpatch.DiffDelete:
			cur.del = concat(cur.del, toks)
		case diffmatchpatch.DiffInsert:
			cur.ins = concat(cur.ins, toks)
		}
	}
	if len(cur.equal) > 0 || cur.changed() {
		hunks = append(hunks, cur)
	}
	return hunks
}

// symbolFor skips the surrogate block, which string(rune) would replace.
func symbolFor(i int) rune {
	if i < 0xD800 {
		return rune(i)
	}
	return rune(i + 0x800)
}

func symbolIndex(r rune) int {
	if r < 0xD800 {
		return int(r)
	}
	return int(r) - 0x800
}

func decodeSymbols(s string, table []token) []token {
	toks := make([]token, 0, len(s))
	for _, r := range s {
		toks = append(toks, table[symbolIndex(r)])
	}
	return toks
}

// coarseHunks is the fallback when tokens cannot all get a symbol: shared
// head and tail stay equal and everything between is one change.
func coarseHunks(a, b []token) []hunk {
	p := 0
	for p < len(a) && p < len(b) && a[p].text == b[p].text {
		p++
	}
	q := 0
	for q < len(a)-p && q < len(b)-p && a[len(a)-1-q].text == b[len(b)-1-q].text {
		q++
	}
	hunks := []hunk{{
		equal: concat(a[:p]),
		del:   concat(a[p : len(a)-q]),
		ins:   concat(b[p : len(b)-q]),
	}}
	if q > 0 {
		hunks = append(hunks, hunk{equal: concat(a[len(a)-q:])})
	}
	return hunks
}

func render(hunks []hunk) []Segment {
	segs := make([]Segment, 0, 3*len(hunks))
	for _, h := range hunks {
		segs = appendSegment(segs, OpEqual, join(h.equal))
		segs = appendSegment(segs, OpDelete, join(h.del))
		segs = appendSegment(segs, OpInsert, join(h.ins))
	}
	return segs
}

func join(toks []token) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(t.text)
	}
	return b.String()
}
