package server_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"roundtable/models"
	"roundtable/models/auditlog"
)

// adoptedVersion publishes a version, comments on it, answers, and runs a
// ballot on it to adoption, with one member changing their vote. It returns
// the version and ballot ids.
func adoptedVersion(t *testing.T, e *env) (vid, bid string) {
	t.Helper()
	sec, _, vid := publishedDoc(t, e)
	cm := e.login("consumer2@example.org")
	cid := idOf(cm.json("POST", "/api/v1/versions/"+vid+"/comments", map[string]string{"body": "3만 원은 너무 적습니다.", "clause_key": "2.1"}), "comment")
	if r := sec.json("POST", "/api/v1/comments/"+cid+"/disposition", map[string]any{"status": "noted", "response": "다음 판에서 검토하겠습니다."}); r.status != 200 {
		t.Fatalf("answer: %d %s", r.status, r.body)
	}
	r := openBallotAPI(t, sec, vid, map[string]any{"quorum_percent": 0})
	if r.status != http.StatusCreated {
		t.Fatalf("open ballot: %d %s", r.status, r.body)
	}
	bid = idOf(r, "ballot")
	vote := func(email, choice string) {
		if v := e.login(email).json("PUT", "/api/v1/ballots/"+bid+"/vote", map[string]string{"choice": choice}); v.status != 200 {
			t.Fatalf("%s votes: %d %s", email, v.status, v.body)
		}
	}
	vote("merchant1@example.org", "reject")
	vote("merchant1@example.org", "approve") // changes their mind
	vote("startup1@example.org", "approve")
	vote("consumer1@example.org", "approve")
	if c := sec.json("POST", "/api/v1/ballots/"+bid+"/close", nil); c.status != 200 || c.obj()["ballot"].(map[string]any)["result"] != "adopted" {
		t.Fatalf("close: %d %s", c.status, c.body)
	}
	return vid, bid
}

func events(r resp) []map[string]any {
	r.t.Helper()
	var out []map[string]any
	for _, ev := range r.obj()["events"].([]any) {
		out = append(out, ev.(map[string]any))
	}
	return out
}

func TestAuditTimelineFilters(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		vid, _ := adoptedVersion(t, e)
		aud := e.login("auditor@example.org")
		get := func(q string) []map[string]any {
			t.Helper()
			r := aud.get("/api/v1/audit/events?limit=500&" + q)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", q, r.status, r.body)
			}
			return events(r)
		}
		pub := get("action=version.publish")
		if len(pub) < 2 {
			t.Fatalf("publications: %v", pub)
		}
		for _, ev := range pub {
			if ev["action"] != "version.publish" || !strings.Contains(ev["summary"].(string), "공개했습니다") {
				t.Errorf("action filter or sentence: %v", ev)
			}
		}
		votes := get("action=ballot.*")
		var changed bool
		for _, ev := range votes {
			if !strings.HasPrefix(ev["action"].(string), "ballot.") {
				t.Errorf("family filter let through %v", ev["action"])
			}
			changed = changed || strings.Contains(ev["summary"].(string), "‘반대’에서 ‘찬성’(으)로 바꿨습니다")
		}
		if !changed {
			t.Errorf("the changed vote is not said in words: %v", votes)
		}
		m1 := get("action=session.login&actor_id=3")
		for _, ev := range m1 {
			if ev["actor"].(map[string]any)["id"] != float64(3) {
				t.Errorf("actor filter let through %v", ev["actor"])
			}
		}
		obj := get("object_type=version&object_id=" + vid)
		if len(obj) == 0 {
			t.Fatal("no events for the version")
		}
		for _, ev := range obj {
			if ev["object_type"] != "version" || fmt.Sprint(ev["object_id"]) != vid {
				t.Errorf("object filter let through %v", ev)
			}
		}

		// A date range is [from, to): exactly the events in between.
		all := get("")
		if len(all) < 20 {
			t.Fatalf("only %d events", len(all))
		}
		from, to := all[5]["at"].(string), all[12]["at"].(string)
		var want []float64
		for _, ev := range all {
			at, _ := time.Parse(time.RFC3339Nano, ev["at"].(string))
			f, _ := time.Parse(time.RFC3339Nano, from)
			u, _ := time.Parse(time.RFC3339Nano, to)
			if !at.Before(f) && at.Before(u) {
				want = append(want, ev["seq"].(float64))
			}
		}
		got := get("from=" + url.QueryEscape(from) + "&to=" + url.QueryEscape(to))
		if len(got) != len(want) || len(got) == 0 || got[0]["seq"] != want[0] || got[len(got)-1]["seq"] != want[len(want)-1] {
			t.Errorf("range %s..%s: got %d events, want seqs %v", from, to, len(got), want)
		}
		today := time.Now().In(models.Seoul).Format("2006-01-02")
		if n := len(get("from=" + today + "&to=" + today)); n != len(all) {
			t.Errorf("today's events by date: %d of %d", n, len(all))
		}
		if n := len(get("from=2099-01-01")); n != 0 {
			t.Errorf("future: %d events", n)
		}
		if n := len(get("to=2000-01-01")); n != 0 {
			t.Errorf("past: %d events", n)
		}
		// Newest first with before=, continued by next_before.
		r := aud.get("/api/v1/audit/events?limit=3&before=10")
		evs := events(r)
		if len(evs) != 3 || evs[0]["seq"] != float64(9) || evs[2]["seq"] != float64(7) || r.obj()["next_before"] != float64(7) {
			t.Errorf("before=10: %s", r.body)
		}
		for _, q := range []string{"from=yesterday", "to=2022-13-01", "action=DROP%20TABLE", "object_type=A%20B", "before=-1"} {
			if r := aud.get("/api/v1/audit/events?" + q); r.status != http.StatusBadRequest {
				t.Errorf("%s: %d", q, r.status)
			}
		}
	})
}

