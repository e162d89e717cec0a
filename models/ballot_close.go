package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	"roundtable/models/ballotrule"
)

// Outcome is a ballot's count: frozen at closing, or running while open.
type Outcome struct {
	Frozen   bool
	Groups   []Group // voting groups, in display order
	Approval *ballotrule.Result
	Choice   *ballotrule.ChoiceResult
}

type voteCount struct {
	GroupID  int64
	Choice   string
	OptionID *int64
	N        int
}

// count tallies a ballot from the live rows. Only votes of members who are
// still eligible, in the group they voted from, are counted, so a group
// never has more votes than eligible members.
func count(tx *gorm.DB, b *Ballot, councilID int64) (*Outcome, error) {
	var groups []Group
	if err := tx.Where("council_id = ? AND votes", councilID).Order("position, id").Find(&groups).Error; err != nil {
		return nil, fmt.Errorf("voting groups: %w", err)
	}
	voters, err := eligibleVoters(tx, councilID)
	if err != nil {
		return nil, err
	}
	eligible := map[int64]int{}
	for _, u := range voters {
		eligible[*u.GroupID]++
	}
	var counts []voteCount
	err = tx.Table("votes").Select("votes.group_id, votes.choice, votes.option_id, COUNT(*) AS n").
		Joins("JOIN users u ON u.id = votes.user_id").
		Where("votes.ballot_id = ? AND u.active AND u.role = ? AND u.group_id = votes.group_id", b.ID, RoleMember).
		Group("votes.group_id, votes.choice, votes.option_id").Scan(&counts).Error
	if err != nil {
		return nil, fmt.Errorf("count votes of ballot %d: %w", b.ID, err)
	}
	o := &Outcome{Groups: groups}
	if b.Kind == BallotChoice {
		cgs := make([]ballotrule.ChoiceGroup, len(groups))
		idx := map[int64]int{}
		for i, g := range groups {
			cgs[i] = ballotrule.ChoiceGroup{Key: g.Key, Eligible: eligible[g.ID], Picks: map[int64]int{}}
			idx[g.ID] = i
		}
		for _, c := range counts {
			i, ok := idx[c.GroupID]
			if !ok {
				continue
			}
			if c.Choice == ChoicePick && c.OptionID != nil {
				cgs[i].Picks[*c.OptionID] += c.N
			} else {
				cgs[i].Abstain += c.N
			}
		}
		r, err := ballotrule.DecideChoice(b.Rule, b.QuorumPercent, b.OptionIDs(), cgs)
		if err != nil {
			return nil, fmt.Errorf("decide ballot %d: %w", b.ID, err)
		}
		o.Choice = &r
		return o, nil
	}
	gs := make([]ballotrule.Group, len(groups))
	idx := map[int64]int{}
	for i, g := range groups {
		gs[i] = ballotrule.Group{Key: g.Key, Eligible: eligible[g.ID]}
		idx[g.ID] = i
	}
	for _, c := range counts {
		i, ok := idx[c.GroupID]
		if !ok {
			continue
		}
		switch c.Choice {
		case ballotrule.Approve:
			gs[i].Approve += c.N
		case ballotrule.Reject:
			gs[i].Reject += c.N
		default:
			gs[i].Abstain += c.N
		}
	}
	r, err := ballotrule.Decide(b.Rule, b.QuorumPercent, gs)
	if err != nil {
		return nil, fmt.Errorf("decide ballot %d: %w", b.ID, err)
	}
	o.Approval = &r
	return o, nil
}

