package disclosure

// measure selects which quantity a guard protects.
type measure int

const (
	counts measure = iota
	amounts
)

// guard gives the protection search one view of a measure: what a figure
// is worth, whether it is hidden, how far a reader knows it cannot fall.
// Counts and amounts obey the same additivity, so one search serves both.
type guard struct {
	m    *model
	kind measure
}

func (g guard) fig(f int) *figure { return &g.m.figs[f] }

func (g guard) value(f int) int64 {
	if g.kind == counts {
		return g.fig(f).cell.Reporters
	}
	return g.fig(f).cell.AmountSum
}

func (g guard) hidden(f int) bool {
	if g.kind == counts {
		return g.fig(f).countHidden
	}
	return g.fig(f).amountHidden
}

func (g guard) hide(f int) {
	x := g.fig(f)
	if g.kind == amounts {
		x.amountHidden = true
		return
	}
	if !x.countHidden {
		x.countHidden, x.countReason = true, ReasonSecondary
	}
	// A count hidden to protect another one takes its amount with it.
	x.amountHidden = true
}

// floor is the lowest value a reader can prove a hidden figure holds:
// zero counts are always published, so a hidden count is at least 1; a
// hidden amount may be 0 (non-monetary reports).
func (g guard) floor() int64 {
	if g.kind == counts {
		return 1
	}
	return 0
}

// movable reports whether the figure is, or may become, hidden. Empty
// figures never are: they are published as an exact 0, which a reader may
// rely on, and they could not absorb a change anyway.
func (g guard) movable(f int) bool { return g.fig(f).cell.Reporters > 0 }

// canFall reports whether the figure can be lowered by h in a table a
// reader must still consider possible.
func (g guard) canFall(f int, h int64) bool {
	return g.movable(f) && g.value(f)-g.floor() >= h
}

// cost is the information lost by hiding f: its own value (so small
// figures go first) plus one, so that of two equally small choices the one
// hiding fewer figures wins. Figures already hidden cost nothing.
func (g guard) cost(f int) int64 {
	if g.hidden(f) {
		return 0
	}
	return g.value(f) + 1
}
