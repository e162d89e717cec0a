package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"roundtable/models"
	"roundtable/models/reportfile"
	"roundtable/models/storetest"
	"roundtable/policy"
	"roundtable/server"
)

// logBuffer collects the server's log lines, so tests can check that no
// personal value ever reaches a log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// newReportsEnv is a demo server with a data key, its own log buffer and
// the given upload cap (0 for the default).
func newReportsEnv(t *testing.T, d models.Dialect, maxUpload int64) (*env, *logBuffer) {
	t.Helper()
	st := storetest.Demo(t, d)
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	svc, err := models.NewReports(st, models.ReportsOptions{Sealer: storetest.Sealer(t), Logger: log, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	authz, err := policy.New()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(st, authz, log, server.Config{Demo: true, Reports: svc, MaxUpload: maxUpload})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); svc.Close() })
	return &env{t: t, st: st, srv: srv, ts: ts}, logs
}

func eachReportsEnv(t *testing.T, fn func(t *testing.T, e *env, logs *logBuffer)) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			e, logs := newReportsEnv(t, d, 0)
			fn(t, e, logs)
		})
	}
}

// upload posts a file as multipart/form-data field "file": through the API
// (X-CSRF-Token header) or as the HTML form (csrf_token field).
func (c *client) upload(path, name string, data []byte) resp {
	c.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	api := strings.HasPrefix(path, "/api/")
	if !api && c.csrf != "" {
		_ = mw.WriteField("csrf_token", c.csrf)
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		c.e.t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req := c.request("POST", path, &body, mw.FormDataContentType())
	if !api {
		req.Header.Del("X-CSRF-Token")
	}
	return c.do(req)
}

func generated(t testing.TB, n int, seed int64, opts ...reportfile.GenerateOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := reportfile.Generate(&buf, n, seed, opts...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// toXLSX turns a generated CSV into a workbook, as if saved from Excel.
func toXLSX(t testing.TB, csvData []byte) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	lines := strings.Split(strings.TrimRight(string(csvData), "\n"), "\n")
	for i, line := range lines {
		var cells []any
		for _, v := range splitCSVLine(line) {
			cells = append(cells, v)
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// splitCSVLine splits one generated line; quoted fields hold no newlines.
func splitCSVLine(line string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case ch == '"' && quoted && i+1 < len(line) && line[i+1] == '"':
			cur.WriteByte('"')
			i++
		case ch == '"':
			quoted = !quoted
		case ch == ',' && !quoted:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(ch)
		}
	}
	return append(out, cur.String())
}

func reportCount(t testing.TB, e *env) int64 {
	t.Helper()
	var n int64
	if err := e.st.DB().Table("reports").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportAcceptsExcelFilesAndRefusesBadOnesWhole(t *testing.T) {
	eachReportsEnv(t, func(t *testing.T, e *env, _ *logBuffer) {
		sec := e.login("secretariat@example.org")

		// CP949 with Korean headers and values, as Korean Excel saves "CSV".
		cp949 := generated(t, 800, 1, reportfile.WithCP949(), reportfile.WithKoreanHeaders(), reportfile.WithKoreanValues())
		r := sec.upload("/api/v1/reports/import", "피해신고.csv", cp949)
		if r.status != http.StatusOK {
			t.Fatalf("CP949 import: %d %s", r.status, r.body)
		}
		if r.obj()["imported"] != float64(800) || r.obj()["batch_id"] == nil {
			t.Fatalf("import answer %s", r.body)
		}
		// XLSX.
		r = sec.upload("/api/v1/reports/import", "reports.xlsx", toXLSX(t, generated(t, 300, 2)))
		if r.status != http.StatusOK || r.obj()["imported"] != float64(300) {
			t.Fatalf("XLSX import: %d %s", r.status, r.body)
		}
		// UTF-8 with a BOM.
		r = sec.upload("/api/v1/reports/import", "bom.csv", generated(t, 50, 3, reportfile.WithBOM()))
		if r.status != http.StatusOK {
			t.Fatalf("BOM import: %d %s", r.status, r.body)
		}
		// The same file twice.
		r = sec.upload("/api/v1/reports/import", "again.csv", cp949)
		if r.status != http.StatusConflict || r.errCode() != "duplicate_file" {
			t.Fatalf("re-upload: %d %s", r.status, r.body)
		}
		before := reportCount(t, e)
		if before != 1150 {
			t.Fatalf("%d reports", before)
		}
		snapBefore := e.get(t, sec, "/api/v1/stats")

		// A bad file: every bad row is listed, nothing changes.
		good := string(generated(t, 120, 4))
		lines := strings.Split(strings.TrimRight(good, "\n"), "\n")
		f := strings.Split(lines[5], ",")
		f[6] = "12,000원x" // not a number
		lines[5] = strings.Join(f, ",")
		f = strings.Split(lines[9], ",")
		f[8] = "atlantis" // unknown region
		lines[9] = strings.Join(f, ",")
		f = strings.Split(lines[20], ",")
		f[6] = "-300" // negative amount
		lines[20] = strings.Join(f, ",")
		r = sec.upload("/api/v1/reports/import", "bad.csv", []byte(strings.Join(lines, "\n")+"\n"))
		if r.status != http.StatusUnprocessableEntity || r.errCode() != "invalid_rows" {
			t.Fatalf("bad file: %d %s", r.status, r.body)
		}
		rows, _ := r.obj()["error"].(map[string]any)["rows"].([]any)
		got := map[string]bool{}
		for _, x := range rows {
			m := x.(map[string]any)
			got[fmt.Sprintf("%v/%v", m["row"], m["field"])] = m["message"] != ""
		}
		for _, want := range []string{"10/region", "21/claimed_amount"} {
			if !got[want] {
				t.Errorf("problem %s not listed: %v", want, got)
			}
		}
		if len(rows) < 3 {
			t.Errorf("only %d problems listed: %s", len(rows), r.body)
		}
		if n := reportCount(t, e); n != before {
			t.Errorf("a bad file changed the reports: %d → %d", before, n)
		}
		if after := e.get(t, sec, "/api/v1/stats"); after != snapBefore {
			t.Error("a bad file changed the published statistics")
		}
		// A header missing a required column.
		r = sec.upload("/api/v1/reports/import", "nocol.csv", []byte(strings.Replace(good, "service,", "", 1)))
		if r.status != http.StatusUnprocessableEntity || r.errCode() != reportfile.CodeBadHeader {
			t.Errorf("missing column: %d %s", r.status, r.body)
		}
		// Not a spreadsheet at all.
		r = sec.upload("/api/v1/reports/import", "x.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...))
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("old .xls: %d %s", r.status, r.body)
		}
		// No file, and a body that is not multipart.
		if r := sec.json("POST", "/api/v1/reports/import", map[string]string{"file": "x"}); r.status != http.StatusBadRequest || r.errCode() != "not_multipart" {
			t.Errorf("JSON body: %d %s", r.status, r.body)
		}
		if n := reportCount(t, e); n != before {
			t.Errorf("refused files changed the reports: %d → %d", before, n)
		}
		// The import's progress and outcome stay readable.
		if r := sec.get("/api/v1/reports/import/1"); r.status != http.StatusOK || !strings.Contains(r.body, `"status":"committed"`) {
			t.Errorf("batch 1: %d %s", r.status, r.body)
		}
	})
}

// get returns a body after checking the status is 200.
func (e *env) get(t *testing.T, c *client, path string) string {
	t.Helper()
	r := c.get(path)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	return r.body
}

func TestUploadsAreCappedEarly(t *testing.T) {
	e, _ := newReportsEnv(t, models.SQLite, 1<<20)
	sec := e.login("secretariat@example.org")
	// A declared 2 GB body is refused before anything is read.
	req := sec.request("POST", "/api/v1/reports/import", io.LimitReader(zeroReader{}, 2<<30), "multipart/form-data; boundary=x")
	req.ContentLength = 2 << 30
	r := sec.do(req)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("2 GB upload: %d %s", r.status, r.body)
	}
	// An undeclared one stops at the cap.
	big := bytes.Repeat([]byte("2022-10-19,web,individual,kakaotalk,free,non_monetary,0,1,seoul,,no,,010-1234-5678,,,\n"), 30_000)
	r = sec.upload("/api/v1/reports/import", "big.csv", append([]byte("received_at,channel,reporter_type,service,paid,damage_type,claimed_amount,outage_hours,region,sector,evidence,name,phone,email,business_number,description\n"), big...))
	if r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized upload: %d %.200s", r.status, r.body)
	}
	if n := reportCount(t, e); n != 0 {
		t.Errorf("%d reports stored from refused uploads", n)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestImportPageShowsEveryBadRowAndProgress(t *testing.T) {
	e, _ := newReportsEnv(t, models.SQLite, 0)
	sec := e.login("secretariat@example.org")
	if r := sec.get("/reports/import"); r.status != 200 || !strings.Contains(r.body, `enctype="multipart/form-data"`) {
		t.Fatalf("import page: %d", r.status)
	}
	lines := strings.Split(strings.TrimRight(string(generated(t, 60, 8)), "\n"), "\n")
	f := strings.Split(lines[30], ",")
	f[3] = "카카오우주"
	lines[30] = strings.Join(f, ",")
	r := sec.upload("/reports/import", "bad.csv", []byte(strings.Join(lines, "\n")+"\n"))
	if r.status != http.StatusSeeOther {
		t.Fatalf("form upload: %d %s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, "/reports/import/") {
		t.Fatalf("redirect to %q", loc)
	}
	e.srvReportsWait(t)
	page := sec.get(loc)
	if page.status != 200 || !strings.Contains(page.body, "카카오우주") || !strings.Contains(page.body, "<td class=\"num\">31</td>") {
		t.Errorf("the result page does not show row 31's problem: %s", page.body)
	}
	if !strings.Contains(page.body, "데이터베이스는 바뀌지 않았습니다") {
		t.Error("the result page does not say nothing changed")
	}
	// A good file: the page reports the outcome and links to the statistics.
	r = sec.upload("/reports/import", "good.csv", generated(t, 200, 9))
	e.srvReportsWait(t)
	page = sec.get(r.header.Get("Location"))
	if !strings.Contains(page.body, "신고 200건을 가져왔고") {
		t.Errorf("result page: %s", page.body)
	}
	if list := sec.get("/reports/import"); !strings.Contains(list.body, "good.csv") || !strings.Contains(list.body, "bad.csv") {
		t.Error("the import page does not list earlier imports")
	}
}

// srvReportsWait waits for background imports of the env's server.
func (e *env) srvReportsWait(t *testing.T) {
	t.Helper()
	for i := 0; i < 600; i++ {
		b, err := e.st.ImportRunning(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			return
		}
		waitABit()
	}
	t.Fatal("import still running")
}

func TestRawReportsAreTheSecretariatsAloneAndEveryAccessIsRecorded(t *testing.T) {
	eachReportsEnv(t, func(t *testing.T, e *env, _ *logBuffer) {
		sec := e.login("secretariat@example.org")
		data := string(generated(t, 300, 12))
		// A description crafted to run as a formula when the export is opened.
		injected := "2022-10-21,web,small_merchant,kakao_t,free,lost_sales,45000,4,jeju,transport,yes,홍길동,010-5555-0101,,,\"=cmd|' /C calc'!A0\"\n"
		if r := sec.upload("/api/v1/reports/import", "r.csv", []byte(data+injected)); r.status != 200 {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		auditor := e.login("auditor@example.org")
		member := e.login("consumer1@example.org")
		for _, c := range []*client{member, auditor} {
			for _, p := range []string{"/reports", "/reports/1?purpose=duplicate_check", "/api/v1/reports/1?purpose=duplicate_check", "/reports/import"} {
				if r := c.get(p); r.status != http.StatusForbidden {
					t.Errorf("%s for %s: %d", p, c.user["role"], r.status)
				}
			}
			if r := c.json("POST", "/api/v1/reports/search", map[string]any{"purpose": "duplicate_check", "phone": "010-5555-0101"}); r.status != http.StatusForbidden {
				t.Errorf("search for %s: %d", c.user["role"], r.status)
			}
		}
		denied := auditor.get("/api/v1/audit/events?action=access.denied&limit=100")
		if n := strings.Count(denied.body, `"object_type":"reports"`); n < 6 {
			t.Errorf("only %d raw-report denials recorded: %s", n, denied.body)
		}
		// The secretariat must say why.
		if r := sec.json("POST", "/api/v1/reports/search", map[string]any{"phone": "010-5555-0101"}); r.status != http.StatusUnprocessableEntity || r.errCode() != "purpose_required" {
			t.Errorf("search without purpose: %d %s", r.status, r.body)
		}
		r := sec.json("POST", "/api/v1/reports/search", map[string]any{"purpose": "reporter_inquiry", "phone": "01055550101"})
		if r.status != 200 || !strings.Contains(r.body, "홍길동") {
			t.Fatalf("search: %d %s", r.status, r.body)
		}
		id := fmt.Sprint(int64(r.obj()["reports"].([]any)[0].(map[string]any)["id"].(float64)))
		if r := sec.get("/api/v1/reports/" + id); r.status != http.StatusUnprocessableEntity {
			t.Errorf("view without purpose: %d", r.status)
		}
		if r := sec.get("/reports/" + id); r.status != 200 || strings.Contains(r.body, "홍길동") || !strings.Contains(r.body, `name="purpose"`) {
			t.Errorf("the page opened the report before asking why: %d", r.status)
		}
		if r := sec.get("/reports/" + id + "?purpose=reporter_inquiry"); r.status != 200 || !strings.Contains(r.body, "홍길동") {
			t.Errorf("view: %d", r.status)
		}
		// HTML search and export; the export neutralises the formula.
		form := url.Values{"purpose": {"compensation_review"}, "region": {"jeju"}, "phone": {"010 5555 0101"}}
		if r := sec.form("/reports/search", form); r.status != 200 || !strings.Contains(r.body, "홍길동") {
			t.Errorf("form search: %d", r.status)
		}
		form.Set("format", "csv")
		ex := sec.form("/reports/export", form)
		if ex.status != 200 || !strings.HasPrefix(ex.body, "\ufeff") {
			t.Fatalf("export: %d %.200s", ex.status, ex.body)
		}
		if strings.Contains(ex.body, ",=cmd") || !strings.Contains(ex.body, "'=cmd") {
			t.Errorf("formula not neutralised in the export: %s", ex.body)
		}
		// Every access is in the history with who, where, why and which.
		h := auditor.get("/api/v1/audit/events?object_type=report&limit=100")
		for _, a := range []string{"reports.search", "reports.view", "reports.export"} {
			if !strings.Contains(h.body, `"action":"`+a+`"`) {
				t.Errorf("history lacks %s", a)
			}
		}
		for _, v := range []string{"홍길동", "5555", "01055550101"} {
			if strings.Contains(h.body, v) {
				t.Errorf("the history shows %q to the auditor", v)
			}
		}
		if !strings.Contains(h.body, `"purpose":"reporter_inquiry"`) || !strings.Contains(h.body, `"report_ids":[[`+id+","+id+`]]`) {
			t.Errorf("view event lacks purpose or ids: %s", h.body)
		}
	})
}

func waitABit() { time.Sleep(50 * time.Millisecond) }

// A running import's page shows its progress and reloads itself without
// any script; any instance can show it, since the state is in the database.
func TestRunningImportPageRefreshesItself(t *testing.T) {
	e, _ := newReportsEnv(t, models.SQLite, 0)
	sec := e.login("secretariat@example.org")
	one := 1
	now := e.st.Now()
	b := &models.ReportBatch{Status: models.BatchRunning, Phase: models.PhaseSaving, Running: &one, SHA256: strings.Repeat("ef", 32),
		FileName: "큰파일.csv", RowsRead: 40000, RowsTotal: 40000, RowsSaved: 10000, Errors: "[]", Warnings: "[]",
		CreatedBy: int64(sec.user["id"].(float64)), CreatedAt: now, HeartbeatAt: now}
	if err := e.st.DB().Create(b).Error; err != nil {
		t.Fatal(err)
	}
	r := sec.get(fmt.Sprintf("/reports/import/%d", b.ID))
	if r.status != 200 || r.header.Get("Refresh") == "" {
		t.Fatalf("running import page: %d, Refresh %q", r.status, r.header.Get("Refresh"))
	}
	if !strings.Contains(r.body, `<progress max="100" value="25"`) || !strings.Contains(r.body, "10000 / 40000행 저장") {
		t.Errorf("progress not shown: %s", r.body)
	}
	if r := sec.get(fmt.Sprintf("/api/v1/reports/import/%d", b.ID)); !strings.Contains(r.body, `"rows_saved":10000`) || !strings.Contains(r.body, `"phase":"saving"`) {
		t.Errorf("progress JSON: %s", r.body)
	}
	// The statistics say they are being prepared and reload too.
	m := e.login("consumer1@example.org")
	if r := m.get("/stats"); !strings.Contains(r.body, "처리하는 중입니다") || r.header.Get("Refresh") == "" {
		t.Errorf("/stats during the first import: %s", r.body)
	}
	// Another upload is refused while it runs.
	if r := sec.upload("/api/v1/reports/import", "x.csv", generated(t, 10, 1)); r.status != http.StatusConflict || r.errCode() != "import_running" {
		t.Errorf("second import: %d %s", r.status, r.body)
	}
}
