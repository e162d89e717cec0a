package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/models/ballotrule"
	"roundtable/models/reportfile"
	"roundtable/models/textdiff"
	"roundtable/policy"
)

// formDraft is what a person typed into a comment, answer or edit form that
// was refused; the page shows it again in the same form.
type formDraft struct {
	Body      string
	ClauseKey string
	ParentID  *int64
	EditID    int64
	AnswerID  int64
	Status    string
}

type threadView struct {
	Root    models.Comment
	Replies []models.Comment
}

type clauseView struct {
	models.Clause
	Change       string // against the previous visible version: added, modified, unchanged
	Threads      []threadView
	Count        int // comments on the clause in all
	More         int // threads not shown on the version page
	Earlier      []models.EarlierCount
	EarlierTotal int
}

// threadsPerClause is how many of a clause's most recently active threads
// the version page shows; the clause's own page shows them all.
const threadsPerClause = 3

// generalKey names the whole-version discussion in clause URLs; clause
// keys cannot start with "-".
const generalKey = "-"

type versionPage struct {
	Version      *models.Version
	Document     *models.Document
	Versions     []models.Version // visible versions of the document
	Prev, Next   *models.Version
	Clauses      []clauseView
	General      []threadView
	Total        int
	CanComment   bool
	CanAnswer    bool
	CanEdit      bool
	ViewerID     int64
	Dispositions []string
	Draft        *formDraft
	Focus        string // on a clause page, the clause key (generalKey for the whole version)
	GeneralMore  int
	Later        []models.Version // versions a disposition can name
	Numbers      map[int64]int    // visible version id → number, for answers that name one
	Ballots      []models.Ballot
	Impact       *models.Impact
	CanImpact    bool
	HasRules     bool
	CanOpen      bool
	CanAudit     bool // auditors and the secretariat: links to the history and the decision record
	Rules        []string
	OpenDefault  string // default closing time for the open-ballot form
}

// versionNumbers maps the visible versions' ids to their numbers; an
// answer naming a version the viewer may not see (a draft) shows "the next
// version, in preparation" instead of a link.
func versionNumbers(vs []models.Version) map[int64]int {
	m := make(map[int64]int, len(vs))
	for _, v := range vs {
		m[v.ID] = v.Number
	}
	return m
}

// threads groups comments into threads (a first comment and its replies)
// keyed by clause ("" = whole version).
func threads(cs []models.Comment) map[string][]threadView {
	byThread := map[int64]*threadView{}
	var order []int64
	for _, c := range cs {
		if c.ParentID == nil {
			byThread[c.ID] = &threadView{Root: c}
			order = append(order, c.ID)
		}
	}
	for _, c := range cs {
		if c.ParentID != nil {
			if t := byThread[c.ThreadID]; t != nil {
				t.Replies = append(t.Replies, c)
			}
		}
	}
	out := map[string][]threadView{}
	for _, id := range order {
		t := byThread[id]
		out[t.Root.ClauseKey] = append(out[t.Root.ClauseKey], *t)
	}
	return out
}

func (s *Server) buildVersionPage(c *gin.Context, v *models.Version) (*versionPage, error) {
	ctx := c.Request.Context()
	u := currentUser(c)
	d, err := s.store.DocumentByID(ctx, v.DocumentID)
	if err != nil {
		return nil, err
	}
	disc, err := s.store.RecentDiscussion(ctx, v.ID, threadsPerClause)
	if err != nil {
		return nil, err
	}
	earlier, err := s.store.EarlierCounts(ctx, v)
	if err != nil {
		return nil, err
	}
	sub := subjectOf(u)
	p := &versionPage{Version: v, Document: d, Versions: s.visibleVersions(c, d.Versions), ViewerID: u.ID,
		CanComment:   v.Open() && s.authz.Can(sub, policy.Kind("comment"), "create"),
		CanAnswer:    s.authz.Can(sub, policy.Kind("comment"), "answer"),
		CanEdit:      v.IsDraft() && s.authz.Can(sub, versionObject(v), "update"),
		Dispositions: models.DispositionStatuses, Total: disc.Comments}
	p.Numbers = versionNumbers(p.Versions)
	p.HasRules = v.Rules != "" && v.Rules != "[]"
	p.CanAudit = s.authz.Can(sub, policy.Kind("audit"), "read")
	p.CanImpact = s.authz.Can(sub, policy.Kind("impact"), "read")
	if p.CanImpact && p.HasRules {
		switch imp, err := s.store.Impact(ctx, v); {
		case err == nil:
			p.Impact = imp
		case !errors.Is(err, models.ErrNoSnapshot):
			return nil, err
		}
	}
	if !v.IsDraft() {
		if p.Ballots, err = s.store.BallotsOfVersion(ctx, v.ID); err != nil {
			return nil, err
		}
		p.CanOpen = v.Status == models.StatusPublished && s.authz.Can(sub, policy.Kind("ballot"), "open")
		p.Rules = ballotrule.Rules
		p.OpenDefault = s.openBallotDefault()
	}
	for i := range p.Versions {
		x := &p.Versions[i]
		switch {
		case x.Number < v.Number:
			p.Prev = x
		case x.Number > v.Number && p.Next == nil:
			p.Next = x
		}
		if x.Number >= v.Number {
			p.Later = append(p.Later, *x)
		}
	}
	changes := map[string]string{}
	if p.Prev != nil {
		prev, err := s.store.VersionByID(ctx, p.Prev.ID)
		if err != nil {
			return nil, err
		}
		for _, cd := range textdiff.Clauses(diffClauses(prev), diffClauses(v)) {
			changes[cd.Key] = cd.Change
		}
	}
	byClause := threads(disc.Threads)
	for _, cl := range v.Clauses {
		view := clauseView{Clause: cl, Change: changes[cl.Key], Threads: byClause[cl.Key], Earlier: earlier[cl.Key],
			Count: disc.Counts[cl.Key], More: disc.Total[cl.Key] - disc.Shown[cl.Key]}
		for _, e := range view.Earlier {
			view.EarlierTotal += e.N
		}
		p.Clauses = append(p.Clauses, view)
	}
	p.General = byClause[""]
	p.GeneralMore = disc.Total[""] - disc.Shown[""]
	return p, nil
}

