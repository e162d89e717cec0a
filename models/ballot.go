package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"roundtable/models/ballotrule"
)

// Ballot kinds: approve or reject one version, or choose among versions.
const (
	BallotApproval = "approval"
	BallotChoice   = "choice"
)

// Ballot statuses and results.
const (
	BallotOpen     = "open"
	BallotClosed   = "closed"
	ResultAdopted  = "adopted"
	ResultRejected = "rejected"
)

// Choice values beyond ballotrule's approve/reject/abstain: a choice ballot
// records which version a member picked.
const ChoicePick = "pick"

// MaxVoteReason bounds the reason a member may give.
const MaxVoteReason = 2000

// Ballot is a vote of the council on a published version (or a choice
// among versions of one document).
type Ballot struct {
	ID              int64
	VersionID       int64
	Version         *Version `gorm:"foreignKey:VersionID"`
	DocumentID      int64
	Kind            string
	Question        string
	Rule            string
	QuorumPercent   int
	ShowRunning     bool
	Status          string
	ClosesAt        time.Time
	OpenedBy        int64
	OpenedAt        time.Time
	ClosedAt        *time.Time
	ClosedBy        *int64
	Result          string // "" while open
	ResultVersionID *int64
	Options         []BallotOption `gorm:"foreignKey:BallotID"`
}

// IsOpen reports whether votes are still taken at now.
func (b Ballot) IsOpen(now time.Time) bool { return b.Status == BallotOpen && now.Before(b.ClosesAt) }

// OptionIDs lists a choice ballot's version ids in order.
func (b Ballot) OptionIDs() []int64 {
	out := make([]int64, len(b.Options))
	for i, o := range b.Options {
		out[i] = o.VersionID
	}
	return out
}

// BallotOption is one version a choice ballot offers.
type BallotOption struct {
	ID        int64
	BallotID  int64
	VersionID int64
	Version   *Version `gorm:"foreignKey:VersionID"`
	Position  int
}

