package disclosure

import "testing"

// catalogue is a realistic snapshot: the demo's 105,116 reports over the
// dimensions of design §3, 8 one-way and 8 two-way tables.
func catalogue(n int) []TableInput {
	dims := []dimSpec{
		{"service", values("svc", 9)},
		{"reporter_type", []string{"individual", "small_merchant", "sme", "large_company"}},
		{"damage_type", values("dmg", 6)},
		{"paid", []string{"paid", "free"}},
		{"amount_band", values("band", 6)},
		{"region", values("region", 17)},
		{"week", []string{"w1", "w2", "w3"}},
		{"sector", values("sector", 5)},
	}
	specs := []tableSpec{
		{"service", "service", ""}, {"reporter_type", "reporter_type", ""}, {"damage_type", "damage_type", ""},
		{"paid", "paid", ""}, {"amount_band", "amount_band", ""}, {"region", "region", ""},
		{"week", "week", ""}, {"sector", "sector", ""},
		{"service_paid", "service", "paid"}, {"service_region", "service", "region"},
		{"service_reporter", "service", "reporter_type"}, {"region_reporter", "region", "reporter_type"},
		{"damage_service", "damage_type", "service"}, {"week_service", "week", "service"},
		{"sector_region", "sector", "region"}, {"band_reporter", "amount_band", "reporter_type"},
	}
	// A steep skew puts most reporters in a few values, as in the real
	// data (90% individuals, 42% capital area), leaving small cells behind.
	return buildInputs("", dims, genRecords(2022, n, dims, 2.2), specs, true)
}

func BenchmarkPublishCatalogue(b *testing.B) {
	ins := catalogue(105_116)
	bands := []AmountBand{{"none", 0, 0}, {"to300k", 1, 300_000}, {"to500k", 300_001, 500_000}, {"over500k", 500_001, -1}}
	var hidden int
	for b.Loop() {
		outs, err := Publish(DefaultRules(), bands, ins)
		if err != nil {
			b.Fatal(err)
		}
		hidden = 0
		for _, t := range outs {
			hidden += len(hiddenSet(t))
		}
	}
	b.ReportMetric(float64(hidden), "suppressed/op")
}
