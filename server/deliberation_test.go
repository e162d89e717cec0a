package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// idOf pulls obj[key].id out of a JSON response.
func idOf(r resp, key string) string {
	r.t.Helper()
	m, ok := r.obj()[key].(map[string]any)
	if !ok {
		r.t.Fatalf("no %q in %s", key, r.body)
	}
	return fmt.Sprint(int64(m["id"].(float64)))
}

var clausesV1 = []map[string]string{
	{"key": "1", "title": "목적", "body": "이 기준은 2022년 10월 15일 데이터센터 화재로 인한 서비스 장애 피해 지원 기준을 정한다."},
	{"key": "2.1", "title": "소상공인 매출 손실", "body": "30만 원 이하 매출 손실 소상공인에게 3만 원을 지원한다."},
	{"key": "3", "title": "일반 이용자", "body": "모든 이용자에게 비금전적 위로를 제공한다."},
}

// publishedDoc creates a document with version 1 published and returns the
// secretariat client, the document id and the version id.
func publishedDoc(t *testing.T, e *env) (*client, string, string) {
	t.Helper()
	sec := e.login("secretariat@example.org")
	doc := sec.json("POST", "/api/v1/documents", map[string]string{"title": "무료 서비스 피해 지원 기준안", "description": "무료 서비스 피해 기준"})
	if doc.status != http.StatusCreated {
		t.Fatalf("create document: %d %s", doc.status, doc.body)
	}
	docID := idOf(doc, "document")
	v := sec.json("POST", "/api/v1/documents/"+docID+"/versions", map[string]any{"summary": "첫 초안", "clauses": clausesV1})
	if v.status != http.StatusCreated || v.obj()["version"].(map[string]any)["status"] != "draft" {
		t.Fatalf("create draft: %d %s", v.status, v.body)
	}
	vid := idOf(v, "version")
	if p := sec.json("POST", "/api/v1/versions/"+vid+"/publish", nil); p.status != 200 || p.obj()["version"].(map[string]any)["status"] != "published" {
		t.Fatalf("publish: %d %s", p.status, p.body)
	}
	return sec, docID, vid
}

func TestDraftsArePrivateAndPublishingFreezes(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		sec, docID, v1 := publishedDoc(t, e)
		member := e.login("consumer1@example.org")
		auditor := e.login("auditor@example.org")

		// Published versions are frozen.
		if r := sec.json("PATCH", "/api/v1/versions/"+v1, map[string]any{"summary": "x", "clauses": clausesV1}); r.status != http.StatusConflict || r.errCode() != "not_draft" {
			t.Fatalf("edit published: %d %s", r.status, r.body)
		}
		if r := sec.json("POST", "/api/v1/versions/"+v1+"/publish", nil); r.status != http.StatusConflict {
			t.Fatalf("publish twice: %d", r.status)
		}
		// A new draft from version 1 copies its text.
		d := sec.json("POST", "/api/v1/documents/"+docID+"/versions", map[string]any{"summary": "금액 상향", "based_on_version_id": mustInt(v1)})
		if d.status != http.StatusCreated {
			t.Fatalf("draft from v1: %d %s", d.status, d.body)
		}
		v2 := idOf(d, "version")
		if n := len(d.obj()["version"].(map[string]any)["clauses"].([]any)); n != 3 {
			t.Fatalf("draft copied %d clauses", n)
		}
		if r := sec.json("POST", "/api/v1/documents/"+docID+"/versions", map[string]any{"summary": "둘째 초안"}); r.status != http.StatusConflict || r.errCode() != "draft_exists" {
			t.Fatalf("second draft: %d %s", r.status, r.body)
		}
		// Members and auditors never see drafts: 404, not 403, on every path.
		for _, c := range []*client{member, auditor} {
			for _, p := range []string{"/api/v1/versions/" + v2, "/versions/" + v2, "/api/v1/versions/" + v2 + "/comments", "/api/v1/versions/" + v2 + "/diff?base=" + v1, "/versions/" + v2 + "/register"} {
				if r := c.get(p); r.status != http.StatusNotFound {
					t.Errorf("%s on a draft: %d", p, r.status)
				}
			}
			doc := c.get("/api/v1/documents/" + docID)
			if strings.Contains(doc.body, `"status":"draft"`) || doc.obj()["document"].(map[string]any)["latest_version"].(map[string]any)["id"] != float64(mustInt(v1)) {
				t.Errorf("document lists the draft to a non-secretariat: %s", doc.body)
			}
		}
		// Comments on drafts: the member cannot even find it.
		if r := member.json("POST", "/api/v1/versions/"+v2+"/comments", map[string]string{"body": "x"}); r.status != http.StatusNotFound {
			t.Errorf("comment on a draft: %d", r.status)
		}
		// Publishing v2 supersedes v1.
		if r := sec.json("POST", "/api/v1/versions/"+v2+"/publish", nil); r.status != 200 {
			t.Fatalf("publish v2: %d %s", r.status, r.body)
		}
		if r := member.get("/api/v1/versions/" + v1); r.obj()["version"].(map[string]any)["status"] != "superseded" {
			t.Fatalf("v1 after v2: %s", r.body)
		}
		if r := member.json("POST", "/api/v1/versions/"+v1+"/comments", map[string]string{"body": "늦은 의견"}); r.status != http.StatusConflict || r.errCode() != "version_closed" {
			t.Fatalf("comment on superseded: %d %s", r.status, r.body)
		}
		// Everything is in the history.
		h := auditor.get("/api/v1/audit/events?object_type=version&limit=100")
		for _, a := range []string{"version.create", "version.publish", "version.supersede"} {
			if !strings.Contains(h.body, a) {
				t.Errorf("history lacks %s", a)
			}
		}
		if !strings.Contains(h.body, `"rules_sha256"`) {
			t.Error("publish event lacks the rules hash")
		}
	})
}