// Vote is one member's current vote in a ballot; changing it updates the
// row (one per member, enforced by a unique index) and the history keeps
// every change.
type Vote struct {
	ID        int64
	BallotID  int64
	UserID    int64
	User      *User `gorm:"foreignKey:UserID"`
	GroupID   int64
	Choice    string
	OptionID  *int64 // the picked version, for choice ballots
	Reason    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// BallotTally is a group's count frozen at closing.
type BallotTally struct {
	ID             int64
	BallotID       int64
	GroupKey       string
	Eligible       int
	Voted          int
	Approve        int
	Reject         int
	Abstain        int
	Picks          string // JSON object version id → count, for choice ballots
	TurnoutPercent float64
	QuorumMet      bool
	Approved       bool
	Favourite      *int64
}

// BallotInput opens a ballot.
type BallotInput struct {
	Question      string
	ClosesAt      time.Time
	Rule          string
	QuorumPercent int
	ShowRunning   bool
	// Options, when two or more, make a choice among these versions of the
	// document (the ballot's own version must be one of them).
	Options []int64
}

func (s *Store) validateBallotInput(in *BallotInput) *Error {
	e := Errorf(KindInvalid, "invalid_ballot", "The ballot has errors; see the named fields.")
	in.Question = strings.TrimSpace(in.Question)
	if in.Question == "" {
		e.WithField("question", "required")
	} else if utf8.RuneCountInString(in.Question) > 500 {
		e.WithField("question", "too_long")
	}
	if in.Rule == "" {
		in.Rule = ballotrule.MajorityEachGroup
	}
	if !slices.Contains(ballotrule.Rules, in.Rule) {
		e.WithField("rule", "unknown")
	}
	if in.QuorumPercent < 0 || in.QuorumPercent > 100 {
		e.WithField("quorum_percent", "between 0 and 100")
	}
	if !in.ClosesAt.After(s.Now()) {
		e.WithField("closes_at", "in_the_past")
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// OpenBallot opens a ballot on a published version. A version has at most
// one open ballot (a unique partial index says so, whatever the timing).
func (s *Store) OpenBallot(ctx context.Context, actor Actor, versionID int64, in BallotInput) (*Ballot, error) {
	if e := s.validateBallotInput(&in); e != nil {
		return nil, e
	}
	var b Ballot
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var v Version
		if err := firstByID(tx, &v, versionID, "version"); err != nil {
			return err
		}
		if v.Status != StatusPublished {
			return Errorf(KindConflict, "version_not_open", "Version %d is %s; ballots are opened on the current published version.", v.Number, v.Status)
		}
		kind := BallotApproval
		options := in.Options
		if len(options) > 0 {
			if !slices.Contains(options, versionID) {
				options = append([]int64{versionID}, options...)
			}
			slices.Sort(options)
			options = slices.Compact(options)
		}
		if len(options) >= 2 {
			kind = BallotChoice
			var vs []Version
			if err := tx.Where("id IN ?", options).Find(&vs).Error; err != nil {
				return fmt.Errorf("load options: %w", err)
			}
			if len(vs) != len(options) {
				return Errorf(KindInvalid, "invalid_options", "Every option must be a version of this document.").WithField("options", "unknown")
			}
			for _, o := range vs {
				if o.DocumentID != v.DocumentID || o.Status == StatusDraft {
					return Errorf(KindInvalid, "invalid_options", "Every option must be a published version of the same document.").WithField("options", "other_document")
				}
			}
		}
		var open int64
		if err := tx.Model(&Ballot{}).Where("version_id = ? AND status = ?", versionID, BallotOpen).Count(&open).Error; err != nil {
			return fmt.Errorf("count open ballots: %w", err)
		}
		if open > 0 {
			return Errorf(KindConflict, "ballot_exists", "Version %d already has an open ballot; close it before opening another.", v.Number)
		}
		b = Ballot{VersionID: versionID, DocumentID: v.DocumentID, Kind: kind, Question: in.Question, Rule: in.Rule,
			QuorumPercent: in.QuorumPercent, ShowRunning: in.ShowRunning, Status: BallotOpen,
			ClosesAt: in.ClosesAt.UTC().Truncate(time.Second), OpenedBy: actor.UserID, OpenedAt: s.Now()}
		if err := tx.Omit("Version", "Options").Create(&b).Error; err != nil {
			if isUniqueViolation(err) {
				return Errorf(KindConflict, "ballot_exists", "Version %d already has an open ballot.", v.Number)
			}
			return fmt.Errorf("insert ballot: %w", err)
		}
		if kind == BallotChoice {
			for i, id := range options {
				if err := tx.Omit("Version").Create(&BallotOption{BallotID: b.ID, VersionID: id, Position: i}).Error; err != nil {
					return fmt.Errorf("insert option: %w", err)
				}
			}
		}
		if err := s.record(tx, actor, "ballot.open", "ballot", b.ID, map[string]any{"version_id": versionID, "document_id": v.DocumentID,
			"kind": kind, "rule": in.Rule, "quorum_percent": in.QuorumPercent, "closes_at": b.ClosesAt, "show_running": in.ShowRunning, "options": options}); err != nil {
			return err
		}
		return s.emit(tx, LiveEvent{Kind: LiveBallot, Action: "ballot.open", VersionID: versionID, BallotID: b.ID})
	})
	if err != nil {
		return nil, err
	}
	return s.BallotByID(ctx, b.ID)
}

// BallotChange edits an open ballot. The rule, quorum and kind of question
// are fixed once anyone has voted: changing them then would change the
// meaning of votes already cast.
type BallotChange struct {
	Question      *string
	ClosesAt      *time.Time
	Rule          *string
	QuorumPercent *int
	ShowRunning   *bool
}

// UpdateBallot applies a change to an open ballot.
func (s *Store) UpdateBallot(ctx context.Context, actor Actor, id int64, ch BallotChange) (*Ballot, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var b Ballot
		if err := firstByID(tx, &b, id, "ballot"); err != nil {
			return err
		}
		if b.Status != BallotOpen {
			return errBallotClosed
		}
		in := BallotInput{Question: b.Question, ClosesAt: b.ClosesAt, Rule: b.Rule, QuorumPercent: b.QuorumPercent, ShowRunning: b.ShowRunning}
		if ch.Question != nil {
			in.Question = *ch.Question
		}
		if ch.ClosesAt != nil {
			in.ClosesAt = *ch.ClosesAt
		}
		if ch.Rule != nil {
			in.Rule = *ch.Rule
		}
		if ch.QuorumPercent != nil {
			in.QuorumPercent = *ch.QuorumPercent
		}
		if ch.ShowRunning != nil {
			in.ShowRunning = *ch.ShowRunning
		}
		if e := s.validateBallotInput(&in); e != nil {
			return e
		}
		if in.Rule != b.Rule || in.QuorumPercent != b.QuorumPercent {
			var votes int64
			if err := tx.Model(&Vote{}).Where("ballot_id = ?", id).Count(&votes).Error; err != nil {
				return fmt.Errorf("count votes: %w", err)
			}
			if votes > 0 {
				return Errorf(KindConflict, "votes_cast", "%d members have already voted; the rule and quorum can no longer change.", votes)
			}
		}
		updates := map[string]any{"question": in.Question, "closes_at": in.ClosesAt.UTC().Truncate(time.Second), "rule": in.Rule,
			"quorum_percent": in.QuorumPercent, "show_running": in.ShowRunning}
		if err := tx.Model(&Ballot{}).Where("id = ?", id).Updates(updates).Error; err != nil {
			return fmt.Errorf("update ballot %d: %w", id, err)
		}
		if err := s.record(tx, actor, "ballot.update", "ballot", id, map[string]any{"version_id": b.VersionID, "rule": in.Rule,
			"quorum_percent": in.QuorumPercent, "closes_at": updates["closes_at"], "show_running": in.ShowRunning}); err != nil {
			return err
		}
		return s.emit(tx, LiveEvent{Kind: LiveBallot, Action: "ballot.update", VersionID: b.VersionID, BallotID: id})
	})
	if err != nil {
		return nil, err
	}
	return s.BallotByID(ctx, id)
}

