package server_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"roundtable/models"
	"roundtable/models/storetest"
	"roundtable/policy"
)

// roles in the order of the expected-status columns.
var roles = []string{"anonymous", models.RoleAdmin, models.RoleSecretariat, models.RoleMember, models.RoleAuditor}

var accountOf = map[string]string{
	models.RoleAdmin:       "admin@example.org",
	models.RoleSecretariat: "secretariat@example.org",
	models.RoleMember:      "merchant1@example.org",
	models.RoleAuditor:     "auditor@example.org",
}

// expected is the status every role gets from every route when it sends an
// empty body (JSON "{}" or an empty form with the CSRF field). Allowed
// routes then answer with their own validation status, so the table pins
// both the authorization outcome and the handler's first reaction.
// Columns: anonymous, admin, secretariat, member, auditor.
var expected = map[string][5]int{
	"GET /healthz":          {200, 200, 200, 200, 200},
	"GET /readyz":           {200, 200, 200, 200, 200},
	"GET /static/*filepath": {200, 200, 200, 200, 200},
	"GET /lang/:code":       {303, 303, 303, 303, 303},

	"GET /login":          {200, 303, 303, 303, 303},
	"POST /login":         {422, 422, 422, 422, 422},
	"POST /logout":        {401, 303, 303, 303, 303},
	"POST /api/v1/login":  {422, 422, 422, 422, 422},
	"POST /api/v1/logout": {401, 204, 204, 204, 204},
	"GET /api/v1/me":      {401, 200, 200, 200, 200},
	"GET /":               {303, 200, 200, 200, 200},

	"GET /users":                        {303, 200, 403, 403, 403},
	"POST /users":                       {401, 422, 403, 403, 403},
	"GET /users/:id":                    {303, 200, 403, 403, 403},
	"POST /users/:id":                   {401, 422, 403, 403, 403},
	"POST /users/:id/password":          {401, 422, 403, 403, 403},
	"POST /users/:id/deactivate":        {401, 303, 403, 403, 403},
	"POST /users/:id/activate":          {401, 303, 403, 403, 403},
	"GET /api/v1/users":                 {401, 200, 403, 403, 403},
	"POST /api/v1/users":                {401, 422, 403, 403, 403},
	"GET /api/v1/users/:id":             {401, 200, 403, 403, 403},
	"PATCH /api/v1/users/:id":           {401, 200, 403, 403, 403},
	"POST /api/v1/users/:id/password":   {401, 422, 403, 403, 403},
	"POST /api/v1/users/:id/deactivate": {401, 200, 403, 403, 403},
	"POST /api/v1/users/:id/activate":   {401, 200, 403, 403, 403},

	// Deliberation. :id is a published version 1 for /versions, its
	// document for /documents, and a comment by another member (consumer2)
	// for /comments; the document also has a draft, so starting another is
	// a conflict.
	"GET /documents":                        {303, 200, 200, 200, 200},
	"POST /documents":                       {401, 403, 422, 403, 403},
	"GET /documents/:id":                    {303, 200, 200, 200, 200},
	"POST /documents/:id/versions":          {401, 403, 409, 403, 403},
	"GET /versions/:id":                     {303, 200, 200, 200, 200},
	"GET /versions/:id/clauses/:key":        {303, 200, 200, 200, 200},
	"GET /versions/:id/edit":                {303, 403, 409, 403, 403},
	"POST /versions/:id":                    {401, 403, 409, 403, 403},
	"POST /versions/:id/publish":            {401, 403, 409, 403, 403},
	"GET /versions/:id/diff":                {303, 400, 400, 400, 400},
	"GET /versions/:id/register":            {303, 200, 200, 200, 200},
	"GET /versions/:id/register/:format":    {303, 200, 200, 200, 200},
	"GET /api/v1/documents":                 {401, 200, 200, 200, 200},
	"POST /api/v1/documents":                {401, 403, 422, 403, 403},
	"GET /api/v1/documents/:id":             {401, 200, 200, 200, 200},
	"POST /api/v1/documents/:id/versions":   {401, 403, 409, 403, 403},
	"GET /api/v1/versions/:id":              {401, 200, 200, 200, 200},
	"PATCH /api/v1/versions/:id":            {401, 403, 409, 403, 403},
	"POST /api/v1/versions/:id/publish":     {401, 403, 409, 403, 403},
	"GET /api/v1/versions/:id/diff":         {401, 400, 400, 400, 400},
	"GET /api/v1/versions/:id/register":     {401, 200, 200, 200, 200},
	"POST /versions/:id/comments":           {401, 403, 403, 422, 403},
	"POST /comments/:id/edit":               {401, 403, 403, 403, 403},
	"POST /comments/:id/withdraw":           {401, 403, 403, 403, 403},
	"POST /comments/:id/disposition":        {401, 403, 422, 403, 403},
	"GET /api/v1/versions/:id/comments":     {401, 200, 200, 200, 200},
	"POST /api/v1/versions/:id/comments":    {401, 403, 403, 422, 403},
	"PATCH /api/v1/comments/:id":            {401, 403, 403, 403, 403},
	"POST /api/v1/comments/:id/withdraw":    {401, 403, 403, 403, 403},
	"POST /api/v1/comments/:id/disposition": {401, 403, 422, 403, 403},
	// Ballots. :id is an open ballot on the fixture's version 1; each close
	// route closes a ballot of its own, so rows do not depend on order.
	"GET /ballots":                      {303, 200, 200, 200, 200},
	"GET /ballots/:id":                  {303, 200, 200, 200, 200},
	"POST /versions/:id/ballots":        {401, 403, 422, 403, 403},
	"POST /ballots/:id/vote":            {401, 403, 403, 422, 403},
	"POST /ballots/:id/close":           {401, 403, 303, 403, 403},
	"POST /ballots/:id/deadline":        {401, 403, 422, 403, 403},
	"GET /ballots/:id/export/:format":   {303, 200, 200, 200, 200},
	"GET /api/v1/ballots":               {401, 200, 200, 200, 200},
	"POST /api/v1/versions/:id/ballots": {401, 403, 422, 403, 403},
	"GET /api/v1/ballots/:id":           {401, 200, 200, 200, 200},
	"PATCH /api/v1/ballots/:id":         {401, 403, 200, 403, 403},
	"PUT /api/v1/ballots/:id/vote":      {401, 403, 403, 422, 403},
	"POST /api/v1/ballots/:id/close":    {401, 403, 200, 403, 403},
	"GET /api/v1/ballots/:id/votes":     {401, 200, 200, 200, 200},

	// Impact and rules. The fixture has no imported data yet (409
	// no_snapshot from the API; the page explains it), and version 1 is
	// published, so its rules are frozen (409).
	"GET /versions/:id/impact":        {303, 403, 200, 200, 200},
	"GET /api/v1/versions/:id/impact": {401, 403, 409, 409, 409},
	"GET /versions/:id/rules":         {303, 403, 409, 403, 403},
	"POST /versions/:id/rules":        {401, 403, 409, 403, 403},

	"POST /feed/seen":        {401, 303, 303, 303, 303},
	"GET /api/v1/feed":       {401, 200, 200, 200, 200},
	"POST /api/v1/feed/seen": {401, 204, 204, 204, 204},

	// Damage reports and statistics. The matrix server has no data key, so
	// the secretariat's imports and raw views answer 503 no_data_key (the
	// configured behaviour is in reports_test.go); no import exists yet, so
	// :id is unknown (404), and a table asked for without rows is 400.
	"GET /reports/import":            {303, 403, 200, 403, 403},
	"POST /reports/import":           {401, 403, 503, 403, 403},
	"GET /reports/import/:id":        {303, 403, 404, 403, 403},
	"GET /reports":                   {303, 403, 200, 403, 403},
	"POST /reports/search":           {401, 403, 503, 403, 403},
	"POST /reports/export":           {401, 403, 503, 403, 403},
	"GET /reports/:id":               {303, 403, 503, 403, 403},
	"POST /api/v1/reports/import":    {401, 403, 503, 403, 403},
	"GET /api/v1/reports/import/:id": {401, 403, 404, 403, 403},
	"POST /api/v1/reports/search":    {401, 403, 503, 403, 403},
	"GET /api/v1/reports/:id":        {401, 403, 503, 403, 403},
	"GET /stats":                     {303, 403, 200, 200, 200},
	"GET /stats/table":               {303, 403, 400, 400, 400},
	"GET /stats/table/:format":       {303, 403, 400, 400, 400},
	"GET /api/v1/stats":              {401, 403, 200, 200, 200},
	"GET /api/v1/stats/dimensions":   {401, 403, 200, 200, 200},
	"GET /api/v1/stats/table":        {401, 403, 400, 400, 400},

	"GET /audit":                    {303, 403, 200, 403, 200},
	"GET /api/v1/audit/events":      {401, 403, 200, 403, 200},
	"GET /api/v1/audit/verify":      {401, 403, 403, 403, 200},
	"GET /api/v1/audit/checkpoints": {401, 403, 200, 403, 200},
	"GET /api/v1/audit/public-key":  {200, 200, 200, 200, 200},
	// Issue 6: :type/:id is the published version 1; :size is "latest".
	"GET /audit/objects/:type/:id":         {303, 403, 200, 403, 200},
	"GET /versions/:id/record":             {303, 403, 200, 403, 200},
	"GET /audit/export":                    {303, 403, 403, 403, 200},
	"GET /audit/access":                    {303, 403, 403, 403, 200},
	"GET /audit/access/export":             {303, 403, 403, 403, 200},
	"GET /api/v1/audit/objects/:type/:id":  {401, 403, 200, 403, 200},
	"GET /api/v1/audit/checkpoints/:size":  {401, 403, 200, 403, 200},
	"GET /api/v1/audit/proofs/inclusion":   {401, 403, 403, 403, 400},
	"GET /api/v1/audit/proofs/consistency": {401, 403, 403, 403, 400},
	"GET /api/v1/audit/export":             {401, 403, 403, 403, 200},
	"GET /api/v1/audit/access":             {401, 403, 403, 403, 200},

	// Issue 8. The live stream answers 400 to a request that does not ask
	// for text/event-stream (the streaming itself is in live_test.go);
	// /metrics is an admin's, or a scraper's with the token (metrics_test.go).
	"GET /api/v1/versions/:id/live": {401, 400, 400, 400, 400},
	"GET /metrics":                  {401, 200, 403, 403, 403},
}

