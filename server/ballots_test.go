package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func openBallotAPI(t *testing.T, sec *client, versionID string, body map[string]any) resp {
	t.Helper()
	if body["question"] == nil {
		body["question"] = "제1판을 채택할까요?"
	}
	if body["closes_at"] == nil {
		body["closes_at"] = time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	}
	return sec.json("POST", "/api/v1/versions/"+versionID+"/ballots", body)
}

func TestBallotContract(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		sec, docID, v1 := publishedDoc(t, e)
		// Bad openings.
		if r := openBallotAPI(t, sec, v1, map[string]any{"closes_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}); r.status != 422 {
			t.Errorf("closing time in the past: %d %s", r.status, r.body)
		}
		draft := idOf(sec.json("POST", "/api/v1/documents/"+docID+"/versions", map[string]any{"summary": "d", "based_on_version_id": mustInt(v1)}), "version")
		if r := openBallotAPI(t, sec, draft, map[string]any{}); r.status != http.StatusConflict || r.errCode() != "version_not_open" {
			t.Errorf("ballot on a draft: %d %s", r.status, r.body)
		}
		r := openBallotAPI(t, sec, v1, map[string]any{"quorum_percent": 50})
		if r.status != http.StatusCreated {
			t.Fatalf("open: %d %s", r.status, r.body)
		}
		bid := idOf(r, "ballot")
		b := r.obj()["ballot"].(map[string]any)
		if b["status"] != "open" || b["rule"] != "majority_each_group" || b["result"] != nil || b["tallies_visible"] != false {
			t.Fatalf("ballot JSON: %s", r.body)
		}
		if r := openBallotAPI(t, sec, v1, map[string]any{}); r.status != http.StatusConflict || r.errCode() != "ballot_exists" {
			t.Errorf("second open ballot: %d %s", r.status, r.body)
		}

		m1, m2 := e.login("merchant1@example.org"), e.login("merchant2@example.org")
		s1, c1 := e.login("startup1@example.org"), e.login("consumer1@example.org")
		expert := e.login("expert1@example.org")
		vote := func(c *client, choice, reason string) resp {
			return c.json("PUT", "/api/v1/ballots/"+bid+"/vote", map[string]string{"choice": choice, "reason": reason})
		}
		for _, c := range []*client{sec, e.login("auditor@example.org"), e.login("admin@example.org")} {
			if r := vote(c, "approve", ""); r.status != http.StatusForbidden {
				t.Errorf("%v voted: %d", c.user["role"], r.status)
			}
		}
		if r := vote(expert, "approve", ""); r.status != http.StatusForbidden || r.errCode() != "not_eligible" {
			t.Errorf("advisory member voted: %d %s", r.status, r.body)
		}
		if r := vote(m1, "yes", ""); r.status != 422 || r.errCode() != "invalid_choice" {
			t.Errorf("invalid choice: %d %s", r.status, r.body)
		}
		v := vote(m1, "approve", "5만 원 구간이 생겼으니 찬성합니다.")
		if v.status != 200 || v.obj()["vote"].(map[string]any)["choice"] != "approve" {
			t.Fatalf("vote: %d %s", v.status, v.body)
		}
		vote(m2, "reject", "")
		vote(m2, "approve", "다시 생각해 보니 찬성") // changes their mind
		vote(s1, "approve", "")
		vote(c1, "abstain", "")

		// While open and hidden: counts of who voted, no choices, no names' choices.
		g := m1.get("/api/v1/ballots/" + bid)
		tal := g.obj()["ballot"].(map[string]any)["tallies"].(map[string]any)["merchant"].(map[string]any)
		if tal["voted"] != float64(2) || tal["eligible"] != float64(3) || tal["approve"] != nil {
			t.Errorf("hidden running tally leaks: %v", tal)
		}
		if mv := g.obj()["ballot"].(map[string]any)["my_vote"].(map[string]any); mv["choice"] != "approve" {
			t.Errorf("my_vote: %v", mv)
		}
		roll := c1.get("/api/v1/ballots/" + bid + "/votes")
		if strings.Contains(roll.body, `"choice"`) || !strings.Contains(roll.body, `"voted":true`) {
			t.Errorf("roll before closing shows choices: %s", roll.body)
		}
		// The rule is fixed once votes are cast.
		if r := sec.json("PATCH", "/api/v1/ballots/"+bid, map[string]any{"rule": "simple_majority"}); r.status != http.StatusConflict || r.errCode() != "votes_cast" {
			t.Errorf("rule change after votes: %d %s", r.status, r.body)
		}
		// Close: only one consumer of three voted, short of the 50% quorum, so
		// the consumers do not approve and the version is rejected.
		cl := sec.json("POST", "/api/v1/ballots/"+bid+"/close", nil)
		if cl.status != 200 {
			t.Fatalf("close: %d %s", cl.status, cl.body)
		}
		cb := cl.obj()["ballot"].(map[string]any)
		if cb["status"] != "closed" || cb["result"] != "rejected" || cb["tallies_visible"] != true {
			t.Fatalf("closed ballot: %s", cl.body)
		}
		mt := cb["tallies"].(map[string]any)["merchant"].(map[string]any)
		if mt["approve"] != float64(2) || mt["reject"] != float64(0) || mt["approved"] != true {
			t.Errorf("merchant tally: %v", mt)
		}
		ct := cb["tallies"].(map[string]any)["consumer"].(map[string]any)
		if ct["quorum_met"] != false || ct["approved"] != false {
			t.Errorf("consumer tally: %v", ct)
		}
		if r := sec.json("POST", "/api/v1/ballots/"+bid+"/close", nil); r.status != http.StatusConflict {
			t.Errorf("closing twice: %d", r.status)
		}
		if r := vote(m1, "reject", ""); r.status != http.StatusConflict || r.errCode() != "ballot_closed" {
			t.Errorf("vote after close: %d %s", r.status, r.body)
		}
		if mv := m1.get("/api/v1/ballots/" + bid).obj()["ballot"].(map[string]any)["my_vote"].(map[string]any); mv["choice"] != "approve" {
			t.Errorf("the refused vote changed the old one: %v", mv)
		}
		roll = c1.get("/api/v1/ballots/" + bid + "/votes")
		if !strings.Contains(roll.body, "다시 생각해 보니 찬성") || !strings.Contains(roll.body, `"choice":"abstain"`) {
			t.Errorf("named votes after closing: %s", roll.body)
		}
		if ver := m1.get("/api/v1/versions/" + v1); ver.obj()["version"].(map[string]any)["status"] != "rejected" {
			t.Errorf("version after rejection: %s", ver.body)
		}
		h := e.login("auditor@example.org").get("/api/v1/audit/events?object_type=ballot&limit=100&object_id=" + bid)
		if strings.Count(h.body, `"action":"ballot.vote"`) != 5 || !strings.Contains(h.body, `"previous_choice":"reject"`) || !strings.Contains(h.body, `"action":"ballot.close"`) {
			t.Errorf("history of the ballot: %s", h.body)
		}
	})
}

