package stats

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"roundtable/models/disclosure"
	"roundtable/models/reportfile"
)

var update = flag.Bool("update", false, "rewrite the adversary fixture in ../disclosure/testdata")

func mustReport(t *testing.T, c *Coder, v Values, amount int64) Report {
	t.Helper()
	r, err := c.Report(v, amount)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func base(service string) Values {
	return Values{Service: service, ReporterType: "individual", DamageType: "non_monetary", Paid: "free",
		AmountBand: "none", Region: "seoul", Week: reportfile.Week42}
}

func TestCatalogueIsClosedAndCrossesEachPairOnce(t *testing.T) {
	seenPair := map[[2]string]bool{}
	oneWay := map[string]bool{}
	for _, s := range Catalogue() {
		if _, _, ok := DimensionByKey(s.Rows); !ok {
			t.Errorf("table %s: unknown row dimension", s.Key())
		}
		if !s.TwoWay() {
			oneWay[s.Rows] = true
			continue
		}
		if _, _, ok := DimensionByKey(s.Cols); !ok {
			t.Errorf("table %s: unknown column dimension", s.Key())
		}
		pair := [2]string{min(s.Rows, s.Cols), max(s.Rows, s.Cols)}
		if seenPair[pair] {
			t.Errorf("pair %v crossed twice", pair)
		}
		seenPair[pair] = true
	}
	for _, d := range Dimensions() {
		if !oneWay[d.Key] {
			t.Errorf("dimension %s has no one-way table", d.Key)
		}
	}
	want := []string{"service", "reporter_type", "damage_type", "paid", "amount_band", "region", "week", "sector"}
	var got []string
	for _, d := range Dimensions() {
		got = append(got, d.Key)
	}
	if !slices.Equal(got, want) {
		t.Errorf("dimensions %v, want %v (design §3)", got, want)
	}
}

func TestLookupRefusesAnythingOutsideTheCatalogue(t *testing.T) {
	for _, q := range [][2]string{{"service", ""}, {"service", "paid"}, {"paid", "service"}, {"region", "reporter_type"}} {
		if _, _, ok := Lookup(q[0], q[1]); !ok {
			t.Errorf("Lookup(%q, %q) refused a catalogue table", q[0], q[1])
		}
	}
	if _, tr, _ := Lookup("paid", "service"); !tr {
		t.Error("paid×service is the transposed service×paid")
	}
	for _, q := range [][2]string{{"", ""}, {"service", "service"}, {"service", "region"}, {"phone", ""}, {"name", "service"},
		{"service,region", ""}, {"SERVICE", ""}, {"service ", ""}, {"region", "week"}, {"channel", ""}} {
		if _, _, ok := Lookup(q[0], q[1]); ok {
			t.Errorf("Lookup(%q, %q) accepted a table outside the catalogue", q[0], q[1])
		}
	}
}

func TestCoderRefusesUnknownValues(t *testing.T) {
	c := NewCoder()
	v := base("kakaotalk")
	v.Region = "atlantis"
	if _, err := c.Report(v, 0); err == nil {
		t.Error("unknown region accepted")
	}
	if _, err := c.Report(base("kakaotalk"), -1); err == nil {
		t.Error("negative amount accepted")
	}
	r := mustReport(t, c, base("kakaotalk"), 0)
	if got := Dimensions()[DimSector].Values[r.Codes[DimSector]].Key; got != SectorNone {
		t.Errorf("empty sector coded as %q, want %q", got, SectorNone)
	}
}

// A reporter counts once per cell, with their amounts in it summed first.
func TestAggregationCountsDistinctReportersAndSumsPerReporter(t *testing.T) {
	c := NewCoder()
	a := NewAggregator()
	pay := func(amount int64) Values {
		v := base("kakao_pay")
		v.DamageType, v.AmountBand, v.Paid = "lost_sales", reportfile.BandFor(amount), "paid"
		return v
	}
	// Reporter 1: two kakao_pay reports (50,000 + 70,000) and one kakaotalk.
	a.AddReporter([]Report{mustReport(t, c, pay(50_000), 50_000), mustReport(t, c, pay(70_000), 70_000), mustReport(t, c, base("kakaotalk"), 0)})
	// Reporter 2: one kakao_pay report of 400,000.
	a.AddReporter([]Report{mustReport(t, c, pay(400_000), 400_000)})
	// Reporter 3: kakaotalk only.
	a.AddReporter([]Report{mustReport(t, c, base("kakaotalk"), 0)})
	a.AddReporter(nil)

	if a.Reports() != 5 || a.Reporters() != 3 {
		t.Fatalf("reports %d reporters %d, want 5 and 3", a.Reports(), a.Reporters())
	}
	ins := a.Inputs()
	if len(ins) != len(Catalogue()) {
		t.Fatalf("%d inputs for %d tables", len(ins), len(Catalogue()))
	}
	svc := ins[0]
	if svc.ID != "service" || svc.ColDim != "" {
		t.Fatalf("first table %s", svc.ID)
	}
	p := svc.Cells[[2]string{"kakao_pay", ""}]
	want := disclosure.Cell{Reporters: 2, AmountSum: 520_000, Top1: 400_000, Top2: 120_000, MedianAmount: 100_001}
	if p != want {
		t.Errorf("kakao_pay cell %+v, want %+v (per-reporter sums 120,000 and 400,000; lower median 120,000 is in 100k–300k)", p, want)
	}
	if k := svc.Cells[[2]string{"kakaotalk", ""}]; k.Reporters != 2 || k.AmountSum != 0 {
		t.Errorf("kakaotalk cell %+v", k)
	}
	if svc.Total.Reporters != 3 || svc.Total.AmountSum != 520_000 {
		t.Errorf("total %+v", svc.Total)
	}
	// Every table of the snapshot agrees on the shared figures.
	for _, in := range ins {
		if in.Total != svc.Total {
			t.Errorf("table %s has another grand total", in.ID)
		}
		if in.RowDim == "service" && in.ColDim != "" && in.RowTotals["kakao_pay"] != p {
			t.Errorf("table %s: kakao_pay row total %+v differs from the one-way table", in.ID, in.RowTotals["kakao_pay"])
		}
		if in.ColDim == "service" && in.ColTotals["kakao_pay"] != p {
			t.Errorf("table %s: kakao_pay column total differs", in.ID)
		}
	}
	// Reporter 1 sits in both the lost_sales and non_monetary cells.
	var dmg disclosure.TableInput
	for _, in := range ins {
		if in.ID == "damage_type.paid" {
			dmg = in
		}
	}
	if got := dmg.Cells[[2]string{"lost_sales", "paid"}].Reporters; got != 2 {
		t.Errorf("lost_sales×paid: %d reporters", got)
	}
	if got := dmg.Cells[[2]string{"non_monetary", "free"}].Reporters; got != 2 {
		t.Errorf("non_monetary×free: %d reporters", got)
	}
}

// generated reads a synthetic file into reporters' reports.
func generated(t testing.TB, n int, seed int64, firstOnly bool) *Aggregator {
	t.Helper()
	var buf bytes.Buffer
	if err := reportfile.Generate(&buf, n, seed); err != nil {
		t.Fatal(err)
	}
	rd, err := reportfile.Open(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	c := NewCoder()
	byReporter := map[string][]Report{}
	var order []string
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		key := row.BusinessNumber
		if key == "" {
			key = "p" + row.Phone
		}
		r, err := c.Report(Values{Service: row.Service, ReporterType: row.ReporterType, DamageType: row.DamageType, Paid: row.Paid,
			AmountBand: row.AmountBand(), Region: row.Region, Week: row.Week(), Sector: row.Sector}, row.ClaimedAmount)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := byReporter[key]; !ok {
			order = append(order, key)
		} else if firstOnly {
			continue
		}
		byReporter[key] = append(byReporter[key], r)
	}
	if err := rd.Summary().Err(); err != nil {
		t.Fatal(err)
	}
	a := NewAggregator()
	for _, k := range order {
		a.AddReporter(byReporter[k])
	}
	return a
}

// The published snapshot of a realistic data set keeps every rule of
// design §3 visible in its output.
func TestPublishedSnapshotFollowsTheRules(t *testing.T) {
	a := generated(t, 20_000, 7, false)
	p, err := Publish(disclosure.DefaultRules(), a)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tables) != len(Catalogue()) {
		t.Fatalf("%d tables", len(p.Tables))
	}
	hidden := 0
	check := func(table, where string, count *int64, suppressed bool, sum *int64, median *string) {
		switch {
		case suppressed && (count != nil || sum != nil || median != nil):
			t.Errorf("%s %s: withheld count shows figures", table, where)
		case !suppressed && count == nil:
			t.Errorf("%s %s: neither a count nor withheld", table, where)
		case !suppressed && *count > 0 && *count < 10:
			t.Errorf("%s %s: published count %d below the threshold", table, where, *count)
		case !suppressed && *count%5 != 0:
			t.Errorf("%s %s: count %d not rounded to 5", table, where, *count)
		}
		if suppressed {
			hidden++
		}
		if sum != nil && *sum != 0 {
			// Three significant figures.
			s := *sum
			for s >= 1000 {
				if s%10 != 0 {
					t.Errorf("%s %s: sum %d has more than three significant figures", table, where, *sum)
					break
				}
				s /= 10
			}
		}
	}
	for _, tb := range p.Tables {
		for _, c := range tb.Cells {
			check(tb.Table, c.Row+"/"+c.Col, c.Count, c.Suppressed, c.AmountSum, c.AmountMedian)
		}
		for _, c := range append(append([]Total{tb.Total}, tb.RowTotals...), tb.ColTotals...) {
			check(tb.Table, "total "+c.Value, c.Count, c.Suppressed, c.AmountSum, c.AmountMedian)
		}
		if tb.Cols == nil {
			continue
		}
		// Design §3: a row or column holding a withheld cell holds two.
		nc := len(tb.ColTotals)
		for i, rt := range tb.RowTotals {
			n := 0
			if rt.Suppressed {
				n++
			}
			for j := 0; j < nc; j++ {
				if tb.Cells[i*nc+j].Suppressed {
					n++
				}
			}
			if n == 1 {
				t.Errorf("%s: row %s has a single withheld figure", tb.Table, rt.Value)
			}
		}
	}
	if hidden == 0 {
		t.Error("nothing was withheld: the synthetic data's rare combinations should make some cells small")
	}
	if p.Reports.Count == nil || *p.Reports.Count < 19_990 || *p.Reports.Count > 20_010 {
		t.Errorf("reports %+v", p.Reports)
	}
	if p.Reporters.Count == nil || *p.Reporters.Count >= *p.Reports.Count {
		t.Errorf("reporters %+v: repeat reporters should make them fewer than reports", p.Reporters)
	}
	// The published form is deterministic: the same data give the same bytes.
	again, err := Publish(disclosure.DefaultRules(), generated(t, 20_000, 7, false))
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := json.Marshal(p.Tables)
	b2, _ := json.Marshal(again.Tables)
	if !bytes.Equal(b1, b2) {
		t.Error("publishing the same data twice gave different tables")
	}
}

