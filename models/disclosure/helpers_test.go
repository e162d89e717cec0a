package disclosure

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// The test world is additive: tables are built from synthetic microdata in
// which every reporter has exactly one value on each dimension, so cells
// add up to their totals — the situation most useful to an attacker.

type dimSpec struct {
	name   string
	values []string
}

func values(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}

type record struct {
	reporter int
	vals     []int // by dimension position
	amount   int64
}

// genRecords draws n reporters with Zipf-like weights per dimension, so
// that a few values are common and many combinations are rare or empty.
func genRecords(seed uint64, n int, dims []dimSpec, skew float64) []record {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	weights := make([][]float64, len(dims))
	for d, ds := range dims {
		w := make([]float64, len(ds.values))
		for i := range w {
			w[i] = 1 / math.Pow(float64(i+1), skew)
		}
		rng.Shuffle(len(w), func(i, j int) { w[i], w[j] = w[j], w[i] })
		weights[d] = cumulative(w)
	}
	recs := make([]record, n)
	for r := range recs {
		vals := make([]int, len(dims))
		for d := range dims {
			vals[d] = pickWeighted(rng, weights[d])
		}
		var amount int64
		switch x := rng.Float64(); {
		case x < 0.5: // non-monetary
		case x < 0.97:
			amount = 10_000 * int64(1+rng.IntN(60))
		default: // a few large claims, so that some sums are dominated
			amount = 10_000 * int64(500+rng.IntN(5000))
		}
		recs[r] = record{reporter: r, vals: vals, amount: amount}
	}
	return recs
}

func cumulative(w []float64) []float64 {
	out := make([]float64, len(w))
	var s float64
	for i, v := range w {
		s += v
		out[i] = s
	}
	for i := range out {
		out[i] /= s
	}
	return out
}

func pickWeighted(rng *rand.Rand, cum []float64) int {
	x := rng.Float64()
	i := sort.SearchFloat64s(cum, x)
	if i >= len(cum) {
		i = len(cum) - 1
	}
	return i
}

// stats turns the amounts of one group of reporters into a Cell.
func stats(amounts []int64) Cell {
	if len(amounts) == 0 {
		return Cell{}
	}
	s := slices.Clone(amounts)
	slices.Sort(s)
	c := Cell{Reporters: int64(len(s)), MedianAmount: s[(len(s)-1)/2]}
	for _, a := range s {
		c.AmountSum += a
	}
	c.Top1 = s[len(s)-1]
	if len(s) > 1 {
		c.Top2 = s[len(s)-2]
	}
	return c
}

type tableSpec struct{ id, row, col string }

// groups sums amounts per reporter within each group, the way the
// caller's SQL does before computing a cell.
type groups[K comparable] map[K]map[int]int64

func (g groups[K]) add(k K, reporter int, amount int64) {
	if g[k] == nil {
		g[k] = map[int]int64{}
	}
	g[k][reporter] += amount
}

func (g groups[K]) cell(k K) Cell {
	var amounts []int64
	for _, a := range g[k] {
		amounts = append(amounts, a)
	}
	return stats(amounts)
}

