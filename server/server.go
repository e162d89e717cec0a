// Package server is Roundtable's HTTP layer: every route in routes.go with
// its policy action, middleware for sessions, CSRF and authorization, thin
// handlers (parse → call the store → render) and one place that maps domain
// errors to HTTP.
package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/frontend"
	"roundtable/models"
	"roundtable/policy"
)

// Config is what the server needs beyond its collaborators.
type Config struct {
	Demo bool
	// SecureCookies forces the Secure flag (behind a TLS-terminating proxy);
	// requests that arrive over TLS get it anyway.
	SecureCookies bool
	// TrustedProxies are the addresses whose X-Forwarded-For is believed.
	TrustedProxies []string
	// MaxBody caps ordinary request bodies.
	MaxBody int64
	// Reports imports damage reports and opens raw ones for the
	// secretariat; nil when no data key is configured, in which case both
	// are refused and the published statistics stay available.
	Reports *models.Reports
	// MaxUpload caps an import file (default 512 MiB).
	MaxUpload int64
	// HeaderTimeout bounds how long a client may take to send its request
	// headers (default 10 s): the defence against slow-client floods.
	HeaderTimeout time.Duration
	// MetricsToken, when set, lets a scraper without a session read
	// GET /metrics with "Authorization: Bearer <token>" (metrics.go).
	MetricsToken string
	// PageCacheBytes is the memory budget for version pages rendered once
	// per kind of viewer (pagecache.go): 0 means the default of 32 MiB, a
	// negative value turns the cache off.
	PageCacheBytes int
}

// defaultPageCache holds a handful of the largest version pages (about
// 1 MB each at 200 clauses with their threads) for every kind of viewer.
const defaultPageCache = 32 << 20

// Server holds the collaborators every handler needs. It has no mutable
// state of its own: everything that changes lives in the database.
type Server struct {
	store  *models.Store
	authz  *policy.Authorizer
	pages  *frontend.Renderer
	cat    *frontend.Catalog
	log    *slog.Logger
	cfg    Config
	routes map[string]permission // "METHOD path" → policy question
	engine *gin.Engine
	// live ends open event streams at shutdown (live.go); metrics is the
	// Prometheus registry behind /metrics (metrics.go).
	live    *liveStreams
	metrics *metrics
	// shared holds version pages rendered once per kind of viewer, nil when
	// turned off; marks are the slot markers in them (pagecache.go).
	shared *pageCache
	marks  frontend.Marks
}

// New wires the router.
func New(store *models.Store, authz *policy.Authorizer, log *slog.Logger, cfg Config) (*Server, error) {
	cat, err := frontend.LoadCatalog()
	if err != nil {
		return nil, err
	}
	pages, err := frontend.NewRenderer(cat)
	if err != nil {
		return nil, err
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	s := &Server{store: store, authz: authz, pages: pages, cat: cat, log: log, cfg: cfg, routes: map[string]permission{}, live: newLiveStreams()}
	switch {
	case cfg.PageCacheBytes == 0:
		s.shared = newPageCache(defaultPageCache)
	case cfg.PageCacheBytes > 0:
		s.shared = newPageCache(cfg.PageCacheBytes)
	}
	if s.marks, err = frontend.NewMarks(); err != nil {
		return nil, err
	}
	if s.metrics, err = newMetrics(store, log, s.shared); err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = false
	if err := e.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, err
	}
	s.engine = e
	s.registerRoutes()
	return s, nil
}

// Handler is the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.engine }

// Engine exposes the gin engine so tests can walk its routes.
func (s *Server) Engine() *gin.Engine { return s.engine }

// HTTPServer wraps the handler with timeouts that keep slow or stalled
// clients from holding connections forever.
func (s *Server) HTTPServer(addr string) *http.Server {
	headerTimeout := s.cfg.HeaderTimeout
	if headerTimeout <= 0 {
		headerTimeout = 10 * time.Second
	}
	hs := &http.Server{
		Addr:              addr,
		Handler:           s.engine,
		ReadHeaderTimeout: headerTimeout,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	// Event streams never go idle, so Shutdown would wait for them until
	// its timeout; end them as soon as it starts.
	hs.RegisterOnShutdown(s.live.Shutdown)
	return hs
}
