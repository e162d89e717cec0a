package server_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"roundtable/models/reportfile"
	"roundtable/models/stats"
)

// markerBusinessNumber is a business number that passes the check digit.
func markerBusinessNumber() string {
	first := []int{1, 3, 5, 7, 9, 2, 4, 6, 8}
	d := reportfile.BusinessCheckDigit(first)
	var b strings.Builder
	for _, x := range first {
		fmt.Fprint(&b, x)
	}
	fmt.Fprint(&b, d)
	return b.String()
}

// readable is what a person would see in a response: the body, and for a
// workbook (a ZIP) the text of every part inside it.
func readable(t *testing.T, body string) string {
	t.Helper()
	if !strings.HasPrefix(body, "PK") {
		return body
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatalf("unreadable workbook: %v", err)
	}
	var all strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		all.Write(b)
	}
	return all.String()
}

// TestNoPersonalValueReachesMembersAuditorsOrLogs plants unique marker values
// in every personal field of a report, lets the secretariat search, open and
// export it, and then reads every page, API answer, export and history
// entry a member or an auditor can reach, and the server's log: none may
// contain any marker.
func TestNoPersonalValueReachesMembersAuditorsOrLogs(t *testing.T) {
	eachReportsEnv(t, func(t *testing.T, e *env, logs *logBuffer) {
		bizno := markerBusinessNumber()
		markers := []string{"표식이름가나다", "01097531864", "9753-1864", "97531864", "marker.zq7@example.com", "marker.zq7",
			bizno, bizno[:3] + "-" + bizno[3:5] + "-" + bizno[5:], "표식설명ZQ7"}
		// The marker row is a rare combination (a large company in Sejong
		// claiming on Kakao Gift) so that its cells are small and withheld,
		// the case most likely to leak.
		row := fmt.Sprintf("2022-10-20,web,large_company,kakao_gift,paid,lost_sales,7777777,3,sejong,retail,yes,표식이름가나다,010-9753-1864,marker.zq7@example.com,%s,표식설명ZQ7 손실\n", bizno[:3]+"-"+bizno[3:5]+"-"+bizno[5:])
		sec := e.login("secretariat@example.org")
		if r := sec.upload("/api/v1/reports/import", "markers.csv", append(generated(t, 3000, 5), []byte(row)...)); r.status != 200 {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		// The secretariat works with the raw report: every access is recorded.
		s := sec.json("POST", "/api/v1/reports/search", map[string]any{"purpose": "reporter_inquiry", "phone": "010-9753-1864"})
		if s.status != 200 || !strings.Contains(s.body, "표식이름가나다") {
			t.Fatalf("the secretariat cannot find the marker report: %d %s", s.status, s.body)
		}
		id := fmt.Sprint(int64(s.obj()["reports"].([]any)[0].(map[string]any)["id"].(float64)))
		sec.get("/reports/" + id + "?purpose=reporter_inquiry")
		sec.form("/reports/search", url.Values{"purpose": {"duplicate_check"}, "business_number": {bizno}})
		sec.form("/reports/export", url.Values{"purpose": {"compensation_review"}, "business_number": {bizno}, "format": {"xlsx"}})
		if r := sec.get("/reports/" + id + "?purpose=reporter_inquiry"); !strings.Contains(r.body, "marker.zq7@example.com") {
			t.Fatal("the raw view does not show the e-mail: the test would prove nothing")
		}

		var paths []string
		for key := range e.srv.Routes() {
			method, path, _ := strings.Cut(key, " ")
			if method != http.MethodGet || strings.Contains(path, ":code") {
				continue
			}
			path = strings.NewReplacer(":id", id, ":format", "csv", "*filepath", "app.css").Replace(path)
			paths = append(paths, path)
			if strings.Contains(path, "/csv") {
				paths = append(paths, strings.Replace(path, "/csv", "/xlsx", 1))
			}
		}
		for _, spec := range stats.Catalogue() {
			for _, q := range []string{"rows=" + spec.Rows + "&cols=" + spec.Cols, "rows=" + spec.Cols + "&cols=" + spec.Rows} {
				if !spec.TwoWay() {
					q = "rows=" + spec.Rows
				}
				for _, p := range []string{"/stats/table?", "/stats/table/csv?", "/stats/table/xlsx?", "/api/v1/stats/table?"} {
					paths = append(paths, p+q)
				}
			}
		}
		paths = append(paths, "/reports/"+id+"?purpose=reporter_inquiry", "/api/v1/reports/"+id+"?purpose=reporter_inquiry",
			"/api/v1/audit/events?limit=500", "/api/v1/audit/events?object_type=report&limit=500", "/reports/import/1")
		sort.Strings(paths)

		checked := 0
		for _, email := range []string{"consumer1@example.org", "merchant2@example.org", "expert1@example.org", "auditor@example.org"} {
			c := e.login(email)
			for _, p := range paths {
				r := c.get(p)
				body := readable(t, r.body)
				for _, m := range markers {
					if strings.Contains(body, m) {
						t.Errorf("%s sees %q at %s (status %d)", email, m, p, r.status)
					}
				}
				checked++
			}
			// The raw-report search itself is refused and recorded.
			if r := c.json("POST", "/api/v1/reports/search", map[string]any{"purpose": "reporter_inquiry", "phone": "010-9753-1864"}); r.status != http.StatusForbidden {
				t.Errorf("%s searched raw reports: %d", email, r.status)
			}
		}
		// The auditor pages through the whole history as well.
		aud := e.login("auditor@example.org")
		after := "0"
		for i := 0; i < 100; i++ {
			r := aud.get("/api/v1/audit/events?limit=500&after=" + after)
			for _, m := range markers {
				if strings.Contains(r.body, m) {
					t.Errorf("the history holds %q", m)
				}
			}
			next, ok := r.obj()["next_after"].(float64)
			if !ok || next == 0 {
				break
			}
			after = fmt.Sprint(int64(next))
		}
		if !strings.Contains(aud.get("/api/v1/audit/events?action=reports.view&limit=10").body, `"purpose":"reporter_inquiry"`) {
			t.Error("the view of the marker report is not in the history")
		}
		for _, m := range markers {
			if strings.Contains(logs.String(), m) {
				t.Errorf("the server log holds %q", m)
			}
		}
		if checked < 100 {
			t.Fatalf("only %d responses checked", checked)
		}
		t.Logf("%d member and auditor responses checked for %d markers", checked, len(markers))
	})
}
