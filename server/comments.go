package server

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/policy"
)

type authorJSON struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	Group        *string `json:"group"`
	Organisation string  `json:"organisation"`
}

type dispositionJSON struct {
	Status               string    `json:"status"`
	Response             string    `json:"response"`
	AddressedInVersionID *int64    `json:"addressed_in_version_id"`
	At                   time.Time `json:"at"`
}

type commentJSON struct {
	ID          int64            `json:"id"`
	VersionID   int64            `json:"version_id"`
	ClauseKey   *string          `json:"clause_key"`
	ParentID    *int64           `json:"parent_id"`
	ThreadID    int64            `json:"thread_id"`
	Author      authorJSON       `json:"author"`
	Body        string           `json:"body"`
	Status      string           `json:"status"`
	Edited      bool             `json:"edited"`
	EditedAt    *time.Time       `json:"edited_at"`
	CreatedAt   time.Time        `json:"created_at"`
	Disposition *dispositionJSON `json:"disposition"`
}

func toCommentJSON(c *models.Comment) commentJSON {
	out := commentJSON{ID: c.ID, VersionID: c.VersionID, ParentID: c.ParentID, ThreadID: c.ThreadID, Body: c.Body, Status: c.Status,
		Edited: c.EditedAt != nil, EditedAt: utcPtr(c.EditedAt), CreatedAt: c.CreatedAt.UTC()}
	if c.ClauseKey != "" {
		k := c.ClauseKey
		out.ClauseKey = &k
	}
	if c.Author != nil {
		out.Author = authorJSON{ID: c.Author.ID, Name: c.Author.Name, Organisation: c.Author.Organisation}
		if g := c.Author.GroupKey(); g != "" {
			out.Author.Group = &g
		}
	}
	if d := c.Disposition; d != nil {
		out.Disposition = &dispositionJSON{Status: d.Status, Response: d.Response, AddressedInVersionID: d.AddressedInVersionID, At: d.RespondedAt.UTC()}
	}
	return out
}

// loadComment loads :id and checks that its version is readable.
func (s *Server) loadComment(c *gin.Context) (*models.Comment, *models.Version, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, nil, err
	}
	cm, err := s.store.CommentByID(c.Request.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	v, err := s.store.VersionByID(c.Request.Context(), cm.VersionID)
	if err != nil {
		return nil, nil, err
	}
	if !s.authz.Can(subjectOf(currentUser(c)), versionObject(v), "read") {
		return nil, nil, models.ErrNotFound
	}
	return cm, v, nil
}

// ownComment loads a comment the viewer may change: the policy's
// ownership rule is asked with the loaded comment.
func (s *Server) ownComment(c *gin.Context) (*models.Comment, *models.Version, error) {
	cm, v, err := s.loadComment(c)
	if err != nil {
		return nil, nil, err
	}
	if !s.authz.Can(subjectOf(currentUser(c)), policy.Object{Kind: "comment", ID: cm.ID, OwnerID: cm.AuthorID, Status: cm.Status}, "edit") {
		return nil, nil, models.ErrForbidden
	}
	return cm, v, nil
}

func (s *Server) apiComments(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	cs, err := s.store.Comments(c.Request.Context(), v.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]commentJSON, len(cs))
	for i := range cs {
		out[i] = toCommentJSON(&cs[i])
	}
	s.json(c, http.StatusOK, gin.H{"comments": out})
}

type commentRequest struct {
	Body      string  `json:"body"`
	ClauseKey *string `json:"clause_key"`
	ParentID  *int64  `json:"parent_id"`
}

func (s *Server) apiCommentCreate(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req commentRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	in := models.CommentInput{Body: req.Body, ParentID: req.ParentID}
	if req.ClauseKey != nil {
		in.ClauseKey = *req.ClauseKey
	}
	cm, err := s.store.AddComment(c.Request.Context(), s.actor(c), v.ID, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusCreated, gin.H{"comment": toCommentJSON(cm)})
}

func (s *Server) apiCommentEdit(c *gin.Context) {
	cm, _, err := s.ownComment(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req struct {
		Body string `json:"body"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	cm, err = s.store.EditComment(c.Request.Context(), s.actor(c), cm.ID, req.Body)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, gin.H{"comment": toCommentJSON(cm)})
}

func (s *Server) apiCommentWithdraw(c *gin.Context) {
	cm, _, err := s.ownComment(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	cm, err = s.store.WithdrawComment(c.Request.Context(), s.actor(c), cm.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, gin.H{"comment": toCommentJSON(cm)})
}

type dispositionRequest struct {
	Status               string `json:"status"`
	Response             string `json:"response"`
	AddressedInVersionID *int64 `json:"addressed_in_version_id"`
}

func (s *Server) apiDisposition(c *gin.Context) {
	cm, _, err := s.loadComment(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req dispositionRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	cm, err = s.store.Answer(c.Request.Context(), s.actor(c), cm.ID, models.DispositionInput{Status: req.Status, Response: req.Response, AddressedInVersionID: req.AddressedInVersionID})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, gin.H{"comment": toCommentJSON(cm)})
}

// HTML forms. Each returns to the version page at the comment, or shows
// the version page again with the error and what was typed.

func commentAnchor(versionID, commentID int64) string {
	return fmt.Sprintf("/versions/%d#c%d", versionID, commentID)
}

func optionalID(s string) *int64 {
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return nil
	}
	return &n
}

func (s *Server) commentCreateForm(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	in := models.CommentInput{Body: c.PostForm("body"), ClauseKey: c.PostForm("clause_key"), ParentID: optionalID(c.PostForm("parent_id"))}
	cm, err := s.store.AddComment(c.Request.Context(), s.actor(c), v.ID, in)
	if err != nil {
		s.versionPageWithError(c, v, err, &formDraft{Body: in.Body, ClauseKey: in.ClauseKey, ParentID: in.ParentID})
		return
	}
	s.redirect(c, commentAnchor(v.ID, cm.ID), "flash.comment_posted")
}

func (s *Server) commentEditForm(c *gin.Context) {
	cm, v, err := s.ownComment(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if _, err := s.store.EditComment(c.Request.Context(), s.actor(c), cm.ID, c.PostForm("body")); err != nil {
		s.versionPageWithError(c, v, err, &formDraft{Body: c.PostForm("body"), EditID: cm.ID})
		return
	}
	s.redirect(c, commentAnchor(v.ID, cm.ID), "flash.comment_edited")
}

func (s *Server) commentWithdrawForm(c *gin.Context) {
	cm, v, err := s.ownComment(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if _, err := s.store.WithdrawComment(c.Request.Context(), s.actor(c), cm.ID); err != nil {
		s.versionPageWithError(c, v, err, nil)
		return
	}
	s.redirect(c, commentAnchor(v.ID, cm.ID), "flash.comment_withdrawn")
}

func (s *Server) dispositionForm(c *gin.Context) {
	cm, v, err := s.loadComment(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	in := models.DispositionInput{Status: c.PostForm("status"), Response: c.PostForm("response"), AddressedInVersionID: optionalID(c.PostForm("addressed_in_version_id"))}
	if _, err := s.store.Answer(c.Request.Context(), s.actor(c), cm.ID, in); err != nil {
		s.versionPageWithError(c, v, err, &formDraft{Body: in.Response, AnswerID: cm.ID, Status: in.Status})
		return
	}
	to := commentAnchor(v.ID, cm.ID)
	if c.PostForm("return") == "register" {
		to = fmt.Sprintf("/versions/%d/register#c%d", v.ID, cm.ID)
	}
	s.redirect(c, to, "flash.comment_answered")
}
