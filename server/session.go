package server

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"roundtable/models"
)

// userJSON is the contract's user object. It copies fields explicitly so
// nothing else on models.User (the password hash) can ever be serialised.
type userJSON struct {
	ID           int64   `json:"id"`
	Email        string  `json:"email"`
	Name         string  `json:"name"`
	Role         string  `json:"role"`
	Group        *string `json:"group"`
	Organisation string  `json:"organisation"`
	Active       bool    `json:"active"`
}

func toUserJSON(u *models.User) userJSON {
	out := userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Organisation: u.Organisation, Active: u.Active}
	if k := u.GroupKey(); k != "" {
		out.Group = &k
	}
	return out
}

func (s *Server) setSessionCookie(c *gin.Context, token string) {
	c.SetSameSite(http.SameSiteLaxMode)
	c.SetCookie(sessionCookie, token, int(models.SessionAbsolute.Seconds()), "/", "", s.secure(c), true)
}

func (s *Server) clearSessionCookie(c *gin.Context) {
	c.SetSameSite(http.SameSiteLaxMode)
	c.SetCookie(sessionCookie, "", -1, "/", "", s.secure(c), true)
}

type demoAccount struct{ Email, Label string }

type loginData struct {
	Next         string
	Email        string
	DemoAccounts []demoAccount
}

func (s *Server) loginPageData(c *gin.Context, next, email string) *loginData {
	d := &loginData{Next: safeNext(next), Email: email}
	if s.cfg.Demo {
		for _, a := range models.DemoAccounts {
			label := s.cat.T(langOf(c), "role."+a.Role)
			if a.Group != "" {
				label += " · " + a.Group
			}
			d.DemoAccounts = append(d.DemoAccounts, demoAccount{Email: a.Email, Label: label + " · " + a.Name})
		}
	}
	return d
}

func (s *Server) loginPage(c *gin.Context) {
	if currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, safeNext(c.Query("next")))
		return
	}
	p := s.newPage(c, s.cat.T(langOf(c), "login.title"))
	p.Data = s.loginPageData(c, c.Query("next"), "")
	s.render(c, http.StatusOK, "login", p)
}

func (s *Server) loginForm(c *gin.Context) {
	email := strings.TrimSpace(c.PostForm("email"))
	next := c.PostForm("next")
	res, err := s.store.Login(c.Request.Context(), email, c.PostForm("password"), s.actor(c))
	if err != nil {
		p := s.newPage(c, s.cat.T(langOf(c), "login.title"))
		p.Data = s.loginPageData(c, next, email)
		s.formError(c, "login", p, err)
		return
	}
	s.endOldSession(c)
	s.setSessionCookie(c, res.Token)
	c.Redirect(http.StatusSeeOther, safeNext(next))
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (s *Server) apiLogin(c *gin.Context) {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.store.Login(c.Request.Context(), req.Email, req.Password, s.actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.endOldSession(c)
	s.setSessionCookie(c, res.Token)
	s.json(c, http.StatusOK, gin.H{"user": toUserJSON(res.User), "csrf_token": res.Session.CSRFToken})
}

// endOldSession drops the session a browser had before signing in again,
// so an old cookie (possibly planted) never outlives a new sign-in.
func (s *Server) endOldSession(c *gin.Context) {
	if tok := c.GetString(ctxToken); tok != "" {
		if err := s.store.Logout(c.Request.Context(), s.actor(c), tok); err != nil {
			s.log.Warn("end previous session", "request_id", requestIDOf(c), "err", err)
		}
	}
}

func (s *Server) logout(c *gin.Context) error {
	err := s.store.Logout(c.Request.Context(), s.actor(c), c.GetString(ctxToken))
	s.clearSessionCookie(c)
	return err
}

func (s *Server) logoutForm(c *gin.Context) {
	if err := s.logout(c); err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/login")
}

func (s *Server) apiLogout(c *gin.Context) {
	if err := s.logout(c); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) apiMe(c *gin.Context) {
	s.json(c, http.StatusOK, gin.H{"user": toUserJSON(currentUser(c)), "csrf_token": currentSession(c).CSRFToken})
}
