package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"roundtable/frontend"
	"roundtable/models"
)

func idParam(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

type userRow struct {
	models.User
	GroupName string
}

type usersData struct {
	Users  []userRow
	Groups []models.Group
	Roles  []string
	Form   models.NewUser
}

func (s *Server) usersPageData(c *gin.Context) (*usersData, error) {
	ctx := c.Request.Context()
	users, err := s.store.Users(ctx)
	if err != nil {
		return nil, err
	}
	council, err := s.store.DefaultCouncil(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := s.store.Groups(ctx, council.ID)
	if err != nil {
		return nil, err
	}
	d := &usersData{Groups: groups, Roles: models.Roles, Form: models.NewUser{Role: models.RoleMember}}
	if len(groups) > 0 {
		// The form starts as a member, so it starts with a group too.
		d.Form.GroupKey = groups[0].Key
	}
	for _, u := range users {
		row := userRow{User: u}
		if u.Group != nil {
			row.GroupName = u.Group.Name(langOf(c))
		}
		d.Users = append(d.Users, row)
	}
	return d, nil
}

func (s *Server) usersPage(c *gin.Context) {
	d, err := s.usersPageData(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := s.newPage(c, s.cat.T(langOf(c), "users.title"))
	p.Data = d
	s.render(c, http.StatusOK, "users", p)
}

func newUserFromForm(c *gin.Context) models.NewUser {
	return models.NewUser{Email: c.PostForm("email"), Name: c.PostForm("name"), Role: c.PostForm("role"),
		GroupKey: c.PostForm("group"), Organisation: c.PostForm("organisation"), Password: c.PostForm("password")}
}

func (s *Server) usersCreateForm(c *gin.Context) {
	in := newUserFromForm(c)
	u, err := s.store.CreateUser(c.Request.Context(), s.actor(c), in)
	if err != nil {
		d, derr := s.usersPageData(c)
		if derr != nil {
			s.fail(c, derr)
			return
		}
		in.Password = ""
		d.Form = in
		p := s.newPage(c, s.cat.T(langOf(c), "users.title"))
		p.Data = d
		s.formError(c, "users", p, err)
		return
	}
	s.redirect(c, "/users/"+strconv.FormatInt(u.ID, 10), "users.created")
}

type userPageData struct {
	User   *models.User
	Groups []models.Group
	Roles  []string
}

func (s *Server) userPageFor(c *gin.Context, id int64) (*frontend.Page, error) {
	ctx := c.Request.Context()
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	groups, err := s.store.Groups(ctx, u.CouncilID)
	if err != nil {
		return nil, err
	}
	p := s.newPage(c, u.Name)
	p.Data = &userPageData{User: u, Groups: groups, Roles: models.Roles}
	return p, nil
}

func (s *Server) userPage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.userPageFor(c, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "user", p)
}

// userFormAction runs a change from the account page and either returns to
// it with a message or shows it again with the error.
func (s *Server) userFormAction(c *gin.Context, flashKey string, act func(id int64) error) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := act(id); err != nil {
		if models.ErrorKind(err) == models.KindNotFound {
			s.fail(c, err)
			return
		}
		p, perr := s.userPageFor(c, id)
		if perr != nil {
			s.fail(c, perr)
			return
		}
		s.formError(c, "user", p, err)
		return
	}
	s.redirect(c, "/users/"+strconv.FormatInt(id, 10), flashKey)
}

func (s *Server) userUpdateForm(c *gin.Context) {
	name, role, group, org := c.PostForm("name"), c.PostForm("role"), c.PostForm("group"), c.PostForm("organisation")
	s.userFormAction(c, "users.updated", func(id int64) error {
		_, err := s.store.UpdateUser(c.Request.Context(), s.actor(c), id, models.UserChange{Name: &name, Role: &role, GroupKey: &group, Organisation: &org})
		return err
	})
}

func (s *Server) userPasswordForm(c *gin.Context) {
	s.userFormAction(c, "users.password_done", func(id int64) error {
		return s.store.ResetPassword(c.Request.Context(), s.actor(c), id, c.PostForm("password"))
	})
}

func (s *Server) userActiveForm(active bool) gin.HandlerFunc {
	flashKey := "users.deactivated"
	if active {
		flashKey = "users.activated"
	}
	return func(c *gin.Context) {
		s.userFormAction(c, flashKey, func(id int64) error {
			_, err := s.store.SetUserActive(c.Request.Context(), s.actor(c), id, active)
			return err
		})
	}
}

// JSON API.

func (s *Server) apiUsers(c *gin.Context) {
	users, err := s.store.Users(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]userJSON, len(users))
	for i := range users {
		out[i] = toUserJSON(&users[i])
	}
	s.json(c, http.StatusOK, gin.H{"users": out})
}

type userCreateRequest struct {
	Email        string `json:"email"`
	Name         string `json:"name"`
	Role         string `json:"role"`
	Group        string `json:"group"`
	Organisation string `json:"organisation"`
	Password     string `json:"password"`
}

func (s *Server) apiUserCreate(c *gin.Context) {
	var req userCreateRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.store.CreateUser(c.Request.Context(), s.actor(c), models.NewUser{Email: req.Email, Name: req.Name,
		Role: req.Role, GroupKey: req.Group, Organisation: req.Organisation, Password: req.Password})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusCreated, gin.H{"user": toUserJSON(u)})
}

func (s *Server) apiUser(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	u, err := s.store.UserByID(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, gin.H{"user": toUserJSON(u)})
}

type userUpdateRequest struct {
	Name         *string `json:"name"`
	Role         *string `json:"role"`
	Group        *string `json:"group"`
	Organisation *string `json:"organisation"`
}

func (s *Server) apiUserUpdate(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req userUpdateRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if req.Group != nil {
		g := strings.TrimSpace(*req.Group)
		req.Group = &g
	}
	u, err := s.store.UpdateUser(c.Request.Context(), s.actor(c), id, models.UserChange{Name: req.Name, Role: req.Role, GroupKey: req.Group, Organisation: req.Organisation})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, gin.H{"user": toUserJSON(u)})
}

func (s *Server) apiUserPassword(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.store.ResetPassword(c.Request.Context(), s.actor(c), id, req.Password); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) apiUserActive(active bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := idParam(c)
		if err != nil {
			s.fail(c, err)
			return
		}
		u, err := s.store.SetUserActive(c.Request.Context(), s.actor(c), id, active)
		if err != nil {
			s.fail(c, err)
			return
		}
		s.json(c, http.StatusOK, gin.H{"user": toUserJSON(u)})
	}
}
