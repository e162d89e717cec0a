package models_test

import (
	"context"
	"testing"
	"time"

	"roundtable/models"
	"roundtable/models/storetest"
)

func TestThrottle(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			clk := &clock{t: time.Date(2022, 11, 20, 10, 0, 0, 0, time.UTC)}
			st := storetest.Open(t, d, storetest.Options{Now: clk.Now})
			ctx := context.Background()
			l := models.Limit{Scope: "test", Window: 10 * time.Minute, PerAccount: 3, PerAddress: 5}
			a := models.Actor{UserID: 1, IP: "192.0.2.1"}
			for i := 0; i < 3; i++ {
				if err := st.Throttle(ctx, l, a); err != nil {
					t.Fatalf("use %d: %v", i+1, err)
				}
			}
			for i := 0; i < 3; i++ { // refused uses are not counted
				if err := st.Throttle(ctx, l, a); models.ErrorKind(err) != models.KindTooMany {
					t.Fatalf("over the account limit: %v", err)
				}
			}
			// A colleague behind the same address still has room, up to the
			// address's higher bar.
			b := models.Actor{UserID: 2, IP: "192.0.2.1"}
			for i := 0; i < 2; i++ {
				if err := st.Throttle(ctx, l, b); err != nil {
					t.Fatalf("colleague use %d: %v", i+1, err)
				}
			}
			if err := st.Throttle(ctx, l, b); models.ErrorKind(err) != models.KindTooMany {
				t.Fatalf("over the address limit: %v", err)
			}
			// Another scope is counted apart.
			if err := st.Throttle(ctx, models.Limit{Scope: "other", Window: time.Minute, PerAccount: 1, PerAddress: 1}, a); err != nil {
				t.Fatalf("other scope: %v", err)
			}
			clk.Add(11 * time.Minute)
			if err := st.Throttle(ctx, l, a); err != nil {
				t.Fatalf("after the window: %v", err)
			}
		})
	}
}
