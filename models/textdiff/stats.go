package textdiff

// Counts is the headline of a diff page: how many clauses of each kind.
type Counts struct {
	Added     int `json:"added"`
	Removed   int `json:"removed"`
	Modified  int `json:"modified"`
	Unchanged int `json:"unchanged"`
}

// Changed is the number of clauses a reader has to look at.
func (c Counts) Changed() int { return c.Added + c.Removed + c.Modified }

// Stats counts the change kinds produced by Clauses; a Change outside the
// four kinds is not counted anywhere, as Clauses never produces one.
func Stats(diffs []ClauseDiff) Counts {
	var c Counts
	for _, d := range diffs {
		switch d.Change {
		case ChangeAdded:
			c.Added++
		case ChangeRemoved:
			c.Removed++
		case ChangeModified:
			c.Modified++
		case ChangeUnchanged:
			c.Unchanged++
		}
	}
	return c
}
