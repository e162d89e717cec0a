package textdiff

// Segment ops, as they appear in the JSON API.
const (
	OpEqual  = "equal"
	OpInsert = "insert"
	OpDelete = "delete"
)

// Segment is one run of text that is equal in both versions, only in the
// before version (delete) or only in the after version (insert).
type Segment struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// SideBySide splits a diff into what a reader sees in the before column
// (equal and delete segments) and in the after column (equal and insert
// segments). Ops are kept so each column can still highlight its changes.
func SideBySide(segs []Segment) (left, right []Segment) {
	left, right = []Segment{}, []Segment{}
	for _, s := range segs {
		if s.Op != OpInsert {
			left = appendSegment(left, s.Op, s.Text)
		}
		if s.Op != OpDelete {
			right = appendSegment(right, s.Op, s.Text)
		}
	}
	return left, right
}

// appendSegment keeps the output invariants in one place: empty text is
// dropped and a run continuing the previous op is merged into it.
func appendSegment(segs []Segment, op, text string) []Segment {
	if text == "" {
		return segs
	}
	if n := len(segs); n > 0 && segs[n-1].Op == op {
		segs[n-1].Text += text
		return segs
	}
	return append(segs, Segment{Op: op, Text: text})
}
