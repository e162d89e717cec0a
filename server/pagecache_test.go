package server_test

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"roundtable/models"
	"roundtable/models/storetest"
	"roundtable/server"
)

// sharedAndLive is two servers on one database: one serving version pages
// from shared copies (the default), one rendering every page afresh. The
// clock stands still so the ballot form's default deadline is the same on
// both.
func sharedAndLive(t *testing.T, d models.Dialect) (shared, live *env) {
	t.Helper()
	now := time.Now()
	st := storetest.Open(t, d, storetest.Options{Now: func() time.Time { return now }})
	if err := st.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	return newEnvWith(t, st, server.Config{Demo: true}), newEnvWith(t, st, server.Config{Demo: true, PageCacheBytes: -1})
}

// twin is a client of live signed in with c's session and language.
func twin(c *client, live *env) *client {
	c.e.t.Helper()
	from, _ := url.Parse(c.e.ts.URL)
	to, _ := url.Parse(live.ts.URL)
	t := live.anon()
	t.hc.Jar.SetCookies(to, c.hc.Jar.Cookies(from))
	t.csrf = c.csrf
	return t
}

func setLang(c *client, lang string) {
	u, _ := url.Parse(c.e.ts.URL)
	c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "rt_lang", Value: lang, Path: "/"}})
}

var slotMarker = regexp.MustCompile(`rtslot[0-9a-f]{32}`)

// A shared copy completed for a viewer is byte for byte the page rendered
// for them alone: every demo role and group, both languages, every version
// (drafts included where they are visible), before and after the copy is
// kept.
func TestSharedVersionPageIsTheLivePage(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			shared, live := sharedAndLive(t, d)
			docs, err := shared.st.Documents(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, doc := range docs {
				for _, v := range doc.Versions {
					paths = append(paths, "/versions/"+strconv.FormatInt(v.ID, 10))
				}
			}
			if len(paths) < 3 {
				t.Fatalf("demo has %d versions, want at least 3", len(paths))
			}
			editForms := 0
			for _, a := range models.DemoAccounts {
				c := shared.login(a.Email)
				lc := twin(c, live)
				for _, lang := range []string{"ko", "en"} {
					setLang(c, lang)
					setLang(lc, lang)
					for _, p := range paths {
						want := lc.get(p)
						// Built, then kept; then the compressed page built
						// and kept for this viewer; then uncompressed.
						for round, enc := range []string{"gzip", "gzip", "", "identity"} {
							got := getEncoded(c, p, enc)
							if enc != "identity" && got.status == http.StatusOK { // "" is gzip too, asked for by the transport
								got.body = unmaskTokens(t, c, got.body)
							}
							if got.status != want.status {
								t.Fatalf("%s %s %s: shared %d, live %d", a.Email, lang, p, got.status, want.status)
							}
							if got.body != want.body {
								t.Fatalf("%s %s %s round %d: shared page differs from the live one at byte %d",
									a.Email, lang, p, round, firstDiff(got.body, want.body))
							}
							if slotMarker.MatchString(got.body) {
								t.Fatalf("%s %s: a slot marker reached the page", a.Email, p)
							}
						}
						if want.status == http.StatusOK && strings.Contains(want.body, `/edit" class="stack"`) {
							editForms++
						}
					}
				}
			}
			// The comparison above must have covered the per-viewer parts.
			if editForms == 0 {
				t.Fatal("no page had an edit form under the viewer's own comment")
			}
		})
	}
}

