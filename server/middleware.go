package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/policy"
)

const (
	sessionCookie = "rt_session"
	ctxUser       = "rt.user"
	ctxSession    = "rt.session"
	ctxToken      = "rt.token"
	ctxRequestID  = "rt.request_id"
	// ctxHistorySize is the history's size read before the session (live.go).
	ctxHistorySize = "rt.history_size"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID tags each request so a log line, an audit event and an error
// page shown to a person can be matched. A well-formed incoming id (from a
// proxy) is kept; anything else is replaced.
func (s *Server) requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !requestIDPattern.MatchString(id) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(ctxRequestID, id)
		c.Header("X-Request-ID", id)
		c.Next()
	}
}

// logRequests writes one structured line per request. It logs the route
// pattern, never the raw URL: query strings can carry search terms over
// personal data, and logs must never hold personal data.
func (s *Server) logRequests() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "(no route)"
		}
		var uid int64
		if u := currentUser(c); u != nil {
			uid = u.ID
		}
		elapsed := time.Since(start)
		s.log.Info("request", "request_id", requestIDOf(c), "method", c.Request.Method, "route", route,
			"status", c.Writer.Status(), "duration_ms", elapsed.Milliseconds(), "user_id", uid)
		s.metrics.observe(route, c.Request.Method, c.Writer.Status(), elapsed)
	}
}

// recoverer turns a panic into a plain 500 without a stack trace in the
// response; the stack goes to the log.
func (s *Server) recoverer() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("panic", "request_id", requestIDOf(c), "panic", r, "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					s.fail(c, errors.New("panic in handler"))
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

// securityHeaders: no inline script or style anywhere, no framing, no
// sniffing, and no referrer leaking paths to other sites.
func (s *Server) securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if c.Request.TLS != nil || s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		c.Next()
	}
}

// limitBody caps request bodies; reading past the cap fails with
// *http.MaxBytesError, which fail() maps to 413.
func (s *Server) limitBody() gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := s.bodyLimitFor(c) // import uploads get their own cap (reports.go)
		if c.Request.ContentLength > limit {
			s.fail(c, models.Errorf(models.KindTooLarge, "too_large", "The request body is larger than %d bytes.", limit))
			c.Abort()
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

// loadSession resolves the session cookie. An unknown or expired cookie is
// simply anonymous; a database failure is an error, not anonymity.
func (s *Server) loadSession() gin.HandlerFunc {
	return func(c *gin.Context) {
		token, err := c.Cookie(sessionCookie)
		if err != nil || token == "" {
			c.Next()
			return
		}
		se, u, err := s.resolveSession(c, token)
		switch {
		case err == nil:
			c.Set(ctxUser, u)
			c.Set(ctxSession, se)
			c.Set(ctxToken, token)
		case models.ErrorKind(err) == models.KindNotFound:
			s.clearSessionCookie(c)
		default:
			s.fail(c, err)
			c.Abort()
			return
		}
		c.Next()
	}
}

var crossOrigin = http.NewCrossOriginProtection()

func isUnsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

var errCSRF = &models.Error{Kind: models.KindForbidden, Code: "csrf", Message: "The CSRF token is missing or wrong. Reload the page and try again."}

// checkCSRF guards every unsafe request twice: the browser's own
// Sec-Fetch-Site/Origin headers must not say cross-site, and a signed-in
// request must carry the session's token (X-CSRF-Token header for JSON,
// csrf_token form field for HTML forms).
func (s *Server) checkCSRF() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !isUnsafe(c.Request.Method) {
			c.Next()
			return
		}
		if err := crossOrigin.Check(c.Request); err != nil {
			s.fail(c, errCSRF)
			c.Abort()
			return
		}
		se := currentSession(c)
		if se == nil {
			c.Next()
			return
		}
		token := c.GetHeader("X-CSRF-Token")
		if token == "" && !isAPI(c) {
			token = c.PostForm("csrf_token")
		}
		if !se.CheckCSRF(token) {
			s.fail(c, errCSRF)
			c.Abort()
			return
		}
		c.Next()
	}
}

// authorize asks the policy the route's question. A route with no
// question is unreachable (404); a denied anonymous visitor is asked to
// sign in; a denied signed-in person gets 403 and the attempt is recorded.
func (s *Server) authorize() gin.HandlerFunc {
	return func(c *gin.Context) {
		path := c.FullPath()
		if path == "" {
			c.Next() // NoRoute answers
			return
		}
		perm, ok := s.routes[c.Request.Method+" "+path]
		u := currentUser(c)
		if ok && s.authz.Can(s.requestSubject(c), policy.Kind(perm.Kind), perm.Action) {
			c.Next()
			return
		}
		if !ok {
			s.notFound(c)
			c.Abort()
			return
		}
		if u == nil {
			s.needLogin(c)
			c.Abort()
			return
		}
		s.deny(c, perm.Kind, 0)
		c.Abort()
	}
}

// deny records a refused attempt and answers 403.
func (s *Server) deny(c *gin.Context, kind string, id int64) {
	if err := s.store.Record(c.Request.Context(), s.actor(c), "access.denied", kind, id,
		map[string]any{"route": c.FullPath(), "method": c.Request.Method}); err != nil {
		s.log.Error("record denial", "request_id", requestIDOf(c), "err", err)
	}
	s.fail(c, models.ErrForbidden)
}

func (s *Server) needLogin(c *gin.Context) {
	if isAPI(c) || c.Request.Method != http.MethodGet || c.FullPath() == metricsRoute { // a scraper needs 401, not a sign-in page
		s.fail(c, &models.Error{Kind: models.KindUnauthorized, Code: "unauthenticated", Message: "Sign in first."})
		return
	}
	c.Redirect(http.StatusSeeOther, "/login?next="+urlQueryEscape(c.Request.URL.RequestURI()))
}

func currentUser(c *gin.Context) *models.User {
	if v, ok := c.Get(ctxUser); ok {
		return v.(*models.User)
	}
	return nil
}

func currentSession(c *gin.Context) *models.Session {
	if v, ok := c.Get(ctxSession); ok {
		return v.(*models.Session)
	}
	return nil
}

func requestIDOf(c *gin.Context) string { return c.GetString(ctxRequestID) }

func (s *Server) actor(c *gin.Context) models.Actor {
	return models.ActorFor(currentUser(c), requestIDOf(c), c.ClientIP())
}

func subjectOf(u *models.User) policy.Subject {
	if u == nil {
		return policy.Subject{Role: policy.Anonymous}
	}
	return policy.Subject{ID: u.ID, Role: u.Role, Group: u.GroupKey(), Votes: u.CanVote()}
}

func isAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, "/api/") }

// limited wraps a handler with an abuse limit counted per account and per
// address (in the database, so all instances share it).
func (s *Server) limited(l models.Limit, h gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := s.store.Throttle(c.Request.Context(), l, s.actor(c)); err != nil {
			s.fail(c, err)
			return
		}
		h(c)
	}
}