func TestAuditPageReadsLikeSentences(t *testing.T) {
	e := newEnv(t, models.SQLite)
	vid, _ := adoptedVersion(t, e)
	aud := e.login("auditor@example.org")
	page := aud.get("/audit?action=version.*")
	for _, want := range []string{
		"«무료 서비스 피해 지원 기준안» 제1판을(를) 공개했습니다.",
		"투표 결과 «무료 서비스 피해 지원 기준안» 제1판이(가) 채택되었습니다.",
		`href="/versions/` + vid + `"`,
		`href="/audit/objects/version/` + vid + `"`,
		"사무국",                        // the actor's role
		`value="version.*" selected`, // the filter is kept
		"roundtable audit verify",    // how to check it offline
		"/api/v1/audit/checkpoints/latest",
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the timeline lacks %q", want)
		}
	}
	// Paging keeps the filter: 50 a page, older ones behind a link.
	full := aud.get("/audit")
	if !strings.Contains(full.body, "before=") {
		t.Errorf("no link to older events")
	}
	older := aud.get("/audit?before=20")
	if !strings.Contains(older.body, `id="e19"`) || strings.Contains(older.body, `id="e20"`) || !strings.Contains(older.body, "after=19") {
		t.Errorf("before=20 page is wrong")
	}
	// In English the same sentence reads in English.
	aud.get("/lang/en?next=/")
	en := aud.get("/audit?action=version.publish")
	if !strings.Contains(en.body, "Published version 1 of “무료 서비스 피해 지원 기준안”.") {
		t.Errorf("English sentence missing")
	}
	// The secretariat reads the timeline but does not verify, export or review.
	sec := e.login("secretariat@example.org").get("/audit")
	if sec.status != 200 || strings.Contains(sec.body, "/api/v1/audit/export") || strings.Contains(sec.body, "/audit/access") {
		t.Errorf("secretariat's timeline offers auditors' tools")
	}
}

