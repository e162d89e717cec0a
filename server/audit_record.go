package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/models/auditlog"
)

type recordPage struct {
	*models.DecisionRecord
	GroupNames     map[string]string // key → name in the viewer's language
	Numbers        map[int64]int     // version id → number, for answers and picks
	PublicKey      string
	KeyFingerprint string
	GeneratedAt    string
}

// decisionRecordPage is the printable record of one version: text,
// response register, ballots with per-group results and named votes, and
// the signed checkpoint that covers it all. The browser's "print to PDF"
// turns it into the file an auditor files (print stylesheet in app.css).
func (s *Server) decisionRecordPage(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	r, err := s.store.DecisionRecord(ctx, v)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := recordPage{DecisionRecord: r, GroupNames: map[string]string{}, PublicKey: s.store.VerifierKey(),
		GeneratedAt: s.store.Now().In(models.Seoul).Format("2006-01-02 15:04")}
	if d.PublicKey != "" {
		d.KeyFingerprint = auditlog.KeyFingerprint(d.PublicKey)
	}
	for _, g := range r.Register.Groups {
		d.GroupNames[g.Group.Key] = g.Group.Name(langOf(c))
	}
	doc, err := s.store.DocumentByID(ctx, v.DocumentID)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Numbers = versionNumbers(s.visibleVersions(c, doc.Versions))
	p := s.newPage(c, s.cat.T(langOf(c), "audit.rec.title", v.Document.Title, v.Number))
	p.Data = d
	s.render(c, http.StatusOK, "audit_record", p)
}