func (s *Server) renderVersionPage(c *gin.Context, status int, v *models.Version, draft *formDraft, err error) {
	p, berr := s.buildVersionPage(c, v)
	if berr != nil {
		s.fail(c, berr)
		return
	}
	p.Draft = draft
	page := s.newPage(c, v.Document.Title+" · "+s.cat.T(langOf(c), "version.number", v.Number))
	page.Data = p
	if err != nil {
		s.formError(c, "version", page, err)
		return
	}
	s.render(c, status, "version", page)
}

func (s *Server) versionPageWithError(c *gin.Context, v *models.Version, err error, draft *formDraft) {
	if k := models.ErrorKind(err); k == models.KindNotFound || k == models.KindForbidden || k == models.KindInternal {
		s.fail(c, err)
		return
	}
	s.renderVersionPage(c, 0, v, draft, err)
}

// clausePage shows one clause (or, with key "-", the whole-version
// comments) with its entire discussion.
func (s *Server) clausePage(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	key := c.Param("key")
	var cl *models.Clause
	if key != generalKey {
		if cl = v.ClauseByKey(key); cl == nil {
			s.notFound(c)
			return
		}
	}
	p, err := s.buildVersionPage(c, v)
	if err != nil {
		s.fail(c, err)
		return
	}
	ckey := key
	if key == generalKey {
		ckey = ""
	}
	cs, err := s.store.ClauseComments(c.Request.Context(), v.ID, ckey)
	if err != nil {
		s.fail(c, err)
		return
	}
	all := threads(cs)[ckey]
	p.Focus = key
	if cl == nil {
		p.Clauses, p.General, p.GeneralMore = nil, all, 0
	} else {
		for _, view := range p.Clauses {
			if view.Key == key {
				view.Threads, view.More = all, 0
				p.Clauses = []clauseView{view}
				break
			}
		}
		p.General = nil
	}
	title := v.Document.Title + " · " + s.cat.T(langOf(c), "version.number", v.Number)
	if cl != nil {
		title += " · " + cl.Key + " " + cl.Title
	}
	page := s.newPage(c, title)
	page.Data = p
	s.render(c, http.StatusOK, "clause", page)
}

// openBallotDefault is the open-ballot form's default deadline: a week
// from now, in Korea time.
func (s *Server) openBallotDefault() string {
	return s.store.Now().Add(7 * 24 * time.Hour).In(reportfile.KoreaTime()).Format("2006-01-02T15:04")
}

func (s *Server) versionPage(c *gin.Context) {
	if s.shared != nil {
		s.sharedVersionPage(c)
		return
	}
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderVersionPage(c, http.StatusOK, v, nil, nil)
}

// Documents and drafts (HTML).

type documentsPage struct {
	Documents []documentRow
	CanCreate bool
}

type documentRow struct {
	models.Document
	Latest *models.Version
}

