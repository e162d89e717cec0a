package disclosure

import (
	"fmt"
	"math"
	"testing"
)

// The adversary test attacks published snapshots the way design §3 fears:
// it takes every published figure of a snapshot, every additivity
// relation between them (cells to row and column totals, totals to the
// grand total, shared totals across tables) and solves linear programs for
// the largest value each withheld figure could hold. The guarantee stated
// in doc.go is asserted exactly:
//
//   - counts: for every primary-suppressed count x, max ≥ Threshold. As
//     the true value x < Threshold is feasible, the interval the reader
//     can derive always holds x and at least one publishable value, so it
//     never pins the cell and never proves it small;
//   - amounts: for every sum withheld for its own sake (fewer than
//     Threshold reporters, or dominated), max ≥ sum + ⌈p% of sum⌉.
//
// Reader knowledge, deliberately generous: a published count c > 0 lies in
// [max(T, c-⌊b/2⌋), c+⌈b/2⌉-1] (it was rounded and it is publishable), a
// published 0 is exact, a suppressed count is ≥ 1 (zeros are never
// suppressed); the "exact" variant even gives the reader the true value
// of every published count. Amounts are attacked with exact published
// sums, which is stronger than the 3-significant-figure rounding.

type attack struct {
	keys  map[string]int
	refs  []entryRef
	lines [][]int // total first, then members
}

// newAttack collects the snapshot as a reader sees it and checks that
// every figure printed in several tables is printed identically.
func newAttack(t *testing.T, ins []TableInput, outs []Table) *attack {
	t.Helper()
	a := &attack{keys: map[string]int{}}
	seen := map[string]bool{}
	for i := range ins {
		entries, lines := tableLines(ins[i], outs[i])
		for _, e := range entries {
			if k, ok := a.keys[e.key]; ok {
				if !samePublished(a.refs[k].pub, e.pub) {
					t.Fatalf("%s printed differently in two tables: %+v vs %+v", e.key, a.refs[k].pub, e.pub)
				}
				continue
			}
			a.keys[e.key] = len(a.refs)
			a.refs = append(a.refs, e)
		}
		for _, ln := range lines {
			sig := fmt.Sprint(ln)
			if seen[sig] {
				continue
			}
			seen[sig] = true
			idx := make([]int, len(ln))
			for j, k := range ln {
				idx[j] = a.keys[k]
			}
			a.lines = append(a.lines, idx)
		}
	}
	return a
}

func samePublished(x, y PublishedCell) bool {
	eq := func(p, q *int64) bool { return (p == nil) == (q == nil) && (p == nil || *p == *q) }
	return x.Suppressed == y.Suppressed && x.Reason == y.Reason && eq(x.Count, y.Count) && eq(x.AmountSum, y.AmountSum)
}

// maxima solves max x_f for each target under per-figure bounds [lo, up];
// figures with lo == up are constants.
func (a *attack) maxima(t *testing.T, lo, up []float64, targets []int) map[int]float64 {
	t.Helper()
	col := make([]int, len(a.refs))
	var vlo, vup []float64
	for f := range a.refs {
		col[f] = -1
		if lo[f] != up[f] {
			col[f] = len(vlo)
			vlo, vup = append(vlo, lo[f]), append(vup, up[f])
		}
	}
	var rows []lpRow
	for _, ln := range a.lines {
		var r lpRow
		for j, f := range ln {
			c := -1.0
			if j == 0 {
				c = 1
			}
			if col[f] < 0 {
				r.rhs -= c * lo[f]
				continue
			}
			r.idx, r.coef = append(r.idx, col[f]), append(r.coef, c)
		}
		if len(r.idx) == 0 {
			if math.Abs(r.rhs) > 1e-6 {
				t.Fatalf("published constants contradict each other (%v)", r.rhs)
			}
			continue
		}
		rows = append(rows, r)
	}
	s, err := newSimplex(len(vlo), rows, vlo, vup)
	if err != nil {
		t.Fatalf("the true tables do not satisfy the reader's constraints: %v", err)
	}
	out := map[int]float64{}
	for _, f := range targets {
		if col[f] < 0 {
			out[f] = lo[f]
			continue
		}
		v, err := s.maximize(col[f])
		if err != nil {
			t.Fatal(err)
		}
		out[f] = v
	}
	return out
}

