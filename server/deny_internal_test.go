package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/models/storetest"
	"roundtable/policy"
)

// A route whose policy question has no allow rule is unreachable for every
// role: deny by default is a property of the router, not of each handler.
func TestRouteWithoutRuleIsUnreachable(t *testing.T) {
	st := storetest.Demo(t, models.SQLite)
	authz, _ := policy.New()
	s, err := New(st, authz, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{})
	if err != nil {
		t.Fatal(err)
	}
	reached := false
	s.handle(http.MethodGet, "/api/v1/probe", "no_such_kind", "read", func(c *gin.Context) { reached = true; c.Status(200) })
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	for _, email := range []string{"", "admin@example.org", "secretariat@example.org", "merchant1@example.org", "auditor@example.org"} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/probe", nil)
		if email != "" {
			res, err := st.Login(t.Context(), email, models.DemoPassword, models.Actor{})
			if err != nil {
				t.Fatal(err)
			}
			req.AddCookie(&http.Cookie{Name: sessionCookie, Value: res.Token})
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 || reached {
			t.Fatalf("%q reached a route without a rule (%d)", email, resp.StatusCode)
		}
	}
}
