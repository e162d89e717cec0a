package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"roundtable/models"
	"roundtable/models/storetest"
	"roundtable/server"
)

// sseEvent is one server-sent event as a browser's EventSource sees it.
type sseEvent struct {
	Name string
	Data map[string]any
}

// eventStream reads a live stream in the background.
type eventStream struct {
	events chan sseEvent
	cancel context.CancelFunc
	done   chan struct{}
}

// openStream opens a live stream with the client's session. It returns a
// nil stream and the status when the server refuses.
func (c *client) openStream(path string) (*eventStream, int, string) {
	t := c.e.t
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.e.ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	res, err := c.hc.Do(req) //nolint:bodyclose // closed below, or by the reading goroutine
	if err != nil {
		cancel()
		t.Fatalf("open stream %s: %v", path, err)
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		cancel()
		return nil, res.StatusCode, string(b)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("stream content type %q", ct)
	}
	s := &eventStream{events: make(chan sseEvent, 100), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(s.events)
		defer res.Body.Close()
		readEvents(res.Body, s.events)
	}()
	// Close before the test server shuts down, which waits for handlers.
	t.Cleanup(s.close)
	return s, res.StatusCode, ""
}

func (s *eventStream) close() {
	s.cancel()
	<-s.done
}

// readEvents parses the text/event-stream format: "event:" and "data:"
// lines up to a blank line; comments (":") and "retry:" are skipped.
func readEvents(r io.Reader, out chan<- sseEvent) {
	sc := bufio.NewScanner(r)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Name != "" {
				out <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, "event: "):
			ev.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.Data)
		}
	}
}

// next waits for the next event named name, failing on any other event
// named in fail (e.g. a comment event that must not arrive).
func (s *eventStream) next(t *testing.T, name string, within time.Duration) sseEvent {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("the stream ended while waiting for %q", name)
			}
			if ev.Name == name {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %q event within %s", name, within)
		}
	}
}

// quiet asserts that no event arrives for a while.
func (s *eventStream) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if ok {
			t.Fatalf("unexpected event %s %v", ev.Name, ev.Data)
		}
	case <-time.After(d):
	}
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// A member watching a version hears of a comment another member posts in
// another session, and of its edit; nothing about other versions.
func TestLiveStreamCarriesComments(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		_, _, v1 := publishedDoc(t, e)
		_, _, other := publishedDoc(t, e)
		watcher := e.login("merchant1@example.org")
		st, status, body := watcher.openStream("/api/v1/versions/" + v1 + "/live")
		if st == nil {
			t.Fatalf("open stream: %d %s", status, body)
		}
		if ready := st.next(t, "ready", 5*time.Second); num(ready.Data["version_id"]) != mustInt(v1) {
			t.Fatalf("ready for %v, want %s", ready.Data, v1)
		}
		author := e.login("consumer2@example.org")
		if r := author.json("POST", "/api/v1/versions/"+other+"/comments", map[string]string{"body": "다른 판의 의견"}); r.status != http.StatusCreated {
			t.Fatalf("comment: %d %s", r.status, r.body)
		}
		r := author.json("POST", "/api/v1/versions/"+v1+"/comments", map[string]string{"body": "실시간으로 보여야 할 의견", "clause_key": "2.1"})
		if r.status != http.StatusCreated {
			t.Fatalf("comment: %d %s", r.status, r.body)
		}
		cid := mustInt(idOf(r, "comment"))
		ev := st.next(t, "comment", 5*time.Second)
		if num(ev.Data["comment_id"]) != cid || ev.Data["action"] != "comment.create" || num(ev.Data["version_id"]) != mustInt(v1) {
			t.Fatalf("comment event %v, want comment %d on version %s", ev.Data, cid, v1)
		}
		if _, ok := ev.Data["body"]; ok {
			t.Fatalf("a live event carries the comment's text: %v", ev.Data)
		}
		if r := author.json("PATCH", "/api/v1/comments/"+idOf(r, "comment"), map[string]string{"body": "고친 의견"}); r.status != http.StatusOK {
			t.Fatalf("edit: %d %s", r.status, r.body)
		}
		if ev := st.next(t, "comment", 5*time.Second); ev.Data["action"] != "comment.edit" || num(ev.Data["comment_id"]) != cid {
			t.Fatalf("edit event %v", ev.Data)
		}
		st.quiet(t, 300*time.Millisecond) // the comment on the other version never came
	})
}

// Who may open a stream: the version's readers only. A draft is 404 to a
// member, as the version itself is; anonymous visitors must sign in; a
// client that does not ask for an event stream is told to.
func TestLiveStreamAuthorisation(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		sec, docID, v1 := publishedDoc(t, e)
		draft := sec.json("POST", "/api/v1/documents/"+docID+"/versions", map[string]any{"summary": "초안", "based_on_version_id": mustInt(v1)})
		if draft.status != http.StatusCreated {
			t.Fatalf("draft: %d %s", draft.status, draft.body)
		}
		draftID := idOf(draft, "version")
		member := e.login("merchant1@example.org")
		if st, status, body := member.openStream("/api/v1/versions/" + draftID + "/live"); st != nil || status != http.StatusNotFound {
			t.Fatalf("member on a draft: %d %s, want 404", status, body)
		}
		if st, status, _ := e.login("auditor@example.org").openStream("/api/v1/versions/" + draftID + "/live"); st != nil || status != http.StatusNotFound {
			t.Fatalf("auditor on a draft: %d, want 404", status)
		}
		if st, status, _ := member.openStream("/api/v1/versions/999999/live"); st != nil || status != http.StatusNotFound {
			t.Fatalf("unknown version: %d, want 404", status)
		}
		if st, status, _ := e.anon().openStream("/api/v1/versions/" + v1 + "/live"); st != nil || status != http.StatusUnauthorized {
			t.Fatalf("anonymous: %d, want 401", status)
		}
		if r := member.get("/api/v1/versions/" + v1 + "/live"); r.status != http.StatusBadRequest || r.errCode() != "event_stream_only" {
			t.Fatalf("without Accept: %d %s", r.status, r.body)
		}
		st, status, body := sec.openStream("/api/v1/versions/" + draftID + "/live")
		if st == nil {
			t.Fatalf("secretariat on its draft: %d %s", status, body)
		}
		st.next(t, "ready", 5*time.Second)
	})
}

