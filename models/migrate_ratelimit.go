package models

import (
	"time"

	"gorm.io/gorm"
)

// Frozen schema of step 7: counters behind the abuse limits.
type m7RateEvent struct {
	ID      int64     `gorm:"primaryKey"`
	Scope   string    `gorm:"size:32;not null;index:rate_events_lookup"`
	Subject string    `gorm:"size:64;not null;index:rate_events_lookup"`
	At      time.Time `gorm:"not null;index:rate_events_lookup;index"`
}

func (m7RateEvent) TableName() string { return "rate_events" }

func migrateRateLimits(tx *gorm.DB, _ Dialect) error { return tx.AutoMigrate(&m7RateEvent{}) }
