package disclosure

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// grid builds an additive two-way table of counts with its margins.
func grid(id, rowDim, colDim string, rows, cols []string, counts [][]int64) TableInput {
	t := TableInput{ID: id, RowDim: rowDim, ColDim: colDim, RowValues: rows, ColValues: cols,
		Cells: map[[2]string]Cell{}, RowTotals: map[string]Cell{}, ColTotals: map[string]Cell{}}
	for i, rv := range rows {
		for j, cv := range cols {
			n := counts[i][j]
			t.Cells[[2]string{rv, cv}] = Cell{Reporters: n}
			t.RowTotals[rv] = Cell{Reporters: t.RowTotals[rv].Reporters + n}
			t.ColTotals[cv] = Cell{Reporters: t.ColTotals[cv].Reporters + n}
			t.Total.Reporters += n
		}
	}
	return t
}

func oneWay(id, dim string, vals []string, counts []int64) TableInput {
	t := TableInput{ID: id, RowDim: dim, RowValues: vals, Cells: map[[2]string]Cell{}}
	for i, v := range vals {
		t.Cells[[2]string{v, ""}] = Cell{Reporters: counts[i]}
		t.Total.Reporters += counts[i]
	}
	return t
}

// hiddenSet lists the suppressed entries of a table as "kind:row/col".
func hiddenSet(t Table) []string {
	var out []string
	add := func(kind string, cs []PublishedCell) {
		for _, c := range cs {
			if c.Suppressed {
				out = append(out, fmt.Sprintf("%s:%s/%s:%s", kind, c.Row, c.Col, c.Reason))
			}
		}
	}
	add("cell", t.Cells)
	add("row", t.RowTotals)
	add("col", t.ColTotals)
	add("total", []PublishedCell{t.Total})
	sort.Strings(out)
	return out
}

func count(c PublishedCell) string {
	if c.Count == nil {
		return "nil"
	}
	return fmt.Sprint(*c.Count)
}

func mustPublish(t *testing.T, r Rules, bands []AmountBand, ins ...TableInput) []Table {
	t.Helper()
	outs, err := Publish(r, bands, ins)
	if err != nil {
		t.Fatal(err)
	}
	if err := lineRule(ins, outs); err != nil {
		t.Fatal(err)
	}
	return outs
}

func TestPrimarySuppressionAndRounding(t *testing.T) {
	tests := []struct {
		name   string
		counts []int64
		want   []string // published count per value, "nil" when suppressed
	}{
		{"threshold edge and rounding", []int64{10, 12, 13, 0, 14, 18}, []string{"10", "10", "15", "0", "15", "20"}},
		{"nine is suppressed, smallest partner follows", []int64{9, 50, 60, 0}, []string{"nil", "nil", "60", "0"}},
		{"one is suppressed", []int64{1, 100, 200}, []string{"nil", "nil", "200"}},
		{"zeros only", []int64{0, 0}, []string{"0", "0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vals := values("v", len(tc.counts))
			out := mustPublish(t, DefaultRules(), nil, oneWay("t", "d", vals, tc.counts))[0]
			for i, c := range out.Cells {
				if got := count(c); got != tc.want[i] {
					t.Errorf("%s (%d reporters): count %s, want %s", c.Row, tc.counts[i], got, tc.want[i])
				}
				if c.Suppressed != (c.Count == nil) {
					t.Errorf("%s: suppressed=%v but count %s", c.Row, c.Suppressed, count(c))
				}
				if small := tc.counts[i] > 0 && tc.counts[i] < 10; small != (c.Reason == ReasonPrimary) {
					t.Errorf("%s: reason %q for %d reporters", c.Row, c.Reason, tc.counts[i])
				}
			}
		})
	}
}

