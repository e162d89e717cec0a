package compensation

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"roundtable/models/disclosure"
)

func i64(v int64) *int64 { return &v }

// december2022 is the shape of the criteria the real council published:
// small merchants' sales losses up to 300,000 won get 30,000, over that up
// to 500,000 get 50,000, and every user a non-cash gesture.
func december2022() []Rule {
	merchant := Conditions{ReporterTypes: []string{"small_merchant"}, Paid: []string{"free"}, DamageTypes: []string{"lost_sales"}, EvidenceRequired: true}
	low, high := merchant, merchant
	low.AmountUpTo = i64(300000)
	high.AmountOver, high.AmountUpTo = i64(300000), i64(500000)
	return []Rule{
		{Name: "소상공인 30만 원 이하", Clause: "2.1", When: low, Pay: Payout{Kind: PayFixed, Amount: 30000}},
		{Name: "소상공인 30만~50만 원", Clause: "2.1", When: high, Pay: Payout{Kind: PayFixed, Amount: 50000}},
		{Name: "모든 이용자 위로", Clause: "3", Pay: Payout{Kind: PayGesture, Gesture: "이모티콘 3종"}},
	}
}

func TestValidate(t *testing.T) {
	if ps := Validate(december2022()); len(ps) != 0 {
		t.Fatalf("the December 2022 criteria do not validate: %+v", ps)
	}
	tests := []struct {
		name  string
		rules []Rule
		rule  int
		field string
	}{
		{"unknown reporter type", []Rule{{Name: "a", When: Conditions{ReporterTypes: []string{"bank"}}, Pay: Payout{Kind: PayFixed, Amount: 1}}}, 0, "when.reporter_types"},
		{"unknown service", []Rule{{Name: "a", When: Conditions{Services: []string{"kakao_bank"}}, Pay: Payout{Kind: PayFixed, Amount: 1}}}, 0, "when.services"},
		{"negative amount", []Rule{{Name: "a", Pay: Payout{Kind: PayFixed, Amount: -5}}}, 0, "pay.amount"},
		{"cap below an hour", []Rule{{Name: "a", Pay: Payout{Kind: PayPerHour, Amount: 10000, Cap: 5000}}}, 0, "pay.cap"},
		{"hourly without cap", []Rule{{Name: "a", Pay: Payout{Kind: PayPerHour, Amount: 10000}}}, 0, "pay.cap"},
		{"share over 100%", []Rule{{Name: "a", Pay: Payout{Kind: PayShare, SharePercent: 120, Cap: 1000}}}, 0, "pay.share_percent"},
		{"empty amount range", []Rule{{Name: "a", When: Conditions{AmountOver: i64(500), AmountUpTo: i64(500)}, Pay: Payout{Kind: PayFixed, Amount: 1}}}, 0, "when.amount_up_to"},
		{"no name", []Rule{{Pay: Payout{Kind: PayFixed, Amount: 1}}}, 0, "name"},
		{"unknown kind", []Rule{{Name: "a", Pay: Payout{Kind: "voucher"}}}, 0, "pay.kind"},
		{"gesture without text", []Rule{{Name: "a", Pay: Payout{Kind: PayGesture}}}, 0, "pay.gesture"},
		{"shadowed by an earlier broader rule", []Rule{
			{Name: "all merchants", When: Conditions{ReporterTypes: []string{"small_merchant"}}, Pay: Payout{Kind: PayFixed, Amount: 10000}},
			{Name: "merchants on Talk Channel", When: Conditions{ReporterTypes: []string{"small_merchant"}, Services: []string{"talk_channel"}}, Pay: Payout{Kind: PayFixed, Amount: 20000}},
		}, 1, "when"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := Validate(tt.rules)
			for _, p := range ps {
				if p.Rule == tt.rule && p.Field == tt.field && p.Message != "" && p.MessageKo != "" {
					return
				}
			}
			t.Fatalf("want a problem on rules[%d].%s, got %+v", tt.rule, tt.field, ps)
		})
	}
	// A narrower rule before a broader one is fine: both can apply.
	ok := []Rule{
		{Name: "Talk Channel", When: Conditions{ReporterTypes: []string{"small_merchant"}, Services: []string{"talk_channel"}}, Pay: Payout{Kind: PayFixed, Amount: 20000}},
		{Name: "other merchants", When: Conditions{ReporterTypes: []string{"small_merchant"}}, Pay: Payout{Kind: PayFixed, Amount: 10000}},
	}
	if ps := Validate(ok); len(ps) != 0 {
		t.Fatalf("narrow-then-broad flagged: %+v", ps)
	}
}

