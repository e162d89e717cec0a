package server

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/models/compensation"
	"roundtable/models/reportfile"
	"roundtable/models/textdiff"
)

// impactDelta is target minus base for each figure both publish; a figure
// either side withholds has no difference (it would let a reader subtract
// their way to it).
type impactDelta struct {
	EligibleReporters *int64 `json:"eligible_reporters"`
	EligibleReports   *int64 `json:"eligible_reports"`
	TotalPayout       *int64 `json:"total_payout"`
}

func sub(a, b *int64) *int64 {
	if a == nil || b == nil {
		return nil
	}
	d := *a - *b
	return &d
}

func delta(target, base *models.Impact) impactDelta {
	return impactDelta{EligibleReporters: sub(target.EligibleReporters, base.EligibleReporters),
		EligibleReports: sub(target.EligibleReports, base.EligibleReports), TotalPayout: sub(target.TotalPayout, base.TotalPayout)}
}

type impactJSON struct {
	*models.Impact
	Compare     *models.Impact        `json:"compare"`
	Delta       *impactDelta          `json:"delta,omitempty"`
	RuleChanges []compensation.Change `json:"rule_changes,omitempty"`
	ClauseDiff  *textdiff.Counts      `json:"clause_changes,omitempty"`
}

// impactFor loads :id's estimate and, with ?compare=, the other version's,
// both readable by the viewer and of one document.
func (s *Server) impactFor(c *gin.Context) (*impactJSON, *models.Version, *models.Version, error) {
	v, err := s.loadVersion(c)
	if err != nil {
		return nil, nil, nil, err
	}
	imp, err := s.store.Impact(c.Request.Context(), v)
	if err != nil {
		return nil, nil, nil, err
	}
	out := &impactJSON{Impact: imp}
	q := c.Query("compare")
	if q == "" {
		return out, v, nil, nil
	}
	id, perr := strconv.ParseInt(q, 10, 64)
	if perr != nil || id <= 0 {
		return nil, nil, nil, models.Errorf(models.KindBadRequest, "invalid_parameter", "compare must be a version id.").WithField("compare", "not_an_id")
	}
	other, err := s.store.VersionByID(c.Request.Context(), id)
	if err != nil {
		return nil, nil, nil, err
	}
	if !s.authz.Can(subjectOf(currentUser(c)), versionObject(other), "read") {
		return nil, nil, nil, models.ErrNotFound
	}
	if other.DocumentID != v.DocumentID {
		return nil, nil, nil, models.Errorf(models.KindInvalid, "other_document", "Both versions must belong to the same document.").WithField("compare", "other_document")
	}
	oimp, err := s.store.Impact(c.Request.Context(), other)
	if err != nil {
		return nil, nil, nil, err
	}
	d := delta(imp, oimp)
	out.Compare, out.Delta = oimp, &d
	baseRules, _ := compensation.Parse(other.Rules)
	targetRules, _ := compensation.Parse(v.Rules)
	out.RuleChanges = compensation.Diff(baseRules, targetRules, langOf(c))
	counts := textdiff.Stats(textdiff.Clauses(diffClauses(other), diffClauses(v)))
	out.ClauseDiff = &counts
	return out, v, other, nil
}

func (s *Server) apiImpact(c *gin.Context) {
	out, _, _, err := s.impactFor(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, out)
}

type impactPage struct {
	Version, Other *models.Version
	Impact         *impactJSON
	Versions       []models.Version
	NoData         bool
	Labels         map[string]map[string]string // breakdown → value → label
	Breakdowns     []string
}

func (s *Server) impactPage(c *gin.Context) {
	out, v, other, err := s.impactFor(c)
	p := impactPage{Version: v, Other: other, Impact: out, Breakdowns: []string{"reporter_type", "service", "amount_band"}}
	if errors.Is(err, models.ErrNoSnapshot) {
		if v, err = s.loadVersion(c); err != nil {
			s.fail(c, err)
			return
		}
		p.Version, p.NoData = v, true
	} else if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.store.DocumentByID(c.Request.Context(), v.DocumentID)
	if err != nil {
		s.fail(c, err)
		return
	}
	p.Versions = s.visibleVersions(c, d.Versions)
	p.Labels = s.dimensionLabels(c)
	page := s.newPage(c, s.cat.T(langOf(c), "impact.title", v.Number))
	page.Data = p
	s.render(c, http.StatusOK, "impact", page)
}

// dimensionLabels maps each coded dimension's values to their labels in
// the viewer's language, for tables and the rule editor.
func (s *Server) dimensionLabels(c *gin.Context) map[string]map[string]string {
	lang := langOf(c)
	out := map[string]map[string]string{}
	for _, d := range append(reportfile.Dimensions(), reportfile.AmountBandDimension()) {
		m := map[string]string{}
		for _, code := range d.Codes {
			m[code.Key] = code.Label(lang)
		}
		out[d.Key] = m
	}
	return out
}

// ruleRow is one rule as the editor shows it.
type ruleRow struct {
	Index int
	compensation.Rule
	AmountOver, AmountUpTo, HoursOver, HoursUpTo string
}

type rulesPage struct {
	Version  *models.Version
	Rows     []ruleRow
	Codes    map[string][]reportfile.Code
	Kinds    []string
	Clauses  []models.Clause
	Problems map[int][]string
}

