package server_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

// Every unsafe route refuses a request without the CSRF token from a
// signed-in browser, and every unsafe route refuses a cross-site request
// even from an anonymous one — walked over the router's own route list, so
// a new route cannot slip past.
func TestCSRFOnEveryUnsafeRoute(t *testing.T) {
	e := newEnv(t, "sqlite")
	var routes []string
	for _, r := range e.srv.Engine().Routes() {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			routes = append(routes, r.Method+" "+r.Path)
		}
	}
	sort.Strings(routes)
	if len(routes) < 40 {
		t.Fatalf("only %d unsafe routes found", len(routes))
	}
	ids := fixtureIDs{user: "1", document: "1", version: "2", comment: "1", ballot: "2", closeAPI: "2", closeForm: "2"}
	member := e.login("merchant1@example.org")
	member.csrf = "" // a forged request carries the cookie but not the token
	for _, key := range routes {
		method, pattern, _ := strings.Cut(key, " ")
		path := concrete(pattern, ids)
		req := member.request(method, path, strings.NewReader("{}"), "application/json")
		if r := member.do(req); r.status != http.StatusForbidden {
			t.Errorf("%s without a CSRF token: %d", key, r.status)
		}
		anon := e.anon()
		req = anon.request(method, path, strings.NewReader("{}"), "application/json")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := anon.do(req); r.status != http.StatusForbidden {
			t.Errorf("%s cross-site: %d", key, r.status)
		}
	}
}

// xss is planted in every free-text field people can write; no HTML page
// may ever render it as markup.
const xss = `<script>alert('xss')</script>"'><img src=x onerror=alert(1)>`

func TestNoTextFieldRendersAsMarkup(t *testing.T) {
	e := newEnv(t, "sqlite")
	admin := e.login("admin@example.org")
	sec := e.login("secretariat@example.org")
	m := e.login("merchant1@example.org")
	aud := e.login("auditor@example.org")
	must := func(r resp, want int) resp {
		t.Helper()
		if r.status != want {
			t.Fatalf("%d %.300s", r.status, r.body)
		}
		return r
	}
	must(admin.json("POST", "/api/v1/users", map[string]string{"email": "x@example.org", "name": xss, "role": "member", "group": "consumer", "organisation": xss, "password": "long-enough-pw"}), 201)
	doc := idOf(must(sec.json("POST", "/api/v1/documents", map[string]string{"title": xss, "description": xss}), 201), "document")
	rules := []map[string]any{{"name": "r" + xss, "clause": "1", "when": map[string]any{}, "pay": map[string]any{"kind": "gesture", "gesture": xss}}}
	v := idOf(must(sec.json("POST", "/api/v1/documents/"+doc+"/versions", map[string]any{"summary": xss,
		"clauses": []map[string]string{{"key": "1", "title": xss, "body": xss}}, "rules": rules}), 201), "version")
	must(sec.json("POST", "/api/v1/versions/"+v+"/publish", nil), 200)
	c := idOf(must(m.json("POST", "/api/v1/versions/"+v+"/comments", map[string]string{"body": xss, "clause_key": "1"}), 201), "comment")
	must(sec.json("POST", "/api/v1/comments/"+c+"/disposition", map[string]string{"status": "noted", "response": xss}), 200)
	b := idOf(must(sec.json("POST", "/api/v1/versions/"+v+"/ballots", map[string]any{"question": xss, "closes_at": time.Now().Add(time.Hour)}), 201), "ballot")
	must(m.json("PUT", "/api/v1/ballots/"+b+"/vote", map[string]string{"choice": "approve", "reason": xss}), 200)
	must(sec.json("POST", "/api/v1/ballots/"+b+"/close", nil), 200)

	pages := []string{"/", "/documents", "/documents/" + doc, "/versions/" + v, "/versions/" + v + "/clauses/1", "/versions/" + v + "/register",
		"/versions/" + v + "/impact", "/versions/" + v + "/record", "/ballots", "/ballots/" + b, "/audit", "/audit/objects/version/" + v,
		"/audit/objects/ballot/" + b, "/audit/objects/comment/" + c, "/users", "/stats"}
	for _, cl := range []*client{admin, sec, m, aud} {
		for _, p := range pages {
			r := cl.get(p)
			if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				continue
			}
			for _, bad := range []string{"<script>alert", "<img src=x", "onerror=alert(1)>"} {
				if strings.Contains(r.body, bad) {
					t.Errorf("%s as %v renders %q as markup", p, cl.user["role"], bad)
				}
			}
		}
	}
	// The text is shown, escaped, where it belongs.
	if page := m.get("/versions/" + v); !strings.Contains(page.body, "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;") {
		t.Error("the version page does not show the planted text escaped")
	}
}
