package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Limit caps how often one account, and (at a much higher bar) one
// address, may do something within a window. Counts live in the database
// so every server instance enforces the same limit.
type Limit struct {
	Scope      string
	Window     time.Duration
	PerAccount int
	PerAddress int
}

// Limits of the council's write and export paths: generous for a person at
// work, tight enough to stop a script flooding the record or scraping it.
var (
	LimitComments = Limit{Scope: "comment", Window: 10 * time.Minute, PerAccount: 30, PerAddress: 300}
	LimitExports  = Limit{Scope: "export", Window: time.Hour, PerAccount: 60, PerAddress: 600}
)

type rateEvent struct {
	ID      int64
	Scope   string
	Subject string
	At      time.Time
}

func (rateEvent) TableName() string { return "rate_events" }

// subjectKey hashes what is counted, so the table holds no addresses.
func subjectKey(kind, v string) string {
	sum := sha256.Sum256([]byte(kind + ":" + v))
	return hex.EncodeToString(sum[:16])
}

// Throttle counts one use of l by the actor and refuses it (429) when the
// account or the address is over its limit. A refused use is not counted,
// so waiting out the window always helps.
func (s *Store) Throttle(ctx context.Context, l Limit, actor Actor) error {
	now := s.Now()
	since := now.Add(-l.Window)
	account := subjectKey("account", fmt.Sprint(actor.UserID))
	address := subjectKey("address", actor.IP)
	return s.tx(ctx, func(tx *gorm.DB) error {
		var byAccount, byAddress int64
		if err := tx.Model(&rateEvent{}).Where("scope = ? AND subject = ? AND at > ?", l.Scope, account, since).Count(&byAccount).Error; err != nil {
			return fmt.Errorf("count %s uses: %w", l.Scope, err)
		}
		if err := tx.Model(&rateEvent{}).Where("scope = ? AND subject = ? AND at > ?", l.Scope, address, since).Count(&byAddress).Error; err != nil {
			return fmt.Errorf("count %s uses: %w", l.Scope, err)
		}
		if byAccount >= int64(l.PerAccount) || byAddress >= int64(l.PerAddress) {
			return &Error{Kind: KindTooMany, Code: "rate_limited",
				Message: fmt.Sprintf("Too many requests of this kind; try again within %d minutes.", int(l.Window.Minutes()))}
		}
		rows := []rateEvent{{Scope: l.Scope, Subject: account, At: now}, {Scope: l.Scope, Subject: address, At: now}}
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("count a %s use: %w", l.Scope, err)
		}
		return nil
	})
}

// purgeRateEvents drops counts older than any window.
func purgeRateEvents(db *gorm.DB, now time.Time) error {
	if err := db.Where("at < ?", now.Add(-24*time.Hour)).Delete(&rateEvent{}).Error; err != nil {
		return fmt.Errorf("purge rate events: %w", err)
	}
	return nil
}
