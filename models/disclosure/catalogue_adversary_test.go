package disclosure

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The fixture is the real statistics catalogue (models/stats: 8 one-way and
// 8 two-way tables over the dimensions of design §3, sharing their
// margins) computed from 12,000 synthetic reports calibrated to the 2022
// council, one report per reporter so that every line adds up exactly.
// models/stats regenerates it and fails when it is stale.
type catalogueFixture struct {
	Tables []struct {
		ID        string   `json:"id"`
		RowDim    string   `json:"rows"`
		ColDim    string   `json:"cols"`
		RowValues []string `json:"row_values"`
		ColValues []string `json:"col_values"`
		Cells     []struct {
			Row  string `json:"row"`
			Col  string `json:"col"`
			Cell Cell   `json:"cell"`
		} `json:"cells"`
		RowTotals []struct {
			Row  string `json:"row"`
			Cell Cell   `json:"cell"`
		} `json:"row_totals"`
		ColTotals []struct {
			Col  string `json:"col"`
			Cell Cell   `json:"cell"`
		} `json:"col_totals"`
		Total Cell `json:"total"`
	} `json:"tables"`
}

func loadCatalogueFixture(t *testing.T) []TableInput {
	t.Helper()
	return loadFixtureFile(t, filepath.Join("testdata", "catalogue_snapshot.json"))
}

func loadFixtureFile(t *testing.T, path string) []TableInput {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f catalogueFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	var ins []TableInput
	for _, ft := range f.Tables {
		in := TableInput{ID: ft.ID, Population: "reporters", RowDim: ft.RowDim, ColDim: ft.ColDim, RowValues: ft.RowValues,
			ColValues: ft.ColValues, Total: ft.Total, HasAmounts: true, Cells: map[[2]string]Cell{}}
		for _, c := range ft.Cells {
			in.Cells[[2]string{c.Row, c.Col}] = c.Cell
		}
		if ft.ColDim != "" {
			in.RowTotals, in.ColTotals = map[string]Cell{}, map[string]Cell{}
			for _, c := range ft.RowTotals {
				in.RowTotals[c.Row] = c.Cell
			}
			for _, c := range ft.ColTotals {
				in.ColTotals[c.Col] = c.Cell
			}
		}
		ins = append(ins, in)
	}
	return ins
}

// TestAdversaryOnTheRealCatalogue takes every published table of one
// snapshot of the real catalogue and tries to recover each withheld count
// and sum by linear programming over all of them at once; it must fail for
// every one, and it must succeed without secondary suppression (so the
// attack is known to work on this very catalogue).
func TestAdversaryOnTheRealCatalogue(t *testing.T) {
	ins := loadCatalogueFixture(t)
	if len(ins) != 16 {
		t.Fatalf("fixture has %d tables", len(ins))
	}
	bands := []AmountBand{{"none", 0, 0}, {"1_100k", 1, 100_000}, {"100k_300k", 100_001, 300_000}, {"300k_500k", 300_001, 500_000},
		{"500k_1m", 500_001, 1_000_000}, {"1m_5m", 1_000_001, 5_000_000}, {"over_5m", 5_000_001, -1}}
	r := DefaultRules()
	outs, err := Publish(r, bands, ins)
	if err != nil {
		t.Fatal(err)
	}
	if err := lineRule(ins, outs); err != nil {
		t.Error(err)
	}
	a := newAttack(t, ins, outs)
	for _, exact := range []bool{false, true} {
		leaks, n := a.countLeaks(t, r, exact)
		if n == 0 {
			t.Fatal("no primary cells in the fixture; it tests nothing")
		}
		for _, l := range leaks {
			t.Errorf("count leak (exact=%v): %s", exact, l)
		}
		t.Logf("exact=%v: %d withheld small counts attacked, %d recovered", exact, n, len(leaks))
	}
	leaks, n := a.amountLeaks(t, r)
	for _, l := range leaks {
		t.Errorf("amount leak: %s", l)
	}
	t.Logf("%d sensitive sums attacked, %d bounded too tightly", n, len(leaks))

	weak, err := publish(r, bands, ins, false)
	if err != nil {
		t.Fatal(err)
	}
	wa := newAttack(t, ins, weak)
	if l, _ := wa.countLeaks(t, r, false); len(l) == 0 {
		t.Error("without secondary suppression the attack recovered nothing: it proves nothing on this catalogue")
	} else {
		t.Logf("without secondary suppression: %d small counts recovered", len(l))
	}
}
