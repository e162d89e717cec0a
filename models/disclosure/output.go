package disclosure

// Reasons a count is withheld.
const (
	// ReasonPrimary marks a count of 1 to Threshold-1 reporters.
	ReasonPrimary = "primary"
	// ReasonSecondary marks a count withheld only so that a primary one
	// cannot be worked out from the figures around it.
	ReasonSecondary = "secondary"
)

// PublishedCell is one published figure: a cell, a row or column total, or
// the grand total. Nil pointers are withheld figures.
type PublishedCell struct {
	Row string `json:"row"`
	Col string `json:"col"`
	// Count is the rounded number of distinct reporters, nil when suppressed.
	Count      *int64 `json:"count"`
	Suppressed bool   `json:"suppressed"`
	// Reason is ReasonPrimary or ReasonSecondary on a suppressed count. It
	// is for the secretariat and auditors: shown to members it would tell
	// them which hidden cells are small (see doc.go, "What readers may
	// see"); use Table.WithoutReasons for member-facing output.
	Reason string `json:"reason"`
	// AmountSum is the sum of claimed amounts rounded to three significant
	// figures, nil when it could disclose a reporter.
	AmountSum *int64 `json:"amount_sum"`
	// AmountMedianBand is the key of the amount band holding the median
	// per-reporter amount, nil when withheld.
	AmountMedianBand *string `json:"amount_median"`
}

// Table is the published form of one TableInput. Cells are in row-major
// order of the input's RowValues × ColValues. A one-way table has no row or
// column totals: its cells are that dimension's totals.
type Table struct {
	ID         string          `json:"id"`
	Population string          `json:"population"`
	RowDim     string          `json:"rows"`
	ColDim     string          `json:"cols"`
	Cells      []PublishedCell `json:"cells"`
	RowTotals  []PublishedCell `json:"row_totals"`
	ColTotals  []PublishedCell `json:"col_totals"`
	Total      PublishedCell   `json:"total"`
}

// WithoutReasons returns a copy of t with every Reason cleared, so that
// primary and secondary suppressions look alike to the reader.
func (t Table) WithoutReasons() Table {
	t.Cells = withoutReasons(t.Cells)
	t.RowTotals = withoutReasons(t.RowTotals)
	t.ColTotals = withoutReasons(t.ColTotals)
	t.Total.Reason = ""
	return t
}

func withoutReasons(cells []PublishedCell) []PublishedCell {
	out := make([]PublishedCell, len(cells))
	copy(out, cells)
	for i := range out {
		out[i].Reason = ""
	}
	return out
}

// Percent returns part as a percentage (0–100 scale) of whole, or nil when
// either figure is withheld or whole is zero. It works on published,
// rounded figures only, so a percentage can never reveal more than the
// counts it is computed from; for the same reason it is not clamped to 100.
func Percent(part, whole *int64) *float64 {
	if part == nil || whole == nil || *whole == 0 {
		return nil
	}
	p := 100 * float64(*part) / float64(*whole)
	return &p
}
