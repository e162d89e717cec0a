package reportfile

import "math"

// AmountBand is a range of claimed amounts in KRW, both ends inclusive.
// Bands exist so that a median or a distribution can be published without
// publishing anybody's amount.
type AmountBand struct {
	Code
	Min int64
	Max int64 // math.MaxInt64 for the open top band
}

// Amount band keys; stable, never renamed.
const (
	BandNone       = "none"
	BandUpTo100k   = "1_100k"
	Band100kTo300k = "100k_300k"
	Band300kTo500k = "300k_500k"
	Band500kTo1m   = "500k_1m"
	Band1mTo5m     = "1m_5m"
	BandOver5m     = "over_5m"
)

// The 300k and 500k edges follow the December 2022 criteria for small
// merchants, so a rule's amount range always lines up with whole bands.

// AmountBands returns the bands in ascending order.
func AmountBands() []AmountBand {
	return []AmountBand{
		{Code{BandNone, "없음", "None"}, 0, 0},
		{Code{BandUpTo100k, "10만 원 이하", "₩1–100,000"}, 1, 100_000},
		{Code{Band100kTo300k, "10만 원 초과~30만 원 이하", "₩100,001–300,000"}, 100_001, 300_000},
		{Code{Band300kTo500k, "30만 원 초과~50만 원 이하", "₩300,001–500,000"}, 300_001, 500_000},
		{Code{Band500kTo1m, "50만 원 초과~100만 원 이하", "₩500,001–1,000,000"}, 500_001, 1_000_000},
		{Code{Band1mTo5m, "100만 원 초과~500만 원 이하", "₩1,000,001–5,000,000"}, 1_000_001, 5_000_000},
		{Code{BandOver5m, "500만 원 초과", "Over ₩5,000,000"}, 5_000_001, math.MaxInt64},
	}
}

// AmountBandDimension returns the bands as a dimension for catalogues that
// iterate dimensions uniformly.
func AmountBandDimension() Dimension {
	bands := AmountBands()
	codes := make([]Code, len(bands))
	for i, b := range bands {
		codes[i] = b.Code
	}
	return Dimension{Key: DimAmountBand, Ko: "피해 금액 구간", En: "Amount band", Codes: codes}
}

// BandFor returns the key of the band holding amount, or "" for a negative
// amount, which no valid report has.
func BandFor(amount int64) string {
	switch {
	case amount < 0:
		return ""
	case amount == 0:
		return BandNone
	case amount <= 100_000:
		return BandUpTo100k
	case amount <= 300_000:
		return Band100kTo300k
	case amount <= 500_000:
		return Band300kTo500k
	case amount <= 1_000_000:
		return Band500kTo1m
	case amount <= 5_000_000:
		return Band1mTo5m
	default:
		return BandOver5m
	}
}
