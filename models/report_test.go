package models_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"roundtable/models"
	"roundtable/models/reportfile"
	"roundtable/models/stats"
	"roundtable/models/storetest"
)

func newReports(t testing.TB, st *models.Store) *models.Reports {
	t.Helper()
	svc, err := models.NewReports(st, models.ReportsOptions{Sealer: storetest.Sealer(t), ChunkRows: 700, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return svc
}

func secretariat(t testing.TB, st *models.Store) models.Actor {
	t.Helper()
	users, err := st.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Email == "secretariat@example.org" {
			return models.Actor{UserID: u.ID, Role: u.Role, RequestID: "test", IP: "192.0.2.1"}
		}
	}
	t.Fatal("no secretariat account")
	return models.Actor{}
}

// importBytes runs one import to its end and returns the batch.
func importBytes(t testing.TB, st *models.Store, svc *models.Reports, data []byte) (*models.ReportBatch, error) {
	t.Helper()
	up, err := models.SpoolUpload(bytes.NewReader(data), t.TempDir(), "reports.csv", 0)
	if err != nil {
		return nil, err
	}
	b, done, err := svc.StartImport(context.Background(), secretariat(t, st), up)
	if err != nil {
		return nil, err
	}
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("import did not finish")
	}
	return st.ImportBatch(context.Background(), b.ID)
}

