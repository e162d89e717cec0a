package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestImpactThroughTheAPIAndThePages(t *testing.T) {
	eachReportsEnv(t, func(t *testing.T, e *env, _ *logBuffer) {
		sec := e.login("secretariat@example.org")
		startup := e.login("startup1@example.org")
		if r := startup.get("/api/v1/versions/2/impact"); r.status != http.StatusConflict || r.errCode() != "no_snapshot" {
			t.Fatalf("impact before any import: %d %s", r.status, r.body)
		}
		if p := startup.get("/versions/2/impact"); p.status != 200 || !strings.Contains(p.body, "추정할 수 없습니다") {
			t.Fatalf("impact page before any import: %d", p.status)
		}
		if r := sec.upload("/api/v1/reports/import", "reports.csv", generated(t, 5000, 11)); r.status != http.StatusOK {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		r := startup.get("/api/v1/versions/2/impact?compare=1")
		if r.status != 200 {
			t.Fatalf("impact: %d %s", r.status, r.body)
		}
		o := r.obj()
		for _, k := range []string{"version_id", "eligible_reports", "total_payout", "rules", "by", "compare", "delta", "rule_changes"} {
			if _, ok := o[k]; !ok {
				t.Errorf("impact lacks %q: %s", k, r.body)
			}
		}
		if o["version_id"] != float64(2) || o["compare"].(map[string]any)["version_id"] != float64(1) {
			t.Errorf("versions: %v / %v", o["version_id"], o["compare"])
		}
		if _, ok := o["by"].(map[string]any)["reporter_type"]; !ok {
			t.Errorf("no by.reporter_type: %s", r.body)
		}
		if !strings.Contains(r.body, "새 규칙 ‘소상공인 매출 손실 30만~50만 원’") {
			t.Errorf("rule changes in words missing: %s", r.body)
		}
		// Identical on every request.
		if again := startup.get("/api/v1/versions/2/impact?compare=1"); again.body != r.body {
			t.Error("the estimate changed between requests")
		}
		// Members never see a draft's estimate; admins see none.
		if r := startup.get("/api/v1/versions/3/impact"); r.status != http.StatusNotFound {
			t.Errorf("member reads a draft's impact: %d", r.status)
		}
		if r := e.login("admin@example.org").get("/api/v1/versions/2/impact"); r.status != http.StatusForbidden {
			t.Errorf("admin reads impact: %d", r.status)
		}
		if r := startup.get("/api/v1/versions/2/impact?compare=abc"); r.status != http.StatusBadRequest {
			t.Errorf("bad compare: %d", r.status)
		}

		// The secretariat raises the 30만~50만 bracket to 100,000 won in the
		// draft's rule editor and previews the impact before publishing.
		page := sec.get("/versions/3/rules")
		if page.status != 200 || !strings.Contains(page.body, "소상공인 매출 손실 30만~50만 원") {
			t.Fatalf("rule editor: %d", page.status)
		}
		form := url.Values{"revision": {revisionOf(page.body)}, "count": {"3"}}
		add := func(i, k string, vs ...string) {
			for _, v := range vs {
				form.Add("r"+i+"_"+k, v)
			}
		}
		add("0", "name", "소상공인 매출 손실 30만 원 이하")
		add("0", "clause", "2.1")
		add("0", "reporter_types", "small_merchant")
		add("0", "paid", "free")
		add("0", "damage_types", "lost_sales")
		add("0", "evidence", "on")
		add("0", "amount_up_to", "300,000")
		add("0", "kind", "fixed")
		add("0", "amount", "30000")
		add("1", "name", "소상공인 매출 손실 30만~50만 원")
		add("1", "clause", "2.1")
		add("1", "reporter_types", "small_merchant")
		add("1", "paid", "free")
		add("1", "damage_types", "lost_sales")
		add("1", "evidence", "on")
		add("1", "amount_over", "300000")
		add("1", "amount_up_to", "500000")
		add("1", "kind", "fixed")
		add("1", "amount", "100000")
		add("2", "name", "모든 이용자 위로")
		add("2", "kind", "gesture")
		add("2", "gesture", "이모티콘 3종(90일)")
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("r1_amount", "-5")
		if r := sec.form("/versions/3/rules", bad); r.status != 422 || !strings.Contains(r.body, "0보다 큰 금액") {
			t.Errorf("bad rule form: %d", r.status)
		}
		if r := sec.form("/versions/3/rules", form); r.status != http.StatusSeeOther {
			t.Fatalf("rule form: %d %.400s", r.status, r.body)
		}
		preview := sec.get("/api/v1/versions/3/impact?compare=2")
		d := preview.obj()["delta"].(map[string]any)
		if d["total_payout"] == nil || d["total_payout"].(float64) <= 0 {
			t.Errorf("raising a bracket did not raise the total: %s", preview.body)
		}
		if !strings.Contains(preview.body, "지급액 50,000원 → 100,000원") {
			t.Errorf("rule change not in words: %s", preview.body)
		}
		if r := sec.json("POST", "/api/v1/versions/3/publish", nil); r.status != 200 {
			t.Fatalf("publish: %d %s", r.status, r.body)
		}
		// A startup member compares versions 2 and 3.
		for _, p := range []string{"/versions/3/impact?compare=2", "/versions/3/diff?base=2", "/versions/3"} {
			pg := startup.get(p)
			if pg.status != 200 || !strings.Contains(pg.body, "100,000원") && p != "/versions/3" {
				t.Errorf("%s: %d", p, pg.status)
			}
		}
		h := e.login("auditor@example.org").get("/api/v1/audit/events?action=version.publish&object_id=3")
		if !strings.Contains(h.body, `"rules_sha256"`) {
			t.Errorf("publish event lacks the rules hash: %s", h.body)
		}
	})
}

// revisionOf reads the draft revision out of an editor page.
func revisionOf(body string) string {
	i := strings.Index(body, `name="revision" value="`)
	if i < 0 {
		return ""
	}
	rest := body[i+len(`name="revision" value="`):]
	return rest[:strings.Index(rest, `"`)]
}
