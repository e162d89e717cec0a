package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"roundtable/models"
	"roundtable/models/stats"
	"roundtable/policy"
	"roundtable/server"
)

func TestStatisticsBeforeAnyImport(t *testing.T) {
	e, _ := newReportsEnv(t, models.SQLite, 0)
	m := e.login("consumer1@example.org")
	if r := m.get("/stats"); r.status != 200 || !strings.Contains(r.body, "통계를 준비하고 있습니다") {
		t.Errorf("/stats before import: %d", r.status)
	}
	if r := m.get("/api/v1/stats/table?rows=service"); r.status != http.StatusConflict || r.errCode() != "no_snapshot" {
		t.Errorf("table before import: %d %s", r.status, r.body)
	}
	if r := m.get("/api/v1/stats"); r.status != 200 || r.obj()["snapshot"] != nil {
		t.Errorf("/api/v1/stats before import: %s", r.body)
	}
	d := m.get("/api/v1/stats/dimensions")
	var dims struct {
		Dimensions []struct {
			Key    string `json:"key"`
			Label  string `json:"label"`
			Values []struct {
				Key string `json:"key"`
			} `json:"values"`
		} `json:"dimensions"`
		Threshold int `json:"threshold"`
	}
	if err := json.Unmarshal([]byte(d.body), &dims); err != nil || dims.Threshold != 10 || len(dims.Dimensions) != 8 {
		t.Fatalf("dimensions: %v %s", err, d.body)
	}
	for _, want := range []string{"service", "reporter_type", "damage_type", "paid", "amount_band", "region", "week"} {
		found := false
		for _, dm := range dims.Dimensions {
			found = found || (dm.Key == want && len(dm.Values) > 0 && dm.Label != "")
		}
		if !found {
			t.Errorf("dimension %s missing", want)
		}
	}
}

