package models_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"roundtable/models"
	"roundtable/models/storetest"
)

// A backup taken while the store is open restores: opened with
// models.Open (as a server would after a restore) it holds the same
// intact history — every event, every signed checkpoint, verifying under
// the same key — and the same content, and it keeps working.
func TestBackupRestores(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "live.db")
	skey, _ := storetest.SigningKey(t)
	st := openShared(t, src, skey)
	if err := st.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	f := newLiveFixture(t, st)
	c, err := st.AddComment(ctx, f.member, f.published, models.CommentInput{Body: "백업 전에 남긴 의견"})
	if err != nil {
		t.Fatal(err)
	}
	// Events after the last checkpoint must survive too.
	if err := st.Record(ctx, models.SystemActor(), "test.unsigned", "test", 1, nil); err != nil {
		t.Fatal(err)
	}
	wantSize, _ := st.AuditSize(ctx)
	wantCPs, _ := st.Checkpoints(ctx)
	wantComments, _ := st.Comments(ctx, f.published)

	out := filepath.Join(dir, "backup.db")
	info, err := models.BackupSQLite(ctx, src, out)
	if err != nil {
		t.Fatal(err)
	}
	if info.AuditEvents != wantSize || info.Bytes == 0 {
		t.Fatalf("backup info %+v, want %d events", info, wantSize)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, mode %v", err, fi.Mode())
	}
	// The server keeps writing after the backup; the copy must not see it.
	if err := st.Record(ctx, models.SystemActor(), "test.after_backup", "test", 2, nil); err != nil {
		t.Fatal(err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".backup.db.partial-*"))
	if len(leftovers) > 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}

	// Restore: copy the backup where the server expects its database.
	restored := filepath.Join(t.TempDir(), "roundtable.db")
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(restored, b, 0o600); err != nil {
		t.Fatal(err)
	}
	rs := openShared(t, restored, skey)
	res, err := rs.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.Count != wantSize {
		t.Fatalf("restored history: ok %v, %d events (want %d): %v", res.OK, res.Count, wantSize, res.Problems)
	}
	gotCPs, _ := rs.Checkpoints(ctx)
	if len(gotCPs) != len(wantCPs) || gotCPs[len(gotCPs)-1].Note != wantCPs[len(wantCPs)-1].Note {
		t.Fatalf("restored %d checkpoints, want %d with the same last note", len(gotCPs), len(wantCPs))
	}
	gotComments, err := rs.Comments(ctx, f.published)
	if err != nil {
		t.Fatal(err)
	}
	if len(gotComments) != len(wantComments) {
		t.Fatalf("restored %d comments, want %d", len(gotComments), len(wantComments))
	}
	rc, err := rs.CommentByID(ctx, c.ID)
	if err != nil || rc.Body != c.Body || rc.AuthorID != c.AuthorID {
		t.Fatalf("restored comment %+v, %v", rc, err)
	}
	if _, err := rs.Login(ctx, "merchant2@example.org", models.DemoPassword, models.Actor{IP: "127.0.0.1"}); err != nil {
		t.Fatalf("sign in on the restored database: %v", err)
	}
	// It keeps growing one chain.
	if _, err := rs.AddComment(ctx, f.member, f.published, models.CommentInput{Body: "복원 뒤의 의견"}); err != nil {
		t.Fatal(err)
	}
	requireOneHistory(t, rs)
}

func TestBackupRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "live.db")
	skey, _ := storetest.SigningKey(t)
	openShared(t, src, skey)

	existing := filepath.Join(dir, "exists.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := models.BackupSQLite(ctx, src, existing); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("overwrite: %v", err)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Fatal("an existing file was changed")
	}
	missing := filepath.Join(dir, "typo.db")
	if _, err := models.BackupSQLite(ctx, missing, filepath.Join(dir, "out.db")); err == nil {
		t.Fatal("backing up a missing database succeeded")
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("backing up a missing database created it")
	}
	if _, err := models.BackupSQLite(ctx, src, filepath.Join(dir, "no-such-dir", "out.db")); err == nil {
		t.Fatal("a backup into a missing directory succeeded")
	}
	if _, err := models.BackupSQLite(ctx, "postgres://u:secret@db/roundtable", filepath.Join(dir, "pg.db")); !errors.Is(err, models.ErrBackupPostgres) {
		t.Fatalf("postgres: %v", err)
	}
}
