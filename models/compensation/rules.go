package compensation

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"roundtable/models/reportfile"
)

// Payout kinds.
const (
	PayFixed   = "fixed"    // Amount, once
	PayPerHour = "per_hour" // Amount per outage hour, at most Cap
	PayShare   = "share"    // SharePercent of the claimed amount, at most Cap
	PayGesture = "gesture"  // a non-cash token (Gesture describes it)
)

// PayoutKinds in the order the editor offers them.
var PayoutKinds = []string{PayFixed, PayPerHour, PayShare, PayGesture}

// Conditions select reports. An empty list means "any"; ranges are
// (Over, UpTo], each bound optional.
type Conditions struct {
	ReporterTypes    []string `json:"reporter_types,omitempty"`
	Services         []string `json:"services,omitempty"`
	Paid             []string `json:"paid,omitempty"`
	DamageTypes      []string `json:"damage_types,omitempty"`
	EvidenceRequired bool     `json:"evidence_required,omitempty"`
	AmountOver       *int64   `json:"amount_over,omitempty"`
	AmountUpTo       *int64   `json:"amount_up_to,omitempty"`
	HoursOver        *float64 `json:"hours_over,omitempty"`
	HoursUpTo        *float64 `json:"hours_up_to,omitempty"`
}

// Payout is what a matching report earns.
type Payout struct {
	Kind         string  `json:"kind"`
	Amount       int64   `json:"amount,omitempty"`
	SharePercent float64 `json:"share_percent,omitempty"`
	Cap          int64   `json:"cap,omitempty"`
	Gesture      string  `json:"gesture,omitempty"`
}

// Rule is one compensation rule of a version.
type Rule struct {
	Name   string     `json:"name"`
	Clause string     `json:"clause,omitempty"` // the clause key it implements
	When   Conditions `json:"when"`
	Pay    Payout     `json:"pay"`
}

// Parse reads a version's stored rules (a JSON array). Unknown fields are
// errors, so a typo never silently widens a rule.
func Parse(raw string) ([]Rule, error) {
	if strings.TrimSpace(raw) == "" || strings.TrimSpace(raw) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	var rules []Rule
	if err := dec.Decode(&rules); err != nil {
		return nil, fmt.Errorf("compensation rules: %w", err)
	}
	return rules, nil
}

// Problem is one validation finding, naming the rule (0-based) and field.
type Problem struct {
	Rule      int    `json:"rule"`
	Field     string `json:"field"`
	Message   string `json:"message"`
	MessageKo string `json:"message_ko"`
}

// Path is the problem's field path, e.g. "rules[2].pay.cap".
func (p Problem) Path() string { return fmt.Sprintf("rules[%d].%s", p.Rule, p.Field) }

func codesOf(d reportfile.Dimension) []string {
	out := make([]string, len(d.Codes))
	for i, c := range d.Codes {
		out[i] = c.Key
	}
	return out
}

// Codes each condition may use, from the import file's closed lists.
var (
	reporterTypes = codesOf(reportfile.ReporterTypes())
	services      = codesOf(reportfile.Services())
	paidValues    = codesOf(reportfile.PaidValues())
	damageTypes   = codesOf(reportfile.DamageTypes())
)

