package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Failed sign-ins are counted in the database, not in memory, so that every
// server instance sees the same counts. One person's typos lock only their
// own account; a whole office behind one address is locked only at a much
// higher bar that a typo storm never reaches but a password-guessing run does.
const (
	loginWindow        = 15 * time.Minute
	maxFailuresAccount = 5
	maxFailuresAddress = 100
)

type loginFailure struct {
	ID      int64
	Account string
	IP      string `gorm:"column:ip"`
	At      time.Time
}

func (loginFailure) TableName() string { return "login_failures" }

// accountKey hashes the typed e-mail so the table never holds what people
// type into the e-mail box (sometimes their password).
func accountKey(email string) string {
	sum := sha256.Sum256([]byte("login-account:" + normaliseEmail(email)))
	return hex.EncodeToString(sum[:])
}

// dummyHash keeps a failed look-up as slow as a wrong password, so timing
// does not tell whether an account exists.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2N6TRNBfHNkRkxU3bDpbo/lU3whHz/OJ7Fn8Qb4tCGI"

// LoginResult is what a successful sign-in yields.
type LoginResult struct {
	Token   string
	Session *Session
	User    *User
}

// Login checks the credentials, enforces the failure limits and starts a
// fresh session (a new id at every sign-in defeats session fixation).
func (s *Store) Login(ctx context.Context, email, password string, meta Actor) (*LoginResult, error) {
	// An empty field is a slip, not a guess: say what is missing and do
	// not count it towards the limits.
	if missing := missingCredentials(email, password); missing != nil {
		return nil, missing
	}
	db := s.db.WithContext(ctx)
	acct := accountKey(email)
	since := s.Now().Add(-loginWindow)
	var byAccount, byAddress int64
	if err := db.Model(&loginFailure{}).Where("account = ? AND at > ?", acct, since).Count(&byAccount).Error; err != nil {
		return nil, fmt.Errorf("count login failures: %w", err)
	}
	if err := db.Model(&loginFailure{}).Where("ip = ? AND at > ?", meta.IP, since).Count(&byAddress).Error; err != nil {
		return nil, fmt.Errorf("count login failures: %w", err)
	}

	var u User
	err := db.Preload("Group").Where("email = ?", normaliseEmail(email)).First(&u).Error
	found := err == nil
	if err != nil && !isNotFound(err) {
		return nil, fmt.Errorf("find account: %w", err)
	}
	if byAccount >= maxFailuresAccount || byAddress >= maxFailuresAddress {
		actor := meta
		if found {
			actor = Actor{UserID: u.ID, Role: u.Role, RequestID: meta.RequestID, IP: meta.IP}
		}
		if err := s.tx(ctx, func(tx *gorm.DB) error {
			return s.record(tx, actor, "session.login_throttled", "user", actor.UserID, nil)
		}); err != nil {
			return nil, err
		}
		return nil, ErrTooManyAttempts
	}

	hash := dummyHash
	if found {
		hash = u.PasswordHash
	}
	ok := checkPassword(hash, password) && found && u.Active
	if !ok {
		actor := meta
		reason := "unknown_account"
		if found {
			actor = Actor{UserID: u.ID, Role: u.Role, RequestID: meta.RequestID, IP: meta.IP}
			reason = "wrong_password"
			if !u.Active {
				reason = "inactive_account"
			}
		}
		err := s.tx(ctx, func(tx *gorm.DB) error {
			if err := tx.Create(&loginFailure{Account: acct, IP: meta.IP, At: s.Now()}).Error; err != nil {
				return fmt.Errorf("record login failure: %w", err)
			}
			return s.record(tx, actor, "session.login_failed", "user", actor.UserID, map[string]any{"reason": reason})
		})
		if err != nil {
			return nil, err
		}
		return nil, ErrInvalidCredentials
	}

	var res LoginResult
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("account = ?", acct).Delete(&loginFailure{}).Error; err != nil {
			return fmt.Errorf("clear login failures: %w", err)
		}
		token, se, err := s.newSession(tx, u.ID)
		if err != nil {
			return err
		}
		res = LoginResult{Token: token, Session: se, User: &u}
		return s.record(tx, Actor{UserID: u.ID, Role: u.Role, RequestID: meta.RequestID, IP: meta.IP}, "session.login", "user", u.ID, nil)
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

func missingCredentials(email, password string) *Error {
	if strings.TrimSpace(email) != "" && password != "" {
		return nil
	}
	e := Errorf(KindInvalid, "missing_credentials", "Enter your e-mail address and password.")
	if strings.TrimSpace(email) == "" {
		e.WithField("email", "required")
	}
	if password == "" {
		e.WithField("password", "required")
	}
	return e
}
