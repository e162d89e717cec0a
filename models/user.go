package models

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Roles a person can hold. A member also belongs to one stakeholder group.
const (
	RoleAdmin       = "admin"
	RoleSecretariat = "secretariat"
	RoleMember      = "member"
	RoleAuditor     = "auditor"
)

// Roles lists every role in the order the UI shows them.
var Roles = []string{RoleMember, RoleSecretariat, RoleAuditor, RoleAdmin}

// Council is one deliberating body with its own groups and members.
type Council struct {
	ID     int64
	Name   string
	NameEn string
	// Demo marks the fictional demo council; a server refuses to run in
	// demo mode on any other database.
	Demo      bool
	CreatedAt time.Time
}

// Group is a stakeholder group of a council. Groups are data, not code:
// whether a group votes is a column, not a branch in the code.
type Group struct {
	ID        int64
	CouncilID int64
	Key       string
	NameKo    string
	NameEn    string
	Votes     bool
	Position  int
}

func (Group) TableName() string { return "stakeholder_groups" }

// Name returns the group's name in the given language.
func (g Group) Name(lang string) string {
	if lang == "en" {
		return g.NameEn
	}
	return g.NameKo
}

// User is an account. PasswordHash never leaves this package's callers
// in any rendering: it has no JSON tag and the API types copy fields.
type User struct {
	ID           int64
	CouncilID    int64
	Email        string
	Name         string
	Role         string
	GroupID      *int64
	Group        *Group `gorm:"foreignKey:GroupID"`
	Organisation string
	PasswordHash string
	Active       bool
	LastSeenSeq  int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// GroupKey is the member's group key, or "" for other roles.
func (u *User) GroupKey() string {
	if u == nil || u.Group == nil {
		return ""
	}
	return u.Group.Key
}

// CanVote reports whether the person belongs to a voting group.
func (u *User) CanVote() bool {
	return u != nil && u.Role == RoleMember && u.Group != nil && u.Group.Votes
}

// NewUser is what an admin (or the CLI) supplies to create an account.
type NewUser struct {
	Email        string
	Name         string
	Role         string
	GroupKey     string
	Organisation string
	Password     string
}

// UserChange is a partial update; nil fields stay as they are.
type UserChange struct {
	Name         *string
	Role         *string
	GroupKey     *string
	Organisation *string
}

func normaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validateText(field, value string, max int) *Error {
	v := strings.TrimSpace(value)
	if v == "" {
		return Errorf(KindInvalid, "invalid_"+field, "The %s must not be empty.", field).WithField(field, "required")
	}
	if utf8.RuneCountInString(v) > max {
		return Errorf(KindInvalid, "invalid_"+field, "The %s must have at most %d characters.", field, max).WithField(field, "too_long")
	}
	return nil
}

// resolveRoleGroup checks that role and group fit together: members need a
// group of the council, every other role must have none.
func (s *Store) resolveRoleGroup(tx *gorm.DB, councilID int64, role, groupKey string) (*int64, error) {
	if !slices.Contains(Roles, role) {
		return nil, Errorf(KindInvalid, "invalid_role", "Unknown role %q: use one of %s.", role, strings.Join(Roles, ", ")).WithField("role", "unknown")
	}
	if role != RoleMember {
		if groupKey != "" {
			return nil, Errorf(KindInvalid, "invalid_group", "Only council members belong to a stakeholder group.").WithField("group", "not_allowed")
		}
		return nil, nil
	}
	if groupKey == "" {
		return nil, Errorf(KindInvalid, "invalid_group", "A council member needs a stakeholder group.").WithField("group", "required")
	}
	var g Group
	err := tx.Where("council_id = ? AND key = ?", councilID, groupKey).First(&g).Error
	if isNotFound(err) {
		return nil, Errorf(KindInvalid, "invalid_group", "Unknown stakeholder group %q.", groupKey).WithField("group", "unknown")
	}
	if err != nil {
		return nil, fmt.Errorf("find group %q: %w", groupKey, err)
	}
	return &g.ID, nil
}

// DefaultCouncil returns the first council. Roundtable serves one council
// per deployment today; the schema already allows several.
func (s *Store) DefaultCouncil(ctx context.Context) (*Council, error) {
	var c Council
	err := s.db.WithContext(ctx).Order("id").First(&c).Error
	if isNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find council: %w", err)
	}
	return &c, nil
}

