package models

import (
	"context"
	"fmt"
)

// DecisionRecord is everything an auditor files about one version: its
// text, the response register, each ballot held on it with the per-group
// result and the named votes, and the signed checkpoint that covers the
// version's whole history up to now.
type DecisionRecord struct {
	Version  *Version
	Register *Register
	Ballots  []BallotRecord
	// LatestSeq is the newest event in the version's history; Checkpoint
	// is the first signed checkpoint whose size reaches it (nil until one
	// is signed).
	LatestSeq  int64
	Checkpoint *AuditCheckpoint
}

// BallotRecord is a ballot with its frozen tallies and, once closed, the
// named votes. While a ballot is open its votes stay unnamed here, as
// everywhere else.
type BallotRecord struct {
	Ballot  Ballot
	Tallies []BallotTally
	Votes   []Vote
}

// DecisionRecord assembles the record of version v.
func (s *Store) DecisionRecord(ctx context.Context, v *Version) (*DecisionRecord, error) {
	reg, err := s.ResponseRegister(ctx, v)
	if err != nil {
		return nil, err
	}
	r := &DecisionRecord{Version: v, Register: reg}
	ballots, err := s.BallotsOfVersion(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	for i := len(ballots) - 1; i >= 0; i-- { // oldest first, as a record reads
		br := BallotRecord{Ballot: ballots[i]}
		if br.Ballot.Status == BallotClosed {
			if err := s.db.WithContext(ctx).Where("ballot_id = ?", br.Ballot.ID).Order("id").Find(&br.Tallies).Error; err != nil {
				return nil, fmt.Errorf("tallies of ballot %d: %w", br.Ballot.ID, err)
			}
			if br.Votes, err = s.Votes(ctx, br.Ballot.ID); err != nil {
				return nil, err
			}
		}
		r.Ballots = append(r.Ballots, br)
	}
	if r.LatestSeq, err = s.LatestEventOf(ctx, HistoryObject{Type: "version", ID: v.ID}); err != nil {
		return nil, err
	}
	if r.LatestSeq > 0 {
		if r.Checkpoint, err = s.CoveringCheckpoint(ctx, r.LatestSeq); err != nil {
			return nil, err
		}
	}
	return r, nil
}
