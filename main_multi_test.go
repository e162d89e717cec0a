package main

// Two server processes on one PostgreSQL schema behave as one server.
//
// Why processes, not two run() calls in this process: separate processes
// share nothing but the database and the signing key — no memory, no
// connection pool, no Go state — which is exactly the claim under test. An
// in-process pair could pass by accident through something shared in
// memory. The servers are this test binary re-executed (the os/exec
// helper-process pattern: TestHelperServe runs run() with the arguments
// after "--"), so there is no separate `go build` (a cold cgo build takes
// minutes on our machines) and the servers run under the race detector
// whenever the test does. Each is stopped with SIGTERM and must exit 0.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"roundtable/models"
	"roundtable/models/auditlog"
	"roundtable/models/storetest"
)

const helperEnv = "ROUNDTABLE_TEST_HELPER_SERVE"

// TestHelperServe is not a test: it is the server process of
// TestTwoInstancesOnePostgres.
func TestHelperServe(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestTwoInstancesOnePostgres")
	}
	i := slices.Index(os.Args, "--")
	if i < 0 {
		fmt.Fprintln(os.Stderr, "helper: no arguments after --")
		os.Exit(2)
	}
	code := 0
	if err := run(context.Background(), os.Args[i+1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		code = 1
	}
	os.Exit(code)
}

// instance is one server process.
type instance struct {
	name string
	base string
	cmd  *exec.Cmd
	logs *lockedBuffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, set before done closes
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startInstance(t *testing.T, name string, env []string, args ...string) *instance {
	t.Helper()
	addr := freeAddr(t)
	in := &instance{name: name, base: "http://" + addr, logs: &lockedBuffer{}, done: make(chan struct{})}
	full := append([]string{"-test.run=^TestHelperServe$", "--", "serve", "--addr", addr}, args...)
	in.cmd = exec.Command(os.Args[0], full...)
	in.cmd.Env = append(append(os.Environ(), helperEnv+"=1"), env...)
	in.cmd.Stdout, in.cmd.Stderr = in.logs, in.logs
	if err := in.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		in.err = in.cmd.Wait()
		close(in.done)
	}()
	t.Cleanup(func() {
		select {
		case <-in.done:
		default:
			_ = in.cmd.Process.Kill() // the test failed before stopping it
			<-in.done
		}
		if t.Failed() {
			t.Logf("--- log of %s ---\n%s", name, tail(in.logs.String(), 4000))
		}
	})
	return in
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func (in *instance) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-in.done:
			t.Fatalf("%s exited before it was ready: %v\n%s", in.name, in.err, tail(in.logs.String(), 3000))
		default:
		}
		res, err := http.Get(in.base + "/readyz")
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not ready in time\n%s", in.name, tail(in.logs.String(), 3000))
}

// stop sends SIGTERM and waits for a clean exit. It may run on any
// goroutine, so it returns what went wrong.
func (in *instance) stop(within time.Duration) error {
	if err := in.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("signal %s: %w", in.name, err)
	}
	select {
	case <-in.done:
		if in.err != nil {
			return fmt.Errorf("%s exited with %w\n%s", in.name, in.err, tail(in.logs.String(), 3000))
		}
	case <-time.After(within):
		return fmt.Errorf("%s did not stop within %s", in.name, within)
	}
	if strings.Contains(in.logs.String(), "DATA RACE") {
		return fmt.Errorf("%s reported a data race", in.name)
	}
	return nil
}

// person is one signed-in browser; its cookie jar is shared by both
// instances (cookies are per host, not per port), as behind a load
// balancer that sends each request to either.
type person struct {
	t    *testing.T
	hc   *http.Client
	csrf string
}

type answer struct {
	status int
	body   []byte
}

func (a answer) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("not JSON (%d): %s", a.status, a.body)
	}
	return m
}

