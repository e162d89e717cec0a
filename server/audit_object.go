package server

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/policy"
)

// objectHistory is one object's whole life: what it is, and its events in
// order.
type objectHistory struct {
	Type, Label, Href string
	ID                int64
	Events            []models.AuditEvent
	Views             []eventView
	More              bool
	Next              int64 // after= for the next page
	Latest            int64 // seq of its newest event
	Covering          *models.AuditCheckpoint
	CanProve          bool
	RecordHref        string // versions: the printable decision record
}

const objectPageSize = 200

func (s *Server) loadObjectHistory(c *gin.Context) (*objectHistory, error) {
	typ := c.Param("type")
	if !historyTypes[typ] {
		return nil, models.ErrNotFound
	}
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	after, err := queryInt(c, "after")
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	obj := models.HistoryObject{Type: typ, ID: id}
	evs, err := s.store.ObjectHistory(ctx, obj, after, objectPageSize+1)
	if err != nil {
		return nil, err
	}
	if len(evs) == 0 && after == 0 {
		return nil, &models.Error{Kind: models.KindNotFound, Code: "no_history", Message: "Nothing in the history concerns this object."}
	}
	h := &objectHistory{Type: typ, ID: id}
	if len(evs) > objectPageSize {
		evs, h.More = evs[:objectPageSize], true
		h.Next = evs[len(evs)-1].Seq
	}
	h.Events = evs
	// The object itself is named like an event's object, with the same
	// names resolved.
	self := models.AuditEvent{ObjectType: typ, ObjectID: id, Data: "{}"}
	refs, err := s.store.ResolveAuditRefs(ctx, append([]models.AuditEvent{self}, evs...))
	if err != nil {
		return nil, err
	}
	w := s.wordsFor(c, refs)
	h.Label, h.Href, _ = w.object(&self, &eventData{})
	for i := range evs {
		h.Views = append(h.Views, w.view(&evs[i]))
	}
	if h.Latest, err = s.store.LatestEventOf(ctx, obj); err != nil {
		return nil, err
	}
	if h.Covering, err = s.store.CoveringCheckpoint(ctx, h.Latest); err != nil {
		return nil, err
	}
	h.CanProve = s.authz.Can(subjectOf(currentUser(c)), policy.Kind("audit"), "verify")
	if typ == "version" {
		h.RecordHref = "/versions/" + strconv.FormatInt(id, 10) + "/record"
	}
	return h, nil
}

func (s *Server) auditObjectPage(c *gin.Context) {
	h, err := s.loadObjectHistory(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := s.newPage(c, s.cat.T(langOf(c), "audit.obj.title", h.Label))
	p.Data = h
	s.render(c, http.StatusOK, "audit_object", p)
}

func (s *Server) apiAuditObject(c *gin.Context) {
	h, err := s.loadObjectHistory(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]eventJSON, len(h.Events))
	for i := range h.Events {
		out[i] = toEventJSON(&h.Events[i])
		out[i].Summary = h.Views[i].Sentence
	}
	var next *int64
	if h.More {
		next = &h.Next
	}
	body := gin.H{"object": gin.H{"type": h.Type, "id": h.ID, "label": h.Label}, "events": out, "next_after": next, "latest_seq": h.Latest}
	if h.Covering != nil {
		body["checkpoint"] = toCheckpointJSON(h.Covering)
	} else {
		body["checkpoint"] = nil
	}
	s.json(c, http.StatusOK, body)
}