func TestSecondarySuppression(t *testing.T) {
	rows, cols := []string{"a", "b", "c"}, []string{"x", "y", "z"}
	tests := []struct {
		name   string
		counts [][]int64
		want   []string
	}{
		{
			// The cheapest rectangle: partners 40 and 20 fall, 30 rises.
			name:   "single small cell in a row",
			counts: [][]int64{{3, 40, 50}, {20, 30, 60}, {25, 35, 70}},
			want:   []string{"cell:a/x:primary", "cell:a/y:secondary", "cell:b/x:secondary", "cell:b/y:secondary"},
		},
		{
			// Row a holds only zeros besides the small cell: its total is
			// small too, and the protection moves to the row totals.
			name:   "small cell among zeros escalates to the margin",
			counts: [][]int64{{3, 0, 0}, {20, 30, 60}, {25, 35, 70}},
			want:   []string{"cell:a/x:primary", "cell:b/x:secondary", "row:a/:primary", "row:b/:secondary"},
		},
		{
			// Row a's only partner (7) is too small to hide a 3, so the
			// row total (10, publishable on its own) is suppressed instead.
			name:   "partner too small escalates to the margin",
			counts: [][]int64{{3, 7, 0}, {20, 30, 60}, {25, 35, 70}},
			want: []string{"cell:a/x:primary", "cell:a/y:primary", "cell:b/x:secondary", "cell:b/y:secondary",
				"row:a/:secondary", "row:b/:secondary"},
		},
		{
			name:   "nothing small, nothing hidden",
			counts: [][]int64{{10, 0, 50}, {20, 30, 60}, {25, 35, 70}},
			want:   nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := mustPublish(t, DefaultRules(), nil, grid("t", "r", "c", rows, cols, tc.counts))[0]
			if got := hiddenSet(out); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("suppressed %v\nwant       %v", got, tc.want)
			}
		})
	}
}

// TestSharedMargins checks that a small total is withheld in every table
// that prints it, together with the same partner, and that the published
// snapshot withstands the exact attack.
func TestSharedMargins(t *testing.T) {
	dims := []dimSpec{{"service", []string{"s1", "s2", "s3", "s4"}}, {"paid", []string{"paid", "free"}}, {"region", []string{"r1", "r2", "r3"}}}
	var recs []record
	add := func(n, s, p, r int) {
		for range n {
			recs = append(recs, record{reporter: len(recs), vals: []int{s, p, r}})
		}
	}
	add(30, 0, 0, 0)
	add(25, 0, 1, 1)
	add(40, 1, 1, 2)
	add(35, 1, 0, 0)
	add(60, 2, 1, 1)
	add(45, 2, 0, 2)
	add(4, 3, 0, 0) // service s4 has 6 reporters in all
	add(2, 3, 1, 2)
	ins := buildInputs("", dims, recs, []tableSpec{
		{"service", "service", ""}, {"service_paid", "service", "paid"}, {"region_service", "region", "service"},
	}, false)
	outs := mustPublish(t, DefaultRules(), nil, ins...)
	a := newAttack(t, ins, outs) // fails if a shared figure is printed differently

	// The service totals as each table prints them: one-way cells, row
	// totals of service×paid, column totals of region×service.
	printed := [][]PublishedCell{outs[0].Cells, outs[1].RowTotals, outs[2].ColTotals}
	var sets []string
	for i, cs := range printed {
		var hidden []string
		for _, c := range cs {
			if c.Suppressed {
				hidden = append(hidden, c.Row+c.Col+":"+c.Reason)
			}
		}
		sets = append(sets, strings.Join(hidden, ","))
		if !cs[3].Suppressed || cs[3].Reason != ReasonPrimary {
			t.Errorf("table %d prints the s4 total as %+v", i, cs[3])
		}
		if len(hidden) < 2 {
			t.Errorf("table %d hides the s4 total alone: %v", i, hidden)
		}
	}
	if sets[0] != sets[1] || sets[1] != sets[2] {
		t.Errorf("service totals hidden differently: %q", sets)
	}
	for _, exact := range []bool{false, true} {
		if leaks, _ := a.countLeaks(t, DefaultRules(), exact); len(leaks) > 0 {
			t.Errorf("leaks (exact=%v): %v", exact, leaks)
		}
	}
}

