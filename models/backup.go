package models

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// BackupInfo describes a finished backup.
type BackupInfo struct {
	Path        string
	Bytes       int64
	AuditEvents int64
}

// ErrBackupPostgres says a PostgreSQL database is backed up with pg_dump,
// not by Roundtable: pg_dump already takes a consistent online snapshot,
// and its custom format restores tables, data and triggers.
var ErrBackupPostgres = errors.New("PostgreSQL databases are backed up with pg_dump")

// BackupSQLite writes a consistent copy of the SQLite database at dsn to
// out while servers keep running: VACUUM INTO reads one snapshot inside a
// read transaction (WAL included) and writes a compact, self-contained
// file. It never overwrites: out must not exist. The copy goes to a
// temporary file beside out, is synced and checked (PRAGMA
// integrity_check), and only then linked to its name, so a failed or
// interrupted backup never leaves a file that looks complete. It does not
// run migrations or touch the source beyond reading it.
func BackupSQLite(ctx context.Context, dsn, out string) (*BackupInfo, error) {
	if DialectOf(dsn) == Postgres {
		return nil, ErrBackupPostgres
	}
	if !strings.HasPrefix(dsn, "file:") {
		// Opening a missing path would create an empty database and back
		// that up; a typo must fail instead.
		if _, err := os.Stat(dsn); err != nil {
			return nil, fmt.Errorf("backup: no database at %s: %w", dsn, err)
		}
	}
	if _, err := os.Lstat(out); err == nil {
		return nil, fmt.Errorf("backup: %s already exists; refusing to overwrite it", out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("backup: %w", err)
	}
	dir := filepath.Dir(out)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("backup: the directory %s does not exist", dir)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".partial-*")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	tmpPath := tmp.Name()
	_ = tmp.Close()
	// VACUUM INTO wants to create the file itself.
	if err := os.Remove(tmpPath); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer func() { _ = os.Remove(tmpPath) }() // gone after the link, or after a failure

	if err := vacuumInto(ctx, dsn, tmpPath); err != nil {
		return nil, err
	}
	events, err := checkBackup(ctx, tmpPath)
	if err != nil {
		return nil, err
	}
	if err := os.Link(tmpPath, out); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("backup: %s appeared meanwhile; refusing to overwrite it", out)
		}
		return nil, fmt.Errorf("backup: %w", err)
	}
	st, err := os.Stat(out)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return &BackupInfo{Path: out, Bytes: st.Size(), AuditEvents: events}, nil
}

func openRawSQLite(dsn string) (*gorm.DB, error) {
	db, err := gorm.Open(sqlite.Open(sqliteDSN(dsn)), &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dsn, err)
	}
	return db, nil
}

func closeRaw(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("database handle: %w", err)
	}
	return sqlDB.Close()
}

func vacuumInto(ctx context.Context, dsn, path string) (err error) {
	db, err := openRawSQLite(dsn)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if cerr := closeRaw(db); err == nil && cerr != nil {
			err = fmt.Errorf("backup: close source: %w", cerr)
		}
	}()
	if err := db.WithContext(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		return fmt.Errorf("backup: VACUUM INTO: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// The copy holds sealed personal data and the history: owner only.
	err = f.Chmod(0o600)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup: secure and sync the copy: %w", err)
	}
	return nil
}

// checkBackup runs SQLite's integrity check on the copy and reads how
// many history events it holds.
func checkBackup(ctx context.Context, path string) (events int64, err error) {
	// Read-only, so checking leaves no journal files beside the copy.
	db, err := gorm.Open(sqlite.Open("file:"+path+"?mode=ro"), &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
	if err != nil {
		return 0, fmt.Errorf("backup: check: open %s: %w", path, err)
	}
	defer func() {
		if cerr := closeRaw(db); err == nil && cerr != nil {
			err = fmt.Errorf("backup: close copy: %w", cerr)
		}
	}()
	db = db.WithContext(ctx)
	var result string
	if err := db.Raw("PRAGMA integrity_check").Scan(&result).Error; err != nil {
		return 0, fmt.Errorf("backup: integrity check: %w", err)
	}
	if result != "ok" {
		return 0, fmt.Errorf("backup: the copy fails SQLite's integrity check: %s", result)
	}
	if err := db.Raw("SELECT COALESCE(MAX(size), 0) FROM audit_heads").Scan(&events).Error; err != nil {
		return 0, fmt.Errorf("backup: read the copy's history size: %w", err)
	}
	return events, nil
}
