package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"roundtable/frontend"
	"roundtable/models"
)

// statusOf is the one mapping from domain error kinds to HTTP statuses.
var statusOf = map[models.Kind]int{
	models.KindBadRequest:   http.StatusBadRequest,
	models.KindUnauthorized: http.StatusUnauthorized,
	models.KindForbidden:    http.StatusForbidden,
	models.KindNotFound:     http.StatusNotFound,
	models.KindConflict:     http.StatusConflict,
	models.KindTooLarge:     http.StatusRequestEntityTooLarge,
	models.KindInvalid:      http.StatusUnprocessableEntity,
	models.KindTooMany:      http.StatusTooManyRequests,
	models.KindUnavailable:  http.StatusServiceUnavailable,
	models.KindInternal:     http.StatusInternalServerError,
}

type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	Rows    any               `json:"rows,omitempty"`
}

// classify turns any error into a safe domain error. Internal causes are
// logged with the request id and replaced by a generic message, so no
// response ever carries SQL, a stack trace or a hash.
func (s *Server) classify(c *gin.Context, err error) *models.Error {
	var de *models.Error
	if errors.As(err, &de) && de.Kind != models.KindInternal {
		return de
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return models.Errorf(models.KindTooLarge, "too_large", "The request body is larger than %d bytes.", tooBig.Limit)
	}
	s.log.Error("internal error", "request_id", requestIDOf(c), "route", c.FullPath(), "err", err)
	return &models.Error{Kind: models.KindInternal, Code: "internal",
		Message: fmt.Sprintf("Something unexpected went wrong. If it persists, report request %s.", requestIDOf(c))}
}

// fail answers with the error as JSON (API) or as an error page (HTML).
func (s *Server) fail(c *gin.Context, err error) {
	de := s.classify(c, err)
	status := statusOf[de.Kind]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	c.Header("Cache-Control", "no-store")
	if isAPI(c) || c.FullPath() == "/healthz" || c.FullPath() == "/readyz" || c.FullPath() == metricsRoute {
		c.AbortWithStatusJSON(status, gin.H{"error": apiError{Code: de.Code, Message: de.Message, Fields: de.Fields, Rows: de.Details}})
		return
	}
	p := s.newPage(c, s.cat.T(langOf(c), fmt.Sprintf("error.title.%d", status)))
	p.Data = s.message(c, de)
	p.Status = status
	s.render(c, status, "error", p)
	c.Abort()
}

// message is the person-facing text of an error in the viewer's language:
// the catalogue's text for its code when there is one, else the domain's.
func (s *Server) message(c *gin.Context, de *models.Error) string {
	key := "error." + de.Code
	lang := langOf(c)
	if de.Code == "internal" {
		return s.cat.T(lang, key, requestIDOf(c))
	}
	if s.cat.Has(lang, key) {
		return s.cat.T(lang, key)
	}
	return de.Message
}

func (s *Server) notFound(c *gin.Context) {
	s.fail(c, &models.Error{Kind: models.KindNotFound, Code: "not_found", Message: "The requested item does not exist."})
}

// newPage builds the frame every page shares.
func (s *Server) newPage(c *gin.Context, title string) *frontend.Page {
	return s.framePage(c, title, s.councilName(c))
}

// framePage is newPage with the council's name already known.
func (s *Server) framePage(c *gin.Context, title, council string) *frontend.Page {
	p := &frontend.Page{Lang: langOf(c), Title: title, Demo: s.cfg.Demo, Path: c.Request.URL.RequestURI(), Council: council}
	if u := currentUser(c); u != nil {
		p.Viewer = &frontend.Viewer{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Organisation: u.Organisation}
		if u.Group != nil {
			p.Viewer.Group = u.Group.Key
			p.Viewer.GroupName = u.Group.Name(p.Lang)
		}
	}
	if se := currentSession(c); se != nil {
		p.CSRF = se.CSRFToken
	}
	if key, err := c.Cookie(flashCookie); err == nil && key != "" {
		if s.cat.Has(p.Lang, key) {
			p.Flash = s.cat.T(p.Lang, key)
		}
		c.SetCookie(flashCookie, "", -1, "/", "", s.secure(c), true)
	}
	return p
}

