package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
	"golang.org/x/mod/sumdb/note"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database engine behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options configures a Store. Zero values give production defaults.
type Options struct {
	Logger *slog.Logger
	// Password holds the argon2id cost; tests lower it because the race
	// detector makes the production cost take seconds per hash.
	Password PasswordParams
	// Signer signs audit checkpoints; without it checkpoints are not written.
	Signer      note.Signer
	VerifierKey string
	// Now lets tests move the clock; defaults to time.Now.
	Now func() time.Time
	// MaxOpenConns caps the pool (PostgreSQL); SQLite uses its own default.
	MaxOpenConns int
}

// Store is the only way into the database. Every method that changes state
// owns its transaction and writes its audit event inside it.
type Store struct {
	db       *gorm.DB
	dialect  Dialect
	log      *slog.Logger
	password PasswordParams
	signer   note.Signer
	verifier string
	now      func() time.Time
	live     *liveHub // live-update fan-out (live.go)
	sessions sessionMemo
}

// DialectOf tells which engine a DSN selects: a postgres:// or
// postgresql:// URL selects PostgreSQL, anything else is a SQLite path.
func DialectOf(dsn string) Dialect {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return Postgres
	}
	return SQLite
}

// sqliteDSN turns a file path into a DSN that survives concurrent request
// handlers: WAL lets readers run beside the writer, the busy timeout waits
// instead of failing with "database is locked", and immediate transactions
// take the write lock up front so read-then-write transactions cannot
// deadlock on lock upgrade.
func sqliteDSN(path string) string {
	if strings.HasPrefix(path, "file:") {
		return path
	}
	return fmt.Sprintf("file:%s?_journal_mode=WAL&_busy_timeout=%d&_foreign_keys=on&_txlock=immediate&_synchronous=NORMAL",
		path, sqliteBusyTimeout.Milliseconds())
}

// sqliteBusyTimeout is how long a statement waits for a busy SQLite file,
// and how long opening one keeps trying.
const sqliteBusyTimeout = 5 * time.Second

// openSQLite opens a SQLite database, trying again while it is busy. The
// first connection to a fresh file switches it to WAL, which needs the
// file to itself; a second process opening it at that moment is told
// SQLITE_BUSY at once rather than made to wait, because SQLite does not
// wait on a lock upgrade that could deadlock.
func openSQLite(ctx context.Context, dsn string, cfg *gorm.Config) (*gorm.DB, error) {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		db, err := gorm.Open(sqlite.Open(dsn), cfg)
		var lite sqlite3.Error
		if err == nil || !errors.As(err, &lite) || lite.Code != sqlite3.ErrBusy || time.Now().After(deadline) {
			return db, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (while the database was busy: %w)", ctx.Err(), err)
		case <-time.After(wait):
		}
	}
}

// Open connects to the database named by dsn and runs pending migrations.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	s := &Store{
		dialect:  DialectOf(dsn),
		log:      opts.Logger,
		password: opts.Password,
		signer:   opts.Signer,
		verifier: opts.VerifierKey,
		now:      opts.Now,
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if s.password == (PasswordParams{}) {
		s.password = DefaultPasswordParams
	}
	if s.now == nil {
		s.now = time.Now
	}
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return s.now().UTC().Truncate(time.Microsecond) },
		TranslateError:         true,
	}
	var db *gorm.DB
	var err error
	switch s.dialect {
	case Postgres:
		db, err = gorm.Open(postgres.Open(dsn), cfg)
	default:
		if dir := filepath.Dir(strings.TrimPrefix(dsn, "file:")); dir != "." && !strings.HasPrefix(dsn, "file:") {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create database directory %s: %w", dir, err)
			}
		}
		db, err = openSQLite(ctx, sqliteDSN(dsn), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", s.dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("database handle: %w", err)
	}
	configurePool(sqlDB, s.dialect, opts.MaxOpenConns)
	s.db = db
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	if err := s.initLive(ctx, dsn); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	if err := s.ensureLogKey(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return s, nil
}

func configurePool(db *sql.DB, d Dialect, maxOpen int) {
	switch d {
	case Postgres:
		if maxOpen <= 0 {
			maxOpen = 20
		}
		db.SetMaxOpenConns(maxOpen)
		db.SetMaxIdleConns(maxOpen / 2)
		db.SetConnMaxIdleTime(5 * time.Minute)
		db.SetConnMaxLifetime(time.Hour)
	default:
		// SQLite has one writer anyway; a small pool of readers is plenty
		// and keeps file handles bounded.
		if maxOpen <= 0 {
			maxOpen = 8
		}
		db.SetMaxOpenConns(maxOpen)
		db.SetMaxIdleConns(maxOpen)
	}
}

// Dialect reports the engine in use.
func (s *Store) Dialect() Dialect { return s.dialect }

// Now is the store's clock, in UTC at the precision both databases keep.
func (s *Store) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("database handle: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return &Error{Kind: KindUnavailable, Code: "database_unavailable", Message: "The database does not answer.", Err: err}
	}
	return nil
}

// Close ends live subscriptions and releases the connection pool.
func (s *Store) Close() error {
	s.live.close()
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("database handle: %w", err)
	}
	return sqlDB.Close()
}

// DB exposes the gorm handle to tests in other packages that must tamper
// with rows the application itself never changes.
func (s *Store) DB() *gorm.DB { return s.db }

// tx runs fn in a transaction bound to ctx. A database that cannot store
// (full disk, read-only) is reported as such rather than as an internal
// error; either way the transaction is rolled back whole.
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	// Live events that fn emits are published after the commit (live.go);
	// a rolled-back transaction publishes nothing.
	ctx, pending := withPendingLive(ctx)
	if err := s.db.WithContext(ctx).Transaction(fn); err != nil {
		return storageError(err)
	}
	s.live.committed(pending)
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

// firstByID loads one row by primary key inside a store method, giving
// ErrNotFound for a missing row so callers map it to 404 in one place.
func firstByID(db *gorm.DB, dst any, id int64, what string) error {
	if err := db.First(dst, id).Error; err != nil {
		if isNotFound(err) {
			return ErrNotFound
		}
		return fmt.Errorf("load %s %d: %w", what, id, err)
	}
	return nil
}

func isUniqueViolation(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }
