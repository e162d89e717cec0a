package models

// Live updates: store methods that change something a reader is looking at
// (comments, ballot progress) emit a LiveEvent inside their transaction,
// and the server streams those events to open pages (server/live.go).
//
// Delivery is at most once and only a hint: an event says "version 7 has a
// new comment" or "ballot 3 changed", never the content, and the page that
// receives it fetches what the viewer may see through the ordinary,
// authorised read paths. A lost event costs a reload, never correctness.
//
// How an event travels depends on the engine:
//
//   - SQLite: the transaction queues its events and the store hands them to
//     the in-process hub after a successful commit. SQLite is meant for one
//     server process, so in-process is all there is.
//   - PostgreSQL: the transaction itself runs SELECT pg_notify(channel,
//     payload). PostgreSQL delivers a notification only when (and if) the
//     transaction commits, in commit order, to every session that LISTENs
//     on the channel — so every instance, including the one that made the
//     change, learns of it the same way, and a rolled-back change never
//     notifies. Each store keeps one dedicated pgx connection that LISTENs
//     (started by the first subscriber) and reconnects with backoff when
//     it is lost; after a reconnect subscribers get a resync event, because
//     notifications sent while nobody listened are gone.
//
// The channel name is derived from the database and schema, because
// notifications are database-wide: two deployments (or two test schemas)
// in one database must not hear each other.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// Kinds of live events.
const (
	LiveComment = "comment" // a comment on VersionID was created, edited, withdrawn or answered
	LiveBallot  = "ballot"  // ballot BallotID on VersionID was opened, voted in, changed or closed
	// LiveResync says events may have been missed (the listener
	// reconnected); a page should reload what it shows.
	LiveResync = "resync"
)

// LiveEvent names what changed, never its content: readers re-read it
// through the authorised paths. It must stay well under PostgreSQL's 8000
// byte NOTIFY payload limit, which ids and an action name always are.
type LiveEvent struct {
	Kind      string `json:"kind"`
	Action    string `json:"action,omitempty"`
	VersionID int64  `json:"version_id,omitempty"`
	CommentID int64  `json:"comment_id,omitempty"`
	BallotID  int64  `json:"ballot_id,omitempty"`
}

// liveBuffer is how many undelivered events one subscriber may hold. A
// subscriber that falls this far behind is dropped (its channel closed) so
// one stalled browser never slows the others or the writers.
const liveBuffer = 256

// liveHub fans events out to this process's subscribers and, on
// PostgreSQL, owns the LISTEN connection.
type liveHub struct {
	log     *slog.Logger
	dialect Dialect
	dsn     string
	channel string

	mu      sync.Mutex
	subs    map[*LiveSubscription]struct{}
	started bool
	closed  bool
	ready   chan struct{} // closed once events can be received
	stop    context.CancelFunc
	done    chan struct{}
}

// LiveSubscription receives live events until Close. Its channel is closed
// when the subscriber fell too far behind or the store closed: the reader
// should end its stream and let the client reconnect.
type LiveSubscription struct {
	hub *liveHub
	ch  chan LiveEvent
}

// Events is the subscription's stream.
func (sub *LiveSubscription) Events() <-chan LiveEvent { return sub.ch }

// Close ends the subscription; it is safe to call more than once.
func (sub *LiveSubscription) Close() { sub.hub.remove(sub) }

type pendingLiveKey struct{}

// pendingLive collects a SQLite transaction's events until it commits.
type pendingLive struct {
	mu     sync.Mutex
	events []LiveEvent
}

func (p *pendingLive) add(ev LiveEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = append(p.events, ev)
}

// initLive prepares the hub; on PostgreSQL it names the channel after the
// database and schema the store is bound to.
func (s *Store) initLive(ctx context.Context, dsn string) error {
	h := &liveHub{log: s.log, dialect: s.dialect, dsn: dsn, subs: map[*LiveSubscription]struct{}{}, ready: make(chan struct{}), done: make(chan struct{})}
	if s.dialect == Postgres {
		var where struct {
			DB     string
			Schema *string
		}
		if err := s.db.WithContext(ctx).Raw("SELECT current_database() AS db, current_schema() AS schema").Scan(&where).Error; err != nil {
			return fmt.Errorf("live updates: name the channel: %w", err)
		}
		schema := "public"
		if where.Schema != nil {
			schema = *where.Schema
		}
		sum := sha256.Sum256([]byte(where.DB + "." + schema))
		h.channel = "roundtable_live_" + hex.EncodeToString(sum[:8])
	} else {
		close(h.ready) // the in-process hub needs no connection
	}
	s.live = h
	return nil
}

// LiveChannel is the PostgreSQL NOTIFY channel of this store ("" on SQLite).
func (s *Store) LiveChannel() string { return s.live.channel }

