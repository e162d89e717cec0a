package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	"gorm.io/gorm"

	"roundtable/models/auditlog"
)

// AuditEvent is one row of the append-only decision history. Data holds
// ids and non-personal fields only: the history is read by auditors, who
// must never see personal data.
type AuditEvent struct {
	Seq        int64 `gorm:"primaryKey;autoIncrement:false"`
	At         time.Time
	ActorID    *int64
	Actor      *User `gorm:"foreignKey:ActorID"`
	ActorRole  string
	Action     string
	ObjectType string
	ObjectID   int64
	Data       string
	RequestID  string
	IP         string `gorm:"column:ip"`
	PrevHash   string
	Hash       string
}

// Record is the hashed form of the event; the auditlog package defines
// its canonical bytes.
func (e *AuditEvent) Record() auditlog.Record {
	var actor int64
	if e.ActorID != nil {
		actor = *e.ActorID
	}
	return auditlog.Record{Seq: e.Seq, At: e.At, ActorID: actor, ActorRole: e.ActorRole, Action: e.Action,
		ObjectType: e.ObjectType, ObjectID: e.ObjectID, Data: json.RawMessage(e.Data), RequestID: e.RequestID, IP: e.IP}
}

type auditTreeHash struct {
	Idx  int64 `gorm:"primaryKey;autoIncrement:false"`
	Hash []byte
}

func (auditTreeHash) TableName() string { return "audit_tree_hashes" }

type auditHead struct {
	ID       int64
	Size     int64
	LastHash string
}

func (auditHead) TableName() string { return "audit_heads" }

// AuditCheckpoint is a signed statement of the log's size and root.
type AuditCheckpoint struct {
	ID        int64
	Size      int64
	Root      string
	Note      string
	Reason    string
	CreatedAt time.Time
}

var zeroHashHex = auditlog.HashHex(tlog.Hash{})

// txHashReader reads stored Merkle hashes inside the caller's transaction,
// so the tree the new event extends is exactly the one the transaction sees.
type txHashReader struct{ tx *gorm.DB }

func (r txHashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	var rows []auditTreeHash
	if err := r.tx.Where("idx IN ?", indexes).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read tree hashes: %w", err)
	}
	byIdx := make(map[int64][]byte, len(rows))
	for _, row := range rows {
		byIdx[row.Idx] = row.Hash
	}
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		h, ok := byIdx[idx]
		if !ok || len(h) != len(tlog.Hash{}) {
			return nil, fmt.Errorf("tree hash %d missing", idx)
		}
		copy(out[i][:], h)
	}
	return out, nil
}

// record appends one event to the history inside tx. Every state change in
// the store calls it in the same transaction as the change, so a change
// without its event (or an event without its change) cannot be committed.
//
// Sequence numbers come from the single audit_heads row: the UPDATE takes a
// row lock that serialises concurrent writers on PostgreSQL (SQLite's
// immediate transactions already serialise them), which gives gap-free,
// duplicate-free numbers and one hash chain across server instances.
func (s *Store) record(tx *gorm.DB, actor Actor, action, objectType string, objectID int64, data any) error {
	payload := []byte("{}")
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return fmt.Errorf("audit %s: encode data: %w", action, err)
		}
		payload = b
	}
	if err := tx.Exec("UPDATE audit_heads SET size = size + 1 WHERE id = 1").Error; err != nil {
		return fmt.Errorf("audit %s: lock head: %w", action, err)
	}
	var head auditHead
	if err := tx.First(&head, 1).Error; err != nil {
		return fmt.Errorf("audit %s: read head: %w", action, err)
	}
	at, err := s.eventTime(tx, head.Size)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	ev := AuditEvent{Seq: head.Size, At: at, ActorRole: actor.Role, Action: action, ObjectType: objectType,
		ObjectID: objectID, Data: string(payload), RequestID: actor.RequestID, IP: actor.IP, PrevHash: head.LastHash}
	if actor.UserID != 0 {
		id := actor.UserID
		ev.ActorID = &id
	}
	if ev.ActorRole == "" {
		ev.ActorRole = "system"
	}
	canonical := ev.Record().Canonical()
	prev, err := auditlog.ParseHashHex(head.LastHash)
	if err != nil {
		return fmt.Errorf("audit %s: previous hash: %w", action, err)
	}
	leaf := auditlog.LeafHash(canonical)
	ev.Hash = auditlog.HashHex(auditlog.ChainHash(prev, leaf))

	base, stored, err := auditlog.HashesToStore(ev.Seq, leaf, txHashReader{tx})
	if err != nil {
		return fmt.Errorf("audit %s: tree hashes: %w", action, err)
	}
	rows := make([]auditTreeHash, len(stored))
	for i, h := range stored {
		rows[i] = auditTreeHash{Idx: base + int64(i), Hash: h[:]}
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("audit %s: store tree hashes: %w", action, err)
	}
	if err := tx.Omit("Actor").Create(&ev).Error; err != nil {
		return fmt.Errorf("audit %s: insert event: %w", action, err)
	}
	if links := auditLinksOf(&ev); len(links) > 0 {
		if err := tx.Create(&links).Error; err != nil {
			return fmt.Errorf("audit %s: link objects: %w", action, err)
		}
	}
	if err := tx.Model(&auditHead{}).Where("id = 1").Update("last_hash", ev.Hash).Error; err != nil {
		return fmt.Errorf("audit %s: advance head: %w", action, err)
	}
	return nil
}

