package models

import (
	"context"
	"fmt"
)

// GroupTally counts a stakeholder group's comments in a register.
type GroupTally struct {
	Group      Group
	Total      int
	Unanswered int
	ByStatus   map[string]int
}

// Register is a version's response register: every top-level comment with
// the secretariat's answer and the version that carries the change. It is
// what closes the loop between a comment and the text. Replies are
// discussion, not formal comments, and withdrawn comments need no answer,
// so neither is listed.
type Register struct {
	Version    *Version
	Entries    []Comment
	ByStatus   map[string]int
	Unanswered int
	Groups     []GroupTally
}

// ResponseRegister builds the register of a version.
func (s *Store) ResponseRegister(ctx context.Context, v *Version) (*Register, error) {
	var cs []Comment
	err := preloadCommentRelations(s.db.WithContext(ctx)).
		Where("version_id = ? AND parent_id IS NULL AND status = ?", v.ID, CommentActive).
		Order("created_at, id").Find(&cs).Error
	if err != nil {
		return nil, fmt.Errorf("register of version %d: %w", v.ID, err)
	}
	groups, err := s.Groups(ctx, v.Document.CouncilID)
	if err != nil {
		return nil, err
	}
	r := &Register{Version: v, Entries: cs, ByStatus: map[string]int{}}
	tallies := map[string]*GroupTally{}
	for _, g := range groups {
		r.Groups = append(r.Groups, GroupTally{Group: g, ByStatus: map[string]int{}})
	}
	for i := range r.Groups {
		tallies[r.Groups[i].Group.Key] = &r.Groups[i]
	}
	for _, c := range cs {
		t := tallies[c.Author.GroupKey()]
		if t != nil {
			t.Total++
		}
		if c.Disposition == nil {
			r.Unanswered++
			if t != nil {
				t.Unanswered++
			}
			continue
		}
		r.ByStatus[c.Disposition.Status]++
		if t != nil {
			t.ByStatus[c.Disposition.Status]++
		}
	}
	return r, nil
}

// UnansweredComments lists a member's own top-level comments that still
// wait for the secretariat's answer, newest first.
func (s *Store) UnansweredComments(ctx context.Context, authorID int64) ([]Comment, error) {
	var cs []Comment
	err := s.db.WithContext(ctx).
		Where("author_id = ? AND parent_id IS NULL AND status = ?", authorID, CommentActive).
		Where("NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.comment_id = comments.id)").
		Order("created_at DESC, id DESC").Limit(50).Find(&cs).Error
	if err != nil {
		return nil, fmt.Errorf("unanswered comments of %d: %w", authorID, err)
	}
	return cs, nil
}

// PendingAnswers counts top-level comments on open versions that the
// secretariat has not answered yet.
func (s *Store) PendingAnswers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Comment{}).
		Where("comments.parent_id IS NULL AND comments.status = ?", CommentActive).
		Where("NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.comment_id = comments.id)").
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count pending answers: %w", err)
	}
	return n, nil
}