func TestEvaluation(t *testing.T) {
	rules := december2022()
	m := Record{ReporterType: "small_merchant", Paid: "free", DamageType: "lost_sales", Evidence: true}
	tests := []struct {
		name   string
		rec    Record
		rule   int
		amount int64
	}{
		{"300,000 exactly is the low bracket", withAmount(m, 300000), 0, 30000},
		{"300,001 is the high bracket", withAmount(m, 300001), 1, 50000},
		{"500,000 is still high", withAmount(m, 500000), 1, 50000},
		{"over 500,000 is not covered", withAmount(m, 500001), -1, 0},
		{"no evidence, no payout", Record{ReporterType: "small_merchant", Paid: "free", DamageType: "lost_sales", Amount: 1000}, -1, 0},
		{"individual gets no cash", Record{ReporterType: "individual", Paid: "free", DamageType: "lost_sales", Amount: 1000, Evidence: true}, -1, 0},
		{"paid service is under the terms of service", Record{ReporterType: "small_merchant", Paid: "paid", DamageType: "lost_sales", Amount: 1000, Evidence: true}, -1, 0},
	}
	for _, tt := range tests {
		i, amount := Cash(rules, tt.rec)
		if i != tt.rule || amount != tt.amount {
			t.Errorf("%s: rule %d amount %d, want %d %d", tt.name, i, amount, tt.rule, tt.amount)
		}
		if g := Gestures(rules, tt.rec); len(g) != 1 || g[0] != 2 {
			t.Errorf("%s: gestures %v, want everyone to get rule 2", tt.name, g)
		}
	}
	hourly := Payout{Kind: PayPerHour, Amount: 10000, Cap: 45000}
	if got := hourly.AmountFor(Record{Hours: 3.5}); got != 35000 {
		t.Errorf("3.5 h at 10,000: %d", got)
	}
	if got := hourly.AmountFor(Record{Hours: 30}); got != 45000 {
		t.Errorf("capped: %d", got)
	}
	share := Payout{Kind: PayShare, SharePercent: 10, Cap: 100000}
	if got := share.AmountFor(Record{Amount: 123456}); got != 12345 {
		t.Errorf("10%% of 123,456: %d", got)
	}
}

func withAmount(r Record, a int64) Record { r.Amount = a; return r }