func mustInt(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}

func TestVersionValidationNamesTheClause(t *testing.T) {
	e := newEnv(t, "sqlite")
	sec := e.login("secretariat@example.org")
	doc := idOf(sec.json("POST", "/api/v1/documents", map[string]string{"title": "기준안", "description": ""}), "document")
	tests := []struct {
		name    string
		clauses []map[string]string
		field   string
	}{
		{"empty key", []map[string]string{{"key": "", "title": "목적", "body": "x"}}, "clauses[0].key"},
		{"duplicate key", []map[string]string{{"key": "1", "title": "a", "body": ""}, {"key": "1", "title": "b", "body": ""}}, "clauses[1].key"},
		{"empty title", []map[string]string{{"key": "1", "title": "a", "body": ""}, {"key": "2", "title": "  ", "body": "x"}}, "clauses[1].title"},
		{"bad key", []map[string]string{{"key": "1 2", "title": "a", "body": ""}}, "clauses[0].key"},
	}
	for _, tt := range tests {
		r := sec.json("POST", "/api/v1/documents/"+doc+"/versions", map[string]any{"summary": "s", "clauses": tt.clauses})
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
			continue
		}
		if f := r.obj()["error"].(map[string]any)["fields"].(map[string]any); f[tt.field] == nil {
			t.Errorf("%s: error does not name %s: %s", tt.name, tt.field, r.body)
		}
	}
	if r := sec.json("POST", "/api/v1/documents/"+doc+"/versions", map[string]any{"summary": "s", "clauses": clausesV1, "rules": map[string]any{"x": 1}}); r.status != 422 {
		t.Errorf("rules not an array: %d", r.status)
	}
	// An empty draft cannot be published.
	v := idOf(sec.json("POST", "/api/v1/documents/"+doc+"/versions", map[string]any{"summary": ""}), "version")
	if r := sec.json("POST", "/api/v1/versions/"+v+"/publish", nil); r.status != 422 || r.errCode() != "incomplete_version" {
		t.Errorf("publish empty: %d %s", r.status, r.body)
	}
}

