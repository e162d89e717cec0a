package server

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/models/reportfile"
)

// defaultMaxUpload caps an import file when the configuration says
// nothing: a million-row CSV is about 200 MB.
const defaultMaxUpload = 512 << 20

// multipartSlack is room for the multipart envelope around the file.
const multipartSlack = 1 << 20

func (s *Server) maxUpload() int64 {
	if s.cfg.MaxUpload > 0 {
		return s.cfg.MaxUpload
	}
	return defaultMaxUpload
}

// bodyLimitFor is the body cap of the request's route: the import routes
// take a file, every other route keeps MaxBody. A larger declared length
// is refused before a byte is read; an undeclared one stops at the cap.
func (s *Server) bodyLimitFor(c *gin.Context) int64 {
	if c.Request.Method == http.MethodPost {
		switch c.FullPath() {
		case "/reports/import", "/api/v1/reports/import":
			return s.maxUpload() + multipartSlack
		}
	}
	return s.cfg.MaxBody
}

var errNoDataKey = &models.Error{Kind: models.KindUnavailable, Code: "no_data_key",
	Message: "Imports and raw reports are switched off: the server has no data key (set ROUNDTABLE_DATA_KEY or --data-key-file). Published statistics stay available."}

func (s *Server) reports() (*models.Reports, error) {
	if s.cfg.Reports == nil {
		return nil, errNoDataKey
	}
	return s.cfg.Reports, nil
}

var errFileRequired = (&models.Error{Kind: models.KindInvalid, Code: "file_required",
	Message: "Choose a CSV or XLSX file to import (multipart field \"file\")."}).WithField("file", "required")

// spoolUpload copies the uploaded file to a temporary file, hashing it on
// the way. An HTML form has already been parsed by the CSRF check (which
// reads the token field), so its file is taken from there; an API request
// is streamed part by part, so nothing but a copy buffer is in memory.
func (s *Server) spoolUpload(c *gin.Context) (models.Upload, error) {
	if mf := c.Request.MultipartForm; mf != nil {
		fhs := mf.File["file"]
		if len(fhs) == 0 {
			return models.Upload{}, errFileRequired
		}
		f, err := fhs[0].Open()
		if err != nil {
			return models.Upload{}, fmt.Errorf("open uploaded file: %w", err)
		}
		defer func() { _ = f.Close() }() // the request's own temporary copy, read-only
		return models.SpoolUpload(f, "", fhs[0].Filename, s.maxUpload())
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return models.Upload{}, models.Errorf(models.KindBadRequest, "not_multipart", "Send the file as multipart/form-data in the field \"file\".")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return models.Upload{}, errFileRequired
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return models.Upload{}, err
			}
			return models.Upload{}, models.Errorf(models.KindBadRequest, "malformed_multipart", "The multipart body could not be read.")
		}
		if part.FormName() != "file" {
			_, _ = io.Copy(io.Discard, part)
			continue
		}
		return spoolPart(part, s.maxUpload())
	}
}

func spoolPart(part *multipart.Part, limit int64) (models.Upload, error) {
	defer func() { _ = part.Close() }() // closing a part only skips its unread rest
	return models.SpoolUpload(part, "", part.FileName(), limit)
}

// importError turns a failed batch into the error the API answers with:
// every problem as a row, {"row","field","message"} (plus the Korean
// message), so a client can show the secretariat what to fix.
func importError(b *models.ReportBatch) error {
	type rowJSON struct {
		Row       int    `json:"row"`
		Field     string `json:"field"`
		Message   string `json:"message"`
		MessageKo string `json:"message_ko"`
	}
	rows := []rowJSON{}
	for _, p := range b.RowProblems() {
		rows = append(rows, rowJSON{Row: p.Row, Field: p.Field, Message: p.Message, MessageKo: p.MessageKo})
	}
	kind := models.KindInvalid
	switch b.FailureCode {
	case "interrupted":
		kind = models.KindUnavailable
	case "internal":
		return fmt.Errorf("import %d failed: %s", b.ID, b.FailureMessage)
	}
	msg := b.FailureMessage
	if n := b.Omitted(); n > 0 {
		msg += fmt.Sprintf(" The first %d problems are listed; %d more were found.", len(rows), n)
	}
	return &models.Error{Kind: kind, Code: b.FailureCode, Message: msg, Details: rows}
}

