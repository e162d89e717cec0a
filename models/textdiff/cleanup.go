package textdiff

// hunk is an equal run followed by a change. Only the first hunk may have an
// empty equal run (the texts start with a change) and only the last may have
// no change (the texts end alike); the cleanup passes keep that shape.
type hunk struct {
	equal, del, ins []token
}

func (h hunk) changed() bool { return len(h.del) > 0 || len(h.ins) > 0 }

// weight is what an equality between changes is measured against: the longer
// side of the change, in tokens.
func (h hunk) weight() int { return max(len(h.del), len(h.ins)) }

// foldSmallEqualities absorbs each equal run that is no longer than the
// changes on both of its sides, so tiny shared fragments (a space, a comma)
// do not chop one rewritten phrase into pieces. A fold enlarges the change,
// so the equality before it is checked again; the stack keeps that linear.
func foldSmallEqualities(hunks []hunk) []hunk {
	out := make([]hunk, 0, len(hunks))
	for _, h := range hunks {
		out = append(out, h)
		for len(out) >= 2 {
			prev, cur := &out[len(out)-2], out[len(out)-1]
			if !cur.changed() || len(cur.equal) > prev.weight() || len(cur.equal) > cur.weight() {
				break
			}
			// Appending in place is safe: every hunk built by diffTokens owns
			// its slices, and growth is amortised over a cascade of folds.
			prev.del = append(append(prev.del, cur.equal...), cur.del...)
			prev.ins = append(append(prev.ins, cur.equal...), cur.ins...)
			out = out[:len(out)-1]
		}
	}
	return out
}

// alignEdits slides each pure insertion or deletion, where the texts allow
// it, to the position whose edges fall on the strongest boundaries, taking
// the rightmost of equally good ones: "- 소상공인\n[- 프리랜서\n]- 스타트업"
// rather than the raw "- 소상공인\n- [프리랜서\n- ]스타트업".
func alignEdits(hunks []hunk) []hunk {
	for i := 0; i+1 < len(hunks); i++ {
		h := hunks[i]
		if len(h.equal) == 0 || (len(h.del) > 0) == (len(h.ins) > 0) {
			continue
		}
		edit := h.del
		if len(edit) == 0 {
			edit = h.ins
		}
		next := hunks[i+1]
		seq := concat(h.equal, edit, next.equal)
		k := len(edit)

		// The equal runs may only vanish at the edges of the text; elsewhere
		// that would glue this edit to its neighbour, which folding decides.
		minStart, maxStart := 1, len(seq)-k-1
		if i == 0 {
			minStart = 0
		}
		if !next.changed() {
			maxStart = len(seq) - k
		}

		start := len(h.equal)
		for start > minStart && seq[start-1].text == seq[start+k-1].text {
			start--
		}
		best, bestScore := start, -1
		for s := start; s <= maxStart; s++ {
			if s > start && seq[s-1].text != seq[s+k-1].text {
				break
			}
			if score := boundaryScore(seq, s) + boundaryScore(seq, s+k); score >= bestScore {
				best, bestScore = s, score
			}
		}

		h.equal = seq[:best:best]
		moved := seq[best : best+k : best+k]
		if len(h.del) > 0 {
			h.del = moved
		} else {
			h.ins = moved
		}
		hunks[i] = h
		next.equal = seq[best+k:]
		if len(next.equal) == 0 {
			hunks = append(hunks[:i+1], hunks[i+2:]...)
		} else {
			hunks[i+1] = next
		}
	}
	return hunks
}

// boundaryScore rates cutting seq before index r by the token that ends the
// left side: after a line break or at the edge of the text is best, then
// after whitespace, then after punctuation, and inside a phrase worst. Judging
// by the left token makes an edit start at a word and carry its trailing
// space or line break, so inserted list items and lines come out whole.
func boundaryScore(seq []token, r int) int {
	if r <= 0 || r >= len(seq) {
		return 3
	}
	switch seq[r-1].class {
	case classLineBreak:
		return 3
	case classSpace:
		return 2
	case classPunct, classInvalid:
		return 1
	}
	return 0
}

// concat always copies so that hunks never share a backing array and an
// append to one can never overwrite another.
func concat(parts ...[]token) []token {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]token, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