func generate(t testing.TB, n int, seed int64, opts ...reportfile.GenerateOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := reportfile.Generate(&buf, n, seed, opts...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func countReports(t testing.TB, st *models.Store) int64 {
	t.Helper()
	var n int64
	if err := st.DB().Table("reports").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportSealsPersonalDataAndPublishesASnapshot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		if err := st.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		svc := newReports(t, st)
		if _, err := st.LatestSnapshot(ctx); models.ErrorKind(err) != models.KindConflict {
			t.Fatalf("snapshot before any import: %v", err)
		}
		data := generate(t, 2500, 42)
		b, err := importBytes(t, st, svc, data)
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != models.BatchCommitted || b.Imported != 2500 || b.Format != string(reportfile.FormatCSVUTF8) {
			t.Fatalf("batch %+v", b)
		}
		if n := countReports(t, st); n != 2500 {
			t.Fatalf("%d reports stored", n)
		}
		// Personal values never sit in clear in the database.
		rd, err := reportfile.Open(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		row, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		var dump []models.Report
		if err := st.DB().Find(&dump).Error; err != nil {
			t.Fatal(err)
		}
		all, _ := json.Marshal(dump)
		for _, v := range []string{row.Name, row.Phone, row.Description} {
			if v != "" && bytes.Contains(all, []byte(v)) {
				t.Errorf("%q stored in clear", v)
			}
		}
		// The snapshot and its tables are stored and served identically.
		snap, err := st.LatestSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if snap.BatchID != b.ID || snap.Reports != 2500 || snap.Reporters == 0 || snap.Reporters >= 2500 {
			t.Fatalf("snapshot %+v", snap)
		}
		p1, err := st.StatsTablePayload(ctx, "service.paid")
		if err != nil {
			t.Fatal(err)
		}
		p2, _ := st.StatsTablePayload(ctx, "service.paid")
		if !bytes.Equal(p1, p2) {
			t.Error("the same table was served differently")
		}
		if _, err := st.StatsTablePayload(ctx, "paid.service"); err != nil {
			t.Errorf("transposed table: %v", err)
		}
		if _, err := st.StatsTablePayload(ctx, "service.region"); models.ErrorKind(err) != models.KindNotFound {
			t.Errorf("table outside the catalogue: %v", err)
		}
		tables, err := st.StatsTables(ctx, snap.ID)
		if err != nil || len(tables) != len(stats.Catalogue()) {
			t.Fatalf("%d tables, %v", len(tables), err)
		}
		if strings.Contains(string(p1), "primary") || strings.Contains(string(p1), "secondary") || strings.Contains(string(p1), "reason") {
			t.Errorf("a stored table tells why a cell is withheld: %s", p1)
		}
		// The import is in the history, without personal values, and a
		// checkpoint covers it.
		evs, err := st.AuditEvents(ctx, models.AuditFilter{ObjectType: "report_batch", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range evs {
			actions = append(actions, e.Action)
			if strings.Contains(e.Data, row.Phone) || strings.Contains(e.Data, row.Name) {
				t.Errorf("event %s carries a personal value", e.Action)
			}
		}
		if strings.Join(actions, ",") != "reports.import_start,reports.import" {
			t.Errorf("events %v", actions)
		}
		cps, _ := st.Checkpoints(ctx)
		if len(cps) == 0 || cps[len(cps)-1].Reason != "reports_import" {
			t.Error("no checkpoint signed at the import")
		}
		// Re-importing the same file is refused.
		if _, err := importBytes(t, st, svc, data); models.ErrorKind(err) != models.KindConflict || !strings.Contains(err.Error(), "duplicate_file") {
			t.Errorf("re-import: %v", err)
		}
		// A second file adds to the data and publishes a new snapshot over both.
		b2, err := importBytes(t, st, svc, generate(t, 300, 43))
		if err != nil || b2.Status != models.BatchCommitted {
			t.Fatalf("second import: %v %+v", err, b2)
		}
		snap2, _ := st.LatestSnapshot(ctx)
		if snap2.ID == snap.ID || snap2.Reports != 2800 {
			t.Errorf("second snapshot %+v", snap2)
		}
	})
}

func TestABadFileChangesNothingAndListsEveryProblem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		if err := st.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		svc := newReports(t, st)
		good := generate(t, 400, 5)
		lines := strings.Split(strings.TrimRight(string(good), "\n"), "\n")
		// Row 3: unknown service; row 300: negative amount; row 401: a date outside the intake.
		f := strings.Split(lines[2], ",")
		f[3] = "kakao_nonexistent"
		lines[2] = strings.Join(f, ",")
		f = strings.Split(lines[299], ",")
		f[6] = "-5000"
		lines[299] = strings.Join(f, ",")
		lines[400] = "2021-01-01" + lines[400][10:]
		bad := []byte(strings.Join(lines, "\n") + "\n")
		before, _ := st.AuditSize(ctx)
		b, err := importBytes(t, st, svc, bad)
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != models.BatchFailed || b.FailureCode != "invalid_rows" {
			t.Fatalf("batch %+v", b)
		}
		rows := map[int]string{}
		for _, p := range b.RowProblems() {
			rows[p.Row] = p.Field
		}
		for _, want := range []struct {
			row   int
			field string
		}{{3, "service"}, {300, "claimed_amount"}, {401, "received_at"}} {
			if rows[want.row] != want.field {
				t.Errorf("row %d: problem %q, want %q (all: %v)", want.row, rows[want.row], want.field, rows)
			}
		}
		if n := countReports(t, st); n != 0 {
			t.Errorf("%d reports stored from a bad file", n)
		}
		if _, err := st.LatestSnapshot(ctx); err == nil {
			t.Error("a snapshot was published from a bad file")
		}
		evs, _ := st.AuditEvents(ctx, models.AuditFilter{After: before, Limit: 10})
		if len(evs) != 2 || evs[1].Action != "reports.import_reject" {
			t.Errorf("events after a bad file: %+v", evs)
		}
		// The same file may be tried again once fixed (and even unfixed: it
		// is refused again for its rows, not as a duplicate).
		b2, err := importBytes(t, st, svc, bad)
		if err != nil || b2.FailureCode != "invalid_rows" {
			t.Errorf("retry: %v %+v", err, b2)
		}
		// A file with a missing column fails as a whole, listing the header.
		noRegion := strings.Replace(string(good), "region,", "", 1)
		b3, err := importBytes(t, st, svc, []byte(noRegion))
		if err != nil || b3.FailureCode != reportfile.CodeBadHeader || len(b3.RowProblems()) == 0 {
			t.Errorf("missing column: %v %+v", err, b3)
		}
	})
}

