package disclosure

import "math/big"

// roundCount rounds n to the nearest multiple of base, halves upwards
// (with base 10, 15 becomes 20). With the odd default base 5 no integer
// sits exactly halfway, so 12 becomes 10 and 13 becomes 15.
func roundCount(n int64, base int) int64 {
	b := int64(base)
	return (n + b/2) / b * b
}

// sumDigits is how many significant figures a published amount keeps.
const sumDigits = 3

// roundSignificant keeps the leading digits of a non-negative v, rounding
// half upwards: 1,234,567 → 1,230,000; 1,235,000 → 1,240,000; 999,500 →
// 1,000,000. Values with no more digits than that are exact.
func roundSignificant(v int64, digits int) int64 {
	limit := int64(1)
	for range digits {
		limit *= 10
	}
	unit := int64(1)
	for x := v; x >= limit; x /= 10 {
		unit *= 10
	}
	// Inputs are capped at maxAmount, so v+unit/2 cannot overflow.
	return (v + unit/2) / unit * unit
}

// bandOf returns the key of the band holding m, or nil when no band does:
// a median outside every band is withheld rather than guessed.
func bandOf(bands []AmountBand, m int64) *string {
	for _, b := range bands {
		if m >= b.Min && (b.Max < 0 || m <= b.Max) {
			k := b.Key
			return &k
		}
	}
	return nil
}

// dominated applies the p% rule: a sum is sensitive when the reporters
// other than the two largest add up to less than p% of the largest, since
// the second largest could then estimate the largest to within p%. The
// comparison is exact (rational arithmetic), so the boundary case
// "remainder equals p% of the largest" is reliably publishable.
func dominated(c Cell, p float64) bool {
	rest := new(big.Rat).SetInt64(c.AmountSum - c.Top1 - c.Top2)
	rest.Mul(rest, big.NewRat(100, 1))
	limit := new(big.Rat).SetFloat64(p)
	limit.Mul(limit, new(big.Rat).SetInt64(c.Top1))
	return rest.Cmp(limit) < 0
}

// percentCeil returns ⌈p/100 · v⌉ exactly.
func percentCeil(p float64, v int64) int64 {
	x := new(big.Rat).SetFloat64(p)
	x.Mul(x, new(big.Rat).SetInt64(v))
	x.Quo(x, big.NewRat(100, 1))
	q, r := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return q.Int64()
}