func TestTransposeKeepsEveryFigure(t *testing.T) {
	p, err := Publish(disclosure.DefaultRules(), generated(t, 3_000, 3, false))
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range p.Tables {
		if tb.Cols == nil {
			if tr := tb.Transpose(); tr.Rows != tb.Rows {
				t.Errorf("one-way %s transposed", tb.Table)
			}
			continue
		}
		tr := tb.Transpose()
		if tr.Rows != *tb.Cols || *tr.Cols != tb.Rows || tr.Table != *tb.Cols+"."+tb.Rows {
			t.Errorf("%s transposed to %s", tb.Table, tr.Table)
		}
		byKey := map[[2]string]Cell{}
		for _, c := range tb.Cells {
			byKey[[2]string{c.Row, c.Col}] = c
		}
		for _, c := range tr.Cells {
			o := byKey[[2]string{c.Col, c.Row}]
			if o.Suppressed != c.Suppressed || (o.Count == nil) != (c.Count == nil) || (o.Count != nil && *o.Count != *c.Count) {
				t.Errorf("%s: cell %s/%s changed in transposition", tb.Table, c.Row, c.Col)
			}
		}
		back := tr.Transpose()
		b1, _ := json.Marshal(tb)
		b2, _ := json.Marshal(back)
		if !bytes.Equal(b1, b2) {
			t.Errorf("%s: transposing twice is not the identity", tb.Table)
		}
	}
}

