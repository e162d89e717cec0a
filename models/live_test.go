package models_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"roundtable/models"
	"roundtable/models/auditlog"
	"roundtable/models/storetest"
)

// liveFixture is the demo council's published version 2, its draft
// version 3 and a member who may comment.
type liveFixture struct {
	published, draft int64
	member           models.Actor
}

func newLiveFixture(t *testing.T, st *models.Store) liveFixture {
	t.Helper()
	var f liveFixture
	db := st.DB()
	if err := db.Model(&models.Version{}).Select("MAX(id)").Where("status = ?", models.StatusPublished).Scan(&f.published).Error; err != nil || f.published == 0 {
		t.Fatalf("published version: %v", err)
	}
	if err := db.Model(&models.Version{}).Select("MAX(id)").Where("status = ?", models.StatusDraft).Scan(&f.draft).Error; err != nil || f.draft == 0 {
		t.Fatalf("draft version: %v", err)
	}
	users, err := st.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i := range users {
		if users[i].Email == "merchant2@example.org" {
			f.member = models.ActorFor(&users[i], "live-test", "127.0.0.1")
		}
	}
	if f.member.UserID == 0 {
		t.Fatal("no demo member")
	}
	return f
}

// nextEvent waits for one event; a closed subscription or a timeout fails.
func nextEvent(t *testing.T, sub *models.LiveSubscription, within time.Duration) models.LiveEvent {
	t.Helper()
	select {
	case ev, ok := <-sub.Events():
		if !ok {
			t.Fatal("the subscription was closed")
		}
		return ev
	case <-time.After(within):
		t.Fatalf("no live event within %s", within)
	}
	return models.LiveEvent{}
}

func subscribe(t *testing.T, st *models.Store) *models.LiveSubscription {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := st.SubscribeLive(ctx)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	t.Cleanup(sub.Close)
	return sub
}

// A committed change is announced once, after its commit; a refused one
// never is. The event after a refused change is the next real one, so
// nothing was announced in between.
func TestLiveEventsFollowCommits(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			st := storetest.Demo(t, d)
			f := newLiveFixture(t, st)
			sub := subscribe(t, st)
			ctx := context.Background()

			c, err := st.AddComment(ctx, f.member, f.published, models.CommentInput{Body: "실시간 알림 확인"})
			if err != nil {
				t.Fatal(err)
			}
			want := models.LiveEvent{Kind: models.LiveComment, Action: "comment.create", VersionID: f.published, CommentID: c.ID}
			if got := nextEvent(t, sub, 5*time.Second); got != want {
				t.Fatalf("event %+v, want %+v", got, want)
			}
			if _, err := st.AddComment(ctx, f.member, f.draft, models.CommentInput{Body: "초안에는 달 수 없다"}); models.ErrorKind(err) != models.KindConflict {
				t.Fatalf("comment on a draft: %v, want a conflict", err)
			}
			if _, err := st.EditComment(ctx, f.member, c.ID, "고친 의견"); err != nil {
				t.Fatal(err)
			}
			want = models.LiveEvent{Kind: models.LiveComment, Action: "comment.edit", VersionID: f.published, CommentID: c.ID}
			if got := nextEvent(t, sub, 5*time.Second); got != want {
				t.Fatalf("after a refused change: event %+v, want %+v", got, want)
			}
			select {
			case ev := <-sub.Events():
				t.Fatalf("unexpected extra event %+v", ev)
			case <-time.After(200 * time.Millisecond):
			}
		})
	}
}

// A subscriber that stops reading is dropped instead of blocking writers.
func TestLiveSlowSubscriberIsDropped(t *testing.T) {
	st := storetest.Demo(t, models.SQLite)
	f := newLiveFixture(t, st)
	sub := subscribe(t, st)
	ctx := context.Background()
	const posted = 300 // more than a subscriber's buffer
	for i := 0; i < posted; i++ {
		if _, err := st.AddComment(ctx, f.member, f.published, models.CommentInput{Body: fmt.Sprintf("의견 %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	timeout := time.After(10 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-sub.Events():
			if open {
				n++
			}
		case <-timeout:
			t.Fatalf("a stalled subscriber was not dropped after %d events", n)
		}
	}
	if n == 0 || n >= posted {
		t.Fatalf("a stalled subscriber received %d events before being dropped", n)
	}
	// Closing an already dropped subscription is harmless.
	sub.Close()
}

// openShared opens a second store on the database of dsn with the same key,
// as a second server instance would.
func openShared(t *testing.T, dsn, skey string) *models.Store {
	t.Helper()
	signer, vkey, err := auditlog.SignerFromKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	st, err := models.Open(context.Background(), dsn, models.Options{Logger: storetest.Logger(), Password: storetest.FastPasswords,
		Signer: signer, VerifierKey: vkey, MaxOpenConns: 4})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// On PostgreSQL a change made through one store reaches the subscribers of
// another store on the same schema, and a lost LISTEN connection comes
// back by itself, telling subscribers to resync.
func TestLiveAcrossStoresAndReconnect(t *testing.T) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		t.Skip("TEST_DATABASE_URL is not set")
	}
	dsn := storetest.DSN(t, models.Postgres)
	skey, _ := storetest.SigningKey(t)
	a := openShared(t, dsn, skey)
	if err := a.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := openShared(t, dsn, skey)
	// A store on another schema of the same database must hear nothing.
	other := storetest.Demo(t, models.Postgres)
	if a.LiveChannel() == other.LiveChannel() || a.LiveChannel() != b.LiveChannel() {
		t.Fatalf("channels: a %q, b %q, other schema %q", a.LiveChannel(), b.LiveChannel(), other.LiveChannel())
	}
	f := newLiveFixture(t, a)
	subB := subscribe(t, b)
	subOther := subscribe(t, other)
	ctx := context.Background()

	c, err := a.AddComment(ctx, f.member, f.published, models.CommentInput{Body: "다른 인스턴스로 전달"})
	if err != nil {
		t.Fatal(err)
	}
	if got := nextEvent(t, subB, 5*time.Second); got.CommentID != c.ID || got.Kind != models.LiveComment {
		t.Fatalf("b heard %+v, want comment %d", got, c.ID)
	}

	// Cut b's listener from the server side, as a failover or a proxy
	// timeout would.
	var cut int64
	if err := b.DB().Raw("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query = ?",
		`LISTEN "`+b.LiveChannel()+`"`).Scan(&cut).Error; err != nil || cut == 0 {
		t.Fatalf("terminate listeners: %d, %v", cut, err)
	}
	if got := nextEvent(t, subB, 15*time.Second); got.Kind != models.LiveResync {
		t.Fatalf("after the cut b heard %+v, want a resync", got)
	}
	c2, err := a.AddComment(ctx, f.member, f.published, models.CommentInput{Body: "다시 연결된 뒤"})
	if err != nil {
		t.Fatal(err)
	}
	if got := nextEvent(t, subB, 5*time.Second); got.CommentID != c2.ID {
		t.Fatalf("after reconnecting b heard %+v, want comment %d", got, c2.ID)
	}
	select {
	case ev := <-subOther.Events():
		t.Fatalf("a store on another schema heard %+v", ev)
	default:
	}
}
