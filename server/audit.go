package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/models"
)

type eventActorJSON struct {
	ID    *int64  `json:"id"`
	Name  *string `json:"name"`
	Role  string  `json:"role"`
	Group *string `json:"group"`
}

type eventJSON struct {
	Seq        int64           `json:"seq"`
	At         time.Time       `json:"at"`
	Actor      eventActorJSON  `json:"actor"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   int64           `json:"object_id"`
	Data       json.RawMessage `json:"data"`
	RequestID  string          `json:"request_id"`
	IP         string          `json:"ip"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

func toEventJSON(e *models.AuditEvent) eventJSON {
	out := eventJSON{Seq: e.Seq, At: e.At.UTC(), Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID,
		Data: json.RawMessage(e.Data), RequestID: e.RequestID, IP: e.IP, PrevHash: e.PrevHash, Hash: e.Hash,
		Actor: eventActorJSON{ID: e.ActorID, Role: e.ActorRole}}
	if e.Actor != nil {
		out.Actor.Name = &e.Actor.Name
		if k := e.Actor.GroupKey(); k != "" {
			out.Actor.Group = &k
		}
	}
	return out
}

// queryInt parses an optional non-negative integer query parameter.
func queryInt(c *gin.Context, name string) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, models.Errorf(models.KindBadRequest, "invalid_parameter", "The parameter %q must be a non-negative integer.", name).WithField(name, "not_an_integer")
	}
	return n, nil
}

func (s *Server) apiAuditEvents(c *gin.Context) {
	var f models.AuditFilter
	var err error
	var limit, actor, object int64
	if f.After, err = queryInt(c, "after"); err == nil {
		if limit, err = queryInt(c, "limit"); err == nil {
			if actor, err = queryInt(c, "actor_id"); err == nil {
				object, err = queryInt(c, "object_id")
			}
		}
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if limit > models.MaxAuditPage {
		s.fail(c, models.Errorf(models.KindBadRequest, "invalid_parameter", "The limit must be at most %d.", models.MaxAuditPage).WithField("limit", "too_large"))
		return
	}
	f.Limit, f.ActorID, f.ObjectID = int(limit), actor, object
	f.Action, f.ObjectType = c.Query("action"), c.Query("object_type")
	evs, err := s.store.AuditEvents(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]eventJSON, len(evs))
	for i := range evs {
		out[i] = toEventJSON(&evs[i])
	}
	var next *int64
	if len(evs) > 0 {
		last := evs[len(evs)-1].Seq
		next = &last
	}
	s.json(c, http.StatusOK, gin.H{"events": out, "next_after": next})
}

func (s *Server) apiAuditVerify(c *gin.Context) {
	v, err := s.store.VerifyAudit(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	var bad *int64
	if v.FirstBadSeq > 0 {
		bad = &v.FirstBadSeq
	}
	s.json(c, http.StatusOK, gin.H{"ok": v.OK, "count": v.Count, "head": v.Head, "first_bad_seq": bad, "problems": v.Problems})
}

func (s *Server) apiAuditCheckpoints(c *gin.Context) {
	cps, err := s.store.Checkpoints(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	type cpJSON struct {
		Size      int64     `json:"size"`
		Root      string    `json:"root"`
		Note      string    `json:"note"`
		Reason    string    `json:"reason"`
		CreatedAt time.Time `json:"created_at"`
	}
	out := make([]cpJSON, len(cps))
	for i, cp := range cps {
		out[i] = cpJSON{Size: cp.Size, Root: cp.Root, Note: cp.Note, Reason: cp.Reason, CreatedAt: cp.CreatedAt.UTC()}
	}
	s.json(c, http.StatusOK, gin.H{"checkpoints": out, "public_key": s.store.VerifierKey()})
}

func (s *Server) apiAuditPublicKey(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.String(http.StatusOK, "%s\n", s.store.VerifierKey())
}

type auditEventView struct {
	models.AuditEvent
	ActorName string
}

type auditPageData struct {
	Verify    *models.VerifyResult
	PublicKey string
	Events    []auditEventView
	Newer     int64
	Older     int64
}

const auditPageSize = 50

// auditPage shows the newest events first; ?before=SEQ pages back.
func (s *Server) auditPage(c *gin.Context) {
	ctx := c.Request.Context()
	before, err := queryInt(c, "before")
	if err != nil {
		s.fail(c, err)
		return
	}
	size, err := s.store.AuditSize(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	if before == 0 || before > size+1 {
		before = size + 1
	}
	after := max(before-1-auditPageSize, 0)
	evs, err := s.store.AuditEvents(ctx, models.AuditFilter{After: after, Limit: int(before - 1 - after)})
	if err != nil {
		s.fail(c, err)
		return
	}
	d := auditPageData{PublicKey: s.store.VerifierKey()}
	for i := len(evs) - 1; i >= 0; i-- {
		v := auditEventView{AuditEvent: evs[i]}
		if evs[i].Actor != nil {
			v.ActorName = evs[i].Actor.Name
		}
		d.Events = append(d.Events, v)
	}
	if after > 0 {
		d.Older = after + 1
	}
	if before <= size {
		d.Newer = min(before+auditPageSize, size+1)
	}
	if currentUser(c).Role == models.RoleAuditor {
		if d.Verify, err = s.store.VerifyAudit(ctx); err != nil {
			s.fail(c, err)
			return
		}
	}
	p := s.newPage(c, s.cat.T(langOf(c), "audit.title"))
	p.Data = d
	s.render(c, http.StatusOK, "audit", p)
}
