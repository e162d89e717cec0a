package server

// GET /metrics: Prometheus text format for operators. It is denied by
// default: the policy lets admins read it with their session (kind
// "metrics"), and a scraper without a session may read it only by
// presenting Config.MetricsToken as "Authorization: Bearer <token>" — the
// token makes the request the policy role metrics_scraper, which may read
// metrics and nothing else. With no token configured no bearer matches.
//
// What it exposes: request latency by route pattern, method and status
// (never the raw URL, which could carry personal data in a query), the
// database pool, the size of the decision history, the age of the last
// signed checkpoint, open ballots and damage-report imports, and the Go
// runtime and process figures.

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"roundtable/models"
	"roundtable/policy"
)

// roleScraper is the policy role of a session-less request that presents
// the metrics token at GET /metrics.
const roleScraper = "metrics_scraper"

const metricsRoute = "/metrics"

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	handler  gin.HandlerFunc
}

func newMetrics(store *models.Store, log *slog.Logger, pages *pageCache) (*metrics, error) {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "roundtable",
			Name:      "http_request_duration_seconds",
			Help:      "Time to answer a request, by route pattern, method and status. Event streams are not counted.",
			Buckets:   []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method", "status"}),
	}
	for _, c := range []prometheus.Collector{
		m.requests,
		newStoreCollector(store, log),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	if pages != nil {
		for _, c := range []prometheus.Collector{
			prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "roundtable", Name: "page_cache_hits_total",
				Help: "Version pages served from the copy shared by viewers of the same kind."},
				func() float64 { h, _, _ := pages.stats(); return float64(h) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "roundtable", Name: "page_cache_misses_total",
				Help: "Version page requests that found no current shared copy (the history had moved, or none was kept)."},
				func() float64 { _, m, _ := pages.stats(); return float64(m) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "roundtable", Name: "page_cache_bytes",
				Help: "Memory held by shared version page copies."},
				func() float64 { _, _, b := pages.stats(); return float64(b) }),
		} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	// A failing database figure must not hide the others: the collector
	// reports its own error as a metric and the rest is still served.
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Timeout: 10 * time.Second})
	m.handler = func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		h.ServeHTTP(c.Writer, c.Request)
	}
	return m, nil
}

// observe records one answered request.
func (m *metrics) observe(route, method string, status int, d time.Duration) {
	if isStreamed(route) {
		return
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Observe(d.Seconds())
}

// isStreamed tells routes whose duration is how long a page stayed open.
func isStreamed(route string) bool { return route == "/api/v1/versions/:id/live" }

func (s *Server) metricsPage(c *gin.Context) { s.metrics.handler(c) }

// requestSubject is who asks the policy: the signed-in person, or the
// scraper role for a request without a session that carries the metrics
// token at GET /metrics.
func (s *Server) requestSubject(c *gin.Context) policy.Subject {
	u := currentUser(c)
	if u == nil && c.FullPath() == metricsRoute && s.metricsTokenOK(c) {
		return policy.Subject{Role: roleScraper}
	}
	return subjectOf(u)
}

// metricsTokenOK compares the bearer token in constant time (on hashes,
// so not even the length leaks). No configured token matches nothing.
func (s *Server) metricsTokenOK(c *gin.Context) bool {
	if s.cfg.MetricsToken == "" {
		return false
	}
	got, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || got == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(s.cfg.MetricsToken))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// storeCollector reads the database figures at scrape time, so every
// instance reports the shared database's state and nothing is cached.
type storeCollector struct {
	store *models.Store
	log   *slog.Logger

	poolMaxOpen, poolOpen, poolInUse, poolIdle, poolWaitCount, poolWaitSeconds *prometheus.Desc
	auditEvents, checkpointAge, unsigned, openBallots, imports, scrapeError    *prometheus.Desc
}

func newStoreCollector(store *models.Store, log *slog.Logger) *storeCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("roundtable_"+name, help, labels, nil)
	}
	return &storeCollector{store: store, log: log,
		poolMaxOpen:     d("db_pool_max_open_connections", "Largest number of open database connections allowed."),
		poolOpen:        d("db_pool_open_connections", "Open database connections, in use or idle."),
		poolInUse:       d("db_pool_in_use_connections", "Database connections in use."),
		poolIdle:        d("db_pool_idle_connections", "Idle database connections."),
		poolWaitCount:   d("db_pool_wait_count_total", "Times a request waited for a database connection."),
		poolWaitSeconds: d("db_pool_wait_seconds_total", "Time spent waiting for a database connection."),
		auditEvents:     d("audit_events", "Events in the decision history."),
		checkpointAge:   d("audit_last_checkpoint_age_seconds", "Seconds since the last signed checkpoint (absent before the first)."),
		unsigned:        d("audit_unsigned_events", "Events after the last signed checkpoint."),
		openBallots:     d("ballots_open", "Ballots open for voting."),
		imports:         d("report_imports", "Damage-report imports by status.", "status"),
		scrapeError:     d("db_scrape_error", "1 if the database figures could not be read at this scrape."),
	}
}

func (sc *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{sc.poolMaxOpen, sc.poolOpen, sc.poolInUse, sc.poolIdle, sc.poolWaitCount, sc.poolWaitSeconds,
		sc.auditEvents, sc.checkpointAge, sc.unsigned, sc.openBallots, sc.imports, sc.scrapeError} {
		ch <- d
	}
}

func (sc *storeCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if st, err := sc.store.PoolStats(); err == nil {
		gauge(sc.poolMaxOpen, float64(st.MaxOpenConnections))
		gauge(sc.poolOpen, float64(st.OpenConnections))
		gauge(sc.poolInUse, float64(st.InUse))
		gauge(sc.poolIdle, float64(st.Idle))
		ch <- prometheus.MustNewConstMetric(sc.poolWaitCount, prometheus.CounterValue, float64(st.WaitCount))
		ch <- prometheus.MustNewConstMetric(sc.poolWaitSeconds, prometheus.CounterValue, st.WaitDuration.Seconds())
	} else {
		ch <- prometheus.NewInvalidMetric(sc.poolOpen, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	o, err := sc.store.OpsSnapshot(ctx)
	if err != nil {
		sc.log.Error("metrics: read database figures", "err", err)
		gauge(sc.scrapeError, 1)
		return
	}
	gauge(sc.scrapeError, 0)
	gauge(sc.auditEvents, float64(o.AuditEvents))
	gauge(sc.unsigned, float64(o.AuditEvents-o.LastCheckpointSize))
	if o.LastCheckpointAt != nil {
		gauge(sc.checkpointAge, max(0, sc.store.Now().Sub(*o.LastCheckpointAt).Seconds()))
	}
	gauge(sc.openBallots, float64(o.OpenBallots))
	gauge(sc.imports, float64(o.ImportsRunning), "running")
	gauge(sc.imports, float64(o.ImportsCommitted), "committed")
}
