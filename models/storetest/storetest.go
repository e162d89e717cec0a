// Package storetest opens real databases for tests: a fresh SQLite file per
// test always, and — when TEST_DATABASE_URL is set — a fresh PostgreSQL
// schema per test, dropped afterwards, so the same test runs on both
// engines and CI can reuse one server session after session.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for schema set-up

	"roundtable/models"
	"roundtable/models/auditlog"
	"roundtable/models/pii"
)

// Options tweak a test store.
type Options struct {
	// Now replaces the clock.
	Now func() time.Time
	// NoSigner leaves checkpoints unsigned.
	NoSigner bool
}

// FastPasswords keeps argon2id real but cheap: the race detector makes the
// production cost take seconds per hash, and tests hash hundreds.
var FastPasswords = models.PasswordParams{Time: 1, MemoryK: 64, Threads: 1}

// Logger discards log lines; tests assert on behaviour, not on logs.
func Logger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Dialects lists the engines the suite runs on in this environment.
func Dialects() []models.Dialect {
	if os.Getenv("TEST_DATABASE_URL") != "" {
		return []models.Dialect{models.SQLite, models.Postgres}
	}
	return []models.Dialect{models.SQLite}
}

// Each runs fn once per available engine as a subtest.
func Each(t *testing.T, fn func(t *testing.T, st *models.Store)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d, Options{}))
		})
	}
}

// SigningKey is a fresh history key for one test.
func SigningKey(t testing.TB) (skey, vkey string) {
	t.Helper()
	skey, vkey, err := auditlog.GenerateKey("roundtable.test/audit")
	if err != nil {
		t.Fatal(err)
	}
	return skey, vkey
}

// DSN returns a connection string for a fresh database of dialect d,
// cleaned up when the test ends.
func DSN(t testing.TB, d models.Dialect) string {
	t.Helper()
	if d == models.SQLite {
		return filepath.Join(t.TempDir(), "roundtable.db")
	}
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Skip("TEST_DATABASE_URL is not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "rt_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	// Naming the connections after the schema lets a test act on its own
	// connections only (other packages' tests share the server).
	q.Set("application_name", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated store on a fresh database, closed at cleanup.
func Open(t testing.TB, d models.Dialect, o Options) *models.Store {
	t.Helper()
	opts := models.Options{
		Logger:   Logger(),
		Password: FastPasswords,
		Now:      o.Now,
		// Several pools on one PostgreSQL server run in parallel in CI.
		MaxOpenConns: 4,
	}
	if !o.NoSigner {
		skey, _ := SigningKey(t)
		signer, vkey, err := auditlog.SignerFromKey(skey)
		if err != nil {
			t.Fatal(err)
		}
		opts.Signer, opts.VerifierKey = signer, vkey
	}
	st, err := models.Open(context.Background(), DSN(t, d), opts)
	if err != nil {
		t.Fatalf("open %s store: %v", d, err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// Demo returns a store seeded with the demo council.
func Demo(t testing.TB, d models.Dialect) *models.Store {
	t.Helper()
	st := Open(t, d, Options{})
	if err := st.SeedDemo(context.Background()); err != nil {
		t.Fatalf("seed demo: %v", err)
	}
	return st
}

// Sealer is a personal-data sealer with a fresh random key, for tests that
// import damage reports.
func Sealer(t testing.TB) *pii.Sealer {
	t.Helper()
	master := make([]byte, 32)
	if _, err := rand.Read(master); err != nil {
		t.Fatal(err)
	}
	k, err := pii.NewKey(master)
	if err != nil {
		t.Fatal(err)
	}
	s, err := pii.NewSealer(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
