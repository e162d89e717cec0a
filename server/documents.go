package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/policy"
)

type versionRefJSON struct {
	ID     int64  `json:"id"`
	Number int    `json:"number"`
	Status string `json:"status"`
}

type versionSummaryJSON struct {
	ID          int64      `json:"id"`
	Number      int        `json:"number"`
	Status      string     `json:"status"`
	Summary     string     `json:"summary"`
	PublishedAt *time.Time `json:"published_at"`
}

type documentJSON struct {
	ID            int64                `json:"id"`
	Title         string               `json:"title"`
	Description   string               `json:"description"`
	LatestVersion *versionRefJSON      `json:"latest_version"`
	Versions      []versionSummaryJSON `json:"versions,omitempty"`
	CreatedAt     time.Time            `json:"created_at"`
}

type clauseJSON struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

type versionJSON struct {
	ID          int64           `json:"id"`
	DocumentID  int64           `json:"document_id"`
	Number      int             `json:"number"`
	Status      string          `json:"status"`
	Summary     string          `json:"summary"`
	Clauses     []clauseJSON    `json:"clauses"`
	Rules       json.RawMessage `json:"rules"`
	Revision    int             `json:"revision"`
	BasedOnID   *int64          `json:"based_on_version_id"`
	PublishedAt *time.Time      `json:"published_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

func toVersionJSON(v *models.Version) versionJSON {
	out := versionJSON{ID: v.ID, DocumentID: v.DocumentID, Number: v.Number, Status: v.Status, Summary: v.Summary,
		Rules: json.RawMessage(v.Rules), Revision: v.Revision, BasedOnID: v.BasedOnID, PublishedAt: utcPtr(v.PublishedAt),
		UpdatedAt: v.UpdatedAt.UTC(), Clauses: make([]clauseJSON, len(v.Clauses))}
	for i, c := range v.Clauses {
		out.Clauses[i] = clauseJSON{Key: c.Key, Title: c.Title, Body: c.Body}
	}
	return out
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// visibleVersions drops the versions the viewer may not see (drafts for
// everyone but the secretariat).
func (s *Server) visibleVersions(c *gin.Context, vs []models.Version) []models.Version {
	sub := subjectOf(currentUser(c))
	out := make([]models.Version, 0, len(vs))
	for _, v := range vs {
		if s.authz.Can(sub, versionObject(&v), "read") {
			out = append(out, v)
		}
	}
	return out
}

func versionObject(v *models.Version) policy.Object {
	return policy.Object{Kind: "version", ID: v.ID, Status: v.Status}
}

func (s *Server) toDocumentJSON(c *gin.Context, d *models.Document, withVersions bool) documentJSON {
	out := documentJSON{ID: d.ID, Title: d.Title, Description: d.Description, CreatedAt: d.CreatedAt.UTC()}
	vs := s.visibleVersions(c, d.Versions)
	if n := len(vs); n > 0 {
		out.LatestVersion = &versionRefJSON{ID: vs[n-1].ID, Number: vs[n-1].Number, Status: vs[n-1].Status}
	}
	if withVersions {
		out.Versions = make([]versionSummaryJSON, len(vs))
		for i, v := range vs {
			out.Versions[i] = versionSummaryJSON{ID: v.ID, Number: v.Number, Status: v.Status, Summary: v.Summary, PublishedAt: utcPtr(v.PublishedAt)}
		}
	}
	return out
}

// loadVersion loads the :id version if the viewer may read it. A version
// the viewer may not see answers 404, not 403: members must not learn that
// a draft exists.
func (s *Server) loadVersion(c *gin.Context) (*models.Version, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	v, err := s.store.VersionByID(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	if !s.authz.Can(subjectOf(currentUser(c)), versionObject(v), "read") {
		return nil, models.ErrNotFound
	}
	return v, nil
}

func (s *Server) loadDocument(c *gin.Context) (*models.Document, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	return s.store.DocumentByID(c.Request.Context(), id)
}

// JSON API.

func (s *Server) apiDocuments(c *gin.Context) {
	ds, err := s.store.Documents(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]documentJSON, len(ds))
	for i := range ds {
		out[i] = s.toDocumentJSON(c, &ds[i], false)
	}
	s.json(c, http.StatusOK, gin.H{"documents": out})
}

type documentRequest struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

func (s *Server) apiDocumentCreate(c *gin.Context) {
	var req documentRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.store.CreateDocument(c.Request.Context(), s.actor(c), req.Title, req.Description)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusCreated, gin.H{"document": s.toDocumentJSON(c, d, true)})
}

func (s *Server) apiDocument(c *gin.Context) {
	d, err := s.loadDocument(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, gin.H{"document": s.toDocumentJSON(c, d, true)})
}

type versionRequest struct {
	Summary   string          `json:"summary"`
	Clauses   []clauseJSON    `json:"clauses"`
	Rules     json.RawMessage `json:"rules"`
	Revision  *int            `json:"revision"`
	BasedOnID *int64          `json:"based_on_version_id"`
}

func (r *versionRequest) input() models.VersionInput {
	in := models.VersionInput{Summary: r.Summary, Rules: r.Rules, Revision: r.Revision}
	for _, c := range r.Clauses {
		in.Clauses = append(in.Clauses, models.ClauseInput{Key: c.Key, Title: c.Title, Body: c.Body})
	}
	return in
}

func (s *Server) apiVersionCreate(c *gin.Context) {
	d, err := s.loadDocument(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req versionRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.store.CreateDraft(c.Request.Context(), s.actor(c), d.ID, req.input(), req.BasedOnID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusCreated, gin.H{"version": toVersionJSON(v)})
}

func (s *Server) apiVersion(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("ETag", strconv.Quote(strconv.Itoa(v.Revision)))
	s.json(c, http.StatusOK, gin.H{"version": toVersionJSON(v)})
}

func (s *Server) apiVersionUpdate(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req versionRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if req.BasedOnID != nil {
		s.fail(c, models.Errorf(models.KindBadRequest, "unknown_field", "based_on_version_id is set when a draft is created.").WithField("based_on_version_id", "unknown"))
		return
	}
	in := req.input()
	// If-Match carries the revision the client edited, as an alternative
	// to the body field.
	if in.Revision == nil {
		if m := strings.Trim(c.GetHeader("If-Match"), `"`); m != "" {
			if n, err := strconv.Atoi(m); err == nil {
				in.Revision = &n
			}
		}
	}
	v, err = s.store.UpdateDraft(c.Request.Context(), s.actor(c), v.ID, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, gin.H{"version": toVersionJSON(v)})
}

func (s *Server) apiVersionPublish(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err = s.store.Publish(c.Request.Context(), s.actor(c), v.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, gin.H{"version": toVersionJSON(v)})
}
