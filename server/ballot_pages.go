package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/frontend"
	"roundtable/models"
	"roundtable/models/ballotrule"
	"roundtable/models/reportfile"
	"roundtable/policy"
)

// groupRow is one line of the results table and one bar of the chart.
type groupRow struct {
	Key, Name                string
	Eligible, Voted          int
	Approve, Reject, Abstain int
	Picks                    []pickCount
	Turnout                  string
	QuorumMet, Approved      bool
	Favourite                int
	Bars                     []bar
}

type pickCount struct {
	Number, Count int
}

// bar is one segment of a group's stacked bar, in SVG user units (the bar
// is 100 units wide: one unit per percent of eligible members).
type bar struct {
	X, W  float64
	Class string
	N     int
}

type ballotPage struct {
	Ballot      *models.Ballot
	Open        bool
	TimeLeft    string
	Visible     bool
	Groups      []groupRow
	Adopted     bool
	Winner      int
	HasResult   bool
	Roll        []namedVoteJSON
	MyVote      *models.Vote
	CanVote     bool
	CanManage   bool
	CanAudit    bool
	Choices     []string
	Rules       []string
	ClosesAtIn  string
	Numbers     map[int64]int
	GroupNames  map[string]string
	MyVoteLabel string
}

// timeLeft says how long a ballot stays open, in days and hours.
func (s *Server) timeLeft(c *gin.Context, until time.Time) string {
	d := until.Sub(s.store.Now())
	lang := langOf(c)
	if d <= 0 {
		return s.cat.T(lang, "ballot.time_over")
	}
	days, hours, mins := int(d.Hours())/24, int(d.Hours())%24, int(d.Minutes())%60
	switch {
	case days > 0:
		return s.cat.T(lang, "ballot.left_days", days, hours)
	case hours > 0:
		return s.cat.T(lang, "ballot.left_hours", hours, mins)
	default:
		return s.cat.T(lang, "ballot.left_minutes", max(mins, 1))
	}
}

func bars(eligible int, parts ...struct {
	n     int
	class string
}) []bar {
	if eligible == 0 {
		return nil
	}
	var out []bar
	x := 0.0
	for _, p := range parts {
		w := float64(p.n) * 100 / float64(eligible)
		out = append(out, bar{X: x, W: w, Class: p.class, N: p.n})
		x += w
	}
	return out
}

type part = struct {
	n     int
	class string
}

func (s *Server) resultRows(c *gin.Context, b *models.Ballot, o *models.Outcome, numbers map[int64]int) []groupRow {
	names := map[string]string{}
	for _, g := range o.Groups {
		names[g.Key] = g.Name(langOf(c))
	}
	var rows []groupRow
	if o.Choice != nil {
		for _, g := range o.Choice.Groups {
			r := groupRow{Key: g.Key, Name: names[g.Key], Eligible: g.Eligible, Voted: g.Voted(), Abstain: g.Abstain,
				Turnout: fmt.Sprintf("%.0f%%", g.TurnoutPercent), QuorumMet: g.QuorumMet, Favourite: numbers[g.Favourite]}
			var ps []part
			for i, opt := range b.OptionIDs() {
				r.Picks = append(r.Picks, pickCount{Number: numbers[opt], Count: g.Picks[opt]})
				ps = append(ps, part{g.Picks[opt], fmt.Sprintf("opt%d", i%4)})
			}
			ps = append(ps, part{g.Abstain, "abstain"}, part{g.Eligible - g.Voted(), "none"})
			r.Bars = bars(g.Eligible, ps...)
			rows = append(rows, r)
		}
		return rows
	}
	for _, g := range o.Approval.Groups {
		rows = append(rows, groupRow{Key: g.Key, Name: names[g.Key], Eligible: g.Eligible, Voted: g.Voted(),
			Approve: g.Approve, Reject: g.Reject, Abstain: g.Abstain, Turnout: fmt.Sprintf("%.0f%%", g.TurnoutPercent),
			QuorumMet: g.QuorumMet, Approved: g.Approved,
			Bars: bars(g.Eligible, part{g.Approve, "approve"}, part{g.Reject, "reject"}, part{g.Abstain, "abstain"}, part{g.Eligible - g.Voted(), "none"})})
	}
	return rows
}

