package disclosure

import "testing"

func TestRoundCount(t *testing.T) {
	tests := []struct {
		n    int64
		base int
		want int64
	}{
		{0, 5, 0}, {10, 5, 10}, {12, 5, 10}, {13, 5, 15}, {14, 5, 15}, {15, 5, 15},
		{17, 5, 15}, {18, 5, 20}, {1002, 5, 1000}, {1003, 5, 1005},
		{15, 10, 20}, {14, 10, 10}, {25, 10, 30}, // even base: halves go up
		{11, 1, 11}, {12, 3, 12}, {13, 3, 12}, {14, 3, 15},
	}
	for _, tc := range tests {
		if got := roundCount(tc.n, tc.base); got != tc.want {
			t.Errorf("roundCount(%d, %d) = %d, want %d", tc.n, tc.base, got, tc.want)
		}
	}
}

func TestRoundSignificant(t *testing.T) {
	tests := []struct{ v, want int64 }{
		{0, 0}, {7, 7}, {999, 999}, {1000, 1000}, {1004, 1000}, {1005, 1010},
		{12_345, 12_300}, {12_350, 12_400}, {1_234_567, 1_230_000}, {1_235_000, 1_240_000},
		{999_499, 999_000}, {999_500, 1_000_000}, {30_000, 30_000},
		{maxAmount, maxAmount}, {maxAmount - 1, maxAmount},
	}
	for _, tc := range tests {
		if got := roundSignificant(tc.v, 3); got != tc.want {
			t.Errorf("roundSignificant(%d) = %d, want %d", tc.v, got, tc.want)
		}
	}
}

func TestBandOf(t *testing.T) {
	bands := []AmountBand{
		{Key: "none", Min: 0, Max: 0},
		{Key: "to300k", Min: 1, Max: 300_000},
		{Key: "to500k", Min: 300_001, Max: 500_000},
		{Key: "over1m", Min: 1_000_001, Max: -1},
	}
	tests := []struct {
		m    int64
		want string // "" means no band
	}{
		{0, "none"}, {1, "to300k"}, {300_000, "to300k"}, {300_001, "to500k"}, {500_000, "to500k"},
		{500_001, ""}, {1_000_000, ""}, {1_000_001, "over1m"}, {maxAmount, "over1m"},
	}
	for _, tc := range tests {
		got := bandOf(bands, tc.m)
		switch {
		case tc.want == "" && got != nil:
			t.Errorf("bandOf(%d) = %q, want none", tc.m, *got)
		case tc.want != "" && (got == nil || *got != tc.want):
			t.Errorf("bandOf(%d) = %v, want %q", tc.m, got, tc.want)
		}
	}
	if bandOf(nil, 5) != nil {
		t.Error("no bands must give no band")
	}
}

func TestDominated(t *testing.T) {
	tests := []struct {
		name string
		c    Cell
		p    float64
		want bool
	}{
		{"one reporter", Cell{Reporters: 1, AmountSum: 500, Top1: 500}, 10, true},
		{"two reporters", Cell{Reporters: 2, AmountSum: 900, Top1: 500, Top2: 400}, 10, true},
		{"rest exactly p% of top1 passes", Cell{Reporters: 12, AmountSum: 1100, Top1: 1000, Top2: 0}, 10, false},
		{"rest just under p% fails", Cell{Reporters: 12, AmountSum: 1099, Top1: 1000, Top2: 0}, 10, true},
		{"even spread passes", Cell{Reporters: 20, AmountSum: 2000, Top1: 100, Top2: 100}, 10, false},
		{"one giant fails", Cell{Reporters: 20, AmountSum: 10_000_000 + 18*100 + 200, Top1: 10_000_000, Top2: 200}, 10, true},
		{"fractional p", Cell{Reporters: 12, AmountSum: 1124, Top1: 1000}, 12.5, true},
		{"fractional p boundary", Cell{Reporters: 12, AmountSum: 1125, Top1: 1000}, 12.5, false},
		{"no amounts", Cell{Reporters: 30}, 10, false},
	}
	for _, tc := range tests {
		if got := dominated(tc.c, tc.p); got != tc.want {
			t.Errorf("%s: dominated = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestPercentCeil(t *testing.T) {
	tests := []struct {
		p    float64
		v    int64
		want int64
	}{
		{10, 0, 0}, {10, 1, 1}, {10, 10, 1}, {10, 11, 2}, {10, 1_000_000, 100_000},
		{12.5, 8, 1}, {12.5, 80, 10}, {50, maxAmount, 500_000_000_000_000},
	}
	for _, tc := range tests {
		if got := percentCeil(tc.p, tc.v); got != tc.want {
			t.Errorf("percentCeil(%v, %d) = %d, want %d", tc.p, tc.v, got, tc.want)
		}
	}
}

func TestCheckBands(t *testing.T) {
	tests := []struct {
		name  string
		bands []AmountBand
		ok    bool
	}{
		{"none", nil, true},
		{"adjacent", []AmountBand{{"a", 0, 9}, {"b", 10, -1}}, true},
		{"unordered", []AmountBand{{"b", 10, -1}, {"a", 0, 9}}, true},
		{"overlap", []AmountBand{{"a", 0, 10}, {"b", 10, 20}}, false},
		{"open band not last", []AmountBand{{"a", 0, -1}, {"b", 10, 20}}, false},
		{"empty key", []AmountBand{{"", 0, 9}}, false},
		{"duplicate key", []AmountBand{{"a", 0, 9}, {"a", 10, 19}}, false},
		{"negative min", []AmountBand{{"a", -1, 9}}, false},
		{"max before min", []AmountBand{{"a", 10, 9}}, false},
	}
	for _, tc := range tests {
		if err := checkBands(tc.bands); (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