func TestConcurrentDraftEditsDoNotOverwrite(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		sec := e.login("secretariat@example.org")
		sec2 := e.login("secretariat@example.org")
		doc := idOf(sec.json("POST", "/api/v1/documents", map[string]string{"title": "기준안", "description": ""}), "document")
		created := sec.json("POST", "/api/v1/documents/"+doc+"/versions", map[string]any{"summary": "s", "clauses": clausesV1})
		v := idOf(created, "version")
		rev := created.obj()["version"].(map[string]any)["revision"]
		var wg sync.WaitGroup
		results := make([]resp, 2)
		for i, c := range []*client{sec, sec2} {
			wg.Add(1)
			go func(i int, c *client) {
				defer wg.Done()
				results[i] = c.json("PATCH", "/api/v1/versions/"+v, map[string]any{"summary": fmt.Sprintf("editor %d", i), "clauses": clausesV1, "revision": rev})
			}(i, c)
		}
		wg.Wait()
		ok, conflict := 0, 0
		for _, r := range results {
			switch {
			case r.status == 200:
				ok++
			case r.status == http.StatusConflict && r.errCode() == "stale_draft":
				conflict++
			default:
				t.Fatalf("unexpected: %d %s", r.status, r.body)
			}
		}
		if ok != 1 || conflict != 1 {
			t.Fatalf("two saves from one revision: %d saved, %d refused", ok, conflict)
		}
		// The HTML form carries the revision too, and keeps the typed text on conflict.
		form := url.Values{"summary": {"양식에서"}, "revision": {fmt.Sprint(rev)}, "key": {"1"}, "title": {"목적"}, "body": {"내가 쓴 문장"}}
		r := sec.form("/versions/"+v, form)
		if r.status != http.StatusConflict || !strings.Contains(r.body, "내가 쓴 문장") || !strings.Contains(r.body, "다른 사람이 먼저 저장") {
			t.Fatalf("stale form save: %d", r.status)
		}
	})
}

