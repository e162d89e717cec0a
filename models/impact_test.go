package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"roundtable/models"
	"roundtable/models/compensation"
	"roundtable/models/storetest"
)

func TestImpactEstimateIsComputedOnceAndDisclosureSafe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		if err := st.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		v2, err := st.VersionByID(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Impact(ctx, v2); !errors.Is(err, models.ErrNoSnapshot) {
			t.Fatalf("impact without data: %v", err)
		}
		svc := newReports(t, st)
		b, err := importBytes(t, st, svc, generate(t, 6000, 7))
		if err != nil || b.Status != models.BatchCommitted {
			t.Fatalf("import: %+v %v", b, err)
		}
		imp, err := st.Impact(ctx, v2)
		if err != nil {
			t.Fatal(err)
		}
		// The same figures, recomputed independently from the stored rows.
		rules, _ := compensation.Parse(v2.Rules)
		best := map[string]int64{}
		rows, err := st.DB().Raw("SELECT reporter_key, reporter_type, service, paid, damage_type, claimed_amount, outage_hours, evidence FROM reports").Rows()
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var r compensation.Record
			if err := rows.Scan(&r.ReporterKey, &r.ReporterType, &r.Service, &r.Paid, &r.DamageType, &r.Amount, &r.Hours, &r.Evidence); err != nil {
				t.Fatal(err)
			}
			if i, amount := compensation.Cash(rules, r); i >= 0 && amount > best[r.ReporterKey] {
				best[r.ReporterKey] = amount
			}
		}
		rows.Close()
		var total int64
		for _, a := range best {
			total += a
		}
		if imp.EligibleReporters == nil || imp.TotalPayout == nil {
			t.Fatalf("headline withheld on 6,000 reports: %+v", imp)
		}
		if got, want := *imp.EligibleReporters, int64(len(best)); got < want-2 || got > want+2 || got%5 != 0 {
			t.Errorf("eligible reporters published %d, exact %d", got, want)
		}
		if got := *imp.TotalPayout; float64(got) < float64(total)*0.995 || float64(got) > float64(total)*1.005 {
			t.Errorf("total payout published %d, exact %d (3 significant figures)", got, total)
		}
		// Nothing small is published.
		for dim, rs := range imp.By {
			for _, r := range rs {
				if r.Eligible != nil && *r.Eligible > 0 && *r.Eligible < int64(imp.Threshold) {
					t.Errorf("%s %s: small count %d published", dim, r.Value, *r.Eligible)
				}
			}
		}
		// Stored once, identical on every request.
		again, err := st.Impact(ctx, v2)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(imp)
		b2, _ := json.Marshal(again)
		if string(a) != string(b2) {
			t.Error("the estimate differs between two requests")
		}
		var n int64
		st.DB().Table("impact_estimates").Count(&n)
		if n != 1 {
			t.Errorf("%d stored estimates, want 1", n)
		}
		// Changing a draft's rules makes a new estimate.
		v3, _ := st.VersionByID(ctx, 3)
		r3, _ := compensation.Parse(v3.Rules)
		r3[1].Pay.Amount = 100000
		sec := secretariat(t, st)
		if _, err := st.UpdateRules(ctx, sec, v3.ID, r3, &v3.Revision); err != nil {
			t.Fatal(err)
		}
		v3, _ = st.VersionByID(ctx, 3)
		imp3, err := st.Impact(ctx, v3)
		if err != nil {
			t.Fatal(err)
		}
		if imp3.RulesSHA256 == imp.RulesSHA256 || *imp3.TotalPayout <= *imp.TotalPayout {
			t.Errorf("higher cap did not raise the total: %d vs %d", *imp3.TotalPayout, *imp.TotalPayout)
		}
		// Bad rules are refused, naming the rule and field, and change nothing.
		r3[0].Pay.Amount = -1
		if _, err := st.UpdateRules(ctx, sec, v3.ID, r3, nil); models.ErrorKind(err) != models.KindInvalid {
			t.Errorf("negative amount: %v", err)
		} else if e := (*models.Error)(nil); !errors.As(err, &e) || e.Fields["rules[0].pay.amount"] == "" {
			t.Errorf("error fields %v", e.Fields)
		}
		// Published versions' rules are frozen.
		r3[0].Pay.Amount = 30000
		if _, err := st.UpdateRules(ctx, sec, v2.ID, r3[:1], nil); models.ErrorKind(err) != models.KindConflict {
			t.Errorf("rules of a published version changed: %v", err)
		}
	})
}