func TestAmounts(t *testing.T) {
	dims := []dimSpec{{"service", []string{"s1", "s2", "s3", "s4", "s5"}}}
	var recs []record
	add := func(n, s int, amount int64) {
		for range n {
			recs = append(recs, record{reporter: len(recs), vals: []int{s}, amount: amount})
		}
	}
	add(20, 0, 10_000)
	add(24, 1, 10_000)
	add(1, 1, 5_000_000) // dominates s2
	add(5, 2, 10_000)
	add(30, 3, 200_000)
	add(100, 4, 1_234_567)
	bands := []AmountBand{{"none", 0, 0}, {"to300k", 1, 300_000}, {"to1m", 300_001, 1_000_000}, {"over1m", 1_000_001, -1}}
	in := buildInputs("", dims, recs, []tableSpec{{"service", "service", ""}}, true)[0]
	out := mustPublish(t, DefaultRules(), bands, in)[0]

	str := func(p *string) string {
		if p == nil {
			return "nil"
		}
		return *p
	}
	sum := func(p *int64) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	tests := []struct {
		row, count, sum, band, why string
	}{
		{"s1", "nil", "nil", "nil", "count withheld to protect s3, so its amounts go too"},
		{"s2", "25", "nil", "nil", "one claim dominates the sum (p% rule)"},
		{"s3", "nil", "nil", "nil", "5 reporters"},
		{"s4", "30", "nil", "to300k", "sum withheld so that s2's cannot be worked out; median band is safe"},
		{"s5", "100", "123000000", "over1m", "123,456,700 rounded to 3 significant figures"},
	}
	for i, tc := range tests {
		c := out.Cells[i]
		if c.Row != tc.row || count(c) != tc.count || sum(c.AmountSum) != tc.sum || str(c.AmountMedianBand) != tc.band {
			t.Errorf("%s: count %s sum %s band %s; want %s %s %s (%s)", c.Row, count(c), sum(c.AmountSum),
				str(c.AmountMedianBand), tc.count, tc.sum, tc.band, tc.why)
		}
	}
	if out.Total.AmountSum == nil || *out.Total.AmountSum != roundSignificant(in.Total.AmountSum, 3) {
		t.Errorf("total amount %s, want %d rounded", sum(out.Total.AmountSum), in.Total.AmountSum)
	}
	a := newAttack(t, []TableInput{in}, []Table{out})
	if leaks, n := a.amountLeaks(t, DefaultRules()); len(leaks) > 0 || n != 2 {
		t.Errorf("amount attack checked %d sums, leaks %v", n, leaks)
	}

	in.HasAmounts = false
	for _, c := range mustPublish(t, DefaultRules(), bands, in)[0].Cells {
		if c.AmountSum != nil || c.AmountMedianBand != nil {
			t.Errorf("%s: amounts published for a table without amounts", c.Row)
		}
	}
}

func TestPercent(t *testing.T) {
	p := func(v int64) *int64 { return &v }
	tests := []struct {
		part, whole *int64
		want        string
	}{
		{p(25), p(100), "25"},
		{p(0), p(40), "0"},
		{p(15), p(10), "150"},
		{nil, p(100), "nil"},
		{p(10), nil, "nil"},
		{p(10), p(0), "nil"},
		{nil, nil, "nil"},
	}
	for _, tc := range tests {
		got := "nil"
		if r := Percent(tc.part, tc.whole); r != nil {
			got = fmt.Sprint(*r)
		}
		if got != tc.want {
			t.Errorf("Percent(%v, %v) = %s, want %s", tc.part, tc.whole, got, tc.want)
		}
	}
}

