package server

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/models"
)

// eventView is one event as the auditor's pages show it: who, when, what
// in a sentence, and links to the object and its history.
type eventView struct {
	Seq         int64
	At          time.Time
	ActorID     int64
	ActorName   string
	ActorRole   string // role label
	ActorGroup  string // group name, members only
	Action      string
	Sentence    string
	ObjectLabel string
	ObjectHref  string // empty when the viewer has no page for it
	HistoryHref string
	IP          string
	RequestID   string
	Why         string // access records: the stated reason, or what was refused
	Data        string
	Hash        string
}

// eventData is the union of the data fields the sentences read. Events
// carry ids and non-personal fields only (see docs/audit.md); a field an
// event lacks stays zero and the sentence falls back to a plainer form.
type eventData struct {
	DocumentID           int64           `json:"document_id"`
	VersionID            int64           `json:"version_id"`
	Number               int             `json:"number"`
	Title                string          `json:"title"`
	Revision             int             `json:"revision"`
	ByVersionID          int64           `json:"by_version_id"`
	ClauseKey            string          `json:"clause_key"`
	ParentID             int64           `json:"parent_id"`
	ParentAuthorID       int64           `json:"parent_author_id"`
	CommentAuthorID      int64           `json:"comment_author_id"`
	Status               string          `json:"status"`
	PreviousStatus       string          `json:"previous_status"`
	AddressedInVersionID int64           `json:"addressed_in_version_id"`
	Format               string          `json:"format"`
	Reason               string          `json:"reason"`
	Purpose              string          `json:"purpose"`
	Route                string          `json:"route"`
	Method               string          `json:"method"`
	Role                 string          `json:"role"`
	Group                string          `json:"group"`
	Changed              []string        `json:"changed"`
	Before               json.RawMessage `json:"before"`
	After                json.RawMessage `json:"after"`
	Groups               json.RawMessage `json:"groups"`
	KeyFingerprint       string          `json:"key_fingerprint"`
	BallotID             int64           `json:"ballot_id"`
	Choice               string          `json:"choice"`
	PreviousChoice       string          `json:"previous_choice"`
	OptionVersionID      int64           `json:"option_version_id"`
	Result               string          `json:"result"`
	ResultVersionID      int64           `json:"result_version_id"`
	Count                int64           `json:"count"`
	Reports              int64           `json:"reports"`
	Problems             int64           `json:"problems"`
	Code                 string          `json:"code"`
	SnapshotID           int64           `json:"snapshot_id"`
	Bytes                int64           `json:"bytes"`
}

// words renders events in one language with one set of resolved names.
type words struct {
	s    *Server
	lang string
	refs *models.AuditRefs
}

func (s *Server) wordsFor(c *gin.Context, refs *models.AuditRefs) *words {
	return &words{s: s, lang: langOf(c), refs: refs}
}

func (w *words) t(key string, args ...any) string { return w.s.cat.T(w.lang, key, args...) }

func (w *words) has(key string) bool { return w.s.cat.Has(w.lang, key) }

// label is the short name of an action: its catalogue label, else the raw
// action, so an action added by another feature still reads sensibly.
func (w *words) label(action string) string {
	if w.has("action." + action) {
		return w.t("action." + action)
	}
	return action
}

// enum translates a code ("approve", "wrong_password") under a prefix, or
// shows the code itself.
func (w *words) enum(prefix, code string) string {
	if code == "" {
		return ""
	}
	if w.has(prefix + code) {
		return w.t(prefix + code)
	}
	return code
}

func (w *words) version(id int64) string {
	if v, ok := w.refs.Versions[id]; ok {
		return w.t("audit.ref.version", v.Title, v.Number)
	}
	if id == 0 {
		return w.t("audit.ref.unknown")
	}
	return w.t("audit.ref.version_id", id)
}

func (w *words) document(id int64) string {
	if t, ok := w.refs.Documents[id]; ok {
		return w.t("audit.ref.document", t)
	}
	return w.t("audit.ref.document_id", id)
}

func (w *words) person(id int64) string {
	if u, ok := w.refs.Users[id]; ok {
		return u.Name
	}
	return w.t("audit.ref.user_id", id)
}

func (w *words) clause(key string) string {
	if key == "" {
		return w.t("audit.ref.whole_version")
	}
	return w.t("audit.ref.clause", key)
}

