package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/frontend"
)

func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// static serves the embedded stylesheet and script. fs.FS refuses ".."
// and absolute names, so a crafted path cannot leave the embedded tree.
func (s *Server) static() gin.HandlerFunc {
	fileServer := http.StripPrefix("/static/", http.FileServer(http.FS(frontend.Static())))
	return func(c *gin.Context) {
		if strings.HasSuffix(c.Param("filepath"), "/") {
			s.notFound(c) // no directory listings
			return
		}
		c.Header("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(c.Writer, c.Request)
	}
}

// setLanguage remembers the language for a year and returns to the page.
func (s *Server) setLanguage(c *gin.Context) {
	lang := c.Param("code")
	if !frontend.Supported(lang) {
		s.notFound(c)
		return
	}
	c.SetSameSite(http.SameSiteLaxMode)
	c.SetCookie(langCookie, lang, 365*24*3600, "/", "", s.secure(c), true)
	c.Redirect(http.StatusSeeOther, safeNext(c.Query("next")))
}
