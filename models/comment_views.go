package models

import (
	"context"
	"fmt"
	"sort"
)

// threadActivity is one thread's size and last activity. Comment ids grow
// with time, so the newest id is the last activity — and it compares the
// same way on every database, unlike an aggregated timestamp.
type threadActivity struct {
	ThreadID  int64
	ClauseKey string
	N         int
	LastID    int64
}

// Discussion is what a version page shows of its comments: per clause the
// number of comments and the most recently active threads, so the page
// stays a readable document (and fast) however long the discussion grows;
// the rest is one click away on the clause's own page.
type Discussion struct {
	Counts   map[string]int // clause key ("" = whole version) → comments
	Threads  []Comment      // comments of the threads shown, oldest first
	Shown    map[string]int // clause key → threads shown
	Total    map[string]int // clause key → threads in all
	Comments int
}

// RecentDiscussion returns, for each clause, the perClause threads with
// the latest activity (a new reply brings a thread back up).
func (s *Store) RecentDiscussion(ctx context.Context, versionID int64, perClause int) (*Discussion, error) {
	db := s.db.WithContext(ctx)
	var acts []threadActivity
	if err := db.Model(&Comment{}).Select("thread_id, clause_key, COUNT(*) AS n, MAX(id) AS last_id").
		Where("version_id = ?", versionID).Group("thread_id, clause_key").Scan(&acts).Error; err != nil {
		return nil, fmt.Errorf("discussion of version %d: %w", versionID, err)
	}
	sort.Slice(acts, func(i, j int) bool { return acts[i].LastID > acts[j].LastID })
	d := &Discussion{Counts: map[string]int{}, Shown: map[string]int{}, Total: map[string]int{}}
	var ids []int64
	for _, a := range acts {
		d.Counts[a.ClauseKey] += a.N
		d.Comments += a.N
		d.Total[a.ClauseKey]++
		if d.Shown[a.ClauseKey] < perClause {
			d.Shown[a.ClauseKey]++
			ids = append(ids, a.ThreadID)
		}
	}
	if len(ids) == 0 {
		return d, nil
	}
	if err := preloadCommentRelations(db).Where("version_id = ? AND thread_id IN ?", versionID, ids).
		Order("created_at, id").Find(&d.Threads).Error; err != nil {
		return nil, fmt.Errorf("threads of version %d: %w", versionID, err)
	}
	return d, nil
}

// ClauseComments lists every comment on one clause of a version ("" = the
// version as a whole), oldest first.
func (s *Store) ClauseComments(ctx context.Context, versionID int64, clauseKey string) ([]Comment, error) {
	var cs []Comment
	if err := preloadCommentRelations(s.db.WithContext(ctx)).Where("version_id = ? AND clause_key = ?", versionID, clauseKey).
		Order("created_at, id").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("comments on %q of version %d: %w", clauseKey, versionID, err)
	}
	return cs, nil
}

// EarlierCount is how much a clause was discussed in one earlier version.
type EarlierCount struct {
	VersionID     int64
	VersionNumber int
	ClauseKey     string
	N             int
}

// EarlierCounts says, per clause key, how many comments the same clause
// drew in each earlier (non-draft) version of the document: a discussion
// does not vanish when the text moves on, and the page links to it.
func (s *Store) EarlierCounts(ctx context.Context, v *Version) (map[string][]EarlierCount, error) {
	var rows []EarlierCount
	err := s.db.WithContext(ctx).Table("comments").
		Select("comments.version_id, versions.number AS version_number, comments.clause_key, COUNT(*) AS n").
		Joins("JOIN versions ON versions.id = comments.version_id").
		Where("versions.document_id = ? AND versions.number < ? AND versions.status <> ? AND comments.clause_key <> ''", v.DocumentID, v.Number, StatusDraft).
		Group("comments.version_id, versions.number, comments.clause_key").
		Order("versions.number").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("earlier discussion of version %d: %w", v.ID, err)
	}
	out := map[string][]EarlierCount{}
	for _, r := range rows {
		out[r.ClauseKey] = append(out[r.ClauseKey], r)
	}
	return out, nil
}
