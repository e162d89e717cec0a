package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Frozen schema of step 4: damage-report imports, the reports with their
// personal fields sealed, and the statistics snapshots computed from them.

type m4ReportBatch struct {
	ID int64 `gorm:"primaryKey"`
	// Status is running, committed or failed; Phase says where a running
	// import is (checking, saving, publishing).
	Status string `gorm:"size:16;not null;index"`
	Phase  string `gorm:"size:16;not null"`
	// Running is 1 while the import runs and NULL otherwise: its unique
	// index lets only one import run at a time, across server instances.
	Running *int `gorm:"uniqueIndex:report_batches_one_running"`
	// ActiveSHA256 holds the file's digest while it runs or once committed,
	// so the same file cannot be imported twice; a failed import clears it.
	ActiveSHA256 *string `gorm:"size:64;uniqueIndex:report_batches_active_sha256"`
	SHA256       string  `gorm:"size:64;not null;index"`
	FileName     string  `gorm:"size:255;not null"`
	Format       string  `gorm:"size:16;not null"`
	Bytes        int64   `gorm:"not null"`
	RowsRead     int64   `gorm:"not null"`
	RowsTotal    int64   `gorm:"not null"`
	RowsSaved    int64   `gorm:"not null"`
	Imported     int64   `gorm:"not null"`
	ErrorCount   int64   `gorm:"not null"`
	// Errors is the JSON list of row and header problems (row numbers,
	// columns, messages; never a cell's personal value).
	Errors         string     `gorm:"not null"`
	Warnings       string     `gorm:"not null"`
	FailureCode    string     `gorm:"size:64;not null"`
	FailureMessage string     `gorm:"not null"`
	FailureKo      string     `gorm:"not null"`
	CreatedBy      int64      `gorm:"not null;index"`
	CreatedAt      time.Time  `gorm:"not null"`
	HeartbeatAt    time.Time  `gorm:"not null"`
	FinishedAt     *time.Time ``
}

func (m4ReportBatch) TableName() string { return "report_batches" }

type m4Report struct {
	ID            int64   `gorm:"primaryKey"`
	BatchID       int64   `gorm:"not null;uniqueIndex:reports_batch_line"`
	Line          int     `gorm:"not null;uniqueIndex:reports_batch_line"`
	ReceivedOn    string  `gorm:"size:10;not null"`
	Week          string  `gorm:"size:8;not null"`
	Channel       string  `gorm:"size:16;not null"`
	ReporterType  string  `gorm:"size:16;not null"`
	Service       string  `gorm:"size:16;not null"`
	Paid          string  `gorm:"size:8;not null"`
	DamageType    string  `gorm:"size:24;not null"`
	ClaimedAmount int64   `gorm:"not null"`
	AmountBand    string  `gorm:"size:16;not null"`
	OutageHours   float64 `gorm:"not null"`
	Region        string  `gorm:"size:16;not null"`
	Sector        string  `gorm:"size:16;not null"`
	Evidence      bool    `gorm:"not null"`
	// ReporterKey is the keyed hash identifying the reporter (business
	// number, else phone); PhoneKey is the phone's own keyed hash, kept
	// only when it differs, so the secretariat can find a business's
	// reports by the phone it called from.
	ReporterKey       string `gorm:"size:64;not null;index"`
	PhoneKey          string `gorm:"size:64;not null;index"`
	NameEnc           []byte
	PhoneEnc          []byte
	EmailEnc          []byte
	BusinessNumberEnc []byte
	DescriptionEnc    []byte
}

func (m4Report) TableName() string { return "reports" }

type m4StatsSnapshot struct {
	ID        int64 `gorm:"primaryKey"`
	BatchID   int64 `gorm:"not null;uniqueIndex"`
	Reports   int64 `gorm:"not null"`
	Reporters int64 `gorm:"not null"`
	// Rules are the disclosure rules the tables were published under;
	// Headline is the published (rounded, possibly withheld) numbers of
	// reports and reporters, as JSON.
	Rules         string    `gorm:"not null"`
	Headline      string    `gorm:"not null"`
	ComputeMillis int64     `gorm:"not null"`
	CreatedAt     time.Time `gorm:"not null"`
}

func (m4StatsSnapshot) TableName() string { return "stats_snapshots" }

type m4StatsTable struct {
	SnapshotID int64  `gorm:"primaryKey;autoIncrement:false"`
	TableKey   string `gorm:"primaryKey;size:40"`
	Payload    string `gorm:"not null"`
}

func (m4StatsTable) TableName() string { return "stats_tables" }

func migrateReports(tx *gorm.DB, d Dialect) error {
	if err := tx.AutoMigrate(&m4ReportBatch{}, &m4Report{}, &m4StatsSnapshot{}, &m4StatsTable{}); err != nil {
		return err
	}
	// Published statistics are served as stored, identical on every
	// request: nobody rewrites them.
	for _, t := range []string{"stats_snapshots", "stats_tables"} {
		if err := appendOnly(tx, d, t); err != nil {
			return err
		}
	}
	// Reports are never edited, and a committed import is never undone;
	// only the rows of an import that failed halfway may be deleted.
	var stmts []string
	switch d {
	case Postgres:
		stmts = []string{
			`CREATE OR REPLACE FUNCTION roundtable_keep_reports() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'reports are never changed';
  END IF;
  IF (SELECT status FROM report_batches WHERE id = OLD.batch_id) = 'committed' THEN
    RAISE EXCEPTION 'reports of a committed import are kept';
  END IF;
  RETURN OLD;
END;
$$ LANGUAGE plpgsql`,
			`CREATE TRIGGER reports_keep BEFORE UPDATE OR DELETE ON reports FOR EACH ROW EXECUTE FUNCTION roundtable_keep_reports()`,
			`CREATE OR REPLACE FUNCTION roundtable_keep_batches() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'committed' THEN
    RAISE EXCEPTION 'a committed import is final';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql`,
			`CREATE TRIGGER report_batches_keep BEFORE UPDATE OR DELETE ON report_batches FOR EACH ROW EXECUTE FUNCTION roundtable_keep_batches()`,
		}
	default:
		stmts = []string{
			`CREATE TRIGGER reports_no_update BEFORE UPDATE ON reports BEGIN SELECT RAISE(ABORT, 'reports are never changed'); END`,
			`CREATE TRIGGER reports_keep_committed BEFORE DELETE ON reports WHEN (SELECT status FROM report_batches WHERE id = OLD.batch_id) = 'committed' BEGIN SELECT RAISE(ABORT, 'reports of a committed import are kept'); END`,
			`CREATE TRIGGER report_batches_keep_update BEFORE UPDATE ON report_batches WHEN OLD.status = 'committed' BEGIN SELECT RAISE(ABORT, 'a committed import is final'); END`,
			`CREATE TRIGGER report_batches_keep_delete BEFORE DELETE ON report_batches WHEN OLD.status = 'committed' BEGIN SELECT RAISE(ABORT, 'a committed import is final'); END`,
		}
	}
	for _, q := range stmts {
		if err := tx.Exec(q).Error; err != nil {
			return fmt.Errorf("report triggers: %w", err)
		}
	}
	return nil
}