// buildInputs aggregates records into the tables of specs, counting
// distinct reporters.
func buildInputs(pop string, dims []dimSpec, recs []record, specs []tableSpec, withAmounts bool) []TableInput {
	pos := map[string]int{}
	for i, d := range dims {
		pos[d.name] = i
	}
	var out []TableInput
	for _, sp := range specs {
		rd := dims[pos[sp.row]]
		cells, rows, cols, all := groups[[2]string]{}, groups[string]{}, groups[string]{}, groups[int]{}
		for _, r := range recs {
			rv := rd.values[r.vals[pos[sp.row]]]
			cv := ""
			if sp.col != "" {
				cv = dims[pos[sp.col]].values[r.vals[pos[sp.col]]]
				cols.add(cv, r.reporter, r.amount)
				rows.add(rv, r.reporter, r.amount)
			}
			cells.add([2]string{rv, cv}, r.reporter, r.amount)
			all.add(0, r.reporter, r.amount)
		}
		ti := TableInput{ID: sp.id, Population: pop, RowDim: sp.row, ColDim: sp.col,
			RowValues: rd.values, Cells: map[[2]string]Cell{}, Total: all.cell(0), HasAmounts: withAmounts}
		for k := range cells {
			ti.Cells[k] = cells.cell(k)
		}
		if sp.col != "" {
			ti.ColValues = dims[pos[sp.col]].values
			ti.RowTotals, ti.ColTotals = map[string]Cell{}, map[string]Cell{}
			for v := range rows {
				ti.RowTotals[v] = rows.cell(v)
			}
			for v := range cols {
				ti.ColTotals[v] = cols.cell(v)
			}
		}
		if !withAmounts {
			ti.Total = Cell{Reporters: ti.Total.Reporters}
		}
		out = append(out, ti)
	}
	return out
}

// secondReports lets about one reporter in five file a second report that
// differs on dimension d, as real reporters do (one shop hit on KakaoTalk
// and Kakao Pay). Counts of distinct reporters then no longer add up.
func secondReports(seed uint64, recs []record, d, nValues int) []record {
	rng := rand.New(rand.NewPCG(seed, 77))
	out := append([]record(nil), recs...)
	for _, r := range recs {
		if rng.IntN(5) == 0 {
			vals := append([]int(nil), r.vals...)
			vals[d] = rng.IntN(nValues)
			out = append(out, record{reporter: r.reporter, vals: vals, amount: r.amount / 2})
		}
	}
	return out
}

// entryRef ties a published entry to the figure it prints, identified the
// way a reader would: population plus sorted dimension=value pairs.
type entryRef struct {
	key   string
	truth Cell
	pub   PublishedCell
}

func readerKey(pop string, pairs ...string) string {
	var ps []string
	for i := 0; i+1 < len(pairs); i += 2 {
		ps = append(ps, pairs[i]+"="+pairs[i+1])
	}
	sort.Strings(ps)
	return pop + "|" + strings.Join(ps, "&")
}

// tableLines lists, for one published table and its input, every entry
// and every additivity line (as keys: total first, then members).
func tableLines(in TableInput, out Table) (entries []entryRef, lines [][]string) {
	tot := readerKey(in.Population)
	entries = append(entries, entryRef{tot, in.Total, out.Total})
	if in.ColDim == "" {
		ln := []string{tot}
		for i, v := range in.RowValues {
			k := readerKey(in.Population, in.RowDim, v)
			entries = append(entries, entryRef{k, in.Cells[[2]string{v, ""}], out.Cells[i]})
			ln = append(ln, k)
		}
		return entries, [][]string{ln}
	}
	rowLine := []string{tot}
	for i, rv := range in.RowValues {
		rk := readerKey(in.Population, in.RowDim, rv)
		entries = append(entries, entryRef{rk, in.RowTotals[rv], out.RowTotals[i]})
		rowLine = append(rowLine, rk)
		ln := []string{rk}
		for j, cv := range in.ColValues {
			k := readerKey(in.Population, in.RowDim, rv, in.ColDim, cv)
			entries = append(entries, entryRef{k, in.Cells[[2]string{rv, cv}], out.Cells[i*len(in.ColValues)+j]})
			ln = append(ln, k)
		}
		lines = append(lines, ln)
	}
	colLine := []string{tot}
	for j, cv := range in.ColValues {
		ck := readerKey(in.Population, in.ColDim, cv)
		entries = append(entries, entryRef{ck, in.ColTotals[cv], out.ColTotals[j]})
		colLine = append(colLine, ck)
		ln := []string{ck}
		for _, rv := range in.RowValues {
			ln = append(ln, readerKey(in.Population, in.RowDim, rv, in.ColDim, cv))
		}
		lines = append(lines, ln)
	}
	return entries, append(lines, rowLine, colLine)
}
