package compensation

import (
	"fmt"
	"strconv"
	"strings"

	"roundtable/models/reportfile"
)

// Won formats an amount of Korean won with thousands separators.
func Won(n int64, lang string) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if neg {
		out = "-" + out
	}
	if lang == "en" {
		return "₩" + out
	}
	return out + "원"
}

func labels(d reportfile.Dimension, codes []string, lang string) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = c
		if code, ok := d.Lookup(c); ok {
			parts[i] = code.Label(lang)
		}
	}
	return strings.Join(parts, ", ")
}

func tr(lang, ko, en string) string {
	if lang == "en" {
		return en
	}
	return ko
}

// Scope describes whom a rule covers, e.g. "소상공인 · 카카오톡 채널 ·
// 매출 손실 · 청구액 30만 원 초과 50만 원 이하 · 증빙 필요".
func (c Conditions) Scope(lang string) string {
	var parts []string
	if len(c.ReporterTypes) > 0 {
		parts = append(parts, labels(reportfile.ReporterTypes(), c.ReporterTypes, lang))
	}
	if len(c.Services) > 0 {
		parts = append(parts, labels(reportfile.Services(), c.Services, lang))
	}
	if len(c.Paid) > 0 {
		parts = append(parts, labels(reportfile.PaidValues(), c.Paid, lang))
	}
	if len(c.DamageTypes) > 0 {
		parts = append(parts, labels(reportfile.DamageTypes(), c.DamageTypes, lang))
	}
	if r := amountRange(c.AmountOver, c.AmountUpTo, lang); r != "" {
		parts = append(parts, tr(lang, "청구액 ", "claims ")+r)
	}
	if c.HoursOver != nil || c.HoursUpTo != nil {
		var h []string
		if c.HoursOver != nil {
			h = append(h, tr(lang, fmt.Sprintf("%g시간 초과", *c.HoursOver), fmt.Sprintf("over %g h", *c.HoursOver)))
		}
		if c.HoursUpTo != nil {
			h = append(h, tr(lang, fmt.Sprintf("%g시간 이하", *c.HoursUpTo), fmt.Sprintf("up to %g h", *c.HoursUpTo)))
		}
		parts = append(parts, tr(lang, "장애 ", "outage ")+strings.Join(h, " "))
	}
	if c.EvidenceRequired {
		parts = append(parts, tr(lang, "증빙 필요", "evidence required"))
	}
	if len(parts) == 0 {
		return tr(lang, "모든 신고", "every report")
	}
	return strings.Join(parts, " · ")
}

func amountRange(over, upTo *int64, lang string) string {
	var r []string
	if over != nil {
		r = append(r, tr(lang, Won(*over, lang)+" 초과", "over "+Won(*over, lang)))
	}
	if upTo != nil {
		r = append(r, tr(lang, Won(*upTo, lang)+" 이하", "up to "+Won(*upTo, lang)))
	}
	return strings.Join(r, " ")
}

// Describe says what a payout gives, e.g. "1시간당 10,000원, 최대 50,000원".
func (p Payout) Describe(lang string) string {
	switch p.Kind {
	case PayFixed:
		return Won(p.Amount, lang)
	case PayPerHour:
		return tr(lang, fmt.Sprintf("1시간당 %s, 최대 %s", Won(p.Amount, lang), Won(p.Cap, lang)),
			fmt.Sprintf("%s per hour, at most %s", Won(p.Amount, lang), Won(p.Cap, lang)))
	case PayShare:
		return tr(lang, fmt.Sprintf("청구액의 %g%%, 최대 %s", p.SharePercent, Won(p.Cap, lang)),
			fmt.Sprintf("%g%% of the claim, at most %s", p.SharePercent, Won(p.Cap, lang)))
	case PayGesture:
		return tr(lang, "비금전적 지원: ", "non-cash: ") + p.Gesture
	}
	return p.Kind
}

// Change is one difference between two versions' rules, in words.
type Change struct {
	Rule string `json:"rule"`
	Kind string `json:"change"` // added, removed, modified, moved
	Text string `json:"text"`
}

// Diff describes how rules changed from base to target. Rules are matched
// by name, the way clauses are matched by key.
func Diff(base, target []Rule, lang string) []Change {
	idx := func(rs []Rule) map[string]int {
		m := map[string]int{}
		for i, r := range rs {
			m[r.Name] = i
		}
		return m
	}
	bi, ti := idx(base), idx(target)
	var out []Change
	for j, t := range target {
		i, ok := bi[t.Name]
		if !ok {
			out = append(out, Change{Rule: t.Name, Kind: "added", Text: tr(lang,
				fmt.Sprintf("새 규칙 ‘%s’: %s → %s", t.Name, t.When.Scope(lang), t.Pay.Describe(lang)),
				fmt.Sprintf("new rule ‘%s’: %s → %s", t.Name, t.When.Scope(lang), t.Pay.Describe(lang)))})
			continue
		}
		b := base[i]
		var parts []string
		if b.Pay.Describe(lang) != t.Pay.Describe(lang) {
			parts = append(parts, payoutChange(b.Pay, t.Pay, lang))
		}
		if b.When.Scope(lang) != t.When.Scope(lang) {
			parts = append(parts, tr(lang, "대상 ", "scope ")+b.When.Scope(lang)+" → "+t.When.Scope(lang))
		}
		if b.Clause != t.Clause {
			parts = append(parts, tr(lang, "근거 조항 ", "clause ")+b.Clause+" → "+t.Clause)
		}
		if len(parts) > 0 {
			out = append(out, Change{Rule: t.Name, Kind: "modified", Text: fmt.Sprintf("‘%s’: %s (%s)", t.Name, strings.Join(parts, "; "), t.When.Scope(lang))})
		} else if i != j {
			out = append(out, Change{Rule: t.Name, Kind: "moved", Text: tr(lang,
				fmt.Sprintf("‘%s’의 순서가 %d번째에서 %d번째로 바뀜 (먼저 해당하는 규칙이 적용됩니다)", t.Name, i+1, j+1),
				fmt.Sprintf("‘%s’ moved from position %d to %d (the first matching rule applies)", t.Name, i+1, j+1))})
		}
	}
	for _, b := range base {
		if _, ok := ti[b.Name]; !ok {
			out = append(out, Change{Rule: b.Name, Kind: "removed", Text: tr(lang,
				fmt.Sprintf("규칙 ‘%s’ 삭제 (%s → %s)", b.Name, b.When.Scope(lang), b.Pay.Describe(lang)),
				fmt.Sprintf("rule ‘%s’ removed (%s → %s)", b.Name, b.When.Scope(lang), b.Pay.Describe(lang)))})
		}
	}
	return out
}

// payoutChange names the part of a payout that changed, e.g.
// "상한 50,000원 → 100,000원".
func payoutChange(a, b Payout, lang string) string {
	switch {
	case a.Kind != b.Kind:
		return a.Describe(lang) + " → " + b.Describe(lang)
	case a.Cap != b.Cap && a.Amount == b.Amount && a.SharePercent == b.SharePercent:
		return tr(lang, "상한 ", "cap ") + Won(a.Cap, lang) + " → " + Won(b.Cap, lang)
	case a.Amount != b.Amount && a.Cap == b.Cap && a.Kind == PayFixed:
		return tr(lang, "지급액 ", "payout ") + Won(a.Amount, lang) + " → " + Won(b.Amount, lang)
	}
	return a.Describe(lang) + " → " + b.Describe(lang)
}
