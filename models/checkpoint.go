package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"roundtable/models/auditlog"
)

// VerifierKey is the public key that checks the server's checkpoints, in
// signed-note verifier format; empty when the store has no signer.
func (s *Store) VerifierKey() string { return s.verifier }

// ensureLogKey makes the history name its signing key: the first event of
// a new log records the key's fingerprint, and a later change of key is
// itself recorded, so an auditor sees exactly when a key took over.
func (s *Store) ensureLogKey(ctx context.Context) error {
	if s.signer == nil {
		return nil
	}
	fp := auditlog.KeyFingerprint(s.verifier)
	return s.tx(ctx, func(tx *gorm.DB) error {
		// Take the head's row lock before looking: instances starting
		// together would otherwise both see no key event and both
		// register the key.
		if err := tx.Exec("UPDATE audit_heads SET size = size WHERE id = 1").Error; err != nil {
			return fmt.Errorf("lock audit head: %w", err)
		}
		var last AuditEvent
		err := tx.Where("action IN ?", []string{auditlog.ActionKeyInit, auditlog.ActionKeyChanged}).Order("seq DESC").First(&last).Error
		action := auditlog.ActionKeyInit
		switch {
		case isNotFound(err):
		case err != nil:
			return fmt.Errorf("find signing key event: %w", err)
		case auditlog.RegisteredKey(last.Action, []byte(last.Data)) == s.verifier:
			return nil
		default:
			action = auditlog.ActionKeyChanged
		}
		if err := s.record(tx, SystemActor(), action, "audit_log", 0,
			map[string]any{"key_fingerprint": fp, "origin": s.signer.Name(), "public_key": s.verifier}); err != nil {
			return err
		}
		// A key is trusted only once a checkpoint it signed covers its
		// registration (see auditlog/keyring.go), so sign one at once.
		_, err = s.checkpointTx(tx, "key_registered")
		return err
	})
}

// Checkpoint signs the current size and root if the log grew since the
// last checkpoint. Milestones call checkpointTx inside their own
// transaction instead, so the signature covers the milestone's event.
func (s *Store) Checkpoint(ctx context.Context, reason string) (*AuditCheckpoint, error) {
	var cp *AuditCheckpoint
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		cp, err = s.checkpointTx(tx, reason)
		return err
	})
	return cp, err
}

func (s *Store) checkpointTx(tx *gorm.DB, reason string) (*AuditCheckpoint, error) {
	if s.signer == nil {
		return nil, nil
	}
	// The no-op update takes the head's row lock, so the size we sign is
	// not moved by a concurrent writer until we commit.
	if err := tx.Exec("UPDATE audit_heads SET size = size WHERE id = 1").Error; err != nil {
		return nil, fmt.Errorf("checkpoint: lock head: %w", err)
	}
	var head auditHead
	if err := tx.First(&head, 1).Error; err != nil {
		return nil, fmt.Errorf("checkpoint: read head: %w", err)
	}
	var last AuditCheckpoint
	err := tx.Order("size DESC, id DESC").First(&last).Error
	if err != nil && !isNotFound(err) {
		return nil, fmt.Errorf("checkpoint: read last: %w", err)
	}
	if head.Size == 0 || (err == nil && last.Size >= head.Size) {
		return nil, nil
	}
	root, err := auditlog.TreeRoot(head.Size, txHashReader{tx})
	if err != nil {
		return nil, fmt.Errorf("checkpoint: root of %d: %w", head.Size, err)
	}
	msg, err := auditlog.SignCheckpoint(auditlog.Checkpoint{Origin: s.signer.Name(), Size: head.Size, Root: root}, s.signer)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	cp := &AuditCheckpoint{Size: head.Size, Root: auditlog.HashHex(root), Note: string(msg), Reason: reason, CreatedAt: s.Now()}
	if err := tx.Create(cp).Error; err != nil {
		return nil, fmt.Errorf("checkpoint: store: %w", err)
	}
	return cp, nil
}

// Checkpoints lists every signed checkpoint, oldest first.
func (s *Store) Checkpoints(ctx context.Context) ([]AuditCheckpoint, error) {
	var cps []AuditCheckpoint
	if err := s.db.WithContext(ctx).Order("size, id").Find(&cps).Error; err != nil {
		return nil, fmt.Errorf("list checkpoints: %w", err)
	}
	return cps, nil
}

