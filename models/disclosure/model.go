package disclosure

import (
	"fmt"
	"strings"
)

// figKey names one figure independently of the table it is printed in:
// the population plus the dimension values it is conditioned on, in
// canonical order. A row total of service×paid and the cell of the one-way
// service table therefore get the same key and become one figure.
type figKey struct {
	pop    string
	d1, v1 string
	d2, v2 string
}

func totalKey(pop string) figKey        { return figKey{pop: pop} }
func marginKey(pop, d, v string) figKey { return figKey{pop: pop, d1: d, v1: v} }
func crossKey(pop, d1, v1, d2, v2 string) figKey {
	if d2 < d1 {
		d1, v1, d2, v2 = d2, v2, d1, v1
	}
	return figKey{pop: pop, d1: d1, v1: v1, d2: d2, v2: v2}
}

func (k figKey) String() string {
	var b strings.Builder
	if k.pop != "" {
		fmt.Fprintf(&b, "[%s] ", k.pop)
	}
	switch {
	case k.d1 == "":
		b.WriteString("grand total")
	case k.d2 == "":
		fmt.Fprintf(&b, "%s=%s", k.d1, k.v1)
	default:
		fmt.Fprintf(&b, "%s=%s × %s=%s", k.d1, k.v1, k.d2, k.v2)
	}
	return b.String()
}

// figure is one distinct published quantity and what has been decided
// about it. Decisions are made once per figure, which is what keeps a
// shared margin identical in every table that prints it.
type figure struct {
	key  figKey
	cell Cell
	from string // first table that supplied it, for error messages

	countHidden bool
	countReason string

	dominant        bool // fails the p% rule
	amountHidden    bool
	amountSensitive bool // hidden for its own sake, so it needs protection
}

// dimension is one dimension within a population, with the figure of each
// of its values' totals.
type dimension struct {
	name    string
	values  []string
	index   map[string]int
	margins []int
}

// cross is a two-way table seen as a grid of figures indexed by the
// population's value order of its two dimensions.
type cross struct {
	dims  [2]*dimension
	cells [][]int
}

func (c *cross) other(d *dimension) *dimension {
	if c.dims[0] == d {
		return c.dims[1]
	}
	return c.dims[0]
}

// at returns the cell holding value a of d and value b of the other dimension.
func (c *cross) at(d *dimension, a, b int) int {
	if c.dims[0] == d {
		return c.cells[a][b]
	}
	return c.cells[b][a]
}

// line is one additivity constraint the reader can use: members add up to
// total (exactly so in the worst case the protection is designed for).
type line struct {
	total   int
	members []int
}

type placeKind int

const (
	atTotal placeKind = iota
	atMargin
	atCross
)

// place says where a figure sits in the population's structure.
type place struct {
	kind placeKind
	dim  *dimension // atMargin
	a    int        // atMargin: value index
	c    *cross     // atCross
	i, j int        // atCross: value indexes of c.dims[0], c.dims[1]
}

// population is a set of tables over the same reporters: every figure in
// it is tied to the others by additivity.
type population struct {
	name       string
	hasAmounts bool
	total      int
	dims       []*dimension
	byName     map[string]*dimension
	crosses    []*cross
	crossesOf  map[*dimension][]*cross
	oneWay     map[string]string    // dimension → table ID
	crossIDs   map[[2]string]string // sorted dimension pair → table ID
	lines      []line
	where      map[int]place
	order      []int // every figure once: total, margins, cross cells
}

// layout is how one input table maps onto figures, for rendering.
type layout struct {
	in     *TableInput
	pop    *population
	cells  [][]int // [row][col] in the input's order; one column for one-way
	rowTot []int
	colTot []int
	total  int
}

type model struct {
	figs    []figure
	index   map[figKey]int
	pops    []*population
	layouts []*layout
}