// fixtureIDs are the objects the matrix addresses, by path prefix.
type fixtureIDs struct {
	user, document, version, comment string
	ballot, closeAPI, closeForm      string
}

// concrete fills a route pattern's parameters with real values.
func concrete(pattern string, ids fixtureIDs) string {
	id := ids.user
	switch {
	case strings.HasPrefix(pattern, "/api/v1/ballots/") && strings.HasSuffix(pattern, "/close"):
		id = ids.closeAPI
	case strings.HasPrefix(pattern, "/ballots/") && strings.HasSuffix(pattern, "/close"):
		id = ids.closeForm
	case strings.Contains(pattern, "/ballots/"):
		id = ids.ballot
	case strings.Contains(pattern, "/documents/"):
		id = ids.document
	case strings.Contains(pattern, "/audit/objects/"):
		id = ids.version
	case strings.Contains(pattern, "/versions/"):
		id = ids.version
	case strings.Contains(pattern, "/comments/"):
		id = ids.comment
	}
	r := strings.NewReplacer(":id", id, "*filepath", "app.css", ":code", "en", ":format", "csv", ":type", "version", ":size", "latest", ":key", "2.1")
	return r.Replace(pattern)
}

func TestEveryRouteIsInTheTableAndThePolicy(t *testing.T) {
	e := newEnv(t, models.SQLite)
	authz, _ := policy.New()
	allowed := map[string]bool{}
	for _, r := range authz.Rules() {
		allowed[r[1]+" "+r[2]] = true
	}
	registered := map[string]bool{}
	for _, r := range e.srv.Engine().Routes() {
		key := r.Method + " " + r.Path
		registered[key] = true
		if _, ok := expected[key]; !ok {
			t.Errorf("route %s is not in the route × role table", key)
		}
		perm, ok := e.srv.Routes()[key]
		if !ok {
			t.Errorf("route %s was registered without a policy question", key)
			continue
		}
		if !allowed[perm.Kind+" "+perm.Action] {
			t.Errorf("route %s asks (%s, %s), which no policy rule allows: it is unreachable", key, perm.Kind, perm.Action)
		}
	}
	for key := range expected {
		if !registered[key] {
			t.Errorf("table row %s has no route", key)
		}
	}
}

