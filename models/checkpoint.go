package models

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
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
		var last AuditEvent
		err := tx.Where("action IN ?", []string{"audit.init", "audit.key_changed"}).Order("seq DESC").First(&last).Error
		switch {
		case isNotFound(err):
			return s.record(tx, SystemActor(), "audit.init", "audit_log", 0,
				map[string]any{"key_fingerprint": fp, "origin": s.signer.Name(), "public_key": s.verifier})
		case err != nil:
			return fmt.Errorf("find signing key event: %w", err)
		}
		if strings.Contains(last.Data, `"key_fingerprint":"`+fp+`"`) {
			return nil
		}
		return s.record(tx, SystemActor(), "audit.key_changed", "audit_log", 0,
			map[string]any{"key_fingerprint": fp, "origin": s.signer.Name(), "public_key": s.verifier})
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
	Problems    []string
	Checkpoint  *AuditCheckpoint
}

const verifyBatch = 2000

// VerifyAudit recomputes every event's canonical bytes, leaf hash and
// chain hash from the stored columns, rebuilds the Merkle root, and checks
// it against every signed checkpoint. A row changed behind the
// application's back no longer hashes to its stored hash (or, if the hashes
// were rewritten too, no longer matches a signed checkpoint), and the
// first such sequence number is reported.
func (s *Store) VerifyAudit(ctx context.Context) (*VerifyResult, error) {
	db := s.db.WithContext(ctx)
	cps, err := s.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	res := &VerifyResult{OK: true, Problems: []string{}}
	if len(cps) > 0 {
		res.Checkpoint = &cps[len(cps)-1]
	}
	bad := func(seq int64, format string, args ...any) {
		res.OK = false
		if res.FirstBadSeq == 0 || seq < res.FirstBadSeq {
			res.FirstBadSeq = seq
		}
		if len(res.Problems) < 20 {
			res.Problems = append(res.Problems, fmt.Sprintf(format, args...))
		}
	}
	var b auditlog.Builder
	storedPrev := zeroHashHex
	// The key that signs checkpoints is named in the history itself
	// (audit.init, audit.key_changed), so a checkpoint is checked with the
	// key in force when it was signed, not with today's key.
	key := ""
	next := 0 // next checkpoint to compare
	var after int64
	for {
		var evs []AuditEvent
		if err := db.Where("seq > ?", after).Order("seq").Limit(verifyBatch).Find(&evs).Error; err != nil {
			return nil, fmt.Errorf("verify: read events after %d: %w", after, err)
		}
		for i := range evs {
			e := &evs[i]
			want := b.Size() + 1
			if e.Seq != want {
				bad(want, "event %d is missing (found %d next)", want, e.Seq)
				return res, nil
			}
			leaf := auditlog.LeafHash(e.Record().Canonical())
			// Each link is checked on its own (stored previous hash + this
			// row), so one edited row is named alone instead of making every
			// later row look bad too.
			prev, err := auditlog.ParseHashHex(e.PrevHash)
			switch {
			case err != nil || e.PrevHash != storedPrev:
				bad(e.Seq, "event %d does not link to event %d", e.Seq, e.Seq-1)
			case auditlog.HashHex(auditlog.ChainHash(prev, leaf)) != e.Hash:
				bad(e.Seq, "event %d does not hash to its stored hash", e.Seq)
			}
			storedPrev = e.Hash
			if k := signingKeyOf(e); k != "" {
				key = k
			}
			b.Append(leaf)
			for next < len(cps) && cps[next].Size == b.Size() {
				checkAgainst(key, &cps[next], b.Root(), bad)
				next++
			}
		}
		if len(evs) < verifyBatch {
			break
		}
		after = evs[len(evs)-1].Seq
	}
	if s.verifier != "" && key != "" && key != s.verifier {
		bad(b.Size(), "the history's last registered signing key is not this server's key")
	}
	res.Count = b.Size()
	res.Head = auditlog.HashHex(b.Root())
	for ; next < len(cps); next++ {
		bad(res.Count+1, "checkpoint of size %d is longer than the log (%d events): events were removed", cps[next].Size, res.Count)
	}
	size, err := s.AuditSize(ctx)
	if err != nil {
		return nil, err
	}
	if size != res.Count {
		bad(min(size, res.Count)+1, "the log head says %d events but %d are stored", size, res.Count)
	}
	return res, nil
}

// signingKeyOf returns the verifier key an audit.init or audit.key_changed
// event registers, or "".
func signingKeyOf(e *AuditEvent) string {
	if e.Action != "audit.init" && e.Action != "audit.key_changed" {
		return ""
	}
	var d struct {
		PublicKey string `json:"public_key"`
	}
	if json.Unmarshal([]byte(e.Data), &d) != nil {
		return ""
	}
	return d.PublicKey
}

// checkAgainst compares a checkpoint, whose signature must verify with the
// key in force at its size, with the recomputed root at its size.
func checkAgainst(key string, cp *AuditCheckpoint, root tlog.Hash, bad func(int64, string, ...any)) {
	if key != "" {
		signed, err := auditlog.OpenCheckpoint([]byte(cp.Note), key)
		if err != nil {
			bad(cp.Size, "checkpoint of size %d: %v", cp.Size, err)
			return
		}
		if signed.Size != cp.Size || signed.Root != root {
			bad(cp.Size, "checkpoint of size %d was signed for a different history (root %s, recomputed %s)",
				cp.Size, base64.StdEncoding.EncodeToString(signed.Root[:]), base64.StdEncoding.EncodeToString(root[:]))
		}
		return
	}
	if cp.Root != auditlog.HashHex(root) {
		bad(cp.Size, "checkpoint of size %d does not match the recomputed root", cp.Size)
	}
}