func (s *Server) buildBallotPage(c *gin.Context, b *models.Ballot) (*ballotPage, error) {
	ctx := c.Request.Context()
	u := currentUser(c)
	o, err := s.store.BallotOutcome(ctx, b)
	if err != nil {
		return nil, err
	}
	d, err := s.store.DocumentByID(ctx, b.DocumentID)
	if err != nil {
		return nil, err
	}
	numbers := versionNumbers(d.Versions)
	p := &ballotPage{Ballot: b, Open: b.IsOpen(s.store.Now()), Visible: talliesVisible(b), HasResult: b.Result != "",
		Adopted: b.Result == models.ResultAdopted, CanVote: s.canVote(c, b),
		CanManage: s.authz.Can(subjectOf(u), policy.Kind("ballot"), "close"), Rules: ballotrule.Rules, Numbers: numbers,
		CanAudit: s.authz.Can(subjectOf(u), policy.Kind("audit"), "read"),
		Choices:  []string{ballotrule.Approve, ballotrule.Reject, ballotrule.Abstain}}
	p.TimeLeft = s.timeLeft(c, b.ClosesAt)
	p.ClosesAtIn = b.ClosesAt.In(reportfile.KoreaTime()).Format("2006-01-02T15:04")
	if b.ResultVersionID != nil {
		p.Winner = numbers[*b.ResultVersionID]
	}
	p.Groups = s.resultRows(c, b, o, numbers)
	groups, err := s.store.Groups(ctx, b.Version.Document.CouncilID)
	if err != nil {
		return nil, err
	}
	p.GroupNames = map[string]string{}
	for _, g := range groups {
		p.GroupNames[g.Key] = g.Name(langOf(c))
	}
	if p.Roll, err = s.namedVotes(c, b); err != nil {
		return nil, err
	}
	if u.Role == models.RoleMember {
		if p.MyVote, err = s.store.MyVote(ctx, b.ID, u.ID); err != nil {
			return nil, err
		}
		if p.MyVote != nil {
			p.MyVoteLabel = s.cat.T(langOf(c), "choice."+p.MyVote.Choice)
			if p.MyVote.OptionID != nil {
				p.MyVoteLabel = s.cat.T(langOf(c), "version.number", numbers[*p.MyVote.OptionID])
			}
		}
	}
	return p, nil
}

func (s *Server) renderBallot(c *gin.Context, b *models.Ballot, err error) {
	p, berr := s.buildBallotPage(c, b)
	if berr != nil {
		s.fail(c, berr)
		return
	}
	page := s.newPage(c, b.Question)
	page.Data = p
	if err != nil {
		s.formError(c, "ballot", page, err)
		return
	}
	s.render(c, http.StatusOK, "ballot", page)
}

