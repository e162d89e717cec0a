package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"roundtable/models/reportfile"
)

// Upload is an import file already spooled to disk by the caller. The
// service takes it over: it removes the file when the job ends, or at once
// if the job cannot start.
type Upload struct {
	Path   string
	Name   string
	SHA256 string // hex digest of the raw bytes, computed while spooling
	Bytes  int64
}

// staleAfter is how long a running import may go without a heartbeat
// before another start reclaims it (its server died). Running jobs beat
// at least every few seconds.
const staleAfter = 2 * time.Minute

// progressEvery throttles progress writes: often enough for a page that
// refreshes every two seconds, rare enough to cost nothing.
const progressEvery = 500 * time.Millisecond

// insertRows is how many rows one INSERT statement carries: 22 columns ×
// 1,000 rows stays under SQLite's 32,766 and PostgreSQL's 65,535 bound
// parameters.
const insertRows = 1000

// StartImport registers an import of up and runs it in the background. It
// refuses a second import while one runs, and a file whose digest matches
// an import that is running or committed. The returned channel is closed
// when the job has ended, committed or failed; the batch row says which.
func (r *Reports) StartImport(ctx context.Context, actor Actor, up Upload) (*ReportBatch, <-chan struct{}, error) {
	b, err := r.register(ctx, actor, up)
	if err != nil {
		_ = os.Remove(up.Path)
		return nil, nil, err
	}
	done := make(chan struct{})
	r.mu.Lock()
	r.done[b.ID] = done
	r.mu.Unlock()
	r.wg.Add(1)
	go r.run(actor, b, up, done)
	return b, done, nil
}

