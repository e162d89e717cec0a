package server

// Live updates over server-sent events: GET /api/v1/versions/:id/live
// streams what changes on one version while a page is open — comments, and
// the progress of the version's ballots — so the page can say "new
// comments, reload to read" or refresh a ballot's counts. Pages work the
// same without it (frontend/static/app.js only enhances).
//
// Authorisation happens when the stream opens: the route's policy question
// (live, read: anyone signed in), then the version itself as the viewer may
// read it — a draft is 404 to everyone but the secretariat, exactly as
// GET /api/v1/versions/:id. A version never returns to draft, so that answer
// cannot go stale; the session can, so it is re-checked at every heartbeat
// and the stream ends when it is gone. Streams also end after liveMaxAge;
// the browser reconnects by itself and passes every check again.
//
// An event carries ids, never text. Ballot events carry the ballot's
// counts as the ballot API would show them to anyone: turnout always,
// choice counts only where the ballot's tallies are visible (closed, or
// opened with running tallies), so a hidden running tally never leaves
// the server.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/models"
)

const (
	liveHeartbeat     = 20 * time.Second
	liveMaxAge        = 10 * time.Minute
	liveSubscribeWait = 5 * time.Second
	// liveRetryMillis is the browser's wait before reconnecting.
	liveRetryMillis = 3000
)

// liveStreams lets an HTTP server shutdown end open streams, which would
// otherwise keep their connections busy until the shutdown timeout.
type liveStreams struct {
	ctx  context.Context
	stop context.CancelFunc
	once sync.Once
}

func newLiveStreams() *liveStreams {
	ctx, stop := context.WithCancel(context.Background()) //nolint:gosec // stop is kept and called by Shutdown
	return &liveStreams{ctx: ctx, stop: stop}
}

// Shutdown ends every open event stream.
func (l *liveStreams) Shutdown() { l.once.Do(l.stop) }

type liveCommentJSON struct {
	Action    string `json:"action"`
	VersionID int64  `json:"version_id"`
	CommentID int64  `json:"comment_id"`
}

type liveBallotJSON struct {
	Action         string                   `json:"action"`
	VersionID      int64                    `json:"version_id"`
	BallotID       int64                    `json:"ballot_id"`
	Status         string                   `json:"status"`
	Result         *string                  `json:"result"`
	TalliesVisible bool                     `json:"tallies_visible"`
	Tallies        map[string]groupTallyOut `json:"tallies"`
}

// sse writes one event and pushes it to the client. Each write gets its
// own deadline, because the server's WriteTimeout is meant for ordinary
// responses and would cut a stream after two minutes.
type sse struct {
	w  gin.ResponseWriter
	rc *http.ResponseController
}

func (e sse) send(event string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("live: encode %s: %w", event, err)
	}
	return e.raw(fmt.Sprintf("event: %s\ndata: %s\n\n", event, b))
}

func (e sse) raw(s string) error {
	if err := e.rc.SetWriteDeadline(time.Now().Add(2 * liveHeartbeat)); err != nil {
		return fmt.Errorf("live: write deadline: %w", err)
	}
	if _, err := e.w.WriteString(s); err != nil {
		return fmt.Errorf("live: write: %w", err)
	}
	e.w.Flush()
	return nil
}

// resolveSession looks a session up for the middleware. A live stream
// does not count as activity: it is a page left open, and the browser
// reconnects it by itself, so touching the session would keep an
// unattended screen signed in for as long as the tab stays open.
func (s *Server) resolveSession(c *gin.Context, token string) (*models.Session, *models.User, error) {
	if isStreamed(c.FullPath()) {
		return s.store.PeekSession(c.Request.Context(), token)
	}
	// The history's size is read first: while it stays the same, the
	// store can give a remembered session without the database, and the
	// version page reuses the size for its own copy (historySize).
	size, err := s.store.AuditSize(c.Request.Context())
	if err != nil {
		return nil, nil, err
	}
	c.Set(ctxHistorySize, size)
	return s.store.SessionAt(c.Request.Context(), token, size)
}

// historySize is the history's size read at the start of this request, or
// read now if the request had no session to resolve.
func (s *Server) historySize(c *gin.Context) (int64, error) {
	if v, ok := c.Get(ctxHistorySize); ok {
		return v.(int64), nil
	}
	return s.store.AuditSize(c.Request.Context())
}

