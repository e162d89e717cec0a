package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"roundtable/models/compensation"
	"roundtable/models/disclosure"
	"roundtable/models/stats"
)

// ImpactEstimate is a stored estimate: computed once per (version,
// statistics snapshot, rules) and then served byte for byte, so an estimate
// is identical on every request and after restarts, and a draft whose rules
// change gets a new one.
type ImpactEstimate struct {
	ID            int64
	VersionID     int64
	SnapshotID    int64
	RulesSHA256   string `gorm:"column:rules_sha256"`
	Payload       string
	ComputeMillis int64
	CreatedAt     time.Time
}

// ImpactRule is one rule's published figures.
type ImpactRule struct {
	Index       int    `json:"index"`
	Name        string `json:"name"`
	Clause      string `json:"clause,omitempty"`
	Kind        string `json:"kind"`
	Matched     *int64 `json:"matched"`
	PayoutTotal *int64 `json:"payout_total"`
	Suppressed  bool   `json:"suppressed"`
}

// ImpactRow is one value of a breakdown.
type ImpactRow struct {
	Value       string `json:"value"`
	Eligible    *int64 `json:"eligible"`
	PayoutTotal *int64 `json:"payout_total"`
	Suppressed  bool   `json:"suppressed"`
}

// ImpactGesture counts the reporters a non-cash gesture reaches.
type ImpactGesture struct {
	Index      int    `json:"index"`
	Name       string `json:"name"`
	Gesture    string `json:"gesture"`
	Reporters  *int64 `json:"reporters"`
	Suppressed bool   `json:"suppressed"`
}

// Impact is the published estimate of a version, in the API's shape. Every
// figure went through the disclosure rules of the statistics: a withheld
// figure is null.
type Impact struct {
	VersionID         int64                  `json:"version_id"`
	SnapshotID        int64                  `json:"snapshot_id"`
	RulesSHA256       string                 `json:"rules_sha256"`
	Reports           stats.Total            `json:"reports"`
	EligibleReports   *int64                 `json:"eligible_reports"`
	EligibleReporters *int64                 `json:"eligible_reporters"`
	TotalPayout       *int64                 `json:"total_payout"`
	Rules             []ImpactRule           `json:"rules"`
	Gestures          []ImpactGesture        `json:"gestures"`
	By                map[string][]ImpactRow `json:"by"`
	Threshold         int                    `json:"threshold"`
	ComputedAt        time.Time              `json:"computed_at"`
}

// Impact returns the version's estimate on the latest statistics snapshot,
// computing and storing it on first request.
func (s *Store) Impact(ctx context.Context, v *Version) (*Impact, error) {
	snap, err := s.LatestSnapshot(ctx) // ErrNoSnapshot before the first import
	if err != nil {
		return nil, err
	}
	hash := RulesHash(v.Rules)
	var stored ImpactEstimate
	err = s.db.WithContext(ctx).Where("version_id = ? AND snapshot_id = ? AND rules_sha256 = ?", v.ID, snap.ID, hash).First(&stored).Error
	if err == nil {
		return decodeImpact(stored.Payload)
	}
	if !isNotFound(err) {
		return nil, fmt.Errorf("load impact of version %d: %w", v.ID, err)
	}
	start := time.Now()
	imp, err := s.estimate(ctx, v, snap)
	if err != nil {
		return nil, err
	}
	payload, err := json.Marshal(imp)
	if err != nil {
		return nil, fmt.Errorf("encode impact: %w", err)
	}
	row := ImpactEstimate{VersionID: v.ID, SnapshotID: snap.ID, RulesSHA256: hash, Payload: string(payload),
		ComputeMillis: time.Since(start).Milliseconds(), CreatedAt: s.Now()}
	// Two requests (or instances) may compute at once; the first stored
	// wins and both serve what is stored.
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return nil, fmt.Errorf("store impact of version %d: %w", v.ID, err)
	}
	if err := s.db.WithContext(ctx).Where("version_id = ? AND snapshot_id = ? AND rules_sha256 = ?", v.ID, snap.ID, hash).First(&stored).Error; err != nil {
		return nil, fmt.Errorf("reload impact of version %d: %w", v.ID, err)
	}
	return decodeImpact(stored.Payload)
}

func decodeImpact(payload string) (*Impact, error) {
	var imp Impact
	if err := json.Unmarshal([]byte(payload), &imp); err != nil {
		return nil, fmt.Errorf("decode stored impact: %w", err)
	}
	return &imp, nil
}