func TestObjectHistoryAndDecisionRecord(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		vid, bid := adoptedVersion(t, e)
		aud := e.login("auditor@example.org")
		r := aud.get("/api/v1/audit/objects/version/" + vid)
		if r.status != 200 {
			t.Fatalf("history: %d %s", r.status, r.body)
		}
		var actions []string
		var last float64
		for _, ev := range events(r) {
			if s := ev["seq"].(float64); s <= last {
				t.Fatalf("history out of order at %v", s)
			} else {
				last = s
			}
			actions = append(actions, ev["action"].(string))
		}
		got := strings.Join(actions, " ")
		want := "version.create version.publish comment.create comment.answer ballot.open ballot.vote ballot.vote ballot.vote ballot.vote version.adopt ballot.close"
		if got != want {
			t.Errorf("life of the version:\n got  %s\n want %s", got, want)
		}
		cp, _ := r.obj()["checkpoint"].(map[string]any)
		if cp == nil || cp["size"].(float64) < r.obj()["latest_seq"].(float64) {
			t.Errorf("closing the ballot signs a checkpoint that covers the version: %v", r.obj()["checkpoint"])
		}
		page := aud.get("/audit/objects/version/" + vid)
		if page.status != 200 || !strings.Contains(page.body, "투표를 마감했습니다. 결과: 채택") || !strings.Contains(page.body, "/versions/"+vid+"/record") {
			t.Errorf("history page: %d", page.status)
		}
		if b := aud.get("/api/v1/audit/objects/ballot/" + bid); b.status != 200 || len(events(b)) != 7 {
			t.Errorf("ballot history: %d %s", b.status, b.body)
		}
		for _, p := range []string{"/audit/objects/version/99999", "/audit/objects/planet/1", "/api/v1/audit/objects/version/0"} {
			if r := aud.get(p); r.status != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.status)
			}
		}

		rec := aud.get("/versions/" + vid + "/record")
		for _, want := range []string{
			"결정 기록: «무료 서비스 피해 지원 기준안» 제1판",
			"30만 원 이하 매출 손실 소상공인에게 3만 원을 지원한다.", // the text
			"3만 원은 너무 적습니다.", "다음 판에서 검토하겠습니다.", // the register
			"기명 투표", "김민수", "찬성", "그룹별 결과", // named votes and groups
			"roundtable.test/audit\n", // the signed note
		} {
			if !strings.Contains(rec.body, want) {
				t.Errorf("decision record lacks %q", want)
			}
		}
		if !strings.Contains(rec.body, "no-print") {
			t.Error("the record has no print-only markup")
		}
		// Members get no decision record; drafts have none for auditors.
		if r := e.login("merchant1@example.org").get("/versions/" + vid + "/record"); r.status != http.StatusForbidden {
			t.Errorf("member: %d", r.status)
		}
	})
}

func TestAuditExportVerifiesOfflineAndCSVIsSafe(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := e.login("admin@example.org")
		if r := admin.json("POST", "/api/v1/users", map[string]string{"email": "formula@example.org", "name": "=HYPERLINK(\"x\")",
			"role": "member", "group": "consumer", "organisation": "", "password": "formula-password"}); r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		e.loginWith("formula@example.org", "formula-password")
		aud := e.login("auditor@example.org")
		key := strings.TrimSpace(aud.get("/api/v1/audit/public-key").body)
		held := aud.get("/api/v1/audit/checkpoints/latest")
		if held.status != 200 || !strings.HasPrefix(held.body, "roundtable.test/audit\n") {
			t.Fatalf("latest checkpoint: %d %q", held.status, held.body)
		}
		x := aud.get("/api/v1/audit/export")
		if x.status != 200 || x.header.Get("Content-Type") != "application/x-ndjson" || !strings.Contains(x.header.Get("Content-Disposition"), ".ndjson") {
			t.Fatalf("export: %d %v", x.status, x.header)
		}
		rep, err := auditlog.Verify(strings.NewReader(x.body), auditlog.VerifyOptions{TrustedKey: key, TrustedCheckpoints: [][]byte{[]byte(held.body)}})
		if err != nil || !rep.OK {
			t.Fatalf("the export does not verify: %+v %v", rep, err)
		}
		lines := strings.Split(strings.TrimSpace(x.body), "\n")
		if !strings.Contains(lines[0], `"kind":"header"`) || !strings.Contains(lines[1], `"seq":1,`) {
			t.Errorf("export starts %q / %q", lines[0], lines[1])
		}
		if v := aud.get("/api/v1/audit/verify"); v.obj()["count"].(float64) < float64(rep.Count) {
			t.Errorf("the export has more events than the log")
		}
		if evs := events(aud.get("/api/v1/audit/events?action=audit.export")); len(evs) != 1 || !strings.Contains(string(fmt.Sprint(evs[0]["data"])), "ndjson") {
			t.Errorf("the download is not on the record: %v", evs)
		}

		c := aud.get("/audit/export?action=session.*")
		if c.status != 200 || !strings.HasPrefix(c.body, "\ufeff") || !strings.HasPrefix(c.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %v", c.status, c.header)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(c.body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if rows[0][0] != "번호" || rows[0][6] != "내용" {
			t.Errorf("header %v", rows[0])
		}
		sessions := events(aud.get("/api/v1/audit/events?limit=500&action=session.*"))
		if len(rows) != len(sessions)+1 {
			t.Errorf("%d rows for %d events", len(rows)-1, len(sessions))
		}
		var neutralised bool
		for _, row := range rows[1:] {
			if !strings.HasPrefix(row[5], "session.") {
				t.Errorf("filter not applied: %v", row)
			}
			for _, cell := range row {
				if strings.HasPrefix(cell, "=") {
					t.Errorf("formula cell %q", cell)
				}
			}
			neutralised = neutralised || row[2] == `'=HYPERLINK("x")`
		}
		if !neutralised {
			t.Error("the formula-looking name is not in the CSV as text")
		}
	})
}

