package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"roundtable/models/compensation"
)

// Version statuses. A draft is the secretariat's alone; publishing freezes
// a version forever; a ballot adopts or rejects it; publishing a later
// version supersedes it.
const (
	StatusDraft      = "draft"
	StatusPublished  = "published"
	StatusAdopted    = "adopted"
	StatusRejected   = "rejected"
	StatusSuperseded = "superseded"
)

// Document is a set of compensation criteria that evolves in versions.
type Document struct {
	ID          int64
	CouncilID   int64
	Title       string
	Description string
	CreatedBy   int64
	CreatedAt   time.Time
	Versions    []Version `gorm:"foreignKey:DocumentID"`
}

// Version is one numbered text of a document.
type Version struct {
	ID          int64
	DocumentID  int64
	Document    *Document `gorm:"foreignKey:DocumentID"`
	Number      int
	Status      string
	Summary     string
	Rules       string // JSON array; evaluated by the impact estimator
	BasedOnID   *int64
	Revision    int // bumped by every save, so concurrent editors cannot overwrite each other
	CreatedBy   int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	PublishedAt *time.Time
	PublishedBy *int64
	Clauses     []Clause `gorm:"foreignKey:VersionID"`
}

// IsDraft reports whether the version can still change.
func (v Version) IsDraft() bool { return v.Status == StatusDraft }

// Open reports whether the version is the current published text that
// members discuss; superseded and decided versions keep their discussion
// but take no new comments.
func (v Version) Open() bool { return v.Status == StatusPublished }

// Clause is one numbered provision. Its Key is stable across versions: the
// same key is the same clause, which diffs and carried-over discussions
// hang on.
type Clause struct {
	ID        int64
	VersionID int64
	Position  int
	Key       string
	Title     string
	Body      string
}

// ClauseByKey finds a clause of the version.
func (v *Version) ClauseByKey(key string) *Clause {
	for i := range v.Clauses {
		if v.Clauses[i].Key == key {
			return &v.Clauses[i]
		}
	}
	return nil
}

// VersionInput is what the secretariat writes.
type VersionInput struct {
	Summary string
	Clauses []ClauseInput
	Rules   json.RawMessage
	// Revision, when set, must equal the stored revision: the save was made
	// from what the editor last saw.
	Revision *int
}

// ClauseInput is one clause as written.
type ClauseInput struct {
	Key, Title, Body string
}

const (
	maxSummary    = 5000
	maxClauses    = 500
	maxClauseBody = 20000
	maxTitle      = 200
)

var clauseKeyPattern = regexp.MustCompile(`^[0-9A-Za-z가-힣][0-9A-Za-z가-힣._-]{0,31}$`)