func TestOneImportAtATimeAndStaleImportsAreReclaimed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		if err := st.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		svc := newReports(t, st)
		actor := secretariat(t, st)
		// A batch left running by a dead server.
		one := 1
		sha := strings.Repeat("ab", 32)
		old := st.Now().Add(-time.Hour)
		dead := &models.ReportBatch{Status: models.BatchRunning, Phase: models.PhaseSaving, Running: &one, ActiveSHA256: &sha, SHA256: sha,
			Errors: "[]", Warnings: "[]", CreatedBy: actor.UserID, CreatedAt: old, HeartbeatAt: old}
		if err := st.DB().Create(dead).Error; err != nil {
			t.Fatal(err)
		}
		if err := st.DB().Exec("INSERT INTO reports (batch_id, line, received_on, week, channel, reporter_type, service, paid, damage_type, claimed_amount, amount_band, outage_hours, region, sector, evidence, reporter_key, phone_key) VALUES (?, 2, '2022-10-19', '2022-W42', 'web', 'individual', 'kakaotalk', 'free', 'non_monetary', 0, 'none', 0, 'seoul', '', false, 'k', '')", dead.ID).Error; err != nil {
			t.Fatal(err)
		}
		// A fresh running batch blocks another start.
		fresh := &models.ReportBatch{Status: models.BatchRunning, Phase: models.PhaseChecking, SHA256: strings.Repeat("cd", 32),
			Errors: "[]", Warnings: "[]", CreatedBy: actor.UserID, CreatedAt: st.Now(), HeartbeatAt: st.Now()}
		if _, err := importBytes(t, st, svc, generate(t, 20, 1)); err != nil {
			t.Fatalf("the stale import should be reclaimed: %v", err)
		}
		got, _ := st.ImportBatch(ctx, dead.ID)
		if got.Status != models.BatchFailed || got.FailureCode != "interrupted" {
			t.Errorf("stale batch %+v", got)
		}
		var left int64
		st.DB().Table("reports").Where("batch_id = ?", dead.ID).Count(&left)
		if left != 0 {
			t.Errorf("%d staged rows of the dead import remain", left)
		}
		fresh.Running = &one
		if err := st.DB().Create(fresh).Error; err != nil {
			t.Fatal(err)
		}
		up, err := models.SpoolUpload(bytes.NewReader(generate(t, 20, 2)), t.TempDir(), "x.csv", 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.StartImport(ctx, actor, up); models.ErrorKind(err) != models.KindConflict {
			t.Errorf("second import while one runs: %v", err)
		}
	})
}

func TestCommittedReportsAndPublishedTablesCannotBeChanged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		if err := st.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		svc := newReports(t, st)
		b, err := importBytes(t, st, svc, generate(t, 50, 9))
		if err != nil {
			t.Fatal(err)
		}
		db := st.DB()
		for _, q := range []string{
			"UPDATE reports SET claimed_amount = 1",
			"DELETE FROM reports",
			"UPDATE report_batches SET status = 'failed'",
			"DELETE FROM report_batches",
			"UPDATE stats_tables SET payload = '{}'",
			"DELETE FROM stats_snapshots",
		} {
			if err := db.Exec(q).Error; err == nil {
				t.Errorf("%s was allowed", q)
			}
		}
		if n := countReports(t, st); n != 50 {
			t.Errorf("%d reports after tampering attempts", n)
		}
		_ = b
	})
}

func TestRawAccessNeedsAPurposeAndIsRecorded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		if err := st.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		svc := newReports(t, st)
		data := generate(t, 600, 77)
		if _, err := importBytes(t, st, svc, data); err != nil {
			t.Fatal(err)
		}
		// Find a merchant row (business number and phone) in the file.
		rd, _ := reportfile.Open(bytes.NewReader(data))
		var merchant reportfile.Row
		for {
			row, err := rd.Next()
			if err != nil {
				t.Fatal("no merchant in the file")
			}
			if row.BusinessNumber != "" && row.Phone != "" && row.Name != "" {
				merchant = row
				break
			}
		}
		actor := secretariat(t, st)
		if _, _, err := svc.SearchReports(ctx, actor, models.ReportQuery{Phone: merchant.Phone}); models.ErrorKind(err) != models.KindInvalid {
			t.Errorf("search without a purpose: %v", err)
		}
		if _, err := svc.RawReportByID(ctx, actor, 1, "because"); models.ErrorKind(err) != models.KindInvalid {
			t.Errorf("free-text purpose accepted: %v", err)
		}
		for _, q := range []models.ReportQuery{
			{Purpose: "reporter_inquiry", Phone: merchant.Phone},
			{Purpose: "reporter_inquiry", BusinessNumber: merchant.BusinessNumber},
		} {
			found, _, err := svc.SearchReports(ctx, actor, q)
			if err != nil {
				t.Fatal(err)
			}
			hit := false
			for _, r := range found {
				if r.Line == merchant.Line {
					hit = true
					if r.Name != merchant.Name || r.Phone != merchant.Phone || r.BusinessNumber != merchant.BusinessNumber || r.Description != merchant.Description {
						t.Errorf("opened report %+v differs from the file's row", r)
					}
				}
			}
			if !hit {
				t.Errorf("search %+v did not find line %d", q, merchant.Line)
			}
		}
		evs, _ := st.AuditEvents(ctx, models.AuditFilter{Action: "reports.search", Limit: 10})
		if len(evs) != 2 {
			t.Fatalf("%d search events", len(evs))
		}
		for _, e := range evs {
			if e.IP != "192.0.2.1" || e.ActorID == nil || !strings.Contains(e.Data, `"purpose":"reporter_inquiry"`) || !strings.Contains(e.Data, `"report_ids":[[`) {
				t.Errorf("search event lacks who/where/why/which: %+v", e)
			}
			for _, v := range []string{merchant.Phone, merchant.BusinessNumber, merchant.Name} {
				if strings.Contains(e.Data, v) {
					t.Errorf("search event carries %q", v)
				}
			}
		}
		// A ciphertext moved to another report does not open.
		var two []models.Report
		st.DB().Order("id").Limit(2).Find(&two)
		drop := "DROP TRIGGER reports_no_update"
		if st.Dialect() == models.Postgres {
			drop = "DROP TRIGGER reports_keep ON reports"
		}
		if err := st.DB().Exec(drop).Error; err != nil {
			t.Fatal(err)
		}
		if err := st.DB().Exec("UPDATE reports SET name_enc = ? WHERE id = ?", two[0].NameEnc, two[1].ID).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RawReportByID(ctx, actor, two[1].ID, "data_correction"); err == nil || errors.Is(err, models.ErrNotFound) {
			t.Errorf("a moved ciphertext opened: %v", err)
		}
		// Exports record every id.
		out, err := svc.ExportReports(ctx, actor, models.ReportQuery{Purpose: "compensation_review", Service: "kakao_pay"}, "csv")
		if err != nil || len(out) == 0 {
			t.Fatalf("export: %d, %v", len(out), err)
		}
		ex, _ := st.AuditEvents(ctx, models.AuditFilter{Action: "reports.export", Limit: 10})
		if len(ex) != 1 || !strings.Contains(ex[0].Data, `"count":`) {
			t.Errorf("export events %+v", ex)
		}
	})
}

