package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAdminManagesAccountsThroughPages(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := e.login("admin@example.org")
		bad := admin.form("/users", url.Values{"email": {"new@example.org"}, "name": {"새 위원"}, "role": {"member"}, "group": {""}, "organisation": {"코리아스타트업포럼"}, "password": {"long-enough-pw"}})
		if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "위원에게는 그룹이 필요") || !strings.Contains(bad.body, `value="new@example.org"`) {
			t.Fatalf("member without group: %d", bad.status)
		}
		r := admin.form("/users", url.Values{"email": {"new@example.org"}, "name": {"새 위원"}, "role": {"member"}, "group": {"startup"}, "organisation": {"코리아스타트업포럼"}, "password": {"long-enough-pw"}})
		loc := r.header.Get("Location")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/users/") {
			t.Fatalf("create: %d %q", r.status, loc)
		}
		page := admin.get(loc)
		if !strings.Contains(page.body, "계정을 만들었습니다.") || !strings.Contains(page.body, "새 위원") {
			t.Fatalf("account page after create lacks the confirmation")
		}
		if again := admin.get(loc); strings.Contains(again.body, "계정을 만들었습니다.") {
			t.Error("the confirmation shows twice")
		}
		member := e.loginWith("new@example.org", "long-enough-pw")
		if home := member.get("/"); !strings.Contains(home.body, "스타트업 그룹") {
			t.Fatalf("new member's home lacks the group")
		}
		// Deactivation ends the person's session at once.
		if r := admin.form(loc+"/deactivate", nil); r.status != http.StatusSeeOther {
			t.Fatalf("deactivate: %d", r.status)
		}
		if r := member.get("/api/v1/me"); r.status != http.StatusUnauthorized {
			t.Fatalf("deactivated member still signed in: %d", r.status)
		}
		if r := admin.form(loc+"/activate", nil); r.status != http.StatusSeeOther {
			t.Fatalf("activate: %d", r.status)
		}
		// Password reset: the old one stops working.
		if r := admin.form(loc+"/password", url.Values{"password": {"short"}}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("weak reset: %d", r.status)
		}
		if r := admin.form(loc+"/password", url.Values{"password": {"brand-new-password"}}); r.status != http.StatusSeeOther {
			t.Fatalf("reset: %d", r.status)
		}
		if r := e.anon().json("POST", "/api/v1/login", map[string]string{"email": "new@example.org", "password": "long-enough-pw"}); r.status != 401 {
			t.Fatalf("old password after reset: %d", r.status)
		}
		// Role change through the page.
		r = admin.form(loc, url.Values{"name": {"새 감사인"}, "role": {"auditor"}, "group": {""}, "organisation": {"감사 법인"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("role change: %d %.300s", r.status, r.body)
		}
		// Every change is in the history, attributed to the admin.
		hist := e.login("auditor@example.org").get("/api/v1/audit/events?object_type=user&limit=500")
		for _, action := range []string{"user.create", "user.deactivate", "user.activate", "user.password_reset", "user.update"} {
			if !strings.Contains(hist.body, `"action":"`+action+`"`) {
				t.Errorf("history lacks %s", action)
			}
		}
	})
}

func TestAdminCannotLockThemselvesOut(t *testing.T) {
	e := newEnv(t, "sqlite")
	admin := e.login("admin@example.org")
	id := fmt.Sprint(int(admin.user["id"].(float64)))
	if r := admin.json("POST", "/api/v1/users/"+id+"/deactivate", nil); r.status != http.StatusConflict || r.errCode() != "own_account" {
		t.Fatalf("self-deactivate: %d %s", r.status, r.body)
	}
	if r := admin.json("PATCH", "/api/v1/users/"+id, map[string]string{"role": "auditor"}); r.status != http.StatusConflict || r.errCode() != "own_role" {
		t.Fatalf("own role: %d %s", r.status, r.body)
	}
}