// eventTime is the time of event seq: now, but never earlier than the
// previous event's. Verification refuses a time that goes backwards (that
// is how an event appended later with a backdated time stands out), so a
// clock stepped back by NTP must not make an honest event look forged. It
// runs under the head's lock, like the choice of seq. It also lets a date
// range be turned into a seq range (AuditEvents).
func (s *Store) eventTime(tx *gorm.DB, seq int64) (time.Time, error) {
	now := s.Now()
	if seq <= 1 {
		return now, nil
	}
	var prev struct{ At time.Time }
	err := tx.Model(&AuditEvent{}).Select("at").Where("seq = ?", seq-1).Take(&prev).Error
	switch {
	case isNotFound(err):
		// The previous row is gone: the log is already damaged and
		// verification will say so; refusing to record would hide more.
		return now, nil
	case err != nil:
		return time.Time{}, fmt.Errorf("time of event %d: %w", seq-1, err)
	}
	if p := prev.At.UTC().Truncate(time.Microsecond); now.Before(p) {
		return p, nil
	}
	return now, nil
}

// Record writes a stand-alone event, for things that change no other row
// (e.g. a raw-report view or a permission denial).
func (s *Store) Record(ctx context.Context, actor Actor, action, objectType string, objectID int64, data any) error {
	return s.tx(ctx, func(tx *gorm.DB) error { return s.record(tx, actor, action, objectType, objectID, data) })
}

// AuditSize is the number of events in the history. Every version page
// read asks it (server/pagecache.go), so it skips the ORM's model
// machinery: one column of one row by primary key.
func (s *Store) AuditSize(ctx context.Context) (int64, error) {
	var size int64
	if err := s.db.WithContext(ctx).Raw("SELECT size FROM audit_heads WHERE id = 1").Row().Scan(&size); err != nil {
		return 0, fmt.Errorf("read audit head: %w", err)
	}
	return size, nil
}

// AuditFilter selects events for the timeline. Paging is by seq (keyset):
// After gives the events after a seq in ascending order, Before the ones
// before a seq in descending order (newest first). Both stay fast however
// long the log grows, unlike OFFSET.
type AuditFilter struct {
	After  int64
	Before int64 // if > 0, newest first below this seq
	Limit  int
	// Action is an exact action, or a family ending in ".*" ("ballot.*").
	Action string
	// Actions, if set, keeps only these exact actions.
	Actions []string
	ActorID int64
	// NoActor keeps only events no signed-in person caused (failed sign-ins
	// to unknown accounts, system work).
	NoActor    bool
	ObjectType string
	ObjectID   int64
	// From (inclusive) and To (exclusive) bound the event time; zero
	// values leave that side open.
	From, To time.Time
}