// buildModel turns the catalogue into figures and additivity lines,
// rejecting anything that would make the shared-figure bookkeeping wrong.
func buildModel(tables []TableInput) (*model, error) {
	m := &model{index: make(map[figKey]int)}
	pops := make(map[string]*population)
	ids := make(map[string]bool, len(tables))
	for i := range tables {
		t := &tables[i]
		if err := t.checkShape(); err != nil {
			return nil, fmt.Errorf("table %d %q: %w", i, t.ID, err)
		}
		if ids[t.ID] {
			return nil, fmt.Errorf("table ID %q used twice", t.ID)
		}
		ids[t.ID] = true
		p := pops[t.Population]
		if p == nil {
			p = &population{
				name: t.Population, hasAmounts: t.HasAmounts, total: -1,
				byName: map[string]*dimension{}, crossesOf: map[*dimension][]*cross{},
				oneWay: map[string]string{}, crossIDs: map[[2]string]string{},
				where: map[int]place{},
			}
			pops[t.Population] = p
			m.pops = append(m.pops, p)
		} else if p.hasAmounts != t.HasAmounts {
			return nil, fmt.Errorf("table %q: population %q mixes tables with and without amounts", t.ID, t.Population)
		}
		l, err := m.addTable(p, t)
		if err != nil {
			return nil, fmt.Errorf("table %q: %w", t.ID, err)
		}
		m.layouts = append(m.layouts, l)
	}
	for _, p := range m.pops {
		p.finish()
		if err := m.checkMonotone(p); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *model) addTable(p *population, t *TableInput) (*layout, error) {
	rd, err := p.dimension(t.RowDim, t.RowValues)
	if err != nil {
		return nil, err
	}
	l := &layout{in: t, pop: p}
	if l.total, err = m.add(totalKey(p.name), t.Total, t.ID, p); err != nil {
		return nil, err
	}
	p.total = l.total
	if !t.twoWay() {
		if other, dup := p.oneWay[t.RowDim]; dup {
			return nil, fmt.Errorf("duplicates one-way table %q", other)
		}
		p.oneWay[t.RowDim] = t.ID
		l.cells = make([][]int, len(t.RowValues))
		for i, v := range t.RowValues {
			f, err := m.margin(p, rd, v, t.Cells[[2]string{v, ""}], t.ID)
			if err != nil {
				return nil, err
			}
			l.cells[i] = []int{f}
		}
		return l, nil
	}
	cd, err := p.dimension(t.ColDim, t.ColValues)
	if err != nil {
		return nil, err
	}
	pair := [2]string{t.RowDim, t.ColDim}
	if pair[1] < pair[0] {
		pair[0], pair[1] = pair[1], pair[0]
	}
	if other, dup := p.crossIDs[pair]; dup {
		return nil, fmt.Errorf("crosses the same dimensions as table %q", other)
	}
	p.crossIDs[pair] = t.ID
	c := &cross{dims: [2]*dimension{rd, cd}, cells: make([][]int, len(rd.values))}
	for i := range c.cells {
		c.cells[i] = make([]int, len(cd.values))
	}
	l.cells = make([][]int, len(t.RowValues))
	for i, rv := range t.RowValues {
		l.cells[i] = make([]int, len(t.ColValues))
		for j, cv := range t.ColValues {
			key := crossKey(p.name, t.RowDim, rv, t.ColDim, cv)
			f, err := m.add(key, t.Cells[[2]string{rv, cv}], t.ID, p)
			if err != nil {
				return nil, err
			}
			l.cells[i][j] = f
			ri, ci := rd.index[rv], cd.index[cv]
			c.cells[ri][ci] = f
			p.where[f] = place{kind: atCross, c: c, i: ri, j: ci}
		}
	}
	for _, rv := range t.RowValues {
		f, err := m.margin(p, rd, rv, t.RowTotals[rv], t.ID)
		if err != nil {
			return nil, err
		}
		l.rowTot = append(l.rowTot, f)
	}
	for _, cv := range t.ColValues {
		f, err := m.margin(p, cd, cv, t.ColTotals[cv], t.ID)
		if err != nil {
			return nil, err
		}
		l.colTot = append(l.colTot, f)
	}
	p.crosses = append(p.crosses, c)
	p.crossesOf[rd] = append(p.crossesOf[rd], c)
	p.crossesOf[cd] = append(p.crossesOf[cd], c)
	return l, nil
}

func (m *model) margin(p *population, d *dimension, v string, cell Cell, from string) (int, error) {
	f, err := m.add(marginKey(p.name, d.name, v), cell, from, p)
	if err != nil {
		return 0, err
	}
	a := d.index[v]
	d.margins[a] = f
	p.where[f] = place{kind: atMargin, dim: d, a: a}
	return f, nil
}

// add registers a figure, or checks that a figure another table already
// supplied carries the same statistics.
func (m *model) add(key figKey, cell Cell, from string, p *population) (int, error) {
	if !p.hasAmounts {
		cell = Cell{Reporters: cell.Reporters}
	}
	if err := cell.check(p.hasAmounts); err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	if f, ok := m.index[key]; ok {
		if m.figs[f].cell != cell {
			return 0, fmt.Errorf("%s is %+v here but %+v in table %q", key, cell, m.figs[f].cell, m.figs[f].from)
		}
		return f, nil
	}
	m.figs = append(m.figs, figure{key: key, cell: cell, from: from})
	f := len(m.figs) - 1
	m.index[key] = f
	if key.d1 == "" {
		p.where[f] = place{kind: atTotal}
	}
	return f, nil
}

// dimension returns the population's dimension, requiring every table to
// list the same closed set of values (in any order): margins only add up
// to the grand total when no value is left out.
func (p *population) dimension(name string, values []string) (*dimension, error) {
	if d, ok := p.byName[name]; ok {
		same := len(values) == len(d.values)
		for _, v := range values {
			_, known := d.index[v]
			same = same && known
		}
		if !same {
			return nil, fmt.Errorf("dimension %q has values %v here but %v elsewhere", name, values, d.values)
		}
		return d, nil
	}
	d := &dimension{name: name, values: append([]string(nil), values...), index: make(map[string]int, len(values))}
	for i, v := range values {
		d.index[v] = i
	}
	d.margins = make([]int, len(values))
	p.byName[name] = d
	p.dims = append(p.dims, d)
	return d, nil
}

// finish derives the additivity lines and the processing order.
func (p *population) finish() {
	p.order = append(p.order, p.total)
	for _, d := range p.dims {
		p.lines = append(p.lines, line{total: p.total, members: d.margins})
		p.order = append(p.order, d.margins...)
	}
	for _, c := range p.crosses {
		for i, row := range c.cells {
			p.lines = append(p.lines, line{total: c.dims[0].margins[i], members: row})
			p.order = append(p.order, row...)
		}
		for j := range c.dims[1].values {
			col := make([]int, len(c.cells))
			for i := range c.cells {
				col[i] = c.cells[i][j]
			}
			p.lines = append(p.lines, line{total: c.dims[1].margins[j], members: col})
		}
	}
}

// checkMonotone rejects a total smaller than one of its parts. Distinct
// reporter counts need not add up (one reporter may sit in two cells), but
// a part can never outnumber its whole, nor outweigh it in (non-negative)
// amounts; if it does, the inputs are mixed up.
func (m *model) checkMonotone(p *population) error {
	for _, ln := range p.lines {
		tot := m.figs[ln.total]
		for _, f := range ln.members {
			part := m.figs[f]
			if part.cell.Reporters > tot.cell.Reporters {
				return fmt.Errorf("%s has %d reporters, more than its total %s with %d",
					part.key, part.cell.Reporters, tot.key, tot.cell.Reporters)
			}
			if part.cell.AmountSum > tot.cell.AmountSum {
				return fmt.Errorf("%s sums to %d, more than its total %s with %d",
					part.key, part.cell.AmountSum, tot.key, tot.cell.AmountSum)
			}
		}
	}
	return nil
}
