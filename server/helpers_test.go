package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"roundtable/models"
	"roundtable/models/storetest"
	"roundtable/policy"
	"roundtable/server"
)

// env is a real server on a real database behind a real listener.
type env struct {
	t   testing.TB
	st  *models.Store
	srv *server.Server
	ts  *httptest.Server
}

func newEnv(t *testing.T, d models.Dialect) *env {
	t.Helper()
	st := storetest.Demo(t, d)
	return newEnvWith(t, st, server.Config{Demo: true})
}

func newEnvWith(t testing.TB, st *models.Store, cfg server.Config) *env {
	t.Helper()
	authz, err := policy.New()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(st, authz, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &env{t: t, st: st, srv: srv, ts: ts}
}

// eachEnv runs fn on every available database engine.
func eachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) { fn(t, newEnv(t, d)) })
	}
}

// client is one browser-like session: a cookie jar, no automatic redirects.
type client struct {
	e    *env
	hc   *http.Client
	csrf string
	user map[string]any
}

func (e *env) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (e *env) login(email string) *client {
	e.t.Helper()
	return e.loginWith(email, models.DemoPassword)
}

func (e *env) loginWith(email, password string) *client {
	e.t.Helper()
	c := e.anon()
	r := c.json("POST", "/api/v1/login", map[string]string{"email": email, "password": password})
	if r.status != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", email, r.status, r.body)
	}
	c.csrf = r.obj()["csrf_token"].(string)
	c.user = r.obj()["user"].(map[string]any)
	return c
}

type resp struct {
	t      testing.TB
	status int
	header http.Header
	body   string
}

func (r resp) obj() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		r.t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// errCode is the contract's error.code of a JSON error response.
func (r resp) errCode() string {
	e, _ := r.obj()["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func (c *client) do(req *http.Request) resp {
	c.e.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{t: c.e.t, status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) request(method, path string, body io.Reader, contentType string) *http.Request {
	req, err := http.NewRequestWithContext(context.Background(), method, c.e.ts.URL+path, body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.csrf != "" && method != http.MethodGet {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	return req
}

func (c *client) get(path string) resp { return c.do(c.request("GET", path, nil, "")) }

// json sends v as a JSON body (nil sends no body).
func (c *client) json(method, path string, v any) resp {
	var body io.Reader
	if v != nil {
		b, _ := json.Marshal(v)
		body = bytes.NewReader(b)
	}
	return c.do(c.request(method, path, body, "application/json"))
}

// raw sends a literal body.
func (c *client) raw(method, path, body string) resp {
	return c.do(c.request(method, path, strings.NewReader(body), "application/json"))
}

// form posts an HTML form the way a browser does, with the CSRF field.
func (c *client) form(path string, v url.Values) resp {
	if v == nil {
		v = url.Values{}
	}
	if c.csrf != "" && v.Get("csrf_token") == "" {
		v.Set("csrf_token", c.csrf)
	}
	req := c.request("POST", path, strings.NewReader(v.Encode()), "application/x-www-form-urlencoded")
	req.Header.Del("X-CSRF-Token")
	return c.do(req)
}