func TestRouteRoleMatrix(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, d)
			admin := e.login("admin@example.org")
			target := admin.json("POST", "/api/v1/users", map[string]string{"email": "target@example.org", "name": "대상 계정",
				"role": "member", "group": "consumer", "organisation": "한국소비자연맹", "password": "target-password"})
			if target.status != http.StatusCreated {
				t.Fatalf("create target: %d %s", target.status, target.body)
			}
			ids := fixtureIDs{user: idOf(target, "user")}
			sec, docID, v1 := publishedDoc(t, e)
			ids.document, ids.version = docID, v1
			ids.comment = idOf(e.login("consumer2@example.org").json("POST", "/api/v1/versions/"+v1+"/comments", map[string]string{"body": "다른 위원의 의견", "clause_key": "2.1"}), "comment")
			openBallot := func(versionID string) string {
				r := sec.json("POST", "/api/v1/versions/"+versionID+"/ballots", map[string]any{"question": "채택할까요?", "closes_at": time.Now().Add(24 * time.Hour)})
				if r.status != http.StatusCreated {
					t.Fatalf("open ballot: %d %s", r.status, r.body)
				}
				return idOf(r, "ballot")
			}
			ids.ballot = openBallot(v1)
			_, _, other1 := publishedDoc(t, e)
			_, _, other2 := publishedDoc(t, e)
			ids.closeAPI, ids.closeForm = openBallot(other1), openBallot(other2)
			if r := sec.json("POST", "/api/v1/documents/"+docID+"/versions", map[string]any{"summary": "초안", "based_on_version_id": mustInt(v1)}); r.status != http.StatusCreated {
				t.Fatalf("draft: %d %s", r.status, r.body)
			}
			keys := make([]string, 0, len(expected))
			for k := range expected {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, key := range keys {
				method, pattern, _ := strings.Cut(key, " ")
				path := concrete(pattern, ids)
				for i, role := range roles {
					// A fresh session per request: some routes end sessions.
					c := e.anon()
					if role != "anonymous" {
						c = e.login(accountOf[role])
					}
					var r resp
					switch {
					case method == http.MethodGet:
						r = c.get(path)
					case strings.HasPrefix(path, "/api/"):
						r = c.json(method, path, map[string]any{})
					default:
						r = c.form(path, nil)
					}
					if want := expected[key][i]; r.status != want {
						t.Errorf("%s %s as %s: status %d, want %d (%.120s)", method, path, role, r.status, want, r.body)
					}
				}
			}
		})
	}
}
