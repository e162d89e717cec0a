package models

import (
	"context"
	"fmt"
	"io"

	"roundtable/models/auditlog"
)

// exportBatch is how many events are read per query while exporting: large
// enough to amortise the round trip, small enough that memory stays flat
// however long the log is.
const exportBatch = 2000

// ExportAudit streams the whole history as an NDJSON export (format in
// models/auditlog/doc.go): a header with the public key, every event oldest
// first with its stored hashes, and each signed checkpoint right after the
// event whose seq is its size. It writes what is stored, recomputing
// nothing, so that the offline verifier judges the database as it is. The
// export covers the log as it was when the export began. It returns the
// number of events written.
func (s *Store) ExportAudit(ctx context.Context, w io.Writer) (int64, error) {
	if s.signer == nil {
		return 0, Errorf(KindUnavailable, "no_signing_key", "This server has no history signing key, so its history cannot be exported for verification.")
	}
	db := s.db.WithContext(ctx)
	size, err := s.AuditSize(ctx)
	if err != nil {
		return 0, err
	}
	cps, err := s.Checkpoints(ctx)
	if err != nil {
		return 0, err
	}
	ew, err := auditlog.NewExportWriter(w, auditlog.ExportHeader{Origin: s.signer.Name(), VerifierKey: s.verifier, ExportedAt: s.Now()})
	if err != nil {
		return 0, fmt.Errorf("export header: %w", err)
	}
	names := map[int64]string{}
	next, written := 0, int64(0)
	var after int64
	for after < size {
		var evs []AuditEvent
		if err := db.Where("seq > ? AND seq <= ?", after, size).Order("seq").Limit(exportBatch).Find(&evs).Error; err != nil {
			return written, fmt.Errorf("export events after %d: %w", after, err)
		}
		if len(evs) == 0 {
			break
		}
		if err := s.actorNames(ctx, evs, names); err != nil {
			return written, err
		}
		for i := range evs {
			e := &evs[i]
			// A checkpoint whose own event is missing still goes out (late),
			// so that the verifier sees and reports it.
			for next < len(cps) && cps[next].Size < e.Seq {
				if err := ew.WriteStrayCheckpoint([]byte(cps[next].Note)); err != nil {
					return written, err
				}
				next++
			}
			x := e.ExportEvent()
			if e.ActorID != nil {
				x.ActorName = names[*e.ActorID]
			}
			if err := ew.WriteEvent(x); err != nil {
				return written, err
			}
			written++
			for next < len(cps) && cps[next].Size == e.Seq {
				if err := ew.WriteCheckpoint([]byte(cps[next].Note)); err != nil {
					return written, err
				}
				next++
			}
		}
		after = evs[len(evs)-1].Seq
	}
	// Checkpoints beyond the stored events mean events were removed; they
	// are part of what is stored, so they are exported too.
	for ; next < len(cps); next++ {
		if cps[next].Size > size {
			continue // signed after the export began
		}
		if err := ew.WriteStrayCheckpoint([]byte(cps[next].Note)); err != nil {
			return written, err
		}
	}
	return written, ew.Flush()
}

// actorNames fills names with the display names of the events' actors not
// looked up yet. Names are shown, never hashed: people may be renamed.
func (s *Store) actorNames(ctx context.Context, evs []AuditEvent, names map[int64]string) error {
	var ids []int64
	seen := map[int64]bool{}
	for _, e := range evs {
		if e.ActorID == nil {
			continue
		}
		if _, ok := names[*e.ActorID]; !ok && !seen[*e.ActorID] {
			seen[*e.ActorID] = true
			ids = append(ids, *e.ActorID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var rows []struct {
		ID   int64
		Name string
	}
	if err := s.db.WithContext(ctx).Table("users").Select("id, name").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return fmt.Errorf("actor names: %w", err)
	}
	for _, id := range ids {
		names[id] = ""
	}
	for _, r := range rows {
		names[r.ID] = r.Name
	}
	return nil
}

// AuditEventBatches calls fn with successive pages of the events f selects,
// oldest first, until there are no more, so that an export of any length
// holds one page in memory. f.Before is ignored.
func (s *Store) AuditEventBatches(ctx context.Context, f AuditFilter, fn func([]AuditEvent) error) error {
	f.Before = 0
	f.Limit = MaxAuditPage
	for {
		evs, err := s.AuditEvents(ctx, f)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		if err := fn(evs); err != nil {
			return err
		}
		f.After = evs[len(evs)-1].Seq
	}
}
