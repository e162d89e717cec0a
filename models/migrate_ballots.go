package models

import (
	"time"

	"gorm.io/gorm"
)

// Frozen schema of step 3: ballots, their options, votes and the tallies
// frozen at closing.

type m3Ballot struct {
	ID              int64      `gorm:"primaryKey"`
	VersionID       int64      `gorm:"not null;index"`
	DocumentID      int64      `gorm:"not null;index"`
	Kind            string     `gorm:"size:16;not null"`
	Question        string     `gorm:"not null"`
	Rule            string     `gorm:"size:32;not null"`
	QuorumPercent   int        `gorm:"not null"`
	ShowRunning     bool       `gorm:"not null"`
	Status          string     `gorm:"size:16;not null;index"`
	ClosesAt        time.Time  `gorm:"not null;index"`
	OpenedBy        int64      `gorm:"not null"`
	OpenedAt        time.Time  `gorm:"not null"`
	ClosedAt        *time.Time ``
	ClosedBy        *int64     ``
	Result          string     `gorm:"size:16;not null"`
	ResultVersionID *int64     ``
}

func (m3Ballot) TableName() string { return "ballots" }

type m3BallotOption struct {
	ID        int64 `gorm:"primaryKey"`
	BallotID  int64 `gorm:"not null;uniqueIndex:ballot_options_unique"`
	VersionID int64 `gorm:"not null;uniqueIndex:ballot_options_unique"`
	Position  int   `gorm:"not null"`
}

func (m3BallotOption) TableName() string { return "ballot_options" }

type m3Vote struct {
	ID        int64     `gorm:"primaryKey"`
	BallotID  int64     `gorm:"not null;uniqueIndex:votes_one_per_member"`
	UserID    int64     `gorm:"not null;uniqueIndex:votes_one_per_member"`
	GroupID   int64     `gorm:"not null"`
	Choice    string    `gorm:"size:16;not null"`
	OptionID  *int64    ``
	Reason    string    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

func (m3Vote) TableName() string { return "votes" }

type m3BallotTally struct {
	ID             int64   `gorm:"primaryKey"`
	BallotID       int64   `gorm:"not null;uniqueIndex:ballot_tallies_unique"`
	GroupKey       string  `gorm:"size:32;not null;uniqueIndex:ballot_tallies_unique"`
	Eligible       int     `gorm:"not null"`
	Voted          int     `gorm:"not null"`
	Approve        int     `gorm:"not null"`
	Reject         int     `gorm:"not null"`
	Abstain        int     `gorm:"not null"`
	Picks          string  `gorm:"not null"`
	TurnoutPercent float64 `gorm:"not null"`
	QuorumMet      bool    `gorm:"not null"`
	Approved       bool    `gorm:"not null"`
	Favourite      *int64  ``
}

func (m3BallotTally) TableName() string { return "ballot_tallies" }

func migrateBallots(tx *gorm.DB, d Dialect) error {
	if err := tx.AutoMigrate(&m3Ballot{}, &m3BallotOption{}, &m3Vote{}, &m3BallotTally{}); err != nil {
		return err
	}
	// One open ballot per version, guaranteed by the database itself, not
	// only by a check that two requests could both pass.
	if err := tx.Exec("CREATE UNIQUE INDEX ballots_one_open_per_version ON ballots (version_id) WHERE status = 'open'").Error; err != nil {
		return err
	}
	// Frozen tallies are the record of a decision.
	return appendOnly(tx, d, "ballot_tallies")
}
