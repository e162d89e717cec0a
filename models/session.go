package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Actor is who does something and from where; every audit event names one.
// A zero UserID is the system or an anonymous visitor.
type Actor struct {
	UserID    int64
	Role      string
	RequestID string
	IP        string
}

// ActorFor builds the actor for a signed-in user's request.
func ActorFor(u *User, requestID, ip string) Actor {
	if u == nil {
		return Actor{Role: "anonymous", RequestID: requestID, IP: ip}
	}
	return Actor{UserID: u.ID, Role: u.Role, RequestID: requestID, IP: ip}
}

// SystemActor is used for work no person asked for (seeding, timers).
func SystemActor() Actor { return Actor{Role: "system"} }

// Session lifetimes: idle expiry protects an unattended screen, the
// absolute limit bounds how long a stolen cookie is useful.
const (
	SessionIdle     = 4 * time.Hour
	SessionAbsolute = 24 * time.Hour
	// touching last_seen_at on every request would turn every read into a
	// write; once a minute is precise enough for idle expiry.
	sessionTouchEvery = time.Minute
)

// Session is a server-side session. ID is the SHA-256 of the cookie token,
// so a leaked database does not leak live cookies.
type Session struct {
	ID         string
	UserID     int64
	CSRFToken  string `gorm:"column:csrf_token"`
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func tokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CheckCSRF compares a submitted token with the session's in constant time.
// It takes the token as issued or masked (MaskCSRF).
func (se *Session) CheckCSRF(token string) bool {
	if se == nil || token == "" {
		return false
	}
	if plain, ok := unmaskCSRF(token); ok {
		token = plain
	}
	return subtle.ConstantTimeCompare([]byte(token), []byte(se.CSRFToken)) == 1
}

// maskedPrefix marks a masked token; issued tokens are base64url and never
// contain a dot.
const maskedPrefix = "m."

// MaskCSRF returns the session's token in a form that differs on every
// call: a random pad and the token XORed with it. A compressed page that
// carries the token next to text an attacker can choose (a comment, the
// address) would otherwise let response sizes reveal it bit by bit
// (BREACH); a fresh pad per response leaves nothing to converge on.
func (se *Session) MaskCSRF() (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(se.CSRFToken)
	if err != nil {
		return "", fmt.Errorf("mask csrf token: %w", err)
	}
	buf := make([]byte, 2*len(raw))
	if _, err := rand.Read(buf[:len(raw)]); err != nil {
		return "", fmt.Errorf("mask csrf token: %w", err)
	}
	for i, b := range raw {
		buf[len(raw)+i] = b ^ buf[i]
	}
	return maskedPrefix + base64.RawURLEncoding.EncodeToString(buf), nil
}

func unmaskCSRF(token string) (string, bool) {
	rest, ok := strings.CutPrefix(token, maskedPrefix)
	if !ok {
		return "", false
	}
	buf, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(buf) == 0 || len(buf)%2 != 0 {
		return "", false
	}
	half := len(buf) / 2
	raw := make([]byte, half)
	for i := range raw {
		raw[i] = buf[i] ^ buf[half+i]
	}
	return base64.RawURLEncoding.EncodeToString(raw), true
}

func (s *Store) newSession(tx *gorm.DB, userID int64) (token string, se *Session, err error) {
	token, err = randomToken()
	if err != nil {
		return "", nil, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", nil, err
	}
	now := s.Now()
	se = &Session{ID: tokenID(token), UserID: userID, CSRFToken: csrf, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionAbsolute)}
	if err := tx.Create(se).Error; err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	return token, se, nil
}

// SessionByToken resolves a cookie to its session and active user. An
// expired or unknown token gives ErrNotFound; the caller treats the
// request as anonymous.
func (s *Store) SessionByToken(ctx context.Context, token string) (*Session, *User, error) {
	return s.sessionByToken(ctx, token, true)
}

// SessionAt is SessionByToken for a caller that read the history's size
// (AuditSize) just before. A session resolved at that size is remembered
// and given again, without the database, while the size is the same, the
// session has not expired and no activity touch is due. Every change that
// can end a session or alter its person (sign-out, a new sign-in ending
// the old session, an account's update, deactivation or password reset)
// appends an audit event and so moves the size: a remembered session is
// never one that the database no longer holds, on this instance or any
// other. The one personal field that moves without an event, the feed's
// last-seen mark, is read by Feed itself.
func (s *Store) SessionAt(ctx context.Context, token string, size int64) (*Session, *User, error) {
	if token == "" {
		return nil, nil, ErrNotFound
	}
	id := tokenID(token)
	if se, u, ok := s.sessions.get(id, size, s.Now()); ok {
		return se, u, nil
	}
	se, u, err := s.SessionByToken(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	s.sessions.put(id, size, se, u)
	return se, u, nil
}

// sessionMemo backs SessionAt.
type sessionMemo struct {
	mu sync.Mutex
	m  map[string]rememberedSession // by session id (the token's hash)
}

type rememberedSession struct {
	size int64
	se   Session
	u    User
}

// maxRememberedSessions bounds the memo; past it, it starts afresh.
const maxRememberedSessions = 10_000

func (m *sessionMemo) get(id string, size int64, now time.Time) (*Session, *User, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.m[id]
	// A touch due (or an expiry) needs the database; so does any change.
	if !ok || r.size != size || now.After(r.se.ExpiresAt) || now.Sub(r.se.LastSeenAt) > sessionTouchEvery {
		return nil, nil, false
	}
	// Copies: a handler may not change what the next request gets.
	se, u := r.se, r.u
	return &se, &u, true
}

func (m *sessionMemo) put(id string, size int64, se *Session, u *User) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil || len(m.m) >= maxRememberedSessions {
		m.m = map[string]rememberedSession{}
	}
	m.m[id] = rememberedSession{size: size, se: *se, u: *u}
}

