package server_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"roundtable/models"
	"roundtable/models/storetest"
	"roundtable/server"
)

func (c *client) getWithBearer(path, token string) resp {
	req := c.request("GET", path, nil, "")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return c.do(req)
}

// metricValue finds an unlabelled sample's value, or fails.
func metricValue(t *testing.T, body, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` ([0-9.e+-]+)$`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no sample %s in\n%.2000s", name, body)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// An admin reads the figures an operator needs: request latency by route
// pattern (never a concrete URL), the pool, the history and its last
// checkpoint, ballots and imports.
func TestMetricsForAdmins(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		member := e.login("merchant1@example.org")
		member.get("/api/v1/versions/987654/comments") // a 404 with an id in the URL
		member.get("/api/v1/me")
		r := e.login("admin@example.org").get("/metrics")
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
			t.Fatalf("metrics: %d %s", r.status, r.header.Get("Content-Type"))
		}
		for _, want := range []string{
			`roundtable_http_request_duration_seconds_bucket{method="GET",route="/api/v1/me",status="200",le="0.1"}`,
			`roundtable_http_request_duration_seconds_count{method="GET",route="/api/v1/versions/:id/comments",status="404"} 1`,
			`roundtable_report_imports{status="running"} 0`,
			"go_goroutines ",
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if strings.Contains(r.body, "987654") {
			t.Error("a concrete URL leaked into the metrics")
		}
		size, err := e.st.AuditSize(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// The scrape happens after the admin's own sign-in was recorded.
		if got := metricValue(t, r.body, "roundtable_audit_events"); int64(got) != size {
			t.Errorf("roundtable_audit_events %v, the log has %d", got, size)
		}
		if age := metricValue(t, r.body, "roundtable_audit_last_checkpoint_age_seconds"); age < 0 || age > 600 {
			t.Errorf("checkpoint age %v s", age)
		}
		if open := metricValue(t, r.body, "roundtable_ballots_open"); open != 1 {
			t.Errorf("open ballots %v, the demo has 1", open)
		}
		if n := metricValue(t, r.body, "roundtable_db_pool_open_connections"); n < 1 {
			t.Errorf("open connections %v", n)
		}
		metricValue(t, r.body, "roundtable_db_pool_in_use_connections")
		metricValue(t, r.body, "roundtable_db_pool_idle_connections")
		metricValue(t, r.body, "roundtable_db_pool_wait_count_total")
		if v := metricValue(t, r.body, "roundtable_db_scrape_error"); v != 0 {
			t.Errorf("scrape error %v", v)
		}
	})
}

// Without a session only the configured token opens /metrics, and only
// /metrics: the token is no key to anything else. With no token
// configured, no bearer is accepted.
func TestMetricsToken(t *testing.T) {
	const token = "scrape-me-7c1f0a3e9b"
	st := storetest.Demo(t, models.SQLite)
	e := newEnvWith(t, st, server.Config{Demo: true, MetricsToken: token})
	anon := e.anon()
	if r := anon.getWithBearer("/metrics", token); r.status != http.StatusOK || !strings.Contains(r.body, "roundtable_audit_events") {
		t.Fatalf("with the token: %d %.200s", r.status, r.body)
	}
	for _, bad := range []string{"", "wrong", token + "x", strings.ToUpper(token)} {
		if r := anon.getWithBearer("/metrics", bad); r.status != http.StatusUnauthorized {
			t.Errorf("bearer %q: %d, want 401", bad, r.status)
		}
	}
	for _, path := range []string{"/api/v1/users", "/api/v1/audit/events", "/api/v1/me"} {
		if r := anon.getWithBearer(path, token); r.status != http.StatusUnauthorized {
			t.Errorf("the metrics token opened %s: %d", path, r.status)
		}
	}
	// A signed-in person is asked as themselves, token or not.
	if r := e.login("merchant1@example.org").getWithBearer("/metrics", token); r.status != http.StatusForbidden {
		t.Errorf("member with the token: %d, want 403", r.status)
	}

	plain := newEnvWith(t, storetest.Demo(t, models.SQLite), server.Config{})
	for _, bad := range []string{"", "Bearer"} {
		if r := plain.anon().getWithBearer("/metrics", bad); r.status != http.StatusUnauthorized {
			t.Errorf("no token configured, bearer %q: %d, want 401", bad, r.status)
		}
	}
	if r := plain.anon().get("/metrics"); r.status != http.StatusUnauthorized || r.errCode() != "unauthenticated" {
		t.Errorf("anonymous: %d %s", r.status, r.body)
	}
}