func (s *Server) render(c *gin.Context, status int, page string, p *frontend.Page) {
	var buf bytes.Buffer
	if err := s.pages.Render(&buf, page, p); err != nil {
		// Nothing has been written yet, so the status can still say what
		// happened; a broken error page falls back to plain text.
		s.log.Error("render page", "request_id", requestIDOf(c), "page", page, "err", err)
		if page != "error" {
			s.fail(c, err)
			return
		}
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Internal error"))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// formError re-renders a form page with the error beside the fields the
// person filled in, so nothing typed is lost.
func (s *Server) formError(c *gin.Context, page string, p *frontend.Page, err error) {
	de := s.classify(c, err)
	status := statusOf[de.Kind]
	p.Error = s.message(c, de)
	p.Fields = de.Fields
	s.render(c, status, page, p)
}

func (s *Server) json(c *gin.Context, status int, v any) {
	c.Header("Cache-Control", "no-store")
	c.JSON(status, v)
}

// decodeJSON reads a JSON body strictly: unknown fields and wrong types are
// errors that name the field, so a client's typo is never silently ignored.
func decodeJSON(c *gin.Context, dst any) error {
	ct := c.GetHeader("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/json") {
		return models.Errorf(models.KindBadRequest, "bad_content_type", "Send the body as application/json.")
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var tooBig *http.MaxBytesError
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &tooBig):
			return err
		case errors.As(err, &typeErr):
			return models.Errorf(models.KindInvalid, "invalid_type", "The field %q must be a %s.", typeErr.Field, typeErr.Type.String()).WithField(typeErr.Field, "wrong_type")
		case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
			return models.Errorf(models.KindBadRequest, "malformed_json", "The body is not valid JSON.")
		case errors.Is(err, io.EOF):
			return models.Errorf(models.KindBadRequest, "malformed_json", "The body is empty; send a JSON object.")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return models.Errorf(models.KindBadRequest, "unknown_field", "The field %q is not part of this request.", field).WithField(field, "unknown")
		default:
			return models.Errorf(models.KindBadRequest, "malformed_json", "The body is not valid JSON.")
		}
	}
	if dec.More() {
		return models.Errorf(models.KindBadRequest, "malformed_json", "Send exactly one JSON object.")
	}
	return nil
}

// Language and flash cookies.
const (
	langCookie  = "rt_lang"
	flashCookie = "rt_flash"
)

func langOf(c *gin.Context) string {
	if l, err := c.Cookie(langCookie); err == nil && frontend.Supported(l) {
		return l
	}
	return frontend.Languages[0]
}

func (s *Server) secure(c *gin.Context) bool { return c.Request.TLS != nil || s.cfg.SecureCookies }

// flash stores a message key (never free text) for the next page.
func (s *Server) flash(c *gin.Context, key string) {
	c.SetSameSite(http.SameSiteLaxMode)
	c.SetCookie(flashCookie, key, 60, "/", "", s.secure(c), true)
}

// redirect after a successful form post (post/redirect/get).
func (s *Server) redirect(c *gin.Context, to, flashKey string) {
	if flashKey != "" {
		s.flash(c, flashKey)
	}
	c.Redirect(http.StatusSeeOther, to)
}

// safeNext keeps post-login redirects on this site: only a local absolute
// path is accepted, never a scheme, a host or a protocol-relative "//".
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) || strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.IsAbs() || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// councilName is the council shown in the header, in the viewer's language.
func (s *Server) councilName(c *gin.Context) string {
	council, err := s.store.DefaultCouncil(c.Request.Context())
	if err != nil {
		return ""
	}
	if langOf(c) == "en" {
		return council.NameEn
	}
	return council.Name
}