// emit queues ev to be published when tx commits. On PostgreSQL the
// notification is part of the transaction; on SQLite tx's context carries
// the queue that Store.tx publishes after commit. A failure to notify
// fails the change: errors are not swallowed, and on PostgreSQL a
// failing pg_notify means the transaction could not commit anyway.
func (s *Store) emit(tx *gorm.DB, ev LiveEvent) error {
	if s.dialect == Postgres {
		payload, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("live %s: encode: %w", ev.Kind, err)
		}
		if err := tx.Exec("SELECT pg_notify(?, ?)", s.live.channel, string(payload)).Error; err != nil {
			return fmt.Errorf("live %s: notify: %w", ev.Kind, err)
		}
		return nil
	}
	if p, ok := tx.Statement.Context.Value(pendingLiveKey{}).(*pendingLive); ok {
		p.add(ev)
	}
	return nil
}

// withPendingLive gives a transaction's context a queue for emit.
func withPendingLive(ctx context.Context) (context.Context, *pendingLive) {
	p := &pendingLive{}
	return context.WithValue(ctx, pendingLiveKey{}, p), p
}

// committed publishes a committed SQLite transaction's events in-process.
// PostgreSQL transactions leave the queue empty: LISTEN delivers theirs.
func (h *liveHub) committed(p *pendingLive) {
	p.mu.Lock()
	evs := p.events
	p.events = nil
	p.mu.Unlock()
	for _, ev := range evs {
		h.deliver(ev)
	}
}

// SubscribeLive returns a subscription to every live event of this
// database. On PostgreSQL the first subscriber starts the listener, and
// SubscribeLive waits (bounded by ctx) until it listens, so an event that
// follows a successful subscribe is never missed.
func (s *Store) SubscribeLive(ctx context.Context) (*LiveSubscription, error) {
	h := s.live
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, Errorf(KindUnavailable, "shutting_down", "The server is shutting down.")
	}
	if h.dialect == Postgres && !h.started {
		h.started = true
		lctx, cancel := context.WithCancel(context.Background())
		h.stop = cancel
		go h.listen(lctx)
	}
	sub := &LiveSubscription{hub: h, ch: make(chan LiveEvent, liveBuffer)}
	h.subs[sub] = struct{}{}
	h.mu.Unlock()
	select {
	case <-h.ready:
		return sub, nil
	case <-ctx.Done():
		sub.Close()
		return nil, &Error{Kind: KindUnavailable, Code: "live_unavailable", Message: "Live updates are not available right now.", Err: ctx.Err()}
	}
}

// deliver hands ev to every subscriber without ever blocking: one whose
// buffer is full is dropped and its channel closed.
func (h *liveHub) deliver(ev LiveEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		select {
		case sub.ch <- ev:
		default:
			delete(h.subs, sub)
			close(sub.ch)
		}
	}
}

// remove drops a subscriber; whoever removes it from the map closes its
// channel, so the channel is closed exactly once.
func (h *liveHub) remove(sub *LiveSubscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[sub]; ok {
		delete(h.subs, sub)
		close(sub.ch)
	}
}

// close ends every subscription and stops the listener.
func (h *liveHub) close() {
	h.mu.Lock()
	h.closed = true
	for sub := range h.subs {
		delete(h.subs, sub)
		close(sub.ch)
	}
	stop, started := h.stop, h.started
	h.mu.Unlock()
	if started {
		stop()
		<-h.done
	}
}

// listen keeps one LISTEN connection open until ctx ends, reconnecting
// with capped exponential backoff.
func (h *liveHub) listen(ctx context.Context) {
	defer close(h.done)
	first := true
	backoff := 100 * time.Millisecond
	for {
		err := h.listenOnce(ctx, func() {
			backoff = 100 * time.Millisecond
			if first {
				first = false
				close(h.ready)
				return
			}
			h.log.Info("live updates: listening again")
			h.deliver(LiveEvent{Kind: LiveResync})
		})
		if ctx.Err() != nil {
			return
		}
		h.log.Warn("live updates: listener lost its connection; reconnecting", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

// listenOnce connects, LISTENs and relays notifications until the
// connection fails or ctx ends.
func (h *liveHub) listenOnce(ctx context.Context, listening func()) error {
	conn, err := pgx.Connect(ctx, h.dsn)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = conn.Close(cctx) // the connection is being abandoned either way
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{h.channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		var ev LiveEvent
		if err := json.Unmarshal([]byte(n.Payload), &ev); err != nil || ev.Kind == "" {
			h.log.Warn("live updates: ignored a malformed notification", "channel", n.Channel, "err", err)
			continue
		}
		h.deliver(ev)
	}
}
