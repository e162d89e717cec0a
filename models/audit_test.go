package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"roundtable/models"
	"roundtable/models/auditlog"
	"roundtable/models/storetest"
)

func TestAuditConcurrentWritersGetOneGapFreeChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		start, _ := st.AuditSize(ctx)
		const writers, each = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					errs <- st.Record(ctx, models.Actor{Role: "system", RequestID: fmt.Sprintf("w%d-%d", w, i)}, "test.event", "test", int64(w), map[string]int{"i": i})
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		evs, err := st.AuditEvents(ctx, models.AuditFilter{After: start, Limit: models.MaxAuditPage})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != writers*each {
			t.Fatalf("got %d events, want %d", len(evs), writers*each)
		}
		for i, e := range evs {
			if e.Seq != start+int64(i)+1 {
				t.Fatalf("event %d has seq %d: gap or duplicate", i, e.Seq)
			}
			if i > 0 && e.PrevHash != evs[i-1].Hash {
				t.Fatalf("seq %d does not chain to seq %d", e.Seq, evs[i-1].Seq)
			}
		}
		v, err := st.VerifyAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !v.OK || v.Count != start+writers*each {
			t.Fatalf("verify = %+v", v)
		}
	})
}

func TestAuditTablesAreAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		if err := st.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		db := st.DB().WithContext(ctx)
		for _, q := range []string{
			"UPDATE audit_events SET action = 'forged' WHERE seq = 2",
			"DELETE FROM audit_events WHERE seq = 2",
			"UPDATE audit_tree_hashes SET idx = idx WHERE idx = 0",
			"DELETE FROM audit_tree_hashes",
			"DELETE FROM audit_checkpoints",
			"UPDATE audit_checkpoints SET size = 1",
		} {
			if err := db.Exec(q).Error; err == nil {
				t.Errorf("%s: the database allowed it", q)
			}
		}
		v, err := st.VerifyAudit(ctx)
		if err != nil || !v.OK {
			t.Fatalf("verify after refused changes: %+v %v", v, err)
		}
	})
}

// dropAppendOnly removes the triggers, as an operator with full database
// access could, so tests can show that verification still catches it.
func dropAppendOnly(t *testing.T, st *models.Store) {
	t.Helper()
	var stmts []string
	if st.Dialect() == models.Postgres {
		stmts = []string{"DROP TRIGGER audit_events_append_only ON audit_events", "DROP TRIGGER audit_checkpoints_append_only ON audit_checkpoints"}
	} else {
		stmts = []string{"DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete", "DROP TRIGGER audit_checkpoints_no_delete"}
	}
	for _, q := range stmts {
		if err := st.DB().Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestVerifyNamesTamperedEvent(t *testing.T) {
	tests := []struct {
		name    string
		tamper  []string
		wantBad int64
	}{
		{"data edited", []string{`UPDATE audit_events SET data = '{"role":"admin","group":""}' WHERE seq = 5`}, 5},
		{"actor changed", []string{`UPDATE audit_events SET actor_role = 'admin' WHERE seq = 7`}, 7},
		{"row deleted", []string{`DELETE FROM audit_events WHERE seq = 6`}, 6},
		{"last rows truncated after a checkpoint", []string{`DELETE FROM audit_events WHERE seq >= 12`}, 12},
	}
	for _, d := range storetest.Dialects() {
		for _, tt := range tests {
			t.Run(string(d)+"/"+tt.name, func(t *testing.T) {
				st := storetest.Demo(t, d)
				ctx := context.Background()
				dropAppendOnly(t, st)
				for _, q := range tt.tamper {
					if err := st.DB().Exec(q).Error; err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				v, err := st.VerifyAudit(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if v.OK || v.FirstBadSeq != tt.wantBad {
					t.Fatalf("verify = ok:%v first_bad_seq:%d problems:%v, want first bad %d", v.OK, v.FirstBadSeq, v.Problems, tt.wantBad)
				}
			})
		}
	}
}

// A forger who rewrites an event and recomputes every later hash keeps the
// chain consistent, but the signed checkpoint no longer matches.
func TestVerifyCatchesRehashedHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		if err := st.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		dropAppendOnly(t, st)
		evs, _ := st.AuditEvents(ctx, models.AuditFilter{Limit: models.MaxAuditPage})
		evs[3].Data = `{"group":"expert","role":"member"}`
		prev := evs[2].Hash
		for i := 3; i < len(evs); i++ {
			p, _ := auditlog.ParseHashHex(prev)
			evs[i].PrevHash = prev
			evs[i].Hash = auditlog.HashHex(auditlog.ChainHash(p, auditlog.LeafHash(evs[i].Record().Canonical())))
			prev = evs[i].Hash
			if err := st.DB().Exec("UPDATE audit_events SET data = ?, prev_hash = ?, hash = ? WHERE seq = ?", evs[i].Data, evs[i].PrevHash, evs[i].Hash, evs[i].Seq).Error; err != nil {
				t.Fatal(err)
			}
		}
		v, err := st.VerifyAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cps, _ := st.Checkpoints(ctx)
		if v.OK || v.FirstBadSeq == 0 || v.FirstBadSeq > cps[len(cps)-1].Size {
			t.Fatalf("rehashed history passed or was placed after the checkpoint: %+v", v)
		}
	})
}

func TestCheckpointsAreSignedAndOnlyWhenTheLogGrew(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *models.Store) {
		ctx := context.Background()
		if err := st.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		cps, err := st.Checkpoints(ctx)
		if err != nil || len(cps) == 0 {
			t.Fatalf("after seeding: %d checkpoints, %v", len(cps), err)
		}
		for i := 1; i < len(cps); i++ {
			if cps[i].Size <= cps[i-1].Size {
				t.Fatalf("checkpoint sizes do not grow: %d then %d", cps[i-1].Size, cps[i].Size)
			}
		}
		last := cps[len(cps)-1]
		cp, err := auditlog.OpenCheckpoint([]byte(last.Note), st.VerifierKey())
		if err != nil {
			t.Fatal(err)
		}
		size, _ := st.AuditSize(ctx)
		if cp.Size != size || auditlog.HashHex(cp.Root) != last.Root {
			t.Fatalf("checkpoint %+v does not describe the log (size %d)", cp, size)
		}
		if again, err := st.Checkpoint(ctx, "timer"); err != nil || again != nil {
			t.Fatalf("a checkpoint without growth: %+v %v", again, err)
		}
		if err := st.Record(ctx, models.SystemActor(), "test.event", "test", 1, nil); err != nil {
			t.Fatal(err)
		}
		next, err := st.Checkpoint(ctx, "timer")
		if err != nil || next == nil || next.Size != size+1 {
			t.Fatalf("checkpoint after growth: %+v %v", next, err)
		}
		first, _ := st.AuditEvents(ctx, models.AuditFilter{Limit: 1})
		if first[0].Action != "audit.init" {
			t.Fatalf("first event is %q, want audit.init with the key fingerprint", first[0].Action)
		}
	})
}