// Ballot progress reaches watchers with turnout, but choice counts only
// where the ballot shows them: a hidden running tally never leaves the
// server, a closed ballot's count always does.
func TestLiveStreamBallotProgressRespectsHiddenTallies(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		sec, _, hidden := publishedDoc(t, e)
		_, _, shown := publishedDoc(t, e)
		open := func(versionID string, showRunning bool) string {
			r := sec.json("POST", "/api/v1/versions/"+versionID+"/ballots", map[string]any{"question": "채택할까요?",
				"closes_at": time.Now().Add(24 * time.Hour), "show_running": showRunning})
			if r.status != http.StatusCreated {
				t.Fatalf("open ballot: %d %s", r.status, r.body)
			}
			return idOf(r, "ballot")
		}
		watcher := e.login("consumer1@example.org")
		hiddenStream, _, _ := watcher.openStream("/api/v1/versions/" + hidden + "/live")
		shownStream, _, _ := watcher.openStream("/api/v1/versions/" + shown + "/live")
		if hiddenStream == nil || shownStream == nil {
			t.Fatal("streams refused")
		}
		hiddenStream.next(t, "ready", 5*time.Second)
		shownStream.next(t, "ready", 5*time.Second)
		hb, sb := open(hidden, false), open(shown, true)
		if ev := hiddenStream.next(t, "ballot", 5*time.Second); ev.Data["action"] != "ballot.open" || num(ev.Data["ballot_id"]) != mustInt(hb) {
			t.Fatalf("open event %v", ev.Data)
		}
		shownStream.next(t, "ballot", 5*time.Second)

		voter := e.login("merchant1@example.org")
		for _, b := range []string{hb, sb} {
			if r := voter.json("PUT", "/api/v1/ballots/"+b+"/vote", map[string]string{"choice": "approve"}); r.status != http.StatusOK {
				t.Fatalf("vote: %d %s", r.status, r.body)
			}
		}
		ev := hiddenStream.next(t, "ballot", 5*time.Second)
		merchant := ev.Data["tallies"].(map[string]any)["merchant"].(map[string]any)
		if ev.Data["action"] != "ballot.vote" || ev.Data["tallies_visible"] != false || num(merchant["voted"]) != 1 || merchant["approve"] != nil {
			t.Fatalf("hidden tally event %v", ev.Data)
		}
		ev = shownStream.next(t, "ballot", 5*time.Second)
		merchant = ev.Data["tallies"].(map[string]any)["merchant"].(map[string]any)
		if ev.Data["tallies_visible"] != true || num(merchant["approve"]) != 1 {
			t.Fatalf("running tally event %v", ev.Data)
		}

		if r := sec.json("POST", "/api/v1/ballots/"+hb+"/close", nil); r.status != http.StatusOK {
			t.Fatalf("close: %d %s", r.status, r.body)
		}
		ev = hiddenStream.next(t, "ballot", 5*time.Second)
		merchant = ev.Data["tallies"].(map[string]any)["merchant"].(map[string]any)
		if ev.Data["action"] != "ballot.close" || ev.Data["status"] != "closed" || ev.Data["result"] == nil || num(merchant["approve"]) != 1 {
			t.Fatalf("close event %v", ev.Data)
		}
	})
}

// An open page is not activity: neither opening a stream (nor the
// browser's automatic reconnects) touches the session, so an unattended
// screen with a live page still signs out after the idle limit.
func TestLiveStreamDoesNotKeepSessionAlive(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	st := storetest.Open(t, models.SQLite, storetest.Options{Now: clock})
	if err := st.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, st, server.Config{Demo: true})
	_, _, v1 := publishedDoc(t, e)
	m := e.login("merchant1@example.org")
	lastSeen := func() time.Time {
		var ses []models.Session
		if err := st.DB().Where("user_id = ?", num(m.user["id"])).Find(&ses).Error; err != nil || len(ses) == 0 {
			t.Fatalf("sessions: %d, %v", len(ses), err)
		}
		var at time.Time
		for _, se := range ses {
			if se.LastSeenAt.After(at) {
				at = se.LastSeenAt
			}
		}
		return at
	}
	signedIn := lastSeen()
	advance(3 * time.Minute)
	stream, status, body := m.openStream("/api/v1/versions/" + v1 + "/live")
	if stream == nil {
		t.Fatalf("open stream: %d %s", status, body)
	}
	stream.next(t, "ready", 5*time.Second)
	stream.close()
	if got := lastSeen(); !got.Equal(signedIn) {
		t.Fatalf("opening a stream moved last_seen_at from %v to %v", signedIn, got)
	}
	if r := m.get("/api/v1/me"); r.status != http.StatusOK {
		t.Fatalf("me: %d", r.status)
	}
	if got := lastSeen(); !got.After(signedIn) {
		t.Fatalf("a real request did not touch the session (%v)", got)
	}
	advance(models.SessionIdle + time.Minute)
	if s, status, _ := m.openStream("/api/v1/versions/" + v1 + "/live"); s != nil || status != http.StatusUnauthorized {
		t.Fatalf("after the idle limit a stream opened: %d", status)
	}
}
