package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

type feedItemJSON struct {
	Kind      string    `json:"kind"`
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	ActorName *string   `json:"actor_name"`
	VersionID int64     `json:"version_id"`
	CommentID int64     `json:"comment_id,omitempty"`
	Status    string    `json:"status,omitempty"`
}

const feedLimit = 30

func (s *Server) apiFeed(c *gin.Context) {
	items, err := s.store.Feed(c.Request.Context(), currentUser(c), feedLimit)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]feedItemJSON, len(items))
	for i, it := range items {
		out[i] = feedItemJSON{Kind: it.Kind, Seq: it.Event.Seq, At: it.Event.At.UTC(), VersionID: it.VersionID, CommentID: it.CommentID, Status: it.Status}
		if it.Event.Actor != nil {
			out[i].ActorName = &it.Event.Actor.Name
		}
	}
	s.json(c, http.StatusOK, gin.H{"items": out})
}

// markSeen moves the viewer's "what's new" mark to the history's head.
func (s *Server) markSeen(c *gin.Context) error {
	size, err := s.store.AuditSize(c.Request.Context())
	if err != nil {
		return err
	}
	return s.store.MarkFeedSeen(c.Request.Context(), currentUser(c).ID, size)
}

func (s *Server) apiFeedSeen(c *gin.Context) {
	if err := s.markSeen(c); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) feedSeenForm(c *gin.Context) {
	if err := s.markSeen(c); err != nil {
		s.fail(c, err)
		return
	}
	s.redirect(c, "/", "feed.marked")
}