func TestMigrationsAreRecordedAndIdempotent(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			dsn := storetest.DSN(t, d)
			ctx := context.Background()
			for i := 0; i < 2; i++ {
				st, err := models.Open(ctx, dsn, models.Options{Password: storetest.FastPasswords, Logger: storetest.Logger()})
				if err != nil {
					t.Fatalf("open #%d: %v", i+1, err)
				}
				v, err := st.SchemaVersion(ctx)
				if err != nil || v < 1 {
					t.Fatalf("schema version %d, %v", v, err)
				}
				_ = st.Close()
			}
		})
	}
}

// After a key rotation, older checkpoints still verify with the key that
// signed them, and the rotation itself is on the record.
func TestVerifyAcrossKeyRotation(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, d)
			open := func() *models.Store {
				skey, _ := storetest.SigningKey(t)
				signer, vkey, err := auditlog.SignerFromKey(skey)
				if err != nil {
					t.Fatal(err)
				}
				st, err := models.Open(ctx, dsn, models.Options{Password: storetest.FastPasswords, Signer: signer, VerifierKey: vkey, Logger: storetest.Logger()})
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
			first := open()
			if err := first.SeedDemo(ctx); err != nil {
				t.Fatal(err)
			}
			_ = first.Close()
			second := open()
			defer second.Close()
			if err := second.Record(ctx, models.SystemActor(), "test.event", "test", 1, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := second.Checkpoint(ctx, "timer"); err != nil {
				t.Fatal(err)
			}
			v, err := second.VerifyAudit(ctx)
			if err != nil || !v.OK {
				t.Fatalf("verify after rotation: %+v %v", v, err)
			}
			evs, _ := second.AuditEvents(ctx, models.AuditFilter{Action: "audit.key_changed"})
			if len(evs) != 1 {
				t.Fatalf("key change not recorded: %d events", len(evs))
			}
		})
	}
}

// Two servers opening the same fresh SQLite file at the same moment both
// come up: the second waits for the first's migrations instead of racing
// through them.
func TestConcurrentOpensOfAFreshSQLiteFile(t *testing.T) {
	dsn := storetest.DSN(t, models.SQLite)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := models.Open(context.Background(), dsn, models.Options{Password: storetest.FastPasswords, Logger: storetest.Logger()})
			if err == nil {
				_ = st.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
}
