package models_test

import (
	"context"
	"sync"
	"testing"

	"roundtable/models"
	"roundtable/models/auditlog"
	"roundtable/models/storetest"
)

// Two stores on one database stand for two server instances. These tests
// run on a shared SQLite file as well as on PostgreSQL: the file is the
// cheap case (SQLite's immediate transactions serialise writers), the
// PostgreSQL schema the one a multi-instance deployment relies on.

// Instances that start together register the signing key once. Only on
// PostgreSQL: SQLite is meant for one server process, and its migrations
// take no cross-process lock (docs/operations.md).
func TestConcurrentStartRegistersKeyOnce(t *testing.T) {
	for _, d := range []models.Dialect{models.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dsn := storetest.DSN(t, d)
			skey, _ := storetest.SigningKey(t)
			stores := make([]*models.Store, 3)
			var wg sync.WaitGroup
			for i := range stores {
				wg.Go(func() { stores[i] = openShared(t, dsn, skey) })
			}
			wg.Wait()
			evs, err := stores[0].AuditEvents(context.Background(), models.AuditFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			inits := 0
			for _, ev := range evs {
				if ev.Action == auditlog.ActionKeyInit || ev.Action == auditlog.ActionKeyChanged {
					inits++
				}
			}
			if inits != 1 {
				t.Fatalf("%d key registrations after 3 concurrent starts, want 1", inits)
			}
			requireOneHistory(t, stores...)
		})
	}
}

// Writers and checkpoint signers racing through two stores leave one
// gap-free chain and one consistent set of checkpoints: every checkpoint
// has its own size, and every one verifies.
func TestTwoStoresOneHistoryAndCheckpoints(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			dsn := storetest.DSN(t, d)
			skey, _ := storetest.SigningKey(t)
			a := openShared(t, dsn, skey)
			b := openShared(t, dsn, skey)
			ctx := context.Background()
			const writers, each = 6, 15
			var wg sync.WaitGroup
			errs := make(chan error, writers*each*2)
			for w := range writers {
				st := []*models.Store{a, b}[w%2]
				wg.Go(func() {
					for i := range each {
						if err := st.Record(ctx, models.SystemActor(), "test.write", "test", int64(w*100+i), nil); err != nil {
							errs <- err
						}
						if i%3 == 0 {
							if _, err := st.Checkpoint(ctx, "timer"); err != nil {
								errs <- err
							}
						}
					}
				})
			}
			// Both instances' timers firing at the same moment.
			for range 10 {
				for _, st := range []*models.Store{a, b} {
					wg.Go(func() {
						if _, err := st.Checkpoint(ctx, "timer"); err != nil {
							errs <- err
						}
					})
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			for _, st := range []*models.Store{a, b} {
				if _, err := st.Checkpoint(ctx, "shutdown"); err != nil {
					t.Fatal(err)
				}
			}
			requireOneHistory(t, a, b)
			cps, err := a.Checkpoints(ctx)
			if err != nil {
				t.Fatal(err)
			}
			size, _ := a.AuditSize(ctx)
			for i := 1; i < len(cps); i++ {
				if cps[i].Size <= cps[i-1].Size {
					t.Fatalf("checkpoints %d and %d both sign size %d (or go back)", cps[i-1].ID, cps[i].ID, cps[i].Size)
				}
			}
			if last := cps[len(cps)-1]; last.Size != size {
				t.Fatalf("the last checkpoint signs %d events, the log has %d", last.Size, size)
			}
		})
	}
}

// requireOneHistory checks that every store sees the same intact log with
// seq 1..N and no duplicates.
func requireOneHistory(t *testing.T, stores ...*models.Store) {
	t.Helper()
	ctx := context.Background()
	var head string
	for i, st := range stores {
		res, err := st.VerifyAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK {
			t.Fatalf("store %d: history does not verify: %v (first bad %d)", i, res.Problems, res.FirstBadSeq)
		}
		if i > 0 && res.Head != head {
			t.Fatalf("store %d sees head %s, store 0 %s", i, res.Head, head)
		}
		head = res.Head
	}
	var after int64
	for {
		evs, err := stores[0].AuditEvents(ctx, models.AuditFilter{After: after, Limit: models.MaxAuditPage})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if ev.Seq != after+1 {
				t.Fatalf("event seq %d follows %d", ev.Seq, after)
			}
			after = ev.Seq
		}
	}
	if size, _ := stores[0].AuditSize(ctx); size != after {
		t.Fatalf("the head says %d events, %d are stored", size, after)
	}
}
