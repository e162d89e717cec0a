package server

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/models/compensation"
	"roundtable/models/textdiff"
	"roundtable/policy"
)

func diffClauses(v *models.Version) []textdiff.Clause {
	out := make([]textdiff.Clause, len(v.Clauses))
	for i, c := range v.Clauses {
		out[i] = textdiff.Clause{Key: c.Key, Title: c.Title, Body: c.Body}
	}
	return out
}

// previousVisible is the nearest earlier version of the same document the
// viewer may read, or nil.
func (s *Server) previousVisible(c *gin.Context, v *models.Version) (*models.Version, error) {
	d, err := s.store.DocumentByID(c.Request.Context(), v.DocumentID)
	if err != nil {
		return nil, err
	}
	var prev *models.Version
	for _, x := range s.visibleVersions(c, d.Versions) {
		if x.Number < v.Number {
			prev = &x
		}
	}
	if prev == nil {
		return nil, nil
	}
	return s.store.VersionByID(c.Request.Context(), prev.ID)
}

// diffPair loads the target (:id) and the base (?base=, default the
// previous visible version) for a diff, both readable by the viewer and of
// one document.
func (s *Server) diffPair(c *gin.Context) (base, target *models.Version, err error) {
	target, err = s.loadVersion(c)
	if err != nil {
		return nil, nil, err
	}
	if q := c.Query("base"); q != "" {
		id, perr := strconv.ParseInt(q, 10, 64)
		if perr != nil || id <= 0 {
			return nil, nil, models.Errorf(models.KindBadRequest, "invalid_parameter", "base must be a version id.").WithField("base", "not_an_id")
		}
		base, err = s.store.VersionByID(c.Request.Context(), id)
		if err != nil {
			return nil, nil, err
		}
		if !s.authz.Can(subjectOf(currentUser(c)), versionObject(base), "read") {
			return nil, nil, models.ErrNotFound
		}
		if base.DocumentID != target.DocumentID {
			return nil, nil, models.Errorf(models.KindInvalid, "other_document", "Both versions must belong to the same document.").WithField("base", "other_document")
		}
		return base, target, nil
	}
	base, err = s.previousVisible(c, target)
	if err != nil {
		return nil, nil, err
	}
	if base == nil {
		return nil, nil, models.Errorf(models.KindBadRequest, "no_base", "Version %d has no earlier version; name one with ?base=.", target.Number).WithField("base", "required")
	}
	return base, target, nil
}

func (s *Server) apiVersionDiff(c *gin.Context) {
	base, target, err := s.diffPair(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, gin.H{"base_id": base.ID, "target_id": target.ID,
		"clauses": textdiff.Clauses(diffClauses(base), diffClauses(target))})
}

type diffPage struct {
	Base, Target *models.Version
	Versions     []models.Version
	Clauses      []diffClauseView
	Counts       textdiff.Counts
	Side         bool
	RuleChanges  []compensation.Change
	BaseImpact   *models.Impact
	TargetImpact *models.Impact
	Delta        *impactDelta
}

type diffClauseView struct {
	textdiff.ClauseDiff
	Left, Right []textdiff.Segment
}

func (s *Server) versionDiffPage(c *gin.Context) {
	base, target, err := s.diffPair(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.store.DocumentByID(c.Request.Context(), target.DocumentID)
	if err != nil {
		s.fail(c, err)
		return
	}
	diffs := textdiff.Clauses(diffClauses(base), diffClauses(target))
	p := diffPage{Base: base, Target: target, Versions: s.visibleVersions(c, d.Versions), Counts: textdiff.Stats(diffs), Side: c.Query("view") == "side"}
	for _, cd := range diffs {
		l, r := textdiff.SideBySide(cd.Segments)
		p.Clauses = append(p.Clauses, diffClauseView{ClauseDiff: cd, Left: l, Right: r})
	}
	baseRules, _ := compensation.Parse(base.Rules)
	targetRules, _ := compensation.Parse(target.Rules)
	p.RuleChanges = compensation.Diff(baseRules, targetRules, langOf(c))
	if (len(baseRules) > 0 || len(targetRules) > 0) && s.authz.Can(subjectOf(currentUser(c)), policy.Kind("impact"), "read") {
		bi, berr := s.store.Impact(c.Request.Context(), base)
		ti, terr := s.store.Impact(c.Request.Context(), target)
		switch {
		case berr == nil && terr == nil:
			d := delta(ti, bi)
			p.BaseImpact, p.TargetImpact, p.Delta = bi, ti, &d
		case berr != nil && !errors.Is(berr, models.ErrNoSnapshot):
			s.fail(c, berr)
			return
		case terr != nil && !errors.Is(terr, models.ErrNoSnapshot):
			s.fail(c, terr)
			return
		}
	}
	page := s.newPage(c, s.cat.T(langOf(c), "diff.title", base.Number, target.Number))
	page.Data = p
	s.render(c, http.StatusOK, "diff", page)
}
