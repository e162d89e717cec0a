package models

import (
	"time"

	"gorm.io/gorm"
)

// The structs below are frozen snapshots of the schema as step 1 created
// it. They are deliberately separate from the entity types so that later
// changes to entities cannot change what an old step does.

type m1Council struct {
	ID        int64  `gorm:"primaryKey"`
	Name      string `gorm:"not null"`
	NameEn    string `gorm:"not null"`
	Demo      bool   `gorm:"not null;default:false"`
	CreatedAt time.Time
}

func (m1Council) TableName() string { return "councils" }

type m1Group struct {
	ID        int64  `gorm:"primaryKey"`
	CouncilID int64  `gorm:"not null;uniqueIndex:groups_council_key"`
	Key       string `gorm:"size:32;not null;uniqueIndex:groups_council_key"`
	NameKo    string `gorm:"not null"`
	NameEn    string `gorm:"not null"`
	Votes     bool   `gorm:"not null"`
	Position  int    `gorm:"not null"`
}

func (m1Group) TableName() string { return "stakeholder_groups" }

type m1User struct {
	ID           int64  `gorm:"primaryKey"`
	CouncilID    int64  `gorm:"not null;index"`
	Email        string `gorm:"size:254;not null;uniqueIndex"`
	Name         string `gorm:"size:100;not null"`
	Role         string `gorm:"size:16;not null"`
	GroupID      *int64 `gorm:"index"`
	Organisation string `gorm:"size:200;not null"`
	PasswordHash string `gorm:"not null"`
	Active       bool   `gorm:"not null"`
	LastSeenSeq  int64  `gorm:"not null;default:0"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (m1User) TableName() string { return "users" }

type m1Session struct {
	ID         string    `gorm:"primaryKey;size:64"`
	UserID     int64     `gorm:"not null;index"`
	CSRFToken  string    `gorm:"column:csrf_token;size:64;not null"`
	CreatedAt  time.Time `gorm:"not null"`
	LastSeenAt time.Time `gorm:"not null"`
	ExpiresAt  time.Time `gorm:"not null;index"`
}

func (m1Session) TableName() string { return "sessions" }

type m1LoginFailure struct {
	ID      int64     `gorm:"primaryKey"`
	Account string    `gorm:"size:64;not null;index:login_failures_account_at"`
	IP      string    `gorm:"column:ip;size:64;not null;index:login_failures_ip_at"`
	At      time.Time `gorm:"not null;index:login_failures_account_at;index:login_failures_ip_at"`
}

func (m1LoginFailure) TableName() string { return "login_failures" }

type m1AuditEvent struct {
	Seq        int64     `gorm:"primaryKey;autoIncrement:false"`
	At         time.Time `gorm:"not null"`
	ActorID    *int64    `gorm:"index"`
	ActorRole  string    `gorm:"size:16;not null"`
	Action     string    `gorm:"size:64;not null;index"`
	ObjectType string    `gorm:"size:32;not null;index:audit_events_object"`
	ObjectID   int64     `gorm:"not null;index:audit_events_object"`
	Data       string    `gorm:"not null"`
	RequestID  string    `gorm:"size:64;not null"`
	IP         string    `gorm:"column:ip;size:64;not null"`
	PrevHash   string    `gorm:"size:64;not null"`
	Hash       string    `gorm:"size:64;not null"`
}

func (m1AuditEvent) TableName() string { return "audit_events" }

type m1AuditTreeHash struct {
	Idx  int64  `gorm:"primaryKey;autoIncrement:false"`
	Hash []byte `gorm:"not null"`
}

func (m1AuditTreeHash) TableName() string { return "audit_tree_hashes" }

type m1AuditHead struct {
	ID       int64  `gorm:"primaryKey;autoIncrement:false"`
	Size     int64  `gorm:"not null"`
	LastHash string `gorm:"size:64;not null"`
}

func (m1AuditHead) TableName() string { return "audit_heads" }

type m1AuditCheckpoint struct {
	ID        int64     `gorm:"primaryKey"`
	Size      int64     `gorm:"not null;index"`
	Root      string    `gorm:"size:64;not null"`
	Note      string    `gorm:"not null"`
	Reason    string    `gorm:"size:64;not null"`
	CreatedAt time.Time `gorm:"not null"`
}

func (m1AuditCheckpoint) TableName() string { return "audit_checkpoints" }

func migrateFoundation(tx *gorm.DB, d Dialect) error {
	if err := tx.AutoMigrate(&m1Council{}, &m1Group{}, &m1User{}, &m1Session{}, &m1LoginFailure{},
		&m1AuditEvent{}, &m1AuditTreeHash{}, &m1AuditHead{}, &m1AuditCheckpoint{}); err != nil {
		return err
	}
	if err := tx.Create(&m1AuditHead{ID: 1, Size: 0, LastHash: zeroHashHex}).Error; err != nil {
		return err
	}
	for _, t := range []string{"audit_events", "audit_tree_hashes", "audit_checkpoints"} {
		if err := appendOnly(tx, d, t); err != nil {
			return err
		}
	}
	return nil
}