// sentence says what the event did, in words.
func (w *words) sentence(e *models.AuditEvent, d *eventData) string {
	oid := e.ObjectID
	switch e.Action {
	case "audit.init", "audit.key_changed":
		return w.t("audit.say."+e.Action, d.KeyFingerprint)
	case "council.create":
		return w.t("audit.say.council.create")
	case "user.create":
		return w.t("audit.say.user.create", w.person(oid), w.roleGroup(d.Role, d.Group))
	case "user.update":
		if len(d.Before) > 0 && len(d.After) > 0 {
			var b, a struct{ Role, Group string }
			_ = json.Unmarshal(d.Before, &b)
			_ = json.Unmarshal(d.After, &a)
			return w.t("audit.say.user.update_role", w.person(oid), w.roleGroup(b.Role, b.Group), w.roleGroup(a.Role, a.Group))
		}
		return w.t("audit.say.user.update", w.person(oid), strings.Join(d.Changed, ", "))
	case "user.activate", "user.deactivate", "user.password_reset":
		return w.t("audit.say."+e.Action, w.person(oid))
	case "session.login", "session.logout", "session.login_throttled":
		return w.t("audit.say." + e.Action)
	case "session.login_failed":
		return w.t("audit.say.session.login_failed", w.enum("audit.login_reason.", d.Reason))
	case "access.denied":
		return w.t("audit.say.access.denied", d.Method, d.Route)
	case "document.create":
		return w.t("audit.say.document.create", w.document(oid))
	case "version.create", "version.publish", "version.supersede", "version.adopt", "version.reject":
		return w.t("audit.say."+e.Action, w.version(oid))
	case "version.update":
		return w.t("audit.say.version.update", w.version(oid), d.Revision)
	case "comment.create":
		v := w.version(d.VersionID)
		if d.ParentID != 0 {
			return w.t("audit.say.comment.reply", v, w.clause(d.ClauseKey), w.person(d.ParentAuthorID))
		}
		return w.t("audit.say.comment.create", v, w.clause(d.ClauseKey))
	case "comment.edit", "comment.withdraw":
		return w.t("audit.say."+e.Action, w.version(d.VersionID))
	case "comment.answer":
		status := w.enum("disposition.", d.Status)
		if d.PreviousStatus != "" {
			return w.t("audit.say.comment.reanswer", w.person(d.CommentAuthorID), w.enum("disposition.", d.PreviousStatus), status)
		}
		s := w.t("audit.say.comment.answer", w.person(d.CommentAuthorID), status)
		if d.AddressedInVersionID != 0 {
			s += " " + w.t("audit.say.addressed_in", w.version(d.AddressedInVersionID))
		}
		return s
	case "register.export":
		return w.t("audit.say.register.export", w.version(oid), strings.ToUpper(d.Format))
	case "audit.export":
		return w.t("audit.say.audit.export", strings.ToUpper(d.Format))
	case "ballot.open", "ballot.update":
		return w.t("audit.say."+e.Action, w.version(d.VersionID))
	case "ballot.vote":
		choice := w.choice(d.Choice, d.OptionVersionID)
		if d.PreviousChoice != "" {
			return w.t("audit.say.ballot.vote_changed", w.version(d.VersionID), w.choice(d.PreviousChoice, 0), choice)
		}
		return w.t("audit.say.ballot.vote", w.version(d.VersionID), choice)
	case "reports.view":
		return w.t("audit.say.reports.view", e.ObjectID, d.Purpose)
	case "reports.search":
		return w.t("audit.say.reports.search", d.Count, d.Purpose)
	case "reports.export":
		return w.t("audit.say.reports.export", d.Count, strings.ToUpper(d.Format), d.Purpose)
	case "reports.import_start":
		return w.t("audit.say.reports.import_start", e.ObjectID, d.Bytes)
	case "reports.import":
		return w.t("audit.say.reports.import", e.ObjectID, d.Reports, d.SnapshotID)
	case "reports.import_reject":
		return w.t("audit.say.reports.import_reject", e.ObjectID, d.Code, d.Problems)
	case "ballot.close":
		s := w.t("audit.say.ballot.close", w.version(d.VersionID), w.enum("audit.result.", d.Result))
		if d.ResultVersionID != 0 && d.ResultVersionID != d.VersionID {
			s += " " + w.t("audit.say.result_version", w.version(d.ResultVersionID))
		}
		return s
	}
	// An action this page has no sentence for (one added by another
	// feature, say): its label, and the reason if it states one.
	s := w.label(e.Action)
	if why := firstNonEmpty(d.Reason, d.Purpose); why != "" {
		s += " — " + why
	}
	return s
}