func (s *Server) apiVersionLive(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	// Only an event-stream client (EventSource sends this header) gets a
	// stream that never ends; anything else — a prefetcher, a script that
	// reads to the end — is told what to ask for instead of hanging.
	if !strings.Contains(c.GetHeader("Accept"), "text/event-stream") {
		s.fail(c, models.Errorf(models.KindBadRequest, "event_stream_only", "This is a server-sent event stream; ask with Accept: text/event-stream."))
		return
	}
	ctx := c.Request.Context()
	subCtx, cancel := context.WithTimeout(ctx, liveSubscribeWait)
	sub, err := s.store.SubscribeLive(subCtx)
	cancel()
	if err != nil {
		s.fail(c, err)
		return
	}
	defer sub.Close()

	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // a buffering proxy would hold events back
	c.Status(http.StatusOK)
	out := sse{w: c.Writer, rc: http.NewResponseController(c.Writer)}
	if err := out.raw(fmt.Sprintf("retry: %d\n\n", liveRetryMillis)); err != nil {
		return // the client went away
	}
	if err := out.send("ready", gin.H{"version_id": v.ID}); err != nil {
		return
	}
	heartbeat := time.NewTicker(liveHeartbeat)
	defer heartbeat.Stop()
	maxAge := time.NewTimer(liveMaxAge)
	defer maxAge.Stop()
	token := c.GetString(ctxToken)
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-s.live.ctx.Done():
			_ = out.send("bye", gin.H{"reason": "shutdown"}) // best effort: the server is going down
			return
		case <-maxAge.C:
			_ = out.send("bye", gin.H{"reason": "reconnect"}) // best effort: the browser reconnects either way
			return
		case <-heartbeat.C:
			if _, _, serr := s.store.PeekSession(ctx, token); serr != nil {
				if models.ErrorKind(serr) != models.KindNotFound {
					s.log.Error("live: check session", "request_id", requestIDOf(c), "err", serr)
				}
				_ = out.send("bye", gin.H{"reason": "signed_out"}) // best effort: the stream ends here
				return
			}
			err = out.raw(": ping\n\n")
		case ev, ok := <-sub.Events():
			batch, open := drainLive(ev, ok, sub)
			if err = s.sendLive(ctx, out, v.ID, batch); err == nil && !open {
				// Dropped for falling behind, or the store is closing:
				// whatever was missed, the page should reload.
				_ = out.send("resync", gin.H{}) // best effort before ending
				return
			}
		}
		if err != nil {
			if ctx.Err() == nil {
				s.log.Info("live stream ended", "request_id", requestIDOf(c), "err", err)
			}
			return
		}
	}
}

// drainLive takes ev and whatever else is already queued, so a burst (a
// wave of votes) costs one read of each ballot instead of one per vote.
// open is false once the subscription has been closed.
func drainLive(ev models.LiveEvent, ok bool, sub *models.LiveSubscription) (batch []models.LiveEvent, open bool) {
	if !ok {
		return nil, false
	}
	batch = append(batch, ev)
	for {
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				return batch, false
			}
			batch = append(batch, ev)
		default:
			return batch, true
		}
	}
}

// sendLive forwards a batch in order. A ballot event is sent only for the
// last event of its ballot in the batch: it carries the ballot's current
// state, which already includes the earlier changes.
func (s *Server) sendLive(ctx context.Context, out sse, versionID int64, batch []models.LiveEvent) error {
	last := map[int64]int{}
	for i, ev := range batch {
		if ev.Kind == models.LiveBallot {
			last[ev.BallotID] = i
		}
	}
	for i, ev := range batch {
		if ev.Kind == models.LiveBallot && last[ev.BallotID] != i {
			continue
		}
		if err := s.sendOne(ctx, out, versionID, ev); err != nil {
			return err
		}
	}
	return nil
}

// sendOne forwards one event if it concerns the streamed version.
func (s *Server) sendOne(ctx context.Context, out sse, versionID int64, ev models.LiveEvent) error {
	switch {
	case ev.Kind == models.LiveResync:
		return out.send("resync", gin.H{})
	case ev.VersionID != versionID:
		return nil
	case ev.Kind == models.LiveComment:
		return out.send("comment", liveCommentJSON{Action: ev.Action, VersionID: ev.VersionID, CommentID: ev.CommentID})
	case ev.Kind == models.LiveBallot:
		b, err := s.store.BallotByID(ctx, ev.BallotID)
		if err != nil {
			return fmt.Errorf("live: ballot %d: %w", ev.BallotID, err)
		}
		o, err := s.store.BallotOutcome(ctx, b)
		if err != nil {
			return fmt.Errorf("live: count ballot %d: %w", ev.BallotID, err)
		}
		j := liveBallotJSON{Action: ev.Action, VersionID: b.VersionID, BallotID: b.ID, Status: b.Status,
			TalliesVisible: talliesVisible(b), Tallies: tallyJSON(b, o)}
		if b.Result != "" {
			j.Result = ptr(b.Result)
		}
		return out.send("ballot", j)
	}
	return nil
}
