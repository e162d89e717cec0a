package disclosure

import "sort"

// recordBudget bounds the backtracking of addRecords; real catalogues
// need a handful of steps, and an exhausted budget is reported as an error
// rather than left to run.
const recordBudget = 100_000

// addRecords is the certificate of last resort: pretend h more reporters
// share one combination of values, one per dimension. Every figure that
// combination falls into (the grand total included) rises by h and nothing
// falls, so it works whenever all those figures are non-empty. It is
// needed when a primary has no partner large enough nearby, e.g. when the
// whole population is below the threshold, and it costs the grand total.
func (g guard) addRecords(p *population, f int, h int64) option {
	pick := make(map[*dimension]int, len(p.dims))
	at := p.where[f]
	switch at.kind {
	case atMargin:
		pick[at.dim] = at.a
	case atCross:
		pick[at.c.dims[0]], pick[at.c.dims[1]] = at.i, at.j
	}
	for d, v := range pick {
		if !g.fits(p, pick, d, v) {
			return option{}
		}
	}
	budget := recordBudget
	if !g.assign(p, pick, 0, &budget) {
		return option{}
	}
	steps := []step{{p.total, h}}
	for _, d := range p.dims {
		steps = append(steps, step{d.margins[pick[d]], h})
	}
	for _, c := range p.crosses {
		steps = append(steps, step{c.cells[pick[c.dims[0]]][pick[c.dims[1]]], h})
	}
	var best option
	g.offer(&best, steps)
	return best
}

// assign gives every dimension from index n on a value such that all
// figures the combination falls into are non-empty, trying cheap values
// first.
func (g guard) assign(p *population, pick map[*dimension]int, n int, budget *int) bool {
	if n == len(p.dims) {
		return true
	}
	d := p.dims[n]
	if _, fixed := pick[d]; fixed {
		return g.assign(p, pick, n+1, budget)
	}
	values := make([]int, len(d.values))
	for i := range values {
		values[i] = i
	}
	sort.SliceStable(values, func(x, y int) bool {
		return g.cost(d.margins[values[x]]) < g.cost(d.margins[values[y]])
	})
	for _, v := range values {
		if *budget--; *budget < 0 {
			return false
		}
		if !g.fits(p, pick, d, v) {
			continue
		}
		pick[d] = v
		if g.assign(p, pick, n+1, budget) {
			return true
		}
		delete(pick, d)
	}
	return false
}

// fits checks value v of d against the values already picked.
func (g guard) fits(p *population, pick map[*dimension]int, d *dimension, v int) bool {
	if !g.movable(d.margins[v]) {
		return false
	}
	for _, c := range p.crossesOf[d] {
		if w, ok := pick[c.other(d)]; ok && !g.movable(c.at(d, v, w)) {
			return false
		}
	}
	return true
}