func TestProofEndpoints(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		aud := e.login("auditor@example.org")
		key := strings.TrimSpace(aud.get("/api/v1/audit/public-key").body)
		cps := aud.get("/api/v1/audit/checkpoints").obj()["checkpoints"].([]any)
		first := int64(cps[0].(map[string]any)["size"].(float64))
		latest := int64(cps[len(cps)-1].(map[string]any)["size"].(float64))
		check := func(path string) auditlog.ProofCheck {
			t.Helper()
			r := aud.get(path)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", path, r.status, r.body)
			}
			res, err := auditlog.CheckBundle([]byte(r.body), []string{key}, nil)
			if err != nil {
				t.Fatalf("%s does not check: %v\n%s", path, err, r.body)
			}
			return res
		}
		if res := check("/api/v1/audit/proofs/inclusion?seq=3"); res.Event.Seq != 3 || res.TreeSize != latest {
			t.Errorf("inclusion against the newest checkpoint: %+v", res)
		}
		check(fmt.Sprintf("/api/v1/audit/proofs/inclusion?seq=%d&size=%d", first, first))
		if res := check(fmt.Sprintf("/api/v1/audit/proofs/consistency?from=%d", first)); res.OldSize != first || res.NewSize != latest {
			t.Errorf("consistency: %+v", res)
		}
		// Something happens after the newest checkpoint.
		e.login("merchant1@example.org")
		size := int64(aud.get("/api/v1/audit/verify").obj()["count"].(float64))
		for path, want := range map[string]int{
			"/api/v1/audit/proofs/inclusion?seq=999999":                                  http.StatusNotFound,
			fmt.Sprintf("/api/v1/audit/proofs/inclusion?seq=1&size=%d", latest+1):        http.StatusNotFound,
			"/api/v1/audit/proofs/consistency?from=77777":                                http.StatusNotFound,
			fmt.Sprintf("/api/v1/audit/proofs/consistency?from=%d&to=99999", first):      http.StatusNotFound,
			fmt.Sprintf("/api/v1/audit/proofs/consistency?from=%d&to=%d", latest, first): http.StatusUnprocessableEntity,
			fmt.Sprintf("/api/v1/audit/proofs/inclusion?seq=%d", size):                   http.StatusConflict,
			fmt.Sprintf("/api/v1/audit/proofs/inclusion?seq=%d&size=%d", latest, first):  http.StatusUnprocessableEntity,
			"/api/v1/audit/proofs/inclusion?seq=0":                                       http.StatusBadRequest,
			"/api/v1/audit/proofs/inclusion?seq=x":                                       http.StatusBadRequest,
			"/api/v1/audit/checkpoints/424242":                                           http.StatusNotFound,
		} {
			if r := aud.get(path); r.status != want {
				t.Errorf("%s: %d, want %d (%s)", path, r.status, want, r.body)
			}
		}
		// A tampered proof does not check.
		r := aud.get("/api/v1/audit/proofs/inclusion?seq=3")
		forged := bytes.Replace([]byte(r.body), []byte(`"action":"user.create"`), []byte(`"action":"user.delete"`), 1)
		if bytes.Equal(forged, []byte(r.body)) {
			t.Fatalf("seq 3 is not user.create: %s", r.body)
		}
		if _, err := auditlog.CheckBundle(forged, []string{key}, nil); err == nil {
			t.Error("a forged event passed its inclusion proof")
		}
	})
}