// estimate streams the snapshot's reports, reporter by reporter, through
// the rules and publishes the result under the snapshot's disclosure rules.
func (s *Store) estimate(ctx context.Context, v *Version, snap *StatsSnapshot) (*Impact, error) {
	rules, err := compensation.Parse(v.Rules)
	if err != nil {
		return nil, Errorf(KindConflict, "invalid_rules", "The version's rules cannot be read: %v", err)
	}
	est := compensation.NewEstimator(rules)
	if err := s.streamRecords(ctx, snap.BatchID, est.Add); err != nil {
		return nil, err
	}
	raw, inputs := est.Finish()
	dr := snap.PublishedRules()
	tables, err := compensation.Publish(dr, inputs)
	if err != nil {
		return nil, err
	}
	imp := &Impact{VersionID: v.ID, SnapshotID: snap.ID, RulesSHA256: RulesHash(v.Rules), By: map[string][]ImpactRow{},
		Threshold: dr.Threshold, ComputedAt: s.Now(), Rules: []ImpactRule{}, Gestures: []ImpactGesture{}}
	imp.Reports = stats.PublishReportCount(dr, raw.Reports, false)
	for _, t := range tables {
		switch t.RowDim {
		case "rule":
			imp.EligibleReporters, imp.TotalPayout = t.Total.Count, t.Total.AmountSum
			for _, c := range t.Cells {
				i, _ := strconv.Atoi(c.Row)
				r := rules[i]
				imp.Rules = append(imp.Rules, ImpactRule{Index: i, Name: r.Name, Clause: r.Clause, Kind: r.Pay.Kind,
					Matched: c.Count, PayoutTotal: c.AmountSum, Suppressed: c.Suppressed})
			}
		default:
			rows := make([]ImpactRow, 0, len(t.Cells))
			for _, c := range t.Cells {
				row := ImpactRow{Value: c.Row, Eligible: c.Count, PayoutTotal: c.AmountSum, Suppressed: c.Suppressed}
				if c.Count != nil && *c.Count == 0 && row.PayoutTotal == nil {
					// Nobody paid: the sum is zero and tells nothing about anyone.
					zero := int64(0)
					row.PayoutTotal = &zero
				}
				rows = append(rows, row)
			}
			imp.By[t.RowDim] = rows
		}
	}
	// Eligible reports are a different measure from reporters; they are
	// withheld whenever the number of eligible reporters is.
	er := stats.PublishReportCount(dr, raw.EligibleReports, imp.EligibleReporters == nil)
	imp.EligibleReports = er.Count
	for i, r := range rules {
		if r.Pay.Kind != compensation.PayGesture {
			continue
		}
		g := stats.PublishReportCount(dr, raw.Gestures[i], false)
		imp.Gestures = append(imp.Gestures, ImpactGesture{Index: i, Name: r.Name, Gesture: r.Pay.Gesture, Reporters: g.Count, Suppressed: g.Suppressed})
	}
	return imp, nil
}

// streamRecords feeds every report of the snapshot (committed imports up
// to batchID) to add, ordered by reporter, reading only coded fields.
func (s *Store) streamRecords(ctx context.Context, batchID int64, add func(compensation.Record)) error {
	rows, err := s.db.WithContext(ctx).Raw(`SELECT reporter_key, reporter_type, service, paid, damage_type, claimed_amount, outage_hours, evidence
FROM reports WHERE batch_id IN (SELECT id FROM report_batches WHERE status = ? AND id <= ?) ORDER BY reporter_key`, BatchCommitted, batchID).Rows()
	if err != nil {
		return fmt.Errorf("read reports for the estimate: %w", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err below reports what matters
	var (
		key, rt, svc, paid, dmg sql.RawBytes
		rec                     compensation.Record
	)
	for rows.Next() {
		if err := rows.Scan(&key, &rt, &svc, &paid, &dmg, &rec.Amount, &rec.Hours, &rec.Evidence); err != nil {
			return fmt.Errorf("scan report for the estimate: %w", err)
		}
		// The estimator compares keys, so the strings must outlive the row.
		rec.ReporterKey, rec.ReporterType, rec.Service, rec.Paid, rec.DamageType = string(key), string(rt), string(svc), string(paid), string(dmg)
		add(rec)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read reports for the estimate: %w", err)
	}
	return nil
}

// UpdateRules replaces a draft's compensation rules (the rule editor saves
// them apart from the text), with the same revision check as UpdateDraft.
func (s *Store) UpdateRules(ctx context.Context, actor Actor, id int64, rules []compensation.Rule, revision *int) (*Version, error) {
	e := Errorf(KindInvalid, "invalid_rules", "The rules have errors; see the named fields.")
	for _, p := range compensation.Validate(rules) {
		msg := p.MessageKo + " / " + p.Message
		if prev, ok := e.Fields[p.Path()]; ok {
			msg = prev + "; " + msg
		}
		e.WithField(p.Path(), msg)
	}
	if len(e.Fields) > 0 {
		return nil, e
	}
	if rules == nil {
		rules = []compensation.Rule{}
	}
	raw, err := json.Marshal(rules)
	if err != nil {
		return nil, fmt.Errorf("encode rules: %w", err)
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var v Version
		if err := firstByID(tx, &v, id, "version"); err != nil {
			return err
		}
		if !v.IsDraft() {
			return errNotDraft(v.Number)
		}
		q := tx.Model(&Version{}).Where("id = ? AND status = ?", id, StatusDraft)
		if revision != nil {
			q = q.Where("revision = ?", *revision)
		}
		res := q.Updates(map[string]any{"rules": string(raw), "revision": gorm.Expr("revision + 1"), "updated_at": s.Now()})
		if res.Error != nil {
			return fmt.Errorf("update rules of version %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return Errorf(KindConflict, "stale_draft", "Someone else saved this draft after you opened it. Reload it, reapply your changes and save again.")
		}
		return s.record(tx, actor, "version.rules", "version", id, map[string]any{"document_id": v.DocumentID, "number": v.Number,
			"rules": len(rules), "rules_sha256": RulesHash(string(raw)), "revision": v.Revision + 1})
	})
	if err != nil {
		return nil, err
	}
	return s.VersionByID(ctx, id)
}

// DisclosureRulesOf is the council's current disclosure rules as the latest
// snapshot applied them (defaults without data).
func (s *Store) DisclosureRulesOf(ctx context.Context) (disclosure.Rules, error) {
	snap, err := s.LatestSnapshot(ctx)
	switch {
	case errors.Is(err, ErrNoSnapshot):
		return disclosure.DefaultRules(), nil
	case err != nil:
		return disclosure.Rules{}, err
	}
	return snap.PublishedRules(), nil
}
