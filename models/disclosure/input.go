package disclosure

import (
	"errors"
	"fmt"
	"sort"
)

// Upper limits on raw inputs. They are far above anything a council sees
// and keep every sum the package forms well inside int64.
const (
	maxReporters = 1_000_000_000_000
	maxAmount    = 1_000_000_000_000_000 // KRW
)

// Cell is the raw statistic of one cell, margin or grand total, computed by
// the caller over distinct reporters. Amounts are per-reporter sums (a
// reporter's reports in the cell are added up first) and are all zero when
// the table carries no amounts.
type Cell struct {
	Reporters int64 `json:"reporters"`
	AmountSum int64 `json:"amount_sum"`
	// Top1 and Top2 are the two largest per-reporter sums in the cell.
	Top1 int64 `json:"top1"`
	Top2 int64 `json:"top2"`
	// MedianAmount is the median of the per-reporter sums.
	MedianAmount int64 `json:"median_amount"`
}

// AmountBand is one band a median amount may be published as. Min and Max
// are inclusive KRW bounds; a negative Max leaves the band open upwards.
type AmountBand struct {
	Key string `json:"key"`
	Min int64  `json:"min"`
	Max int64  `json:"max"`
}

// TableInput is one table of the catalogue with its raw statistics.
//
// A one-way table has ColDim "" and no ColValues; its cells are keyed
// {rowValue, ""} and it has no RowTotals or ColTotals (its cells are the
// margin). A two-way table is keyed {rowValue, colValue}. A missing cell,
// row total or column total means zero reporters, so callers may pass only
// the non-empty groups a GROUP BY returns.
//
// Tables with the same Population describe the same set of reporters: a
// figure they share (the grand total, the total of one dimension value) is
// one figure, suppressed alike everywhere. Tables over different sets
// (e.g. merchants only, or the reporters eligible under one version's
// rules) must use different Population names.
type TableInput struct {
	ID         string
	Population string
	RowDim     string
	ColDim     string
	RowValues  []string
	ColValues  []string
	Cells      map[[2]string]Cell
	RowTotals  map[string]Cell
	ColTotals  map[string]Cell
	Total      Cell
	HasAmounts bool
}

func (t *TableInput) twoWay() bool { return t.ColDim != "" }

// checkShape validates a table on its own, before it meets the others.
func (t *TableInput) checkShape() error {
	if t.ID == "" {
		return errors.New("table has no ID")
	}
	if t.RowDim == "" {
		return errors.New("row dimension is empty")
	}
	if err := checkValues(t.RowDim, t.RowValues); err != nil {
		return err
	}
	if !t.twoWay() {
		if len(t.ColValues) > 0 || len(t.RowTotals) > 0 || len(t.ColTotals) > 0 {
			return errors.New("a one-way table has no column values, row totals or column totals")
		}
		rows := set(t.RowValues)
		for k := range t.Cells {
			if !rows[k[0]] || k[1] != "" {
				return fmt.Errorf("cell %q/%q is outside the table", k[0], k[1])
			}
		}
		return nil
	}
	if t.ColDim == t.RowDim {
		return fmt.Errorf("row and column dimension are both %q", t.RowDim)
	}
	if err := checkValues(t.ColDim, t.ColValues); err != nil {
		return err
	}
	rows, cols := set(t.RowValues), set(t.ColValues)
	for k := range t.Cells {
		if !rows[k[0]] || !cols[k[1]] {
			return fmt.Errorf("cell %q/%q is outside the table", k[0], k[1])
		}
	}
	for v := range t.RowTotals {
		if !rows[v] {
			return fmt.Errorf("row total %q is outside the table", v)
		}
	}
	for v := range t.ColTotals {
		if !cols[v] {
			return fmt.Errorf("column total %q is outside the table", v)
		}
	}
	return nil
}

func checkValues(dim string, values []string) error {
	if len(values) == 0 {
		return fmt.Errorf("dimension %q has no values", dim)
	}
	seen := make(map[string]bool, len(values))
	for _, v := range values {
		if v == "" {
			return fmt.Errorf("dimension %q has an empty value", dim)
		}
		if seen[v] {
			return fmt.Errorf("dimension %q lists %q twice", dim, v)
		}
		seen[v] = true
	}
	return nil
}

func set(values []string) map[string]bool {
	s := make(map[string]bool, len(values))
	for _, v := range values {
		s[v] = true
	}
	return s
}

// check rejects statistics no real set of reporters can produce; they
// would otherwise silently defeat the p% rule or the protection proof.
func (c Cell) check(withAmounts bool) error {
	if c.Reporters < 0 || c.Reporters > maxReporters {
		return fmt.Errorf("reporter count %d is out of range", c.Reporters)
	}
	if !withAmounts {
		return nil
	}
	for _, v := range []int64{c.AmountSum, c.Top1, c.Top2, c.MedianAmount} {
		if v < 0 || v > maxAmount {
			return fmt.Errorf("amount %d is out of range", v)
		}
	}
	switch {
	case c.Reporters == 0 && (c.AmountSum != 0 || c.Top1 != 0 || c.Top2 != 0 || c.MedianAmount != 0):
		return errors.New("amounts without reporters")
	case c.Top2 > c.Top1:
		return fmt.Errorf("second largest amount %d exceeds the largest %d", c.Top2, c.Top1)
	case c.Top1+c.Top2 > c.AmountSum:
		return fmt.Errorf("the two largest amounts exceed the sum %d", c.AmountSum)
	case c.Reporters <= 2 && c.Top1+c.Top2 != c.AmountSum:
		return fmt.Errorf("with %d reporters the two largest amounts must make up the sum", c.Reporters)
	case c.Reporters == 1 && c.Top2 != 0:
		return errors.New("a single reporter has no second largest amount")
	case c.MedianAmount > c.Top1:
		return fmt.Errorf("median %d exceeds the largest amount %d", c.MedianAmount, c.Top1)
	}
	return nil
}

// checkBands requires unique keys and disjoint bands, so that a median
// falls into at most one band.
func checkBands(bands []AmountBand) error {
	seen := make(map[string]bool, len(bands))
	sorted := make([]AmountBand, len(bands))
	copy(sorted, bands)
	for _, b := range bands {
		switch {
		case b.Key == "":
			return errors.New("amount band with an empty key")
		case seen[b.Key]:
			return fmt.Errorf("amount band %q listed twice", b.Key)
		case b.Min < 0:
			return fmt.Errorf("amount band %q starts below zero", b.Key)
		case b.Max >= 0 && b.Max < b.Min:
			return fmt.Errorf("amount band %q ends before it starts", b.Key)
		}
		seen[b.Key] = true
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Min < sorted[j].Min })
	for i := 1; i < len(sorted); i++ {
		prev := sorted[i-1]
		if prev.Max < 0 || prev.Max >= sorted[i].Min {
			return fmt.Errorf("amount bands %q and %q overlap", prev.Key, sorted[i].Key)
		}
	}
	return nil
}