// countBounds is what a reader knows of every count.
func (a *attack) countBounds(r Rules, exact bool) (lo, up []float64) {
	b := int64(r.RoundingBase)
	for _, e := range a.refs {
		switch {
		case e.pub.Suppressed:
			lo, up = append(lo, 1), append(up, math.Inf(1))
		case exact || *e.pub.Count == 0:
			v := float64(e.truth.Reporters)
			lo, up = append(lo, v), append(up, v)
		default:
			c := *e.pub.Count
			lo = append(lo, float64(max(int64(r.Threshold), c-b/2)))
			up = append(up, float64(c+(b+1)/2-1))
		}
	}
	return lo, up
}

// amountScale keeps the LP in small numbers; test amounts are multiples of it.
const amountScale = 10_000

func (a *attack) amountBounds() (lo, up []float64) {
	for _, e := range a.refs {
		switch {
		case e.pub.AmountSum != nil || (!e.pub.Suppressed && *e.pub.Count == 0):
			v := float64(e.truth.AmountSum) / amountScale
			lo, up = append(lo, v), append(up, v)
		default:
			lo, up = append(lo, 0), append(up, math.Inf(1))
		}
	}
	return lo, up
}

// countLeaks returns the primary counts a reader can prove are small.
func (a *attack) countLeaks(t *testing.T, r Rules, exact bool) (leaks []string, checked int) {
	var targets []int
	for f, e := range a.refs {
		if e.pub.Reason == ReasonPrimary {
			if n := e.truth.Reporters; n < 1 || n >= int64(r.Threshold) {
				t.Fatalf("%s marked primary with %d reporters", e.key, n)
			}
			targets = append(targets, f)
		}
	}
	lo, up := a.countBounds(r, exact)
	for f, hi := range a.maxima(t, lo, up, targets) {
		if hi < float64(r.Threshold)-1e-6 {
			leaks = append(leaks, fmt.Sprintf("%s: true %d, reader proves ≤ %.2f", a.refs[f].key, a.refs[f].truth.Reporters, hi))
		}
	}
	return leaks, len(targets)
}

// amountLeaks returns the withheld sums a reader can bound too tightly.
func (a *attack) amountLeaks(t *testing.T, r Rules) (leaks []string, checked int) {
	var targets []int
	need := map[int]float64{}
	for f, e := range a.refs {
		c := e.truth
		if c.AmountSum == 0 {
			continue
		}
		rest := float64(c.AmountSum - c.Top1 - c.Top2)
		dom := rest*100 < r.PPercent*float64(c.Top1)
		if e.pub.Reason == ReasonPrimary || (!e.pub.Suppressed && c.Reporters >= int64(r.Threshold) && dom) {
			if e.pub.AmountSum != nil {
				t.Fatalf("%s: sensitive sum %d published", e.key, c.AmountSum)
			}
			targets = append(targets, f)
			need[f] = float64(c.AmountSum+int64(math.Ceil(r.PPercent*float64(c.AmountSum)/100))) / amountScale
		}
	}
	lo, up := a.amountBounds()
	for f, hi := range a.maxima(t, lo, up, targets) {
		if hi < need[f]-1e-6 {
			leaks = append(leaks, fmt.Sprintf("%s: sum %d, reader proves ≤ %.0f", a.refs[f].key, a.refs[f].truth.AmountSum, hi*amountScale))
		}
	}
	return leaks, len(targets)
}

// lineRule checks design §3's plain rule on every row, column and margin
// line of every table: a line has no suppressed figure or at least two.
func lineRule(ins []TableInput, outs []Table) error {
	for i := range ins {
		entries, lines := tableLines(ins[i], outs[i])
		hidden := map[string]bool{}
		for _, e := range entries {
			hidden[e.key] = e.pub.Suppressed
		}
		for _, ln := range lines {
			n := 0
			for _, k := range ln {
				if hidden[k] {
					n++
				}
			}
			if n == 1 {
				return fmt.Errorf("table %s: line of %s has a single suppressed figure", ins[i].ID, ln[0])
			}
		}
	}
	return nil
}

var (
	dimRegion   = dimSpec{"region", values("r", 17)}
	dimService  = dimSpec{"service", values("s", 9)}
	dimPaid     = dimSpec{"paid", []string{"paid", "free"}}
	dimReporter = dimSpec{"reporter_type", values("t", 4)}
	linkedDims  = []dimSpec{dimRegion, dimService, dimPaid, dimReporter}
	// A catalogue whose tables share margins: the one-way tables equal the
	// totals of the two-way ones.
	linkedSpecs = []tableSpec{
		{"region", "region", ""}, {"service", "service", ""}, {"paid", "paid", ""}, {"reporter", "reporter_type", ""},
		{"region_service", "region", "service"}, {"service_paid", "service", "paid"},
		{"region_paid", "region", "paid"}, {"reporter_service", "reporter_type", "service"},
	}
)

