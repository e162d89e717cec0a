package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"roundtable/models"
	"roundtable/models/storetest"
)

func runBackup(args ...string) (code int, output string) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"backup"}, args...), strings.NewReader(""), &out, &errOut)
	var ex exitError
	switch {
	case err == nil:
	case errors.As(err, &ex):
		code = int(ex)
	default:
		code = 1
		errOut.WriteString(err.Error())
	}
	return code, out.String() + errOut.String()
}

// The command backs up a SQLite database once, refuses to overwrite, and
// sends PostgreSQL users to pg_dump without echoing their password. The
// restore itself is proven in models.TestBackupRestores.
func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "roundtable.db")
	st, err := models.Open(context.Background(), db, models.Options{Logger: storetest.Logger(), Password: storetest.FastPasswords})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	size, _ := st.AuditSize(context.Background())
	defer st.Close() // the server keeps running during a backup

	out := filepath.Join(dir, "backup.db")
	code, msg := runBackup("--db", db, "--out", out)
	if code != 0 || !strings.Contains(msg, "history events") || !strings.Contains(msg, out) {
		t.Fatalf("backup: exit %d: %s", code, msg)
	}
	if !strings.Contains(msg, fmt.Sprintf(" %d history events", size)) {
		t.Fatalf("backup reports the wrong history size (want %d): %s", size, msg)
	}
	if code, msg := runBackup("--db", db, "--out", out); code != 1 || !strings.Contains(msg, "refusing to overwrite") {
		t.Fatalf("second backup to the same file: exit %d: %s", code, msg)
	}
	if code, _ := runBackup("--db", db); code != 2 {
		t.Fatalf("without --out: exit %d, want 2", code)
	}
	code, msg = runBackup("--db", "postgres://rt:hunter2@db.internal/roundtable", "--out", filepath.Join(dir, "pg.dump"))
	if code != 1 || !strings.Contains(msg, "pg_dump --format=custom") || strings.Contains(msg, "hunter2") {
		t.Fatalf("postgres: exit %d: %s", code, msg)
	}
}
