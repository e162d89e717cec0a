package models

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OpsSnapshot is what an operator's metrics read from the database: a few
// cheap counts, all answered from the head row or an index.
type OpsSnapshot struct {
	AuditEvents int64
	// LastCheckpointAt is nil before the first signed checkpoint.
	LastCheckpointAt   *time.Time
	LastCheckpointSize int64
	OpenBallots        int64
	ImportsRunning     int64
	ImportsCommitted   int64
}

// OpsSnapshot reads the operational figures for /metrics.
func (s *Store) OpsSnapshot(ctx context.Context) (*OpsSnapshot, error) {
	db := s.db.WithContext(ctx)
	var o OpsSnapshot
	size, err := s.AuditSize(ctx)
	if err != nil {
		return nil, err
	}
	o.AuditEvents = size
	var last AuditCheckpoint
	switch err := db.Order("size DESC, id DESC").Limit(1).Find(&last).Error; {
	case err != nil:
		return nil, fmt.Errorf("ops: last checkpoint: %w", err)
	case last.ID != 0:
		at := last.CreatedAt.UTC()
		o.LastCheckpointAt, o.LastCheckpointSize = &at, last.Size
	}
	if err := db.Model(&Ballot{}).Where("status = ?", BallotOpen).Count(&o.OpenBallots).Error; err != nil {
		return nil, fmt.Errorf("ops: open ballots: %w", err)
	}
	if err := db.Model(&ReportBatch{}).Where("status = ?", BatchRunning).Count(&o.ImportsRunning).Error; err != nil {
		return nil, fmt.Errorf("ops: running imports: %w", err)
	}
	if err := db.Model(&ReportBatch{}).Where("status = ?", BatchCommitted).Count(&o.ImportsCommitted).Error; err != nil {
		return nil, fmt.Errorf("ops: committed imports: %w", err)
	}
	return &o, nil
}

// PoolStats are the connection pool's figures (open, in use, idle, waits).
func (s *Store) PoolStats() (sql.DBStats, error) {
	sqlDB, err := s.db.DB()
	if err != nil {
		return sql.DBStats{}, fmt.Errorf("database handle: %w", err)
	}
	return sqlDB.Stats(), nil
}
