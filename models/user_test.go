package models_test

import (
	"context"
	"errors"
	"testing"

	"roundtable/models"
	"roundtable/models/storetest"
)

func ptr[T any](v T) *T { return &v }

func TestCreateUserValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		if err := st.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		admin := models.Actor{UserID: 1, Role: models.RoleAdmin}
		ok := models.NewUser{Email: "new@example.org", Name: "신규 위원", Role: models.RoleMember, GroupKey: "startup", Organisation: "코리아스타트업포럼", Password: "long-enough-pw"}
		tests := []struct {
			name  string
			edit  func(u *models.NewUser)
			kind  models.Kind
			code  string
			field string
		}{
			{"bad email", func(u *models.NewUser) { u.Email = "not-an-email" }, models.KindInvalid, "invalid_email", "email"},
			{"empty name", func(u *models.NewUser) { u.Name = "  " }, models.KindInvalid, "invalid_name", "name"},
			{"unknown role", func(u *models.NewUser) { u.Role = "root" }, models.KindInvalid, "invalid_role", "role"},
			{"member without group", func(u *models.NewUser) { u.GroupKey = "" }, models.KindInvalid, "invalid_group", "group"},
			{"secretariat with group", func(u *models.NewUser) { u.Role = models.RoleSecretariat }, models.KindInvalid, "invalid_group", "group"},
			{"unknown group", func(u *models.NewUser) { u.GroupKey = "bankers" }, models.KindInvalid, "invalid_group", "group"},
			{"weak password", func(u *models.NewUser) { u.Password = "short" }, models.KindInvalid, "weak_password", "password"},
			{"duplicate email (case-insensitive)", func(u *models.NewUser) { u.Email = "Merchant1@Example.org" }, models.KindConflict, "email_taken", "email"},
		}
		before, _ := st.AuditSize(ctx)
		for _, tt := range tests {
			in := ok
			tt.edit(&in)
			_, err := st.CreateUser(ctx, admin, in)
			var de *models.Error
			if !errors.As(err, &de) || de.Kind != tt.kind || de.Code != tt.code || de.Fields[tt.field] == "" {
				t.Errorf("%s: got %v, want %s/%s naming %s", tt.name, err, tt.kind, tt.code, tt.field)
			}
		}
		if after, _ := st.AuditSize(ctx); after != before {
			t.Errorf("rejected creations wrote %d audit events", after-before)
		}
		u, err := st.CreateUser(ctx, admin, ok)
		if err != nil {
			t.Fatal(err)
		}
		if u.GroupKey() != "startup" || !u.CanVote() || u.Email != "new@example.org" {
			t.Errorf("created user = %+v", u)
		}
		evs, _ := st.AuditEvents(ctx, models.AuditFilter{Action: "user.create", ObjectType: "user", ObjectID: u.ID})
		if len(evs) != 1 || *evs[0].ActorID != 1 {
			t.Fatalf("user.create events = %+v", evs)
		}
	})
}