func TestCommentRulesAndAnswers(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		sec, docID, v1 := publishedDoc(t, e)
		merchant := e.login("merchant1@example.org")
		consumer := e.login("consumer1@example.org")
		auditor := e.login("auditor@example.org")

		c1 := merchant.json("POST", "/api/v1/versions/"+v1+"/comments", map[string]string{"body": "3만 원은 너무 적습니다.\n최소 5만 원이 필요합니다.", "clause_key": "2.1"})
		if c1.status != http.StatusCreated {
			t.Fatalf("comment: %d %s", c1.status, c1.body)
		}
		cm := c1.obj()["comment"].(map[string]any)
		author := cm["author"].(map[string]any)
		if cm["clause_key"] != "2.1" || author["name"] != "김민수" || author["group"] != "merchant" || author["organisation"] != "소상공인연합회" || cm["disposition"] != nil {
			t.Fatalf("comment JSON: %s", c1.body)
		}
		c1id := idOf(c1, "comment")
		reply := consumer.json("POST", "/api/v1/versions/"+v1+"/comments", map[string]any{"body": "소비자 입장에서도 동의합니다.", "parent_id": mustInt(c1id)})
		if reply.status != http.StatusCreated || reply.obj()["comment"].(map[string]any)["clause_key"] != "2.1" {
			t.Fatalf("reply: %d %s", reply.status, reply.body)
		}
		general := consumer.json("POST", "/api/v1/versions/"+v1+"/comments", map[string]string{"body": "전체적으로 기준이 명확해야 합니다."})
		if general.status != http.StatusCreated || general.obj()["comment"].(map[string]any)["clause_key"] != nil {
			t.Fatalf("whole-version comment: %d %s", general.status, general.body)
		}

		bad := []struct {
			name   string
			body   map[string]any
			status int
			code   string
		}{
			{"empty", map[string]any{"body": "   "}, 422, "empty_comment"},
			{"too long", map[string]any{"body": strings.Repeat("가", 10001)}, 422, "comment_too_long"},
			{"unknown clause", map[string]any{"body": "x", "clause_key": "9.9"}, 422, "unknown_clause"},
			{"unknown parent", map[string]any{"body": "x", "parent_id": 999999}, 422, "unknown_parent"},
		}
		for _, b := range bad {
			if r := merchant.json("POST", "/api/v1/versions/"+v1+"/comments", b.body); r.status != b.status || r.errCode() != b.code {
				t.Errorf("%s: %d %s", b.name, r.status, r.body)
			}
		}
		if r := merchant.json("POST", "/api/v1/versions/"+v1+"/comments", map[string]any{"body": strings.Repeat("가", 10000)}); r.status != http.StatusCreated {
			t.Errorf("exactly 10,000 characters: %d", r.status)
		}
		// Only members comment.
		for _, c := range []*client{sec, auditor} {
			if r := c.json("POST", "/api/v1/versions/"+v1+"/comments", map[string]string{"body": "x"}); r.status != http.StatusForbidden {
				t.Errorf("non-member comment: %d", r.status)
			}
		}
		// Editing: only the author; the earlier text stays in history.
		if r := consumer.json("PATCH", "/api/v1/comments/"+c1id, map[string]string{"body": "남의 글 고치기"}); r.status != http.StatusForbidden {
			t.Errorf("edit another's comment: %d", r.status)
		}
		ed := merchant.json("PATCH", "/api/v1/comments/"+c1id, map[string]string{"body": "최소 5만 원이 필요합니다."})
		if ed.status != 200 || ed.obj()["comment"].(map[string]any)["edited"] != true {
			t.Fatalf("edit own: %d %s", ed.status, ed.body)
		}
		// Dispositions: secretariat only, top-level only.
		if r := merchant.json("POST", "/api/v1/comments/"+c1id+"/disposition", map[string]string{"status": "accepted", "response": "x"}); r.status != http.StatusForbidden {
			t.Errorf("member disposition: %d", r.status)
		}
		if r := sec.json("POST", "/api/v1/comments/"+idOf(reply, "comment")+"/disposition", map[string]string{"status": "noted", "response": "x"}); r.status != 422 || r.errCode() != "not_top_level" {
			t.Errorf("disposition of a reply: %d %s", r.status, r.body)
		}
		if r := sec.json("POST", "/api/v1/comments/"+c1id+"/disposition", map[string]string{"status": "maybe", "response": "x"}); r.status != 422 {
			t.Errorf("bad status: %d", r.status)
		}
		// v2 carries the change.
		v2 := idOf(sec.json("POST", "/api/v1/documents/"+docID+"/versions", map[string]any{"summary": "금액 상향", "based_on_version_id": mustInt(v1)}), "version")
		ans := sec.json("POST", "/api/v1/comments/"+c1id+"/disposition", map[string]any{"status": "partially_accepted", "response": "5만 원 구간을 신설합니다.", "addressed_in_version_id": mustInt(v2)})
		if ans.status != 200 {
			t.Fatalf("answer: %d %s", ans.status, ans.body)
		}
		list := merchant.get("/api/v1/versions/" + v1 + "/comments")
		if !strings.Contains(list.body, `"status":"partially_accepted"`) || !strings.Contains(list.body, `"addressed_in_version_id":`+v2) {
			t.Fatalf("comments list lacks the disposition: %s", list.body)
		}
		// Withdraw leaves a marker.
		w := consumer.json("POST", "/api/v1/comments/"+idOf(general, "comment")+"/withdraw", nil)
		if w.status != 200 || w.obj()["comment"].(map[string]any)["status"] != "withdrawn" || w.obj()["comment"].(map[string]any)["body"] != "" {
			t.Fatalf("withdraw: %d %s", w.status, w.body)
		}
		// The register counts by status and group.
		reg := auditor.get("/api/v1/versions/" + v1 + "/register")
		if reg.status != 200 || reg.obj()["by_status"].(map[string]any)["partially_accepted"] != float64(1) {
			t.Fatalf("register: %d %s", reg.status, reg.body)
		}
		// The merchant's home shows the answer in "what's new" and the
		// unanswered comment.
		home := merchant.get("/")
		if !strings.Contains(home.body, "내 의견에 사무국 답변 (일부 수용)") || !strings.Contains(home.body, "답변을 기다리는 내 의견 1건") {
			t.Fatalf("merchant home lacks what's new")
		}
		cHome := consumer.get("/")
		if !strings.Contains(cHome.body, "새 판") && !strings.Contains(cHome.body, "김민수") {
			t.Logf("consumer home: %s", cHome.body)
		}
		// History has every step with the same transaction's events.
		h := auditor.get("/api/v1/audit/events?object_type=comment&limit=100")
		for _, a := range []string{"comment.create", "comment.edit", "comment.withdraw", "comment.answer"} {
			if !strings.Contains(h.body, `"action":"`+a+`"`) {
				t.Errorf("history lacks %s", a)
			}
		}
		if v := auditor.get("/api/v1/audit/verify"); v.obj()["ok"] != true {
			t.Fatalf("verify: %s", v.body)
		}
	})
}

