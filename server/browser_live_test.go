package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"testing"
	"time"
)

// apiAs signs in over the JSON API (another person, another device) and
// sends one request; the browser tabs must learn of it live.
func apiAs(t *testing.T, base, email, method, path string, body any) map[string]any {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	send := func(method, path, csrf string, body any) map[string]any {
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, r)
		req.Header.Set("Content-Type", "application/json")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		if res.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %v", method, path, res.StatusCode, m)
		}
		return m
	}
	login := send("POST", "/api/v1/login", "", map[string]string{"email": email, "password": demoPassword})
	return send(method, path, login["csrf_token"].(string), body)
}

// In a real browser under the production CSP: a member reading version 2
// is told of a comment posted elsewhere, and a member watching the open
// ballot sees the turnout change without reloading, but never the hidden
// choice counts.
func TestBrowserLiveUpdates(t *testing.T) {
	if testing.Short() {
		t.Skip("real-browser journeys are not short")
	}
	browser := startBrowser(t)
	base := startApp(t)

	// The demo's open ballot (on version 2) hides its running tally.
	var ballot, version int64
	for _, b := range apiAs(t, base, "auditor@example.org", "GET", "/api/v1/ballots", nil)["ballots"].([]any) {
		if m := b.(map[string]any); m["status"] == "open" && m["show_running"] == false {
			ballot, version = int64(m["id"].(float64)), int64(m["version_id"].(float64))
		}
	}
	if ballot == 0 {
		t.Fatal("the demo has no open ballot with a hidden tally")
	}
	reader := newTab(t, browser, base)
	reader.open(fmt.Sprintf("/login?next=%%2Fversions%%2F%d", version))
	reader.login("merchant1@example.org", demoPassword)
	reader.see("main h1", "제2판")
	watcher := newTab(t, browser, base)
	watcher.open(fmt.Sprintf("/login?next=%%2Fballots%%2F%d", ballot))
	watcher.login("consumer1@example.org", demoPassword)
	voted := eval[int](watcher, `Number(document.querySelector('tr[data-group="merchant"] [data-f="voted"]').textContent)`)
	// Let both pages open their streams before anything happens.
	time.Sleep(500 * time.Millisecond)

	apiAs(t, base, "consumer2@example.org", "POST", fmt.Sprintf("/api/v1/versions/%d/comments", version), map[string]string{"body": "실시간으로 알려져야 할 의견", "clause_key": "3"})
	reader.see(".live-notice", "새 의견이나 바뀐 의견이 1건", "새로 고쳐 읽기")

	apiAs(t, base, "merchant2@example.org", "PUT", fmt.Sprintf("/api/v1/ballots/%d/vote", ballot), map[string]string{"choice": "reject"})
	watcher.see(".live-notice", "그룹별 투표 인원이 방금 갱신")
	watcher.see(`tr[data-group="merchant"] [data-f="voted"]`, strconv.Itoa(voted+1))
	if cells := eval[int](watcher, `document.querySelectorAll('[data-f="approve"]').length`); cells != 0 {
		t.Errorf("a hidden tally page has %d approval cells", cells)
	}
}
