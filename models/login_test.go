package models_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"roundtable/models"
	"roundtable/models/storetest"
)

// clock is a movable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func demoWithClock(t *testing.T, d models.Dialect) (*models.Store, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2022, 11, 1, 9, 0, 0, 0, time.UTC)}
	st := storetest.Open(t, d, storetest.Options{Now: clk.Now})
	if err := st.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st, clk
}

func TestLoginOutcomesAreRecorded(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			st, _ := demoWithClock(t, d)
			ctx := context.Background()
			meta := models.Actor{IP: "192.0.2.1", RequestID: "req-login-1"}
			if _, err := st.Login(ctx, "nobody@example.org", "whatever-pw", meta); !errors.Is(err, models.ErrInvalidCredentials) {
				t.Fatalf("unknown account: %v", err)
			}
			if _, err := st.Login(ctx, "merchant1@example.org", "wrong-password", meta); !errors.Is(err, models.ErrInvalidCredentials) {
				t.Fatalf("wrong password: %v", err)
			}
			res, err := st.Login(ctx, " MERCHANT1@example.org ", models.DemoPassword, meta)
			if err != nil {
				t.Fatalf("right password: %v", err)
			}
			if res.User.Email != "merchant1@example.org" || res.Token == "" || res.Session.CSRFToken == "" {
				t.Fatalf("login result %+v", res)
			}
			failed, _ := st.AuditEvents(ctx, models.AuditFilter{Action: "session.login_failed"})
			if len(failed) != 2 {
				t.Fatalf("want 2 failed-login events, got %d", len(failed))
			}
			if failed[0].ActorID != nil || failed[0].Data != `{"reason":"unknown_account"}` || failed[0].IP != "192.0.2.1" {
				t.Errorf("unknown-account event = %+v", failed[0])
			}
			if failed[1].ActorID == nil || *failed[1].ActorID != res.User.ID || failed[1].Data != `{"reason":"wrong_password"}` {
				t.Errorf("wrong-password event = %+v", failed[1])
			}
			ok, _ := st.AuditEvents(ctx, models.AuditFilter{Action: "session.login"})
			if len(ok) != 1 || ok[0].RequestID != "req-login-1" {
				t.Fatalf("login events = %+v", ok)
			}
		})
	}
}

func TestLoginThrottling(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			st, clk := demoWithClock(t, d)
			ctx := context.Background()
			office := models.Actor{IP: "198.51.100.7"}
			for i := 0; i < 5; i++ {
				if _, err := st.Login(ctx, "consumer1@example.org", "typo-password", office); !errors.Is(err, models.ErrInvalidCredentials) {
					t.Fatalf("attempt %d: %v", i+1, err)
				}
			}
			// Even the right password is refused while the account is throttled.
			if _, err := st.Login(ctx, "consumer1@example.org", models.DemoPassword, office); !errors.Is(err, models.ErrTooManyAttempts) {
				t.Fatalf("sixth attempt: %v", err)
			}
			// One person's typos never lock out a colleague behind the same address.
			if _, err := st.Login(ctx, "consumer2@example.org", models.DemoPassword, office); err != nil {
				t.Fatalf("colleague behind the same address: %v", err)
			}
			throttled, _ := st.AuditEvents(ctx, models.AuditFilter{Action: "session.login_throttled"})
			if len(throttled) != 1 {
				t.Fatalf("want 1 throttled event, got %d", len(throttled))
			}
			// The window passes.
			clk.Add(16 * time.Minute)
			if _, err := st.Login(ctx, "consumer1@example.org", models.DemoPassword, office); err != nil {
				t.Fatalf("after the window: %v", err)
			}
		})
	}
}

