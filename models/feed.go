package models

import (
	"context"
	"encoding/json"
	"fmt"
)

// Feed item kinds.
const (
	FeedVersionPublished = "version_published"
	FeedAnswerToMe       = "answer_to_me"
	FeedReplyToMe        = "reply_to_me"
	FeedReplyInThread    = "reply_in_thread"
	FeedNewComment       = "new_comment" // the secretariat's queue of comments to answer
	FeedBallotOpened     = "ballot_opened"
	FeedBallotClosed     = "ballot_closed"
)

// FeedItem is one thing that happened since the person last looked and
// that concerns them.
type FeedItem struct {
	Kind       string
	Event      AuditEvent
	VersionID  int64
	DocumentID int64
	CommentID  int64
	Status     string // disposition status, for answers; result, for closed ballots
	BallotID   int64
}

type feedData struct {
	VersionID       int64  `json:"version_id"`
	DocumentID      int64  `json:"document_id"`
	ParentID        *int64 `json:"parent_id"`
	ParentAuthorID  int64  `json:"parent_author_id"`
	ThreadID        int64  `json:"thread_id"`
	CommentAuthorID int64  `json:"comment_author_id"`
	Status          string `json:"status"`
	Number          int    `json:"number"`
	Result          string `json:"result"`
}

const feedScan = 500

// Feed derives a person's "what's new" from the decision history itself —
// no second bookkeeping that could disagree with the record. It reads the
// events after the person's last_seen_seq and keeps those that concern
// them.
func (s *Store) Feed(ctx context.Context, u *User, limit int) ([]FeedItem, error) {
	db := s.db.WithContext(ctx)
	// The mark is read here, not taken from u: moving it writes no event,
	// so a session remembered by SessionAt may carry an older one.
	var seen int64
	if err := db.Raw("SELECT last_seen_seq FROM users WHERE id = ?", u.ID).Row().Scan(&seen); err != nil {
		return nil, fmt.Errorf("read feed mark of %d: %w", u.ID, err)
	}
	var evs []AuditEvent
	err := db.Preload("Actor").Preload("Actor.Group").
		Where("seq > ? AND action IN ?", seen, []string{"version.publish", "comment.answer", "comment.create", "ballot.open", "ballot.close"}).
		Order("seq DESC").Limit(feedScan).Find(&evs).Error
	if err != nil {
		return nil, fmt.Errorf("read feed events: %w", err)
	}
	var myThreads []int64
	if u.Role == RoleMember {
		if err := db.Model(&Comment{}).Where("author_id = ?", u.ID).Distinct().Pluck("thread_id", &myThreads).Error; err != nil {
			return nil, fmt.Errorf("my threads: %w", err)
		}
	}
	inMyThreads := map[int64]bool{}
	for _, t := range myThreads {
		inMyThreads[t] = true
	}
	var out []FeedItem
	for _, e := range evs {
		if e.ActorID != nil && *e.ActorID == u.ID {
			continue
		}
		var d feedData
		if err := json.Unmarshal([]byte(e.Data), &d); err != nil {
			return nil, fmt.Errorf("feed event %d: %w", e.Seq, err)
		}
		item := FeedItem{Event: e, VersionID: d.VersionID, DocumentID: d.DocumentID, Status: d.Status}
		switch e.Action {
		case "version.publish":
			item.Kind, item.VersionID = FeedVersionPublished, e.ObjectID
		case "ballot.open":
			item.Kind, item.BallotID = FeedBallotOpened, e.ObjectID
		case "ballot.close":
			item.Kind, item.BallotID, item.Status = FeedBallotClosed, e.ObjectID, d.Result
		case "comment.answer":
			if d.CommentAuthorID != u.ID {
				continue
			}
			item.Kind, item.CommentID = FeedAnswerToMe, e.ObjectID
		case "comment.create":
			item.CommentID = e.ObjectID
			switch {
			case u.Role == RoleSecretariat && d.ParentID == nil:
				item.Kind = FeedNewComment
			case d.ParentID != nil && d.ParentAuthorID == u.ID:
				item.Kind = FeedReplyToMe
			case d.ParentID != nil && inMyThreads[d.ThreadID]:
				item.Kind = FeedReplyInThread
			default:
				continue
			}
		}
		out = append(out, item)
		if len(out) >= limit {
			break
		}
	}
	return out, nil
}

// MarkFeedSeen moves the person's "last seen" mark to seq. It is personal
// reading state, like a session's last activity, not a council decision,
// so it writes no history event.
func (s *Store) MarkFeedSeen(ctx context.Context, userID, seq int64) error {
	err := s.db.WithContext(ctx).Model(&User{}).Where("id = ? AND last_seen_seq < ?", userID, seq).Update("last_seen_seq", seq).Error
	if err != nil {
		return fmt.Errorf("mark feed seen for %d: %w", userID, err)
	}
	return nil
}
