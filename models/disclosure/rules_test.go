package disclosure

import (
	"math"
	"strings"
	"testing"
)

func TestRulesValidate(t *testing.T) {
	tests := []struct {
		name    string
		r       Rules
		wantErr string // substring; "" means valid
	}{
		{"defaults", DefaultRules(), ""},
		{"floor threshold", Rules{Threshold: 5, RoundingBase: 5, PPercent: 10}, ""},
		{"no rounding", Rules{Threshold: 10, RoundingBase: 1, PPercent: 10}, ""},
		{"threshold below floor", Rules{Threshold: 4, RoundingBase: 1, PPercent: 10}, "threshold 4"},
		{"zero value", Rules{}, "threshold 0"},
		{"base zero", Rules{Threshold: 10, RoundingBase: 0, PPercent: 10}, "rounding base 0"},
		{"base negative", Rules{Threshold: 10, RoundingBase: -5, PPercent: 10}, "rounding base -5"},
		{"base above threshold", Rules{Threshold: 10, RoundingBase: 11, PPercent: 10}, "must not exceed"},
		{"base equals threshold", Rules{Threshold: 10, RoundingBase: 10, PPercent: 10}, ""},
		{"p zero", Rules{Threshold: 10, RoundingBase: 5, PPercent: 0}, "0 < p < 100"},
		{"p hundred", Rules{Threshold: 10, RoundingBase: 5, PPercent: 100}, "0 < p < 100"},
		{"p negative", Rules{Threshold: 10, RoundingBase: 5, PPercent: -1}, "0 < p < 100"},
		{"p NaN", Rules{Threshold: 10, RoundingBase: 5, PPercent: math.NaN()}, "0 < p < 100"},
		{"p fractional", Rules{Threshold: 10, RoundingBase: 5, PPercent: 12.5}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.r.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestRulesValidateReportsEveryProblem(t *testing.T) {
	err := Rules{Threshold: 1, RoundingBase: 0, PPercent: 200}.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"threshold 1", "rounding base 0", "p of the p% rule"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q missing from %v", want, err)
		}
	}
}

func TestDefaultsAndWithDefaults(t *testing.T) {
	if d := DefaultRules(); d != (Rules{Threshold: 10, RoundingBase: 5, PPercent: 10}) {
		t.Fatalf("DefaultRules() = %+v", d)
	}
	tests := []struct{ in, want Rules }{
		{Rules{}, DefaultRules()},
		{Rules{Threshold: 20}, Rules{Threshold: 20, RoundingBase: 5, PPercent: 10}},
		{Rules{RoundingBase: 1, PPercent: 15}, Rules{Threshold: 10, RoundingBase: 1, PPercent: 15}},
		// An explicit but invalid value is kept, so Validate can reject it.
		{Rules{Threshold: 3}, Rules{Threshold: 3, RoundingBase: 5, PPercent: 10}},
	}
	for _, tc := range tests {
		if got := tc.in.WithDefaults(); got != tc.want {
			t.Errorf("%+v.WithDefaults() = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}
