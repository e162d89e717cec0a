package compensation

import (
	"math"
	"slices"
)

// Record is what the rules see of a report: coded fields only, never
// personal data.
type Record struct {
	ReporterKey  string
	ReporterType string
	Service      string
	Paid         string
	DamageType   string
	Amount       int64
	Hours        float64
	Evidence     bool
}

// Matches reports whether r satisfies c.
func (c Conditions) Matches(r Record) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	return in(c.ReporterTypes, r.ReporterType) && in(c.Services, r.Service) && in(c.Paid, r.Paid) && in(c.DamageTypes, r.DamageType) &&
		(!c.EvidenceRequired || r.Evidence) &&
		(c.AmountOver == nil || r.Amount > *c.AmountOver) && (c.AmountUpTo == nil || r.Amount <= *c.AmountUpTo) &&
		(c.HoursOver == nil || r.Hours > *c.HoursOver) && (c.HoursUpTo == nil || r.Hours <= *c.HoursUpTo)
}

// Amount is what p pays for r, in whole won (rounded down: no fraction of
// a won is paid).
func (p Payout) AmountFor(r Record) int64 {
	switch p.Kind {
	case PayFixed:
		return p.Amount
	case PayPerHour:
		return min(int64(math.Floor(float64(p.Amount)*r.Hours)), p.Cap)
	case PayShare:
		return min(int64(math.Floor(float64(r.Amount)*p.SharePercent/100)), p.Cap)
	}
	return 0
}

// Cash returns the first cash rule that matches r (its index, -1 if none)
// and what it pays.
func Cash(rules []Rule, r Record) (int, int64) {
	for i, rule := range rules {
		if rule.Pay.Kind == PayGesture || !rule.When.Matches(r) {
			continue
		}
		return i, rule.Pay.AmountFor(r)
	}
	return -1, 0
}

// Gestures returns the indexes of the gesture rules r qualifies for.
func Gestures(rules []Rule, r Record) []int {
	var out []int
	for i, rule := range rules {
		if rule.Pay.Kind == PayGesture && rule.When.Matches(r) {
			out = append(out, i)
		}
	}
	return out
}
