package models

import (
	"context"
	"fmt"
)

// DemoPassword is the password of every demo account. It exists only in
// databases seeded with --demo, which the UI marks with a banner.
const DemoPassword = "roundtable-demo"

// DemoAccount describes one person of the demo council. The people are
// fictional; their organisations are the real kinds of bodies that sat on
// the 2022 council.
type DemoAccount struct {
	Email, Name, Role, Group, Organisation string
}

// DemoAccounts is the demo council's membership, in the order the login
// page lists it.
var DemoAccounts = []DemoAccount{
	{"admin@example.org", "한지원", RoleAdmin, "", "라운드테이블 운영팀"},
	{"secretariat@example.org", "박서연", RoleSecretariat, "", "카카오 피해지원 협의체 사무국"},
	{"merchant1@example.org", "김민수", RoleMember, "merchant", "소상공인연합회"},
	{"merchant2@example.org", "이영희", RoleMember, "merchant", "소상공인연합회"},
	{"merchant3@example.org", "최준호", RoleMember, "merchant", "한국외식업중앙회"},
	{"startup1@example.org", "정다은", RoleMember, "startup", "코리아스타트업포럼"},
	{"startup2@example.org", "윤성진", RoleMember, "startup", "코리아스타트업포럼"},
	{"consumer1@example.org", "강은지", RoleMember, "consumer", "한국소비자연맹"},
	{"consumer2@example.org", "조현우", RoleMember, "consumer", "한국소비자연맹"},
	{"consumer3@example.org", "임수빈", RoleMember, "consumer", "소비자시민모임"},
	{"expert1@example.org", "배정민", RoleMember, "expert", "한빛대학교 법학전문대학원 (공정거래·소비자보호)"},
	{"auditor@example.org", "서지호", RoleAuditor, "", "한결회계법인 (독립 감사)"},
}

// DemoGroups are the demo council's stakeholder groups; experts advise but
// do not vote.
func DemoGroups() []Group {
	return []Group{
		{Key: "merchant", NameKo: "소상공인", NameEn: "Small merchants", Votes: true},
		{Key: "startup", NameKo: "스타트업", NameEn: "Startups", Votes: true},
		{Key: "consumer", NameKo: "소비자", NameEn: "Consumers", Votes: true},
		{Key: "expert", NameKo: "전문가", NameEn: "Experts", Votes: false},
	}
}

// PrepareDemo makes the database a demo database: an empty one is seeded;
// one that already holds the demo council is served as it is (so restarting
// `make run` keeps what people did); any other database is refused.
func (s *Store) PrepareDemo(ctx context.Context) (seeded bool, err error) {
	c, err := s.DefaultCouncil(ctx)
	switch {
	case err == nil && c.Demo:
		return false, nil
	case err == nil:
		return false, Errorf(KindConflict, "not_empty", "The database holds a real council; --demo seeds only an empty database.")
	case ErrorKind(err) != KindNotFound:
		return false, err
	}
	return true, s.SeedDemo(ctx)
}

// SeedDemo fills an empty database with the demo council. It refuses a
// database that already holds a council or accounts, so --demo can never
// mix fictional people into a real deployment.
func (s *Store) SeedDemo(ctx context.Context) error {
	n, err := s.CountUsers(ctx)
	if err != nil {
		return err
	}
	if _, cerr := s.DefaultCouncil(ctx); n > 0 || cerr == nil {
		return Errorf(KindConflict, "not_empty", "The database already holds a council or accounts; --demo seeds only an empty database.")
	}
	actor := SystemActor()
	council := &Council{Name: "1015 피해지원 협의체", NameEn: "1015 Damage Support Council", Demo: true}
	if err := s.CreateCouncil(ctx, actor, council, DemoGroups()); err != nil {
		return fmt.Errorf("seed demo council: %w", err)
	}
	for _, a := range DemoAccounts {
		if _, err := s.CreateUser(ctx, actor, NewUser{Email: a.Email, Name: a.Name, Role: a.Role, GroupKey: a.Group,
			Organisation: a.Organisation, Password: DemoPassword}); err != nil {
			return fmt.Errorf("seed demo account %s: %w", a.Email, err)
		}
	}
	if err := s.seedDemoDeliberation(ctx); err != nil {
		return err
	}
	if _, err := s.Checkpoint(ctx, "demo_seed"); err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	return nil
}
