package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"roundtable/models"
	"roundtable/models/auditlog"
	"roundtable/models/storetest"
	"roundtable/policy"
	"roundtable/server"
)

// runAudit runs the CLI in-process and returns its exit status and output.
func runAudit(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"audit"}, args...), strings.NewReader(""), &out, &errOut)
	var ex exitError
	switch {
	case err == nil:
		return 0, out.String() + errOut.String()
	case errors.As(err, &ex):
		return int(ex), out.String() + errOut.String()
	default:
		return -1, out.String() + errOut.String() + "error: " + err.Error()
	}
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// fixture is a demo history exported to files, as an auditor downloads it.
type fixture struct {
	dir, export, key, held, otherKey, secret string
	st                                       *models.Store
	body                                     []byte
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := storetest.Demo(t, models.SQLite)
	ctx := context.Background()
	f := &fixture{dir: t.TempDir(), st: st}
	var buf bytes.Buffer
	if _, err := st.ExportAudit(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	f.body = buf.Bytes()
	f.export = writeFile(t, f.dir, "history.ndjson", f.body)
	f.key = writeFile(t, f.dir, "server.pub", []byte(st.VerifierKey()+"\n"))
	cp, err := st.LatestCheckpoint(ctx)
	if err != nil || cp == nil {
		t.Fatalf("latest checkpoint: %v", err)
	}
	f.held = writeFile(t, f.dir, "kept.note", []byte(cp.Note))
	skey, vkey := storetest.SigningKey(t)
	f.otherKey, f.secret = vkey, skey
	return f
}

func TestAuditVerifyCommand(t *testing.T) {
	f := newFixture(t)
	var line3 string
	for _, l := range strings.Split(string(f.body), "\n") {
		if strings.HasPrefix(l, `{"kind":"event","seq":3,`) {
			line3 = l
		}
	}
	if !strings.Contains(line3, `"role":"admin"`) {
		t.Fatalf("seq 3 is not the admin's account: %q", line3)
	}
	edited := strings.Replace(string(f.body), line3, strings.Replace(line3, `"role":"admin"`, `"role":"member"`, 1), 1)
	lines := strings.SplitAfter(string(f.body), "\n")
	cut := strings.Join(lines[:10], "") + lines[10][:len(lines[10])/2]
	cases := []struct {
		name     string
		args     []string
		status   int
		mentions []string
	}{
		{"intact", []string{"verify", f.export, "--key", f.key, "--checkpoint", f.held}, 0, []string{"OK: the history is intact.", "checked against 1 checkpoint(s) you kept"}},
		{"flags before the file, key given as text", []string{"verify", "--key", f.st.VerifierKey(), f.export}, 0, []string{"OK", "no kept checkpoint given"}},
		{"no key: the header's is used and named", []string{"verify", f.export}, 0, []string{"the key named in the export itself", auditlog.KeyFingerprint(f.st.VerifierKey())}},
		{"an edited event is named", []string{"verify", writeFile(t, f.dir, "edited.ndjson", []byte(edited)), "--key", f.key, "--checkpoint", f.held}, 1, []string{"TAMPERED: the first bad event is seq 3."}},
		{"cut in the middle of a line", []string{"verify", writeFile(t, f.dir, "cut.ndjson", []byte(cut)), "--key", f.key, "--checkpoint", f.held}, 1, []string{"malformed", "truncated"}},
		{"empty file", []string{"verify", writeFile(t, f.dir, "empty.ndjson", nil), "--key", f.key}, 1, []string{"the export is empty"}},
		{"not an export", []string{"verify", writeFile(t, f.dir, "junk.ndjson", []byte("\x00\x01PK\x03\x04 garbage\n")), "--key", f.key}, 1, []string{"malformed"}},
		{"another key", []string{"verify", f.export, "--key", f.otherKey}, 1, []string{"is not the trusted key", "NOT VERIFIED"}},
		{"a secret key is refused", []string{"verify", f.export, "--key", f.secret}, -1, []string{"secret signing key"}},
		{"missing file", []string{"verify", filepath.Join(f.dir, "nope.ndjson"), "--key", f.key}, -1, []string{"opening the export"}},
		{"missing checkpoint file", []string{"verify", f.export, "--checkpoint", filepath.Join(f.dir, "nope.note")}, -1, []string{"reading checkpoint"}},
		{"no file", []string{"verify", "--key", f.key}, 2, []string{"give exactly one FILE"}},
		{"two files", []string{"verify", f.export, f.export}, 2, []string{"give exactly one FILE"}},
		{"unknown command", []string{"explain"}, 2, []string{"unknown audit command"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out := runAudit(t, tc.args...)
			if status != tc.status {
				t.Errorf("exit status %d, want %d\n%s", status, tc.status, out)
			}
			for _, m := range tc.mentions {
				if !strings.Contains(out, m) {
					t.Errorf("output lacks %q:\n%s", m, out)
				}
			}
		})
	}
	status, out := runAudit(t, "verify", "--json", f.export, "--key", f.key)
	var rep auditlog.Report
	if status != 0 || json.Unmarshal([]byte(out), &rep) != nil || !rep.OK || rep.Count == 0 {
		t.Errorf("--json: %d %s", status, out)
	}
}

func TestAuditCheckProofCommand(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.st.ProveInclusion(ctx, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	line, err := auditlog.MarshalEvent(p.Event.ExportEvent())
	if err != nil {
		t.Fatal(err)
	}
	incl, _ := json.Marshal(auditlog.InclusionBundle{Kind: auditlog.BundleInclusion, Proof: p.Proof, Event: line,
		Checkpoint: auditlog.CheckpointJSON{Size: p.Checkpoint.Size, Root: p.Checkpoint.Root, Note: p.Checkpoint.Note}})
	cps, _ := f.st.Checkpoints(ctx)
	c, err := f.st.ProveConsistency(ctx, cps[0].Size, 0)
	if err != nil {
		t.Fatal(err)
	}
	cons, _ := json.Marshal(auditlog.ConsistencyBundle{Kind: auditlog.BundleConsistency, Proof: c.Proof,
		Old: auditlog.CheckpointJSON{Size: c.Old.Size, Note: c.Old.Note}, New: auditlog.CheckpointJSON{Size: c.New.Size, Note: c.New.Note}})
	forged := bytes.Replace(incl, []byte(`"object_id":2`), []byte(`"object_id":7`), 1)
	if bytes.Equal(forged, incl) {
		t.Fatalf("seq 4 is not about object 2: %s", line)
	}
	cases := []struct {
		name     string
		args     []string
		status   int
		mentions string
	}{
		{"inclusion", []string{"check-proof", writeFile(t, f.dir, "incl.json", incl), "--key", f.key}, 0, "OK: event 4 (user.create user #2"},
		{"inclusion against a kept checkpoint", []string{"check-proof", writeFile(t, f.dir, "incl2.json", incl), "--key", f.key, "--checkpoint", f.held}, 0, "checkpoint(s) you kept"},
		{"consistency", []string{"check-proof", writeFile(t, f.dir, "cons.json", cons), "--key", f.key}, 0, fmt.Sprintf("extends the log of %d events", cps[0].Size)},
		{"forged event", []string{"check-proof", writeFile(t, f.dir, "forged.json", forged), "--key", f.key}, 1, "FAILED"},
		{"another key", []string{"check-proof", writeFile(t, f.dir, "incl3.json", incl), "--key", f.otherKey}, 1, "not signed by"},
		{"truncated proof", []string{"check-proof", writeFile(t, f.dir, "half.json", incl[:len(incl)/2]), "--key", f.key}, 1, "not a proof"},
		{"no key", []string{"check-proof", writeFile(t, f.dir, "incl4.json", incl)}, 2, "needs --key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out := runAudit(t, tc.args...)
			if status != tc.status || !strings.Contains(out, tc.mentions) {
				t.Errorf("exit %d (want %d), output:\n%s\nwant it to mention %q", status, tc.status, out, tc.mentions)
			}
		})
	}
}

// browserless is a cookie-jar client that talks to the server as an
// auditor's browser or script does.
type browserless struct {
	t    *testing.T
	base string
	hc   *http.Client
	csrf string
}

func signIn(t *testing.T, base, email string) *browserless {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browserless{t: t, base: base, hc: &http.Client{Jar: jar}}
	body, _ := json.Marshal(map[string]string{"email": email, "password": models.DemoPassword})
	status, out := b.do("POST", "/api/v1/login", body)
	if status != 200 {
		t.Fatalf("sign in %s: %d %s", email, status, out)
	}
	var r struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.Unmarshal(out, &r)
	b.csrf = r.CSRF
	return b
}

func (b *browserless) do(method, path string, body []byte) (int, []byte) {
	b.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, b.base+path, bytes.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.csrf != "" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	res, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

func (b *browserless) get(path string) []byte {
	b.t.Helper()
	status, out := b.do("GET", path, nil)
	if status != 200 {
		b.t.Fatalf("GET %s: %d %s", path, status, out)
	}
	return out
}

func (b *browserless) send(method, path string, v any) []byte {
	b.t.Helper()
	body, _ := json.Marshal(v)
	status, out := b.do(method, path, body)
	if status >= 300 {
		b.t.Fatalf("%s %s: %d %s", method, path, status, out)
	}
	return out
}

// TestAuditorJourney is the "done": an auditor signs in, reads the
// timeline, opens the history of the adopted version, downloads the export
// and verifies it offline; then someone edits the database file by hand,
// and the command names the exact event.
func TestAuditorJourney(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "roundtable.db")
	skey, _ := storetest.SigningKey(t)
	signer, vkey, err := auditlog.SignerFromKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	st, err := models.Open(ctx, dbPath, models.Options{Signer: signer, VerifierKey: vkey, Password: storetest.FastPasswords, Logger: storetest.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	authz, err := policy.New()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(st, authz, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Config{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	// The council adopts version 2 of the demo criteria: the demo's open
	// ballot gets the votes it lacks, one member changes their mind, and
	// the secretariat closes it.
	sec := signIn(t, ts.URL, "secretariat@example.org")
	var list struct {
		Ballots []struct {
			ID        int64  `json:"id"`
			VersionID int64  `json:"version_id"`
			Status    string `json:"status"`
		} `json:"ballots"`
	}
	if err := json.Unmarshal(sec.get("/api/v1/ballots"), &list); err != nil {
		t.Fatal(err)
	}
	ballot := ""
	for _, b := range list.Ballots {
		if b.VersionID == 2 && b.Status == "open" {
			ballot = fmt.Sprintf("/api/v1/ballots/%d", b.ID)
		}
	}
	if ballot == "" {
		t.Fatalf("no open ballot on version 2: %+v", list)
	}
	for _, m := range []string{"merchant2@example.org", "consumer2@example.org", "consumer1@example.org"} {
		signIn(t, ts.URL, m).send("PUT", ballot+"/vote", map[string]string{"choice": "approve"})
	}
	var closed struct {
		Ballot struct{ Result string } `json:"ballot"`
	}
	if err := json.Unmarshal(sec.send("POST", ballot+"/close", nil), &closed); err != nil || closed.Ballot.Result != "adopted" {
		t.Fatalf("close: %+v %v", closed, err)
	}

	aud := signIn(t, ts.URL, "auditor@example.org")
	timeline := string(aud.get("/audit"))
	if !strings.Contains(timeline, "투표 결과 «무료 서비스 피해 지원 기준안» 제2판이(가) 채택되었습니다.") {
		t.Fatalf("the timeline does not say the version was adopted")
	}
	history := string(aud.get("/audit/objects/version/2"))
	for _, want := range []string{"초안을 시작했습니다", "제2판을(를) 공개했습니다", "의견을 남겼습니다", "투표를 열었습니다", "‘찬성’에 투표했습니다", "결과: 채택"} {
		if !strings.Contains(history, want) {
			t.Errorf("the version's history lacks %q", want)
		}
	}
	export := writeFile(t, dir, "history.ndjson", aud.get("/api/v1/audit/export"))
	key := writeFile(t, dir, "server.pub", aud.get("/api/v1/audit/public-key"))
	kept := writeFile(t, dir, "kept.note", aud.get("/api/v1/audit/checkpoints/latest"))
	if status, out := runAudit(t, "verify", export, "--key", key, "--checkpoint", kept); status != 0 {
		t.Fatalf("the fresh export does not verify (%d):\n%s", status, out)
	}

	// Someone opens the database file and changes a vote.
	var votes []struct{ Seq int64 }
	if err := json.Unmarshal(extract(t, aud.get("/api/v1/audit/events?action=ballot.vote"), "events"), &votes); err != nil || len(votes) < 3 {
		t.Fatalf("votes: %v %v", votes, err)
	}
	victim := votes[len(votes)-1].Seq // consumer1's change of mind
	db, err := sql.Open("sqlite3", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("DROP TRIGGER audit_events_no_update"); err != nil {
		t.Fatal(err)
	}
	res, err := db.Exec(`UPDATE audit_events SET data = replace(data, '"choice":"approve"', '"choice":"reject"') WHERE seq = ? AND data LIKE '%"choice":"approve"%'`, victim)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("edit seq %d: %d rows", victim, n)
	}

	again := writeFile(t, dir, "history-2.ndjson", aud.get("/api/v1/audit/export"))
	status, out := runAudit(t, "verify", again, "--key", key, "--checkpoint", kept)
	if status != 1 || !strings.Contains(out, fmt.Sprintf("TAMPERED: the first bad event is seq %d.", victim)) {
		t.Fatalf("the edit is not named (exit %d):\n%s", status, out)
	}
	if page := string(aud.get("/audit")); !strings.Contains(page, fmt.Sprintf("처음으로 어긋난 기록은 %d번", victim)) {
		t.Errorf("the auditor's page does not name seq %d", victim)
	}
}

func extract(t *testing.T, body []byte, key string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m[key]
}