// The demo imports its 105,116 reports through the real import path, as
// the demo secretariat, once.
func TestDemoImportRunsOnceThroughTheImportPath(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 105,116 reports")
	}
	st := storetest.Demo(t, models.SQLite)
	svc := newReports(t, st)
	ctx := context.Background()
	done, err := svc.StartDemoImport(ctx, t.TempDir())
	if err != nil || done == nil {
		t.Fatalf("start: %v", err)
	}
	if again, err := svc.StartDemoImport(ctx, t.TempDir()); models.ErrorKind(err) != models.KindConflict || again != nil {
		t.Errorf("a second demo import while the first runs: %v", err)
	}
	<-done
	snap, err := st.LatestSnapshot(ctx)
	if err != nil || snap.Reports != models.DemoReportCount {
		t.Fatalf("snapshot %+v, %v", snap, err)
	}
	evs, _ := st.AuditEvents(ctx, models.AuditFilter{Action: "reports.import", Limit: 5})
	if len(evs) != 1 || evs[0].ActorRole != models.RoleSecretariat {
		t.Errorf("import events %+v", evs)
	}
	if again, err := svc.StartDemoImport(ctx, t.TempDir()); err != nil || again != nil {
		t.Errorf("the demo imported twice: %v", err)
	}
	// Suppression shows in the demo: some cells of the two-way tables are withheld.
	p, err := st.StatsTablePayload(ctx, "region.reporter_type")
	if err != nil || !strings.Contains(string(p), `"suppressed":true`) {
		t.Errorf("no withheld cell in the demo's region × reporter type: %v", err)
	}
}

// A database failure halfway through saving (here a trigger refusing line
// 1,500, after two chunks were already staged) leaves no report behind and
// the batch failed, and the same file can be imported again afterwards.
func TestAFailureWhileSavingLeavesNothingBehind(t *testing.T) {
	st := storetest.Demo(t, models.SQLite)
	svc := newReports(t, st)
	if err := st.DB().Exec(`CREATE TRIGGER boom BEFORE INSERT ON reports WHEN NEW.line = 1500 BEGIN SELECT RAISE(ABORT, 'disk trouble'); END`).Error; err != nil {
		t.Fatal(err)
	}
	data := generate(t, 2000, 31)
	b, err := importBytes(t, st, svc, data)
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != models.BatchFailed || b.FailureCode != "internal" || b.ActiveSHA256 != nil {
		t.Fatalf("batch %+v", b)
	}
	if strings.Contains(b.FailureMessage, "disk trouble") {
		t.Error("the database's own message reached the person")
	}
	if n := countReports(t, st); n != 0 {
		t.Fatalf("%d staged reports left behind", n)
	}
	if err := st.DB().Exec(`DROP TRIGGER boom`).Error; err != nil {
		t.Fatal(err)
	}
	if b, err := importBytes(t, st, svc, data); err != nil || b.Status != models.BatchCommitted {
		t.Fatalf("the same file after the fault: %v %+v", err, b)
	}
}