func (r *Reports) register(ctx context.Context, actor Actor, up Upload) (*ReportBatch, error) {
	if r.base.Err() != nil {
		return nil, Errorf(KindUnavailable, "shutting_down", "The server is shutting down; try the import again in a moment.")
	}
	if len(up.SHA256) != 64 || up.Path == "" {
		return nil, fmt.Errorf("start import: incomplete upload")
	}
	name := strings.TrimSpace(up.Name)
	if len([]rune(name)) > 200 {
		name = string([]rune(name)[:200])
	}
	now := r.store.Now()
	one := 1
	sha := up.SHA256
	b := &ReportBatch{Status: BatchRunning, Phase: PhaseChecking, Running: &one, ActiveSHA256: &sha, SHA256: up.SHA256,
		FileName: name, Bytes: up.Bytes, Errors: "[]", Warnings: "[]", CreatedBy: actor.UserID, CreatedAt: now, HeartbeatAt: now}
	err := r.store.tx(ctx, func(tx *gorm.DB) error {
		if err := r.store.reclaimStale(tx); err != nil {
			return err
		}
		var running ReportBatch
		err := tx.Where("status = ?", BatchRunning).First(&running).Error
		switch {
		case err == nil:
			return Errorf(KindConflict, "import_running", "Import %d is still running; wait for it to finish.", running.ID)
		case !isNotFound(err):
			return fmt.Errorf("find running import: %w", err)
		}
		var dup ReportBatch
		err = tx.Where("active_sha256 = ?", up.SHA256).First(&dup).Error
		switch {
		case err == nil:
			return &Error{Kind: KindConflict, Code: "duplicate_file",
				Message: fmt.Sprintf("This file was already imported (import %d, %s UTC); the same file is never imported twice.", dup.ID, dup.CreatedAt.UTC().Format("2006-01-02 15:04")),
				Fields:  map[string]string{"file": "duplicate"}}
		case !isNotFound(err):
			return fmt.Errorf("find duplicate import: %w", err)
		}
		if err := tx.Create(b).Error; err != nil {
			if isUniqueViolation(err) {
				return Errorf(KindConflict, "import_running", "Another import started at the same moment; wait for it to finish.")
			}
			return fmt.Errorf("create import batch: %w", err)
		}
		return r.store.record(tx, actor, "reports.import_start", "report_batch", b.ID,
			map[string]any{"sha256": up.SHA256, "bytes": up.Bytes})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// reclaimStale fails an import whose server stopped beating: its staged
// rows are deleted, so the database is as if it had never started.
func (s *Store) reclaimStale(tx *gorm.DB) error {
	var stale []ReportBatch
	if err := tx.Where("status = ? AND heartbeat_at < ?", BatchRunning, s.Now().Add(-staleAfter)).Find(&stale).Error; err != nil {
		return fmt.Errorf("find stale imports: %w", err)
	}
	for i := range stale {
		if err := s.failBatch(tx, SystemActor(), &stale[i], failure{code: "interrupted",
			en: "The import stopped before it finished (the server was restarted); nothing was imported. Upload the file again.",
			ko: "가져오기가 끝나기 전에 멈췄습니다(서버 재시작). 아무것도 저장되지 않았습니다. 파일을 다시 올려 주세요."}); err != nil {
			return err
		}
	}
	return nil
}

// RecoverImports reclaims imports left running by a server that died, so
// their file can be imported again. Call it at start-up.
func (s *Store) RecoverImports(ctx context.Context) error {
	return s.tx(ctx, s.reclaimStale)
}

// failure is why an import ended without committing.
type failure struct {
	code, en, ko string
	problems     []reportfile.RowError
	total        int64
}

// failBatch deletes the batch's staged rows and marks it failed, in tx.
// The event names the problem count, never a cell's value.
func (s *Store) failBatch(tx *gorm.DB, actor Actor, b *ReportBatch, f failure) error {
	if err := tx.Where("batch_id = ?", b.ID).Delete(&Report{}).Error; err != nil {
		return fmt.Errorf("delete staged reports of import %d: %w", b.ID, err)
	}
	problems := f.problems
	if problems == nil {
		problems = []reportfile.RowError{}
	}
	errs, err := json.Marshal(problems)
	if err != nil {
		return fmt.Errorf("encode import problems: %w", err)
	}
	now := s.Now()
	res := tx.Model(&ReportBatch{}).Where("id = ? AND status = ?", b.ID, BatchRunning).Updates(map[string]any{
		"status": BatchFailed, "phase": PhaseDone, "running": nil, "active_sha256": nil, "rows_saved": 0,
		"error_count": max(f.total, int64(len(problems))), "errors": string(errs),
		"failure_code": f.code, "failure_message": f.en, "failure_ko": f.ko, "finished_at": now, "heartbeat_at": now})
	if res.Error != nil {
		return fmt.Errorf("mark import %d failed: %w", b.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil // already ended elsewhere
	}
	return s.record(tx, actor, "reports.import_reject", "report_batch", b.ID,
		map[string]any{"code": f.code, "problems": max(f.total, int64(len(problems)))})
}

// Done returns a channel closed when the batch's job on this instance has
// ended, or nil when no such job runs here.
func (r *Reports) Done(batchID int64) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done[batchID]
}

func (r *Reports) run(actor Actor, b *ReportBatch, up Upload, done chan struct{}) {
	defer r.wg.Done()
	defer func() {
		r.mu.Lock()
		delete(r.done, b.ID)
		r.mu.Unlock()
		close(done)
	}()
	defer func() {
		if err := os.Remove(up.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			r.log.Error("remove spooled upload", "batch_id", b.ID, "err", err)
		}
	}()
	err := r.importFile(r.base, actor, b, up)
	if err == nil {
		return
	}
	f := r.classify(b, err)
	// The job's context may be cancelled (shutdown); cleaning up must
	// still happen, within a bound.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.base), 5*time.Minute)
	defer cancel()
	if ferr := r.store.tx(ctx, func(tx *gorm.DB) error { return r.store.failBatch(tx, actor, b, f) }); ferr != nil {
		r.log.Error("mark import failed", "batch_id", b.ID, "err", ferr)
	}
}

func (r *Reports) classify(b *ReportBatch, err error) failure {
	var rows *reportfile.InvalidRowsError
	var file *reportfile.FileError
	var de *Error
	switch {
	case errors.As(err, &rows):
		return failure{code: "invalid_rows", problems: rows.Errors, total: int64(rows.Total),
			en: fmt.Sprintf("%d problems in the file; nothing was imported. Fix the rows listed and upload the file again.", rows.Total),
			ko: fmt.Sprintf("파일에서 문제 %d건을 찾았습니다. 아무것도 저장하지 않았습니다. 아래 행을 고친 뒤 다시 올려 주세요.", rows.Total)}
	case errors.As(err, &file):
		return failure{code: file.Code, en: file.Message, ko: file.MessageKo, problems: file.Problems, total: int64(len(file.Problems))}
	case errors.Is(err, context.Canceled):
		return failure{code: "interrupted", en: "The server stopped during the import; nothing was imported. Upload the file again.",
			ko: "가져오는 중에 서버가 멈췄습니다. 아무것도 저장하지 않았습니다. 파일을 다시 올려 주세요."}
	case errors.As(err, &de) && de.Kind != KindInternal:
		return failure{code: de.Code, en: de.Message, ko: de.Message}
	}
	r.log.Error("import failed", "batch_id", b.ID, "err", err)
	return failure{code: "internal", en: fmt.Sprintf("The import failed unexpectedly; nothing was imported. If it happens again, report import %d.", b.ID),
		ko: fmt.Sprintf("가져오기가 예기치 않게 실패해 아무것도 저장하지 않았습니다. 다시 일어나면 가져오기 번호 %d를 알려 주세요.", b.ID)}
}

// progress writes the job's counters and heartbeat.
func (r *Reports) progress(ctx context.Context, id int64, fields map[string]any) error {
	fields["heartbeat_at"] = r.store.Now()
	if err := r.store.db.WithContext(ctx).Model(&ReportBatch{}).Where("id = ? AND status = ?", id, BatchRunning).Updates(fields).Error; err != nil {
		return fmt.Errorf("import %d progress: %w", id, err)
	}
	return nil
}

// importFile checks the whole file, then saves it, then publishes the
// snapshot. Checking first means a bad file never writes a single report:
// the secretariat gets every problem at once and the reports table is
// untouched. Saving then stages rows under the running batch in modest
// transactions (no long write lock on SQLite); nothing reads a running
// batch, and the final commit makes the rows count and publishes their
// statistics in one transaction.
func (r *Reports) importFile(ctx context.Context, actor Actor, b *ReportBatch, up Upload) error {
	f, err := os.Open(up.Path)
	if err != nil {
		return fmt.Errorf("open spooled upload: %w", err)
	}
	defer func() { _ = f.Close() }() // opened read-only: closing cannot lose data
	format, total, err := r.check(ctx, b, f)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind upload: %w", err)
	}
	if err := r.progress(ctx, b.ID, map[string]any{"phase": PhaseSaving, "format": string(format), "rows_total": total}); err != nil {
		return err
	}
	saved, err := r.save(ctx, b, f)
	if err != nil {
		return err
	}
	if saved != total {
		return fmt.Errorf("import %d: checked %d rows but saved %d", b.ID, total, saved)
	}
	if err := r.progress(ctx, b.ID, map[string]any{"phase": PhasePublishing}); err != nil {
		return err
	}
	b.Format = string(format)
	return r.commit(ctx, actor, b, saved)
}

func (r *Reports) openFile(f io.Reader) (*reportfile.Reader, error) {
	return reportfile.Open(f, reportfile.WithTempDir(r.tempDir))
}

// closeReader releases the reader's spooled workbook; a failure leaves a
// temporary file behind, which is worth a log line but not the import.
func (r *Reports) closeReader(batchID int64, rd *reportfile.Reader) {
	if err := rd.Close(); err != nil {
		r.log.Error("close import reader", "batch_id", batchID, "err", err)
	}
}

// check reads every row and validates it, storing nothing but progress.
func (r *Reports) check(ctx context.Context, b *ReportBatch, f io.Reader) (reportfile.Format, int64, error) {
	rd, err := r.openFile(f)
	if err != nil {
		return "", 0, err
	}
	defer r.closeReader(b.ID, rd)
	last := time.Now()
	for n := 0; ; n++ {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", 0, err
		}
		if n%2048 == 0 {
			if err := ctx.Err(); err != nil {
				return "", 0, err
			}
			if time.Since(last) > progressEvery {
				last = time.Now()
				if err := r.progress(ctx, b.ID, map[string]any{"rows_read": rd.Summary().Rows}); err != nil {
					return "", 0, err
				}
			}
		}
	}
	sum := rd.Summary()
	warnings, err := json.Marshal(sum.Warnings)
	if err != nil {
		return "", 0, fmt.Errorf("encode warnings: %w", err)
	}
	if err := r.progress(ctx, b.ID, map[string]any{"rows_read": sum.Rows, "warnings": string(warnings)}); err != nil {
		return "", 0, err
	}
	if err := sum.Err(); err != nil {
		return "", 0, err
	}
	return sum.Format, int64(sum.Valid), nil
}

// chunk is a run of prepared rows: their INSERT arguments, 22 per row.
type chunk struct {
	args []any
	rows int
}

// reportColumns is the INSERT column list; prepare fills values in this order.
var reportColumns = []string{"batch_id", "line", "received_on", "week", "channel", "reporter_type", "service", "paid",
	"damage_type", "claimed_amount", "amount_band", "outage_hours", "region", "sector", "evidence", "reporter_key",
	"phone_key", "name_enc", "phone_enc", "email_enc", "business_number_enc", "description_enc"}

// save reads the (already checked) file again and stores every row. One
// goroutine reads and seals while the caller's inserts, so parsing and
// encryption overlap with the database's work.
func (r *Reports) save(ctx context.Context, b *ReportBatch, f io.Reader) (int64, error) {
	rd, err := r.openFile(f)
	if err != nil {
		return 0, err
	}
	defer r.closeReader(b.ID, rd)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan chunk, 2)
	errc := make(chan error, 1)
	go func() {
		defer close(chunks)
		errc <- r.prepareAll(ctx, b.ID, rd, chunks)
	}()
	var saved int64
	var ins inserter
	last := time.Now()
	for c := range chunks {
		err := r.store.tx(ctx, func(tx *gorm.DB) error {
			if err := ins.insert(ctx, tx, r.store.dialect, c.args); err != nil {
				return err
			}
			saved += int64(c.rows)
			if time.Since(last) > progressEvery {
				last = time.Now()
				return tx.Model(&ReportBatch{}).Where("id = ?", b.ID).Updates(map[string]any{"rows_saved": saved, "heartbeat_at": r.store.Now()}).Error
			}
			return nil
		})
		if err != nil {
			cancel()
			for range chunks {
				// Drain, so the reader sees the cancellation and stops.
			}
			if rerr := <-errc; rerr != nil && !errors.Is(rerr, context.Canceled) {
				r.log.Error("read import after a failed insert", "batch_id", b.ID, "err", rerr)
			}
			return 0, fmt.Errorf("save import %d: %w", b.ID, err)
		}
	}
	if err := <-errc; err != nil {
		return 0, err
	}
	if err := r.progress(ctx, b.ID, map[string]any{"rows_saved": saved}); err != nil {
		return 0, err
	}
	return saved, nil
}

