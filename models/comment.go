package models

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Comment statuses: a withdrawn comment leaves a marker in its thread, and
// its text stays in the revision history.
const (
	CommentActive    = "active"
	CommentWithdrawn = "withdrawn"
)

// Disposition statuses: the secretariat's answer to a comment.
const (
	DispAccepted          = "accepted"
	DispPartiallyAccepted = "partially_accepted"
	DispNotAccepted       = "not_accepted"
	DispNoted             = "noted"
)

// DispositionStatuses in the order registers show them.
var DispositionStatuses = []string{DispAccepted, DispPartiallyAccepted, DispNotAccepted, DispNoted}

// MaxCommentLength bounds one comment, in characters.
const MaxCommentLength = 10000

// Comment is a member's on-the-record remark on a published version,
// optionally on one clause and optionally replying to another comment.
type Comment struct {
	ID          int64
	VersionID   int64
	ClauseKey   string // "" = the version as a whole
	ParentID    *int64
	ThreadID    int64 // id of the thread's first comment
	AuthorID    int64
	Author      *User `gorm:"foreignKey:AuthorID"`
	Body        string
	Status      string
	EditedAt    *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Disposition *Disposition `gorm:"foreignKey:CommentID"`
}

// Withdrawn reports whether the author took the comment back.
func (c Comment) Withdrawn() bool { return c.Status == CommentWithdrawn }

// Disposition is the secretariat's answer to a top-level comment.
type Disposition struct {
	CommentID            int64 `gorm:"primaryKey;autoIncrement:false"`
	Status               string
	Response             string
	AddressedInVersionID *int64
	RespondedBy          int64
	RespondedAt          time.Time
}

type commentRevision struct {
	ID        int64
	CommentID int64
	Body      string
	CreatedAt time.Time
}

func (commentRevision) TableName() string { return "comment_revisions" }

// CommentInput is what a member writes.
type CommentInput struct {
	Body      string
	ClauseKey string
	ParentID  *int64
}

func validateCommentBody(body string) (string, *Error) {
	b := strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	switch {
	case b == "":
		return "", Errorf(KindInvalid, "empty_comment", "Write something before posting.").WithField("body", "required")
	case utf8.RuneCountInString(b) > MaxCommentLength:
		return "", Errorf(KindInvalid, "comment_too_long", "A comment has at most %d characters; this one has %d.", MaxCommentLength, utf8.RuneCountInString(b)).WithField("body", "too_long")
	case !utf8.ValidString(b):
		return "", Errorf(KindInvalid, "invalid_text", "The text is not valid UTF-8.").WithField("body", "invalid")
	}
	return b, nil
}

func errVersionNotOpen(v *Version) *Error {
	if v.IsDraft() {
		return Errorf(KindConflict, "not_published", "Version %d is a draft; comments open when it is published.", v.Number)
	}
	return Errorf(KindConflict, "version_closed", "Version %d is %s; its discussion is closed. Comment on the current version instead.", v.Number, v.Status)
}

// AddComment posts a comment or a reply. A reply takes its parent's clause
// and thread; replying across versions is refused because a thread belongs
// to one text.
func (s *Store) AddComment(ctx context.Context, actor Actor, versionID int64, in CommentInput) (*Comment, error) {
	body, e := validateCommentBody(in.Body)
	if e != nil {
		return nil, e
	}
	var c Comment
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var v Version
		if err := firstByID(tx.Preload("Clauses"), &v, versionID, "version"); err != nil {
			return err
		}
		if !v.Open() {
			return errVersionNotOpen(&v)
		}
		key := strings.TrimSpace(in.ClauseKey)
		var parent Comment
		if in.ParentID != nil {
			if err := tx.First(&parent, *in.ParentID).Error; err != nil {
				if isNotFound(err) {
					return Errorf(KindInvalid, "unknown_parent", "The comment you reply to does not exist.").WithField("parent_id", "unknown")
				}
				return fmt.Errorf("load parent comment: %w", err)
			}
			if parent.VersionID != versionID {
				return Errorf(KindInvalid, "parent_other_version", "You can only reply to a comment on the same version.").WithField("parent_id", "other_version")
			}
			if key != "" && key != parent.ClauseKey {
				return Errorf(KindInvalid, "clause_mismatch", "A reply belongs to the clause of the comment it answers.").WithField("clause_key", "mismatch")
			}
			key = parent.ClauseKey
		} else if key != "" && v.ClauseByKey(key) == nil {
			return Errorf(KindInvalid, "unknown_clause", "Version %d has no clause %q.", v.Number, key).WithField("clause_key", "unknown")
		}
		now := s.Now()
		c = Comment{VersionID: versionID, ClauseKey: key, ParentID: in.ParentID, AuthorID: actor.UserID, Body: body, Status: CommentActive, CreatedAt: now, UpdatedAt: now}
		if err := tx.Omit("Author", "Disposition").Create(&c).Error; err != nil {
			return fmt.Errorf("insert comment: %w", err)
		}
		c.ThreadID = c.ID
		data := map[string]any{"version_id": versionID, "document_id": v.DocumentID, "clause_key": key}
		if in.ParentID != nil {
			c.ThreadID = parent.ThreadID
			data["parent_id"] = *in.ParentID
			data["parent_author_id"] = parent.AuthorID
		}
		data["thread_id"] = c.ThreadID
		if err := tx.Model(&Comment{}).Where("id = ?", c.ID).Update("thread_id", c.ThreadID).Error; err != nil {
			return fmt.Errorf("set thread: %w", err)
		}
		if err := s.record(tx, actor, "comment.create", "comment", c.ID, data); err != nil {
			return err
		}
		return s.emit(tx, LiveEvent{Kind: LiveComment, Action: "comment.create", VersionID: versionID, CommentID: c.ID})
	})
	if err != nil {
		return nil, err
	}
	return s.CommentByID(ctx, c.ID)
}