type scenario struct {
	name  string
	rules Rules
	ins   []TableInput
}

func adversaryScenarios(short bool) []scenario {
	seeds := []uint64{1, 2, 3, 4, 5, 6, 7, 8}
	if short {
		seeds = seeds[:2]
	}
	rs := []dimSpec{dimRegion, dimService}
	var out []scenario
	for _, seed := range seeds {
		// 17×9 alone, dense enough to publish most cells, and sparse
		// enough (600 reporters) that nearly everything is small.
		out = append(out,
			scenario{fmt.Sprintf("17x9/seed%d", seed), DefaultRules(),
				buildInputs("", rs, genRecords(seed, 2500, rs, 1.0), []tableSpec{{"rs", "region", "service"}}, true)},
			scenario{fmt.Sprintf("17x9-sparse/seed%d", seed), DefaultRules(),
				buildInputs("", rs, genRecords(seed+50, 600, rs, 1.1), []tableSpec{{"rs", "region", "service"}}, true)},
			scenario{fmt.Sprintf("linked/seed%d", seed), DefaultRules(),
				buildInputs("", linkedDims, genRecords(seed+100, 3000, linkedDims, 1.1), linkedSpecs, true)},
		)
	}
	out = append(out,
		scenario{"linked/no-rounding", Rules{Threshold: 5, RoundingBase: 1, PPercent: 20},
			buildInputs("", linkedDims, genRecords(7, 1500, linkedDims, 1.3), linkedSpecs, true)},
		scenario{"linked/population-below-threshold", DefaultRules(),
			buildInputs("", linkedDims, genRecords(8, 7, linkedDims, 1), linkedSpecs, true)},
		scenario{"two-populations", DefaultRules(), append(
			prefixIDs("all/", buildInputs("all", linkedDims, genRecords(9, 2000, linkedDims, 1.2), linkedSpecs[4:6], true)),
			prefixIDs("merchants/", buildInputs("merchants", linkedDims, genRecords(10, 400, linkedDims, 1.2), linkedSpecs[:5], true))...)},
	)
	if !short {
		out = append(out, scenario{"catalogue", DefaultRules(), catalogue(20_000)})
	}
	return out
}

func prefixIDs(prefix string, ins []TableInput) []TableInput {
	for i := range ins {
		ins[i].ID = prefix + ins[i].ID
	}
	return ins
}

func TestAdversary(t *testing.T) {
	for _, sc := range adversaryScenarios(testing.Short()) {
		t.Run(sc.name, func(t *testing.T) {
			outs, err := Publish(sc.rules, nil, sc.ins)
			if err != nil {
				t.Fatal(err)
			}
			if err := lineRule(sc.ins, outs); err != nil {
				t.Error(err)
			}
			a := newAttack(t, sc.ins, outs)
			for _, exact := range []bool{false, true} {
				leaks, n := a.countLeaks(t, sc.rules, exact)
				if n == 0 {
					t.Fatal("scenario has no primary cells; it tests nothing")
				}
				for _, l := range leaks {
					t.Errorf("count leak (exact=%v): %s", exact, l)
				}
			}
			leaks, n := a.amountLeaks(t, sc.rules)
			if n == 0 {
				t.Fatal("scenario has no sensitive sums; it tests nothing")
			}
			for _, l := range leaks {
				t.Errorf("amount leak: %s", l)
			}
		})
	}
}

// TestAdversaryNeedsSecondary proves the adversary has teeth: with
// secondary suppression switched off, the same attack recovers counts and
// sums on the same kind of data.
func TestAdversaryNeedsSecondary(t *testing.T) {
	var countLeaks, amountLeaks int
	for _, sc := range adversaryScenarios(true) {
		outs, err := publish(sc.rules, nil, sc.ins, false)
		if err != nil {
			t.Fatal(err)
		}
		a := newAttack(t, sc.ins, outs)
		l, _ := a.countLeaks(t, sc.rules, false)
		countLeaks += len(l)
		l, _ = a.amountLeaks(t, sc.rules)
		amountLeaks += len(l)
	}
	if countLeaks == 0 {
		t.Error("primary suppression alone leaked no count: the adversary is toothless")
	}
	if amountLeaks == 0 {
		t.Error("primary suppression alone leaked no sum: the adversary is toothless")
	}
	t.Logf("without secondary suppression: %d counts and %d sums recovered", countLeaks, amountLeaks)
}
