package stats

import (
	"fmt"

	"roundtable/models/disclosure"
)

// Cell is one published cell of a table, in the API's JSON shape. A
// withheld count is null with Suppressed set; a withheld amount is null.
type Cell struct {
	Row          string  `json:"row"`
	Col          string  `json:"col"`
	Count        *int64  `json:"count"`
	Suppressed   bool    `json:"suppressed"`
	AmountSum    *int64  `json:"amount_sum"`
	AmountMedian *string `json:"amount_median"`
}

// Total is one published row total, column total or grand total.
type Total struct {
	Value        string  `json:"value,omitempty"`
	Count        *int64  `json:"count"`
	Suppressed   bool    `json:"suppressed"`
	AmountSum    *int64  `json:"amount_sum"`
	AmountMedian *string `json:"amount_median"`
}

// Table is one published table exactly as members, auditors and the API
// see it. It carries no reason for a withheld figure: a reader who could
// tell cells withheld for being small from cells withheld to protect them
// would learn which cells are small.
type Table struct {
	Table        string  `json:"table"`
	Rows         string  `json:"rows"`
	Cols         *string `json:"cols"`
	SnapshotID   int64   `json:"snapshot_id"`
	Threshold    int     `json:"threshold"`
	RoundingBase int     `json:"rounding_base"`
	Total        Total   `json:"total"`
	Cells        []Cell  `json:"cells"`
	RowTotals    []Total `json:"row_totals"`
	ColTotals    []Total `json:"col_totals"`
}

// Published is everything a snapshot shows: its tables in catalogue order
// and the published number of reports.
type Published struct {
	Rules     disclosure.Rules
	Tables    []Table
	Reports   Total // reports, not reporters; see PublishReportCount
	Reporters Total
}

// Publish applies the disclosure rules to every table of the aggregated
// snapshot at once (so that figures shared between tables are decided
// once and no table gives away what another withholds) and returns the
// member-facing tables.
func Publish(r disclosure.Rules, a *Aggregator) (*Published, error) {
	r = r.WithDefaults()
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	outs, err := disclosure.Publish(r, Bands(), a.Inputs())
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	p := &Published{Rules: r}
	for _, t := range outs {
		p.Tables = append(p.Tables, fromDisclosure(t.WithoutReasons(), r))
	}
	if len(p.Tables) > 0 {
		p.Reporters = p.Tables[0].Total
	}
	p.Reports = PublishReportCount(r, a.Reports(), p.Reporters.Suppressed)
	return p, nil
}

// PublishReportCount publishes the number of reports (not reporters) the
// way counts are published: rounded to the rounding base, and withheld
// when below the threshold or when the number of reporters is withheld
// (there are at least as many reports as reporters, so it would bound
// that figure). Reports are a different measure from reporters and
// enter no table, so no table can be subtracted from it exactly.
func PublishReportCount(r disclosure.Rules, n int64, reportersWithheld bool) Total {
	if reportersWithheld || (n > 0 && n < int64(r.Threshold)) {
		return Total{Suppressed: true}
	}
	v := RoundCount(n, r.RoundingBase)
	return Total{Count: &v}
}

// RoundCount rounds n to the nearest multiple of base, halves upwards, as
// the disclosure rules round every published count.
func RoundCount(n int64, base int) int64 {
	b := int64(base)
	if b <= 1 {
		return n
	}
	return (n + b/2) / b * b
}

func fromDisclosure(t disclosure.Table, r disclosure.Rules) Table {
	out := Table{Table: t.ID, Rows: t.RowDim, Threshold: r.Threshold, RoundingBase: r.RoundingBase,
		Total: total(t.Total, ""), Cells: make([]Cell, 0, len(t.Cells)), RowTotals: []Total{}, ColTotals: []Total{}}
	if t.ColDim != "" {
		c := t.ColDim
		out.Cols = &c
	}
	for _, c := range t.Cells {
		out.Cells = append(out.Cells, Cell{Row: c.Row, Col: c.Col, Count: c.Count, Suppressed: c.Suppressed,
			AmountSum: c.AmountSum, AmountMedian: c.AmountMedianBand})
	}
	if t.ColDim == "" {
		// A one-way table's cells are its row totals; listing them there
		// too lets a client read every table the same way.
		for _, c := range t.Cells {
			out.RowTotals = append(out.RowTotals, total(c, c.Row))
		}
		return out
	}
	for _, c := range t.RowTotals {
		out.RowTotals = append(out.RowTotals, total(c, c.Row))
	}
	for _, c := range t.ColTotals {
		out.ColTotals = append(out.ColTotals, total(c, c.Col))
	}
	return out
}

func total(c disclosure.PublishedCell, value string) Total {
	return Total{Value: value, Count: c.Count, Suppressed: c.Suppressed, AmountSum: c.AmountSum, AmountMedian: c.AmountMedianBand}
}

// Transpose returns the table with rows and columns swapped, for a client
// that asks for a two-way table the other way round. The figures are the
// same ones; only their order changes.
func (t Table) Transpose() Table {
	if t.Cols == nil {
		return t
	}
	out := t
	rows := t.Rows
	out.Rows, out.Cols = *t.Cols, &rows
	out.Table = out.Rows + "." + *out.Cols
	out.RowTotals, out.ColTotals = t.ColTotals, t.RowTotals
	nr, nc := len(t.RowTotals), len(t.ColTotals)
	out.Cells = make([]Cell, 0, len(t.Cells))
	for j := 0; j < nc; j++ {
		for i := 0; i < nr; i++ {
			c := t.Cells[i*nc+j]
			c.Row, c.Col = c.Col, c.Row
			out.Cells = append(out.Cells, c)
		}
	}
	return out
}
