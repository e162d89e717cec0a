package server

import (
	"bufio"
	"bytes"
	"context"
	"html"
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"

	"roundtable/frontend"
	"roundtable/models"
)

// sharedVersionPage serves a version page from the copy shared by viewers
// of the same kind (pagecache.go), building it when the history has moved
// since the last one.
func (s *Server) sharedVersionPage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	// Read the history's size before anything else: the copy built next
	// then shows this state or a later one, never an earlier one.
	seq, err := s.store.AuditSize(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	sub := subjectOf(currentUser(c))
	sp, err := s.shared.get(kindOf(id, sub, langOf(c)), seq, func() (*sharedPage, error) { return s.shareVersionPage(c, seq) })
	if err != nil {
		s.fail(c, err)
		return
	}
	// A viewer of the same kind built the copy, so this is the answer it
	// got; asking again keeps every read decision on this path.
	if !s.authz.Can(sub, versionObject(sp.version), "read") {
		s.notFound(c)
		return
	}
	s.writeShared(c, sp)
}

// shareVersionPage builds the shared copy of the requested version page.
func (s *Server) shareVersionPage(c *gin.Context, seq int64) (*sharedPage, error) {
	// The copy serves every request waiting for it, so the first one
	// hanging up must not cancel the build.
	req := c.Request
	c.Request = req.WithContext(context.WithoutCancel(req.Context()))
	defer func() { c.Request = req }()

	v, err := s.loadVersion(c)
	if err != nil {
		return nil, err
	}
	p, err := s.buildVersionPage(c, v)
	if err != nil {
		return nil, err
	}
	p.ViewerID = 0
	if p.OpenDefault != "" {
		p.OpenDefault = s.marks.Mark(frontend.SlotDeadline, 0)
	}
	lang := langOf(c)
	page := &frontend.Page{Lang: lang, Marks: s.marks, CSRF: s.marks.Mark(frontend.SlotCSRF, 0), Data: p}
	var buf bytes.Buffer
	if err := s.pages.RenderContent(&buf, "version", page); err != nil {
		return nil, err
	}
	parts, err := s.marks.Split(buf.Bytes())
	if err != nil {
		return nil, err
	}
	sp := &sharedPage{seq: seq, version: v, title: v.Document.Title + " · " + s.cat.T(lang, "version.number", v.Number),
		parts: parts, comments: map[int64]*models.Comment{}, size: buf.Len()}
	keep := func(ts []threadView) {
		for i := range ts {
			sp.comments[ts[i].Root.ID] = &ts[i].Root
			for j := range ts[i].Replies {
				sp.comments[ts[i].Replies[j].ID] = &ts[i].Replies[j]
			}
		}
	}
	for _, cl := range p.Clauses {
		keep(cl.Threads)
	}
	keep(p.General)
	return sp, nil
}

// writeShared completes a shared copy for this viewer (frame, CSRF token,
// deadline, edit forms under their own comments) and sends it.
func (s *Server) writeShared(c *gin.Context, sp *sharedPage) {
	page := s.newPage(c, sp.title)
	head, tail, err := s.pages.RenderFrame("version", page)
	if err != nil {
		s.fail(c, err)
		return
	}
	csrf := []byte(html.EscapeString(page.CSRF))
	deadline := []byte(s.openBallotDefault())
	var viewer int64
	if u := currentUser(c); u != nil {
		viewer = u.ID
	}
	slots := make([][]byte, len(sp.parts))
	n := len(head) + len(tail)
	for i, part := range sp.parts {
		switch part.Slot {
		case frontend.SlotCSRF:
			slots[i] = csrf
		case frontend.SlotDeadline:
			slots[i] = deadline
		case frontend.SlotEdit:
			cm := sp.comments[part.ID]
			if cm == nil || cm.AuthorID != viewer {
				break
			}
			var b bytes.Buffer
			ep := &frontend.Page{Lang: page.Lang, CSRF: page.CSRF, Data: &versionPage{Version: sp.version}}
			if err := s.pages.RenderBlock(&b, "version", "comment-edit", ep, map[string]any{"P": ep, "C": cm}); err != nil {
				s.fail(c, err)
				return
			}
			slots[i] = b.Bytes()
		}
		n += len(part.Text) + len(slots[i])
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Content-Length", strconv.Itoa(n))
	c.Status(http.StatusOK)
	// The parts are many and small; written one by one, each would cost a
	// system call through the connection's 4 KB buffer. A pooled 64 KB
	// buffer keeps the calls few without holding a whole page per request.
	w := sendBuffers.Get().(*bufio.Writer)
	defer sendBuffers.Put(w)
	w.Reset(c.Writer)
	_, _ = w.Write(head) // a failed write is kept by w and returned by Flush
	for i, part := range sp.parts {
		_, _ = w.Write(part.Text)
		_, _ = w.Write(slots[i])
	}
	_, _ = w.Write(tail)
	if err := w.Flush(); err != nil {
		// The client went away mid-page; there is no one left to tell.
		s.log.Debug("send version page", "request_id", requestIDOf(c), "err", err)
	}
	w.Reset(nil)
}

var sendBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}