// VerifyResult is the outcome of recomputing the history.
type VerifyResult struct {
	OK          bool
	Count       int64
	Head        string
	FirstBadSeq int64
	// SignedSize is how far signed checkpoints vouch for the log; events
	// after it are protected by the hash chain alone until the next one.
	SignedSize     int64
	KeyFingerprint string
	Problems       []string
	Checkpoint     *AuditCheckpoint // the newest, for display
}

const verifyBatch = 2000

// VerifyAudit recomputes every event's canonical bytes, leaf hash and chain
// hash from the stored columns, rebuilds the Merkle root and checks it
// against every signed checkpoint, each with the key the log had registered
// at its size. The rows go through auditlog.Verifier, the same code that
// checks an export offline, so the server and `roundtable audit verify`
// cannot disagree about what counts as intact. On top of that it checks
// what only the database has: the stored tree hashes (which proofs are
// built from) and the head row.
//
// It reads the log as it was when it started, so events appended meanwhile
// are neither checked nor mistaken for damage.
func (s *Store) VerifyAudit(ctx context.Context) (*VerifyResult, error) {
	db := s.db.WithContext(ctx)
	var head auditHead
	if err := db.First(&head, 1).Error; err != nil {
		return nil, fmt.Errorf("verify: read head: %w", err)
	}
	cps, err := s.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	extra := &extraProblems{}
	var v auditlog.Verifier
	var notes [][]byte
	for _, cp := range cps {
		if cp.Size <= head.Size {
			notes = append(notes, []byte(cp.Note))
		}
	}
	v.CheckNotes(s.verifier, notes...)
	// Proofs are built from the stored tree hashes, so they must describe
	// the same tree as the events.
	if root, err := auditlog.TreeRoot(head.Size, txHashReader{db}); err != nil {
		extra.add(head.Size, "the stored tree hashes cannot give the root of %d events: %v", head.Size, err)
	} else {
		v.Check(auditlog.Checkpoint{Size: head.Size, Root: root})
	}
	var after int64
	lastHash := zeroHashHex
	for after < head.Size {
		var evs []AuditEvent
		err := db.Where("seq > ? AND seq <= ?", after, head.Size).Order("seq").Limit(verifyBatch).Find(&evs).Error
		if err != nil {
			return nil, fmt.Errorf("verify: read events after %d: %w", after, err)
		}
		for i := range evs {
			v.Add(evs[i].Record(), evs[i].PrevHash, evs[i].Hash)
		}
		if len(evs) == 0 {
			break
		}
		after = evs[len(evs)-1].Seq
		lastHash = evs[len(evs)-1].Hash
	}
	rep := v.Report()
	if rep.Count != head.Size {
		extra.add(min(head.Size, rep.Count)+1, "the log head says %d events but %d are stored", head.Size, rep.Count)
	} else if lastHash != head.LastHash {
		extra.add(head.Size, "the log head's last hash differs from event %d's stored hash", head.Size)
	}
	// One statement, so a writer committing meanwhile cannot make it lie:
	// in any committed state the newest seq equals the head's size.
	var beyond int64
	if err := db.Model(&AuditEvent{}).Where("seq > (SELECT size FROM audit_heads WHERE id = 1)").Count(&beyond).Error; err != nil {
		return nil, fmt.Errorf("verify: count events beyond the head: %w", err)
	}
	if beyond > 0 {
		extra.add(head.Size+1, "%d events are stored beyond the log head", beyond)
	}
	res := &VerifyResult{OK: rep.OK && len(extra.msgs) == 0, Count: rep.Count, Head: rep.Head,
		FirstBadSeq: rep.FirstBadSeq, SignedSize: rep.SignedSize, KeyFingerprint: rep.KeyFingerprint,
		Problems: append(rep.Problems, extra.msgs...)}
	for _, b := range extra.blame {
		if res.FirstBadSeq == 0 || b < res.FirstBadSeq {
			res.FirstBadSeq = b
		}
	}
	if len(cps) > 0 {
		res.Checkpoint = &cps[len(cps)-1]
	}
	return res, nil
}

// extraProblems are what the database check finds beyond the Verifier.
type extraProblems struct {
	msgs  []string
	blame []int64
}

func (p *extraProblems) add(seq int64, format string, args ...any) {
	p.msgs = append(p.msgs, fmt.Sprintf(format, args...))
	if seq > 0 {
		p.blame = append(p.blame, seq)
	}
}