// Groups lists a council's stakeholder groups in display order.
func (s *Store) Groups(ctx context.Context, councilID int64) ([]Group, error) {
	var gs []Group
	if err := s.db.WithContext(ctx).Where("council_id = ?", councilID).Order("position, id").Find(&gs).Error; err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	return gs, nil
}

// CreateCouncil creates a council with its groups; used by the demo seed
// and by the CLI on a fresh deployment.
func (s *Store) CreateCouncil(ctx context.Context, actor Actor, c *Council, groups []Group) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(c).Error; err != nil {
			return fmt.Errorf("create council: %w", err)
		}
		for i := range groups {
			groups[i].CouncilID = c.ID
			groups[i].Position = i
		}
		if len(groups) > 0 {
			if err := tx.Create(&groups).Error; err != nil {
				return fmt.Errorf("create groups: %w", err)
			}
		}
		keys := make([]string, len(groups))
		for i, g := range groups {
			keys[i] = g.Key
		}
		return s.record(tx, actor, "council.create", "council", c.ID, map[string]any{"groups": keys})
	})
}

// CreateUser adds an account and records who added it.
func (s *Store) CreateUser(ctx context.Context, actor Actor, in NewUser) (*User, error) {
	in.Email = normaliseEmail(in.Email)
	if _, err := mail.ParseAddress(in.Email); err != nil || !strings.Contains(in.Email, "@") || strings.ContainsAny(in.Email, "<> ") {
		return nil, Errorf(KindInvalid, "invalid_email", "Enter a valid e-mail address such as name@example.org.").WithField("email", "invalid")
	}
	if e := validateText("name", in.Name, 100); e != nil {
		return nil, e
	}
	if utf8.RuneCountInString(in.Organisation) > 200 {
		return nil, Errorf(KindInvalid, "invalid_organisation", "The organisation must have at most 200 characters.").WithField("organisation", "too_long")
	}
	if e := validatePassword(in.Password); e != nil {
		return nil, e
	}
	hash, err := hashPassword(s.password, in.Password)
	if err != nil {
		return nil, err
	}
	var u User
	err = s.tx(ctx, func(tx *gorm.DB) error {
		var c Council
		if err := tx.Order("id").First(&c).Error; err != nil {
			if isNotFound(err) {
				return Errorf(KindConflict, "no_council", "Create a council before adding accounts.")
			}
			return fmt.Errorf("find council: %w", err)
		}
		groupID, err := s.resolveRoleGroup(tx, c.ID, in.Role, in.GroupKey)
		if err != nil {
			return err
		}
		u = User{CouncilID: c.ID, Email: in.Email, Name: strings.TrimSpace(in.Name), Role: in.Role, GroupID: groupID,
			Organisation: strings.TrimSpace(in.Organisation), PasswordHash: hash, Active: true}
		if err := tx.Create(&u).Error; err != nil {
			if isUniqueViolation(err) {
				return Errorf(KindConflict, "email_taken", "An account with this e-mail address already exists.").WithField("email", "taken")
			}
			return fmt.Errorf("insert user: %w", err)
		}
		return s.record(tx, actor, "user.create", "user", u.ID, map[string]any{"role": u.Role, "group": in.GroupKey})
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, u.ID)
}

// UserByID loads an account with its group.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).Preload("Group").First(&u, id).Error
	if isNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load user %d: %w", id, err)
	}
	return &u, nil
}

// Users lists every account, members grouped first.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	var us []User
	if err := s.db.WithContext(ctx).Preload("Group").Order("role, email").Find(&us).Error; err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}