// PeekSession is SessionByToken without counting as activity: an open
// page's live-update stream (and its automatic reconnects) must not keep
// an unattended screen signed in past the idle limit.
func (s *Store) PeekSession(ctx context.Context, token string) (*Session, *User, error) {
	return s.sessionByToken(ctx, token, false)
}

func (s *Store) sessionByToken(ctx context.Context, token string, touch bool) (*Session, *User, error) {
	if token == "" {
		return nil, nil, ErrNotFound
	}
	db := s.db.WithContext(ctx)
	se, u, err := s.sessionRow(db, tokenID(token))
	if err != nil {
		return nil, nil, err
	}
	now := s.Now()
	if now.After(se.ExpiresAt) || now.Sub(se.LastSeenAt) > SessionIdle {
		if err := db.Where("id = ?", se.ID).Delete(&Session{}).Error; err != nil {
			return nil, nil, fmt.Errorf("drop expired session: %w", err)
		}
		return nil, nil, ErrNotFound
	}
	if !u.Active {
		return nil, nil, ErrNotFound
	}
	if touch && now.Sub(se.LastSeenAt) > sessionTouchEvery {
		// A database that cannot store (read-only, full) still lets people
		// read; only the idle clock stops for a while.
		if err := db.Model(&Session{}).Where("id = ?", se.ID).Update("last_seen_at", now).Error; err != nil {
			var storage *Error
			if !errors.As(storageError(err), &storage) {
				return nil, nil, fmt.Errorf("touch session: %w", err)
			}
		} else {
			se.LastSeenAt = now
		}
	}
	return se, u, nil
}

// sessionRow reads a session with its person and their group in one
// statement. Every request asks it, and the ORM's two model queries cost
// half of a cached page read; the columns are named here, so a field added
// to User or Group must be added below as well (TestSessionCarriesTheGroup
// compares the result with the ORM's).
func (s *Store) sessionRow(db *gorm.DB, id string) (*Session, *User, error) {
	se := &Session{ID: id}
	u := &User{}
	var g struct {
		ID, CouncilID, Position sql.NullInt64
		Key, NameKo, NameEn     sql.NullString
		Votes                   sql.NullBool
	}
	err := db.Raw(`SELECT s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at,
		u.id, u.council_id, u.email, u.name, u.role, u.group_id, u.organisation, u.password_hash, u.active,
		u.last_seen_seq, u.created_at, u.updated_at,
		g.id, g.council_id, g."key", g.name_ko, g.name_en, g.votes, g."position"
		FROM sessions s JOIN users u ON u.id = s.user_id
		LEFT JOIN stakeholder_groups g ON g.id = u.group_id
		WHERE s.id = ?`, id).Row().Scan(
		&se.UserID, &se.CSRFToken, &se.CreatedAt, &se.LastSeenAt, &se.ExpiresAt,
		&u.ID, &u.CouncilID, &u.Email, &u.Name, &u.Role, &u.GroupID, &u.Organisation, &u.PasswordHash, &u.Active,
		&u.LastSeenSeq, &u.CreatedAt, &u.UpdatedAt,
		&g.ID, &g.CouncilID, &g.Key, &g.NameKo, &g.NameEn, &g.Votes, &g.Position)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load session: %w", err)
	}
	if g.ID.Valid {
		u.Group = &Group{ID: g.ID.Int64, CouncilID: g.CouncilID.Int64, Key: g.Key.String, NameKo: g.NameKo.String,
			NameEn: g.NameEn.String, Votes: g.Votes.Bool, Position: int(g.Position.Int64)}
	}
	return se, u, nil
}

// Logout ends one session and records it.
func (s *Store) Logout(ctx context.Context, actor Actor, token string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ?", tokenID(token)).Delete(&Session{})
		if res.Error != nil {
			return fmt.Errorf("delete session: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		return s.record(tx, actor, "session.logout", "user", actor.UserID, nil)
	})
}

// PurgeExpired removes dead sessions and old login failures; the server
// calls it on a timer.
func (s *Store) PurgeExpired(ctx context.Context) error {
	now := s.Now()
	db := s.db.WithContext(ctx)
	if err := db.Where("expires_at < ? OR last_seen_at < ?", now, now.Add(-SessionIdle)).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("purge sessions: %w", err)
	}
	if err := db.Where("at < ?", now.Add(-loginWindow)).Delete(&loginFailure{}).Error; err != nil {
		return fmt.Errorf("purge login failures: %w", err)
	}
	return purgeRateEvents(db, now)
}
