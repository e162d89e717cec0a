package server

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"roundtable/frontend"
	"roundtable/models"
	"roundtable/models/reportfile"
)

// deadlineWriter pushes the connection's write deadline forward while a
// long export streams, so that the server's WriteTimeout (which protects
// against stalled clients) does not cut a million-event export short. A
// client that stops reading still hits a deadline within exportStall.
type deadlineWriter struct {
	w        io.Writer
	rc       *http.ResponseController
	extended time.Time
}

const exportStall = 2 * time.Minute

func (d *deadlineWriter) Write(p []byte) (int, error) {
	if now := time.Now(); now.Sub(d.extended) > 10*time.Second {
		// Not every ResponseWriter supports deadlines (tests' recorders);
		// there is then no deadline to extend.
		_ = d.rc.SetWriteDeadline(now.Add(exportStall))
		d.extended = now
	}
	return d.w.Write(p)
}

// startDownload records the download as an access event and sets the
// headers of an attachment. The record comes first: a download that could
// not be recorded does not happen.
func (s *Server) startDownload(c *gin.Context, format, filename, contentType string) bool {
	if err := s.store.Record(c.Request.Context(), s.actor(c), "audit.export", "audit_log", 0, map[string]any{"format": format}); err != nil {
		s.fail(c, err)
		return false
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", contentType)
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, filename))
	return true
}

// failStream reports an error in a streamed download: as an error response
// if nothing was sent yet, else only in the log, since the status line is
// gone. A cut export then fails offline verification, which says where.
func (s *Server) failStream(c *gin.Context, err error) {
	if !c.Writer.Written() {
		c.Writer.Header().Del("Content-Disposition")
		s.fail(c, err)
		return
	}
	s.log.Error("streamed download cut short", "request_id", requestIDOf(c), "route", c.FullPath(), "err", err)
	c.Abort()
}

func exportStamp() string { return time.Now().In(models.Seoul).Format("20060102-1504") }

// apiAuditExport streams the whole history as NDJSON for offline
// verification (`roundtable audit verify FILE`).
func (s *Server) apiAuditExport(c *gin.Context) {
	if !s.startDownload(c, "ndjson", "roundtable-audit-"+exportStamp()+".ndjson", "application/x-ndjson") {
		return
	}
	c.Status(http.StatusOK)
	w := &deadlineWriter{w: c.Writer, rc: http.NewResponseController(c.Writer)}
	if _, err := s.store.ExportAudit(c.Request.Context(), w); err != nil {
		s.failStream(c, err)
	}
}

// csvStream writes a spreadsheet-friendly CSV as it goes: UTF-8 with a BOM
// (Korean Excel otherwise reads CP949), CRLF, and every cell through
// SafeCell so that nothing in the history runs as a formula.
type csvStream struct {
	w *csv.Writer
}

func newCSVStream(w io.Writer) (*csvStream, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvStream{w: cw}, nil
}

func (cs *csvStream) row(cells ...string) error {
	for i := range cells {
		cells[i] = reportfile.SafeCell(cells[i])
	}
	return cs.w.Write(cells)
}

func (cs *csvStream) flush() error {
	cs.w.Flush()
	return cs.w.Error()
}

func idText(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// auditTimelineCSV exports the timeline as filtered on the page, oldest
// first, streamed a page at a time.
func (s *Server) auditTimelineCSV(c *gin.Context) {
	f, _, err := parseTimeline(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !s.startDownload(c, "csv", "roundtable-audit-"+exportStamp()+".csv", "text/csv; charset=utf-8") {
		return
	}
	lang := langOf(c)
	t := func(k string) string { return s.cat.T(lang, k) }
	cs, err := newCSVStream(&deadlineWriter{w: c.Writer, rc: http.NewResponseController(c.Writer)})
	if err == nil {
		err = cs.row(t("audit.csv.seq"), t("audit.csv.at"), t("audit.csv.actor"), t("audit.csv.role"), t("audit.csv.group"),
			t("audit.csv.action"), t("audit.csv.summary"), t("audit.csv.object_type"), t("audit.csv.object_id"), t("audit.csv.object"),
			t("audit.csv.ip"), t("audit.csv.request_id"), t("audit.csv.hash"))
	}
	if err == nil {
		err = s.store.AuditEventBatches(c.Request.Context(), f, func(evs []models.AuditEvent) error {
			views, err := s.eventViews(c, evs)
			if err != nil {
				return err
			}
			for i, v := range views {
				e := &evs[i]
				if err := cs.row(strconv.FormatInt(v.Seq, 10), frontend.KST(v.At)+":"+v.At.In(models.Seoul).Format("05"), v.ActorName, v.ActorRole, v.ActorGroup,
					v.Action, v.Sentence, e.ObjectType, idText(e.ObjectID), v.ObjectLabel, v.IP, v.RequestID, v.Hash); err != nil {
					return err
				}
			}
			return cs.flush()
		})
	}
	if err == nil {
		err = cs.flush()
	}
	if err != nil {
		s.failStream(c, err)
	}
}
