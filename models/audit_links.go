package models

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"gorm.io/gorm"
)

// auditLink says that an event concerns an object: its own object, and the
// objects its data names by id (a comment's version, a vote's ballot, an
// answer's addressed version). Object histories read these rows instead of
// searching every event's JSON, so a version's whole life is an index
// lookup at any log size. Links are derived from the events and are not
// hashed: a damaged link can hide an event from a history view, never
// change what verification says about the log.
type auditLink struct {
	Seq        int64  `gorm:"primaryKey;autoIncrement:false"`
	ObjectType string `gorm:"primaryKey;size:32"`
	ObjectID   int64  `gorm:"primaryKey;autoIncrement:false"`
}

func (auditLink) TableName() string { return "audit_links" }

// linkedByKey maps the data keys that name an object to the object's type.
// Keys that name people (comment_author_id, parent_author_id) are left out
// on purpose: a person's activity is the actor filter, not a history.
var linkedByKey = map[string]string{
	"version_id":              "version",
	"by_version_id":           "version",
	"based_on_version_id":     "version",
	"addressed_in_version_id": "version",
	"result_version_id":       "version",
	"option_version_id":       "version",
	"document_id":             "document",
	"comment_id":              "comment",
	"parent_id":               "comment",
	"thread_id":               "comment",
	"ballot_id":               "ballot",
	"import_id":               "report_batch",
	"batch_id":                "report_batch",
	"snapshot_id":             "snapshot",
}

// auditLinksOf derives the links of one event.
func auditLinksOf(e *AuditEvent) []auditLink {
	seen := map[auditLink]bool{}
	var out []auditLink
	add := func(typ string, id int64) {
		l := auditLink{Seq: e.Seq, ObjectType: typ, ObjectID: id}
		if typ == "" || id <= 0 || seen[l] {
			return
		}
		seen[l] = true
		out = append(out, l)
	}
	add(e.ObjectType, e.ObjectID)
	var data map[string]json.RawMessage
	if json.Unmarshal([]byte(e.Data), &data) == nil {
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys) // stable row order, for tests and backfills alike
		for _, k := range keys {
			typ, ok := linkedByKey[k]
			if !ok {
				continue
			}
			var id int64
			if json.Unmarshal(data[k], &id) == nil {
				add(typ, id)
			}
		}
	}
	return out
}

// m5AuditLink freezes the table of migration step 5.
type m5AuditLink struct {
	Seq        int64  `gorm:"primaryKey;autoIncrement:false;index:audit_links_object,priority:3"`
	ObjectType string `gorm:"primaryKey;size:32;index:audit_links_object,priority:1"`
	ObjectID   int64  `gorm:"primaryKey;autoIncrement:false;index:audit_links_object,priority:2"`
}

func (m5AuditLink) TableName() string { return "audit_links" }

// migrateAuditTimeline (step 5) adds what the auditors' timeline needs to
// stay fast at millions of events: composite indexes that serve each
// filter in seq order, an index on the time for date ranges, and the
// object links, filled in for the events already recorded.
func migrateAuditTimeline(tx *gorm.DB, d Dialect) error {
	if err := tx.AutoMigrate(&m5AuditLink{}); err != nil {
		return err
	}
	for _, q := range []string{
		"CREATE INDEX IF NOT EXISTS audit_events_action_seq ON audit_events (action, seq)",
		"CREATE INDEX IF NOT EXISTS audit_events_actor_seq ON audit_events (actor_id, seq)",
		"CREATE INDEX IF NOT EXISTS audit_events_object_seq ON audit_events (object_type, object_id, seq)",
		"CREATE INDEX IF NOT EXISTS audit_events_at_seq ON audit_events (at, seq)",
	} {
		if err := tx.Exec(q).Error; err != nil {
			return fmt.Errorf("timeline index: %w", err)
		}
	}
	if err := appendOnly(tx, d, "audit_links"); err != nil {
		return err
	}
	var after int64
	for {
		var evs []AuditEvent
		if err := tx.Select("seq", "object_type", "object_id", "data").Where("seq > ?", after).Order("seq").Limit(2000).Find(&evs).Error; err != nil {
			return fmt.Errorf("backfill links after %d: %w", after, err)
		}
		var links []auditLink
		for i := range evs {
			links = append(links, auditLinksOf(&evs[i])...)
		}
		if len(links) > 0 {
			if err := tx.CreateInBatches(&links, 500).Error; err != nil {
				return fmt.Errorf("backfill links after %d: %w", after, err)
			}
		}
		if len(evs) < 2000 {
			return nil
		}
		after = evs[len(evs)-1].Seq
	}
}

// HistoryObject names an object whose history is asked for.
type HistoryObject struct {
	Type string
	ID   int64
}

// historyObjects is what an object's history covers: the object, and for
// a version also the ballots held on it.
func historyObjects(db *gorm.DB, obj HistoryObject) (*gorm.DB, error) {
	objs := []HistoryObject{obj}
	if obj.Type == "version" {
		var ballots []int64
		err := db.Model(&auditLink{}).
			Joins("JOIN audit_events e ON e.seq = audit_links.seq AND e.object_type = ?", "ballot").
			Where("audit_links.object_type = ? AND audit_links.object_id = ?", "version", obj.ID).
			Distinct().Pluck("e.object_id", &ballots).Error
		if err != nil {
			return nil, fmt.Errorf("ballots of version %d: %w", obj.ID, err)
		}
		for _, b := range ballots {
			objs = append(objs, HistoryObject{Type: "ballot", ID: b})
		}
	}
	cond := db.Where("1 = 0")
	for _, o := range objs {
		cond = cond.Or("object_type = ? AND object_id = ?", o.Type, o.ID)
	}
	return db.Model(&auditLink{}).Where(cond), nil
}

// ObjectHistory returns the events that concern an object, oldest first,
// after seq `after`, at most limit. A version's history includes the life
// of the ballots held on it (their votes and closing), so "drafted,
// published, commented, answered, ballot opened, votes, closed, result" is
// one list.
func (s *Store) ObjectHistory(ctx context.Context, obj HistoryObject, after int64, limit int) ([]AuditEvent, error) {
	if limit <= 0 || limit > MaxAuditPage {
		limit = MaxAuditPage
	}
	db := s.db.WithContext(ctx)
	linked, err := historyObjects(db, obj)
	if err != nil {
		return nil, err
	}
	// The page is chosen inside the links index (object, seq), so a
	// version with a million events costs one page, not a million.
	page := linked.Select("seq").Where("seq > ?", after).Order("seq").Limit(limit)
	var evs []AuditEvent
	err = db.Preload("Actor").Preload("Actor.Group").
		Where("seq IN (?)", page).Order("seq").Find(&evs).Error
	if err != nil {
		return nil, fmt.Errorf("history of %s %d: %w", obj.Type, obj.ID, err)
	}
	return evs, nil
}

// LatestEventOf returns the seq of the newest event in an object's
// history, 0 if there is none.
func (s *Store) LatestEventOf(ctx context.Context, obj HistoryObject) (int64, error) {
	db := s.db.WithContext(ctx)
	linked, err := historyObjects(db, obj)
	if err != nil {
		return 0, err
	}
	var seq *int64
	if err := linked.Select("MAX(seq)").Scan(&seq).Error; err != nil {
		return 0, fmt.Errorf("latest event of %s %d: %w", obj.Type, obj.ID, err)
	}
	if seq == nil {
		return 0, nil
	}
	return *seq, nil
}