// getEncoded asks for path with the given Accept-Encoding ("" leaves the
// header to the transport, which asks for gzip and decompresses) and
// returns the body as the browser would show it, checking that gzip was
// used exactly when asked for.
func getEncoded(c *client, path, enc string) resp {
	c.e.t.Helper()
	req := c.request("GET", path, nil, "")
	if enc != "" {
		req.Header.Set("Accept-Encoding", enc)
	}
	r := c.do(req)
	if r.status != http.StatusOK {
		return r
	}
	if got := r.header.Get("Content-Encoding"); (enc == "gzip") != (got == "gzip") {
		c.e.t.Fatalf("%s with Accept-Encoding %q: Content-Encoding %q", path, enc, got)
	}
	if enc == "gzip" {
		zr, err := gzip.NewReader(strings.NewReader(r.body))
		if err != nil {
			c.e.t.Fatalf("%s: not gzip: %v", path, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			c.e.t.Fatalf("%s: broken gzip: %v", path, err)
		}
		r.body = string(b)
	}
	return r
}

var maskedToken = regexp.MustCompile(`m\.[A-Za-z0-9_-]{86}`)

// unmaskTokens checks that a compressed page carries the CSRF token only
// masked, that every masked copy is accepted for c's session and that the
// page carries one pad only; it returns the page with the session's token
// in their place, for comparison with an uncompressed render.
func unmaskTokens(t *testing.T, c *client, body string) string {
	t.Helper()
	if c.csrf != "" && strings.Contains(body, c.csrf) {
		t.Fatal("a compressed page carries the CSRF token unmasked")
	}
	masks := maskedToken.FindAllString(body, -1)
	if len(masks) == 0 {
		return body
	}
	u, _ := url.Parse(c.e.ts.URL)
	var token string
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "rt_session" {
			token = ck.Value
		}
	}
	se, _, err := c.e.st.SessionByToken(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range masks {
		if m != masks[0] {
			t.Fatal("one compressed page carries two different pads")
		}
	}
	if !se.CheckCSRF(masks[0]) {
		t.Fatalf("masked token %q is not accepted for its session", masks[0])
	}
	return strings.ReplaceAll(body, masks[0], se.CSRFToken)
}

func firstDiff(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Every kind of change shows on the next read, on both engines: a comment,
// an answer, a ballot opened and a member renamed.
func TestSharedVersionPageFollowsChanges(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		sec, _, vid := publishedDoc(t, e)
		reader := e.login("consumer2@example.org")
		writer := e.login("merchant1@example.org")
		admin := e.login("admin@example.org")
		path := "/versions/" + vid
		if r := reader.get(path); r.status != http.StatusOK {
			t.Fatalf("version page: %d", r.status)
		}
		cid := idOf(writer.json("POST", "/api/v1/versions/"+vid+"/comments", map[string]string{"body": "공유 사본 갱신 확인 의견", "clause_key": "1"}), "comment")
		if !strings.Contains(reader.get(path).body, "공유 사본 갱신 확인 의견") {
			t.Fatal("a new comment is missing from the next read")
		}
		if !strings.Contains(writer.get(path).body, `action="/comments/`+cid+`/edit"`) {
			t.Fatal("the author does not get the edit form under their new comment")
		}
		if strings.Contains(reader.get(path).body, `action="/comments/`+cid+`/edit"`) {
			t.Fatal("another member got the edit form of someone else's comment")
		}
		r := sec.json("POST", "/api/v1/comments/"+cid+"/disposition", map[string]string{"status": "accepted", "response": "공유 사본 답변 확인"})
		if r.status != http.StatusOK {
			t.Fatalf("answer: %d %s", r.status, r.body)
		}
		if !strings.Contains(reader.get(path).body, "공유 사본 답변 확인") {
			t.Fatal("an answer is missing from the next read")
		}
		r = openBallotAPI(t, sec, vid, map[string]any{"question": "공유 사본 표결 확인?"})
		if r.status != http.StatusCreated {
			t.Fatalf("open ballot: %d %s", r.status, r.body)
		}
		if !strings.Contains(reader.get(path).body, "공유 사본 표결 확인?") {
			t.Fatal("a new ballot is missing from the next read")
		}
		// A form on the compressed page posts with the masked token it
		// carries, as a browser does.
		page := getEncoded(reader, path, "gzip")
		masked := maskedToken.FindString(page.body)
		if masked == "" {
			t.Fatal("the compressed page has no masked token")
		}
		r = reader.form("/versions/"+vid+"/comments", url.Values{"csrf_token": {masked}, "body": {"가려진 토큰으로 보낸 의견"}, "clause_key": {"1"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("form with the masked token: %d %s", r.status, r.body)
		}
		if !strings.Contains(reader.get(path).body, "가려진 토큰으로 보낸 의견") {
			t.Fatal("the comment sent with a masked token is missing")
		}
		uid := strconv.FormatInt(int64(writer.user["id"].(float64)), 10)
		r = admin.json("PATCH", "/api/v1/users/"+uid, map[string]string{"name": "김민수(개명)"})
		if r.status != http.StatusOK {
			t.Fatalf("rename: %d %s", r.status, r.body)
		}
		if !strings.Contains(reader.get(path).body, "김민수(개명)") {
			t.Fatal("a renamed author shows the old name")
		}
	})
}
