package models_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"roundtable/models"
	"roundtable/models/storetest"
)

// BenchmarkImpactEstimate estimates a version's rules over an imported
// snapshot (ROUNDTABLE_BENCH_REPORTS reports, default 1,000,000) and, in
// the same run, times one SQL aggregate pass over the same table — the
// limit the estimate is measured against (target: at most 2×).
func BenchmarkImpactEstimate(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("ROUNDTABLE_BENCH_REPORTS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	st := storetest.Open(b, models.SQLite, storetest.Options{})
	if err := st.SeedDemo(ctx); err != nil {
		b.Fatal(err)
	}
	svc := newReports(b, st)
	if batch, err := importBytes(b, st, svc, generate(b, n, 42)); err != nil || batch.Status != models.BatchCommitted {
		b.Fatalf("import: %+v %v", batch, err)
	}
	v, err := st.VersionByID(ctx, 2)
	if err != nil {
		b.Fatal(err)
	}
	var estimate, aggregate time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := st.DB().Exec("DELETE FROM impact_estimates").Error; err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := st.Impact(ctx, v); err != nil {
			b.Fatal(err)
		}
		estimate += time.Since(start)
		start = time.Now()
		var rows []struct {
			ReporterType, Service string
			N, Sum                int64
		}
		if err := st.DB().Raw(`SELECT reporter_type, service, COUNT(DISTINCT reporter_key) AS n, SUM(claimed_amount) AS sum
FROM reports GROUP BY reporter_type, service`).Scan(&rows).Error; err != nil {
			b.Fatal(err)
		}
		aggregate += time.Since(start)
	}
	b.ReportMetric(float64(estimate.Milliseconds())/float64(b.N), "estimate-ms")
	b.ReportMetric(float64(aggregate.Milliseconds())/float64(b.N), "sql-pass-ms")
	b.ReportMetric(float64(estimate)/float64(aggregate), "ratio")
}
