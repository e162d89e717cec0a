package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"roundtable/models"
	"roundtable/models/auditlog"
	"roundtable/models/storetest"
)

// buildBinary compiles the real server once per test run.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "roundtable")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serveProcess starts `roundtable serve` and waits until it is ready.
func serveProcess(t *testing.T, bin, dir, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--demo", "--db", filepath.Join(dir, "rt.db"), "--data-dir", dir, "--addr", addr)
	cmd.Env = append(os.Environ(), "ROUNDTABLE_SIGNING_KEY=", "DATABASE_URL=")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get("http://" + addr + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	t.Fatalf("server did not become ready:\n%s", logs.String())
	return nil
}

type killSession struct {
	base string
	hc   *http.Client
	csrf string
}

func killSignIn(t *testing.T, base, email string) *killSession {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &killSession{base: base, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if code := s.call("POST", "/api/v1/login", map[string]string{"email": email, "password": models.DemoPassword}, &out); code != 200 {
		t.Fatalf("login %s: %d", email, code)
	}
	s.csrf = out.CSRF
	return s
}

// call sends JSON and decodes the answer; a dead server answers 0.
func (s *killSession) call(method, path string, body, out any) int {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if s.csrf != "" {
		req.Header.Set("X-CSRF-Token", s.csrf)
	}
	res, err := s.hc.Do(req)
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	if out != nil {
		_ = json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

// TestSIGKILLLeavesNothingHalfWritten kills the real server with SIGKILL
// while it publishes versions (each signing a checkpoint), takes votes and
// closes a ballot — and, on a demo server, while its background import of
// the demo reports is running — then restarts it on the same database:
// the history must verify and every decision must be whole.
func TestSIGKILLLeavesNothingHalfWritten(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real server")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	cmd := serveProcess(t, bin, dir, addr)
	base := "http://" + addr
	sec := killSignIn(t, base, "secretariat@example.org")
	var before struct {
		Count int64 `json:"count"`
	}
	killSignIn(t, base, "auditor@example.org").call("GET", "/api/v1/audit/verify", nil, &before)
	voters := []*killSession{killSignIn(t, base, "merchant2@example.org"), killSignIn(t, base, "startup2@example.org"), killSignIn(t, base, "consumer2@example.org")}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	work := func(fn func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				fn(i)
			}
		}()
	}
	work(func(i int) { // publish: a milestone with a signed checkpoint
		var doc struct{ Document struct{ ID int64 } }
		if sec.call("POST", "/api/v1/documents", map[string]string{"title": fmt.Sprintf("부하 문서 %d", i), "description": ""}, &doc) != 201 {
			return
		}
		var v struct{ Version struct{ ID int64 } }
		if sec.call("POST", fmt.Sprintf("/api/v1/documents/%d/versions", doc.Document.ID), map[string]any{"summary": "s",
			"clauses": []map[string]string{{"key": "1", "title": "목적", "body": "본문"}}}, &v) != 201 {
			return
		}
		sec.call("POST", fmt.Sprintf("/api/v1/versions/%d/publish", v.Version.ID), nil, nil)
	})
	for _, s := range voters {
		s := s
		work(func(i int) {
			s.call("PUT", "/api/v1/ballots/2/vote", map[string]string{"choice": []string{"approve", "reject", "abstain"}[i%3]}, nil)
		})
	}
	time.Sleep(700 * time.Millisecond)
	sec.call("POST", "/api/v1/ballots/2/close", nil, nil)
	time.Sleep(300 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	close(stop)
	wg.Wait()

	// Restart on the same database and keys.
	cmd = serveProcess(t, bin, dir, addr)
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	auditor := killSignIn(t, base, "auditor@example.org")
	var v struct {
		OK    bool  `json:"ok"`
		Count int64 `json:"count"`
	}
	if code := auditor.call("GET", "/api/v1/audit/verify", nil, &v); code != 200 || !v.OK || v.Count == 0 {
		t.Fatalf("verify after SIGKILL: %d %+v", code, v)
	}
	if v.Count < before.Count+20 {
		t.Fatalf("only %d events were written under load before the kill; the test did not exercise anything", v.Count-before.Count)
	}
	// Inspect the database directly: every closed ballot has its frozen
	// tallies and a result; every published version has its publish event.
	skeyFile := filepath.Join(dir, "audit-signing.key")
	signer, vkey, _, err := auditlog.LoadOrCreateSigningKey(skeyFile, "roundtable.local/audit")
	if err != nil {
		t.Fatal(err)
	}
	st, err := models.Open(context.Background(), filepath.Join(dir, "rt.db"), models.Options{Signer: signer, VerifierKey: vkey, Password: storetest.FastPasswords, Logger: storetest.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var orphans int64
	st.DB().Raw(`SELECT COUNT(*) FROM ballots b WHERE b.status = 'closed' AND (b.result = '' OR NOT EXISTS (SELECT 1 FROM ballot_tallies t WHERE t.ballot_id = b.id))`).Scan(&orphans)
	if orphans != 0 {
		t.Errorf("%d closed ballots without result or tallies", orphans)
	}
	st.DB().Raw(`SELECT COUNT(*) FROM versions v WHERE v.status <> 'draft' AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.action = 'version.publish' AND e.object_id = v.id)`).Scan(&orphans)
	if orphans != 0 {
		t.Errorf("%d published versions without their publish event", orphans)
	}
	st.DB().Raw(`SELECT COUNT(*) FROM votes v WHERE NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.action = 'ballot.vote' AND e.object_id = v.ballot_id AND e.actor_id = v.user_id)`).Scan(&orphans)
	if orphans != 0 {
		t.Errorf("%d votes without a vote event", orphans)
	}
	if st.DB().Migrator().HasTable("report_batches") {
		var running int64
		// A restarted server reclaims the import the kill interrupted.
		for i := 0; i < 50; i++ {
			st.DB().Raw(`SELECT COUNT(*) FROM report_batches WHERE status = 'running' AND heartbeat_at < ?`, time.Now().Add(-2*time.Minute)).Scan(&running)
			if running == 0 {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if running != 0 {
			t.Errorf("an interrupted import is still marked running")
		}
	}
}
