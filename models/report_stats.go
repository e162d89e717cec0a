package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"roundtable/models/disclosure"
	"roundtable/models/stats"
)

// StatsSnapshot is the statistics of every committed import up to one
// batch, computed once when the batch was committed. Its tables are
// stored and served as they are.
type StatsSnapshot struct {
	ID            int64
	BatchID       int64
	Reports       int64
	Reporters     int64
	Rules         string
	Headline      string
	ComputeMillis int64
	CreatedAt     time.Time
}

// StatsTable is one stored table of a snapshot: the exact bytes the API
// serves.
type StatsTable struct {
	SnapshotID int64
	TableKey   string
	Payload    string
}

// Headline is the published number of reports and of distinct reporters.
type Headline struct {
	Reports   stats.Total `json:"reports"`
	Reporters stats.Total `json:"reporters"`
}

// PublishedRules decodes the rules the snapshot was published under.
func (s *StatsSnapshot) PublishedRules() disclosure.Rules {
	var r disclosure.Rules
	if json.Unmarshal([]byte(s.Rules), &r) != nil {
		return disclosure.DefaultRules()
	}
	return r.WithDefaults()
}

// PublishedHeadline decodes the stored headline figures.
func (s *StatsSnapshot) PublishedHeadline() Headline {
	var h Headline
	_ = json.Unmarshal([]byte(s.Headline), &h) // written by us
	return h
}