// prepareAll turns rows into sealed INSERT arguments, chunk by chunk.
func (r *Reports) prepareAll(ctx context.Context, batchID int64, rd *reportfile.Reader, out chan<- chunk) error {
	per := len(reportColumns)
	c := chunk{args: make([]any, 0, r.chunk*per)}
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if rd.Failed() {
			// The check passed, so the file changed under us.
			return fmt.Errorf("import %d: the file no longer validates", batchID)
		}
		if c.args, err = r.prepare(c.args, batchID, &row); err != nil {
			return err
		}
		c.rows++
		if c.rows == r.chunk {
			select {
			case out <- c:
			case <-ctx.Done():
				return ctx.Err()
			}
			c = chunk{args: make([]any, 0, r.chunk*per)}
		}
	}
	if c.rows > 0 {
		select {
		case out <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// prepare appends one row's INSERT arguments, personal fields sealed.
func (r *Reports) prepare(args []any, batchID int64, row *reportfile.Row) ([]any, error) {
	reporter := r.sealer.ReporterKey(row.Phone, row.BusinessNumber)
	if reporter == "" {
		return nil, fmt.Errorf("import %d line %d: no reporter identity", batchID, row.Line)
	}
	phoneKey := ""
	if row.BusinessNumber != "" && row.Phone != "" {
		phoneKey = r.sealer.ReporterKey(row.Phone, "")
	}
	args = append(args, batchID, row.Line, row.ReceivedAt.Format("2006-01-02"), row.Week(), row.Channel, row.ReporterType,
		row.Service, row.Paid, row.DamageType, row.ClaimedAmount, row.AmountBand(), row.OutageHours, row.Region, row.Sector,
		row.Evidence, reporter, phoneKey)
	for i, v := range []string{row.Name, row.Phone, row.Email, row.BusinessNumber, row.Description} {
		if v == "" {
			args = append(args, nil)
			continue
		}
		sealed, err := r.sealer.SealString(v, fieldAD(batchID, row.Line, personalFields[i]))
		if err != nil {
			return nil, fmt.Errorf("seal %s of line %d: %w", personalFields[i], row.Line, err)
		}
		args = append(args, sealed)
	}
	return args, nil
}

// inserter writes prepared rows with multi-row INSERT statements through
// the transaction's connection. gorm's Create would reflect over every
// struct; the statement text for a full run of rows is built once and
// reused.
type inserter struct {
	full     string
	fullRows int
}

func (in *inserter) insert(ctx context.Context, tx *gorm.DB, d Dialect, args []any) error {
	per := len(reportColumns)
	for start := 0; start < len(args); start += insertRows * per {
		end := min(len(args), start+insertRows*per)
		rows := (end - start) / per
		q := in.full
		if rows != in.fullRows || q == "" {
			q = insertSQL(d, rows)
			if rows == insertRows {
				in.full, in.fullRows = q, rows
			}
		}
		if _, err := tx.Statement.ConnPool.ExecContext(ctx, q, args[start:end]...); err != nil {
			return fmt.Errorf("insert reports: %w", err)
		}
	}
	return nil
}

func insertSQL(d Dialect, rows int) string {
	per := len(reportColumns)
	var sb strings.Builder
	sb.WriteString("INSERT INTO reports (")
	sb.WriteString(strings.Join(reportColumns, ", "))
	sb.WriteString(") VALUES ")
	n := 0
	for i := 0; i < rows; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for j := 0; j < per; j++ {
			if j > 0 {
				sb.WriteByte(',')
			}
			n++
			if d == Postgres {
				sb.WriteByte('$')
				sb.WriteString(strconv.Itoa(n))
			} else {
				sb.WriteByte('?')
			}
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

// SpoolUpload copies an upload to a new file in dir (os.TempDir() when
// empty), hashing it on the way, and refuses more than limit bytes (no
// limit when limit <= 0). Nothing is held in memory beyond a copy buffer.
// The file is removed on error.
func SpoolUpload(src io.Reader, dir, name string, limit int64) (Upload, error) {
	f, err := os.CreateTemp(dir, "roundtable-import-*")
	if err != nil {
		return Upload{}, fmt.Errorf("spool upload: %w", err)
	}
	up := Upload{Path: f.Name(), Name: name}
	fail := func(err error) (Upload, error) {
		_ = f.Close()
		_ = os.Remove(up.Path)
		return Upload{}, err
	}
	h := sha256.New()
	r := src
	if limit > 0 {
		r = io.LimitReader(src, limit+1)
	}
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err != nil {
		return fail(err)
	}
	if limit > 0 && n > limit {
		return fail(Errorf(KindTooLarge, "too_large", "The file is larger than %d MiB; split it into smaller files.", limit>>20))
	}
	if n == 0 {
		return fail((&Error{Kind: KindInvalid, Code: reportfile.CodeEmptyFile, Message: "The file is empty."}).WithField("file", "required"))
	}
	if err := f.Close(); err != nil {
		return fail(fmt.Errorf("spool upload: %w", err))
	}
	up.Bytes, up.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return up, nil
}
