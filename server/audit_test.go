package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"roundtable/models"
	"roundtable/models/auditlog"
)

func TestAuditVerifyAfterLoginsAndAfterTampering(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		auditor := e.login("auditor@example.org")
		e.anon().json("POST", "/api/v1/login", map[string]string{"email": "merchant1@example.org", "password": "wrong-password"})
		e.login("consumer1@example.org")
		v := auditor.get("/api/v1/audit/verify")
		if v.status != 200 || v.obj()["ok"] != true || v.obj()["first_bad_seq"] != nil {
			t.Fatalf("verify: %d %s", v.status, v.body)
		}
		count := v.obj()["count"].(float64)
		evs := auditor.get("/api/v1/audit/events?action=session.login_failed")
		if !strings.Contains(evs.body, `"reason":"wrong_password"`) || !strings.Contains(evs.body, `"prev_hash"`) {
			t.Fatalf("failed login not in history: %s", evs.body)
		}
		// Someone with database access edits event 5 behind the app's back.
		drop := []string{"DROP TRIGGER audit_events_no_update"}
		if e.st.Dialect() == models.Postgres {
			drop = []string{"DROP TRIGGER audit_events_append_only ON audit_events"}
		}
		for _, q := range append(drop, "UPDATE audit_events SET action = 'user.deactivate' WHERE seq = 5") {
			if err := e.st.DB().WithContext(context.Background()).Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
		v = auditor.get("/api/v1/audit/verify")
		if v.obj()["ok"] != false || v.obj()["first_bad_seq"] != float64(5) || v.obj()["count"] != count {
			t.Fatalf("verify after tampering: %s", v.body)
		}
		if page := auditor.get("/audit"); !strings.Contains(page.body, "처음으로 어긋난 기록은 5번") {
			t.Fatalf("the auditor page does not say which record is bad")
		}
	})
}

func TestAuditEventsPaging(t *testing.T) {
	e := newEnv(t, "sqlite")
	sec := e.login("secretariat@example.org")
	var seqs []float64
	after := ""
	for page := 0; page < 10; page++ {
		r := sec.get("/api/v1/audit/events?limit=4" + after)
		if r.status != 200 {
			t.Fatalf("page %d: %d %s", page, r.status, r.body)
		}
		evs := r.obj()["events"].([]any)
		if len(evs) == 0 {
			if r.obj()["next_after"] != nil {
				t.Fatalf("empty page with next_after %v", r.obj()["next_after"])
			}
			break
		}
		for _, ev := range evs {
			seqs = append(seqs, ev.(map[string]any)["seq"].(float64))
		}
		after = "&after=" + strings.TrimSuffix(strings.TrimSuffix(strings.SplitN(r.body, `"next_after":`, 2)[1], "}"), "\n")
	}
	for i, s := range seqs {
		if s != float64(i+1) {
			t.Fatalf("paged seqs %v are not 1..n", seqs)
		}
	}
	for _, q := range []string{"limit=-1", "limit=abc", "after=x", "limit=100000", "actor_id=1%3BDROP"} {
		if r := sec.get("/api/v1/audit/events?" + q); r.status != http.StatusBadRequest {
			t.Errorf("%s: %d", q, r.status)
		}
	}
}

func TestCheckpointsAndPublicKey(t *testing.T) {
	e := newEnv(t, "sqlite")
	key := e.anon().get("/api/v1/audit/public-key")
	if key.status != 200 || strings.TrimSpace(key.body) != e.st.VerifierKey() {
		t.Fatalf("public key: %d %q", key.status, key.body)
	}
	r := e.login("auditor@example.org").get("/api/v1/audit/checkpoints")
	cps := r.obj()["checkpoints"].([]any)
	if len(cps) == 0 {
		t.Fatal("no checkpoints after seeding")
	}
	note := cps[0].(map[string]any)["note"].(string)
	cp, err := auditlog.OpenCheckpoint([]byte(note), strings.TrimSpace(key.body))
	if err != nil || cp.Size == 0 {
		t.Fatalf("checkpoint does not verify with the published key: %v", err)
	}
}

func TestDeniedAttemptsAreRecorded(t *testing.T) {
	e := newEnv(t, "sqlite")
	member := e.login("merchant2@example.org")
	if r := member.get("/api/v1/users"); r.status != http.StatusForbidden {
		t.Fatalf("member listing users: %d", r.status)
	}
	r := e.login("auditor@example.org").get("/api/v1/audit/events?action=access.denied")
	if !strings.Contains(r.body, `"route":"/api/v1/users"`) || !strings.Contains(r.body, `"role":"member"`) {
		t.Fatalf("denial not recorded: %s", r.body)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t, "sqlite")
	if r := e.anon().get("/healthz"); r.status != 200 || r.obj()["status"] != "ok" {
		t.Fatalf("healthz: %d %s", r.status, r.body)
	}
	if r := e.anon().get("/readyz"); r.status != 200 {
		t.Fatalf("readyz: %d", r.status)
	}
	_ = e.st.Close()
	if r := e.anon().get("/readyz"); r.status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database closed: %d %s", r.status, r.body)
	}
}
