package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/models/auditlog"
	"roundtable/policy"
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
	Summary    string          `json:"summary,omitempty"` // the action in words, in the viewer's language
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

// eventsJSON renders events with their sentences.
func (s *Server) eventsJSON(c *gin.Context, evs []models.AuditEvent) ([]eventJSON, error) {
	views, err := s.eventViews(c, evs)
	if err != nil {
		return nil, err
	}
	out := make([]eventJSON, len(evs))
	for i := range evs {
		out[i] = toEventJSON(&evs[i])
		out[i].Summary = views[i].Sentence
	}
	return out, nil
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

var (
	actionParam     = regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)*(\.\*)?$`)
	objectTypeParam = regexp.MustCompile(`^[a-z_]{1,32}$`)
)

// queryTime parses an optional time: RFC 3339, or a date (YYYY-MM-DD) in
// Korea time, where the council sits. A date as the end of a range means
// the whole of that day.
func queryTime(c *gin.Context, name string, end bool) (time.Time, error) {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	d, err := time.ParseInLocation("2006-01-02", v, models.Seoul)
	if err != nil {
		return time.Time{}, models.Errorf(models.KindBadRequest, "invalid_parameter", "The parameter %q must be a date (2022-10-15) or an RFC 3339 time.", name).WithField(name, "not_a_time")
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d.UTC(), nil
}

// timelineQuery is the timeline's filter as typed, to fill the form again
// and to carry it into paging and download links.
type timelineQuery struct {
	Action, ObjectType, From, To string
	ActorID, ObjectID            int64
}

func (q timelineQuery) values() url.Values {
	v := url.Values{}
	set := func(k, x string) {
		if x != "" {
			v.Set(k, x)
		}
	}
	set("action", q.Action)
	set("object_type", q.ObjectType)
	set("from", q.From)
	set("to", q.To)
	if q.ActorID != 0 {
		v.Set("actor_id", strconv.FormatInt(q.ActorID, 10))
	}
	if q.ObjectID != 0 {
		v.Set("object_id", strconv.FormatInt(q.ObjectID, 10))
	}
	return v
}

// Query is the filter as a query string ("" when there is none).
func (q timelineQuery) Query() string { return q.values().Encode() }

// With adds a paging parameter to the filter's query string.
func (q timelineQuery) With(key string, n int64) string {
	v := q.values()
	v.Set(key, strconv.FormatInt(n, 10))
	return v.Encode()
}

// Active reports whether any filter is set.
func (q timelineQuery) Active() bool { return q.Query() != "" }

// parseTimeline reads the timeline filter shared by the page, the JSON API
// and the CSV export. Paging (after, before, limit) is read by each.
func parseTimeline(c *gin.Context) (models.AuditFilter, timelineQuery, error) {
	var f models.AuditFilter
	var q timelineQuery
	var err error
	if f.ActorID, err = queryInt(c, "actor_id"); err != nil {
		return f, q, err
	}
	if f.ObjectID, err = queryInt(c, "object_id"); err != nil {
		return f, q, err
	}
	f.Action, f.ObjectType = strings.TrimSpace(c.Query("action")), strings.TrimSpace(c.Query("object_type"))
	if f.Action != "" && (len(f.Action) > 64 || !actionParam.MatchString(f.Action)) {
		return f, q, models.Errorf(models.KindBadRequest, "invalid_parameter", "The action must look like version.publish, or ballot.* for a family.").WithField("action", "invalid")
	}
	if f.ObjectType != "" && !objectTypeParam.MatchString(f.ObjectType) {
		return f, q, models.Errorf(models.KindBadRequest, "invalid_parameter", "The object type must be a word like version.").WithField("object_type", "invalid")
	}
	if f.From, err = queryTime(c, "from", false); err != nil {
		return f, q, err
	}
	if f.To, err = queryTime(c, "to", true); err != nil {
		return f, q, err
	}
	q = timelineQuery{Action: f.Action, ObjectType: f.ObjectType, From: strings.TrimSpace(c.Query("from")), To: strings.TrimSpace(c.Query("to")),
		ActorID: f.ActorID, ObjectID: f.ObjectID}
	return f, q, nil
}

// pageLimit reads limit (default def, at most MaxAuditPage).
func pageLimit(c *gin.Context, def int) (int, error) {
	limit, err := queryInt(c, "limit")
	if err != nil {
		return 0, err
	}
	if limit > models.MaxAuditPage {
		return 0, models.Errorf(models.KindBadRequest, "invalid_parameter", "The limit must be at most %d.", models.MaxAuditPage).WithField("limit", "too_large")
	}
	if limit == 0 {
		return def, nil
	}
	return int(limit), nil
}

func (s *Server) apiAuditEvents(c *gin.Context) {
	f, _, err := parseTimeline(c)
	if err == nil {
		if f.After, err = queryInt(c, "after"); err == nil {
			if f.Before, err = queryInt(c, "before"); err == nil {
				f.Limit, err = pageLimit(c, 100)
			}
		}
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	evs, err := s.store.AuditEvents(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.eventsJSON(c, evs)
	if err != nil {
		s.fail(c, err)
		return
	}
	// next_after continues an ascending walk; a descending one (before=)
	// continues with next_before.
	body := gin.H{"events": out, "next_after": nil}
	if len(evs) > 0 {
		last := evs[len(evs)-1].Seq
		if f.Before > 0 {
			body["next_before"] = last
		} else {
			body["next_after"] = last
		}
	}
	s.json(c, http.StatusOK, body)
}

func verifyJSON(v *models.VerifyResult) gin.H {
	var bad *int64
	if v.FirstBadSeq > 0 {
		bad = &v.FirstBadSeq
	}
	return gin.H{"ok": v.OK, "count": v.Count, "head": v.Head, "first_bad_seq": bad, "signed_size": v.SignedSize,
		"key_fingerprint": v.KeyFingerprint, "problems": v.Problems}
}

func (s *Server) apiAuditVerify(c *gin.Context) {
	v, err := s.store.VerifyAudit(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, verifyJSON(v))
}

type checkpointJSON struct {
	Size      int64     `json:"size"`
	Root      string    `json:"root"`
	Note      string    `json:"note"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

func toCheckpointJSON(cp *models.AuditCheckpoint) checkpointJSON {
	return checkpointJSON{Size: cp.Size, Root: cp.Root, Note: cp.Note, Reason: cp.Reason, CreatedAt: cp.CreatedAt.UTC()}
}

func (s *Server) apiAuditCheckpoints(c *gin.Context) {
	cps, err := s.store.Checkpoints(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]checkpointJSON, len(cps))
	for i := range cps {
		out[i] = toCheckpointJSON(&cps[i])
	}
	s.json(c, http.StatusOK, gin.H{"checkpoints": out, "public_key": s.store.VerifierKey()})
}