func TestStatisticsServeStoredTablesUnderDisclosureControl(t *testing.T) {
	eachReportsEnv(t, func(t *testing.T, e *env, _ *logBuffer) {
		sec := e.login("secretariat@example.org")
		if r := sec.upload("/api/v1/reports/import", "r.csv", generated(t, 12000, 2)); r.status != 200 {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		member := e.login("startup1@example.org")
		auditor := e.login("auditor@example.org")
		admin := e.login("admin@example.org")
		if r := admin.get("/api/v1/stats/table?rows=service"); r.status != http.StatusForbidden {
			t.Errorf("admin reads statistics: %d", r.status)
		}
		suppressed := 0
		for _, spec := range stats.Catalogue() {
			q := "/api/v1/stats/table?rows=" + spec.Rows
			if spec.TwoWay() {
				q += "&cols=" + spec.Cols
			}
			a, b := member.get(q), auditor.get(q)
			if a.status != 200 || a.body != b.body {
				t.Fatalf("%s: %d, member and auditor see different bytes", q, a.status)
			}
			if again := member.get(q); again.body != a.body {
				t.Errorf("%s changed between two requests", q)
			}
			var tb struct {
				Rows      string  `json:"rows"`
				Cols      *string `json:"cols"`
				Threshold int     `json:"threshold"`
				Total     struct {
					Count      *int64 `json:"count"`
					Suppressed bool   `json:"suppressed"`
				} `json:"total"`
				Cells []struct {
					Row, Col     string
					Count        *int64  `json:"count"`
					Suppressed   bool    `json:"suppressed"`
					AmountSum    *int64  `json:"amount_sum"`
					AmountMedian *string `json:"amount_median"`
				} `json:"cells"`
				RowTotals []struct {
					Value      string `json:"value"`
					Count      *int64 `json:"count"`
					Suppressed bool   `json:"suppressed"`
				} `json:"row_totals"`
				ColTotals []json.RawMessage `json:"col_totals"`
			}
			if err := json.Unmarshal([]byte(a.body), &tb); err != nil {
				t.Fatal(err)
			}
			if tb.Rows != spec.Rows || (spec.TwoWay() != (tb.Cols != nil)) || tb.Threshold != 10 || tb.Total.Count == nil {
				t.Errorf("%s: header %+v", q, tb)
			}
			if len(tb.RowTotals) == 0 || (spec.TwoWay() && len(tb.ColTotals) == 0) {
				t.Errorf("%s: no totals", q)
			}
			for _, c := range tb.Cells {
				switch {
				case c.Suppressed:
					suppressed++
					if c.Count != nil || c.AmountSum != nil || c.AmountMedian != nil {
						t.Errorf("%s %s/%s: a withheld cell shows figures", q, c.Row, c.Col)
					}
				case c.Count == nil:
					t.Errorf("%s %s/%s: count null but not suppressed", q, c.Row, c.Col)
				case *c.Count%5 != 0 || (*c.Count > 0 && *c.Count < 10):
					t.Errorf("%s %s/%s: published count %d", q, c.Row, c.Col, *c.Count)
				}
			}
			if strings.Contains(a.body, "primary") || strings.Contains(a.body, "secondary") {
				t.Errorf("%s tells which withheld cells are small", q)
			}
		}
		if suppressed == 0 {
			t.Error("no cell withheld: rare combinations should be")
		}
		// A two-way table either way round holds the same figures.
		ab, ba := member.get("/api/v1/stats/table?rows=service&cols=paid"), member.get("/api/v1/stats/table?rows=paid&cols=service")
		if ab.status != 200 || ba.status != 200 || ab.body == ba.body || len(ab.body) != len(ba.body)+len(`"table":"service.paid"`)-len(`"table":"paid.service"`) {
			t.Errorf("transposed table: %d %d", ab.status, ba.status)
		}
		// Anything outside the catalogue is refused.
		for _, q := range []string{"rows=service&cols=region", "rows=service&from=2022-10-20", "rows=service&rows=paid", "rows=name",
			"rows=service&limit=1", "rows=service&cols=service", "rows=region&top=5", "rows=phone", ""} {
			if r := member.get("/api/v1/stats/table?" + q); r.status != http.StatusBadRequest {
				t.Errorf("?%s: %d %s", q, r.status, r.body)
			}
		}
		if r := member.get("/api/v1/stats/dimensions?service=kakaotalk"); r.status != http.StatusBadRequest {
			t.Errorf("dimensions with a filter: %d", r.status)
		}
		// The same stored numbers after a restart (a new server on the same database).
		authz, _ := policy.New()
		srv2, err := server.New(e.st, authz, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Config{Demo: true})
		if err != nil {
			t.Fatal(err)
		}
		ts2 := httptest.NewServer(srv2.Handler())
		defer ts2.Close()
		e2 := &env{t: t, st: e.st, srv: srv2, ts: ts2}
		if r := e2.login("consumer2@example.org").get("/api/v1/stats/table?rows=region&cols=reporter_type"); r.body != member.get("/api/v1/stats/table?rows=region&cols=reporter_type").body {
			t.Error("the table changed across a restart")
		}

		// Pages: the dashboard, one table, and downloads of exactly that.
		page := member.get("/stats")
		if page.status != 200 || !strings.Contains(page.body, "<svg") || !strings.Contains(page.body, "가림") || !strings.Contains(page.body, "거꾸로 계산될 수 있어") {
			t.Fatalf("dashboard: %d", page.status)
		}
		tp := member.get("/stats/table?rows=region&cols=reporter_type")
		if tp.status != 200 || !strings.Contains(tp.body, `<th scope="row">`) || !strings.Contains(tp.body, "<caption>") {
			t.Fatalf("table page: %d", tp.status)
		}
		csv := member.get("/stats/table/csv?rows=region&cols=reporter_type")
		if csv.status != 200 || !strings.HasPrefix(csv.body, "\ufeff") || !strings.Contains(csv.header.Get("Content-Disposition"), ".csv") {
			t.Fatalf("csv: %d", csv.status)
		}
		for _, l := range []string{"서울", "제주"} {
			if !strings.Contains(csv.body, l) {
				t.Errorf("csv lacks %s", l)
			}
		}
		if strings.Contains(tp.body, "가림") != strings.Contains(csv.body, "가림") {
			t.Error("the download and the page disagree on withheld cells")
		}
		x := member.get("/stats/table/xlsx?rows=service")
		if x.status != 200 {
			t.Fatalf("xlsx: %d", x.status)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(x.body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows(f.GetSheetName(0))
		if err != nil || len(rows) < 10 || rows[1][0] != "카카오톡" {
			t.Errorf("xlsx rows %v %v", rows, err)
		}
		if r := member.get("/stats/table/pdf?rows=service"); r.status != http.StatusNotFound {
			t.Errorf("pdf export: %d", r.status)
		}
		h := auditor.get("/api/v1/audit/events?action=stats.export&limit=50")
		if strings.Count(h.body, `"action":"stats.export"`) != 2 {
			t.Errorf("downloads not recorded: %s", h.body)
		}
	})
}