// CommentByID loads a comment with its author and disposition.
func (s *Store) CommentByID(ctx context.Context, id int64) (*Comment, error) {
	var c Comment
	err := s.db.WithContext(ctx).Preload("Author").Preload("Author.Group").Preload("Disposition").First(&c, id).Error
	if isNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load comment %d: %w", id, err)
	}
	return &c, nil
}

// changeOwnComment is the shared frame of edit and withdraw: only the
// author, only while the comment is live and its version still open. The
// text before the change goes to the revision history first.
func (s *Store) changeOwnComment(ctx context.Context, actor Actor, id int64, fn func(tx *gorm.DB, c *Comment) (string, map[string]any, error)) (*Comment, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var c Comment
		if err := firstByID(tx, &c, id, "comment"); err != nil {
			return err
		}
		if c.AuthorID != actor.UserID {
			return ErrForbidden
		}
		if c.Withdrawn() {
			return Errorf(KindConflict, "comment_withdrawn", "This comment was withdrawn and can no longer change.")
		}
		var v Version
		if err := tx.First(&v, c.VersionID).Error; err != nil {
			return fmt.Errorf("load version %d: %w", c.VersionID, err)
		}
		if !v.Open() {
			return errVersionNotOpen(&v)
		}
		if err := tx.Create(&commentRevision{CommentID: c.ID, Body: c.Body, CreatedAt: s.Now()}).Error; err != nil {
			return fmt.Errorf("keep earlier text: %w", err)
		}
		action, data, err := fn(tx, &c)
		if err != nil {
			return err
		}
		data["version_id"] = c.VersionID
		if err := s.record(tx, actor, action, "comment", c.ID, data); err != nil {
			return err
		}
		return s.emit(tx, LiveEvent{Kind: LiveComment, Action: action, VersionID: c.VersionID, CommentID: c.ID})
	})
	if err != nil {
		return nil, err
	}
	return s.CommentByID(ctx, id)
}

// EditComment changes the author's own comment; the page shows "edited"
// and the earlier text stays in the history.
func (s *Store) EditComment(ctx context.Context, actor Actor, id int64, body string) (*Comment, error) {
	b, e := validateCommentBody(body)
	if e != nil {
		return nil, e
	}
	return s.changeOwnComment(ctx, actor, id, func(tx *gorm.DB, c *Comment) (string, map[string]any, error) {
		now := s.Now()
		if err := tx.Model(&Comment{}).Where("id = ?", c.ID).Updates(map[string]any{"body": b, "edited_at": now, "updated_at": now}).Error; err != nil {
			return "", nil, fmt.Errorf("edit comment %d: %w", c.ID, err)
		}
		return "comment.edit", map[string]any{}, nil
	})
}

// WithdrawComment takes the author's comment back, leaving a marker.
func (s *Store) WithdrawComment(ctx context.Context, actor Actor, id int64) (*Comment, error) {
	return s.changeOwnComment(ctx, actor, id, func(tx *gorm.DB, c *Comment) (string, map[string]any, error) {
		now := s.Now()
		if err := tx.Model(&Comment{}).Where("id = ?", c.ID).Updates(map[string]any{"body": "", "status": CommentWithdrawn, "updated_at": now}).Error; err != nil {
			return "", nil, fmt.Errorf("withdraw comment %d: %w", c.ID, err)
		}
		return "comment.withdraw", map[string]any{}, nil
	})
}

