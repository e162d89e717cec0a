package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func sessionCookie(t *testing.T, h http.Header) *http.Cookie {
	t.Helper()
	for _, line := range h.Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == "rt_session" {
			return c
		}
	}
	return nil
}

func TestLoginAPIContract(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		c := e.anon()
		r := c.json("POST", "/api/v1/login", map[string]string{"email": "consumer2@example.org", "password": "roundtable-demo"})
		if r.status != http.StatusOK {
			t.Fatalf("login: %d %s", r.status, r.body)
		}
		u := r.obj()["user"].(map[string]any)
		for k, want := range map[string]any{"email": "consumer2@example.org", "name": "조현우", "role": "member", "group": "consumer", "organisation": "한국소비자연맹"} {
			if u[k] != want {
				t.Errorf("user.%s = %v, want %v", k, u[k], want)
			}
		}
		if _, ok := u["id"].(float64); !ok {
			t.Errorf("user.id missing: %v", u)
		}
		if r.obj()["csrf_token"] == "" || strings.Contains(r.body, "argon2") || strings.Contains(r.body, "password") {
			t.Errorf("login body leaks or lacks fields: %s", r.body)
		}
		ck := sessionCookie(t, r.header)
		if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
			t.Fatalf("session cookie flags: %+v", ck)
		}
		if ck.Secure {
			t.Error("Secure set on a plain-HTTP test server without --secure-cookies")
		}
		c.csrf = r.obj()["csrf_token"].(string)
		me := c.get("/api/v1/me")
		if me.status != 200 || me.obj()["csrf_token"] != c.csrf {
			t.Fatalf("me: %d %s", me.status, me.body)
		}
		if out := c.json("POST", "/api/v1/logout", nil); out.status != http.StatusNoContent {
			t.Fatalf("logout: %d", out.status)
		}
		if me := c.get("/api/v1/me"); me.status != http.StatusUnauthorized {
			t.Fatalf("me after logout: %d", me.status)
		}
	})
}

func TestWrongPasswordGivesNoHint(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.anon()
	wrong := c.json("POST", "/api/v1/login", map[string]string{"email": "merchant2@example.org", "password": "not-the-password"})
	unknown := c.json("POST", "/api/v1/login", map[string]string{"email": "ghost@example.org", "password": "not-the-password"})
	if wrong.status != 401 || unknown.status != 401 || wrong.errCode() != "invalid_credentials" || unknown.errCode() != "invalid_credentials" {
		t.Fatalf("wrong: %d %s; unknown: %d %s", wrong.status, wrong.body, unknown.status, unknown.body)
	}
	if wrong.obj()["error"].(map[string]any)["message"] != unknown.obj()["error"].(map[string]any)["message"] {
		t.Fatal("messages differ between a wrong password and an unknown account")
	}
	for i := 0; i < 4; i++ {
		c.json("POST", "/api/v1/login", map[string]string{"email": "merchant2@example.org", "password": "still-wrong"})
	}
	if r := c.json("POST", "/api/v1/login", map[string]string{"email": "merchant2@example.org", "password": "roundtable-demo"}); r.status != http.StatusTooManyRequests || r.errCode() != "too_many_attempts" {
		t.Fatalf("after 5 failures: %d %s", r.status, r.body)
	}
	missing := c.json("POST", "/api/v1/login", map[string]string{"email": "merchant3@example.org"})
	if missing.status != 422 || missing.obj()["error"].(map[string]any)["fields"].(map[string]any)["password"] != "required" {
		t.Fatalf("missing password: %d %s", missing.status, missing.body)
	}
}

func TestSessionIDChangesAtLogin(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.login("startup1@example.org")
	before, _ := c.hc.Jar.Cookies(mustURL(t, e.ts.URL))[0], 0
	r := c.json("POST", "/api/v1/login", map[string]string{"email": "startup2@example.org", "password": "roundtable-demo"})
	if r.status != 200 {
		t.Fatalf("second login: %d %s", r.status, r.body)
	}
	after := sessionCookie(t, r.header)
	if after == nil || after.Value == before.Value {
		t.Fatal("the session id did not change at sign-in (session fixation)")
	}
	// The earlier session was ended, not left alive beside the new one.
	old := e.anon()
	old.hc.Jar.SetCookies(mustURL(t, e.ts.URL), []*http.Cookie{before})
	if me := old.get("/api/v1/me"); me.status != http.StatusUnauthorized {
		t.Fatalf("old session still works: %d", me.status)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestLoginFormReturnsToRequestedPage(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.anon()
	r := c.get("/audit")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next=%2Faudit" {
		t.Fatalf("anonymous /audit: %d %q", r.status, r.header.Get("Location"))
	}
	page := c.get("/login?next=%2Faudit")
	if !strings.Contains(page.body, `name="next" value="/audit"`) {
		t.Fatalf("login page does not carry next: %s", page.body)
	}
	r = c.form("/login", url.Values{"email": {"auditor@example.org"}, "password": {"roundtable-demo"}, "next": {"/audit"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/audit" {
		t.Fatalf("login form: %d → %q", r.status, r.header.Get("Location"))
	}
	if p := c.get("/audit"); p.status != 200 || !strings.Contains(p.body, "✓") {
		t.Fatalf("audit page after login: %d", p.status)
	}
}

func TestLoginRefusesOpenRedirects(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, next := range []string{"//evil.example", "https://evil.example/", `/\evil.example`, "javascript:alert(1)", "/%0d%0aSet-Cookie:x=y", "http:/evil", " /x"} {
		c := e.anon()
		r := c.form("/login", url.Values{"email": {"merchant3@example.org"}, "password": {"roundtable-demo"}, "next": {next}})
		if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || (loc != "/" && !strings.HasPrefix(loc, "/%")) || strings.HasPrefix(loc, "//") {
			t.Errorf("next=%q → %d %q", next, r.status, loc)
		}
		if r := c.get("/lang/en?next=" + url.QueryEscape(next)); strings.HasPrefix(r.header.Get("Location"), "//") || strings.Contains(r.header.Get("Location"), "evil") {
			t.Errorf("lang next=%q → %q", next, r.header.Get("Location"))
		}
	}
}

func TestLoginFormShowsErrorsInKorean(t *testing.T) {
	e := newEnv(t, "sqlite")
	c := e.anon()
	r := c.form("/login", url.Values{"email": {"merchant1@example.org"}, "password": {"nope-nope-nope"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "이메일 또는 비밀번호가 맞지 않습니다.") || !strings.Contains(r.body, `value="merchant1@example.org"`) {
		t.Fatalf("wrong password page: %d\n%s", r.status, r.body)
	}
	if strings.Contains(r.body, "nope-nope-nope") {
		t.Fatal("the page echoes the typed password")
	}
}