func (s *Server) documentsPage(c *gin.Context) {
	ds, err := s.store.Documents(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	p := documentsPage{CanCreate: s.authz.Can(subjectOf(currentUser(c)), policy.Kind("documents"), "create")}
	for _, d := range ds {
		row := documentRow{Document: d}
		if vs := s.visibleVersions(c, d.Versions); len(vs) > 0 {
			row.Latest = &vs[len(vs)-1]
		}
		p.Documents = append(p.Documents, row)
	}
	page := s.newPage(c, s.cat.T(langOf(c), "documents.title"))
	page.Data = p
	s.render(c, http.StatusOK, "documents", page)
}

func (s *Server) documentCreateForm(c *gin.Context) {
	d, err := s.store.CreateDocument(c.Request.Context(), s.actor(c), c.PostForm("title"), c.PostForm("description"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.redirect(c, "/documents/"+strconv.FormatInt(d.ID, 10), "documents.created")
}

type documentPage struct {
	Document *models.Document
	Versions []models.Version
	CanDraft bool
	HasDraft bool
	LatestID int64
}

func (s *Server) documentPage(c *gin.Context) {
	d, err := s.loadDocument(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := documentPage{Document: d, Versions: s.visibleVersions(c, d.Versions),
		CanDraft: s.authz.Can(subjectOf(currentUser(c)), policy.Kind("version"), "create")}
	for _, v := range d.Versions {
		if v.IsDraft() {
			p.HasDraft = true
		}
		p.LatestID = v.ID
	}
	page := s.newPage(c, d.Title)
	page.Data = p
	s.render(c, http.StatusOK, "document", page)
}

func (s *Server) draftCreateForm(c *gin.Context) {
	d, err := s.loadDocument(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.store.CreateDraft(c.Request.Context(), s.actor(c), d.ID, models.VersionInput{}, optionalID(c.PostForm("based_on")))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.redirect(c, "/versions/"+strconv.FormatInt(v.ID, 10)+"/edit", "version.draft_created")
}

// blankClauseRows is how many empty clause rows the editor offers, so
// clauses can be added without JavaScript.
const blankClauseRows = 3

type editPage struct {
	Version *models.Version
	Summary string
	Rows    []models.ClauseInput
	Rules   string
}

func newEditPage(v *models.Version, in *models.VersionInput) *editPage {
	p := &editPage{Version: v}
	if in == nil {
		p.Summary, p.Rules = v.Summary, v.Rules
		for _, c := range v.Clauses {
			p.Rows = append(p.Rows, models.ClauseInput{Key: c.Key, Title: c.Title, Body: c.Body})
		}
	} else {
		p.Summary, p.Rows, p.Rules = in.Summary, in.Clauses, string(in.Rules)
	}
	for i := 0; i < blankClauseRows; i++ {
		p.Rows = append(p.Rows, models.ClauseInput{})
	}
	return p
}

func (s *Server) draftEditPage(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !v.IsDraft() {
		s.fail(c, models.Errorf(models.KindConflict, "not_draft", "Version %d is published and frozen; start a new draft to change it.", v.Number))
		return
	}
	page := s.newPage(c, s.cat.T(langOf(c), "edit.title", v.Number))
	page.Data = newEditPage(v, nil)
	s.render(c, http.StatusOK, "version_edit", page)
}

// versionInputFromForm reads the editor: parallel key/title/body arrays,
// with rows left entirely blank ignored.
func versionInputFromForm(c *gin.Context) models.VersionInput {
	in := models.VersionInput{Summary: c.PostForm("summary")}
	keys, titles, bodies := c.PostFormArray("key"), c.PostFormArray("title"), c.PostFormArray("body")
	for i := range keys {
		row := models.ClauseInput{Key: keys[i]}
		if i < len(titles) {
			row.Title = titles[i]
		}
		if i < len(bodies) {
			row.Body = bodies[i]
		}
		if strings.TrimSpace(row.Key+row.Title+row.Body) == "" {
			continue
		}
		in.Clauses = append(in.Clauses, row)
	}
	if r := strings.TrimSpace(c.PostForm("rules")); r != "" {
		in.Rules = json.RawMessage(r)
	}
	if n, err := strconv.Atoi(c.PostForm("revision")); err == nil {
		in.Revision = &n
	}
	return in
}

func (s *Server) draftSaveForm(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	in := versionInputFromForm(c)
	if _, err := s.store.UpdateDraft(c.Request.Context(), s.actor(c), v.ID, in); err != nil {
		s.editError(c, v, &in, err)
		return
	}
	to := "/versions/" + strconv.FormatInt(v.ID, 10)
	if c.PostForm("then") == "edit" {
		to += "/edit"
	}
	s.redirect(c, to, "version.saved")
}

func (s *Server) editError(c *gin.Context, v *models.Version, in *models.VersionInput, err error) {
	if k := models.ErrorKind(err); k == models.KindNotFound || k == models.KindInternal {
		s.fail(c, err)
		return
	}
	page := s.newPage(c, s.cat.T(langOf(c), "edit.title", v.Number))
	page.Data = newEditPage(v, in)
	s.formError(c, "version_edit", page, err)
}

func (s *Server) publishForm(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if _, err := s.store.Publish(c.Request.Context(), s.actor(c), v.ID); err != nil {
		if v.IsDraft() {
			s.editError(c, v, nil, err)
			return
		}
		s.fail(c, err)
		return
	}
	s.redirect(c, "/versions/"+strconv.FormatInt(v.ID, 10), "version.published")
}