// MaxAuditPage bounds one page of the history.
const MaxAuditPage = 500

// AuditEvents returns one page of events matching f, with their actors.
func (s *Store) AuditEvents(ctx context.Context, f AuditFilter) ([]AuditEvent, error) {
	if f.Limit <= 0 || f.Limit > MaxAuditPage {
		f.Limit = 100
	}
	db := s.db.WithContext(ctx)
	lo, hi, empty, err := s.seqRange(db, f.From, f.To)
	if err != nil {
		return nil, err
	}
	if empty {
		return []AuditEvent{}, nil
	}
	lo = max(lo, f.After+1)
	if f.Before > 0 {
		hi = min(hi, f.Before-1)
	}
	if lo > hi {
		return []AuditEvent{}, nil
	}
	q := db.Preload("Actor").Preload("Actor.Group").Where("seq BETWEEN ? AND ?", lo, hi)
	q = f.where(q)
	order := "seq"
	if f.Before > 0 {
		order = "seq DESC"
	}
	var evs []AuditEvent
	if err := q.Order(order).Limit(f.Limit).Find(&evs).Error; err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	return evs, nil
}

// where adds the filter's conditions other than paging and time.
func (f AuditFilter) where(q *gorm.DB) *gorm.DB {
	if family, ok := strings.CutSuffix(f.Action, ".*"); ok {
		// A range instead of LIKE, so that the (action, seq) index serves
		// it on both engines: '/' is the character after '.'.
		q = q.Where("action > ? AND action < ?", family+".", family+"/")
	} else if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if len(f.Actions) > 0 {
		q = q.Where("action IN ?", f.Actions)
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.NoActor {
		q = q.Where("actor_id IS NULL")
	}
	if f.ObjectType != "" {
		q = q.Where("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != 0 {
		q = q.Where("object_id = ?", f.ObjectID)
	}
	return q
}

// maxSeq is larger than any seq; it keeps ranges open-ended.
const maxSeq = int64(1) << 62

// seqRange turns a time range into the seq range it covers. Event times
// never go backwards (eventTime), so the events in [from, to) are exactly
// the seqs between the first event at or after from and the last event
// before to; two lookups on the at index replace a time filter on every row.
func (s *Store) seqRange(db *gorm.DB, from, to time.Time) (lo, hi int64, empty bool, err error) {
	lo, hi = 1, maxSeq
	// Each bound is the first entry of the (at, seq) index in its
	// direction, not an aggregate: MIN(seq) over "at >= from" would visit
	// every later row.
	if !from.IsZero() {
		var seqs []int64
		if err := db.Model(&AuditEvent{}).Where("at >= ?", from.UTC()).Order("at, seq").Limit(1).Pluck("seq", &seqs).Error; err != nil {
			return 0, 0, false, fmt.Errorf("first event from %s: %w", from, err)
		}
		if len(seqs) == 0 {
			return 0, 0, true, nil
		}
		lo = seqs[0]
	}
	if !to.IsZero() {
		var seqs []int64
		if err := db.Model(&AuditEvent{}).Where("at < ?", to.UTC()).Order("at DESC, seq DESC").Limit(1).Pluck("seq", &seqs).Error; err != nil {
			return 0, 0, false, fmt.Errorf("last event before %s: %w", to, err)
		}
		if len(seqs) == 0 {
			return 0, 0, true, nil
		}
		hi = seqs[0]
	}
	return lo, hi, lo > hi, nil
}

// RecentAuditEvents returns the newest events first, for overview pages.
func (s *Store) RecentAuditEvents(ctx context.Context, n int) ([]AuditEvent, error) {
	var evs []AuditEvent
	if err := s.db.WithContext(ctx).Preload("Actor").Preload("Actor.Group").Order("seq DESC").Limit(n).Find(&evs).Error; err != nil {
		return nil, fmt.Errorf("list recent audit events: %w", err)
	}
	return evs, nil
}