func TestConcurrentVoteRequestsLeaveOneVote(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		sec, _, v1 := publishedDoc(t, e)
		bid := idOf(openBallotAPI(t, sec, v1, map[string]any{}), "ballot")
		m := e.login("consumer2@example.org")
		choices := []string{"approve", "reject", "abstain"}
		var wg sync.WaitGroup
		statuses := make(chan int, 200)
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				statuses <- m.json("PUT", "/api/v1/ballots/"+bid+"/vote", map[string]string{"choice": choices[i%3]}).status
			}(i)
		}
		wg.Wait()
		close(statuses)
		for st := range statuses {
			if st != 200 {
				t.Fatalf("a concurrent vote answered %d", st)
			}
		}
		sec.json("POST", "/api/v1/ballots/"+bid+"/close", nil)
		roll := m.get("/api/v1/ballots/" + bid + "/votes")
		if n := strings.Count(roll.body, `"name":"조현우"`); n != 1 {
			t.Fatalf("the member appears %d times in the roll", n)
		}
		b := m.get("/api/v1/ballots/" + bid).obj()["ballot"].(map[string]any)
		if voted := b["tallies"].(map[string]any)["consumer"].(map[string]any)["voted"]; voted != float64(1) {
			t.Fatalf("consumer group voted = %v, want 1", voted)
		}
	})
}

