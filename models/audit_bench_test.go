package models_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"roundtable/models"
	"roundtable/models/storetest"
)

func benchEnvInt(name string, def int64) int64 {
	if n, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil && n > 0 {
		return n
	}
	return def
}

var benchActions = []string{"session.login", "comment.create", "ballot.vote", "version.update", "reports.view", "session.logout",
	"comment.answer", "access.denied", "session.login_failed", "ballot.close"}

// fillTimeline bulk-inserts n events straight into the tables (their hashes
// are not valid: this measures the timeline's queries, not the chain), a
// millisecond apart, with the object links the record path would write.
func fillTimeline(b *testing.B, st *models.Store, n int64) time.Time {
	b.Helper()
	start := time.Date(2022, 10, 19, 0, 0, 0, 0, time.UTC)
	const batch = 2000
	err := st.DB().Transaction(func(tx *gorm.DB) error {
		for lo := int64(1); lo <= n; lo += batch {
			var evs []map[string]any
			var links []map[string]any
			for seq := lo; seq < lo+batch && seq <= n; seq++ {
				action := benchActions[seq%int64(len(benchActions))]
				if seq%997 != 0 && action == "ballot.close" {
					action = "ballot.vote" // closings are rare
				}
				actor := seq%12 + 1
				version := seq%50 + 1
				evs = append(evs, map[string]any{"seq": seq, "at": start.Add(time.Duration(seq) * time.Millisecond), "actor_id": actor,
					"actor_role": "member", "action": action, "object_type": "version", "object_id": version,
					"data": fmt.Sprintf(`{"version_id":%d}`, version), "request_id": "bench", "ip": "203.0.113.9",
					"prev_hash": "00", "hash": "00"})
				links = append(links, map[string]any{"seq": seq, "object_type": "version", "object_id": version})
			}
			if err := tx.Table("audit_events").Create(evs).Error; err != nil {
				return err
			}
			if err := tx.Table("audit_links").Create(links).Error; err != nil {
				return err
			}
		}
		return tx.Exec("UPDATE audit_heads SET size = ? WHERE id = 1", n).Error
	})
	if err != nil {
		b.Fatal(err)
	}
	return start
}

// BenchmarkTimelineAtScale pages through a log of a million events (set
// ROUNDTABLE_BENCH_TIMELINE to change it) on SQLite. Keyset paging on seq
// means a page deep in the log, a rare action, a date range or a version's
// history cost about what the newest page costs; each is reported as a ratio
// to the newest page, next to a limit of 5 measured in the same run.
func BenchmarkTimelineAtScale(b *testing.B) {
	n := benchEnvInt("ROUNDTABLE_BENCH_TIMELINE", 1_000_000)
	st := storetest.Open(b, models.SQLite, storetest.Options{NoSigner: true})
	start := fillTimeline(b, st, n)
	ctx := context.Background()
	mid := start.Add(time.Duration(n/2) * time.Millisecond)
	month := models.Month{Year: 2022, Month: 10}
	queries := []struct {
		name string
		run  func() error
	}{
		{"newest", func() error {
			_, err := st.AuditEvents(ctx, models.AuditFilter{Before: 1 << 62, Limit: 50})
			return err
		}},
		{"deep", func() error { // the page just after seq 1000, from the far end
			_, err := st.AuditEvents(ctx, models.AuditFilter{Before: 1050, Limit: 50})
			return err
		}},
		{"rare-action", func() error {
			_, err := st.AuditEvents(ctx, models.AuditFilter{Action: "ballot.close", Before: 1 << 62, Limit: 50})
			return err
		}},
		{"actor-family", func() error {
			_, err := st.AuditEvents(ctx, models.AuditFilter{Action: "session.*", ActorID: 7, Before: 1 << 62, Limit: 50})
			return err
		}},
		{"date-range", func() error {
			_, err := st.AuditEvents(ctx, models.AuditFilter{From: mid, To: mid.Add(time.Minute), Limit: 50})
			return err
		}},
		{"version-history", func() error {
			_, err := st.ObjectHistory(ctx, models.HistoryObject{Type: "version", ID: 7}, int64(n/2), 50)
			return err
		}},
		{"access-month-summary", func() error {
			_, err := st.AccessReview(ctx, &month)
			return err
		}},
	}
	times := make([]time.Duration, len(queries))
	for b.Loop() {
		for i, q := range queries {
			t0 := time.Now()
			if err := q.run(); err != nil {
				b.Fatal(err)
			}
			times[i] += time.Since(t0)
		}
	}
	for i, q := range queries {
		b.ReportMetric(float64(times[i].Microseconds())/float64(b.N), q.name+"-µs")
		if i > 0 && q.name != "access-month-summary" {
			b.ReportMetric(float64(times[i])/float64(times[0]), q.name+"/newest")
		}
	}
	b.ReportMetric(5, "limit")
}

// BenchmarkStoreVerifyAndExport appends events through the real record path
// (ROUNDTABLE_BENCH_RECORDED, default 20,000), then times the server's
// GET /audit/verify and the NDJSON export, each next to SHA-256 of the
// exported bytes measured in the same run.
func BenchmarkStoreVerifyAndExport(b *testing.B) {
	n := benchEnvInt("ROUNDTABLE_BENCH_RECORDED", 20_000)
	st := storetest.Open(b, models.SQLite, storetest.Options{})
	ctx := context.Background()
	for i := int64(0); i < n; i++ {
		if err := st.Record(ctx, models.Actor{UserID: 0, Role: "system", RequestID: "bench", IP: "203.0.113.9"}, benchActions[i%int64(len(benchActions))],
			"version", i%50+1, map[string]any{"version_id": i%50 + 1, "i": i}); err != nil {
			b.Fatal(err)
		}
		if i%5000 == 4999 {
			if _, err := st.Checkpoint(ctx, "timer"); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := st.Checkpoint(ctx, "timer"); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	var tVerify, tExport, tSHA time.Duration
	for b.Loop() {
		t0 := time.Now()
		v, err := st.VerifyAudit(ctx)
		if err != nil || !v.OK {
			b.Fatalf("verify: %+v %v", v, err)
		}
		tVerify += time.Since(t0)
		buf.Reset()
		t0 = time.Now()
		if _, err := st.ExportAudit(ctx, &buf); err != nil {
			b.Fatal(err)
		}
		tExport += time.Since(t0)
		t0 = time.Now()
		sha256.Sum256(buf.Bytes())
		tSHA += time.Since(t0)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportMetric(float64(tVerify)/float64(tSHA), "verify/sha256")
	b.ReportMetric(float64(tExport)/float64(tSHA), "export/sha256")
	b.ReportMetric(float64(n)*float64(b.N)/tVerify.Seconds(), "verified-events/s")
	b.ReportMetric(float64(n)*float64(b.N)/tExport.Seconds(), "exported-events/s")
}
