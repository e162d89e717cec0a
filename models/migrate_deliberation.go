package models

import (
	"time"

	"gorm.io/gorm"
)

// Frozen schema of step 2: criteria documents, versions, clauses, comments
// and the secretariat's dispositions.

type m2Document struct {
	ID          int64  `gorm:"primaryKey"`
	CouncilID   int64  `gorm:"not null;index"`
	Title       string `gorm:"size:200;not null"`
	Description string `gorm:"not null"`
	CreatedBy   int64  `gorm:"not null"`
	CreatedAt   time.Time
}

func (m2Document) TableName() string { return "documents" }

type m2Version struct {
	ID          int64      `gorm:"primaryKey"`
	DocumentID  int64      `gorm:"not null;uniqueIndex:versions_document_number"`
	Number      int        `gorm:"not null;uniqueIndex:versions_document_number"`
	Status      string     `gorm:"size:16;not null;index"`
	Summary     string     `gorm:"not null"`
	Rules       string     `gorm:"not null"`
	BasedOnID   *int64     ``
	Revision    int        `gorm:"not null"`
	CreatedBy   int64      `gorm:"not null"`
	CreatedAt   time.Time  `gorm:"not null"`
	UpdatedAt   time.Time  `gorm:"not null"`
	PublishedAt *time.Time ``
	PublishedBy *int64     ``
}

func (m2Version) TableName() string { return "versions" }

type m2Clause struct {
	ID        int64  `gorm:"primaryKey"`
	VersionID int64  `gorm:"not null;uniqueIndex:clauses_version_key;index:clauses_version_position"`
	Position  int    `gorm:"not null;index:clauses_version_position"`
	Key       string `gorm:"size:32;not null;uniqueIndex:clauses_version_key"`
	Title     string `gorm:"size:200;not null"`
	Body      string `gorm:"not null"`
}

func (m2Clause) TableName() string { return "clauses" }

type m2Comment struct {
	ID        int64      `gorm:"primaryKey"`
	VersionID int64      `gorm:"not null;index:comments_version_clause"`
	ClauseKey string     `gorm:"size:32;not null;index:comments_version_clause"`
	ParentID  *int64     `gorm:"index"`
	ThreadID  int64      `gorm:"not null;index"`
	AuthorID  int64      `gorm:"not null;index"`
	Body      string     `gorm:"not null"`
	Status    string     `gorm:"size:16;not null"`
	EditedAt  *time.Time ``
	CreatedAt time.Time  `gorm:"not null"`
	UpdatedAt time.Time  `gorm:"not null"`
}

func (m2Comment) TableName() string { return "comments" }

type m2CommentRevision struct {
	ID        int64     `gorm:"primaryKey"`
	CommentID int64     `gorm:"not null;index"`
	Body      string    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

func (m2CommentRevision) TableName() string { return "comment_revisions" }

type m2Disposition struct {
	CommentID            int64     `gorm:"primaryKey;autoIncrement:false"`
	Status               string    `gorm:"size:24;not null;index"`
	Response             string    `gorm:"not null"`
	AddressedInVersionID *int64    ``
	RespondedBy          int64     `gorm:"not null"`
	RespondedAt          time.Time `gorm:"not null"`
}

func (m2Disposition) TableName() string { return "dispositions" }

func migrateDeliberation(tx *gorm.DB, d Dialect) error {
	if err := tx.AutoMigrate(&m2Document{}, &m2Version{}, &m2Clause{}, &m2Comment{}, &m2CommentRevision{}, &m2Disposition{}); err != nil {
		return err
	}
	// Earlier texts of a comment are evidence: never rewritten.
	return appendOnly(tx, d, "comment_revisions")
}
