package models_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"roundtable/models"
	"roundtable/models/pii"
	"roundtable/models/reportfile"
	"roundtable/models/stats"
	"roundtable/models/storetest"
)

// benchReports is the size design §6 asks the benchmark to handle.
const benchReports = 1_000_000

// BenchmarkReportImport measures, in one run on SQLite, for a generated
// file of 1,000,000 reports:
//
//   - the import (check, seal, save, publish the snapshot) in rows/s,
//     next to a raw batched INSERT of the same rows into an empty reports
//     table on the same machine, which is the limit; the target is
//     import/raw ≥ 0.5;
//   - the snapshot computation time;
//   - the peak resident memory of the process during the import (target
//     under 300 MB);
//   - serving a stored table (p50, p99) next to a bare SELECT of one
//     stored row; the target is p50 ≤ 2× the bare select.
//
// It runs once whatever -benchtime says: one import of a million rows is
// the measurement. Figures go to docs/performance.md.
func BenchmarkReportImport(b *testing.B) {
	n := benchReports
	if v, err := strconv.Atoi(os.Getenv("ROUNDTABLE_BENCH_REPORTS")); err == nil && v > 0 {
		n = v
	}
	dir := b.TempDir()
	file := filepath.Join(dir, "reports.csv")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := reportfile.Generate(w, n, 1); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	info, _ := os.Stat(file)
	sealer := storetest.Sealer(b)

	for b.Loop() {
		// The limit: the same rows, already parsed and sealed, inserted
		// with the importer's own batched statements into an empty table.
		raw := rawInsert(b, file, sealer)

		st := storetest.Open(b, models.SQLite, storetest.Options{})
		if err := st.SeedDemo(context.Background()); err != nil {
			b.Fatal(err)
		}
		svc, err := models.NewReports(st, models.ReportsOptions{Sealer: sealer, TempDir: dir, Logger: storetest.Logger()})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		debug.FreeOSMemory()
		peak := watchRSS()
		start := time.Now()
		bt, err := importFile(b, st, svc, file)
		elapsed := time.Since(start)
		maxRSS := peak()
		if err != nil || bt.Status != models.BatchCommitted || bt.Imported != int64(n) {
			b.Fatalf("import: %v %+v", err, bt)
		}
		snap, err := st.LatestSnapshot(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		importRate := float64(n) / elapsed.Seconds()
		b.ReportMetric(importRate, "import_rows/s")
		b.ReportMetric(raw, "raw_insert_rows/s")
		b.ReportMetric(importRate/raw, "import/raw")
		b.ReportMetric(float64(snap.ComputeMillis)/1000, "snapshot_s")
		b.ReportMetric(float64(maxRSS)/(1<<20), "peak_rss_MiB")
		b.ReportMetric(float64(info.Size())/(1<<20), "file_MiB")

		p50, p99, s50, s99 := serveLatency(b, st, snap.ID)
		b.ReportMetric(float64(p50.Microseconds()), "serve_p50_µs")
		b.ReportMetric(float64(p99.Microseconds()), "serve_p99_µs")
		b.ReportMetric(float64(s50.Microseconds()), "select_p50_µs")
		b.ReportMetric(float64(s99.Microseconds()), "select_p99_µs")
		b.ReportMetric(float64(p50)/float64(s50), "serve/select_p50")
		svc.Close()
	}
}

func importFile(b *testing.B, st *models.Store, svc *models.Reports, file string) (*models.ReportBatch, error) {
	b.Helper()
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	up, err := models.SpoolUpload(f, b.TempDir(), "reports.csv", 0)
	if err != nil {
		return nil, err
	}
	bt, done, err := svc.StartImport(context.Background(), secretariat(b, st), up)
	if err != nil {
		return nil, err
	}
	<-done
	return st.ImportBatch(context.Background(), bt.ID)
}

// rawInsert parses and seals the file outside the clock, then times only
// the batched INSERTs (1,000 rows a statement, 10,000 a transaction, as
// the importer does) into the empty reports table of a fresh database.
func rawInsert(b *testing.B, file string, sealer *pii.Sealer) float64 {
	b.Helper()
	st := storetest.Open(b, models.SQLite, storetest.Options{})
	sqlDB, err := st.DB().DB()
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rd, err := reportfile.Open(f)
	if err != nil {
		b.Fatal(err)
	}
	defer rd.Close()
	cols := []string{"batch_id", "line", "received_on", "week", "channel", "reporter_type", "service", "paid",
		"damage_type", "claimed_amount", "amount_band", "outage_hours", "region", "sector", "evidence", "reporter_key",
		"phone_key", "name_enc", "phone_enc", "email_enc", "business_number_enc", "description_enc"}
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	stmt := func(rows int) string {
		return "INSERT INTO reports (" + strings.Join(cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+",", rows), ",")
	}
	full := stmt(1000)
	var timed time.Duration
	total := 0
	for done := false; !done; {
		var args []any
		rows := 0
		for rows < 10_000 {
			r, err := rd.Next()
			if errors.Is(err, io.EOF) {
				done = true
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			args = append(args, int64(1), r.Line, r.ReceivedAt.Format("2006-01-02"), r.Week(), r.Channel, r.ReporterType, r.Service,
				r.Paid, r.DamageType, r.ClaimedAmount, r.AmountBand(), r.OutageHours, r.Region, r.Sector, r.Evidence,
				sealer.ReporterKey(r.Phone, r.BusinessNumber), "")
			for i, v := range []string{r.Name, r.Phone, r.Email, r.BusinessNumber, r.Description} {
				if v == "" {
					args = append(args, nil)
					continue
				}
				ct, err := sealer.SealString(v, pii.AssociatedData("reports", "1", fmt.Sprint(r.Line), cols[17+i]))
				if err != nil {
					b.Fatal(err)
				}
				args = append(args, ct)
			}
			rows++
		}
		if rows == 0 {
			break
		}
		start := time.Now()
		tx, err := sqlDB.Begin()
		if err != nil {
			b.Fatal(err)
		}
		per := len(cols)
		for s := 0; s < len(args); s += 1000 * per {
			e := min(len(args), s+1000*per)
			q := full
			if e-s != 1000*per {
				q = stmt((e - s) / per)
			}
			if _, err := tx.Exec(q, args[s:e]...); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		timed += time.Since(start)
		total += rows
	}
	return float64(total) / timed.Seconds()
}

// watchRSS samples the process's resident memory every 20 ms until the
// returned function is called, which gives the peak.
func watchRSS() func() int64 {
	var mu sync.Mutex
	var peak int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if v := rss(); v > 0 {
				mu.Lock()
				peak = max(peak, v)
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// rss reads VmRSS from /proc (Linux); 0 elsewhere.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// serveLatency times the store's serving path for every catalogue table,
// round and round, against a bare SELECT of one stored row by its key.
func serveLatency(b *testing.B, st *models.Store, snapshotID int64) (p50, p99, s50, s99 time.Duration) {
	b.Helper()
	ctx := context.Background()
	var keys []string
	for _, t := range stats.Catalogue() {
		keys = append(keys, t.Key())
	}
	const rounds = 4000
	serve := make([]time.Duration, 0, rounds)
	bare := make([]time.Duration, 0, rounds)
	db := st.DB().WithContext(ctx)
	for i := 0; i < rounds; i++ {
		key := keys[i%len(keys)]
		start := time.Now()
		if _, err := st.StatsTablePayload(ctx, key); err != nil {
			b.Fatal(err)
		}
		serve = append(serve, time.Since(start))
		var payload []byte
		start = time.Now()
		if err := db.Raw("SELECT payload FROM stats_tables WHERE snapshot_id = ? AND table_key = ?", snapshotID, key).Row().Scan(&payload); err != nil {
			b.Fatal(err)
		}
		bare = append(bare, time.Since(start))
	}
	slices.Sort(serve)
	slices.Sort(bare)
	q := func(d []time.Duration, p float64) time.Duration { return d[int(p*float64(len(d)-1))] }
	return q(serve, .5), q(serve, .99), q(bare, .5), q(bare, .99)
}
