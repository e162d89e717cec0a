package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"roundtable/frontend"
	"roundtable/models"
)

// accessQuery is the access review's selection: a month, and optionally
// one person (Unknown: attempts on accounts that do not exist).
type accessQuery struct {
	Month   *models.Month
	ActorID int64
	Unknown bool
}

// parseAccessPage reads the access query and the paging cursor (after=)
// shared by the review page and its JSON twin.
func parseAccessPage(c *gin.Context) (accessQuery, int64, error) {
	q, err := parseAccess(c)
	if err != nil {
		return q, 0, err
	}
	after, err := queryInt(c, "after")
	return q, after, err
}

func parseAccess(c *gin.Context) (accessQuery, error) {
	var q accessQuery
	if m := c.Query("month"); m != "" {
		month, err := models.ParseMonth(m)
		if err != nil {
			return q, err
		}
		q.Month = &month
	}
	if c.Query("actor_id") == "unknown" {
		q.Unknown = true
		return q, nil
	}
	var err error
	q.ActorID, err = queryInt(c, "actor_id")
	return q, err
}

// Person reports whether one person is selected.
func (q accessQuery) Person() bool { return q.ActorID != 0 || q.Unknown }

// MonthText is the selected month, or "".
func (q accessQuery) MonthText() string {
	if q.Month == nil {
		return ""
	}
	return q.Month.String()
}

// Query is the selection as a query string.
func (q accessQuery) Query() string {
	v := url.Values{}
	if q.Month != nil {
		v.Set("month", q.Month.String())
	}
	switch {
	case q.Unknown:
		v.Set("actor_id", "unknown")
	case q.ActorID != 0:
		v.Set("actor_id", strconv.FormatInt(q.ActorID, 10))
	}
	return v.Encode()
}

func (q accessQuery) filter() models.AuditFilter {
	return models.AccessFilter(q.Month, q.ActorID, q.Unknown)
}

// accessRow is one person in one month.
type accessRow struct {
	Month, Name, Role, Group, Organisation, Href string
	Counts                                       map[string]int64
	Total                                        int64
}

type accessPage struct {
	Query   accessQuery
	Actions []string
	Rows    []accessRow
	Person  string
	Events  []eventView
	Next    string // link to the next page of one person's events
	CSVHref string
}

const accessPageSize = 100

func (s *Server) accessRows(c *gin.Context, sums []models.AccessSummary) []accessRow {
	lang := langOf(c)
	out := make([]accessRow, 0, len(sums))
	for _, a := range sums {
		r := accessRow{Month: a.Month.String(), Counts: a.Counts, Total: a.Total}
		q := accessQuery{Month: &a.Month, ActorID: a.ActorID, Unknown: a.ActorID == 0}
		r.Href = "/audit/access?" + q.Query()
		switch {
		case a.Actor != nil:
			r.Name, r.Role, r.Organisation = a.Actor.Name, s.cat.T(lang, "role."+a.Actor.Role), a.Actor.Organisation
			if a.Actor.Group != nil {
				r.Group = a.Actor.Group.Name(lang)
			}
		case a.ActorID == 0:
			r.Name = s.cat.T(lang, "audit.access.unknown_person")
		default:
			r.Name = s.cat.T(lang, "audit.ref.user_id", a.ActorID)
		}
		out = append(out, r)
	}
	return out
}

// auditAccessPage lists the access record by month and person, or one
// person's events in one month.
func (s *Server) auditAccessPage(c *gin.Context) {
	ctx := c.Request.Context()
	q, after, err := parseAccessPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := accessPage{Query: q, Actions: models.AccessActions, CSVHref: "/audit/access/export"}
	if qs := q.Query(); qs != "" {
		d.CSVHref += "?" + qs
	}
	if q.Person() {
		f := q.filter()
		f.After, f.Limit = after, accessPageSize+1
		evs, err := s.store.AuditEvents(ctx, f)
		if err != nil {
			s.fail(c, err)
			return
		}
		if len(evs) > accessPageSize {
			evs = evs[:accessPageSize]
			v, _ := url.ParseQuery(q.Query())
			v.Set("after", strconv.FormatInt(evs[len(evs)-1].Seq, 10))
			d.Next = "/audit/access?" + v.Encode()
		}
		if d.Events, err = s.eventViews(c, evs); err != nil {
			s.fail(c, err)
			return
		}
		d.Person = s.cat.T(langOf(c), "audit.access.unknown_person")
		if q.ActorID != 0 {
			d.Person = s.cat.T(langOf(c), "audit.ref.user_id", q.ActorID)
			// A deleted account keeps its id label; any other failure is an error.
			switch u, err := s.store.UserByID(ctx, q.ActorID); {
			case err == nil:
				d.Person = u.Name
			case !errors.Is(err, models.ErrNotFound):
				s.fail(c, err)
				return
			}
		}
	} else {
		sums, err := s.store.AccessReview(ctx, q.Month)
		if err != nil {
			s.fail(c, err)
			return
		}
		d.Rows = s.accessRows(c, sums)
	}
	p := s.newPage(c, s.cat.T(langOf(c), "audit.access.title"))
	p.Data = d
	s.render(c, http.StatusOK, "audit_access", p)
}