func (s *Server) ballotPage(c *gin.Context) {
	b, err := s.loadBallot(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderBallot(c, b, nil)
}

type ballotsPage struct {
	Ballots []ballotRow
}

type ballotRow struct {
	models.Ballot
	TimeLeft string
	Voted    bool
}

func (s *Server) ballotsPage(c *gin.Context) {
	ctx := c.Request.Context()
	if _, err := s.store.CloseDue(ctx); err != nil {
		s.fail(c, err)
		return
	}
	bs, err := s.store.Ballots(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	u := currentUser(c)
	var p ballotsPage
	for _, b := range bs {
		row := ballotRow{Ballot: b, TimeLeft: s.timeLeft(c, b.ClosesAt)}
		if u.Role == models.RoleMember {
			mine, err := s.store.MyVote(ctx, b.ID, u.ID)
			if err != nil {
				s.fail(c, err)
				return
			}
			row.Voted = mine != nil
		}
		p.Ballots = append(p.Ballots, row)
	}
	page := s.newPage(c, s.cat.T(langOf(c), "ballots.title"))
	page.Data = p
	s.render(c, http.StatusOK, "ballots", page)
}

// parseKST reads a datetime-local field, which the form labels as Korea
// time, where the council sits.
func parseKST(v string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(v), reportfile.KoreaTime()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, models.Errorf(models.KindInvalid, "invalid_ballot", "Give the closing time as date and time.").WithField("closes_at", "invalid")
}

func (s *Server) ballotOpenForm(c *gin.Context) {
	v, err := s.loadVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	closes, err := parseKST(c.PostForm("closes_at"))
	if err == nil {
		q, qerr := strconv.Atoi(c.DefaultPostForm("quorum_percent", strconv.Itoa(defaultQuorum)))
		if qerr != nil {
			err = models.Errorf(models.KindInvalid, "invalid_ballot", "The quorum is a whole percentage.").WithField("quorum_percent", "invalid")
		} else {
			in := models.BallotInput{Question: c.PostForm("question"), ClosesAt: closes, Rule: c.PostForm("rule"), QuorumPercent: q,
				ShowRunning: c.PostForm("show_running") == "on"}
			for _, o := range c.PostFormArray("options") {
				if id := optionalID(o); id != nil {
					in.Options = append(in.Options, *id)
				}
			}
			var b *models.Ballot
			if b, err = s.store.OpenBallot(c.Request.Context(), s.actor(c), v.ID, in); err == nil {
				s.redirect(c, "/ballots/"+formatID(b.ID), "ballot.opened")
				return
			}
		}
	}
	s.versionPageWithError(c, v, err, nil)
}

func (s *Server) voteForm(c *gin.Context) {
	in := models.VoteInput{Choice: c.PostForm("choice"), Reason: c.PostForm("reason")}
	if strings.HasPrefix(in.Choice, "v") {
		in.OptionID = optionalID(strings.TrimPrefix(in.Choice, "v"))
		in.Choice = models.ChoicePick
	}
	b, _, err := s.vote(c, in)
	if err != nil {
		if b == nil || models.ErrorKind(err) == models.KindForbidden {
			s.fail(c, err)
			return
		}
		b, _ = s.store.BallotByID(c.Request.Context(), b.ID)
		s.renderBallot(c, b, err)
		return
	}
	s.redirect(c, "/ballots/"+formatID(b.ID), "ballot.voted_flash")
}

func (s *Server) ballotCloseForm(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if _, err := s.store.CloseBallot(c.Request.Context(), s.actor(c), id); err != nil {
		s.fail(c, err)
		return
	}
	s.redirect(c, "/ballots/"+formatID(id), "ballot.closed_flash")
}

func (s *Server) ballotDeadlineForm(c *gin.Context) {
	b, err := s.loadBallot(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	closes, err := parseKST(c.PostForm("closes_at"))
	if err == nil {
		_, err = s.store.UpdateBallot(c.Request.Context(), s.actor(c), b.ID, models.BallotChange{ClosesAt: &closes})
	}
	if err != nil {
		s.renderBallot(c, b, err)
		return
	}
	s.redirect(c, "/ballots/"+formatID(b.ID), "ballot.updated")
}

// ballotExport writes the result (per group) and the named roll as a sheet.
func (s *Server) ballotExport(c *gin.Context) {
	b, err := s.loadBallot(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.buildBallotPage(c, b)
	if err != nil {
		s.fail(c, err)
		return
	}
	lang := langOf(c)
	t := func(k string, a ...any) string { return s.cat.T(lang, k, a...) }
	rows := [][]string{{t("ballot.col.group"), t("ballot.col.eligible"), t("ballot.col.voted"), t("ballot.col.approve"), t("ballot.col.reject"),
		t("ballot.col.abstain"), t("ballot.col.turnout"), t("ballot.col.quorum"), t("ballot.col.approved")}}
	for _, g := range p.Groups {
		row := []string{g.Name, strconv.Itoa(g.Eligible), strconv.Itoa(g.Voted), "", "", "", "", "", ""}
		if p.Visible {
			row[3], row[4], row[5], row[6] = strconv.Itoa(g.Approve), strconv.Itoa(g.Reject), strconv.Itoa(g.Abstain), g.Turnout
			row[7], row[8] = yesNo(t, g.QuorumMet), yesNo(t, g.Approved)
		}
		rows = append(rows, row)
	}
	rows = append(rows, []string{}, []string{t("ballot.col.member"), t("ballot.col.group"), t("ballot.col.organisation"), t("ballot.col.choice"), t("ballot.col.reason"), t("ballot.col.when")})
	for _, v := range p.Roll {
		row := []string{v.Member.Name, deref(v.Member.Group), v.Member.Organisation, t("ballot.not_voted"), "", ""}
		if v.Voted {
			row[3] = t("ballot.voted_hidden")
		}
		if v.Choice != nil {
			row[3] = t("choice." + *v.Choice)
			if v.VersionID != nil {
				row[3] = t("version.number", p.Numbers[*v.VersionID])
			}
			row[4], row[5] = deref(v.Reason), frontend.KST(*v.UpdatedAt)
		}
		rows = append(rows, row)
	}
	for _, row := range rows {
		for j := range row {
			row[j] = reportfile.SafeCell(row[j])
		}
	}
	if err := s.store.Record(c.Request.Context(), s.actor(c), "ballot.export", "ballot", b.ID, map[string]any{"format": c.Param("format")}); err != nil {
		s.fail(c, err)
		return
	}
	name := fmt.Sprintf("ballot-%d", b.ID)
	switch c.Param("format") {
	case "csv":
		writeCSV(c, name, rows)
	case "xlsx":
		s.writeXLSX(c, name, t("ballot.sheet"), rows)
	default:
		s.notFound(c)
	}
}

func yesNo(t func(string, ...any) string, b bool) string {
	if b {
		return t("ballot.yes")
	}
	return t("ballot.no")
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
