package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// migration is one numbered schema step. Steps are compiled into the
// binary, run in order inside their own transaction, and recorded in
// schema_migrations, so every database — SQLite or PostgreSQL — walks
// the same path. A step never changes once released: fix forward with a
// new step.
type migration struct {
	version int
	name    string
	up      func(tx *gorm.DB, d Dialect) error
}

// migrations is the whole schema history, oldest first.
var migrations = []migration{
	{1, "foundation: councils, groups, users, sessions, login limits, audit log", migrateFoundation},
	{2, "deliberation: documents, versions, clauses, comments, dispositions", migrateDeliberation},
	{3, "ballots: ballots, options, votes, frozen tallies", migrateBallots},
	{4, "reports: damage-report imports, sealed reports, statistics snapshots", migrateReports},
	{5, "audit timeline: filter indexes, object links", migrateAuditTimeline},
	{6, "impact: estimates of each version's compensation rules", migrateImpact},
	{7, "abuse limits: rate events", migrateRateLimits},
}

type schemaMigration struct {
	Version   int `gorm:"primaryKey;autoIncrement:false"`
	Name      string
	AppliedAt time.Time
}

func (schemaMigration) TableName() string { return "schema_migrations" }

// pgMigrationLock is an arbitrary advisory-lock key so that two instances
// starting at once on one PostgreSQL database do not race through the
// same steps.
const pgMigrationLock = 7340150001

func (s *Store) migrate(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	if s.dialect == Postgres {
		// A session-level advisory lock must stay on one connection.
		conn, err := s.db.DB()
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		c, err := conn.Conn(ctx)
		if err != nil {
			return fmt.Errorf("migrate: reserve connection: %w", err)
		}
		defer func() { _ = c.Close() }() // returning the connection to the pool cannot fail usefully
		if _, err := c.ExecContext(ctx, "SELECT pg_advisory_lock($1)", pgMigrationLock); err != nil {
			return fmt.Errorf("migrate: take lock: %w", err)
		}
		defer func() {
			_, _ = c.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", pgMigrationLock)
		}()
	}
	if s.dialect == SQLite {
		// One immediate transaction around everything: a second process
		// opening the same fresh file waits on the write lock (busy
		// timeout) and then finds the steps applied, instead of racing
		// through them. Each step still runs in its own savepoint.
		return db.Transaction(func(tx *gorm.DB) error { return s.applyMigrations(tx) })
	}
	return s.applyMigrations(db)
}

// applyMigrations creates the version table if needed and runs every
// step not yet recorded, each in its own transaction (or savepoint).
func (s *Store) applyMigrations(db *gorm.DB) error {
	if err := db.AutoMigrate(&schemaMigration{}); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	var applied []int
	if err := db.Model(&schemaMigration{}).Pluck("version", &applied).Error; err != nil {
		return fmt.Errorf("migrate: read applied versions: %w", err)
	}
	done := map[int]bool{}
	for _, v := range applied {
		done[v] = true
	}
	for _, m := range migrations {
		if done[m.version] {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := m.up(tx, s.dialect); err != nil {
				return err
			}
			return tx.Create(&schemaMigration{Version: m.version, Name: m.name, AppliedAt: s.Now()}).Error
		})
		if err != nil {
			return fmt.Errorf("migrate: step %d (%s): %w", m.version, m.name, err)
		}
		s.log.Info("applied migration", "version", m.version, "name", m.name)
	}
	return nil
}

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.WithContext(ctx).Model(&schemaMigration{}).Select("COALESCE(MAX(version), 0)").Scan(&v).Error
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// appendOnly installs triggers that refuse UPDATE and DELETE on table, so
// not even the application's own database user can quietly rewrite it.
func appendOnly(tx *gorm.DB, d Dialect, table string) error {
	var stmts []string
	switch d {
	case Postgres:
		stmts = []string{
			`CREATE OR REPLACE FUNCTION roundtable_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql`,
			fmt.Sprintf(`CREATE TRIGGER %[1]s_append_only BEFORE UPDATE OR DELETE ON %[1]s FOR EACH ROW EXECUTE FUNCTION roundtable_refuse_change()`, table),
			fmt.Sprintf(`CREATE TRIGGER %[1]s_no_truncate BEFORE TRUNCATE ON %[1]s FOR EACH STATEMENT EXECUTE FUNCTION roundtable_refuse_change()`, table),
		}
	default:
		stmts = []string{
			fmt.Sprintf(`CREATE TRIGGER %[1]s_no_update BEFORE UPDATE ON %[1]s BEGIN SELECT RAISE(ABORT, '%[1]s is append-only'); END`, table),
			fmt.Sprintf(`CREATE TRIGGER %[1]s_no_delete BEFORE DELETE ON %[1]s BEGIN SELECT RAISE(ABORT, '%[1]s is append-only'); END`, table),
		}
	}
	for _, q := range stmts {
		if err := tx.Exec(q).Error; err != nil {
			return fmt.Errorf("append-only trigger on %s: %w", table, err)
		}
	}
	return nil
}
