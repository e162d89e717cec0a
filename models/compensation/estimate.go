package compensation

import (
	"fmt"
	"strconv"

	"roundtable/models/disclosure"
	"roundtable/models/reportfile"
	"roundtable/models/stats"
)

// Dimensions an estimate is broken down by; "rule" is the winning cash
// rule, the others are the paid reporter's coded fields (from the report
// that earned the payout).
var Breakdowns = []string{"rule", "reporter_type", "service", "amount_band"}

// figure accumulates one cell over reporters: how many, their payouts'
// sum, the two largest payouts (for the p% rule) and a histogram of
// payouts by amount band (only the band of the median is ever published).
type figure struct {
	reporters  int64
	sum        int64
	top1, top2 int64
	bands      []int64
}

func (f *figure) add(amount int64, band int, nbands int) {
	if f.bands == nil {
		f.bands = make([]int64, nbands)
	}
	f.reporters++
	f.sum += amount
	switch {
	case amount > f.top1:
		f.top1, f.top2 = amount, f.top1
	case amount > f.top2:
		f.top2 = amount
	}
	f.bands[band]++
}

// cell turns the figure into the disclosure package's input. The median is
// represented by the lower bound of the band that holds the lower median,
// which is all that is ever published of it.
func (f *figure) cell(bands []reportfile.AmountBand) disclosure.Cell {
	c := disclosure.Cell{Reporters: f.reporters, AmountSum: f.sum, Top1: f.top1, Top2: f.top2}
	if f.reporters == 0 {
		return c
	}
	half := (f.reporters + 1) / 2
	var seen int64
	for i, n := range f.bands {
		seen += n
		if seen >= half {
			c.MedianAmount = bands[i].Min
			break
		}
	}
	return c
}

// Estimator accumulates an estimate from records that arrive grouped by
// reporter (ordered by ReporterKey): memory stays proportional to the
// number of rules and codes, not of reports.
type Estimator struct {
	rules []Rule
	bands []reportfile.AmountBand

	reports, reporters, eligibleReports int64
	cur                                 string
	best                                Record
	bestRule                            int
	bestAmount                          int64
	gestures                            map[int]bool

	total    figure
	by       map[string]map[string]*figure
	gestured map[int]int64
}

// NewEstimator prepares an estimate of rules.
func NewEstimator(rules []Rule) *Estimator {
	e := &Estimator{rules: rules, bands: reportfile.AmountBands(), bestRule: -1, gestures: map[int]bool{},
		by: map[string]map[string]*figure{}, gestured: map[int]int64{}}
	for _, b := range Breakdowns {
		e.by[b] = map[string]*figure{}
	}
	return e
}

// Add takes one report. Reports of one reporter must be consecutive.
func (e *Estimator) Add(r Record) {
	if r.ReporterKey != e.cur || e.reports == 0 {
		e.flush()
		e.cur = r.ReporterKey
		e.reporters++
	}
	e.reports++
	i, amount := Cash(e.rules, r)
	if i >= 0 {
		e.eligibleReports++
		if amount > e.bestAmount || e.bestRule < 0 {
			e.best, e.bestRule, e.bestAmount = r, i, amount
		}
	}
	for _, g := range Gestures(e.rules, r) {
		e.gestures[g] = true
	}
}

func (e *Estimator) bandIndex(amount int64) int {
	for i, b := range e.bands {
		if amount >= b.Min && (b.Max < 0 || amount <= b.Max) {
			return i
		}
	}
	return len(e.bands) - 1
}

// flush settles the current reporter: one payment, the best one.
func (e *Estimator) flush() {
	if e.bestRule >= 0 {
		band := e.bandIndex(e.bestAmount)
		n := len(e.bands)
		e.total.add(e.bestAmount, band, n)
		keys := map[string]string{"rule": strconv.Itoa(e.bestRule), "reporter_type": e.best.ReporterType,
			"service": e.best.Service, "amount_band": reportfile.BandFor(e.bestAmount)}
		for dim, v := range keys {
			f := e.by[dim][v]
			if f == nil {
				f = &figure{}
				e.by[dim][v] = f
			}
			f.add(e.bestAmount, band, n)
		}
	}
	for g := range e.gestures {
		e.gestured[g]++
	}
	e.bestRule, e.bestAmount, e.gestures = -1, 0, map[int]bool{}
}

// Raw is an estimate before disclosure control: for the secretariat's own
// checks and for tests, never for members.
type Raw struct {
	Reports, Reporters, EligibleReports, EligibleReporters, TotalPayout int64
	ByRule                                                              map[int]int64 // winning rule → reporters
	Gestures                                                            map[int]int64 // gesture rule → reporters
}

// Finish closes the last reporter and returns the raw figures and the
// disclosure inputs (one one-way table per breakdown, population "impact").
func (e *Estimator) Finish() (Raw, []disclosure.TableInput) {
	e.flush()
	raw := Raw{Reports: e.reports, Reporters: e.reporters, EligibleReports: e.eligibleReports, EligibleReporters: e.total.reporters,
		TotalPayout: e.total.sum, ByRule: map[int]int64{}, Gestures: e.gestured}
	for k, f := range e.by["rule"] {
		i, _ := strconv.Atoi(k)
		raw.ByRule[i] = f.reporters
	}
	var inputs []disclosure.TableInput
	for _, dim := range Breakdowns {
		t := disclosure.TableInput{ID: "impact_" + dim, Population: "impact", RowDim: dim, HasAmounts: true,
			Cells: map[[2]string]disclosure.Cell{}, Total: e.total.cell(e.bands)}
		t.RowValues = e.values(dim)
		for _, v := range t.RowValues {
			if f := e.by[dim][v]; f != nil {
				t.Cells[[2]string{v, ""}] = f.cell(e.bands)
			}
		}
		inputs = append(inputs, t)
	}
	return raw, inputs
}

// values lists every possible value of a breakdown (not only those that
// occur, so an absent value reads as 0, not as hidden).
func (e *Estimator) values(dim string) []string {
	var out []string
	switch dim {
	case "rule":
		for i, r := range e.rules {
			if r.Pay.Kind != PayGesture {
				out = append(out, strconv.Itoa(i))
			}
		}
	case "reporter_type":
		out = reporterTypes
	case "service":
		out = services
	case "amount_band":
		for _, b := range e.bands {
			out = append(out, b.Key)
		}
	}
	// Values that occurred but are not in the list (should not happen with
	// validated data) are kept rather than dropped silently.
	for v := range e.by[dim] {
		found := false
		for _, x := range out {
			if x == v {
				found = true
				break
			}
		}
		if !found {
			out = append(out, v)
		}
	}
	return out
}

// Publish applies the disclosure rules to an estimate's tables.
func Publish(r disclosure.Rules, inputs []disclosure.TableInput) ([]disclosure.Table, error) {
	ts, err := disclosure.Publish(r, stats.Bands(), inputs)
	if err != nil {
		return nil, fmt.Errorf("publish impact estimate: %w", err)
	}
	for i := range ts {
		ts[i] = ts[i].WithoutReasons()
	}
	return ts, nil
}
