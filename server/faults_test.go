package server_test

import (
	"context"
	"database/sql"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"roundtable/models"
	"roundtable/models/storetest"
	"roundtable/policy"
	"roundtable/server"
)

// A database that has become read-only (a full disk behaves the same way
// for SQLite) still serves pages, and a change gets a clear 503 page that
// says nothing was saved — never a crash or a stack trace.
func TestReadOnlyDatabaseGivesAClearPage(t *testing.T) {
	st := storetest.Demo(t, models.SQLite)
	ctx := context.Background()
	res, err := st.Login(ctx, "merchant1@example.org", models.DemoPassword, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, st, server.Config{Demo: true})
	// The database becomes read-only while the server runs (as when its
	// disk fills or its volume is remounted): one pooled connection, put
	// in query-only mode.
	sqlDB, err := st.DB().DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(1)
	sqlDB.SetMaxIdleConns(1)
	if err := st.DB().Exec("PRAGMA query_only = ON").Error; err != nil {
		t.Fatal(err)
	}
	c := e.anon()
	c.hc.Jar.SetCookies(mustURL(t, e.ts.URL), []*http.Cookie{{Name: "rt_session", Value: res.Token}})
	c.csrf = res.Session.CSRFToken
	if p := c.get("/versions/2"); p.status != http.StatusOK {
		t.Fatalf("reading on a read-only database: %d", p.status)
	}
	r := c.form("/versions/2/comments", map[string][]string{"body": {"저장되지 않을 의견"}, "clause_key": {"2.1"}})
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "아무것도 저장되지 않았습니다") || strings.Contains(r.body, "sqlite") {
		t.Fatalf("write on a read-only database: %d %.400s", r.status, r.body)
	}
	api := c.json("POST", "/api/v1/versions/2/comments", map[string]string{"body": "x"})
	if api.status != http.StatusServiceUnavailable || api.errCode() != "storage_unavailable" {
		t.Fatalf("API write on a read-only database: %d %s", api.status, api.body)
	}
	if err := st.DB().Exec("PRAGMA query_only = OFF").Error; err != nil {
		t.Fatal(err)
	}
	if r := c.json("POST", "/api/v1/versions/2/comments", map[string]string{"body": "디스크가 돌아온 뒤의 의견", "clause_key": "2.1"}); r.status != http.StatusCreated {
		t.Fatalf("after the database is writable again: %d %s", r.status, r.body)
	}
}

// PostgreSQL dropping every connection (what a restart does to clients)
// is survived: the pool reconnects and the next requests succeed.
func TestPostgresDroppingConnectionsIsSurvived(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		t.Skip("TEST_DATABASE_URL is not set")
	}
	e := newEnv(t, models.Postgres)
	m := e.login("consumer1@example.org")
	if r := m.get("/api/v1/documents"); r.status != 200 {
		t.Fatalf("before: %d", r.status)
	}
	admin, err := sql.Open("pgx", os.Getenv("TEST_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	// Only this test's connections: they are the ones whose search_path is
	// the test schema. Terminating them is what a server restart does.
	var schema string
	if err := e.st.DB().Raw("SELECT current_schema()").Scan(&schema).Error; err != nil {
		t.Fatal(err)
	}
	var killed int
	if err := admin.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, schema).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatal("no connection of this test was found to drop")
	}
	ok := false
	for i := 0; i < 3 && !ok; i++ { // the first request on a dead connection may fail once
		ok = m.get("/api/v1/documents").status == 200
	}
	if !ok {
		t.Fatal("requests keep failing after the connections were dropped")
	}
	if r := m.json("POST", "/api/v1/feed/seen", nil); r.status != http.StatusNoContent {
		t.Fatalf("a write after reconnecting: %d %s", r.status, r.body)
	}
}

// A flood of slow clients (each trickling its request headers) neither
// starves other people nor holds connections for ever: the header timeout
// closes them, and a normal request is served meanwhile.
func TestSlowClientsDoNotStarveOthers(t *testing.T) {
	st := storetest.Demo(t, models.SQLite)
	authz, err := policy.New()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(st, authz, storetest.Logger(), server.Config{HeaderTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := srv.HTTPServer(l.Addr().String())
	go func() { _ = hs.Serve(l) }()
	t.Cleanup(func() { _ = hs.Close() })
	var slow []net.Conn
	for i := 0; i < 200; i++ {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatalf("slow client %d: %v", i, err)
		}
		// Half a request line, then nothing.
		if _, err := c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")); err != nil {
			t.Fatal(err)
		}
		slow = append(slow, c)
	}
	defer func() {
		for _, c := range slow {
			_ = c.Close()
		}
	}()
	client := &http.Client{Timeout: 5 * time.Second} // a liveness bound, not a speed target
	res, err := client.Get("http://" + l.Addr().String() + "/healthz")
	if err != nil {
		t.Fatalf("a normal request while 200 slow clients hold connections: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d", res.StatusCode)
	}
	// The server closes the slow connections after the header timeout.
	buf := make([]byte, 1)
	_ = slow[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := slow[0].Read(buf); err == nil {
		t.Fatal("a slow client still holds its connection")
	}
}
