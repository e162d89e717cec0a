package models

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"roundtable/models/disclosure"
	"roundtable/models/pii"
	"roundtable/models/reportfile"
)

// Import batch states. A batch is running until it is either committed
// (its reports count, a snapshot is published) or failed (its reports,
// if any were staged, are deleted).
const (
	BatchRunning   = "running"
	BatchCommitted = "committed"
	BatchFailed    = "failed"
)

// Phases of a running import, shown on its progress page.
const (
	PhaseChecking   = "checking"   // reading every row and validating it; nothing stored yet
	PhaseSaving     = "saving"     // storing the rows, sealed, under a batch nobody sees yet
	PhasePublishing = "publishing" // computing the statistics snapshot
	PhaseDone       = "done"
)

// ReportBatch is one import of a damage-report file: the job's state while
// it runs (any instance can show it) and its record afterwards.
type ReportBatch struct {
	ID             int64
	Status         string
	Phase          string
	Running        *int
	ActiveSHA256   *string `gorm:"column:active_sha256"`
	SHA256         string  `gorm:"column:sha256"`
	FileName       string
	Format         string
	Bytes          int64
	RowsRead       int64
	RowsTotal      int64
	RowsSaved      int64
	Imported       int64
	ErrorCount     int64
	Errors         string
	Warnings       string
	FailureCode    string
	FailureMessage string
	FailureKo      string
	CreatedBy      int64
	Creator        *User `gorm:"foreignKey:CreatedBy"`
	CreatedAt      time.Time
	HeartbeatAt    time.Time
	FinishedAt     *time.Time
}

// RowProblems decodes the batch's stored row and header problems.
func (b *ReportBatch) RowProblems() []reportfile.RowError {
	var out []reportfile.RowError
	if b.Errors != "" {
		_ = json.Unmarshal([]byte(b.Errors), &out) // written by us; a bad value shows as no rows
	}
	return out
}

// FileWarnings decodes the batch's stored warnings (ignored columns).
func (b *ReportBatch) FileWarnings() []reportfile.Warning {
	var out []reportfile.Warning
	if b.Warnings != "" {
		_ = json.Unmarshal([]byte(b.Warnings), &out)
	}
	return out
}

// Omitted is the number of problems counted beyond those kept.
func (b *ReportBatch) Omitted() int64 {
	return max(0, b.ErrorCount-int64(len(b.RowProblems())))
}

// Report is one stored damage report. Its personal fields are sealed with
// AES-GCM and bound to (batch, line, field); statistics read only the
// coded columns and the reporter's keyed hash.
type Report struct {
	ID                int64
	BatchID           int64
	Line              int
	ReceivedOn        string
	Week              string
	Channel           string
	ReporterType      string
	Service           string
	Paid              string
	DamageType        string
	ClaimedAmount     int64
	AmountBand        string
	OutageHours       float64
	Region            string
	Sector            string
	Evidence          bool
	ReporterKey       string
	PhoneKey          string
	NameEnc           []byte
	PhoneEnc          []byte
	EmailEnc          []byte
	BusinessNumberEnc []byte
	DescriptionEnc    []byte
}

// Personal field names, used as associated data and in exports.
var personalFields = []string{reportfile.ColName, reportfile.ColPhone, reportfile.ColEmail, reportfile.ColBusinessNumber, reportfile.ColDescription}

// fieldAD binds a sealed value to its report and column. The report's id
// is not known before the row is inserted, so the stable reference is the
// import batch and the file line, which identify the row just as well.
func fieldAD(batchID int64, line int, field string) []byte {
	return pii.AssociatedData("reports", fmt.Sprint(batchID), fmt.Sprint(line), field)
}

// ReportsOptions configures the damage-report service.
type ReportsOptions struct {
	// Sealer encrypts and decrypts personal fields; required.
	Sealer *pii.Sealer
	// Rules are the council's disclosure rules; zero fields take the defaults.
	Rules disclosure.Rules
	// TempDir is where workbooks are spooled while read ("" = os.TempDir()).
	TempDir string
	Logger  *slog.Logger
	// ChunkRows is how many rows go into one transaction while saving.
	ChunkRows int
}

// Reports imports damage reports in background jobs and gives the
// secretariat access to raw reports. It exists only when a data key is
// configured: without one nothing can be sealed or opened, so the server
// refuses imports and raw views but serves everything else.
type Reports struct {
	store   *Store
	sealer  *pii.Sealer
	rules   disclosure.Rules
	tempDir string
	log     *slog.Logger
	chunk   int

	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	done   map[int64]chan struct{}
}

// NewReports builds the service. Jobs it starts run until they finish or
// Close cancels them.
func NewReports(store *Store, opts ReportsOptions) (*Reports, error) {
	if opts.Sealer == nil {
		return nil, fmt.Errorf("reports: a data key is required")
	}
	rules := opts.Rules.WithDefaults()
	if err := rules.Validate(); err != nil {
		return nil, fmt.Errorf("reports: disclosure rules: %w", err)
	}
	if opts.Logger == nil {
		opts.Logger = store.log
	}
	if opts.ChunkRows <= 0 {
		opts.ChunkRows = 10_000
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Reports{store: store, sealer: opts.Sealer, rules: rules, tempDir: opts.TempDir, log: opts.Logger,
		chunk: opts.ChunkRows, base: ctx, cancel: cancel, done: map[int64]chan struct{}{}}, nil
}

// Rules are the disclosure rules new snapshots are published under.
func (r *Reports) Rules() disclosure.Rules { return r.rules }

// Close cancels running imports (they clean up after themselves and are
// marked failed) and waits for them.
func (r *Reports) Close() {
	r.cancel()
	r.wg.Wait()
}

// Wait blocks until every running job has ended, for tests and commands.
func (r *Reports) Wait() { r.wg.Wait() }