var errBallotClosed = &Error{Kind: KindConflict, Code: "ballot_closed", Message: "This ballot is closed; votes can no longer be cast or changed."}

// BallotByID loads a ballot with its version, document and options.
func (s *Store) BallotByID(ctx context.Context, id int64) (*Ballot, error) {
	var b Ballot
	err := s.db.WithContext(ctx).Preload("Version").Preload("Version.Document").
		Preload("Options", func(db *gorm.DB) *gorm.DB { return db.Order("position") }).Preload("Options.Version").
		First(&b, id).Error
	if isNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load ballot %d: %w", id, err)
	}
	return &b, nil
}

// Ballots lists ballots, open ones first, newest first.
func (s *Store) Ballots(ctx context.Context) ([]Ballot, error) {
	var bs []Ballot
	err := s.db.WithContext(ctx).Preload("Version").Preload("Version.Document").Order("status DESC, opened_at DESC, id DESC").Find(&bs).Error
	if err != nil {
		return nil, fmt.Errorf("list ballots: %w", err)
	}
	return bs, nil
}

// BallotsOfVersion lists a version's ballots, newest first.
func (s *Store) BallotsOfVersion(ctx context.Context, versionID int64) ([]Ballot, error) {
	var bs []Ballot
	if err := s.db.WithContext(ctx).Where("version_id = ?", versionID).Order("opened_at DESC, id DESC").Find(&bs).Error; err != nil {
		return nil, fmt.Errorf("ballots of version %d: %w", versionID, err)
	}
	return bs, nil
}
