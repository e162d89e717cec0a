package disclosure

import (
	"errors"
	"fmt"
	"math"
)

// Defaults and floors of the disclosure rules (design §3).
const (
	DefaultThreshold    = 10
	DefaultRoundingBase = 5
	DefaultPPercent     = 10.0
	// MinThreshold is the floor no council configuration may go below.
	MinThreshold = 5
)

// Rules are the disclosure parameters of one council.
type Rules struct {
	// Threshold is the smallest number of distinct reporters a published
	// count (and any published amount) may describe.
	Threshold int `json:"threshold"`
	// RoundingBase is the multiple every published count is rounded to.
	RoundingBase int `json:"rounding_base"`
	// PPercent is the p of the p% dominance rule for amounts.
	PPercent float64 `json:"p_percent"`
}

// DefaultRules returns threshold 10, rounding base 5 and p = 10.
func DefaultRules() Rules {
	return Rules{Threshold: DefaultThreshold, RoundingBase: DefaultRoundingBase, PPercent: DefaultPPercent}
}

// WithDefaults fills the fields a configuration left at zero, so that an
// unset setting means "the default" rather than an invalid zero.
func (r Rules) WithDefaults() Rules {
	d := DefaultRules()
	if r.Threshold == 0 {
		r.Threshold = d.Threshold
	}
	if r.RoundingBase == 0 {
		r.RoundingBase = d.RoundingBase
	}
	if r.PPercent == 0 {
		r.PPercent = d.PPercent
	}
	return r
}

// Validate reports every rule that is out of range.
func (r Rules) Validate() error {
	var errs []error
	if r.Threshold < MinThreshold {
		errs = append(errs, fmt.Errorf("threshold %d is below the minimum of %d", r.Threshold, MinThreshold))
	}
	if r.RoundingBase < 1 {
		errs = append(errs, fmt.Errorf("rounding base %d must be at least 1", r.RoundingBase))
	} else if r.Threshold >= MinThreshold && r.RoundingBase > r.Threshold {
		// A base above the threshold could round a publishable count down
		// to 0, which readers (and the protection proof) take as exact.
		errs = append(errs, fmt.Errorf("rounding base %d must not exceed the threshold %d", r.RoundingBase, r.Threshold))
	}
	if math.IsNaN(r.PPercent) || r.PPercent <= 0 || r.PPercent >= 100 {
		errs = append(errs, fmt.Errorf("p of the p%% rule is %v, want 0 < p < 100", r.PPercent))
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid disclosure rules: %w", errors.Join(errs...))
	}
	return nil
}