// Validate checks a version's text. Errors name the clause by its position
// (clauses[2].key) so a form or a client can point at it.
func (in *VersionInput) Validate() *Error {
	e := Errorf(KindInvalid, "invalid_version", "The version has errors; see the named fields.")
	if utf8.RuneCountInString(in.Summary) > maxSummary {
		e.WithField("summary", fmt.Sprintf("at most %d characters", maxSummary))
	}
	if len(in.Clauses) > maxClauses {
		e.WithField("clauses", fmt.Sprintf("at most %d clauses", maxClauses))
	}
	seen := map[string]int{}
	for i, c := range in.Clauses {
		name := fmt.Sprintf("clauses[%d]", i)
		key := strings.TrimSpace(c.Key)
		switch {
		case key == "":
			e.WithField(name+".key", "required")
		case !clauseKeyPattern.MatchString(key):
			e.WithField(name+".key", "letters, digits, '.', '-' or '_' only (e.g. 2.1), at most 32")
		default:
			if j, dup := seen[key]; dup {
				e.WithField(name+".key", fmt.Sprintf("duplicate of clauses[%d] (%s)", j, key))
			}
			seen[key] = i
		}
		switch t := strings.TrimSpace(c.Title); {
		case t == "":
			e.WithField(name+".title", "required")
		case utf8.RuneCountInString(t) > maxTitle:
			e.WithField(name+".title", fmt.Sprintf("at most %d characters", maxTitle))
		}
		if utf8.RuneCountInString(c.Body) > maxClauseBody {
			e.WithField(name+".body", fmt.Sprintf("at most %d characters", maxClauseBody))
		}
	}
	if len(in.Rules) > 0 && string(in.Rules) != "null" {
		rules, err := compensation.Parse(string(in.Rules))
		if err != nil {
			e.WithField("rules", "must be a JSON array of rules (name, clause, when, pay): "+err.Error())
		}
		for _, p := range compensation.Validate(rules) {
			e.WithField(p.Path(), p.Message)
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

func (in *VersionInput) rulesJSON() string {
	if len(in.Rules) == 0 || string(in.Rules) == "null" {
		return "[]"
	}
	var v any
	if err := json.Unmarshal(in.Rules, &v); err != nil {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// normaliseText stores line breaks one way: browsers submit textareas with
// CRLF, API clients usually send LF, and a diff must not see the difference.
func normaliseText(s string) string {
	return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), " \t\r\n")
}

func (in *VersionInput) clauses(versionID int64) []Clause {
	out := make([]Clause, len(in.Clauses))
	for i, c := range in.Clauses {
		out[i] = Clause{VersionID: versionID, Position: i, Key: strings.TrimSpace(c.Key), Title: strings.TrimSpace(c.Title), Body: normaliseText(c.Body)}
	}
	return out
}

// CreateDocument starts a new criteria document.
func (s *Store) CreateDocument(ctx context.Context, actor Actor, title, description string) (*Document, error) {
	title = strings.TrimSpace(title)
	if e := validateText("title", title, maxTitle); e != nil {
		return nil, e
	}
	if utf8.RuneCountInString(description) > maxSummary {
		return nil, Errorf(KindInvalid, "invalid_description", "The description must have at most %d characters.", maxSummary).WithField("description", "too_long")
	}
	d := &Document{Title: title, Description: strings.TrimSpace(description), CreatedBy: actor.UserID}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var c Council
		if err := tx.Order("id").First(&c).Error; err != nil {
			return fmt.Errorf("find council: %w", err)
		}
		d.CouncilID = c.ID
		if err := tx.Create(d).Error; err != nil {
			return fmt.Errorf("insert document: %w", err)
		}
		return s.record(tx, actor, "document.create", "document", d.ID, map[string]any{"title": d.Title})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Documents lists every document with all its versions (oldest first);
// callers hide drafts from those who may not see them.
func (s *Store) Documents(ctx context.Context) ([]Document, error) {
	var ds []Document
	err := s.db.WithContext(ctx).Preload("Versions", func(db *gorm.DB) *gorm.DB { return db.Order("number") }).Order("id").Find(&ds).Error
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	return ds, nil
}

// DocumentByID loads a document with its versions.
func (s *Store) DocumentByID(ctx context.Context, id int64) (*Document, error) {
	var d Document
	err := s.db.WithContext(ctx).Preload("Versions", func(db *gorm.DB) *gorm.DB { return db.Order("number") }).First(&d, id).Error
	if isNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load document %d: %w", id, err)
	}
	return &d, nil
}

// VersionByID loads a version with its document and ordered clauses.
func (s *Store) VersionByID(ctx context.Context, id int64) (*Version, error) {
	var v Version
	err := s.db.WithContext(ctx).Preload("Document").Preload("Clauses", func(db *gorm.DB) *gorm.DB { return db.Order("position") }).First(&v, id).Error
	if isNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load version %d: %w", id, err)
	}
	return &v, nil
}

// CreateDraft starts the next version of a document. With basedOn and no
// clauses, the draft starts as a copy of that earlier version, which is how
// the secretariat revises a text. A document has at most one draft at a
// time, so version numbers follow the order of publication.
func (s *Store) CreateDraft(ctx context.Context, actor Actor, documentID int64, in VersionInput, basedOn *int64) (*Version, error) {
	if e := in.Validate(); e != nil {
		return nil, e
	}
	var v Version
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var d Document
		if err := firstByID(tx, &d, documentID, "document"); err != nil {
			return err
		}
		var drafts int64
		if err := tx.Model(&Version{}).Where("document_id = ? AND status = ?", documentID, StatusDraft).Count(&drafts).Error; err != nil {
			return fmt.Errorf("count drafts: %w", err)
		}
		if drafts > 0 {
			return Errorf(KindConflict, "draft_exists", "This document already has a draft; edit or publish it before starting another.")
		}
		if basedOn != nil {
			var base Version
			if err := tx.Preload("Clauses", func(db *gorm.DB) *gorm.DB { return db.Order("position") }).Where("document_id = ?", documentID).First(&base, *basedOn).Error; err != nil {
				if isNotFound(err) {
					return Errorf(KindInvalid, "invalid_base", "The version to start from is not a version of this document.").WithField("based_on_version_id", "unknown")
				}
				return fmt.Errorf("load base version: %w", err)
			}
			if len(in.Clauses) == 0 {
				for _, c := range base.Clauses {
					in.Clauses = append(in.Clauses, ClauseInput{Key: c.Key, Title: c.Title, Body: c.Body})
				}
				if len(in.Rules) == 0 {
					in.Rules = json.RawMessage(base.Rules)
				}
			}
		}
		var maxNumber int
		if err := tx.Model(&Version{}).Where("document_id = ?", documentID).Select("COALESCE(MAX(number), 0)").Scan(&maxNumber).Error; err != nil {
			return fmt.Errorf("next version number: %w", err)
		}
		now := s.Now()
		v = Version{DocumentID: documentID, Number: maxNumber + 1, Status: StatusDraft, Summary: strings.TrimSpace(normaliseText(in.Summary)),
			Rules: in.rulesJSON(), BasedOnID: basedOn, Revision: 1, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
		if err := tx.Omit("Clauses", "Document").Create(&v).Error; err != nil {
			if isUniqueViolation(err) {
				return Errorf(KindConflict, "draft_exists", "Another draft of this document was started at the same moment; reload and try again.")
			}
			return fmt.Errorf("insert version: %w", err)
		}
		if cs := in.clauses(v.ID); len(cs) > 0 {
			if err := tx.Create(&cs).Error; err != nil {
				return fmt.Errorf("insert clauses: %w", err)
			}
		}
		data := map[string]any{"document_id": documentID, "number": v.Number, "clauses": len(in.Clauses)}
		if basedOn != nil {
			data["based_on_version_id"] = *basedOn
		}
		return s.record(tx, actor, "version.create", "version", v.ID, data)
	})
	if err != nil {
		return nil, err
	}
	return s.VersionByID(ctx, v.ID)
}

// UpdateDraft replaces a draft's text. A published version is frozen
// (409 not_draft); a save made from an older revision than the stored one
// is refused (409 stale_draft) so two editors never silently overwrite
// each other.
func (s *Store) UpdateDraft(ctx context.Context, actor Actor, id int64, in VersionInput) (*Version, error) {
	if e := in.Validate(); e != nil {
		return nil, e
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var v Version
		if err := firstByID(tx, &v, id, "version"); err != nil {
			return err
		}
		if !v.IsDraft() {
			return errNotDraft(v.Number)
		}
		// The conditional update is the lock: of two saves from the same
		// revision, exactly one matches.
		q := tx.Model(&Version{}).Where("id = ? AND status = ?", id, StatusDraft)
		if in.Revision != nil {
			q = q.Where("revision = ?", *in.Revision)
		}
		res := q.Updates(map[string]any{"summary": strings.TrimSpace(normaliseText(in.Summary)), "rules": in.rulesJSON(), "revision": gorm.Expr("revision + 1"), "updated_at": s.Now()})
		if res.Error != nil {
			return fmt.Errorf("update version %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return Errorf(KindConflict, "stale_draft", "Someone else saved this draft after you opened it (you edited revision %d). Reload the draft, reapply your changes and save again.", derefInt(in.Revision))
		}
		if err := tx.Where("version_id = ?", id).Delete(&Clause{}).Error; err != nil {
			return fmt.Errorf("replace clauses: %w", err)
		}
		if cs := in.clauses(id); len(cs) > 0 {
			if err := tx.Create(&cs).Error; err != nil {
				return fmt.Errorf("insert clauses: %w", err)
			}
		}
		return s.record(tx, actor, "version.update", "version", id, map[string]any{"document_id": v.DocumentID, "number": v.Number, "revision": v.Revision + 1, "clauses": len(in.Clauses)})
	})
	if err != nil {
		return nil, err
	}
	return s.VersionByID(ctx, id)
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func errNotDraft(number int) *Error {
	return Errorf(KindConflict, "not_draft", "Version %d is published and frozen; start a new draft to change it.", number)
}

// RulesHash fingerprints a version's compensation rules, so an auditor can
// reproduce the impact estimate of exactly the rules that were published.
func RulesHash(rules string) string {
	sum := sha256.Sum256([]byte(rules))
	return hex.EncodeToString(sum[:])
}

// Publish freezes a draft and supersedes the document's earlier published
// version. The history gets a signed checkpoint in the same transaction: a
// published text is a milestone.
func (s *Store) Publish(ctx context.Context, actor Actor, id int64) (*Version, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var v Version
		if err := firstByID(tx.Preload("Clauses"), &v, id, "version"); err != nil {
			return err
		}
		if !v.IsDraft() {
			return errNotDraft(v.Number)
		}
		e := Errorf(KindInvalid, "incomplete_version", "A version needs a summary of what changed and at least one clause before it can be published.")
		if strings.TrimSpace(v.Summary) == "" {
			e.WithField("summary", "required")
		}
		if len(v.Clauses) == 0 {
			e.WithField("clauses", "at_least_one")
		}
		if len(e.Fields) > 0 {
			return e
		}
		var superseded []int64
		if err := tx.Model(&Version{}).Where("document_id = ? AND status = ?", v.DocumentID, StatusPublished).Pluck("id", &superseded).Error; err != nil {
			return fmt.Errorf("find published versions: %w", err)
		}
		now := s.Now()
		uid := actor.UserID
		res := tx.Model(&Version{}).Where("id = ? AND status = ?", id, StatusDraft).Updates(map[string]any{"status": StatusPublished, "published_at": now, "published_by": &uid, "updated_at": now})
		if res.Error != nil {
			return fmt.Errorf("publish version %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return errNotDraft(v.Number)
		}
		for _, old := range superseded {
			if err := tx.Model(&Version{}).Where("id = ?", old).Updates(map[string]any{"status": StatusSuperseded, "updated_at": now}).Error; err != nil {
				return fmt.Errorf("supersede version %d: %w", old, err)
			}
			if err := s.record(tx, actor, "version.supersede", "version", old, map[string]any{"document_id": v.DocumentID, "by_version_id": id}); err != nil {
				return err
			}
		}
		if err := s.record(tx, actor, "version.publish", "version", id, map[string]any{"document_id": v.DocumentID, "number": v.Number,
			"clauses": len(v.Clauses), "rules_sha256": RulesHash(v.Rules), "superseded": superseded}); err != nil {
			return err
		}
		_, err := s.checkpointTx(tx, "version_published")
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.VersionByID(ctx, id)
}