func (w *words) choice(code string, optionVersion int64) string {
	if code == models.ChoicePick && optionVersion != 0 {
		return w.t("audit.choice.pick", w.version(optionVersion))
	}
	return w.enum("audit.choice.", code)
}

func (w *words) roleGroup(role, group string) string {
	r := w.enum("role.", role)
	if group == "" {
		return r
	}
	if g, ok := w.refs.Groups[group]; ok {
		return r + " · " + g.Name(w.lang)
	}
	return r + " · " + group
}

// object names the event's object and links to it. Auditors see people's
// names but no account pages, which are the administrators' alone.
func (w *words) object(e *models.AuditEvent, d *eventData) (label, href, history string) {
	id := e.ObjectID
	switch e.ObjectType {
	case "version":
		label, href = w.version(id), fmt.Sprintf("/versions/%d", id)
	case "document":
		label, href = w.document(id), fmt.Sprintf("/documents/%d", id)
	case "comment":
		vid := d.VersionID
		if c, ok := w.refs.Comments[id]; ok {
			vid = c.VersionID
		}
		label = w.t("audit.ref.comment", id)
		if vid != 0 {
			label = w.t("audit.ref.comment_on", id, w.version(vid))
			href = fmt.Sprintf("/versions/%d#c%d", vid, id)
		}
	case "ballot":
		label, href = w.t("audit.ref.ballot", id), fmt.Sprintf("/ballots/%d", id)
		if b, ok := w.refs.Ballots[id]; ok {
			label = w.t("audit.ref.ballot_on", id, w.version(b.VersionID))
		}
	case "user":
		if id == 0 {
			return w.t("audit.ref.unknown_account"), "", ""
		}
		return w.person(id), "", ""
	case "":
		return "", "", ""
	default:
		label = w.enum("audit.type.", e.ObjectType)
		if id != 0 {
			label += " #" + strconv.FormatInt(id, 10)
		}
	}
	if id != 0 && historyTypes[e.ObjectType] {
		history = fmt.Sprintf("/audit/objects/%s/%d", e.ObjectType, id)
	}
	return label, href, history
}

// historyTypes are the object types with a history view.
var historyTypes = map[string]bool{"version": true, "document": true, "comment": true, "ballot": true, "report_batch": true, "snapshot": true}

// why is the access record's "for what": the reason a person stated, what
// was refused, or why a sign-in failed.
func (w *words) why(e *models.AuditEvent, d *eventData) string {
	switch e.Action {
	case "access.denied":
		return d.Method + " " + d.Route
	case "session.login_failed":
		return w.enum("audit.login_reason.", d.Reason)
	}
	return firstNonEmpty(d.Reason, d.Purpose)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// view builds the row of one event.
func (w *words) view(e *models.AuditEvent) eventView {
	var d eventData
	// Fields of an unexpected type leave the rest readable; the raw data is
	// shown beside the sentence anyway.
	_ = json.Unmarshal([]byte(e.Data), &d)
	v := eventView{Seq: e.Seq, At: e.At, Action: e.Action, ActorRole: w.enum("role.", e.ActorRole), IP: e.IP,
		RequestID: e.RequestID, Data: e.Data, Hash: e.Hash}
	if e.ActorID != nil {
		v.ActorID = *e.ActorID
	}
	if e.Actor != nil {
		v.ActorName = e.Actor.Name
		if e.Actor.Group != nil {
			v.ActorGroup = e.Actor.Group.Name(w.lang)
		}
	}
	v.Sentence = w.sentence(e, &d)
	v.ObjectLabel, v.ObjectHref, v.HistoryHref = w.object(e, &d)
	v.Why = w.why(e, &d)
	return v
}

// views renders a page of events, resolving the names they mention.
func (s *Server) eventViews(c *gin.Context, evs []models.AuditEvent) ([]eventView, error) {
	refs, err := s.store.ResolveAuditRefs(c.Request.Context(), evs)
	if err != nil {
		return nil, err
	}
	w := s.wordsFor(c, refs)
	out := make([]eventView, len(evs))
	for i := range evs {
		out[i] = w.view(&evs[i])
	}
	return out, nil
}
