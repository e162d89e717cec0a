package stats

import (
	"fmt"

	"roundtable/models/disclosure"
	"roundtable/models/reportfile"
)

// Report is what aggregation needs of one report: the position of its
// value on each dimension (see Codes) and its claimed amount.
type Report struct {
	Codes  [NumDims]uint8
	Amount int64
}

// Coder turns dimension values into positions; build it once with
// NewCoder and reuse it for every report.
type Coder struct {
	index [NumDims]map[string]uint8
}

// NewCoder indexes the catalogue's values.
func NewCoder() *Coder {
	c := &Coder{}
	for d, dim := range Dimensions() {
		c.index[d] = make(map[string]uint8, len(dim.Values))
		for i, v := range dim.Values {
			c.index[d][v.Key] = uint8(i)
		}
	}
	return c
}

// Values are a report's dimension values as stored. Sector "" means
// SectorNone.
type Values struct {
	Service, ReporterType, DamageType, Paid, AmountBand, Region, Week, Sector string
}

// Report codes one stored report. An unknown value is an error: the
// importer only stores values of the closed lists, so it means a code was
// removed from a list, which the contract forbids.
func (c *Coder) Report(v Values, amount int64) (Report, error) {
	if v.Sector == "" {
		v.Sector = SectorNone
	}
	vals := [NumDims]string{v.Service, v.ReporterType, v.DamageType, v.Paid, v.AmountBand, v.Region, v.Week, v.Sector}
	var r Report
	for d, s := range vals {
		i, ok := c.index[d][s]
		if !ok {
			return Report{}, fmt.Errorf("stats: %q is not a value of %s", s, Dimensions()[d].Key)
		}
		r.Codes[d] = i
	}
	if amount < 0 {
		return Report{}, fmt.Errorf("stats: negative amount %d", amount)
	}
	r.Amount = amount
	return r, nil
}

// acc accumulates one figure over per-reporter sums.
type acc struct {
	reporters  int64
	sum        int64
	top1, top2 int64
	bands      []int64 // per-reporter sums by amount band, for the median
}

func (a *acc) add(amount int64, band int) {
	a.reporters++
	a.sum += amount
	switch {
	case amount > a.top1:
		a.top1, a.top2 = amount, a.top1
	case amount > a.top2:
		a.top2 = amount
	}
	a.bands[band]++
}

// cell turns the accumulator into the disclosure input. The median is the
// lower median; only its band is ever published, so the band's lower
// bound stands in for it (any amount in the band gives the same band).
// It is capped by the largest sum, which the input check requires and
// which the true median never exceeds.
func (a *acc) cell(bands []reportfile.AmountBand) disclosure.Cell {
	c := disclosure.Cell{Reporters: a.reporters, AmountSum: a.sum, Top1: a.top1, Top2: a.top2}
	if a.reporters == 0 {
		return c
	}
	rank := (a.reporters + 1) / 2 // ⌈n/2⌉
	var seen int64
	for i, n := range a.bands {
		seen += n
		if seen >= rank {
			c.MedianAmount = min(bands[i].Min, a.top1)
			break
		}
	}
	return c
}

// Aggregator builds every table of the catalogue from reports fed one
// reporter at a time. Memory is proportional to the number of cells, not
// to the number of reports.
type Aggregator struct {
	dims    []Dimension
	specs   []TableSpec
	bands   []reportfile.AmountBand
	total   acc
	margins [NumDims][]acc
	crosses [][][]acc // by two-way table, then row value, then column value
	pos     [][2]int  // dimension positions of each two-way table
	reports int64

	// scratch, reused between reporters
	seenMargin [NumDims]map[uint8]int64
	seenCross  []map[[2]uint8]int64
}

// NewAggregator prepares empty tables for the whole catalogue.
func NewAggregator() *Aggregator {
	a := &Aggregator{dims: Dimensions(), specs: Catalogue(), bands: reportfile.AmountBands()}
	a.total.bands = make([]int64, len(a.bands))
	for d := range a.dims {
		a.margins[d] = make([]acc, len(a.dims[d].Values))
		for i := range a.margins[d] {
			a.margins[d][i].bands = make([]int64, len(a.bands))
		}
		a.seenMargin[d] = map[uint8]int64{}
	}
	for _, t := range a.specs {
		if !t.TwoWay() {
			continue
		}
		_, r, _ := DimensionByKey(t.Rows)
		_, c, _ := DimensionByKey(t.Cols)
		grid := make([][]acc, len(a.dims[r].Values))
		for i := range grid {
			grid[i] = make([]acc, len(a.dims[c].Values))
			for j := range grid[i] {
				grid[i][j].bands = make([]int64, len(a.bands))
			}
		}
		a.crosses = append(a.crosses, grid)
		a.pos = append(a.pos, [2]int{r, c})
		a.seenCross = append(a.seenCross, map[[2]uint8]int64{})
	}
	return a
}

