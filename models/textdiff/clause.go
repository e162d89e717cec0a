package textdiff

// Clause change kinds, as they appear in the JSON API.
const (
	ChangeAdded     = "added"
	ChangeRemoved   = "removed"
	ChangeModified  = "modified"
	ChangeUnchanged = "unchanged"
)

// Clause is the part of a version's clause that diffs care about. Key is the
// stable identifier ("2.1") that makes two clauses the same across versions.
type Clause struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

// ClauseDiff describes one clause across two versions. Title is the target's
// title, or the base's for a removed clause; BeforeTitle is the base's title
// (empty when added). Before and After are the bodies, empty on the side
// where the clause does not exist. Segments diff the bodies and
// TitleSegments the titles, for every change kind: all-insert when added,
// all-delete when removed, all-equal when unchanged.
type ClauseDiff struct {
	Key           string    `json:"key"`
	Change        string    `json:"change"`
	Title         string    `json:"title"`
	BeforeTitle   string    `json:"before_title"`
	Before        string    `json:"before"`
	After         string    `json:"after"`
	Segments      []Segment `json:"segments"`
	TitleSegments []Segment `json:"title_segments"`
}

// slot identifies a clause by key and by how many earlier clauses of the same
// version share that key, so duplicate keys pair up in order instead of
// silently dropping clauses.
type slot struct {
	key string
	nth int
}

func slots(cs []Clause) []slot {
	seen := make(map[string]int, len(cs))
	out := make([]slot, len(cs))
	for i, c := range cs {
		out[i] = slot{key: c.Key, nth: seen[c.Key]}
		seen[c.Key]++
	}
	return out
}

// Clauses compares two versions' clause lists. The result follows the
// target's order; each removed clause follows the nearest clause that
// preceded it in the base and survives in the target (or opens the list if
// none did), so it appears where the reader last saw it.
func Clauses(base, target []Clause) []ClauseDiff {
	baseSlots, targetSlots := slots(base), slots(target)
	inBase := make(map[slot]int, len(base))
	for i, s := range baseSlots {
		inBase[s] = i
	}
	inTarget := make(map[slot]int, len(target))
	for i, s := range targetSlots {
		inTarget[s] = i
	}

	// removedAfter[t+1] lists base clauses to show after target clause t;
	// index 0 holds those to show before the first target clause.
	removedAfter := make([][]int, len(target)+1)
	removed := 0
	anchor := -1
	for i, s := range baseSlots {
		if t, ok := inTarget[s]; ok {
			anchor = t
			continue
		}
		removedAfter[anchor+1] = append(removedAfter[anchor+1], i)
		removed++
	}

	out := make([]ClauseDiff, 0, len(target)+removed)
	emitRemoved := func(group []int) {
		for _, i := range group {
			out = append(out, diffClause(ChangeRemoved, base[i], Clause{Key: base[i].Key}))
		}
	}
	emitRemoved(removedAfter[0])
	for t, c := range target {
		if b, ok := inBase[targetSlots[t]]; ok {
			change := ChangeUnchanged
			if base[b].Title != c.Title || base[b].Body != c.Body {
				change = ChangeModified
			}
			out = append(out, diffClause(change, base[b], c))
		} else {
			out = append(out, diffClause(ChangeAdded, Clause{Key: c.Key}, c))
		}
		emitRemoved(removedAfter[t+1])
	}
	return out
}

// diffClause takes an empty clause for the side where the clause is absent,
// which makes Words produce the all-insert or all-delete segments.
func diffClause(change string, before, after Clause) ClauseDiff {
	title := after.Title
	if change == ChangeRemoved {
		title = before.Title
	}
	return ClauseDiff{
		Key:           after.Key,
		Change:        change,
		Title:         title,
		BeforeTitle:   before.Title,
		Before:        before.Body,
		After:         after.Body,
		Segments:      Words(before.Body, after.Body),
		TitleSegments: Words(before.Title, after.Title),
	}
}