func TestReplyToAnotherVersionIsRefused(t *testing.T) {
	e := newEnv(t, "sqlite")
	sec, docID, v1 := publishedDoc(t, e)
	m := e.login("startup1@example.org")
	c := idOf(m.json("POST", "/api/v1/versions/"+v1+"/comments", map[string]string{"body": "의견", "clause_key": "1"}), "comment")
	v2 := idOf(sec.json("POST", "/api/v1/documents/"+docID+"/versions", map[string]any{"summary": "v2", "based_on_version_id": mustInt(v1)}), "version")
	sec.json("POST", "/api/v1/versions/"+v2+"/publish", nil)
	r := m.json("POST", "/api/v1/versions/"+v2+"/comments", map[string]any{"body": "답글", "parent_id": mustInt(c)})
	if r.status != 422 || r.errCode() != "parent_other_version" {
		t.Fatalf("cross-version reply: %d %s", r.status, r.body)
	}
	// The v1 discussion of clause 1 is reachable from v2's clause 1.
	page := m.get("/versions/" + v2)
	if !strings.Contains(page.body, "이전 판에서의 논의 1건") {
		t.Fatal("earlier discussion not shown on the next version")
	}
}

func TestEveryDeliberationPageRenders(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		sec, docID, v1 := publishedDoc(t, e)
		m := e.login("merchant2@example.org")
		m.json("POST", "/api/v1/versions/"+v1+"/comments", map[string]string{"body": "<b>굵게</b> & \"따옴표\"", "clause_key": "2.1"})
		v2 := idOf(sec.json("POST", "/api/v1/documents/"+docID+"/versions", map[string]any{"summary": "v2", "based_on_version_id": mustInt(v1)}), "version")
		pages := map[*client][]string{
			sec: {"/documents", "/documents/" + docID, "/versions/" + v1, "/versions/" + v2, "/versions/" + v2 + "/edit", "/versions/" + v2 + "/diff?base=" + v1, "/versions/" + v2 + "/diff?base=" + v1 + "&view=side", "/versions/" + v1 + "/register", "/"},
			m:   {"/documents", "/documents/" + docID, "/versions/" + v1, "/versions/" + v1 + "/register", "/"},
		}
		for c, ps := range pages {
			for _, p := range ps {
				r := c.get(p)
				if r.status != 200 || !strings.HasSuffix(strings.TrimSpace(r.body), "</html>") {
					t.Errorf("%s: %d %.300s", p, r.status, r.body)
				}
				if strings.Contains(r.body, "<b>굵게</b>") {
					t.Errorf("%s renders comment HTML", p)
				}
			}
		}
		for _, f := range []string{"csv", "xlsx"} {
			r := m.get("/versions/" + v1 + "/register/" + f)
			if r.status != 200 || !strings.Contains(r.header.Get("Content-Disposition"), "response-register-v1."+f) {
				t.Errorf("export %s: %d %v", f, r.status, r.header)
			}
			if f == "csv" && (!strings.HasPrefix(r.body, "\ufeff") || !strings.Contains(r.body, "작성자")) {
				t.Errorf("CSV lacks BOM or Korean headers: %.100q", r.body)
			}
		}
		if r := m.get("/versions/" + v1 + "/register/pdf"); r.status != 404 {
			t.Errorf("unknown export format: %d", r.status)
		}
	})
}