func TestWithoutReasons(t *testing.T) {
	out := mustPublish(t, DefaultRules(), nil, grid("t", "r", "c", []string{"a", "b"}, []string{"x", "y"},
		[][]int64{{3, 40}, {20, 30}}))[0]
	red := out.WithoutReasons()
	if len(hiddenSet(out)) == 0 {
		t.Fatal("fixture suppresses nothing")
	}
	for i, c := range red.Cells {
		if c.Reason != "" || c.Suppressed != out.Cells[i].Suppressed {
			t.Errorf("cell %d: %+v", i, c)
		}
	}
	if out.Cells[0].Reason != ReasonPrimary {
		t.Error("WithoutReasons changed the original table")
	}
}

func TestJSONShape(t *testing.T) {
	out := mustPublish(t, DefaultRules(), nil, oneWay("t", "d", []string{"a", "b", "c"}, []int64{3, 40, 50}))[0]
	b, err := json.Marshal(out.Cells[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"row":"a","col":"","count":null,"suppressed":true,"reason":"primary","amount_sum":null,"amount_median":null}`
	if string(b) != want {
		t.Errorf("cell JSON %s\nwant      %s", b, want)
	}
	b, err = json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"rows":"d"`, `"cols":""`, `"row_totals":[]`, `"col_totals":[]`, `"total":{`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("table JSON lacks %s: %s", key, b)
		}
	}
}

// TestPublishSubAdditive runs Publish on data like the real ones, where a
// reporter may count in two cells of a row: the inputs are accepted, the
// line rule holds and shared figures print alike (checked by newAttack).
func TestPublishSubAdditive(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		recs := secondReports(seed, genRecords(seed, 1500, linkedDims, 1.1), 1, len(dimService.values))
		ins := buildInputs("", linkedDims, recs, linkedSpecs, true)
		outs := mustPublish(t, DefaultRules(), nil, ins...)
		newAttack(t, ins, outs)
		if len(hiddenSet(outs[4])) == 0 {
			t.Fatalf("seed %d: nothing suppressed; the fixture tests nothing", seed)
		}
	}
}

func TestDeterministic(t *testing.T) {
	ins := buildInputs("", linkedDims, genRecords(42, 2000, linkedDims, 1.1), linkedSpecs, true)
	first := mustPublish(t, DefaultRules(), nil, ins...)
	for range 3 {
		if again := mustPublish(t, DefaultRules(), nil, ins...); !reflect.DeepEqual(first, again) {
			t.Fatal("Publish is not deterministic")
		}
	}
}