type accessSummaryJSON struct {
	Month   string           `json:"month"`
	ActorID *int64           `json:"actor_id"`
	Name    *string          `json:"name"`
	Role    *string          `json:"role"`
	Counts  map[string]int64 `json:"counts"`
	Total   int64            `json:"total"`
}

// apiAuditAccess is the review as JSON: the summary, or with actor_id one
// person's events (paged by after=).
func (s *Server) apiAuditAccess(c *gin.Context) {
	ctx := c.Request.Context()
	q, after, err := parseAccessPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if q.Person() {
		f := q.filter()
		f.After, f.Limit = after, accessPageSize
		evs, err := s.store.AuditEvents(ctx, f)
		if err != nil {
			s.fail(c, err)
			return
		}
		out, err := s.eventsJSON(c, evs)
		if err != nil {
			s.fail(c, err)
			return
		}
		var next *int64
		if len(evs) == accessPageSize {
			last := evs[len(evs)-1].Seq
			next = &last
		}
		s.json(c, http.StatusOK, gin.H{"events": out, "next_after": next})
		return
	}
	sums, err := s.store.AccessReview(ctx, q.Month)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]accessSummaryJSON, len(sums))
	for i, a := range sums {
		out[i] = accessSummaryJSON{Month: a.Month.String(), Counts: a.Counts, Total: a.Total}
		if a.ActorID != 0 {
			id := a.ActorID
			out[i].ActorID = &id
		}
		if a.Actor != nil {
			out[i].Name, out[i].Role = &a.Actor.Name, &a.Actor.Role
		}
	}
	s.json(c, http.StatusOK, gin.H{"summary": out, "actions": models.AccessActions})
}

// auditAccessCSV exports the selected access events, one a row: who, when,
// from where, what, and why.
func (s *Server) auditAccessCSV(c *gin.Context) {
	q, err := parseAccess(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	name := "roundtable-access-log"
	if q.Month != nil {
		name += "-" + q.Month.String()
	}
	if !s.startDownload(c, "access_csv", name+".csv", "text/csv; charset=utf-8") {
		return
	}
	lang := langOf(c)
	t := func(k string) string { return s.cat.T(lang, k) }
	cs, err := newCSVStream(&deadlineWriter{w: c.Writer, rc: http.NewResponseController(c.Writer)})
	if err == nil {
		err = cs.row(t("audit.csv.month"), t("audit.csv.at"), t("audit.csv.actor"), t("audit.csv.actor_id"), t("audit.csv.role"),
			t("audit.csv.action"), t("audit.csv.summary"), t("audit.csv.object"), t("audit.csv.ip"), t("audit.csv.why"),
			t("audit.csv.request_id"), t("audit.csv.seq"))
	}
	if err == nil {
		err = s.store.AuditEventBatches(c.Request.Context(), q.filter(), func(evs []models.AuditEvent) error {
			views, err := s.eventViews(c, evs)
			if err != nil {
				return err
			}
			for _, v := range views {
				k := v.At.In(models.Seoul)
				if err := cs.row(k.Format("2006-01"), frontend.KST(v.At)+":"+k.Format("05"), v.ActorName, idText(v.ActorID), v.ActorRole,
					v.Action, v.Sentence, v.ObjectLabel, v.IP, v.Why, v.RequestID, strconv.FormatInt(v.Seq, 10)); err != nil {
					return err
				}
			}
			return cs.flush()
		})
	}
	if err == nil {
		err = cs.flush()
	}
	if err != nil {
		s.failStream(c, err)
	}
}
