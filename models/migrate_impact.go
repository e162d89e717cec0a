package models

import (
	"time"

	"gorm.io/gorm"
)

// Frozen schema of step 6: impact estimates, computed once per version,
// statistics snapshot and rules, and served as stored.
type m6ImpactEstimate struct {
	ID            int64     `gorm:"primaryKey"`
	VersionID     int64     `gorm:"not null;uniqueIndex:impact_estimates_key"`
	SnapshotID    int64     `gorm:"not null;uniqueIndex:impact_estimates_key"`
	RulesSHA256   string    `gorm:"column:rules_sha256;size:64;not null;uniqueIndex:impact_estimates_key"`
	Payload       string    `gorm:"not null"`
	ComputeMillis int64     `gorm:"not null"`
	CreatedAt     time.Time `gorm:"not null"`
}

func (m6ImpactEstimate) TableName() string { return "impact_estimates" }

func migrateImpact(tx *gorm.DB, _ Dialect) error {
	return tx.AutoMigrate(&m6ImpactEstimate{})
}