func TestInputErrors(t *testing.T) {
	base := func() []TableInput {
		return []TableInput{
			oneWay("service", "service", []string{"s1", "s2"}, []int64{20, 30}),
			grid("service_paid", "service", "paid", []string{"s1", "s2"}, []string{"paid", "free"}, [][]int64{{10, 10}, {15, 15}}),
		}
	}
	tests := []struct {
		name    string
		mutate  func([]TableInput) []TableInput
		wantErr string
	}{
		{"valid", func(ts []TableInput) []TableInput { return ts }, ""},
		{"empty ID", func(ts []TableInput) []TableInput { ts[0].ID = ""; return ts }, "no ID"},
		{"duplicate ID", func(ts []TableInput) []TableInput { ts[1].ID = "service"; return ts }, "used twice"},
		{"no values", func(ts []TableInput) []TableInput { ts[0].RowValues = nil; return ts }, "no values"},
		{"value twice", func(ts []TableInput) []TableInput {
			ts[0].RowValues = []string{"s1", "s1"}
			return ts
		}, "twice"},
		{"unknown cell", func(ts []TableInput) []TableInput {
			ts[1].Cells[[2]string{"s9", "paid"}] = Cell{Reporters: 1}
			return ts
		}, "outside the table"},
		{"one-way with totals", func(ts []TableInput) []TableInput {
			ts[0].RowTotals = map[string]Cell{"s1": {Reporters: 20}}
			return ts
		}, "one-way"},
		{"same dimension twice", func(ts []TableInput) []TableInput { ts[1].ColDim = "service"; return ts }, "both"},
		{"shared total disagrees", func(ts []TableInput) []TableInput {
			ts[1].RowTotals["s1"] = Cell{Reporters: 21}
			return ts
		}, "service=s1"},
		{"grand totals disagree", func(ts []TableInput) []TableInput { ts[0].Total.Reporters++; return ts }, "grand total"},
		{"values differ between tables", func(ts []TableInput) []TableInput {
			ts[0] = oneWay("service", "service", []string{"s1", "s3"}, []int64{20, 30})
			return ts
		}, "values"},
		{"amounts mixed in a population", func(ts []TableInput) []TableInput { ts[1].HasAmounts = true; return ts }, "with and without amounts"},
		{"duplicate cross", func(ts []TableInput) []TableInput {
			tr := grid("paid_service", "paid", "service", []string{"paid", "free"}, []string{"s1", "s2"}, [][]int64{{10, 15}, {10, 15}})
			return append(ts, tr)
		}, "same dimensions"},
		{"duplicate one-way", func(ts []TableInput) []TableInput {
			o := oneWay("service2", "service", []string{"s1", "s2"}, []int64{20, 30})
			return append(ts, o)
		}, "duplicates one-way"},
		{"part larger than total", func(ts []TableInput) []TableInput {
			ts[1].Cells[[2]string{"s1", "paid"}] = Cell{Reporters: 25}
			return ts
		}, "more than its total"},
		{"part outweighs total", func(ts []TableInput) []TableInput {
			ts = ts[1:]
			ts[0].HasAmounts = true
			ts[0].Cells[[2]string{"s1", "paid"}] = Cell{Reporters: 10, AmountSum: 100, Top1: 10, Top2: 10}
			return ts
		}, "more than its total"},
		{"negative count", func(ts []TableInput) []TableInput {
			ts[1].Cells[[2]string{"s1", "paid"}] = Cell{Reporters: -1}
			return ts
		}, "out of range"},
		{"top2 above top1", func(ts []TableInput) []TableInput {
			ts = ts[1:]
			ts[0].HasAmounts = true
			ts[0].Cells[[2]string{"s1", "paid"}] = Cell{Reporters: 10, AmountSum: 100, Top1: 10, Top2: 20}
			return ts
		}, "second largest"},
		{"amounts without reporters", func(ts []TableInput) []TableInput {
			ts = ts[1:]
			ts[0].HasAmounts = true
			ts[0].Cells[[2]string{"s1", "paid"}] = Cell{AmountSum: 5, Top1: 5}
			return ts
		}, "without reporters"},
		{"single reporter must be the sum", func(ts []TableInput) []TableInput {
			ts = ts[1:]
			ts[0].HasAmounts = true
			ts[0].Cells[[2]string{"s1", "paid"}] = Cell{Reporters: 1, AmountSum: 50, Top1: 40}
			return ts
		}, "make up the sum"},
		{"separate populations may differ", func(ts []TableInput) []TableInput {
			ts[0].Population = "merchants"
			ts[0].Total.Reporters = 50
			ts[0].HasAmounts = true
			return ts
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Publish(DefaultRules(), nil, tc.mutate(base()))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestPublishRejectsBadRulesAndBands(t *testing.T) {
	in := oneWay("t", "d", []string{"a"}, []int64{20})
	if _, err := Publish(Rules{Threshold: 3, RoundingBase: 1, PPercent: 10}, nil, []TableInput{in}); err == nil {
		t.Error("threshold 3 accepted")
	}
	if _, err := Publish(DefaultRules(), []AmountBand{{"a", 0, 10}, {"b", 5, 20}}, []TableInput{in}); err == nil {
		t.Error("overlapping bands accepted")
	}
	if outs, err := Publish(DefaultRules(), nil, nil); err != nil || len(outs) != 0 {
		t.Errorf("empty catalogue: %v, %v", outs, err)
	}
}
