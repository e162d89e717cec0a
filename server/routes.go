package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"roundtable/models"
)

// permission is the policy question a route asks before its handler runs.
type permission struct {
	Kind   string
	Action string
}

// handle registers a route together with its policy question. A route can
// only be added through here, so none exists without one; the middleware
// denies any route whose question the policy does not allow.
func (s *Server) handle(method, path, kind, action string, h gin.HandlerFunc) {
	s.routes[method+" "+path] = permission{Kind: kind, Action: action}
	s.engine.Handle(method, path, h)
}

// Routes lists every route with its policy question, for the coverage test
// and the role matrix.
func (s *Server) Routes() map[string]permission { return s.routes }

func (s *Server) registerRoutes() {
	e := s.engine
	e.Use(s.recoverer(), s.requestID(), s.logRequests(), s.securityHeaders(), s.limitBody(), s.loadSession(), s.checkCSRF(), s.authorize())
	e.NoRoute(s.notFound)

	// Service.
	s.handle(http.MethodGet, "/healthz", "health", "read", s.healthz)
	s.handle(http.MethodGet, "/readyz", "health", "read", s.readyz)
	s.handle(http.MethodGet, "/static/*filepath", "static", "read", s.static())
	s.handle(http.MethodGet, "/lang/:code", "preference", "update", s.setLanguage)

	// Session.
	s.handle(http.MethodGet, "/login", "login_page", "read", s.loginPage)
	s.handle(http.MethodPost, "/login", "session", "create", s.loginForm)
	s.handle(http.MethodPost, "/logout", "session", "delete", s.logoutForm)
	s.handle(http.MethodPost, "/api/v1/login", "session", "create", s.apiLogin)
	s.handle(http.MethodPost, "/api/v1/logout", "session", "delete", s.apiLogout)
	s.handle(http.MethodGet, "/api/v1/me", "me", "read", s.apiMe)

	// Home.
	s.handle(http.MethodGet, "/", "home", "read", s.home)

	// Criteria documents, versions and diffs.
	s.handle(http.MethodGet, "/documents", "documents", "list", s.documentsPage)
	s.handle(http.MethodPost, "/documents", "documents", "create", s.documentCreateForm)
	s.handle(http.MethodGet, "/documents/:id", "document", "read", s.documentPage)
	s.handle(http.MethodPost, "/documents/:id/versions", "version", "create", s.draftCreateForm)
	s.handle(http.MethodGet, "/versions/:id", "version", "read", s.versionPage)
	s.handle(http.MethodGet, "/versions/:id/clauses/:key", "version", "read", s.clausePage)
	s.handle(http.MethodGet, "/versions/:id/edit", "version", "update", s.draftEditPage)
	s.handle(http.MethodPost, "/versions/:id", "version", "update", s.draftSaveForm)
	s.handle(http.MethodPost, "/versions/:id/publish", "version", "publish", s.publishForm)
	s.handle(http.MethodGet, "/versions/:id/diff", "version", "read", s.versionDiffPage)
	s.handle(http.MethodGet, "/versions/:id/register", "version", "read", s.registerPage)
	s.handle(http.MethodGet, "/versions/:id/register/:format", "version", "read", s.limited(models.LimitExports, s.registerExport))
	s.handle(http.MethodGet, "/api/v1/documents", "documents", "list", s.apiDocuments)
	s.handle(http.MethodPost, "/api/v1/documents", "documents", "create", s.apiDocumentCreate)
	s.handle(http.MethodGet, "/api/v1/documents/:id", "document", "read", s.apiDocument)
	s.handle(http.MethodPost, "/api/v1/documents/:id/versions", "version", "create", s.apiVersionCreate)
	s.handle(http.MethodGet, "/api/v1/versions/:id", "version", "read", s.apiVersion)
	s.handle(http.MethodPatch, "/api/v1/versions/:id", "version", "update", s.apiVersionUpdate)
	s.handle(http.MethodPost, "/api/v1/versions/:id/publish", "version", "publish", s.apiVersionPublish)
	s.handle(http.MethodGet, "/api/v1/versions/:id/diff", "version", "read", s.apiVersionDiff)
	s.handle(http.MethodGet, "/api/v1/versions/:id/register", "version", "read", s.apiRegister)

	// Comments and the secretariat's answers.
	s.handle(http.MethodPost, "/versions/:id/comments", "comment", "create", s.limited(models.LimitComments, s.commentCreateForm))
	s.handle(http.MethodPost, "/comments/:id/edit", "comment", "edit", s.commentEditForm)
	s.handle(http.MethodPost, "/comments/:id/withdraw", "comment", "edit", s.commentWithdrawForm)
	s.handle(http.MethodPost, "/comments/:id/disposition", "comment", "answer", s.dispositionForm)
	s.handle(http.MethodGet, "/api/v1/versions/:id/comments", "version", "read", s.apiComments)
	s.handle(http.MethodPost, "/api/v1/versions/:id/comments", "comment", "create", s.limited(models.LimitComments, s.apiCommentCreate))
	s.handle(http.MethodPatch, "/api/v1/comments/:id", "comment", "edit", s.apiCommentEdit)
	s.handle(http.MethodPost, "/api/v1/comments/:id/withdraw", "comment", "edit", s.apiCommentWithdraw)
	s.handle(http.MethodPost, "/api/v1/comments/:id/disposition", "comment", "answer", s.apiDisposition)

	// Compensation rules and their impact.
	s.handle(http.MethodGet, "/versions/:id/impact", "impact", "read", s.impactPage)
	s.handle(http.MethodGet, "/api/v1/versions/:id/impact", "impact", "read", s.apiImpact)
	s.handle(http.MethodGet, "/versions/:id/rules", "version", "update", s.rulesPage)
	s.handle(http.MethodPost, "/versions/:id/rules", "version", "update", s.rulesSaveForm)

	// Ballots on versions.
	s.handle(http.MethodGet, "/ballots", "ballots", "list", s.ballotsPage)
	s.handle(http.MethodGet, "/ballots/:id", "ballot", "read", s.ballotPage)
	s.handle(http.MethodPost, "/versions/:id/ballots", "ballot", "open", s.ballotOpenForm)
	s.handle(http.MethodPost, "/ballots/:id/vote", "ballot", "vote", s.voteForm)
	s.handle(http.MethodPost, "/ballots/:id/close", "ballot", "close", s.ballotCloseForm)
	s.handle(http.MethodPost, "/ballots/:id/deadline", "ballot", "update", s.ballotDeadlineForm)
	s.handle(http.MethodGet, "/ballots/:id/export/:format", "ballot", "read", s.limited(models.LimitExports, s.ballotExport))
	s.handle(http.MethodGet, "/api/v1/ballots", "ballots", "list", s.apiBallots)
	s.handle(http.MethodPost, "/api/v1/versions/:id/ballots", "ballot", "open", s.apiBallotOpen)
	s.handle(http.MethodGet, "/api/v1/ballots/:id", "ballot", "read", s.apiBallot)
	s.handle(http.MethodPatch, "/api/v1/ballots/:id", "ballot", "update", s.apiBallotUpdate)
	s.handle(http.MethodPut, "/api/v1/ballots/:id/vote", "ballot", "vote", s.apiVote)
	s.handle(http.MethodPost, "/api/v1/ballots/:id/close", "ballot", "close", s.apiBallotClose)
	s.handle(http.MethodGet, "/api/v1/ballots/:id/votes", "ballot", "read", s.apiBallotVotes)

	// What's new.
	s.handle(http.MethodPost, "/feed/seen", "feed", "update", s.feedSeenForm)
	s.handle(http.MethodGet, "/api/v1/feed", "feed", "read", s.apiFeed)
	s.handle(http.MethodPost, "/api/v1/feed/seen", "feed", "update", s.apiFeedSeen)

	// Accounts (admin).
	s.handle(http.MethodGet, "/users", "users", "list", s.usersPage)
	s.handle(http.MethodPost, "/users", "users", "create", s.usersCreateForm)
	s.handle(http.MethodGet, "/users/:id", "users", "read", s.userPage)
	s.handle(http.MethodPost, "/users/:id", "users", "update", s.userUpdateForm)
	s.handle(http.MethodPost, "/users/:id/password", "users", "update", s.userPasswordForm)
	s.handle(http.MethodPost, "/users/:id/deactivate", "users", "update", s.userActiveForm(false))
	s.handle(http.MethodPost, "/users/:id/activate", "users", "update", s.userActiveForm(true))
	s.handle(http.MethodGet, "/api/v1/users", "users", "list", s.apiUsers)
	s.handle(http.MethodPost, "/api/v1/users", "users", "create", s.apiUserCreate)
	s.handle(http.MethodGet, "/api/v1/users/:id", "users", "read", s.apiUser)
	s.handle(http.MethodPatch, "/api/v1/users/:id", "users", "update", s.apiUserUpdate)
	s.handle(http.MethodPost, "/api/v1/users/:id/password", "users", "update", s.apiUserPassword)
	s.handle(http.MethodPost, "/api/v1/users/:id/deactivate", "users", "update", s.apiUserActive(false))
	s.handle(http.MethodPost, "/api/v1/users/:id/activate", "users", "update", s.apiUserActive(true))

	// Damage reports (issue 5): the secretariat imports files and opens
	// raw reports (every search, view and export is recorded with its
	// purpose); members, auditors and the secretariat read the published
	// statistics of the latest import.
	s.handle(http.MethodGet, "/reports/import", "report_import", "read", s.importPage)
	s.handle(http.MethodPost, "/reports/import", "report_import", "create", s.importForm)
	s.handle(http.MethodGet, "/reports/import/:id", "report_import", "read", s.batchPage)
	s.handle(http.MethodGet, "/reports", "reports", "read", s.rawSearchPage)
	s.handle(http.MethodPost, "/reports/search", "reports", "read", s.rawSearchForm)
	s.handle(http.MethodPost, "/reports/export", "reports", "export", s.rawExport)
	s.handle(http.MethodGet, "/reports/:id", "reports", "read", s.rawReportPage)
	s.handle(http.MethodPost, "/api/v1/reports/import", "report_import", "create", s.apiReportImport)
	s.handle(http.MethodGet, "/api/v1/reports/import/:id", "report_import", "read", s.apiImportBatch)
	s.handle(http.MethodPost, "/api/v1/reports/search", "reports", "read", s.apiReportSearch)
	s.handle(http.MethodGet, "/api/v1/reports/:id", "reports", "read", s.apiRawReport)
	s.handle(http.MethodGet, "/stats", "stats", "read", s.statsPage)
	s.handle(http.MethodGet, "/stats/table", "stats", "read", s.statsTablePage)
	s.handle(http.MethodGet, "/stats/table/:format", "stats", "export", s.statsTableExport)
	s.handle(http.MethodGet, "/api/v1/stats", "stats", "read", s.apiStats)
	s.handle(http.MethodGet, "/api/v1/stats/dimensions", "stats", "read", s.apiStatsDimensions)
	s.handle(http.MethodGet, "/api/v1/stats/table", "stats", "read", s.apiStatsTable)

	// Decision history (issue 6): the timeline, object histories, decision
	// records, signed checkpoints and proofs, exports, and the access-log
	// review. Auditors and the secretariat read; only auditors verify,
	// prove, export and review. Nothing here writes except the record of
	// a download.
	s.handle(http.MethodGet, "/audit", "audit", "read", s.auditPage)
	s.handle(http.MethodGet, "/audit/objects/:type/:id", "audit", "read", s.auditObjectPage)
	s.handle(http.MethodGet, "/versions/:id/record", "audit", "read", s.decisionRecordPage)
	s.handle(http.MethodGet, "/audit/export", "audit", "export", s.auditTimelineCSV)
	s.handle(http.MethodGet, "/audit/access", "audit", "review", s.auditAccessPage)
	s.handle(http.MethodGet, "/audit/access/export", "audit", "review", s.auditAccessCSV)
	s.handle(http.MethodGet, "/api/v1/audit/events", "audit", "read", s.apiAuditEvents)
	s.handle(http.MethodGet, "/api/v1/audit/objects/:type/:id", "audit", "read", s.apiAuditObject)
	s.handle(http.MethodGet, "/api/v1/audit/verify", "audit", "verify", s.apiAuditVerify)
	s.handle(http.MethodGet, "/api/v1/audit/checkpoints", "audit", "read", s.apiAuditCheckpoints)
	s.handle(http.MethodGet, "/api/v1/audit/checkpoints/:size", "audit", "read", s.apiAuditCheckpointNote)
	s.handle(http.MethodGet, "/api/v1/audit/public-key", "audit_key", "read", s.apiAuditPublicKey)
	s.handle(http.MethodGet, "/api/v1/audit/proofs/inclusion", "audit", "verify", s.apiInclusionProof)
	s.handle(http.MethodGet, "/api/v1/audit/proofs/consistency", "audit", "verify", s.apiConsistencyProof)
	s.handle(http.MethodGet, "/api/v1/audit/export", "audit", "export", s.apiAuditExport)
	s.handle(http.MethodGet, "/api/v1/audit/access", "audit", "review", s.apiAuditAccess)

	// Live updates and operations (issue 8): a server-sent event stream per
	// version for open pages (live.go; the version itself is authorised in
	// the handler, so a draft stays 404 to members), and Prometheus metrics
	// for operators (metrics.go: admins, or a scraper with the token).
	s.handle(http.MethodGet, "/api/v1/versions/:id/live", "live", "read", s.apiVersionLive)
	s.handle(http.MethodGet, metricsRoute, "metrics", "read", s.metricsPage)
}