// CountUsers tells whether a database is still empty of people.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&User{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// UpdateUser changes a person's name, role, group or organisation. A role
// change ends their sessions, since what they may see has changed.
func (s *Store) UpdateUser(ctx context.Context, actor Actor, id int64, ch UserChange) (*User, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var u User
		if err := firstByID(tx.Preload("Group"), &u, id, "user"); err != nil {
			return err
		}
		before := map[string]any{"role": u.Role, "group": u.GroupKey()}
		updates := map[string]any{}
		if ch.Name != nil {
			if e := validateText("name", *ch.Name, 100); e != nil {
				return e
			}
			updates["name"] = strings.TrimSpace(*ch.Name)
		}
		if ch.Organisation != nil {
			if utf8.RuneCountInString(*ch.Organisation) > 200 {
				return Errorf(KindInvalid, "invalid_organisation", "The organisation must have at most 200 characters.").WithField("organisation", "too_long")
			}
			updates["organisation"] = strings.TrimSpace(*ch.Organisation)
		}
		role, group := u.Role, u.GroupKey()
		if ch.Role != nil {
			role = *ch.Role
			if role != RoleMember && ch.GroupKey == nil {
				group = ""
			}
		}
		if ch.GroupKey != nil {
			group = *ch.GroupKey
		}
		roleChanged := role != u.Role || group != u.GroupKey()
		if roleChanged {
			if actor.UserID == id && role != u.Role {
				return Errorf(KindConflict, "own_role", "You cannot change your own role; ask another administrator.")
			}
			gid, err := s.resolveRoleGroup(tx, u.CouncilID, role, group)
			if err != nil {
				return err
			}
			updates["role"] = role
			updates["group_id"] = gid
		}
		if len(updates) == 0 {
			return nil
		}
		updates["updated_at"] = s.Now()
		if err := tx.Model(&User{}).Where("id = ?", id).Updates(updates).Error; err != nil {
			return fmt.Errorf("update user %d: %w", id, err)
		}
		if roleChanged {
			if err := tx.Where("user_id = ?", id).Delete(&Session{}).Error; err != nil {
				return fmt.Errorf("end sessions of user %d: %w", id, err)
			}
		}
		changed := make([]string, 0, len(updates))
		for k := range updates {
			if k != "updated_at" {
				changed = append(changed, k)
			}
		}
		slices.Sort(changed)
		data := map[string]any{"changed": changed}
		if roleChanged {
			data["before"] = before
			data["after"] = map[string]any{"role": role, "group": group}
		}
		return s.record(tx, actor, "user.update", "user", id, data)
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, id)
}

// SetUserActive deactivates or reactivates an account. Deactivation ends
// every session of that person in the same transaction, so their next
// request is already anonymous.
func (s *Store) SetUserActive(ctx context.Context, actor Actor, id int64, active bool) (*User, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var u User
		if err := firstByID(tx, &u, id, "user"); err != nil {
			return err
		}
		if !active && actor.UserID == id {
			return Errorf(KindConflict, "own_account", "You cannot deactivate your own account.")
		}
		if u.Active == active {
			return nil
		}
		if err := tx.Model(&User{}).Where("id = ?", id).Updates(map[string]any{"active": active, "updated_at": s.Now()}).Error; err != nil {
			return fmt.Errorf("set user %d active=%v: %w", id, active, err)
		}
		action := "user.activate"
		if !active {
			action = "user.deactivate"
			if err := tx.Where("user_id = ?", id).Delete(&Session{}).Error; err != nil {
				return fmt.Errorf("end sessions of user %d: %w", id, err)
			}
		}
		return s.record(tx, actor, action, "user", id, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, id)
}

// ResetPassword sets a new password and ends the person's sessions.
func (s *Store) ResetPassword(ctx context.Context, actor Actor, id int64, password string) error {
	if e := validatePassword(password); e != nil {
		return e
	}
	hash, err := hashPassword(s.password, password)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", id).Updates(map[string]any{"password_hash": hash, "updated_at": s.Now()})
		if res.Error != nil {
			return fmt.Errorf("reset password of user %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		if err := tx.Where("user_id = ?", id).Delete(&Session{}).Error; err != nil {
			return fmt.Errorf("end sessions of user %d: %w", id, err)
		}
		return s.record(tx, actor, "user.password_reset", "user", id, nil)
	})
}
