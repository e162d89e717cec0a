package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCSRFOnUnsafeRequests(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c := e.login("admin@example.org")
		body := `{"email":"csrf@example.org","name":"x","role":"auditor","password":"long-enough-pw"}`
		tests := []struct {
			name   string
			header map[string]string
		}{
			{"no token", nil},
			{"wrong token", map[string]string{"X-CSRF-Token": "not-the-token"}},
			{"right token, cross-site request", map[string]string{"X-CSRF-Token": c.csrf, "Sec-Fetch-Site": "cross-site"}},
			{"right token, foreign origin", map[string]string{"X-CSRF-Token": c.csrf, "Origin": "https://evil.example"}},
		}
		for _, tt := range tests {
			req := c.request("POST", "/api/v1/users", strings.NewReader(body), "application/json")
			req.Header.Del("X-CSRF-Token")
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			if r := c.do(req); r.status != http.StatusForbidden || r.errCode() != "csrf" {
				t.Errorf("%s: %d %s", tt.name, r.status, r.body)
			}
		}
		// HTML forms carry the token as a field; without it: 403.
		plain := e.login("admin@example.org")
		tok := plain.csrf
		plain.csrf = ""
		if r := plain.form("/users", url.Values{"email": {"f@example.org"}}); r.status != http.StatusForbidden || !strings.Contains(r.body, "보안 토큰") {
			t.Errorf("form without token: %d", r.status)
		}
		if r := plain.form("/users", url.Values{"email": {"f@example.org"}, "csrf_token": {tok}}); r.status != http.StatusUnprocessableEntity {
			t.Errorf("form with token: %d", r.status)
		}
		// Nothing was created by the refused requests.
		if r := c.get("/api/v1/users"); strings.Contains(r.body, "csrf@example.org") {
			t.Error("a refused request created an account")
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, path := range []string{"/login", "/api/v1/me", "/static/app.css", "/nowhere"} {
		r := e.anon().get(path)
		csp := r.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
			if got := r.header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", path, h, got, want)
			}
		}
		if r.header.Get("X-Request-ID") == "" {
			t.Errorf("%s: no request id", path)
		}
	}
	// No inline scripts or styles in any page.
	page := e.login("auditor@example.org").get("/audit")
	for _, bad := range []string{"<script>", "style=", "onclick", "onload"} {
		if strings.Contains(page.body, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

func TestBadJSONInput(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.login("admin@example.org")
	tests := []struct {
		name, body string
		status     int
		code       string
		field      string
	}{
		{"malformed", `{"email":`, 400, "malformed_json", ""},
		{"not an object", `[1,2]`, 422, "invalid_type", ""},
		{"unknown field", `{"email":"a@example.org","nickname":"x"}`, 400, "unknown_field", "nickname"},
		{"wrong type", `{"email":"a@example.org","name":42}`, 422, "invalid_type", "name"},
		{"two objects", `{} {}`, 400, "malformed_json", ""},
		{"empty", ``, 400, "malformed_json", ""},
	}
	for _, tt := range tests {
		r := c.raw("POST", "/api/v1/users", tt.body)
		if r.status != tt.status || r.errCode() != tt.code {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
			continue
		}
		if tt.field != "" {
			if f, _ := r.obj()["error"].(map[string]any)["fields"].(map[string]any); f[tt.field] == nil {
				t.Errorf("%s: error does not name %q: %s", tt.name, tt.field, r.body)
			}
		}
	}
	big := `{"name":"` + strings.Repeat("가", 1<<20) + `"}`
	if r := c.raw("POST", "/api/v1/users", big); r.status != http.StatusRequestEntityTooLarge || r.errCode() != "too_large" {
		t.Errorf("oversized body: %d %.200s", r.status, r.body)
	}
	if r := c.do(c.request("POST", "/api/v1/users", strings.NewReader("email=x"), "application/x-www-form-urlencoded")); r.status != 400 {
		t.Errorf("form body to JSON API: %d", r.status)
	}
}

func TestNotFoundSpeaksTheUsersLanguage(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.anon()
	r := c.get("/no/such/page")
	if r.status != 404 || !strings.Contains(r.body, "페이지를 찾을 수 없습니다") || !strings.Contains(r.body, `lang="ko"`) {
		t.Fatalf("Korean 404: %d", r.status)
	}
	if r := c.get("/lang/en?next=/no/such/page"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/no/such/page" {
		t.Fatalf("language switch: %d %q", r.status, r.header.Get("Location"))
	}
	r = c.get("/no/such/page")
	if r.status != 404 || !strings.Contains(r.body, "Page not found") || !strings.Contains(r.body, `lang="en"`) {
		t.Fatalf("English 404 after switching: %d", r.status)
	}
	if r := c.get("/lang/fr"); r.status != 404 {
		t.Errorf("unknown language: %d", r.status)
	}
	api := c.get("/api/v1/nothing")
	if api.status != 404 || api.errCode() != "not_found" {
		t.Fatalf("API 404: %d %s", api.status, api.body)
	}
	for _, id := range []string{"abc", "0", "-1", "99999", "1%20OR%201=1", "1'--"} {
		if r := e.login("admin@example.org").get("/api/v1/users/" + id); r.status != 404 {
			t.Errorf("user id %q: %d", id, r.status)
		}
	}
}

func TestStaticFilesStayInside(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.anon()
	if r := c.get("/static/app.css"); r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "text/css") {
		t.Fatalf("app.css: %d %s", r.status, r.header.Get("Content-Type"))
	}
	for _, p := range []string{"/static/../main.go", "/static/%2e%2e/%2e%2e/go.mod", "/static/..%2fmodels/store.go", "/static/", "/static/nope.css"} {
		r := c.get(p)
		if r.status == 200 || strings.Contains(r.body, "package ") || strings.Contains(r.body, "module roundtable") {
			t.Errorf("%s: %d %.80s", p, r.status, r.body)
		}
	}
}

func TestUserTextIsEscaped(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := e.login("admin@example.org")
		xss := `<script>alert("x")</script><img src=x onerror=alert(1)>`
		r := admin.json("POST", "/api/v1/users", map[string]string{"email": "xss@example.org", "name": xss, "role": "member",
			"group": "merchant", "organisation": `"><svg onload=alert(2)>`, "password": "long-enough-pw"})
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		pages := []string{"/users", "/users/" + strings.TrimSuffix(strings.SplitN(strings.SplitN(r.body, `"id":`, 2)[1], ",", 2)[0], "}")}
		x := e.anon()
		if lr := x.form("/login", url.Values{"email": {"xss@example.org"}, "password": {"long-enough-pw"}}); lr.status != http.StatusSeeOther {
			t.Fatalf("xss user login: %d", lr.status)
		}
		for _, p := range pages {
			body := admin.get(p).body
			if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") || strings.Contains(body, "<svg onload") {
				t.Errorf("%s renders user text as HTML", p)
			}
			if !strings.Contains(body, "&lt;script&gt;") {
				t.Errorf("%s does not show the name as text", p)
			}
		}
		if home := x.get("/"); strings.Contains(home.body, "<script>alert") || !strings.Contains(home.body, "&lt;script&gt;") {
			t.Errorf("home renders the viewer's own name as HTML")
		}
	})
}

func TestNoResponseLeaksInternals(t *testing.T) {
	e := newEnv(t, "sqlite")
	admin := e.login("admin@example.org")
	for _, path := range []string{"/api/v1/users", "/api/v1/users/1", "/api/v1/me", "/users"} {
		body := admin.get(path).body
		if strings.Contains(body, "argon2") || strings.Contains(body, "password_hash") || strings.Contains(body, "PasswordHash") {
			t.Errorf("%s leaks a password hash", path)
		}
	}
	for _, body := range []string{`{"email":"' OR 1=1 --","password":"x"}`, `{"email":"a@b.c\"; DROP TABLE users; --","password":"y"}`} {
		r := e.anon().raw("POST", "/api/v1/login", body)
		if r.status != 401 || strings.Contains(strings.ToLower(r.body), "sql") || strings.Contains(r.body, "goroutine") {
			t.Errorf("injection attempt: %d %s", r.status, r.body)
		}
	}
	if r := admin.get("/api/v1/users"); r.status != 200 {
		t.Fatal("users table damaged")
	}
}