// apiReportImport is the contract's synchronous import: it waits for the
// background job and answers with its outcome. The job belongs to the
// server, not the request: a client that hangs up does not stop it.
func (s *Server) apiReportImport(c *gin.Context) {
	svc, err := s.reports()
	if err != nil {
		s.fail(c, err)
		return
	}
	// A large file takes longer than the server's default timeouts.
	rc := http.NewResponseController(c.Writer)
	_ = rc.SetReadDeadline(time.Now().Add(30 * time.Minute))
	_ = rc.SetWriteDeadline(time.Now().Add(60 * time.Minute))
	up, err := s.spoolUpload(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	b, done, err := svc.StartImport(c.Request.Context(), s.actor(c), up)
	if err != nil {
		s.fail(c, err)
		return
	}
	select {
	case <-done:
	case <-c.Request.Context().Done():
		return
	}
	if b, err = s.store.ImportBatch(c.Request.Context(), b.ID); err != nil {
		s.fail(c, err)
		return
	}
	if b.Status != models.BatchCommitted {
		s.fail(c, importError(b))
		return
	}
	snap, err := s.store.LatestSnapshot(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, gin.H{"imported": b.Imported, "batch_id": b.ID, "snapshot_id": snap.ID, "format": b.Format})
}

type batchJSON struct {
	ID         int64      `json:"id"`
	Status     string     `json:"status"`
	Phase      string     `json:"phase"`
	FileName   string     `json:"file_name"`
	Format     string     `json:"format"`
	Bytes      int64      `json:"bytes"`
	SHA256     string     `json:"sha256"`
	RowsRead   int64      `json:"rows_read"`
	RowsTotal  int64      `json:"rows_total"`
	RowsSaved  int64      `json:"rows_saved"`
	Imported   int64      `json:"imported"`
	ErrorCount int64      `json:"error_count"`
	Error      *apiError  `json:"error"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

func (s *Server) apiImportBatch(c *gin.Context) {
	b, err := s.loadBatch(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := batchJSON{ID: b.ID, Status: b.Status, Phase: b.Phase, FileName: b.FileName, Format: b.Format, Bytes: b.Bytes,
		SHA256: b.SHA256, RowsRead: b.RowsRead, RowsTotal: b.RowsTotal, RowsSaved: b.RowsSaved, Imported: b.Imported,
		ErrorCount: b.ErrorCount, CreatedAt: b.CreatedAt.UTC(), FinishedAt: utcPtr(b.FinishedAt)}
	if b.Status == models.BatchFailed {
		var de *models.Error
		if errors.As(importError(b), &de) {
			out.Error = &apiError{Code: de.Code, Message: de.Message, Rows: de.Details}
		} else {
			out.Error = &apiError{Code: b.FailureCode, Message: b.FailureMessage}
		}
	}
	s.json(c, http.StatusOK, gin.H{"import": out})
}

func (s *Server) loadBatch(c *gin.Context) (*models.ReportBatch, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	return s.store.ImportBatch(c.Request.Context(), id)
}

// Pages.

type importPage struct {
	KeyMissing bool
	Running    *models.ReportBatch
	Batches    []models.ReportBatch
	MaxMiB     int64
	Columns    [][2]string // canonical name, Korean header
	Required   map[string]bool
}

func (s *Server) importPageData(c *gin.Context) (importPage, error) {
	d := importPage{KeyMissing: s.cfg.Reports == nil, MaxMiB: s.maxUpload() >> 20, Required: map[string]bool{}}
	ko := reportfile.KoreanColumns()
	for i, col := range reportfile.CanonicalColumns() {
		d.Columns = append(d.Columns, [2]string{col, ko[i]})
	}
	for _, col := range reportfile.RequiredColumns() {
		d.Required[col] = true
	}
	var err error
	if d.Batches, err = s.store.ImportBatches(c.Request.Context(), 20); err != nil {
		return d, err
	}
	for i := range d.Batches {
		if d.Batches[i].Status == models.BatchRunning {
			d.Running = &d.Batches[i]
		}
	}
	return d, nil
}

func (s *Server) importPage(c *gin.Context) {
	d, err := s.importPageData(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := s.newPage(c, s.cat.T(langOf(c), "import.title"))
	p.Data = d
	s.render(c, http.StatusOK, "reports_import", p)
}

func (s *Server) importForm(c *gin.Context) {
	formErr := func(err error) {
		d, derr := s.importPageData(c)
		if derr != nil {
			s.fail(c, derr)
			return
		}
		p := s.newPage(c, s.cat.T(langOf(c), "import.title"))
		p.Data = d
		s.formError(c, "reports_import", p, err)
	}
	svc, err := s.reports()
	if err != nil {
		formErr(err)
		return
	}
	up, err := s.spoolUpload(c)
	if err != nil {
		formErr(err)
		return
	}
	b, _, err := svc.StartImport(c.Request.Context(), s.actor(c), up)
	if err != nil {
		formErr(err)
		return
	}
	s.redirect(c, fmt.Sprintf("/reports/import/%d", b.ID), "import.started")
}

type batchPage struct {
	Batch *models.ReportBatch
	// ColumnKo names each canonical column as the Korean header does, so
	// the secretariat finds it in a Korean spreadsheet.
	ColumnKo map[string]string
	Problems []reportfile.RowError
	Warnings []reportfile.Warning
	Percent  int
	Message  string
}

func (s *Server) batchPage(c *gin.Context) {
	b, err := s.loadBatch(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	lang := langOf(c)
	d := batchPage{Batch: b, Problems: b.RowProblems(), Warnings: b.FileWarnings(), ColumnKo: map[string]string{}}
	ko := reportfile.KoreanColumns()
	for i, col := range reportfile.CanonicalColumns() {
		d.ColumnKo[col] = ko[i]
	}
	switch b.Status {
	case models.BatchRunning:
		// The page reloads itself while the job runs: the Refresh header
		// works in every browser without a script.
		c.Header("Refresh", "2")
		if b.Phase == models.PhaseSaving && b.RowsTotal > 0 {
			d.Percent = int(100 * b.RowsSaved / b.RowsTotal)
		}
	case models.BatchFailed:
		d.Message = b.FailureMessage
		if lang != "en" && b.FailureKo != "" {
			d.Message = b.FailureKo
		}
	}
	p := s.newPage(c, s.cat.T(lang, "import.batch_title", b.ID))
	p.Data = d
	s.render(c, http.StatusOK, "reports_batch", p)
}

// Raw reports (secretariat only; every search, view and export recorded).

type rawReportJSON struct {
	ID             int64   `json:"id"`
	BatchID        int64   `json:"batch_id"`
	Line           int     `json:"line"`
	ReceivedAt     string  `json:"received_at"`
	Channel        string  `json:"channel"`
	ReporterType   string  `json:"reporter_type"`
	Service        string  `json:"service"`
	Paid           string  `json:"paid"`
	DamageType     string  `json:"damage_type"`
	ClaimedAmount  int64   `json:"claimed_amount"`
	OutageHours    float64 `json:"outage_hours"`
	Region         string  `json:"region"`
	Sector         string  `json:"sector"`
	Evidence       string  `json:"evidence"`
	Name           string  `json:"name"`
	Phone          string  `json:"phone"`
	Email          string  `json:"email"`
	BusinessNumber string  `json:"business_number"`
	Description    string  `json:"description"`
}

func toRawJSON(r *models.RawReport) rawReportJSON {
	ev := reportfile.EvidenceNo
	if r.Evidence {
		ev = reportfile.EvidenceYes
	}
	return rawReportJSON{ID: r.ID, BatchID: r.BatchID, Line: r.Line, ReceivedAt: r.ReceivedOn, Channel: r.Channel,
		ReporterType: r.ReporterType, Service: r.Service, Paid: r.Paid, DamageType: r.DamageType, ClaimedAmount: r.ClaimedAmount,
		OutageHours: r.OutageHours, Region: r.Region, Sector: r.Sector, Evidence: ev, Name: r.Name, Phone: r.Phone,
		Email: r.Email, BusinessNumber: r.BusinessNumber, Description: r.Description}
}

type reportQueryJSON struct {
	Purpose        string `json:"purpose"`
	Phone          string `json:"phone"`
	BusinessNumber string `json:"business_number"`
	ReportID       int64  `json:"report_id"`
	BatchID        int64  `json:"batch_id"`
	Service        string `json:"service"`
	Region         string `json:"region"`
	ReporterType   string `json:"reporter_type"`
	DamageType     string `json:"damage_type"`
	ReceivedOn     string `json:"received_on"`
	After          int64  `json:"after"`
	Limit          int    `json:"limit"`
}

func (q reportQueryJSON) query() models.ReportQuery {
	return models.ReportQuery{Purpose: q.Purpose, Phone: q.Phone, BusinessNumber: q.BusinessNumber, ReportID: q.ReportID,
		BatchID: q.BatchID, Service: q.Service, Region: q.Region, ReporterType: q.ReporterType, DamageType: q.DamageType,
		ReceivedOn: q.ReceivedOn, After: q.After, Limit: q.Limit}
}

func (s *Server) apiReportSearch(c *gin.Context) {
	svc, err := s.reports()
	if err != nil {
		s.fail(c, err)
		return
	}
	var in reportQueryJSON
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	found, next, err := svc.SearchReports(c.Request.Context(), s.actor(c), in.query())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]rawReportJSON, len(found))
	for i := range found {
		out[i] = toRawJSON(&found[i])
	}
	var nextAfter *int64
	if next > 0 {
		nextAfter = &next
	}
	s.json(c, http.StatusOK, gin.H{"reports": out, "next_after": nextAfter})
}

func (s *Server) apiRawReport(c *gin.Context) {
	svc, err := s.reports()
	if err != nil {
		s.fail(c, err)
		return
	}
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := svc.RawReportByID(c.Request.Context(), s.actor(c), id, c.Query("purpose"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, gin.H{"report": toRawJSON(r)})
}

type rawSearchPage struct {
	KeyMissing bool
	Purposes   []string
	Form       map[string]string
	Searched   bool
	Results    []models.RawReport
	Next       int64
	Codes      map[string][]reportfile.Code
	Max        int
}

func (s *Server) rawSearchData(c *gin.Context) rawSearchPage {
	return rawSearchPage{KeyMissing: s.cfg.Reports == nil, Purposes: models.AccessPurposes, Form: map[string]string{},
		Max: models.MaxReportExport, Codes: map[string][]reportfile.Code{
			"service": reportfile.Services().Codes, "region": reportfile.Regions().Codes,
			"reporter_type": reportfile.ReporterTypes().Codes, "damage_type": reportfile.DamageTypes().Codes}}
}

var rawFormFields = []string{"purpose", "phone", "business_number", "report_id", "batch_id", "service", "region", "reporter_type", "damage_type", "received_on", "after"}

// formQuery reads the search form. A number that does not parse is kept
// as invalid rather than silently dropped, so a typo never widens a search.
func formQuery(c *gin.Context) (models.ReportQuery, map[string]string, error) {
	form := map[string]string{}
	for _, f := range rawFormFields {
		form[f] = strings.TrimSpace(c.PostForm(f))
	}
	q := models.ReportQuery{Purpose: form["purpose"], Phone: form["phone"], BusinessNumber: form["business_number"],
		Service: form["service"], Region: form["region"], ReporterType: form["reporter_type"], DamageType: form["damage_type"],
		ReceivedOn: form["received_on"]}
	bad := &models.Error{Kind: models.KindInvalid, Code: "invalid_query", Message: "Check the search fields."}
	for field, dst := range map[string]*int64{"report_id": &q.ReportID, "batch_id": &q.BatchID, "after": &q.After} {
		if v := form[field]; v != "" {
			if _, err := fmt.Sscan(v, dst); err != nil || *dst <= 0 {
				bad.WithField(field, "not_an_id")
			}
		}
	}
	if len(bad.Fields) > 0 {
		return q, form, bad
	}
	return q, form, nil
}

func (s *Server) rawSearchPage(c *gin.Context) {
	p := s.newPage(c, s.cat.T(langOf(c), "raw.title"))
	p.Data = s.rawSearchData(c)
	s.render(c, http.StatusOK, "reports", p)
}

func (s *Server) rawSearchForm(c *gin.Context) {
	d := s.rawSearchData(c)
	p := s.newPage(c, s.cat.T(langOf(c), "raw.title"))
	q, form, err := formQuery(c)
	d.Form = form
	p.Data = &d
	if err == nil {
		var svc *models.Reports
		if svc, err = s.reports(); err == nil {
			d.Results, d.Next, err = svc.SearchReports(c.Request.Context(), s.actor(c), q)
		}
	}
	if err != nil {
		s.formError(c, "reports", p, err)
		return
	}
	d.Searched = true
	s.render(c, http.StatusOK, "reports", p)
}

type rawReportPage struct {
	Report   *models.RawReport
	Purposes []string
	Purpose  string
	ID       int64
}

func (s *Server) rawReportPage(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	svc, err := s.reports()
	if err != nil {
		s.fail(c, err)
		return
	}
	d := rawReportPage{Purposes: models.AccessPurposes, Purpose: c.Query("purpose"), ID: id}
	p := s.newPage(c, s.cat.T(langOf(c), "raw.report_title", id))
	p.Data = &d
	if d.Purpose == "" {
		// Ask why before opening anything.
		s.render(c, http.StatusOK, "report", p)
		return
	}
	if d.Report, err = svc.RawReportByID(c.Request.Context(), s.actor(c), id, d.Purpose); err != nil {
		if models.ErrorKind(err) == models.KindInvalid {
			s.formError(c, "report", p, err)
			return
		}
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "report", p)
}

// rawExport downloads the matching raw reports after the purpose was
// given; every cell is neutralised against formula injection, since the
// descriptions were typed by the public.
func (s *Server) rawExport(c *gin.Context) {
	format := c.PostForm("format")
	if format != "csv" && format != "xlsx" {
		format = "csv"
	}
	q, form, err := formQuery(c)
	var found []models.RawReport
	if err == nil {
		var svc *models.Reports
		if svc, err = s.reports(); err == nil {
			found, err = svc.ExportReports(c.Request.Context(), s.actor(c), q, format)
		}
	}
	if err != nil {
		d := s.rawSearchData(c)
		d.Form = form
		p := s.newPage(c, s.cat.T(langOf(c), "raw.title"))
		p.Data = &d
		s.formError(c, "reports", p, err)
		return
	}
	rows := [][]string{{"id", "batch_id", "line", reportfile.ColReceivedAt, reportfile.ColChannel, reportfile.ColReporterType,
		reportfile.ColService, reportfile.ColPaid, reportfile.ColDamageType, reportfile.ColClaimedAmount, reportfile.ColOutageHours,
		reportfile.ColRegion, reportfile.ColSector, reportfile.ColEvidence, reportfile.ColName, reportfile.ColPhone,
		reportfile.ColEmail, reportfile.ColBusinessNumber, reportfile.ColDescription}}
	for i := range found {
		j := toRawJSON(&found[i])
		rows = append(rows, []string{fmt.Sprint(j.ID), fmt.Sprint(j.BatchID), fmt.Sprint(j.Line), j.ReceivedAt, j.Channel,
			j.ReporterType, j.Service, j.Paid, j.DamageType, fmt.Sprint(j.ClaimedAmount), fmt.Sprint(j.OutageHours), j.Region,
			j.Sector, j.Evidence, j.Name, j.Phone, j.Email, j.BusinessNumber, j.Description})
	}
	for _, row := range rows {
		for k := range row {
			row[k] = reportfile.SafeCell(row[k])
		}
	}
	name := "roundtable-raw-reports-" + time.Now().UTC().Format("20060102-150405")
	if format == "xlsx" {
		s.writeXLSX(c, name, "reports", rows)
		return
	}
	writeCSV(c, name, rows)
}