func TestReportCount(t *testing.T) {
	r := disclosure.DefaultRules()
	if got := PublishReportCount(r, 12, false); got.Count == nil || *got.Count != 10 {
		t.Errorf("12 reports → %+v", got)
	}
	if got := PublishReportCount(r, 13, false); *got.Count != 15 {
		t.Errorf("13 reports → %d", *got.Count)
	}
	if got := PublishReportCount(r, 9, false); !got.Suppressed {
		t.Error("9 reports published")
	}
	if got := PublishReportCount(r, 500, true); !got.Suppressed {
		t.Error("reports published while reporters are withheld")
	}
	if got := PublishReportCount(r, 0, false); got.Count == nil || *got.Count != 0 {
		t.Error("zero reports not published as 0")
	}
}

// fixturePath is read by the disclosure package's adversary test, which
// attacks the real catalogue with a linear-programming solver.
var fixturePath = filepath.Join("..", "disclosure", "testdata", "catalogue_snapshot.json")

// The adversary's world is additive, the one that helps it most: one
// report per reporter, so every row adds up to its total. The fixture is
// the catalogue's raw inputs for such a snapshot of the synthetic data.
func TestAdversaryFixtureIsCurrent(t *testing.T) {
	ins := generated(t, 12_000, 11, true).Inputs()
	want, err := json.MarshalIndent(toFixture(ins), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(fixturePath, append(want, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatalf("%v (run go test ./models/stats -run Fixture -update)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Fatal("the adversary fixture is stale: run go test ./models/stats -run Fixture -update")
	}
}

// The fixture's JSON form: disclosure.TableInput keys cells by arrays,
// which JSON objects cannot hold, so cells are listed.
type fixtureCell struct {
	Row  string          `json:"row"`
	Col  string          `json:"col"`
	Cell disclosure.Cell `json:"cell"`
}

type fixtureTable struct {
	ID        string          `json:"id"`
	RowDim    string          `json:"rows"`
	ColDim    string          `json:"cols"`
	RowValues []string        `json:"row_values"`
	ColValues []string        `json:"col_values"`
	Cells     []fixtureCell   `json:"cells"`
	RowTotals []fixtureCell   `json:"row_totals"`
	ColTotals []fixtureCell   `json:"col_totals"`
	Total     disclosure.Cell `json:"total"`
}

type fixture struct {
	Note   string         `json:"note"`
	Tables []fixtureTable `json:"tables"`
}

func toFixture(ins []disclosure.TableInput) fixture {
	f := fixture{Note: "generated by go test ./models/stats -run Fixture -update; do not edit"}
	for _, in := range ins {
		ft := fixtureTable{ID: in.ID, RowDim: in.RowDim, ColDim: in.ColDim, RowValues: in.RowValues, ColValues: in.ColValues, Total: in.Total}
		for _, rv := range in.RowValues {
			cols := in.ColValues
			if in.ColDim == "" {
				cols = []string{""}
			}
			for _, cv := range cols {
				if c, ok := in.Cells[[2]string{rv, cv}]; ok {
					ft.Cells = append(ft.Cells, fixtureCell{rv, cv, c})
				}
			}
			if c, ok := in.RowTotals[rv]; ok {
				ft.RowTotals = append(ft.RowTotals, fixtureCell{rv, "", c})
			}
		}
		for _, cv := range in.ColValues {
			if c, ok := in.ColTotals[cv]; ok {
				ft.ColTotals = append(ft.ColTotals, fixtureCell{"", cv, c})
			}
		}
		f.Tables = append(f.Tables, ft)
	}
	return f
}