// frozen rebuilds the outcome from the tallies stored at closing. The rule
// is re-applied to the frozen counts, which yields exactly the stored
// result because the counts are all it depends on.
func frozen(db *gorm.DB, b *Ballot, councilID int64) (*Outcome, error) {
	var rows []BallotTally
	if err := db.Where("ballot_id = ?", b.ID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("tallies of ballot %d: %w", b.ID, err)
	}
	var groups []Group
	if err := db.Where("council_id = ?", councilID).Order("position, id").Find(&groups).Error; err != nil {
		return nil, fmt.Errorf("groups: %w", err)
	}
	byKey := map[string]Group{}
	for _, g := range groups {
		byKey[g.Key] = g
	}
	o := &Outcome{Frozen: true}
	var gs []ballotrule.Group
	var cgs []ballotrule.ChoiceGroup
	for _, t := range rows {
		o.Groups = append(o.Groups, byKey[t.GroupKey])
		if b.Kind == BallotChoice {
			picks := map[int64]int{}
			var raw map[string]int
			if err := json.Unmarshal([]byte(t.Picks), &raw); err != nil {
				return nil, fmt.Errorf("tally picks of ballot %d: %w", b.ID, err)
			}
			for k, n := range raw {
				id, _ := strconv.ParseInt(k, 10, 64)
				picks[id] = n
			}
			cgs = append(cgs, ballotrule.ChoiceGroup{Key: t.GroupKey, Eligible: t.Eligible, Picks: picks, Abstain: t.Abstain})
			continue
		}
		gs = append(gs, ballotrule.Group{Key: t.GroupKey, Eligible: t.Eligible, Approve: t.Approve, Reject: t.Reject, Abstain: t.Abstain})
	}
	if b.Kind == BallotChoice {
		r, err := ballotrule.DecideChoice(b.Rule, b.QuorumPercent, b.OptionIDs(), cgs)
		if err != nil {
			return nil, fmt.Errorf("replay ballot %d: %w", b.ID, err)
		}
		o.Choice = &r
		return o, nil
	}
	r, err := ballotrule.Decide(b.Rule, b.QuorumPercent, gs)
	if err != nil {
		return nil, fmt.Errorf("replay ballot %d: %w", b.ID, err)
	}
	o.Approval = &r
	return o, nil
}

// BallotOutcome is the ballot's count: frozen if closed, live if open.
// Whether a live count may be shown is the caller's decision.
func (s *Store) BallotOutcome(ctx context.Context, b *Ballot) (*Outcome, error) {
	db := s.db.WithContext(ctx)
	if b.Status == BallotClosed {
		return frozen(db, b, b.Version.Document.CouncilID)
	}
	return count(db, b, b.Version.Document.CouncilID)
}

// CloseBallot closes a ballot now (the secretariat closing early).
func (s *Store) CloseBallot(ctx context.Context, actor Actor, id int64) (*Ballot, error) {
	if err := s.tx(ctx, func(tx *gorm.DB) error { return s.closeTx(tx, actor, id, false) }); err != nil {
		return nil, err
	}
	return s.BallotByID(ctx, id)
}

// closeIfDue closes a ballot whose deadline has passed; a ballot someone
// else closed first is fine.
func (s *Store) closeIfDue(ctx context.Context, id int64) (bool, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var b Ballot
		if err := tx.First(&b, id).Error; err != nil {
			return fmt.Errorf("load ballot %d: %w", id, err)
		}
		if b.Status != BallotOpen || s.Now().Before(b.ClosesAt) {
			return errBallotClosed
		}
		return s.closeTx(tx, SystemActor(), id, true)
	})
	if errors.Is(err, errBallotClosed) {
		return false, nil
	}
	return err == nil, err
}

// CloseDue closes every ballot past its deadline. Several server instances
// may run it at once: the conditional UPDATE in closeTx lets exactly one
// close each ballot.
func (s *Store) CloseDue(ctx context.Context) (int, error) {
	var ids []int64
	if err := s.db.WithContext(ctx).Model(&Ballot{}).Where("status = ? AND closes_at <= ?", BallotOpen, s.Now()).Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("find due ballots: %w", err)
	}
	n := 0
	for _, id := range ids {
		closed, err := s.closeIfDue(ctx, id)
		if err != nil {
			return n, err
		}
		if closed {
			n++
		}
	}
	return n, nil
}

// RefreshBallot closes the ballot if its deadline passed and returns it
// fresh: reading a ballot after its deadline never shows it as open.
func (s *Store) RefreshBallot(ctx context.Context, id int64) (*Ballot, error) {
	b, err := s.BallotByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.Status == BallotOpen && !s.Now().Before(b.ClosesAt) {
		if _, err := s.closeIfDue(ctx, id); err != nil {
			return nil, err
		}
		return s.BallotByID(ctx, id)
	}
	return b, nil
}