func TestRegisterExportNeutralisesFormulas(t *testing.T) {
	e := newEnv(t, "sqlite")
	_, _, v1 := publishedDoc(t, e)
	m := e.login("consumer3@example.org")
	m.json("POST", "/api/v1/versions/"+v1+"/comments", map[string]string{"body": `=cmd|' /C calc'!A0`})
	r := m.get("/versions/" + v1 + "/register/csv")
	if strings.Contains(r.body, "\n=cmd") || strings.Contains(r.body, ",=cmd") || !strings.Contains(r.body, "'=cmd") {
		t.Fatalf("formula not neutralised: %q", r.body)
	}
}

func TestCommentFloodIsLimited(t *testing.T) {
	e := newEnv(t, "sqlite")
	_, _, v1 := publishedDoc(t, e)
	m := e.login("consumer3@example.org")
	for i := 0; i < 30; i++ {
		if r := m.json("POST", "/api/v1/versions/"+v1+"/comments", map[string]string{"body": fmt.Sprintf("의견 %d", i)}); r.status != http.StatusCreated {
			t.Fatalf("comment %d: %d %s", i+1, r.status, r.body)
		}
	}
	r := m.json("POST", "/api/v1/versions/"+v1+"/comments", map[string]string{"body": "하나 더"})
	if r.status != http.StatusTooManyRequests || r.errCode() != "rate_limited" {
		t.Fatalf("31st comment in ten minutes: %d %s", r.status, r.body)
	}
	if r := e.login("consumer2@example.org").json("POST", "/api/v1/versions/"+v1+"/comments", map[string]string{"body": "다른 위원"}); r.status != http.StatusCreated {
		t.Fatalf("another member is limited too: %d", r.status)
	}
}

func TestLongDiscussionsStayReadable(t *testing.T) {
	e := newEnv(t, "sqlite")
	_, _, v1 := publishedDoc(t, e)
	ms := []*client{e.login("merchant1@example.org"), e.login("startup1@example.org"), e.login("consumer1@example.org")}
	for i := 0; i < 8; i++ {
		r := ms[i%3].json("POST", "/api/v1/versions/"+v1+"/comments", map[string]string{"body": fmt.Sprintf("스레드 %d 의견", i), "clause_key": "2.1"})
		if r.status != http.StatusCreated {
			t.Fatal(r.body)
		}
	}
	page := ms[0].get("/versions/" + v1)
	if !strings.Contains(page.body, "스레드 7 의견") || strings.Contains(page.body, "스레드 0 의견") || !strings.Contains(page.body, "스레드 5개 더") {
		t.Fatalf("the version page does not show the latest three threads with a link to the rest")
	}
	// A reply brings an old thread back to the page.
	first := ms[1].get("/api/v1/versions/" + v1 + "/comments").obj()["comments"].([]any)[0].(map[string]any)
	ms[2].json("POST", "/api/v1/versions/"+v1+"/comments", map[string]any{"body": "오래된 스레드에 답글", "parent_id": first["id"]})
	if page := ms[0].get("/versions/" + v1); !strings.Contains(page.body, "스레드 0 의견") {
		t.Error("a thread with a new reply is not shown")
	}
	full := ms[0].get("/versions/" + v1 + "/clauses/2.1")
	for i := 0; i < 8; i++ {
		if !strings.Contains(full.body, fmt.Sprintf("스레드 %d 의견", i)) {
			t.Errorf("clause page lacks thread %d", i)
		}
	}
	if r := ms[0].get("/versions/" + v1 + "/clauses/9.9"); r.status != 404 {
		t.Errorf("unknown clause page: %d", r.status)
	}
	if r := ms[0].get("/versions/" + v1 + "/clauses/-"); r.status != 200 {
		t.Errorf("whole-version discussion page: %d", r.status)
	}
}