// CommentRevisions returns the earlier texts of a comment, oldest first.
func (s *Store) CommentRevisions(ctx context.Context, id int64) ([]string, error) {
	var revs []commentRevision
	if err := s.db.WithContext(ctx).Where("comment_id = ?", id).Order("id").Find(&revs).Error; err != nil {
		return nil, fmt.Errorf("load revisions of comment %d: %w", id, err)
	}
	out := make([]string, len(revs))
	for i, r := range revs {
		out[i] = r.Body
	}
	return out, nil
}

func preloadCommentRelations(db *gorm.DB) *gorm.DB {
	return db.Preload("Author").Preload("Author.Group").Preload("Disposition")
}

// Comments lists a version's comments in the order they were posted.
func (s *Store) Comments(ctx context.Context, versionID int64) ([]Comment, error) {
	var cs []Comment
	if err := preloadCommentRelations(s.db.WithContext(ctx)).Where("version_id = ?", versionID).Order("created_at, id").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("list comments of version %d: %w", versionID, err)
	}
	return cs, nil
}

// DispositionInput is the secretariat's answer.
type DispositionInput struct {
	Status               string
	Response             string
	AddressedInVersionID *int64
}

// Answer records (or revises) the secretariat's disposition of a top-level
// comment. Revising keeps the earlier answer in the history.
func (s *Store) Answer(ctx context.Context, actor Actor, commentID int64, in DispositionInput) (*Comment, error) {
	if !slices.Contains(DispositionStatuses, in.Status) {
		return nil, Errorf(KindInvalid, "invalid_status", "Choose one of: accepted, partially_accepted, not_accepted, noted.").WithField("status", "unknown")
	}
	resp := strings.TrimSpace(strings.ReplaceAll(in.Response, "\r\n", "\n"))
	if resp == "" {
		return nil, Errorf(KindInvalid, "empty_response", "Write the answer the member will read.").WithField("response", "required")
	}
	if utf8.RuneCountInString(resp) > MaxCommentLength {
		return nil, Errorf(KindInvalid, "response_too_long", "An answer has at most %d characters.", MaxCommentLength).WithField("response", "too_long")
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var c Comment
		if err := firstByID(tx, &c, commentID, "comment"); err != nil {
			return err
		}
		if c.ParentID != nil {
			return Errorf(KindInvalid, "not_top_level", "Only a thread's first comment gets a formal answer; reply in the thread instead.")
		}
		if c.Withdrawn() {
			return Errorf(KindConflict, "comment_withdrawn", "This comment was withdrawn; there is nothing to answer.")
		}
		var v Version
		if err := tx.First(&v, c.VersionID).Error; err != nil {
			return fmt.Errorf("load version %d: %w", c.VersionID, err)
		}
		if in.AddressedInVersionID != nil {
			var target Version
			if err := tx.First(&target, *in.AddressedInVersionID).Error; err != nil || target.DocumentID != v.DocumentID {
				return Errorf(KindInvalid, "invalid_addressed_version", "The version that carries the change must be a version of the same document.").WithField("addressed_in_version_id", "unknown")
			}
		}
		var existing Disposition
		err := tx.First(&existing, "comment_id = ?", commentID).Error
		revised := err == nil
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("load disposition: %w", err)
		}
		d := Disposition{CommentID: commentID, Status: in.Status, Response: resp, AddressedInVersionID: in.AddressedInVersionID, RespondedBy: actor.UserID, RespondedAt: s.Now()}
		if err := tx.Save(&d).Error; err != nil {
			return fmt.Errorf("save disposition: %w", err)
		}
		data := map[string]any{"version_id": c.VersionID, "document_id": v.DocumentID, "status": in.Status, "comment_author_id": c.AuthorID}
		if in.AddressedInVersionID != nil {
			data["addressed_in_version_id"] = *in.AddressedInVersionID
		}
		if revised {
			data["previous_status"] = existing.Status
		}
		if err := s.record(tx, actor, "comment.answer", "comment", commentID, data); err != nil {
			return err
		}
		return s.emit(tx, LiveEvent{Kind: LiveComment, Action: "comment.answer", VersionID: c.VersionID, CommentID: commentID})
	})
	if err != nil {
		return nil, err
	}
	return s.CommentByID(ctx, commentID)
}
