package models

import (
	"context"
	"encoding/json"
	"fmt"
)

// AuditRefs names the objects a page of events refers to, so the timeline
// can say "published version 2 of …" instead of "version #5". Only what a
// sentence needs is loaded: titles, numbers, clause keys and people's
// names, never comment bodies or anything from damage reports.
type AuditRefs struct {
	Versions  map[int64]VersionRef
	Documents map[int64]string
	Users     map[int64]UserRef
	Comments  map[int64]CommentRef
	Ballots   map[int64]BallotRef
	Groups    map[string]Group // by key; groups are data, so their names are too
}

// VersionRef is what a sentence says about a version.
type VersionRef struct {
	ID, DocumentID int64
	Number         int
	Status         string
	Title          string // the document's
}

// UserRef is what a sentence says about a person.
type UserRef struct {
	ID    int64
	Name  string
	Role  string
	Group string // group key, members only
}

// CommentRef is what a sentence says about a comment.
type CommentRef struct {
	ID, VersionID, AuthorID int64
	ClauseKey               string
}

// BallotRef is what a sentence says about a ballot.
type BallotRef struct {
	ID, VersionID int64
	Question      string
}

// ResolveAuditRefs loads the names for evs in a handful of queries.
func (s *Store) ResolveAuditRefs(ctx context.Context, evs []AuditEvent) (*AuditRefs, error) {
	want := map[string]map[int64]bool{"version": {}, "document": {}, "user": {}, "comment": {}, "ballot": {}}
	add := func(typ string, id int64) {
		if m, ok := want[typ]; ok && id > 0 {
			m[id] = true
		}
	}
	for i := range evs {
		for _, l := range auditLinksOf(&evs[i]) {
			add(l.ObjectType, l.ObjectID)
		}
		var people struct {
			CommentAuthorID int64 `json:"comment_author_id"`
			ParentAuthorID  int64 `json:"parent_author_id"`
		}
		if json.Unmarshal([]byte(evs[i].Data), &people) == nil {
			add("user", people.CommentAuthorID)
			add("user", people.ParentAuthorID)
		}
	}
	db := s.db.WithContext(ctx)
	r := &AuditRefs{Versions: map[int64]VersionRef{}, Documents: map[int64]string{}, Users: map[int64]UserRef{},
		Comments: map[int64]CommentRef{}, Ballots: map[int64]BallotRef{}, Groups: map[string]Group{}}
	var groups []Group
	if err := db.Find(&groups).Error; err != nil {
		return nil, fmt.Errorf("names of groups: %w", err)
	}
	for _, g := range groups {
		r.Groups[g.Key] = g
	}

	if ids := auditIDs(want["comment"]); len(ids) > 0 {
		var cs []CommentRef
		if err := db.Table("comments").Select("id, version_id, author_id, clause_key").Where("id IN ?", ids).Scan(&cs).Error; err != nil {
			return nil, fmt.Errorf("names of comments: %w", err)
		}
		for _, c := range cs {
			r.Comments[c.ID] = c
			add("version", c.VersionID)
			add("user", c.AuthorID)
		}
	}
	if ids := auditIDs(want["ballot"]); len(ids) > 0 {
		var bs []BallotRef
		if err := db.Table("ballots").Select("id, version_id, question").Where("id IN ?", ids).Scan(&bs).Error; err != nil {
			return nil, fmt.Errorf("names of ballots: %w", err)
		}
		for _, b := range bs {
			r.Ballots[b.ID] = b
			add("version", b.VersionID)
		}
	}
	if ids := auditIDs(want["version"]); len(ids) > 0 {
		var vs []VersionRef
		err := db.Table("versions").Select("versions.id, versions.document_id, versions.number, versions.status, documents.title").
			Joins("JOIN documents ON documents.id = versions.document_id").Where("versions.id IN ?", ids).Scan(&vs).Error
		if err != nil {
			return nil, fmt.Errorf("names of versions: %w", err)
		}
		for _, v := range vs {
			r.Versions[v.ID] = v
			r.Documents[v.DocumentID] = v.Title
		}
	}
	if ids := auditIDs(want["document"]); len(ids) > 0 {
		var ds []struct {
			ID    int64
			Title string
		}
		if err := db.Table("documents").Select("id, title").Where("id IN ?", ids).Scan(&ds).Error; err != nil {
			return nil, fmt.Errorf("names of documents: %w", err)
		}
		for _, d := range ds {
			r.Documents[d.ID] = d.Title
		}
	}
	if ids := auditIDs(want["user"]); len(ids) > 0 {
		var us []User
		if err := db.Preload("Group").Where("id IN ?", ids).Find(&us).Error; err != nil {
			return nil, fmt.Errorf("names of people: %w", err)
		}
		for _, u := range us {
			r.Users[u.ID] = UserRef{ID: u.ID, Name: u.Name, Role: u.Role, Group: u.GroupKey()}
		}
	}
	return r, nil
}

func auditIDs(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