func newPerson(t *testing.T) *person {
	jar, _ := cookiejar.New(nil)
	return &person{t: t, hc: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do may run on any goroutine: failures are returned, not fatal.
func (p *person) do(method, url string, body any, header ...string) (answer, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return answer{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if p.csrf != "" && method != http.MethodGet {
		req.Header.Set("X-CSRF-Token", p.csrf)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := p.hc.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: read: %w", method, url, err)
	}
	return answer{status: res.StatusCode, body: b}, nil
}

// must is do for the test goroutine, expecting a status.
func (p *person) must(want int, method, url string, body any) map[string]any {
	p.t.Helper()
	a, err := p.do(method, url, body)
	if err != nil {
		p.t.Fatal(err)
	}
	if a.status != want {
		p.t.Fatalf("%s %s: %d, want %d: %.300s", method, url, a.status, want, a.body)
	}
	if len(a.body) == 0 {
		return nil
	}
	return a.obj(p.t)
}

func (p *person) login(base, email, password string) answer {
	p.t.Helper()
	a, err := p.do("POST", base+"/api/v1/login", map[string]string{"email": email, "password": password})
	if err != nil {
		p.t.Fatal(err)
	}
	if a.status == http.StatusOK {
		p.csrf = a.obj(p.t)["csrf_token"].(string)
	}
	return a
}

func signInAt(t *testing.T, base, email string) *person {
	t.Helper()
	p := newPerson(t)
	if a := p.login(base, email, models.DemoPassword); a.status != http.StatusOK {
		t.Fatalf("sign in %s at %s: %d %s", email, base, a.status, a.body)
	}
	return p
}

func idIn(m map[string]any, key string) int64 {
	return int64(m[key].(map[string]any)["id"].(float64))
}

// stream is an open live stream.
type stream struct {
	events chan [2]string // name, data
	cancel context.CancelFunc
	done   chan struct{}
}

func (p *person) openStream(t *testing.T, url string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Accept", "text/event-stream")
	// No client timeout: the stream stays open until the test ends it.
	hc := &http.Client{Jar: p.hc.Jar}
	res, err := hc.Do(req) //nolint:bodyclose // closed by the reading goroutine
	if err != nil || res.StatusCode != http.StatusOK {
		if err == nil {
			_ = res.Body.Close()
		}
		cancel()
		t.Fatalf("open stream %s: %v %v", url, err, res)
	}
	s := &stream{events: make(chan [2]string, 1000), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(s.events)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var name, data string
		for sc.Scan() {
			switch line := sc.Text(); {
			case line == "":
				if name != "" {
					s.events <- [2]string{name, data}
				}
				name, data = "", ""
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	t.Cleanup(func() { s.cancel(); <-s.done })
	return s
}

func (s *stream) next(t *testing.T, name string, within time.Duration) map[string]any {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("stream ended while waiting for %q", name)
			}
			if ev[0] == name {
				var m map[string]any
				_ = json.Unmarshal([]byte(ev[1]), &m)
				return m
			}
		case <-deadline:
			t.Fatalf("no %q event within %s", name, within)
		}
	}
}

// voters are the demo's members of voting groups; expert1 only comments.
var voters = []string{"merchant1@example.org", "merchant2@example.org", "merchant3@example.org", "startup1@example.org",
	"startup2@example.org", "consumer1@example.org", "consumer2@example.org", "consumer3@example.org"}

func TestTwoInstancesOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two server processes")
	}
	if os.Getenv("TEST_DATABASE_URL") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("TEST_DATABASE_URL must be set in CI: this test is the proof that instances share one PostgreSQL")
		}
		t.Skip("TEST_DATABASE_URL is not set")
	}
	start := time.Now()
	dsn := storetest.DSN(t, models.Postgres)
	skey, _ := storetest.SigningKey(t)

	// The demo council is seeded with the code --demo runs (SeedDemo), in
	// this process and with the instances' key; `serve --demo` would also
	// import 105,116 demo damage reports in the background, which this
	// test does not need.
	{
		signer, vkey, err := auditlog.SignerFromKey(skey)
		if err != nil {
			t.Fatal(err)
		}
		st, err := models.Open(context.Background(), dsn, models.Options{Logger: storetest.Logger(), Signer: signer, VerifierKey: vkey, MaxOpenConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SeedDemo(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	const metricsToken = "multi-instance-test-token"
	env := []string{"DATABASE_URL=" + dsn, "ROUNDTABLE_SIGNING_KEY=" + skey, "ROUNDTABLE_METRICS_TOKEN=" + metricsToken,
		"ROUNDTABLE_LOG_FORMAT=json", "ROUNDTABLE_DATA_KEY=", "ROUNDTABLE_DEMO="}
	// Fast timers so that both instances' checkpoint signing and ballot
	// closing really race during the test.
	args := []string{"--data-dir", t.TempDir(), "--checkpoint-every", "250ms", "--ballot-check-every", "100ms"}
	a := startInstance(t, "A", env, args...)
	b := startInstance(t, "B", env, args...)
	a.waitReady(t)
	b.waitReady(t)
	both := []*instance{a, b}
	t.Logf("both instances ready after %s", time.Since(start).Round(time.Millisecond))

	auditor := signInAt(t, a.base, "auditor@example.org")
	sec := signInAt(t, b.base, "secretariat@example.org")
	ballots := auditor.must(200, "GET", a.base+"/api/v1/ballots", nil)["ballots"].([]any)
	demoBallot := ballots[0].(map[string]any)
	ballotID, versionID := int64(demoBallot["id"].(float64)), int64(demoBallot["version_id"].(float64))

	t.Run("a session made on one instance works on the other", func(t *testing.T) {
		p := signInAt(t, a.base, "expert1@example.org")
		me := p.must(200, "GET", b.base+"/api/v1/me", nil)
		if me["user"].(map[string]any)["email"] != "expert1@example.org" {
			t.Fatalf("B sees %v", me)
		}
		// The CSRF token issued by A is the session's, so B accepts it.
		p.must(201, "POST", fmt.Sprintf("%s/api/v1/versions/%d/comments", b.base, versionID), map[string]string{"body": "A에서 로그인, B에서 작성"})
		// A has just resolved (and remembered) the session; signing out on
		// B must still end it on A at once.
		p.must(200, "GET", a.base+"/api/v1/me", nil)
		p.must(204, "POST", b.base+"/api/v1/logout", nil)
		p.must(401, "GET", a.base+"/api/v1/me", nil)
	})

	t.Run("sign-in failures are counted across instances", func(t *testing.T) {
		p := newPerson(t)
		for i := range 5 { // the per-account limit, split over both
			if ans := p.login(both[i%2].base, "admin@example.org", "wrong-password"); ans.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d %s", i+1, ans.status, ans.body)
			}
		}
		for _, in := range both {
			if ans := p.login(in.base, "admin@example.org", models.DemoPassword); ans.status != http.StatusTooManyRequests {
				t.Fatalf("after 5 failures over both, %s answered %d", in.name, ans.status)
			}
		}
	})

	t.Run("concurrent comments and votes through both, heard live on both", func(t *testing.T) {
		watchA := signInAt(t, a.base, "expert1@example.org").openStream(t, fmt.Sprintf("%s/api/v1/versions/%d/live", a.base, versionID))
		watchB := signInAt(t, b.base, "expert1@example.org").openStream(t, fmt.Sprintf("%s/api/v1/versions/%d/live", b.base, versionID))
		watchA.next(t, "ready", 10*time.Second)
		watchB.next(t, "ready", 10*time.Second)

		const perMember = 4
		choices := []string{"approve", "reject", "abstain", "approve", "reject"}
		type result struct {
			comments []int64
			last     string
			err      error
		}
		results := make([]result, len(voters))
		var wg sync.WaitGroup
		for i, email := range voters {
			p := signInAt(t, both[i%2].base, email)
			wg.Go(func() {
				r := &results[i]
				for j := range perMember {
					base := both[(i+j)%2].base
					ans, err := p.do("POST", fmt.Sprintf("%s/api/v1/versions/%d/comments", base, versionID), map[string]string{"body": fmt.Sprintf("%s의 의견 %d", email, j)})
					if err != nil || ans.status != http.StatusCreated {
						r.err = fmt.Errorf("comment %d of %s: %w %d %s", j, email, err, ans.status, ans.body)
						return
					}
					var m map[string]any
					_ = json.Unmarshal(ans.body, &m)
					r.comments = append(r.comments, idIn(m, "comment"))
					choice := choices[(i+j)%len(choices)]
					ans, err = p.do("PUT", fmt.Sprintf("%s/api/v1/ballots/%d/vote", both[(i+j+1)%2].base, ballotID), map[string]string{"choice": choice})
					if err != nil || ans.status != http.StatusOK {
						r.err = fmt.Errorf("vote %d of %s: %w %d %s", j, email, err, ans.status, ans.body)
						return
					}
					r.last = choice
				}
			})
		}
		wg.Wait()
		var created []int64
		for _, r := range results {
			if r.err != nil {
				t.Fatal(r.err)
			}
			created = append(created, r.comments...)
		}

		// No lost and no duplicated comments, seen alike from both.
		for _, in := range both {
			list := auditor.must(200, "GET", fmt.Sprintf("%s/api/v1/versions/%d/comments", in.base, versionID), nil)["comments"].([]any)
			seen := map[int64]int{}
			for _, c := range list {
				seen[int64(c.(map[string]any)["id"].(float64))]++
			}
			for _, id := range created {
				if seen[id] != 1 {
					t.Fatalf("%s lists comment %d %d times", in.name, id, seen[id])
				}
			}
		}
		// Both watchers heard every new comment exactly once, whichever
		// instance took it.
		for _, w := range []*stream{watchA, watchB} {
			heard := map[int64]int{}
			for len(heard) < len(created) {
				ev := w.next(t, "comment", 15*time.Second)
				heard[int64(ev["comment_id"].(float64))]++
			}
			for _, id := range created {
				if heard[id] != 1 {
					t.Fatalf("comment %d was heard %d times", id, heard[id])
				}
			}
		}

		// One vote per member, the last one cast: close and read the count.
		closed := sec.must(200, "POST", fmt.Sprintf("%s/api/v1/ballots/%d/close", a.base, ballotID), nil)["ballot"].(map[string]any)
		want := map[string]map[string]int{}
		for i, email := range voters {
			g := strings.TrimRight(strings.Split(email, "@")[0], "0123456789")
			if want[g] == nil {
				want[g] = map[string]int{}
			}
			want[g][results[i].last]++
		}
		for g, counts := range want {
			got := closed["tallies"].(map[string]any)[g].(map[string]any)
			for _, c := range []string{"approve", "reject", "abstain"} {
				if int(got[c].(float64)) != counts[c] {
					t.Fatalf("group %s %s: %v, want %d (tallies %v)", g, c, got[c], counts[c], closed["tallies"])
				}
			}
		}
		ev := watchB.next(t, "ballot", 15*time.Second)
		for ev["status"] != "closed" {
			ev = watchB.next(t, "ballot", 15*time.Second)
		}
	})

	t.Run("a ballot whose deadline passes is closed exactly once", func(t *testing.T) {
		doc := sec.must(201, "POST", a.base+"/api/v1/documents", map[string]string{"title": "마감 경쟁 시험", "description": "두 인스턴스"})
		v := sec.must(201, "POST", fmt.Sprintf("%s/api/v1/documents/%d/versions", a.base, idIn(doc, "document")), map[string]any{"summary": "시험판",
			"clauses": []map[string]string{{"key": "1", "title": "목적", "body": "마감 시각에 한 번만 닫힌다."}}})
		vid := idIn(v, "version")
		sec.must(200, "POST", fmt.Sprintf("%s/api/v1/versions/%d/publish", b.base, vid), nil)
		closesAt := time.Now().Add(3 * time.Second)
		bal := sec.must(201, "POST", fmt.Sprintf("%s/api/v1/versions/%d/ballots", a.base, vid), map[string]any{"question": "마감 경쟁", "closes_at": closesAt})
		bid := idIn(bal, "ballot")

		// Voters keep voting through the deadline on both instances while
		// readers poll (a read past the deadline closes the ballot) and
		// both instances' timers fire every 100 ms.
		var wg sync.WaitGroup
		stopAt := closesAt.Add(2 * time.Second)
		var mu sync.Mutex
		var failures []string
		for i, email := range voters[:6] {
			p := signInAt(t, both[i%2].base, email)
			wg.Go(func() {
				for n := 0; time.Now().Before(stopAt); n++ {
					in := both[n%2]
					url := fmt.Sprintf("%s/api/v1/ballots/%d", in.base, bid)
					var ans answer
					var err error
					if i%2 == 0 {
						ans, err = p.do("PUT", url+"/vote", map[string]string{"choice": "approve"})
						if err == nil && ans.status != http.StatusOK && ans.status != http.StatusConflict {
							err = fmt.Errorf("vote: %d %s", ans.status, ans.body)
						}
					} else {
						ans, err = p.do("GET", url, nil)
						if err == nil && ans.status != http.StatusOK {
							err = fmt.Errorf("read: %d %s", ans.status, ans.body)
						}
					}
					if err != nil {
						mu.Lock()
						failures = append(failures, err.Error())
						mu.Unlock()
						return
					}
					time.Sleep(15 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		if len(failures) > 0 {
			t.Fatalf("requests failed: %v", failures)
		}
		evs := auditor.must(200, "GET", fmt.Sprintf("%s/api/v1/audit/events?action=ballot.close&object_type=ballot&object_id=%d", b.base, bid), nil)["events"].([]any)
		if len(evs) != 1 {
			t.Fatalf("%d ballot.close events for ballot %d, want exactly 1", len(evs), bid)
		}
		decided := 0
		for _, action := range []string{"version.adopt", "version.reject"} {
			decided += len(auditor.must(200, "GET", fmt.Sprintf("%s/api/v1/audit/events?action=%s&object_type=version&object_id=%d", a.base, action, vid), nil)["events"].([]any))
		}
		if decided != 1 {
			t.Fatalf("%d decisions recorded for version %d, want 1", decided, vid)
		}
		got := auditor.must(200, "GET", fmt.Sprintf("%s/api/v1/ballots/%d", b.base, bid), nil)["ballot"].(map[string]any)
		closedAt, _ := time.Parse(time.RFC3339Nano, got["closed_at"].(string))
		if got["status"] != "closed" || closedAt.Before(closesAt.Truncate(time.Second)) {
			t.Fatalf("ballot %v closed at %v, deadline %v", got["status"], closedAt, closesAt)
		}
		// Votes that were accepted are exactly the frozen count: none
		// landed after the close.
		approve := 0
		for _, g := range got["tallies"].(map[string]any) {
			approve += int(g.(map[string]any)["approve"].(float64))
		}
		if approve != 3 {
			t.Fatalf("%d approvals frozen, want the 3 voters' (tallies %v)", approve, got["tallies"])
		}
	})

	t.Run("one history: verified on both, seq 1..N, same checkpoints", func(t *testing.T) {
		for _, in := range both {
			if v := auditor.must(200, "GET", in.base+"/api/v1/audit/verify", nil); v["ok"] != true {
				t.Fatalf("%s: history does not verify: %v", in.name, v)
			}
		}
		var hashes [2][]string
		for k, in := range both {
			var after int64
			for {
				page := auditor.must(200, "GET", fmt.Sprintf("%s/api/v1/audit/events?after=%d&limit=500", in.base, after), nil)["events"].([]any)
				if len(page) == 0 {
					break
				}
				for _, e := range page {
					m := e.(map[string]any)
					seq := int64(m["seq"].(float64))
					if seq != after+1 {
						t.Fatalf("%s: event %d follows %d", in.name, seq, after)
					}
					after = seq
					hashes[k] = append(hashes[k], m["hash"].(string))
				}
			}
		}
		if !slices.Equal(hashes[0], hashes[1]) || len(hashes[0]) < 100 {
			t.Fatalf("the instances list different histories (%d and %d events)", len(hashes[0]), len(hashes[1]))
		}
		cps := auditor.must(200, "GET", a.base+"/api/v1/audit/checkpoints", nil)["checkpoints"].([]any)
		if len(cps) < 3 {
			t.Fatalf("only %d checkpoints after timers on both instances", len(cps))
		}
		var prev float64
		for _, c := range cps {
			size := c.(map[string]any)["size"].(float64)
			if size <= prev {
				t.Fatalf("checkpoints sign sizes %v then %v: two signers raced", prev, size)
			}
			prev = size
		}
		// Metrics read the shared database from either instance.
		for _, in := range both {
			ans, err := newPerson(t).do("GET", in.base+"/metrics", nil, "Authorization", "Bearer "+metricsToken)
			if err != nil || ans.status != 200 || !bytes.Contains(ans.body, []byte("roundtable_audit_events ")) {
				t.Fatalf("%s metrics: %v %d", in.name, err, ans.status)
			}
		}
	})

	// Both stop together, with a live stream open, each signing its
	// shutdown checkpoint: they must exit cleanly and promptly, and the
	// history must stay one verified chain with one checkpoint per size.
	watcher := signInAt(t, b.base, "merchant1@example.org").openStream(t, fmt.Sprintf("%s/api/v1/versions/%d/live", b.base, versionID))
	watcher.next(t, "ready", 10*time.Second)
	stopped := time.Now()
	errs := make([]error, len(both))
	var wg sync.WaitGroup
	for i, in := range both {
		wg.Go(func() { errs[i] = in.stop(12 * time.Second) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("both stopped in %s", time.Since(stopped).Round(time.Millisecond))
	if bye := watcher.next(t, "bye", 5*time.Second); bye["reason"] != "shutdown" {
		t.Fatalf("stream ended with %v", bye)
	}
	signer, vkey, _ := auditlog.SignerFromKey(skey)
	st, err := models.Open(context.Background(), dsn, models.Options{Logger: storetest.Logger(), Signer: signer, VerifierKey: vkey, MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	res, err := st.VerifyAudit(context.Background())
	if err != nil || !res.OK {
		t.Fatalf("after shutdown: %v %+v", err, res)
	}
	cps, err := st.Checkpoints(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(cps); i++ {
		if cps[i].Size <= cps[i-1].Size {
			t.Fatalf("checkpoints %d and %d sign %d and %d", cps[i-1].ID, cps[i].ID, cps[i-1].Size, cps[i].Size)
		}
	}
	if last := cps[len(cps)-1]; last.Size != res.Count {
		t.Fatalf("the last checkpoint signs %d of %d events", last.Size, res.Count)
	}
	t.Logf("%d events, %d checkpoints, %s in all", res.Count, len(cps), time.Since(start).Round(time.Millisecond))
}
