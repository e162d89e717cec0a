package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"roundtable/models"
)

// task is one "what you can do next" card. Href is empty while the feature
// is not on this server yet, so no card links to a page that is not there.
type task struct {
	Title, Body, Href, Empty string
}

type roleCount struct {
	Role  string
	Count int
}

type homeData struct {
	GroupVotes bool
	Tasks      []task
	Accounts   []roleCount
	Verify     *models.VerifyResult
}

func tasksFor(u *models.User) []task {
	soon := "task.empty.soon"
	switch u.Role {
	case models.RoleMember:
		vote := task{Title: "task.vote", Body: "task.vote.body", Empty: soon}
		if !u.CanVote() {
			vote.Body = "task.vote.advisory"
		}
		return []task{
			{Title: "task.read_criteria", Body: "task.read_criteria.body", Empty: soon},
			vote,
			{Title: "task.stats", Body: "task.stats.body", Empty: soon},
		}
	case models.RoleSecretariat:
		return []task{
			{Title: "task.draft", Body: "task.draft.body", Empty: soon},
			{Title: "task.answer", Body: "task.answer.body", Empty: soon},
			{Title: "task.ballots", Body: "task.ballots.body", Empty: soon},
			{Title: "task.import", Body: "task.import.body", Empty: soon},
			{Title: "task.history", Body: "task.history.body", Href: "/audit"},
		}
	case models.RoleAuditor:
		return []task{
			{Title: "task.verify", Body: "task.verify.body", Href: "/audit"},
			{Title: "task.history", Body: "task.history.body", Href: "/audit"},
		}
	case models.RoleAdmin:
		return []task{{Title: "task.users", Body: "task.users.body", Href: "/users"}}
	}
	return nil
}

func (s *Server) home(c *gin.Context) {
	u := currentUser(c)
	ctx := c.Request.Context()
	d := homeData{GroupVotes: u.CanVote(), Tasks: tasksFor(u)}
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
		v, err := s.store.VerifyAudit(ctx)
		if err != nil {
			s.fail(c, err)
			return
		}
		d.Verify = v
	}
	p := s.newPage(c, s.cat.T(langOf(c), "nav.home"))
	p.Data = d
	s.render(c, http.StatusOK, "home", p)
}