// computeSnapshot aggregates every report of the committed imports plus
// batch (the one being committed), reporter by reporter, and applies the
// disclosure rules. It streams the reports sorted by reporter, so memory
// stays proportional to the number of table cells.
func (s *Store) computeSnapshot(ctx context.Context, batchID int64, rules disclosure.Rules) (*stats.Published, *stats.Aggregator, error) {
	rows, err := s.db.WithContext(ctx).Raw(`SELECT reporter_key, service, reporter_type, damage_type, paid, amount_band, region, week, sector, claimed_amount
FROM reports WHERE batch_id IN (SELECT id FROM report_batches WHERE status = ? OR id = ?) ORDER BY reporter_key`, BatchCommitted, batchID).Rows()
	if err != nil {
		return nil, nil, fmt.Errorf("read reports for statistics: %w", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err below reports what matters
	coder := stats.NewCoder()
	agg := stats.NewAggregator()
	var (
		cur     []byte
		pending []stats.Report
		key     sql.RawBytes
		v       [9]sql.RawBytes
		amount  int64
	)
	for rows.Next() {
		if err := rows.Scan(&key, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &amount); err != nil {
			return nil, nil, fmt.Errorf("scan report for statistics: %w", err)
		}
		if string(key) != string(cur) {
			agg.AddReporter(pending)
			pending = pending[:0]
			cur = append(cur[:0], key...)
		}
		r, err := coder.Report(stats.Values{Service: string(v[0]), ReporterType: string(v[1]), DamageType: string(v[2]),
			Paid: string(v[3]), AmountBand: string(v[4]), Region: string(v[5]), Week: string(v[6]), Sector: string(v[7])}, amount)
		if err != nil {
			return nil, nil, err
		}
		pending = append(pending, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read reports for statistics: %w", err)
	}
	agg.AddReporter(pending)
	pub, err := stats.Publish(rules, agg)
	if err != nil {
		return nil, nil, err
	}
	return pub, agg, nil
}

// commit computes the new snapshot, then in one transaction makes the
// batch's reports count, stores the snapshot and its tables, records the
// import in the history and signs a checkpoint (an import is a
// milestone).
func (r *Reports) commit(ctx context.Context, actor Actor, b *ReportBatch, saved int64) error {
	start := time.Now()
	pub, agg, err := r.store.computeSnapshot(ctx, b.ID, r.rules)
	if err != nil {
		return err
	}
	rules, err := json.Marshal(pub.Rules)
	if err != nil {
		return fmt.Errorf("encode rules: %w", err)
	}
	headline, err := json.Marshal(Headline{Reports: pub.Reports, Reporters: pub.Reporters})
	if err != nil {
		return fmt.Errorf("encode headline: %w", err)
	}
	snap := &StatsSnapshot{BatchID: b.ID, Reports: agg.Reports(), Reporters: agg.Reporters(), Rules: string(rules),
		Headline: string(headline), CreatedAt: r.store.Now()}
	return r.store.tx(ctx, func(tx *gorm.DB) error {
		now := r.store.Now()
		res := tx.Model(&ReportBatch{}).Where("id = ? AND status = ?", b.ID, BatchRunning).Updates(map[string]any{
			"status": BatchCommitted, "phase": PhaseDone, "running": nil, "imported": saved, "rows_saved": saved,
			"finished_at": now, "heartbeat_at": now})
		if res.Error != nil {
			return fmt.Errorf("commit import %d: %w", b.ID, res.Error)
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("commit import %d: it is no longer running", b.ID)
		}
		snap.ComputeMillis = time.Since(start).Milliseconds()
		if err := tx.Create(snap).Error; err != nil {
			return fmt.Errorf("store snapshot: %w", err)
		}
		var rows []StatsTable
		for _, t := range pub.Tables {
			t.SnapshotID = snap.ID
			views := []stats.Table{t}
			if t.Cols != nil {
				views = append(views, t.Transpose())
			}
			for _, v := range views {
				payload, err := json.Marshal(v)
				if err != nil {
					return fmt.Errorf("encode table %s: %w", v.Table, err)
				}
				rows = append(rows, StatsTable{SnapshotID: snap.ID, TableKey: v.Table, Payload: string(payload)})
			}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("store tables: %w", err)
		}
		if err := r.store.record(tx, actor, "reports.import", "report_batch", b.ID, map[string]any{
			"snapshot_id": snap.ID, "reports": saved, "sha256": b.SHA256, "format": b.Format, "bytes": b.Bytes, "tables": len(rows)}); err != nil {
			return err
		}
		_, err := r.store.checkpointTx(tx, "reports_import")
		return err
	})
}

// ErrNoSnapshot means no import has been committed yet.
var ErrNoSnapshot = &Error{Kind: KindConflict, Code: "no_snapshot", Message: "No damage reports have been imported yet, so there are no statistics to show."}

// LatestSnapshot returns the snapshot of the latest committed import, the
// only one members and auditors see: showing two snapshots side by side
// would let a reader subtract one from the other.
func (s *Store) LatestSnapshot(ctx context.Context) (*StatsSnapshot, error) {
	var snap StatsSnapshot
	err := s.db.WithContext(ctx).Order("id DESC").First(&snap).Error
	switch {
	case isNotFound(err):
		return nil, ErrNoSnapshot
	case err != nil:
		return nil, fmt.Errorf("latest snapshot: %w", err)
	}
	return &snap, nil
}

// StatsTablePayload returns the stored JSON of one table of the latest
// snapshot, by key ("service", "service.paid", "paid.service"): one
// indexed read, served byte for byte.
func (s *Store) StatsTablePayload(ctx context.Context, key string) ([]byte, error) {
	var payload []byte
	err := s.db.WithContext(ctx).Raw(`SELECT payload FROM stats_tables WHERE snapshot_id = (SELECT MAX(id) FROM stats_snapshots) AND table_key = ?`, key).Row().Scan(&payload)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, serr := s.LatestSnapshot(ctx); serr != nil {
			return nil, serr
		}
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("read table %s: %w", key, err)
	}
	return payload, nil
}

// StatsTables returns every stored table of a snapshot, decoded, in
// catalogue order (transposed copies left out).
func (s *Store) StatsTables(ctx context.Context, snapshotID int64) ([]stats.Table, error) {
	var rows []StatsTable
	if err := s.db.WithContext(ctx).Where("snapshot_id = ?", snapshotID).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read tables of snapshot %d: %w", snapshotID, err)
	}
	byKey := map[string]string{}
	for _, r := range rows {
		byKey[r.TableKey] = r.Payload
	}
	var out []stats.Table
	for _, spec := range stats.Catalogue() {
		p, ok := byKey[spec.Key()]
		if !ok {
			return nil, fmt.Errorf("snapshot %d lacks table %s", snapshotID, spec.Key())
		}
		var t stats.Table
		if err := json.Unmarshal([]byte(p), &t); err != nil {
			return nil, fmt.Errorf("decode table %s: %w", spec.Key(), err)
		}
		out = append(out, t)
	}
	return out, nil
}

// ImportBatches lists the latest imports, newest first, with who ran them.
func (s *Store) ImportBatches(ctx context.Context, limit int) ([]ReportBatch, error) {
	var out []ReportBatch
	if err := s.db.WithContext(ctx).Preload("Creator").Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	return out, nil
}

// ImportBatch returns one import with its progress or outcome.
func (s *Store) ImportBatch(ctx context.Context, id int64) (*ReportBatch, error) {
	var b ReportBatch
	err := s.db.WithContext(ctx).Preload("Creator").First(&b, id).Error
	switch {
	case isNotFound(err):
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("read import %d: %w", id, err)
	}
	return &b, nil
}

// ImportRunning reports whether an import is running anywhere.
func (s *Store) ImportRunning(ctx context.Context) (*ReportBatch, error) {
	var b ReportBatch
	err := s.db.WithContext(ctx).Where("status = ?", BatchRunning).First(&b).Error
	switch {
	case isNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("find running import: %w", err)
	}
	return &b, nil
}