// apiAuditCheckpointNote serves one signed note as a file an auditor keeps
// and later hands to `roundtable audit verify --checkpoint`. :size is a
// checkpoint size or "latest".
func (s *Server) apiAuditCheckpointNote(c *gin.Context) {
	ctx := c.Request.Context()
	var cp *models.AuditCheckpoint
	var err error
	if c.Param("size") == "latest" {
		if cp, err = s.store.LatestCheckpoint(ctx); err == nil && cp == nil {
			err = models.Errorf(models.KindNotFound, "no_such_checkpoint", "No checkpoint has been signed yet.")
		}
	} else {
		size, perr := strconv.ParseInt(c.Param("size"), 10, 64)
		if perr != nil || size <= 0 {
			s.notFound(c)
			return
		}
		cp, err = s.store.CheckpointBySize(ctx, size)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", "attachment; filename=\"checkpoint-"+strconv.FormatInt(cp.Size, 10)+".note\"")
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(cp.Note))
}

func (s *Server) apiAuditPublicKey(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.String(http.StatusOK, "%s\n", s.store.VerifierKey())
}

// inlineVerifyLimit is the longest log that pages recompute on every
// visit: verifying reads every event, about a second per 150,000 on SQLite.
// Longer logs are verified when the auditor asks (?verify=1) or through
// GET /api/v1/audit/verify.
const inlineVerifyLimit = 200_000

// verifyForPage recomputes the history for a page, unless it is too long
// to do on every visit and the viewer did not ask; later then says so.
func (s *Server) verifyForPage(c *gin.Context) (v *models.VerifyResult, later bool, err error) {
	ctx := c.Request.Context()
	if c.Query("verify") != "1" {
		size, err := s.store.AuditSize(ctx)
		if err != nil {
			return nil, false, err
		}
		if size > inlineVerifyLimit {
			return nil, true, nil
		}
	}
	v, err = s.store.VerifyAudit(ctx)
	return v, false, err
}

// The timeline page.

type actorOption struct {
	ID   int64
	Name string
	Role string
}