func TestLoginThrottlingPerAddress(t *testing.T) {
	st, _ := demoWithClock(t, models.SQLite)
	ctx := context.Background()
	attacker := models.Actor{IP: "203.0.113.9"}
	// A guessing run spreads over many accounts to stay under the
	// per-account bar; the per-address bar catches it.
	for i := 0; i < 100; i++ {
		_, err := st.Login(ctx, fmt.Sprintf("guess%d@example.org", i%40), "guess", attacker)
		if !errors.Is(err, models.ErrInvalidCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if _, err := st.Login(ctx, "merchant2@example.org", models.DemoPassword, attacker); !errors.Is(err, models.ErrTooManyAttempts) {
		t.Fatalf("after 100 failures from one address: %v", err)
	}
	if _, err := st.Login(ctx, "merchant2@example.org", models.DemoPassword, models.Actor{IP: "192.0.2.50"}); err != nil {
		t.Fatalf("same account from another address: %v", err)
	}
}

func TestSessionExpiry(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			st, clk := demoWithClock(t, d)
			ctx := context.Background()
			res, err := st.Login(ctx, "expert1@example.org", models.DemoPassword, models.Actor{})
			if err != nil {
				t.Fatal(err)
			}
			// Activity keeps the session alive past the idle limit…
			for i := 0; i < 5; i++ {
				clk.Add(3 * time.Hour)
				if _, _, err := st.SessionByToken(ctx, res.Token); err != nil {
					t.Fatalf("active session ended after %d×3h: %v", i+1, err)
				}
			}
			// …but never past the absolute limit.
			clk.Add(10 * time.Hour)
			if _, _, err := st.SessionByToken(ctx, res.Token); models.ErrorKind(err) != models.KindNotFound {
				t.Fatalf("session outlived the absolute limit: %v", err)
			}
			// Idle expiry.
			res, _ = st.Login(ctx, "expert1@example.org", models.DemoPassword, models.Actor{})
			clk.Add(models.SessionIdle + time.Minute)
			if _, _, err := st.SessionByToken(ctx, res.Token); models.ErrorKind(err) != models.KindNotFound {
				t.Fatalf("idle session survived: %v", err)
			}
			if _, _, err := st.SessionByToken(ctx, "forged-token"); models.ErrorKind(err) != models.KindNotFound {
				t.Fatalf("forged token: %v", err)
			}
			// Logout ends it.
			res, _ = st.Login(ctx, "expert1@example.org", models.DemoPassword, models.Actor{})
			if err := st.Logout(ctx, models.ActorFor(res.User, "", ""), res.Token); err != nil {
				t.Fatal(err)
			}
			if _, _, err := st.SessionByToken(ctx, res.Token); models.ErrorKind(err) != models.KindNotFound {
				t.Fatalf("session survived logout: %v", err)
			}
			if err := st.PurgeExpired(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A session brings its person with their group: members have one, the
// other roles none (nil, not an empty group).
func TestSessionCarriesTheGroup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		if err := st.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ email, group string }{
			{"consumer2@example.org", "consumer"},
			{"expert1@example.org", "expert"},
			{"secretariat@example.org", ""},
			{"auditor@example.org", ""},
		} {
			res, err := st.Login(ctx, tc.email, models.DemoPassword, models.Actor{})
			if err != nil {
				t.Fatal(err)
			}
			_, u, err := st.SessionByToken(ctx, res.Token)
			if err != nil {
				t.Fatal(err)
			}
			if u.Email != tc.email {
				t.Fatalf("session of %s brought %s", tc.email, u.Email)
			}
			// The session's hand-written read sees what the ORM sees.
			want, err := st.UserByID(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(u, want) {
				t.Errorf("%s: session brought\n%+v (group %+v)\nthe ORM reads\n%+v (group %+v)", tc.email, u, u.Group, want, want.Group)
			}
			switch {
			case tc.group == "" && u.Group != nil:
				t.Errorf("%s: group %+v, want none", tc.email, u.Group)
			case tc.group != "" && (u.Group == nil || u.Group.Key != tc.group):
				t.Errorf("%s: group %+v, want %s", tc.email, u.Group, tc.group)
			}
		}
	})
}

// A masked CSRF token differs on every call and is accepted for its own
// session only; anything malformed is refused.
func TestMaskedCSRFToken(t *testing.T) {
	se := &models.Session{CSRFToken: "q2Ck3mWc0HkK2JQk0mK7d3vGgk1A3wq3mP7eVZlWbqA"}
	other := &models.Session{CSRFToken: "b5Zb8m2X0yQH2pQk9mK1d3vGgk1A3wq3mP7eVZlWbqB"}
	a, err := se.MaskCSRF()
	if err != nil {
		t.Fatal(err)
	}
	b, err := se.MaskCSRF()
	if err != nil {
		t.Fatal(err)
	}
	if a == b || strings.Contains(a, se.CSRFToken) {
		t.Fatalf("masks %q and %q: each must differ and hide the token", a, b)
	}
	flipped := []byte(a)
	flipped[len(flipped)-3] ^= 1
	for _, tc := range []struct {
		token string
		want  bool
	}{
		{se.CSRFToken, true},
		{a, true},
		{b, true},
		{string(flipped), false},
		{"m.", false},
		{"m.!!!!", false},
		{"m." + strings.Repeat("A", 85), false},
		{"", false},
	} {
		if got := se.CheckCSRF(tc.token); got != tc.want {
			t.Errorf("CheckCSRF(%q) = %v, want %v", tc.token, got, tc.want)
		}
	}
	if other.CheckCSRF(a) {
		t.Error("another session accepted this session's masked token")
	}
}

// A remembered session is given only while the history's size is the one
// it was resolved at, and never past a sign-out, a deactivation or the
// next activity touch.
func TestRememberedSessions(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			st, clk := demoWithClock(t, d)
			ctx := context.Background()
			admin, err := st.Login(ctx, "admin@example.org", models.DemoPassword, models.Actor{})
			if err != nil {
				t.Fatal(err)
			}
			adminActor := models.Actor{UserID: admin.User.ID, Role: admin.User.Role}
			res, err := st.Login(ctx, "consumer1@example.org", models.DemoPassword, models.Actor{})
			if err != nil {
				t.Fatal(err)
			}
			size := func() int64 {
				n, err := st.AuditSize(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			n := size()
			if _, _, err := st.SessionAt(ctx, res.Token, n); err != nil {
				t.Fatal(err)
			}
			// Removed behind the store's back (no event): still remembered
			// at the same size, which is what proves the memory is used…
			if err := st.DB().Exec("DELETE FROM sessions WHERE user_id = ?", res.User.ID).Error; err != nil {
				t.Fatal(err)
			}
			se, u, err := st.SessionAt(ctx, res.Token, n)
			if err != nil || u.Email != "consumer1@example.org" || se.CSRFToken != res.Session.CSRFToken {
				t.Fatalf("remembered session: %v %+v", err, u)
			}
			// …and a handler changing what it got changes nothing for the next.
			u.Role, se.CSRFToken = models.RoleAdmin, "changed"
			if se, u, _ := st.SessionAt(ctx, res.Token, n); u.Role != models.RoleMember || se.CSRFToken != res.Session.CSRFToken {
				t.Fatal("a remembered session was changed through a returned copy")
			}
			// …but at any other size the database decides.
			if _, _, err := st.SessionAt(ctx, res.Token, n+1); models.ErrorKind(err) != models.KindNotFound {
				t.Fatalf("at a new size: %v", err)
			}

			// Signing out moves the size, so the session is gone everywhere.
			res, _ = st.Login(ctx, "consumer1@example.org", models.DemoPassword, models.Actor{})
			if _, _, err := st.SessionAt(ctx, res.Token, size()); err != nil { // remembered now
				t.Fatal(err)
			}
			if err := st.Logout(ctx, models.Actor{UserID: res.User.ID, Role: res.User.Role}, res.Token); err != nil {
				t.Fatal(err)
			}
			if _, _, err := st.SessionAt(ctx, res.Token, size()); models.ErrorKind(err) != models.KindNotFound {
				t.Fatalf("after sign-out: %v", err)
			}

			// So does deactivating the person.
			res, _ = st.Login(ctx, "consumer1@example.org", models.DemoPassword, models.Actor{})
			if _, _, err := st.SessionAt(ctx, res.Token, size()); err != nil { // remembered now
				t.Fatal(err)
			}
			if _, err := st.SetUserActive(ctx, adminActor, res.User.ID, false); err != nil {
				t.Fatal(err)
			}
			if _, _, err := st.SessionAt(ctx, res.Token, size()); models.ErrorKind(err) != models.KindNotFound {
				t.Fatalf("after deactivation: %v", err)
			}
			if _, err := st.SetUserActive(ctx, adminActor, res.User.ID, true); err != nil {
				t.Fatal(err)
			}

			// A touch due goes to the database, which records the activity.
			res, _ = st.Login(ctx, "consumer1@example.org", models.DemoPassword, models.Actor{})
			n = size()
			if _, _, err := st.SessionAt(ctx, res.Token, n); err != nil { // remembered now
				t.Fatal(err)
			}
			clk.Add(2 * time.Minute)
			se, _, err = st.SessionAt(ctx, res.Token, n)
			if err != nil || !se.LastSeenAt.Equal(st.Now()) {
				t.Fatalf("after two quiet minutes: %v, last seen %v, now %v", err, se, st.Now())
			}
		})
	}
}