// bandIndex is the position of an amount's band.
func (a *Aggregator) bandIndex(amount int64) int {
	for i, b := range a.bands {
		if amount >= b.Min && amount <= b.Max {
			return i
		}
	}
	return len(a.bands) - 1
}

// AddReporter adds one reporter's reports (all of them, across every
// import of the snapshot). A reporter with no reports is ignored.
func (a *Aggregator) AddReporter(reports []Report) {
	if len(reports) == 0 {
		return
	}
	a.reports += int64(len(reports))
	var total int64
	for _, r := range reports {
		total += r.Amount
		for d := range a.seenMargin {
			a.seenMargin[d][r.Codes[d]] += r.Amount
		}
		for t, p := range a.pos {
			a.seenCross[t][[2]uint8{r.Codes[p[0]], r.Codes[p[1]]}] += r.Amount
		}
	}
	a.total.add(total, a.bandIndex(total))
	for d, seen := range a.seenMargin {
		for v, s := range seen {
			a.margins[d][v].add(s, a.bandIndex(s))
		}
		clear(seen)
	}
	for t, seen := range a.seenCross {
		for k, s := range seen {
			a.crosses[t][k[0]][k[1]].add(s, a.bandIndex(s))
		}
		clear(seen)
	}
}

// Reports is the number of reports added.
func (a *Aggregator) Reports() int64 { return a.reports }

// Reporters is the number of distinct reporters added.
func (a *Aggregator) Reporters() int64 { return a.total.reporters }

// Inputs returns the catalogue's tables as disclosure inputs, in catalogue
// order, all of one population.
func (a *Aggregator) Inputs() []disclosure.TableInput {
	out := make([]disclosure.TableInput, 0, len(a.specs))
	cross := 0
	for _, t := range a.specs {
		in := disclosure.TableInput{ID: t.Key(), Population: Population, RowDim: t.Rows, ColDim: t.Cols,
			Total: a.total.cell(a.bands), HasAmounts: true, Cells: map[[2]string]disclosure.Cell{}}
		_, r, _ := DimensionByKey(t.Rows)
		in.RowValues = a.dims[r].Keys()
		if !t.TwoWay() {
			for i, v := range in.RowValues {
				if m := &a.margins[r][i]; m.reporters > 0 {
					in.Cells[[2]string{v, ""}] = m.cell(a.bands)
				}
			}
			out = append(out, in)
			continue
		}
		_, c, _ := DimensionByKey(t.Cols)
		in.ColValues = a.dims[c].Keys()
		in.RowTotals, in.ColTotals = map[string]disclosure.Cell{}, map[string]disclosure.Cell{}
		grid := a.crosses[cross]
		cross++
		for i, rv := range in.RowValues {
			if m := &a.margins[r][i]; m.reporters > 0 {
				in.RowTotals[rv] = m.cell(a.bands)
			}
			for j, cv := range in.ColValues {
				if g := &grid[i][j]; g.reporters > 0 {
					in.Cells[[2]string{rv, cv}] = g.cell(a.bands)
				}
			}
		}
		for j, cv := range in.ColValues {
			if m := &a.margins[c][j]; m.reporters > 0 {
				in.ColTotals[cv] = m.cell(a.bands)
			}
		}
		out = append(out, in)
	}
	return out
}

// Population names the one set of reporters every catalogue table
// describes, so the disclosure rules protect them together.
const Population = "reporters"

// Bands returns the amount bands in the form the disclosure rules take.
func Bands() []disclosure.AmountBand {
	var out []disclosure.AmountBand
	for _, b := range reportfile.AmountBands() {
		max := b.Max
		if b.Max == int64(^uint64(0)>>1) {
			max = -1 // open upwards
		}
		out = append(out, disclosure.AmountBand{Key: b.Key, Min: b.Min, Max: max})
	}
	return out
}