func TestUpdateUserEndsSessionsOnRoleChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		if err := st.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		res, err := st.Login(ctx, "consumer1@example.org", models.DemoPassword, models.Actor{IP: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		admin := models.Actor{UserID: 1, Role: models.RoleAdmin}
		// A name change keeps the session.
		if _, err := st.UpdateUser(ctx, admin, res.User.ID, models.UserChange{Name: ptr("강은지 (수정)")}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.SessionByToken(ctx, res.Token); err != nil {
			t.Fatalf("session ended by a name change: %v", err)
		}
		// Moving to another group changes what they may do: sessions end.
		u, err := st.UpdateUser(ctx, admin, res.User.ID, models.UserChange{GroupKey: ptr("expert")})
		if err != nil {
			t.Fatal(err)
		}
		if u.GroupKey() != "expert" || u.CanVote() {
			t.Errorf("after move: group %q votes %v", u.GroupKey(), u.CanVote())
		}
		if _, _, err := st.SessionByToken(ctx, res.Token); models.ErrorKind(err) != models.KindNotFound {
			t.Fatalf("session survived a group change: %v", err)
		}
		// Role to auditor drops the group.
		u, err = st.UpdateUser(ctx, admin, res.User.ID, models.UserChange{Role: ptr(models.RoleAuditor)})
		if err != nil || u.Role != models.RoleAuditor || u.GroupID != nil {
			t.Fatalf("role change: %+v, %v", u, err)
		}
		// An admin cannot change their own role.
		if _, err := st.UpdateUser(ctx, admin, 1, models.UserChange{Role: ptr(models.RoleMember), GroupKey: ptr("merchant")}); models.ErrorKind(err) != models.KindConflict {
			t.Fatalf("own role change: %v", err)
		}
		evs, _ := st.AuditEvents(ctx, models.AuditFilter{Action: "user.update", ObjectID: res.User.ID})
		if len(evs) != 3 {
			t.Fatalf("want 3 user.update events, got %d", len(evs))
		}
	})
}

func TestDeactivationEndsSessionsAndBlocksLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		if err := st.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		res, err := st.Login(ctx, "startup1@example.org", models.DemoPassword, models.Actor{IP: "10.0.0.2"})
		if err != nil {
			t.Fatal(err)
		}
		admin := models.Actor{UserID: 1, Role: models.RoleAdmin}
		if _, err := st.SetUserActive(ctx, admin, res.User.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.SessionByToken(ctx, res.Token); models.ErrorKind(err) != models.KindNotFound {
			t.Fatalf("session survived deactivation: %v", err)
		}
		if _, err := st.Login(ctx, "startup1@example.org", models.DemoPassword, models.Actor{IP: "10.0.0.2"}); !errors.Is(err, models.ErrInvalidCredentials) {
			t.Fatalf("deactivated login: %v", err)
		}
		if _, err := st.SetUserActive(ctx, admin, 1, false); models.ErrorKind(err) != models.KindConflict {
			t.Fatalf("self-deactivation: %v", err)
		}
		if _, err := st.SetUserActive(ctx, admin, res.User.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Login(ctx, "startup1@example.org", models.DemoPassword, models.Actor{IP: "10.0.0.2"}); err != nil {
			t.Fatalf("reactivated login: %v", err)
		}
		if err := st.ResetPassword(ctx, admin, res.User.ID, "a-new-password"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Login(ctx, "startup1@example.org", "a-new-password", models.Actor{IP: "10.0.0.2"}); err != nil {
			t.Fatalf("login with reset password: %v", err)
		}
	})
}

func TestSeedDemoRefusesNonEmpty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		seeded, err := st.PrepareDemo(ctx)
		if err != nil || !seeded {
			t.Fatalf("first PrepareDemo: seeded=%v err=%v", seeded, err)
		}
		if seeded, err := st.PrepareDemo(ctx); err != nil || seeded {
			t.Fatalf("second PrepareDemo on the demo database: seeded=%v err=%v", seeded, err)
		}
		if err := st.SeedDemo(ctx); models.ErrorKind(err) != models.KindConflict {
			t.Fatalf("SeedDemo on a seeded database: %v", err)
		}
		n, _ := st.CountUsers(ctx)
		if n != int64(len(models.DemoAccounts)) {
			t.Fatalf("users = %d, want %d", n, len(models.DemoAccounts))
		}
	})
}

func TestPrepareDemoRefusesRealCouncil(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		if err := st.CreateCouncil(ctx, models.SystemActor(), &models.Council{Name: "실제 협의체", NameEn: "Real council"}, models.DemoGroups()); err != nil {
			t.Fatal(err)
		}
		if _, err := st.PrepareDemo(ctx); models.ErrorKind(err) != models.KindConflict {
			t.Fatalf("PrepareDemo on a real council: %v", err)
		}
	})
}