// closeTx freezes the count, decides, and sets the versions' status, all in
// the caller's transaction, with a signed checkpoint: a decision is a
// milestone of the history.
func (s *Store) closeTx(tx *gorm.DB, actor Actor, id int64, auto bool) error {
	now := s.Now()
	var closedBy *int64
	if actor.UserID != 0 {
		uid := actor.UserID
		closedBy = &uid
	}
	res := tx.Model(&Ballot{}).Where("id = ? AND status = ?", id, BallotOpen).Updates(map[string]any{"status": BallotClosed, "closed_at": now, "closed_by": closedBy})
	if res.Error != nil {
		return fmt.Errorf("close ballot %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := tx.Model(&Ballot{}).Where("id = ?", id).Count(&n).Error; err != nil {
			return fmt.Errorf("find ballot %d: %w", id, err)
		}
		if n == 0 {
			return ErrNotFound
		}
		return errBallotClosed
	}
	var b Ballot
	if err := tx.Preload("Options", func(db *gorm.DB) *gorm.DB { return db.Order("position") }).First(&b, id).Error; err != nil {
		return fmt.Errorf("load ballot %d: %w", id, err)
	}
	var v Version
	if err := tx.Preload("Document").First(&v, b.VersionID).Error; err != nil {
		return fmt.Errorf("load version %d: %w", b.VersionID, err)
	}
	o, err := count(tx, &b, v.Document.CouncilID)
	if err != nil {
		return err
	}
	groupsData := map[string]any{}
	var adopted, rejected []int64
	result := ResultRejected
	var resultVersion *int64
	if o.Choice != nil {
		for _, g := range o.Choice.Groups {
			picks := map[string]int{}
			for vid, n := range g.Picks {
				picks[strconv.FormatInt(vid, 10)] = n
			}
			pj, _ := json.Marshal(picks)
			t := BallotTally{BallotID: id, GroupKey: g.Key, Eligible: g.Eligible, Voted: g.Voted(), Abstain: g.Abstain, Picks: string(pj),
				TurnoutPercent: g.TurnoutPercent, QuorumMet: g.QuorumMet}
			if g.Favourite != 0 {
				f := g.Favourite
				t.Favourite = &f
			}
			if err := tx.Create(&t).Error; err != nil {
				return fmt.Errorf("freeze tally: %w", err)
			}
			groupsData[g.Key] = map[string]any{"eligible": g.Eligible, "voted": g.Voted(), "picks": picks, "abstain": g.Abstain, "quorum_met": g.QuorumMet}
		}
		for _, opt := range b.OptionIDs() {
			if opt == o.Choice.Winner {
				adopted = append(adopted, opt)
			} else {
				rejected = append(rejected, opt)
			}
		}
		if o.Choice.Winner != 0 {
			result = ResultAdopted
			w := o.Choice.Winner
			resultVersion = &w
		}
	} else {
		for _, g := range o.Approval.Groups {
			t := BallotTally{BallotID: id, GroupKey: g.Key, Eligible: g.Eligible, Voted: g.Voted(), Approve: g.Approve, Reject: g.Reject,
				Abstain: g.Abstain, Picks: "{}", TurnoutPercent: g.TurnoutPercent, QuorumMet: g.QuorumMet, Approved: g.Approved}
			if err := tx.Create(&t).Error; err != nil {
				return fmt.Errorf("freeze tally: %w", err)
			}
			groupsData[g.Key] = map[string]any{"eligible": g.Eligible, "voted": g.Voted(), "approve": g.Approve, "reject": g.Reject,
				"abstain": g.Abstain, "quorum_met": g.QuorumMet, "approved": g.Approved}
		}
		if o.Approval.Adopted {
			result = ResultAdopted
			adopted = []int64{b.VersionID}
			vid := b.VersionID
			resultVersion = &vid
		} else {
			rejected = []int64{b.VersionID}
		}
	}
	if err := tx.Model(&Ballot{}).Where("id = ?", id).Updates(map[string]any{"result": result, "result_version_id": resultVersion}).Error; err != nil {
		return fmt.Errorf("store result of ballot %d: %w", id, err)
	}
	for _, set := range []struct {
		ids            []int64
		status, action string
	}{{adopted, StatusAdopted, "version.adopt"}, {rejected, StatusRejected, "version.reject"}} {
		for _, vid := range set.ids {
			if err := tx.Model(&Version{}).Where("id = ?", vid).Updates(map[string]any{"status": set.status, "updated_at": now}).Error; err != nil {
				return fmt.Errorf("set version %d %s: %w", vid, set.status, err)
			}
			if err := s.record(tx, actor, set.action, "version", vid, map[string]any{"ballot_id": id, "document_id": v.DocumentID}); err != nil {
				return err
			}
		}
	}
	if err := s.record(tx, actor, "ballot.close", "ballot", id, map[string]any{"version_id": b.VersionID, "document_id": v.DocumentID,
		"result": result, "result_version_id": resultVersion, "rule": b.Rule, "quorum_percent": b.QuorumPercent, "auto": auto, "groups": groupsData}); err != nil {
		return err
	}
	if err := s.emit(tx, LiveEvent{Kind: LiveBallot, Action: "ballot.close", VersionID: b.VersionID, BallotID: id}); err != nil {
		return err
	}
	_, err = s.checkpointTx(tx, "ballot_closed")
	return err
}
