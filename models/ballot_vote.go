package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"roundtable/models/ballotrule"
)

// VoteInput is a member's vote: approve, reject or abstain on an approval
// ballot; pick (with OptionID, a version id) or abstain on a choice ballot.
type VoteInput struct {
	Choice   string
	OptionID *int64
	Reason   string
}

var errDeadlinePassed = errors.New("ballot deadline passed")

func validateVote(b *Ballot, in *VoteInput) *Error {
	in.Reason = strings.TrimSpace(strings.ReplaceAll(in.Reason, "\r\n", "\n"))
	if utf8.RuneCountInString(in.Reason) > MaxVoteReason {
		return Errorf(KindInvalid, "reason_too_long", "A reason has at most %d characters.", MaxVoteReason).WithField("reason", "too_long")
	}
	switch b.Kind {
	case BallotChoice:
		if in.Choice == ballotrule.Abstain {
			in.OptionID = nil
			return nil
		}
		if in.Choice != ChoicePick || in.OptionID == nil || !slices.Contains(b.OptionIDs(), *in.OptionID) {
			return Errorf(KindInvalid, "invalid_choice", "Pick one of the versions offered, or abstain.").WithField("choice", "unknown")
		}
	default:
		if !slices.Contains([]string{ballotrule.Approve, ballotrule.Reject, ballotrule.Abstain}, in.Choice) {
			return Errorf(KindInvalid, "invalid_choice", "Vote approve, reject or abstain.").WithField("choice", "unknown")
		}
		in.OptionID = nil
	}
	return nil
}

// CastVote records or changes a member's vote. The ballot row is locked
// first (the no-op UPDATE), so concurrent votes — even 200 from the same
// member's tabs — and a concurrent close are serialised: the member ends
// with exactly one vote, and no vote lands after the close. A refused vote
// leaves the previous one as it was.
func (s *Store) CastVote(ctx context.Context, actor Actor, voter *User, ballotID int64, in VoteInput) (*Vote, error) {
	if voter == nil || !voter.CanVote() {
		return nil, Errorf(KindForbidden, "not_eligible", "Only members of a voting stakeholder group vote.")
	}
	return s.castVote(ctx, actor, voter, ballotID, in)
}

func (s *Store) castVote(ctx context.Context, actor Actor, voter *User, ballotID int64, in VoteInput) (*Vote, error) {
	var out Vote
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE ballots SET status = status WHERE id = ? AND status = ?", ballotID, BallotOpen)
		if res.Error != nil {
			return fmt.Errorf("lock ballot %d: %w", ballotID, res.Error)
		}
		var b Ballot
		if err := firstByID(tx.Preload("Options"), &b, ballotID, "ballot"); err != nil {
			return err
		}
		if b.Status != BallotOpen {
			return errBallotClosed
		}
		if !s.Now().Before(b.ClosesAt) {
			return errDeadlinePassed
		}
		if e := validateVote(&b, &in); e != nil {
			return e
		}
		now := s.Now()
		var prev Vote
		err := tx.Where("ballot_id = ? AND user_id = ?", ballotID, voter.ID).First(&prev).Error
		data := map[string]any{"ballot_id": ballotID, "version_id": b.VersionID, "choice": in.Choice, "group": voter.GroupKey()}
		if in.OptionID != nil {
			data["option_version_id"] = *in.OptionID
		}
		switch {
		case err == nil:
			data["previous_choice"] = prev.Choice
			if prev.OptionID != nil {
				data["previous_option_version_id"] = *prev.OptionID
			}
			if err := tx.Model(&Vote{}).Where("id = ?", prev.ID).Updates(map[string]any{"choice": in.Choice, "option_id": in.OptionID,
				"reason": in.Reason, "group_id": *voter.GroupID, "updated_at": now}).Error; err != nil {
				return fmt.Errorf("change vote: %w", err)
			}
			out = prev
			out.Choice, out.OptionID, out.Reason, out.UpdatedAt = in.Choice, in.OptionID, in.Reason, now
		case isNotFound(err):
			out = Vote{BallotID: ballotID, UserID: voter.ID, GroupID: *voter.GroupID, Choice: in.Choice, OptionID: in.OptionID, Reason: in.Reason, CreatedAt: now, UpdatedAt: now}
			if err := tx.Omit("User").Create(&out).Error; err != nil {
				return fmt.Errorf("insert vote: %w", err)
			}
		default:
			return fmt.Errorf("load vote: %w", err)
		}
		if in.Reason != "" {
			data["with_reason"] = true
		}
		if err := s.record(tx, actor, "ballot.vote", "ballot", ballotID, data); err != nil {
			return err
		}
		return s.emit(tx, LiveEvent{Kind: LiveBallot, Action: "ballot.vote", VersionID: b.VersionID, BallotID: ballotID})
	})
	if errors.Is(err, errDeadlinePassed) {
		// The deadline passed before anyone closed the ballot: close it now
		// (exactly once, whoever gets there first) and refuse the vote.
		if _, cerr := s.closeIfDue(ctx, ballotID); cerr != nil {
			return nil, cerr
		}
		return nil, errBallotClosed
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// MyVote returns the member's vote in a ballot, or nil.
func (s *Store) MyVote(ctx context.Context, ballotID, userID int64) (*Vote, error) {
	var v Vote
	err := s.db.WithContext(ctx).Where("ballot_id = ? AND user_id = ?", ballotID, userID).First(&v).Error
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load vote: %w", err)
	}
	return &v, nil
}

// Votes lists a ballot's votes with their voters, by group then name.
func (s *Store) Votes(ctx context.Context, ballotID int64) ([]Vote, error) {
	var vs []Vote
	err := s.db.WithContext(ctx).Preload("User").Preload("User.Group").Where("ballot_id = ?", ballotID).Order("group_id, id").Find(&vs).Error
	if err != nil {
		return nil, fmt.Errorf("votes of ballot %d: %w", ballotID, err)
	}
	return vs, nil
}

// EligibleVoters lists the members who may vote: active members of the
// council's voting groups.
func (s *Store) EligibleVoters(ctx context.Context, councilID int64) ([]User, error) {
	return eligibleVoters(s.db.WithContext(ctx), councilID)
}

func eligibleVoters(db *gorm.DB, councilID int64) ([]User, error) {
	var us []User
	err := db.Preload("Group").
		Joins("JOIN stakeholder_groups g ON g.id = users.group_id").
		Where("users.council_id = ? AND users.role = ? AND users.active AND g.votes", councilID, RoleMember).
		Order("g.position, users.name").Find(&us).Error
	if err != nil {
		return nil, fmt.Errorf("eligible voters: %w", err)
	}
	return us, nil
}

// PendingBallots lists the open ballots a member may vote in and has not
// voted in yet, soonest deadline first — what the home page puts first.
func (s *Store) PendingBallots(ctx context.Context, u *User) ([]Ballot, error) {
	if !u.CanVote() {
		return nil, nil
	}
	var bs []Ballot
	err := s.db.WithContext(ctx).Preload("Version").Preload("Version.Document").
		Where("status = ? AND closes_at > ?", BallotOpen, s.Now()).
		Where("NOT EXISTS (SELECT 1 FROM votes v WHERE v.ballot_id = ballots.id AND v.user_id = ?)", u.ID).
		Order("closes_at").Find(&bs).Error
	if err != nil {
		return nil, fmt.Errorf("pending ballots of %d: %w", u.ID, err)
	}
	return bs, nil
}
