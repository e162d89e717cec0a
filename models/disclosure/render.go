package disclosure

// render prints one table from the decided figures.
func (m *model) render(l *layout, r Rules, bands []AmountBand) Table {
	t := l.in
	out := Table{ID: t.ID, Population: t.Population, RowDim: t.RowDim, ColDim: t.ColDim,
		RowTotals: []PublishedCell{}, ColTotals: []PublishedCell{}}
	for i, rv := range t.RowValues {
		if !t.twoWay() {
			out.Cells = append(out.Cells, m.entry(l.cells[i][0], rv, "", l.pop.hasAmounts, r, bands))
			continue
		}
		for j, cv := range t.ColValues {
			out.Cells = append(out.Cells, m.entry(l.cells[i][j], rv, cv, l.pop.hasAmounts, r, bands))
		}
	}
	for i, rv := range t.RowValues {
		if t.twoWay() {
			out.RowTotals = append(out.RowTotals, m.entry(l.rowTot[i], rv, "", l.pop.hasAmounts, r, bands))
		}
	}
	for j, cv := range t.ColValues {
		out.ColTotals = append(out.ColTotals, m.entry(l.colTot[j], "", cv, l.pop.hasAmounts, r, bands))
	}
	out.Total = m.entry(l.total, "", "", l.pop.hasAmounts, r, bands)
	return out
}

// entry prints one figure; a shared figure prints the same in every table.
func (m *model) entry(f int, row, col string, withAmounts bool, r Rules, bands []AmountBand) PublishedCell {
	x := &m.figs[f]
	e := PublishedCell{Row: row, Col: col}
	if x.countHidden {
		e.Suppressed, e.Reason = true, x.countReason
		return e
	}
	n := roundCount(x.cell.Reporters, r.RoundingBase)
	e.Count = &n
	if !withAmounts || x.cell.Reporters < int64(r.Threshold) || x.dominant {
		return e
	}
	e.AmountMedianBand = bandOf(bands, x.cell.MedianAmount)
	if !x.amountHidden {
		s := roundSignificant(x.cell.AmountSum, sumDigits)
		e.AmountSum = &s
	}
	return e
}