func TestAccessLogReview(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.anon().json("POST", "/api/v1/login", map[string]string{"email": "merchant1@example.org", "password": "wrong-password"})
		e.anon().json("POST", "/api/v1/login", map[string]string{"email": "nobody@example.org", "password": "whatever-password"})
		if r := e.login("merchant1@example.org").get("/api/v1/users"); r.status != http.StatusForbidden {
			t.Fatalf("denial: %d", r.status)
		}
		// The secretariat opens a raw report, saying why (as the reports
		// feature records it).
		if err := e.st.Record(t.Context(), models.Actor{UserID: 2, Role: models.RoleSecretariat, RequestID: "req-view-7", IP: "10.0.0.7"},
			"reports.view", "report", 7, map[string]any{"purpose": "이의 신청 확인", "report_ids": [][2]int64{{7, 7}}}); err != nil {
			t.Fatal(err)
		}
		aud := e.login("auditor@example.org")
		month := time.Now().In(models.Seoul).Format("2006-01")
		r := aud.get("/api/v1/audit/access?month=" + month)
		if r.status != 200 {
			t.Fatalf("review: %d %s", r.status, r.body)
		}
		var merchant, unknown map[string]any
		for _, s := range r.obj()["summary"].([]any) {
			row := s.(map[string]any)
			if row["month"] != month {
				t.Errorf("month %v", row["month"])
			}
			switch {
			case row["name"] == "김민수":
				merchant = row
			case row["actor_id"] == nil:
				unknown = row
			}
		}
		if merchant == nil || merchant["counts"].(map[string]any)["session.login_failed"] != float64(1) || merchant["counts"].(map[string]any)["access.denied"] != float64(1) {
			t.Fatalf("merchant's month: %v", merchant)
		}
		if unknown == nil || unknown["counts"].(map[string]any)["session.login_failed"] != float64(1) {
			t.Fatalf("unknown account's month: %v", unknown)
		}
		view := aud.get("/audit/access?month=" + month + "&actor_id=2")
		if !strings.Contains(view.body, "7번 피해 접수 원자료를 열람했습니다 (사유: 이의 신청 확인).") || !strings.Contains(view.body, "10.0.0.7") {
			t.Errorf("the raw-report view lacks who, why or where")
		}
		page := aud.get("/audit/access")
		if !strings.Contains(page.body, "김민수") || !strings.Contains(page.body, "없는 계정으로 시도") || !strings.Contains(page.body, month) {
			t.Errorf("review page lacks the rows")
		}
		detail := aud.get("/audit/access?month=" + month + "&actor_id=3")
		if !strings.Contains(detail.body, "비밀번호 틀림") || !strings.Contains(detail.body, "GET /api/v1/users") || !strings.Contains(detail.body, "127.0.0.1") {
			t.Errorf("detail lacks why and where")
		}
		c := aud.get("/audit/access/export?month=" + month)
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(c.body, "\ufeff"))).ReadAll()
		if err != nil || c.status != 200 || rows[0][0] != "월" || len(rows) < 4 {
			t.Fatalf("access csv: %d %v %v", c.status, err, rows)
		}
		for _, row := range rows[1:] {
			if !strings.Contains(strings.Join(models.AccessActions, " "), row[5]) {
				t.Errorf("not an access event: %v", row)
			}
		}
		for _, q := range []string{"month=2022-13", "month=october", "actor_id=x"} {
			if r := aud.get("/api/v1/audit/access?" + q); r.status != http.StatusBadRequest {
				t.Errorf("%s: %d", q, r.status)
			}
		}
	})
}

// TestAuditorsWriteNothing walks every unsafe route as an auditor: each is
// refused with 403 and the attempt is on the record, naming the route.
func TestAuditorsWriteNothing(t *testing.T) {
	e := newEnv(t, models.SQLite)
	// Signing in and out and marking one's own feed as read change no
	// council data; everything else must be refused.
	own := map[string]bool{"POST /login": true, "POST /logout": true, "POST /api/v1/login": true, "POST /api/v1/logout": true,
		"POST /feed/seen": true, "POST /api/v1/feed/seen": true}
	aud := e.login("auditor@example.org")
	n := 0
	for _, rt := range e.srv.Engine().Routes() {
		key := rt.Method + " " + rt.Path
		if rt.Method == http.MethodGet || own[key] {
			continue
		}
		n++
		path := strings.NewReplacer(":id", "1", ":format", "csv", ":type", "version", ":size", "1").Replace(rt.Path)
		var r resp
		if strings.HasPrefix(path, "/api/") {
			r = aud.json(rt.Method, path, map[string]any{})
		} else {
			r = aud.form(path, nil)
		}
		if r.status != http.StatusForbidden {
			t.Errorf("%s as auditor: %d, want 403", key, r.status)
			continue
		}
		evs, err := e.st.AuditEvents(t.Context(), models.AuditFilter{Before: 1 << 62, Limit: 1})
		if err != nil || len(evs) != 1 {
			t.Fatal(err)
		}
		last := evs[0]
		if last.Action != "access.denied" || last.ActorID == nil || *last.ActorID != 12 ||
			!strings.Contains(last.Data, `"route":"`+rt.Path+`"`) || !strings.Contains(last.Data, `"method":"`+rt.Method+`"`) {
			t.Errorf("%s: the refusal is not on the record: %+v", key, last)
		}
	}
	if n < 20 {
		t.Fatalf("only %d unsafe routes walked", n)
	}
}