func ruleRows(rules []compensation.Rule, blank int) []ruleRow {
	str := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	fstr := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	rows := make([]ruleRow, 0, len(rules)+blank)
	for i, r := range rules {
		rows = append(rows, ruleRow{Index: i, Rule: r, AmountOver: str(r.When.AmountOver), AmountUpTo: str(r.When.AmountUpTo),
			HoursOver: fstr(r.When.HoursOver), HoursUpTo: fstr(r.When.HoursUpTo)})
	}
	for i := 0; i < blank; i++ {
		rows = append(rows, ruleRow{Index: len(rules) + i, Rule: compensation.Rule{Pay: compensation.Payout{Kind: compensation.PayFixed}}})
	}
	return rows
}

func (s *Server) renderRules(c *gin.Context, v *models.Version, rules []compensation.Rule, err error) {
	p := rulesPage{Version: v, Rows: ruleRows(rules, 2), Kinds: compensation.PayoutKinds, Clauses: v.Clauses,
		Codes: map[string][]reportfile.Code{"reporter_type": reportfile.ReporterTypes().Codes, "service": reportfile.Services().Codes,
			"paid": reportfile.PaidValues().Codes, "damage_type": reportfile.DamageTypes().Codes}}
	page := s.newPage(c, s.cat.T(langOf(c), "rules.title", v.Number))
	page.Data = &p
	if err != nil {
		s.formError(c, "rules", page, err)
		return
	}
	s.render(c, http.StatusOK, "rules", page)
}

func (s *Server) rulesPage(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !v.IsDraft() {
		s.fail(c, models.Errorf(models.KindConflict, "not_draft", "Version %d is published and frozen; start a new draft to change its rules.", v.Number))
		return
	}
	rules, err := compensation.Parse(v.Rules)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderRules(c, v, rules, nil)
}

// rulesFromForm reads the editor: fields r<i>_<name> for rows 0..count-1;
// a row without a name and without a payout amount is an unused blank row.
// Rows are ordered by their position field, so the secretariat reorders
// rules by renumbering them.
func rulesFromForm(c *gin.Context) ([]compensation.Rule, *models.Error) {
	n, _ := strconv.Atoi(c.PostForm("count"))
	if n < 0 || n > 200 {
		return nil, models.Errorf(models.KindBadRequest, "invalid_form", "The rules form is malformed.")
	}
	e := models.Errorf(models.KindInvalid, "invalid_rules", "The rules have errors; see the named fields.")
	type positioned struct {
		pos  float64
		rule compensation.Rule
	}
	var rows []positioned
	for i := 0; i < n; i++ {
		f := func(name string) string { return strings.TrimSpace(c.PostForm("r" + strconv.Itoa(i) + "_" + name)) }
		list := func(name string) []string { return c.PostFormArray("r" + strconv.Itoa(i) + "_" + name) }
		if f("name") == "" && f("amount") == "" && f("gesture") == "" {
			continue
		}
		field := func(name string) string { return "rules[" + strconv.Itoa(len(rows)) + "]." + name }
		num := func(name string) *int64 {
			v := strings.ReplaceAll(f(name), ",", "")
			if v == "" {
				return nil
			}
			x, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				e.WithField(field(name), "not a whole number of won")
				return nil
			}
			return &x
		}
		fnum := func(name string) *float64 {
			v := f(name)
			if v == "" {
				return nil
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				e.WithField(field(name), "not a number")
				return nil
			}
			return &x
		}
		r := compensation.Rule{Name: f("name"), Clause: f("clause"), When: compensation.Conditions{
			ReporterTypes: list("reporter_types"), Services: list("services"), Paid: list("paid"), DamageTypes: list("damage_types"),
			EvidenceRequired: f("evidence") == "on", AmountOver: num("amount_over"), AmountUpTo: num("amount_up_to"),
			HoursOver: fnum("hours_over"), HoursUpTo: fnum("hours_up_to")},
			Pay: compensation.Payout{Kind: f("kind"), Gesture: f("gesture")}}
		if a := num("amount"); a != nil {
			r.Pay.Amount = *a
		}
		if cp := num("cap"); cp != nil {
			r.Pay.Cap = *cp
		}
		if sh := fnum("share_percent"); sh != nil {
			r.Pay.SharePercent = *sh
		}
		pos, err := strconv.ParseFloat(f("pos"), 64)
		if err != nil {
			pos = float64(i + 1)
		}
		rows = append(rows, positioned{pos, r})
	}
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].pos < rows[b].pos })
	out := make([]compensation.Rule, len(rows))
	for i, r := range rows {
		out[i] = r.rule
	}
	if len(e.Fields) > 0 {
		return out, e
	}
	return out, nil
}

func (s *Server) rulesSaveForm(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rules, ferr := rulesFromForm(c)
	if ferr != nil {
		s.renderRules(c, v, rules, ferr)
		return
	}
	var rev *int
	if n, err := strconv.Atoi(c.PostForm("revision")); err == nil {
		rev = &n
	}
	if _, err := s.store.UpdateRules(c.Request.Context(), s.actor(c), v.ID, rules, rev); err != nil {
		if k := models.ErrorKind(err); k == models.KindInvalid || k == models.KindConflict {
			s.renderRules(c, v, rules, err)
			return
		}
		s.fail(c, err)
		return
	}
	s.redirect(c, "/versions/"+strconv.FormatInt(v.ID, 10)+"/impact", "rules.saved")
}
