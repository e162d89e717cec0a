package disclosure

import "fmt"

// step is one entry of a protection certificate: figure fig moves by delta.
type step struct {
	fig   int
	delta int64
}

// option is a candidate certificate and the information its new
// suppressions would cost.
type option struct {
	steps []step
	cost  int64
	fresh int
	ok    bool
}

// offer keeps steps if they lose less information than the best so far.
// Candidates arrive in a fixed order and ties keep the earlier one, which
// makes the result deterministic.
func (g guard) offer(best *option, steps []step) {
	var cost int64
	fresh := 0
	for _, s := range steps {
		if !g.hidden(s.fig) {
			cost += g.value(s.fig) + 1
			fresh++
		}
	}
	if !best.ok || cost < best.cost || (cost == best.cost && fresh < best.fresh) {
		*best = option{steps: steps, cost: cost, fresh: fresh, ok: true}
	}
}

// protect makes sure that figure f (value x, needing a rise of h) has a
// certificate: a change of hidden figures only, keeping every line of the
// population in balance and every hidden figure above its floor, that
// raises f by h. Such a table is indistinguishable from the true one for
// anyone who sees only the published figures, so no reader can prove f
// is below x+h. The cheapest certificate is chosen and whatever it moves
// is hidden; the certificate is then checked against every line.
func (g guard) protect(p *population, f int, h int64) error {
	best := g.search(p, f, h)
	if !best.ok {
		best = g.addRecords(p, f, h)
	}
	if !best.ok {
		// Tables computed from one set of reporters, each with a value on
		// every dimension, never get here: the values of any reporter
		// counted in f form a combination that addRecords accepts.
		return fmt.Errorf("no suppression pattern protects %s: no combination of non-empty values contains it in every table", g.fig(f).key)
	}
	for fig, d := range net(best.steps) {
		if d != 0 {
			g.hide(fig)
		}
	}
	if err := g.verify(p, best.steps, f, h); err != nil {
		return fmt.Errorf("internal error protecting %s: %w", g.fig(f).key, err)
	}
	return nil
}

// search tries the certificates that stay close to f: a rectangle inside
// its own table, or a trade between two values of one of its dimensions
// carried through every table of that dimension.
func (g guard) search(p *population, f int, h int64) option {
	var best option
	at := p.where[f]
	switch at.kind {
	case atMargin:
		for b := range at.dim.values {
			if b != at.a {
				if steps, ok := g.trade(p, at.dim, at.a, b, h, nil, 0); ok {
					g.offer(&best, steps)
				}
			}
		}
	case atCross:
		g.rectangles(&best, at.c, at.i, at.j, h)
		for side, d := range at.c.dims {
			a, k := at.i, at.j
			if side == 1 {
				a, k = at.j, at.i
			}
			for b := range d.values {
				if b != a {
					if steps, ok := g.trade(p, d, a, b, h, at.c, k); ok {
						g.offer(&best, steps)
					}
				}
			}
		}
	}
	return best
}

// rectangles looks for the classic pattern inside one table: f=(i,j) rises
// by h, (i,j2) and (i2,j) fall by h, (i2,j2) rises by h. Row and column
// totals stay put, so nothing outside the table is touched.
func (g guard) rectangles(best *option, c *cross, i, j int, h int64) {
	f := c.cells[i][j]
	for i2 := range c.cells {
		if i2 == i || !g.canFall(c.cells[i2][j], h) {
			continue
		}
		for j2 := range c.cells[i] {
			if j2 == j || !g.canFall(c.cells[i][j2], h) || !g.movable(c.cells[i2][j2]) {
				continue
			}
			cost := g.cost(c.cells[i][j2]) + g.cost(c.cells[i2][j]) + g.cost(c.cells[i2][j2])
			if best.ok && cost > best.cost {
				continue
			}
			g.offer(best, []step{{f, h}, {c.cells[i][j2], -h}, {c.cells[i2][j], -h}, {c.cells[i2][j2], h}})
		}
	}
}

// trade moves h from value b to value a of dimension d everywhere: the
// totals of a and b change by +h and -h (balancing the dimension's line to
// the grand total), and every two-way table containing d moves h from a
// cell of b to the cell of a in one column, keeping that column's total.
// In table pin the column is fixed to k: that is where the primary cell
// sits, and it is the one that must rise.
func (g guard) trade(p *population, d *dimension, a, b int, h int64, pin *cross, k int) ([]step, bool) {
	ma, mb := d.margins[a], d.margins[b]
	if !g.movable(ma) || !g.canFall(mb, h) {
		return nil, false
	}
	steps := []step{{ma, h}, {mb, -h}}
	for _, c := range p.crossesOf[d] {
		if c == pin {
			fa, fb := c.at(d, a, k), c.at(d, b, k)
			if !g.canFall(fb, h) {
				return nil, false
			}
			steps = append(steps, step{fa, h}, step{fb, -h})
			continue
		}
		col, colCost := -1, int64(0)
		for k2 := range c.other(d).values {
			fa, fb := c.at(d, a, k2), c.at(d, b, k2)
			if !g.movable(fa) || !g.canFall(fb, h) {
				continue
			}
			if cost := g.cost(fa) + g.cost(fb); col < 0 || cost < colCost {
				col, colCost = k2, cost
			}
		}
		if col < 0 {
			return nil, false
		}
		steps = append(steps, step{c.at(d, a, col), h}, step{c.at(d, b, col), -h})
	}
	return steps, true
}

// verify checks a certificate from scratch: f rises by at least h, every
// moved figure is hidden and stays above its floor, and every line of the
// population still adds up. It is the safety net under the search: a bug
// there becomes an error, never a leak.
func (g guard) verify(p *population, steps []step, f int, h int64) error {
	delta := net(steps)
	if delta[f] < h {
		return fmt.Errorf("certificate raises it by %d, need %d", delta[f], h)
	}
	for fig, d := range delta {
		if d == 0 {
			continue
		}
		if !g.hidden(fig) {
			return fmt.Errorf("certificate moves published %s", g.fig(fig).key)
		}
		if g.value(fig)+d < g.floor() {
			return fmt.Errorf("certificate pushes %s below %d", g.fig(fig).key, g.floor())
		}
	}
	for _, ln := range p.lines {
		var sum int64
		for _, x := range ln.members {
			sum += delta[x]
		}
		if sum != delta[ln.total] {
			return fmt.Errorf("certificate unbalances the line of %s", g.fig(ln.total).key)
		}
	}
	return nil
}

// net adds up the moves of each figure.
func net(steps []step) map[int]int64 {
	delta := make(map[int]int64, len(steps))
	for _, s := range steps {
		delta[s.fig] += s.delta
	}
	return delta
}