type auditPageData struct {
	Verify         *models.VerifyResult
	VerifyLater    bool   // the log is too long to recompute on every visit
	BadHref        string // the first bad event on the timeline
	PublicKey      string
	KeyFingerprint string
	Checkpoint     *models.AuditCheckpoint
	Events         []eventView
	Query          timelineQuery
	Newer, Older   string // links to the neighbouring pages
	CSVHref        string // the CSV of these events
	Actions        []string
	ObjectTypes    []string
	Actors         []actorOption
	CanExport      bool
	CanReview      bool
}

const auditPageSize = 50

// timelineActions are offered in the action filter: each family, then the
// actions known today. Others can still be typed into the URL.
var timelineActions = []string{
	"version.*", "comment.*", "ballot.*", "reports.*", "session.*", "user.*", "audit.*",
	"access.denied", "session.login_failed", "version.publish", "version.adopt", "version.reject", "ballot.vote", "ballot.close",
	"comment.answer", "register.export",
}

var timelineTypes = []string{"version", "document", "comment", "ballot", "user", "report_batch", "snapshot", "report"}

// auditPage shows the newest events first, filtered, in pages of 50:
// ?before=SEQ pages back, ?after=SEQ forward, both by seq (keyset).
func (s *Server) auditPage(c *gin.Context) {
	ctx := c.Request.Context()
	f, q, err := parseTimeline(c)
	var after, before int64
	if err == nil {
		if after, err = queryInt(c, "after"); err == nil {
			before, err = queryInt(c, "before")
		}
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	// One more than a page, to know whether there is another.
	f.Limit = auditPageSize + 1
	var evs []models.AuditEvent
	if after > 0 {
		f.After = after
		if evs, err = s.store.AuditEvents(ctx, f); err != nil {
			s.fail(c, err)
			return
		}
		more := len(evs) > auditPageSize
		if more {
			evs = evs[:auditPageSize]
		}
		for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
			evs[i], evs[j] = evs[j], evs[i]
		}
		before = 0
		if more {
			before = -1 // there are newer ones
		}
	} else {
		f.Before = before
		if f.Before == 0 {
			f.Before = 1 << 62
		}
		if evs, err = s.store.AuditEvents(ctx, f); err != nil {
			s.fail(c, err)
			return
		}
	}
	d := auditPageData{PublicKey: s.store.VerifierKey(), Query: q, Actions: timelineActions, ObjectTypes: timelineTypes, CSVHref: "/audit/export"}
	if q.Active() {
		d.CSVHref += "?" + q.Query()
	}
	if d.PublicKey != "" {
		d.KeyFingerprint = auditlog.KeyFingerprint(d.PublicKey)
	}
	switch {
	case after > 0:
		if len(evs) > 0 {
			d.Older = "/audit?" + q.With("before", evs[len(evs)-1].Seq)
			if before == -1 {
				d.Newer = "/audit?" + q.With("after", evs[0].Seq)
			}
		}
	default:
		if len(evs) > auditPageSize {
			evs = evs[:auditPageSize]
			d.Older = "/audit?" + q.With("before", evs[len(evs)-1].Seq)
		}
		if before > 0 && len(evs) > 0 {
			d.Newer = "/audit?" + q.With("after", evs[0].Seq)
		}
	}
	if d.Events, err = s.eventViews(c, evs); err != nil {
		s.fail(c, err)
		return
	}
	if d.Checkpoint, err = s.store.LatestCheckpoint(ctx); err != nil {
		s.fail(c, err)
		return
	}
	users, err := s.store.Users(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, u := range users {
		d.Actors = append(d.Actors, actorOption{ID: u.ID, Name: u.Name, Role: u.Role})
	}
	sub := subjectOf(currentUser(c))
	d.CanExport = s.authz.Can(sub, policy.Kind("audit"), "export")
	d.CanReview = s.authz.Can(sub, policy.Kind("audit"), "review")
	if s.authz.Can(sub, policy.Kind("audit"), "verify") {
		if d.Verify, d.VerifyLater, err = s.verifyForPage(c); err != nil {
			s.fail(c, err)
			return
		}
		if d.Verify != nil && d.Verify.FirstBadSeq > 0 {
			bad := d.Verify.FirstBadSeq
			d.BadHref = "/audit?before=" + strconv.FormatInt(bad+1, 10) + "#e" + strconv.FormatInt(bad, 10)
		}
	}
	p := s.newPage(c, s.cat.T(langOf(c), "audit.title"))
	p.Data = d
	s.render(c, http.StatusOK, "audit", p)
}