// Validate checks every rule and returns every problem found, so the
// secretariat can fix them all at once.
func Validate(rules []Rule) []Problem {
	var ps []Problem
	add := func(i int, field, en, ko string) {
		ps = append(ps, Problem{Rule: i, Field: field, Message: en, MessageKo: ko})
	}
	codes := func(i int, field string, got, allowed []string) {
		for _, c := range got {
			if !slices.Contains(allowed, c) {
				add(i, field, fmt.Sprintf("unknown code %q", c), fmt.Sprintf("알 수 없는 코드 %q", c))
			}
		}
	}
	for i, r := range rules {
		if strings.TrimSpace(r.Name) == "" {
			add(i, "name", "give the rule a name", "규칙 이름을 적어 주세요")
		} else if utf8.RuneCountInString(r.Name) > 100 {
			add(i, "name", "at most 100 characters", "100자 이내로 적어 주세요")
		}
		w := r.When
		codes(i, "when.reporter_types", w.ReporterTypes, reporterTypes)
		codes(i, "when.services", w.Services, services)
		codes(i, "when.paid", w.Paid, paidValues)
		codes(i, "when.damage_types", w.DamageTypes, damageTypes)
		for _, b := range []struct {
			field string
			v     *int64
		}{{"when.amount_over", w.AmountOver}, {"when.amount_up_to", w.AmountUpTo}} {
			if b.v != nil && *b.v < 0 {
				add(i, b.field, "amounts are zero or more", "금액은 0 이상이어야 합니다")
			}
		}
		if w.AmountOver != nil && w.AmountUpTo != nil && *w.AmountOver >= *w.AmountUpTo {
			add(i, "when.amount_up_to", "the range is empty: no amount is over the lower bound and up to the upper one", "금액 범위가 비어 있어 어떤 신고도 해당하지 않습니다")
		}
		if w.HoursOver != nil && *w.HoursOver < 0 || w.HoursUpTo != nil && *w.HoursUpTo < 0 {
			add(i, "when.hours", "hours are zero or more", "시간은 0 이상이어야 합니다")
		}
		if w.HoursOver != nil && w.HoursUpTo != nil && *w.HoursOver >= *w.HoursUpTo {
			add(i, "when.hours_up_to", "the range is empty", "시간 범위가 비어 있어 어떤 신고도 해당하지 않습니다")
		}
		p := r.Pay
		switch p.Kind {
		case PayFixed:
			if p.Amount <= 0 {
				add(i, "pay.amount", "a fixed payout needs an amount over zero", "정액 지급에는 0보다 큰 금액이 필요합니다")
			}
			if p.Cap != 0 {
				add(i, "pay.cap", "a fixed payout has no cap", "정액 지급에는 상한을 두지 않습니다")
			}
		case PayPerHour:
			if p.Amount <= 0 {
				add(i, "pay.amount", "give the amount per outage hour", "장애 1시간당 금액을 적어 주세요")
			}
			if p.Cap <= 0 {
				add(i, "pay.cap", "an hourly payout needs a cap", "시간당 지급에는 상한이 필요합니다")
			} else if p.Cap < p.Amount {
				add(i, "pay.cap", "the cap is below the amount of a single hour", "상한이 1시간분 금액보다 작습니다")
			}
		case PayShare:
			if p.SharePercent <= 0 || p.SharePercent > 100 {
				add(i, "pay.share_percent", "a share is over 0% and at most 100%", "비율은 0%보다 크고 100% 이하여야 합니다")
			}
			if p.Cap <= 0 {
				add(i, "pay.cap", "a share of the claim needs a cap", "청구액 비율 지급에는 상한이 필요합니다")
			}
		case PayGesture:
			if strings.TrimSpace(p.Gesture) == "" {
				add(i, "pay.gesture", "describe the non-cash gesture", "비금전적 지원 내용을 적어 주세요")
			}
		default:
			add(i, "pay.kind", fmt.Sprintf("unknown payout kind %q", p.Kind), fmt.Sprintf("알 수 없는 지급 방식 %q", p.Kind))
		}
		if p.Cap < 0 {
			add(i, "pay.cap", "a cap is zero or more", "상한은 0 이상이어야 합니다")
		}
	}
	// Overlaps that can never match: a cash rule covered entirely by an
	// earlier cash rule never wins (first match).
	for j, rj := range rules {
		if rj.Pay.Kind == PayGesture {
			continue
		}
		for i, ri := range rules[:j] {
			if ri.Pay.Kind != PayGesture && covers(ri.When, rj.When) {
				add(j, "when", fmt.Sprintf("can never apply: rule %d (%s) comes first and matches every report this one would", i+1, ri.Name),
					fmt.Sprintf("적용될 수 없습니다: 앞선 규칙 %d(%s)가 이 규칙에 해당하는 모든 신고에 먼저 적용됩니다", i+1, ri.Name))
				break
			}
		}
	}
	return ps
}

// covers reports whether every report matching b also matches a.
func covers(a, b Conditions) bool {
	set := func(x, y []string) bool { // x ⊇ y, where empty = any
		if len(x) == 0 {
			return true
		}
		if len(y) == 0 {
			return false
		}
		for _, v := range y {
			if !slices.Contains(x, v) {
				return false
			}
		}
		return true
	}
	lowerOK := func(ao, bo *int64) bool { return ao == nil || (bo != nil && *bo >= *ao) }
	upperOK := func(au, bu *int64) bool { return au == nil || (bu != nil && *bu <= *au) }
	flowerOK := func(ao, bo *float64) bool { return ao == nil || (bo != nil && *bo >= *ao) }
	fupperOK := func(au, bu *float64) bool { return au == nil || (bu != nil && *bu <= *au) }
	return set(a.ReporterTypes, b.ReporterTypes) && set(a.Services, b.Services) && set(a.Paid, b.Paid) &&
		set(a.DamageTypes, b.DamageTypes) && (!a.EvidenceRequired || b.EvidenceRequired) &&
		lowerOK(a.AmountOver, b.AmountOver) && upperOK(a.AmountUpTo, b.AmountUpTo) &&
		flowerOK(a.HoursOver, b.HoursOver) && fupperOK(a.HoursUpTo, b.HoursUpTo)
}