func TestBallotJourneyThroughPages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		sec, _, v1 := publishedDoc(t, e)
		page := sec.get("/versions/" + v1)
		if !strings.Contains(page.body, "이 판에 대한 투표 열기") {
			t.Fatal("the version page offers no ballot form to the secretariat")
		}
		closes := time.Now().Add(72 * time.Hour).In(time.FixedZone("KST", 9*3600)).Format("2006-01-02T15:04")
		r := sec.form("/versions/"+v1+"/ballots", url.Values{"question": {"제1판을 채택할까요?"}, "closes_at": {closes}, "rule": {"majority_each_group"}, "quorum_percent": {"50"}})
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/ballots/") {
			t.Fatalf("open form: %d %.300s", r.status, r.body)
		}
		loc := r.header.Get("Location")
		bad := sec.form("/versions/"+v1+"/ballots", url.Values{"question": {"x"}, "closes_at": {"내일"}})
		if bad.status != 422 {
			t.Errorf("bad closing time: %d", bad.status)
		}
		// The member's home puts the open ballot first, with time left.
		m := e.login("merchant3@example.org")
		home := m.get("/")
		if p := pendingSection(home.body); !strings.Contains(p, "투표해 주세요") || !strings.Contains(p, "남음") || !strings.Contains(p, loc) {
			t.Fatal("home lacks the pending ballot")
		}
		for who, choice := range map[string]string{"merchant3@example.org": "approve", "merchant1@example.org": "approve",
			"startup1@example.org": "approve", "startup2@example.org": "approve", "consumer1@example.org": "reject", "consumer3@example.org": "approve"} {
			c := e.login(who)
			if r := c.form(loc+"/vote", url.Values{"choice": {choice}, "reason": {who + "의 이유"}}); r.status != http.StatusSeeOther {
				t.Fatalf("%s vote form: %d %.300s", who, r.status, r.body)
			}
		}
		// consumer1 changes their mind.
		c1 := e.login("consumer1@example.org")
		c1.form(loc+"/vote", url.Values{"choice": {"approve"}})
		if p := c1.get(loc); !strings.Contains(p.body, "내 현재 투표: 찬성") {
			t.Error("ballot page does not show the member's current vote")
		}
		if r := c1.form(loc+"/vote", url.Values{"choice": {"maybe"}}); r.status != 422 || !strings.Contains(r.body, "선택지 가운데 하나를 고르세요") {
			t.Errorf("invalid form vote: %d", r.status)
		}
		if home := m.get("/"); strings.Contains(pendingSection(home.body), loc) {
			t.Error("the reminder stays after voting")
		}
		if r := sec.form(loc+"/close", nil); r.status != http.StatusSeeOther {
			t.Fatalf("close form: %d", r.status)
		}
		res := m.get(loc)
		for _, want := range []string{"제1판이 채택되었습니다.", "그룹별 집계", "<svg", "기명 투표", "merchant1@example.org의 이유"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("result page lacks %q", want)
			}
		}
		csv := m.get(loc + "/export/csv")
		if csv.status != 200 || !strings.Contains(csv.body, "투표권자") || !strings.Contains(csv.body, "최준호") {
			t.Errorf("CSV export: %d %.200q", csv.status, csv.body)
		}
		if p := m.get("/ballots"); p.status != 200 || !strings.Contains(p.body, "채택") {
			t.Errorf("ballots page: %d", p.status)
		}
		if p := sec.get("/versions/" + v1); !strings.Contains(p.body, "채택") {
			t.Error("version page does not show the ballot result")
		}
	})
}

func TestBallotClosesAtDeadlineOnRead(t *testing.T) {
	e := newEnv(t, "sqlite")
	sec, _, v1 := publishedDoc(t, e)
	bid := idOf(openBallotAPI(t, sec, v1, map[string]any{"closes_at": time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)}), "ballot")
	m := e.login("merchant1@example.org")
	m.json("PUT", "/api/v1/ballots/"+bid+"/vote", map[string]string{"choice": "approve"})
	time.Sleep(2 * time.Second)
	b := m.get("/api/v1/ballots/" + bid).obj()["ballot"].(map[string]any)
	if b["status"] != "closed" || b["result"] == nil {
		t.Fatalf("a ballot read after its deadline is still %v", b["status"])
	}
	if r := m.json("PUT", "/api/v1/ballots/"+bid+"/vote", map[string]string{"choice": "reject"}); r.status != http.StatusConflict {
		t.Fatalf("vote after the deadline: %d", r.status)
	}
	h := e.login("auditor@example.org").get("/api/v1/audit/events?action=ballot.close&object_type=ballot&object_id=" + bid)
	if strings.Count(h.body, `"action":"ballot.close"`) != 1 || !strings.Contains(h.body, `"auto":true`) {
		t.Fatalf("automatic close not recorded once: %s", h.body)
	}
}

// pendingSection is the home page's "please vote" box, or "".
func pendingSection(body string) string {
	i := strings.Index(body, `class="card pending"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</section>")
	return body[i : i+j]
}
