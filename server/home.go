package server

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/models"
)

// task is one "what you can do next" card. Href is empty while the feature
// is not on this server yet, so no card links to a page that is not there.
type task struct {
	Title, Body, Href, Empty, Note string
}

type roleCount struct {
	Role  string
	Count int
}

type feedView struct {
	BallotID  int64
	Kind      string
	At        time.Time
	VersionID int64
	CommentID int64
	Status    string
	ActorName string
	Title     string
}

type homeData struct {
	GroupVotes bool
	Tasks      []task
	Accounts   []roleCount
	Verify     *models.VerifyResult
	ShowFeed   bool
	Feed       []feedView
	Unanswered []models.Comment
	Pending    []pendingBallot
}

type pendingBallot struct {
	ID       int64
	Question string
	TimeLeft string
}

func (s *Server) tasksFor(c *gin.Context, u *models.User) ([]task, error) {
	switch u.Role {
	case models.RoleMember:
		vote := task{Title: "task.vote", Body: "task.vote.body", Href: "/ballots"}
		if !u.CanVote() {
			vote.Body = "task.vote.advisory"
		}
		return []task{
			{Title: "task.read_criteria", Body: "task.read_criteria.body", Href: "/documents"},
			vote,
			{Title: "task.stats", Body: "task.stats.body", Href: "/stats"},
		}, nil
	case models.RoleSecretariat:
		pending, err := s.store.PendingAnswers(c.Request.Context())
		if err != nil {
			return nil, err
		}
		answer := task{Title: "task.answer", Body: "task.answer.body", Href: "/documents"}
		if pending > 0 {
			answer.Note = s.cat.T(langOf(c), "task.answer.pending", pending)
		}
		return []task{
			{Title: "task.draft", Body: "task.draft.body", Href: "/documents"},
			answer,
			{Title: "task.ballots", Body: "task.ballots.body", Href: "/ballots"},
			{Title: "task.import", Body: "task.import.body", Href: "/reports/import"},
			{Title: "task.history", Body: "task.history.body", Href: "/audit"},
		}, nil
	case models.RoleAuditor:
		return []task{
			{Title: "task.verify", Body: "task.verify.body", Href: "/audit"},
			{Title: "task.stats", Body: "task.stats.auditor", Href: "/stats"},
			{Title: "task.read_criteria", Body: "task.read_criteria.auditor", Href: "/documents"},
			{Title: "task.history", Body: "task.history.body", Href: "/audit"},
			{Title: "task.audit_export", Body: "task.audit_export.body", Href: "/audit#keep-h"},
			{Title: "task.access_review", Body: "task.access_review.body", Href: "/audit/access"},
		}, nil
	case models.RoleAdmin:
		return []task{{Title: "task.users", Body: "task.users.body", Href: "/users"}}, nil
	}
	return nil, nil
}

func (s *Server) feedViews(c *gin.Context, u *models.User) ([]feedView, error) {
	items, err := s.store.Feed(c.Request.Context(), u, feedLimit)
	if err != nil {
		return nil, err
	}
	titles := map[int64]string{}
	out := make([]feedView, 0, len(items))
	for _, it := range items {
		v := feedView{Kind: it.Kind, At: it.Event.At, VersionID: it.VersionID, CommentID: it.CommentID, Status: it.Status, BallotID: it.BallotID}
		if it.Event.Actor != nil {
			v.ActorName = it.Event.Actor.Name
		}
		if it.BallotID != 0 {
			b, err := s.store.BallotByID(c.Request.Context(), it.BallotID)
			if err != nil {
				return nil, err
			}
			v.Title = b.Question
		}
		if it.Kind == models.FeedVersionPublished {
			if _, ok := titles[it.VersionID]; !ok {
				ver, err := s.store.VersionByID(c.Request.Context(), it.VersionID)
				if err != nil {
					return nil, err
				}
				titles[it.VersionID] = fmt.Sprintf("%s · %s", ver.Document.Title, s.cat.T(langOf(c), "version.number", ver.Number))
			}
			v.Title = titles[it.VersionID]
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Server) home(c *gin.Context) {
	u := currentUser(c)
	ctx := c.Request.Context()
	tasks, err := s.tasksFor(c, u)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := homeData{GroupVotes: u.CanVote(), Tasks: tasks}
	switch u.Role {
	case models.RoleAdmin:
		users, err := s.store.Users(ctx)
		if err != nil {
			s.fail(c, err)
			return
		}
		counts := map[string]int{}
		for _, x := range users {
			counts[x.Role]++
		}
		for _, r := range models.Roles {
			d.Accounts = append(d.Accounts, roleCount{Role: r, Count: counts[r]})
		}
	case models.RoleAuditor:
		// A very long log is verified on /audit when asked, not on every visit.
		if d.Verify, _, err = s.verifyForPage(c); err != nil {
			s.fail(c, err)
			return
		}
	}
	if u.Role != models.RoleAdmin {
		d.ShowFeed = true
		if d.Feed, err = s.feedViews(c, u); err != nil {
			s.fail(c, err)
			return
		}
	}
	if u.Role == models.RoleMember {
		if _, err := s.store.CloseDue(ctx); err != nil {
			s.fail(c, err)
			return
		}
		bs, err := s.store.PendingBallots(ctx, u)
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, b := range bs {
			d.Pending = append(d.Pending, pendingBallot{ID: b.ID, Question: b.Question, TimeLeft: s.timeLeft(c, b.ClosesAt)})
		}
		if d.Unanswered, err = s.store.UnansweredComments(ctx, u.ID); err != nil {
			s.fail(c, err)
			return
		}
	}
	p := s.newPage(c, s.cat.T(langOf(c), "nav.home"))
	p.Data = d
	s.render(c, http.StatusOK, "home", p)
}
