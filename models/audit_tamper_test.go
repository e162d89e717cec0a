package models_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"roundtable/models"
	"roundtable/models/auditlog"
	"roundtable/models/storetest"
)

// The tampering the design lists, each done to the database the way someone
// with full access to it could, and each caught by the offline verifier of
// a fresh export against the public key and a checkpoint the auditor kept
// from an earlier visit. Both engines.

// tamperEnv is a demo council whose auditor kept a checkpoint, after which
// the log went on and was signed again.
type tamperEnv struct {
	t          *testing.T
	ctx        context.Context
	dsn        string
	st         *models.Store
	signer     note.Signer
	vkey       string
	held       []byte
	heldSize   int64
	firstCheck int64 // the smallest checkpoint size
}

func openWithKey(t *testing.T, dsn, skey string) (*models.Store, note.Signer, string) {
	t.Helper()
	signer, vkey, err := auditlog.SignerFromKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	st, err := models.Open(context.Background(), dsn, models.Options{Password: storetest.FastPasswords, Signer: signer, VerifierKey: vkey,
		Logger: storetest.Logger(), MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st, signer, vkey
}

func newTamperEnv(t *testing.T, d models.Dialect) *tamperEnv {
	t.Helper()
	e := &tamperEnv{t: t, ctx: context.Background(), dsn: storetest.DSN(t, d)}
	skey, _ := storetest.SigningKey(t)
	e.st, e.signer, e.vkey = openWithKey(t, e.dsn, skey)
	if err := e.st.SeedDemo(e.ctx); err != nil {
		t.Fatal(err)
	}
	cps, err := e.st.Checkpoints(e.ctx)
	if err != nil || len(cps) < 2 {
		t.Fatalf("demo checkpoints: %v %v", cps, err)
	}
	e.firstCheck = cps[0].Size
	// The auditor's visit: they keep the newest checkpoint.
	last := cps[len(cps)-1]
	e.held, e.heldSize = []byte(last.Note), last.Size
	// Life goes on, and is signed again.
	for i := 0; i < 5; i++ {
		if err := e.st.Record(e.ctx, models.SystemActor(), "test.event", "test", int64(i+1), map[string]int{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.st.Checkpoint(e.ctx, "timer"); err != nil {
		t.Fatal(err)
	}
	if rep := e.verify(e.export(e.st)); !rep.OK {
		t.Fatalf("the untouched export does not verify: %v", rep.Problems)
	}
	dropAllAppendOnly(t, e.st)
	return e
}

func (e *tamperEnv) export(st *models.Store) []byte {
	e.t.Helper()
	var buf bytes.Buffer
	if _, err := st.ExportAudit(e.ctx, &buf); err != nil {
		e.t.Fatal(err)
	}
	return buf.Bytes()
}

func (e *tamperEnv) verify(export []byte) auditlog.Report {
	e.t.Helper()
	rep, err := auditlog.Verify(bytes.NewReader(export), auditlog.VerifyOptions{TrustedKey: e.vkey, TrustedCheckpoints: [][]byte{e.held}})
	if err != nil {
		e.t.Fatal(err)
	}
	return rep
}

func (e *tamperEnv) exec(q string, args ...any) {
	e.t.Helper()
	if err := e.st.DB().WithContext(e.ctx).Exec(q, args...).Error; err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

func (e *tamperEnv) events() []models.AuditEvent {
	e.t.Helper()
	var evs []models.AuditEvent
	if err := e.st.DB().WithContext(e.ctx).Order("seq").Find(&evs).Error; err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// dropAllAppendOnly removes every append-only trigger of the history, as
// an operator with full database access could.
func dropAllAppendOnly(t *testing.T, st *models.Store) {
	t.Helper()
	for _, table := range []string{"audit_events", "audit_tree_hashes", "audit_checkpoints", "audit_links"} {
		var stmts []string
		if st.Dialect() == models.Postgres {
			stmts = []string{"DROP TRIGGER IF EXISTS " + table + "_append_only ON " + table, "DROP TRIGGER IF EXISTS " + table + "_no_truncate ON " + table}
		} else {
			stmts = []string{"DROP TRIGGER IF EXISTS " + table + "_no_update", "DROP TRIGGER IF EXISTS " + table + "_no_delete"}
		}
		for _, q := range stmts {
			if err := st.DB().Exec(q).Error; err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
}

// memHashes is a tlog.HashReader over hashes held in memory.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(m)) {
			return nil, fmt.Errorf("no hash %d", x)
		}
		out[i] = m[x]
	}
	return out, nil
}

// rewrite replaces the stored history with evs (seq as given) the way a
// careful forger would: every chain hash, every stored tree hash and the
// head recomputed, the old checkpoints deleted, and new ones signed by
// signer at sizes (none if signer is nil).
func (e *tamperEnv) rewrite(evs []models.AuditEvent, signer note.Signer, sizes []int64) {
	e.t.Helper()
	var prev tlog.Hash
	var stored memHashes
	for i := range evs {
		leaf := auditlog.LeafHash(evs[i].Record().Canonical())
		_, hs, err := auditlog.HashesToStore(int64(i+1), leaf, stored)
		if err != nil {
			e.t.Fatal(err)
		}
		stored = append(stored, hs...)
		evs[i].PrevHash = auditlog.HashHex(prev)
		prev = auditlog.ChainHash(prev, leaf)
		evs[i].Hash = auditlog.HashHex(prev)
		evs[i].Actor = nil
	}
	db := e.st.DB().WithContext(e.ctx)
	e.exec("DELETE FROM audit_events")
	e.exec("DELETE FROM audit_tree_hashes")
	e.exec("DELETE FROM audit_checkpoints")
	if err := db.Omit("Actor").CreateInBatches(&evs, 200).Error; err != nil {
		e.t.Fatal(err)
	}
	for i, h := range stored {
		e.exec("INSERT INTO audit_tree_hashes (idx, hash) VALUES (?, ?)", i, h[:])
	}
	e.exec("UPDATE audit_heads SET size = ?, last_hash = ? WHERE id = 1", len(evs), auditlog.HashHex(prev))
	if signer == nil {
		return
	}
	for _, size := range sizes {
		root, err := auditlog.TreeRoot(size, stored)
		if err != nil {
			e.t.Fatal(err)
		}
		msg, err := auditlog.SignCheckpoint(auditlog.Checkpoint{Origin: signer.Name(), Size: size, Root: root}, signer)
		if err != nil {
			e.t.Fatal(err)
		}
		cp := models.AuditCheckpoint{Size: size, Root: auditlog.HashHex(root), Note: string(msg), Reason: "timer", CreatedAt: e.st.Now()}
		if err := db.Create(&cp).Error; err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *tamperEnv) checkpointSizes() []int64 {
	cps, err := e.st.Checkpoints(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []int64
	for _, cp := range cps {
		out = append(out, cp.Size)
	}
	return out
}

func TestTamperingIsDetectedAgainstAHeldCheckpoint(t *testing.T) {
	cases := []struct {
		name string
		// tamper changes the database and returns the store the next
		// export comes from (the forger may run the server with their own
		// key) and the range the first bad seq must fall in.
		tamper   func(e *tamperEnv) (st *models.Store, lo, hi int64)
		mentions string
		// serverSees: the server's own check (GET /audit/verify) catches it
		// too. A history rebuilt and re-signed with a key the server
		// trusts is self-consistent: only a held checkpoint exposes it.
		serverSees bool
	}{
		{
			name: "update a row",
			tamper: func(e *tamperEnv) (*models.Store, int64, int64) {
				e.exec(`UPDATE audit_events SET data = '{"role":"admin","group":""}' WHERE seq = 5`)
				return e.st, 5, 5
			},
			mentions: "seq 5: hash does not match the event's content", serverSees: true,
		},
		{
			name: "delete a row",
			tamper: func(e *tamperEnv) (*models.Store, int64, int64) {
				e.exec(`DELETE FROM audit_events WHERE seq = 6`)
				return e.st, 6, 6
			},
			mentions: "expected seq 6 here", serverSees: true,
		},
		{
			name: "reorder two rows",
			tamper: func(e *tamperEnv) (*models.Store, int64, int64) {
				e.exec(`UPDATE audit_events SET seq = 0 - seq WHERE seq = 7`)
				e.exec(`UPDATE audit_events SET seq = 7 WHERE seq = 8`)
				e.exec(`UPDATE audit_events SET seq = 8 WHERE seq = -7`)
				// The row now at 7 carries a prev_hash that is not event 6's
				// stored hash. That is either a changed link at 7 or event 6
				// altered and rehashed; the verifier names the earlier one.
				return e.st, 6, 7
			},
			mentions: "seq 7: hash does not match", serverSees: true,
		},
		{
			name: "append a backdated row",
			tamper: func(e *tamperEnv) (*models.Store, int64, int64) {
				evs := e.events()
				n := int64(len(evs))
				forged := evs[2] // looks like an early account creation
				forged.Seq, forged.ObjectID, forged.PrevHash = n+1, 99, evs[n-1].Hash
				prev, _ := auditlog.ParseHashHex(forged.PrevHash)
				forged.Hash = auditlog.HashHex(auditlog.ChainHash(prev, auditlog.LeafHash(forged.Record().Canonical())))
				forged.Actor = nil
				if err := e.st.DB().Omit("Actor").Create(&forged).Error; err != nil {
					e.t.Fatal(err)
				}
				e.exec("UPDATE audit_heads SET size = ?, last_hash = ? WHERE id = 1", n+1, forged.Hash)
				return e.st, n + 1, n + 1
			},
			mentions: "backdated", serverSees: true,
		},
		{
			name: "insert a row in the middle and rebuild every hash",
			tamper: func(e *tamperEnv) (*models.Store, int64, int64) {
				evs := e.events()
				forged := evs[8]
				forged.Action, forged.Data = "user.update", `{"changed":["role"]}`
				evs = slices.Insert(evs, 9, forged)
				for i := range evs {
					evs[i].Seq = int64(i + 1)
				}
				e.rewrite(evs, nil, nil) // no key: the checkpoints can only go
				return e.st, 10, e.heldSize
			},
			mentions: "trusted checkpoint #1", serverSees: true,
		},
		{
			name: "truncate after a checkpoint",
			tamper: func(e *tamperEnv) (*models.Store, int64, int64) {
				cut := e.firstCheck
				e.exec("DELETE FROM audit_events WHERE seq > ?", cut)
				e.exec("DELETE FROM audit_checkpoints WHERE size > ?", cut)
				var last models.AuditEvent
				if err := e.st.DB().Where("seq = ?", cut).First(&last).Error; err != nil {
					e.t.Fatal(err)
				}
				e.exec("UPDATE audit_heads SET size = ?, last_hash = ? WHERE id = 1", cut, last.Hash)
				return e.st, cut + 1, cut + 1
			},
			mentions: "truncated",
			// The cut leaves a shorter log that is consistent with every
			// checkpoint left in the database (the stored tree hashes
			// beyond the cut are merely unused).
			serverSees: false,
		},
		{
			name: "rewrite and re-sign with another key",
			tamper: func(e *tamperEnv) (*models.Store, int64, int64) {
				skey, vkey := storetest.SigningKey(e.t)
				other, _, err := auditlog.SignerFromKey(skey)
				if err != nil {
					e.t.Fatal(err)
				}
				evs := e.events()
				sizes := e.checkpointSizes()
				evs[0].Data = string(must(json.Marshal(map[string]any{"key_fingerprint": auditlog.KeyFingerprint(vkey), "origin": other.Name(), "public_key": vkey})))
				evs[4].Data = `{"role":"admin","group":""}`
				e.rewrite(evs, other, sizes)
				// The forger runs the server with their key from now on.
				forger, _, _ := openWithKey(e.t, e.dsn, skey)
				return forger, 1, e.heldSize
			},
			mentions: "is not the trusted key",
		},
		{
			name: "rewrite, rebuild every hash and re-sign with the real key",
			tamper: func(e *tamperEnv) (*models.Store, int64, int64) {
				evs := e.events()
				evs[4].Data = `{"role":"admin","group":""}`
				e.rewrite(evs, e.signer, e.checkpointSizes())
				return e.st, 5, e.heldSize
			},
			mentions: "two different roots were signed",
		},
	}
	for _, d := range storetest.Dialects() {
		for _, tc := range cases {
			t.Run(string(d)+"/"+tc.name, func(t *testing.T) {
				e := newTamperEnv(t, d)
				st, lo, hi := tc.tamper(e)
				rep := e.verify(e.export(st))
				if rep.OK {
					t.Fatalf("not detected: %+v", rep)
				}
				if rep.FirstBadSeq < lo || rep.FirstBadSeq > hi {
					t.Errorf("first bad seq %d, want in [%d, %d]:\n%s", rep.FirstBadSeq, lo, hi, strings.Join(rep.Problems, "\n"))
				}
				if !slices.ContainsFunc(rep.Problems, func(p string) bool { return strings.Contains(p, tc.mentions) }) {
					t.Errorf("no problem mentions %q:\n%s", tc.mentions, strings.Join(rep.Problems, "\n"))
				}
				v, err := st.VerifyAudit(e.ctx)
				if err != nil {
					t.Fatal(err)
				}
				if tc.serverSees && v.OK {
					t.Errorf("the server's own check missed it")
				}
				if tc.serverSees && lo == hi && v.FirstBadSeq != lo {
					t.Errorf("server names seq %d, want %d: %v", v.FirstBadSeq, lo, v.Problems)
				}
			})
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
