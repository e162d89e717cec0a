package models

import (
	"context"
	"fmt"

	"roundtable/models/auditlog"
)

var (
	errNoSuchEvent = &Error{Kind: KindNotFound, Code: "no_such_event", Message: "No event has this sequence number."}
	errNoSuchCheck = &Error{Kind: KindNotFound, Code: "no_such_checkpoint", Message: "No signed checkpoint has this size."}
)

// CheckpointBySize returns the stored checkpoint of exactly this size.
func (s *Store) CheckpointBySize(ctx context.Context, size int64) (*AuditCheckpoint, error) {
	var cp AuditCheckpoint
	err := s.db.WithContext(ctx).Where("size = ?", size).Order("id").First(&cp).Error
	if isNotFound(err) {
		return nil, errNoSuchCheck
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint of size %d: %w", size, err)
	}
	return &cp, nil
}

// LatestCheckpoint returns the newest signed checkpoint, or nil.
func (s *Store) LatestCheckpoint(ctx context.Context) (*AuditCheckpoint, error) {
	var cp AuditCheckpoint
	err := s.db.WithContext(ctx).Order("size DESC, id DESC").First(&cp).Error
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest checkpoint: %w", err)
	}
	return &cp, nil
}

// CoveringCheckpoint returns the first signed checkpoint whose size is at
// least seq, i.e. the earliest signature that vouches for event seq; nil if
// none does yet.
func (s *Store) CoveringCheckpoint(ctx context.Context, seq int64) (*AuditCheckpoint, error) {
	var cp AuditCheckpoint
	err := s.db.WithContext(ctx).Where("size >= ?", seq).Order("size, id").First(&cp).Error
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint covering %d: %w", seq, err)
	}
	return &cp, nil
}

// AuditEventBySeq returns one event with its actor.
func (s *Store) AuditEventBySeq(ctx context.Context, seq int64) (*AuditEvent, error) {
	var ev AuditEvent
	err := s.db.WithContext(ctx).Preload("Actor").Preload("Actor.Group").Where("seq = ?", seq).First(&ev).Error
	if isNotFound(err) {
		return nil, errNoSuchEvent
	}
	if err != nil {
		return nil, fmt.Errorf("event %d: %w", seq, err)
	}
	return &ev, nil
}

// ExportEvent is the event as an export line carries it.
func (e *AuditEvent) ExportEvent() auditlog.ExportEvent {
	out := auditlog.ExportEvent{Record: e.Record(), PrevHash: e.PrevHash, Hash: e.Hash}
	if e.Actor != nil {
		out.ActorName = e.Actor.Name
	}
	return out
}

// InclusionProof is an event, the checkpoint it is proven against and the
// proof: everything an auditor needs to check offline that the event is in
// the signed log.
type InclusionProof struct {
	Event      *AuditEvent
	Checkpoint *AuditCheckpoint
	Proof      auditlog.InclusionProof
}

// ProveInclusion proves that event seq is in the log of a signed
// checkpoint: the one of the given size, or the newest if size is 0. The
// proof is built from the stored tree hashes, which the auditor need not
// trust: it is checked against the signed root.
func (s *Store) ProveInclusion(ctx context.Context, seq, size int64) (*InclusionProof, error) {
	ev, err := s.AuditEventBySeq(ctx, seq)
	if err != nil {
		return nil, err
	}
	var cp *AuditCheckpoint
	if size == 0 {
		if cp, err = s.LatestCheckpoint(ctx); err != nil {
			return nil, err
		}
		if cp == nil || cp.Size < seq {
			return nil, Errorf(KindConflict, "not_checkpointed", "Event %d is not covered by a signed checkpoint yet; the next one is signed within minutes.", seq)
		}
	} else if cp, err = s.CheckpointBySize(ctx, size); err != nil {
		return nil, err
	}
	if seq > cp.Size {
		return nil, Errorf(KindInvalid, "not_in_checkpoint", "Event %d came after the checkpoint of size %d.", seq, cp.Size).WithField("size", "too_small")
	}
	p, err := auditlog.ProveInclusion(seq, cp.Size, txHashReader{s.db.WithContext(ctx)})
	if err != nil {
		return nil, fmt.Errorf("inclusion of %d in %d: %w", seq, cp.Size, err)
	}
	return &InclusionProof{Event: ev, Checkpoint: cp, Proof: p}, nil
}

// ConsistencyProof shows that the log signed at New extends the one at Old.
type ConsistencyProof struct {
	Old, New *AuditCheckpoint
	Proof    auditlog.ConsistencyProof
}

// ProveConsistency proves that the signed checkpoint of size to extends
// the one of size from (to 0 = the newest).
func (s *Store) ProveConsistency(ctx context.Context, from, to int64) (*ConsistencyProof, error) {
	old, err := s.CheckpointBySize(ctx, from)
	if err != nil {
		return nil, err
	}
	var cur *AuditCheckpoint
	if to == 0 {
		if cur, err = s.LatestCheckpoint(ctx); err != nil {
			return nil, err
		}
	} else if cur, err = s.CheckpointBySize(ctx, to); err != nil {
		return nil, err
	}
	if old.Size > cur.Size {
		return nil, Errorf(KindInvalid, "sizes_reversed", "The older checkpoint (%d) must not be larger than the newer one (%d).", old.Size, cur.Size).WithField("from", "too_large")
	}
	p, err := auditlog.ProveConsistency(old.Size, cur.Size, txHashReader{s.db.WithContext(ctx)})
	if err != nil {
		return nil, fmt.Errorf("consistency %d→%d: %w", old.Size, cur.Size, err)
	}
	return &ConsistencyProof{Old: old, New: cur, Proof: p}, nil
}