func TestEstimatorPaysEachReporterOnce(t *testing.T) {
	rules := december2022()
	e := NewEstimator(rules)
	m := Record{ReporterType: "small_merchant", Service: "talk_channel", Paid: "free", DamageType: "lost_sales", Evidence: true}
	// Reporter A filed twice (200,000 and 400,000): paid once, the higher.
	a1, a2 := withAmount(m, 200000), withAmount(m, 400000)
	a1.ReporterKey, a2.ReporterKey = "a", "a"
	b := withAmount(m, 100000)
	b.ReporterKey = "b"
	c := Record{ReporterKey: "c", ReporterType: "individual", Service: "kakaotalk", Paid: "free", DamageType: "non_monetary"}
	for _, r := range []Record{a1, a2, b, c} {
		e.Add(r)
	}
	raw, inputs := e.Finish()
	if raw.Reporters != 3 || raw.Reports != 4 || raw.EligibleReporters != 2 || raw.TotalPayout != 80000 || raw.EligibleReports != 3 {
		t.Fatalf("raw %+v", raw)
	}
	if raw.ByRule[1] != 1 || raw.ByRule[0] != 1 || raw.Gestures[2] != 3 {
		t.Fatalf("by rule %+v gestures %+v", raw.ByRule, raw.Gestures)
	}
	if len(inputs) != len(Breakdowns) {
		t.Fatalf("%d tables", len(inputs))
	}
	// Two paid reporters: every published cell is a small cell.
	ts, err := Publish(disclosure.DefaultRules(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range ts {
		if tb.Total.Count != nil || tb.Total.AmountSum != nil {
			t.Errorf("%s: a total of 2 reporters is published: %+v", tb.ID, tb.Total)
		}
		for _, cell := range tb.Cells {
			if cell.Count != nil && *cell.Count != 0 || cell.Reason != "" {
				t.Errorf("%s %s: %+v", tb.ID, cell.Row, cell)
			}
		}
	}
}

func TestEstimatorPublishesLargeCells(t *testing.T) {
	rules := december2022()
	e := NewEstimator(rules)
	for i := 0; i < 400; i++ {
		r := Record{ReporterKey: fmt.Sprintf("r%04d", i), ReporterType: "small_merchant", Service: "talk_channel", Paid: "free",
			DamageType: "lost_sales", Evidence: true, Amount: int64(100000 + (i%5)*100000)}
		e.Add(r)
	}
	raw, inputs := e.Finish()
	ts, err := Publish(disclosure.DefaultRules(), inputs)
	if err != nil {
		t.Fatal(err)
	}
	// 80 reporters each at 100k..500k: 240 get 30,000 and 160 get 50,000.
	if raw.EligibleReporters != 400 || raw.TotalPayout != 15_200_000 {
		t.Fatalf("raw %+v", raw)
	}
	for _, tb := range ts {
		if tb.Total.Count == nil || *tb.Total.Count != 400 || tb.Total.AmountSum == nil || *tb.Total.AmountSum != 15_200_000 {
			t.Errorf("%s total: %+v", tb.ID, tb.Total)
		}
	}
	byRule := ts[0]
	for _, c := range byRule.Cells {
		switch c.Row {
		case "0":
			if c.Count == nil || *c.Count != 240 {
				t.Errorf("rule 0 cell %+v", c)
			}
		case "1":
			if c.Count == nil || *c.Count != 160 || c.AmountSum == nil || *c.AmountSum != 8_000_000 {
				t.Errorf("rule 1 cell %+v", c)
			}
		}
	}
}

func TestDiffInWords(t *testing.T) {
	base := december2022()
	target := december2022()
	target[1].Pay.Amount = 100000
	target[1].When.Services = []string{"talk_channel"}
	target = append(target, Rule{Name: "스타트업 시간당", When: Conditions{ReporterTypes: []string{"sme"}}, Pay: Payout{Kind: PayPerHour, Amount: 10000, Cap: 100000}})
	target = append(target[:0:0], target[0], target[1], target[3])
	changes := Diff(base, target, "ko")
	text := ""
	for _, c := range changes {
		text += c.Kind + ": " + c.Text + "\n"
	}
	for _, want := range []string{"지급액 50,000원 → 100,000원", "카카오톡 채널", "새 규칙 ‘스타트업 시간당’", "1시간당 10,000원, 최대 100,000원", "removed: 규칙 ‘모든 이용자 위로’ 삭제"} {
		if !strings.Contains(text, want) {
			t.Errorf("diff lacks %q:\n%s", want, text)
		}
	}
	capped := december2022()
	capped = append(capped, Rule{Name: "h", Pay: Payout{Kind: PayPerHour, Amount: 10000, Cap: 50000}})
	more := december2022()
	more = append(more, Rule{Name: "h", Pay: Payout{Kind: PayPerHour, Amount: 10000, Cap: 100000}})
	if d := Diff(capped, more, "en"); len(d) != 1 || !strings.Contains(d[0].Text, "cap ₩50,000 → ₩100,000") {
		t.Errorf("cap change: %+v", d)
	}
	if d := Diff(base, base, "ko"); len(d) != 0 {
		t.Errorf("no change reported as %+v", d)
	}
}

func TestParseRejectsUnknownFields(t *testing.T) {
	b, _ := json.Marshal(december2022())
	rules, err := Parse(string(b))
	if err != nil || len(rules) != 3 {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := Parse(`[{"name":"a","when":{"reporter_type":["x"]},"pay":{"kind":"fixed","amount":1}}]`); err == nil {
		t.Error("a misspelt condition was accepted")
	}
	if rules, err := Parse(""); err != nil || rules != nil {
		t.Errorf("empty rules: %v %v", rules, err)
	}
}

func FuzzValidate(f *testing.F) {
	b, _ := json.Marshal(december2022())
	f.Add(string(b))
	f.Add(`[{"name":"a","when":{"amount_over":5,"amount_up_to":1},"pay":{"kind":"per_hour","amount":10,"cap":1}}]`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, raw string) {
		rules, err := Parse(raw)
		if err != nil {
			return
		}
		ps := Validate(rules)
		for _, p := range ps {
			if p.Rule < 0 || p.Rule >= len(rules) || p.Field == "" || p.Message == "" {
				t.Fatalf("bad problem %+v", p)
			}
		}
		if len(ps) == 0 {
			// Valid rules evaluate without panicking and never pay a negative amount.
			for _, r := range []Record{{}, {ReporterType: "small_merchant", Amount: 1 << 40, Hours: 1e9}} {
				if _, amount := Cash(rules, r); amount < 0 {
					t.Fatalf("negative payout %d", amount)
				}
			}
		}
	})
}
