package server_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"roundtable/models"
	"roundtable/models/reportfile"
	"roundtable/models/storetest"
	"roundtable/policy"
	"roundtable/server"
)

// startReportsApp serves a demo council with a data key on a real listener.
func startReportsApp(t *testing.T) string {
	t.Helper()
	st := storetest.Demo(t, models.SQLite)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := models.NewReports(st, models.ReportsOptions{Sealer: storetest.Sealer(t), Logger: log, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	authz, err := policy.New()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(st, authz, log, server.Config{Demo: true, Reports: svc})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); svc.Close() })
	return ts.URL
}

// uploadFile chooses a file in the import form and submits it.
func (b *tab) uploadFile(path string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{path})); err != nil {
		b.fatal("choose "+path, err)
	}
	b.click(`form[action="/reports/import"] button[type="submit"]`)
}

// waitImport reloads the import's page (as its Refresh header does) until
// the import has ended.
func (b *tab) waitImport() {
	b.t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for time.Now().Before(deadline) {
		if eval[bool](b, `!document.querySelector('progress')`) {
			return
		}
		if err := chromedp.Do(b.ctx, chromedp.Sleep(500*time.Millisecond)); err != nil {
			b.fatal("wait", err)
		}
		b.open(b.path())
	}
	b.t.Fatal("the import did not end")
}

// TestBrowserReportsAndStatistics: the secretariat imports a CP949 CSV made
// in Excel and a bad workbook through the form, a consumer-group member
// browses the dashboard and a table, and the secretariat opens a raw
// report only after saying why.
func TestBrowserReportsAndStatistics(t *testing.T) {
	if testing.Short() {
		t.Skip("real-browser journeys are not short")
	}
	browser := startBrowser(t)
	base := startReportsApp(t)
	dir := t.TempDir()
	if keep := os.Getenv("ROUNDTABLE_SCREENSHOTS"); keep != "" {
		dir = keep
	}
	files := t.TempDir()
	good := filepath.Join(files, "피해접수_엑셀.csv")
	if err := os.WriteFile(good, generated(t, 15000, 3, reportfile.WithCP949(), reportfile.WithKoreanHeaders(), reportfile.WithKoreanValues()), 0o644); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(generated(t, 40, 4)), "\n"), "\n")
	f := strings.Split(lines[7], ",")
	f[6] = "-12000"
	lines[7] = strings.Join(f, ",")
	bad := filepath.Join(files, "bad.xlsx")
	if err := os.WriteFile(bad, toXLSX(t, []byte(strings.Join(lines, "\n")+"\n")), 0o644); err != nil {
		t.Fatal(err)
	}

	sec := newTab(t, browser, base)
	sec.viewport(1280, 900)
	sec.open("/login?next=%2F")
	sec.login("secretariat@example.org", demoPassword)
	sec.click(`a.task-title[href="/reports/import"]`)
	sec.see("main h1", "피해 신고 자료 가져오기")
	sec.uploadFile(good)
	sec.see(".flash", "가져오기를 시작했습니다")
	sec.waitImport()
	sec.see("main .flash", "신고 15000건을 가져왔고")
	sec.screenshot(dir, "import-done", 1280)

	// A bad workbook: every bad row is listed, nothing is stored.
	sec.open("/reports/import")
	sec.uploadFile(bad)
	sec.waitImport()
	sec.see(".error-box", "데이터베이스는 바뀌지 않았습니다")
	sec.see("table.problems", "8", "claimed_amount")
	sec.screenshot(dir, "import-refused", 1280)

	// A consumer-group member reads the statistics.
	m := newTab(t, browser, base)
	m.viewport(1280, 900)
	m.open("/login?next=%2F")
	m.login("consumer1@example.org", demoPassword)
	m.click(`a.task-title[href="/stats"]`)
	m.see("main h1", "피해 현황 통계")
	m.see(".headline", "접수된 신고", "신고한 사람·사업자", "무료 서비스")
	if n := eval[int](m, `document.querySelectorAll('svg.bars rect').length`); n < 30 {
		t.Errorf("the dashboard draws %d bars", n)
	}
	if n := eval[int](m, `document.querySelectorAll('table.stats-table caption').length`); n != 8 {
		t.Errorf("%d captioned tables on the dashboard", n)
	}
	m.screenshot(dir, "stats-desktop", 1280)
	m.click(`a[href="/stats/table?rows=region&cols=reporter_type"]`)
	m.see("main h1", "지역 × 신고자 유형")
	m.see("main", "가림", "거꾸로 계산될 수 있어")
	if href := eval[string](m, `document.querySelector('.exports a[href^="/stats/table/csv"]').getAttribute('href')`); href != "/stats/table/csv?rows=region&cols=reporter_type" {
		t.Errorf("download link %q", href)
	}
	m.screenshot(dir, "stats-table-desktop", 1280)
	m.viewport(390, 844)
	m.open("/stats")
	m.noSidewaysScroll("the statistics on a phone")
	m.screenshot(dir, "stats-phone", 390)

	// The secretariat looks up a reporter, saying why first.
	sec.open("/reports")
	sec.choose("#q-purpose", "reporter_inquiry")
	sec.choose("#q-region", "jeju")
	sec.click(`form.raw-search button.primary`)
	sec.see("main h2", "검색 결과")
	sec.click(`main table a[href^="/reports/"]`)
	sec.see(".lead", "신고인 문의 응대", "기록되었습니다")
	sec.screenshot(dir, "raw-report", 1280)

	for _, tb := range []*tab{sec, m} {
		tb.cleanConsole()
	}
	t.Logf("screenshots in %s", filepath.Clean(dir))
}
