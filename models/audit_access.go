package models

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// AccessActions are the events that form the access record which the
// Korean personal-information safety rules expect a controller to review
// (who processed personal data, when, from where, for what), plus the
// attempts that were refused: raw-report views, searches, exports and
// imports, exports of the register and of this history, failed and
// throttled sign-ins, and permission denials.
var AccessActions = []string{
	"reports.view", "reports.search", "reports.export", "reports.import_start",
	"register.export", "audit.export",
	"session.login_failed", "session.login_throttled", "access.denied",
}

// Seoul is the council's time zone; months of the access review are Korean
// months, as the people reviewing them count them.
var Seoul = time.FixedZone("KST", 9*60*60)

// Month is a calendar month in Korea time, e.g. "2022-10".
type Month struct{ Year, Month int }

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, m.Month) }

// ParseMonth reads "YYYY-MM".
func ParseMonth(s string) (Month, error) {
	t, err := time.ParseInLocation("2006-01", s, Seoul)
	if err != nil {
		return Month{}, Errorf(KindBadRequest, "invalid_parameter", "The month must look like 2022-10.").WithField("month", "not_a_month")
	}
	return Month{Year: t.Year(), Month: int(t.Month())}, nil
}

// Bounds are the month's first instant and the next month's, in UTC.
func (m Month) Bounds() (from, to time.Time) {
	from = time.Date(m.Year, time.Month(m.Month), 1, 0, 0, 0, 0, Seoul)
	return from.UTC(), from.AddDate(0, 1, 0).UTC()
}

func monthOf(t time.Time) Month {
	k := t.In(Seoul)
	return Month{Year: k.Year(), Month: int(k.Month())}
}

func (m Month) next() Month {
	if m.Month == 12 {
		return Month{Year: m.Year + 1, Month: 1}
	}
	return Month{Year: m.Year, Month: m.Month + 1}
}

// AccessSummary is one person's access record in one month.
type AccessSummary struct {
	Month   Month
	ActorID int64 // 0: no signed-in person (sign-in attempts on unknown accounts)
	Actor   *User
	Counts  map[string]int64 // by action
	Total   int64
}

// AccessReview summarises the access record by month (newest first) and
// person. With only set, it covers that month alone. Each month is turned
// into a seq range (event times never go backwards), so the counting needs
// no date arithmetic in SQL and reads only the month's access events
// through the (action, seq) index.
func (s *Store) AccessReview(ctx context.Context, only *Month) ([]AccessSummary, error) {
	db := s.db.WithContext(ctx)
	var first, last struct{ At time.Time }
	if err := db.Model(&AuditEvent{}).Select("at").Where("action IN ?", AccessActions).Order("seq").Limit(1).Find(&first).Error; err != nil {
		return nil, fmt.Errorf("first access event: %w", err)
	}
	if first.At.IsZero() {
		return nil, nil
	}
	if err := db.Model(&AuditEvent{}).Select("at").Where("action IN ?", AccessActions).Order("seq DESC").Limit(1).Find(&last).Error; err != nil {
		return nil, fmt.Errorf("last access event: %w", err)
	}
	months := []Month{}
	if only != nil {
		months = append(months, *only)
	} else {
		end := monthOf(last.At)
		for m := monthOf(first.At); ; m = m.next() {
			months = append(months, m)
			if m == end || len(months) > 1200 {
				break
			}
		}
	}
	var out []AccessSummary
	users := map[int64]*User{}
	for i := len(months) - 1; i >= 0; i-- {
		m := months[i]
		from, to := m.Bounds()
		lo, hi, empty, err := s.seqRange(db, from, to)
		if err != nil {
			return nil, err
		}
		if empty {
			continue
		}
		var rows []struct {
			Actor  int64
			Action string
			N      int64
		}
		err = db.Model(&AuditEvent{}).Select("COALESCE(actor_id, 0) AS actor, action, COUNT(*) AS n").
			Where("seq BETWEEN ? AND ? AND action IN ?", lo, hi, AccessActions).
			Group("COALESCE(actor_id, 0), action").Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("access record of %s: %w", m, err)
		}
		byActor := map[int64]*AccessSummary{}
		var order []int64
		for _, r := range rows {
			sum := byActor[r.Actor]
			if sum == nil {
				sum = &AccessSummary{Month: m, ActorID: r.Actor, Counts: map[string]int64{}}
				byActor[r.Actor] = sum
				order = append(order, r.Actor)
			}
			sum.Counts[r.Action] += r.N
			sum.Total += r.N
			if r.Actor != 0 {
				users[r.Actor] = nil
			}
		}
		sort.Slice(order, func(a, b int) bool { return order[a] < order[b] })
		for _, id := range order {
			out = append(out, *byActor[id])
		}
	}
	if err := s.loadUsers(ctx, users); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Actor = users[out[i].ActorID]
	}
	return out, nil
}

// loadUsers fills the map's values for its keys, with each user's group.
func (s *Store) loadUsers(ctx context.Context, users map[int64]*User) error {
	if len(users) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(users))
	for id := range users {
		ids = append(ids, id)
	}
	var us []User
	if err := s.db.WithContext(ctx).Preload("Group").Where("id IN ?", ids).Find(&us).Error; err != nil {
		return fmt.Errorf("load users: %w", err)
	}
	for i := range us {
		users[us[i].ID] = &us[i]
	}
	return nil
}

// AccessFilter selects access events: the AccessActions, optionally of one
// month and one person (ActorID 0 with Unknown: no signed-in person).
func AccessFilter(month *Month, actorID int64, unknown bool) AuditFilter {
	f := AuditFilter{Actions: AccessActions, ActorID: actorID, NoActor: unknown && actorID == 0}
	if month != nil {
		f.From, f.To = month.Bounds()
	}
	return f
}
