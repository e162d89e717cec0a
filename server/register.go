package server

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"roundtable/frontend"
	"roundtable/models"
	"roundtable/models/reportfile"
	"roundtable/policy"
)

type groupTallyJSON struct {
	Group      string         `json:"group"`
	Total      int            `json:"total"`
	Unanswered int            `json:"unanswered"`
	ByStatus   map[string]int `json:"by_status"`
}

func (s *Server) loadRegister(c *gin.Context) (*models.Register, error) {
	v, err := s.loadVersion(c)
	if err != nil {
		return nil, err
	}
	return s.store.ResponseRegister(c.Request.Context(), v)
}

func (s *Server) apiRegister(c *gin.Context) {
	r, err := s.loadRegister(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	entries := make([]commentJSON, len(r.Entries))
	for i := range r.Entries {
		entries[i] = toCommentJSON(&r.Entries[i])
	}
	groups := make([]groupTallyJSON, len(r.Groups))
	for i, g := range r.Groups {
		groups[i] = groupTallyJSON{Group: g.Group.Key, Total: g.Total, Unanswered: g.Unanswered, ByStatus: g.ByStatus}
	}
	s.json(c, http.StatusOK, gin.H{"version_id": r.Version.ID, "entries": entries, "by_status": r.ByStatus,
		"unanswered": r.Unanswered, "by_group": groups})
}

type registerPage struct {
	*models.Register
	Statuses  []string
	CanAnswer bool
	Later     []models.Version
	Numbers   map[int64]int
}

func (s *Server) registerPage(c *gin.Context) {
	r, err := s.loadRegister(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.store.DocumentByID(c.Request.Context(), r.Version.DocumentID)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := registerPage{Register: r, Statuses: models.DispositionStatuses, CanAnswer: s.authz.Can(subjectOf(currentUser(c)), policy.Kind("comment"), "answer")}
	visible := s.visibleVersions(c, d.Versions)
	p.Numbers = versionNumbers(visible)
	for _, v := range visible {
		if v.Number >= r.Version.Number {
			p.Later = append(p.Later, v)
		}
	}
	page := s.newPage(c, s.cat.T(langOf(c), "register.title", r.Version.Number))
	page.Data = p
	s.render(c, http.StatusOK, "register", page)
}

// registerRows is the register as a sheet, in the viewer's language. Every
// cell goes through SafeCell so a comment that starts with "=" cannot run
// as a formula when the file is opened in a spreadsheet.
func (s *Server) registerRows(c *gin.Context, r *models.Register) [][]string {
	lang := langOf(c)
	t := func(k string, a ...any) string { return s.cat.T(lang, k, a...) }
	rows := [][]string{{t("register.col.no"), t("register.col.clause"), t("register.col.author"), t("register.col.group"),
		t("register.col.organisation"), t("register.col.posted"), t("register.col.comment"), t("register.col.status"),
		t("register.col.response"), t("register.col.addressed"), t("register.col.answered")}}
	// Only versions the viewer may see are named: a member must not learn
	// from an export that a draft exists.
	versionNumber := map[int64]int{}
	if d, err := s.store.DocumentByID(c.Request.Context(), r.Version.DocumentID); err == nil {
		versionNumber = versionNumbers(s.visibleVersions(c, d.Versions))
	}
	for i, e := range r.Entries {
		clause := t("register.whole_version")
		if e.ClauseKey != "" {
			clause = e.ClauseKey
		}
		group := ""
		if e.Author.Group != nil {
			group = e.Author.Group.Name(lang)
		}
		row := []string{strconv.Itoa(i + 1), clause, e.Author.Name, group, e.Author.Organisation, frontend.KST(e.CreatedAt), e.Body,
			t("disposition.unanswered"), "", "", ""}
		if d := e.Disposition; d != nil {
			row[7] = t("disposition." + d.Status)
			row[8] = d.Response
			if d.AddressedInVersionID != nil {
				if n, ok := versionNumber[*d.AddressedInVersionID]; ok {
					row[9] = t("version.number", n)
				} else {
					row[9] = t("disposition.next_draft")
				}
			}
			row[10] = frontend.KST(d.RespondedAt)
		}
		rows = append(rows, row)
	}
	for _, row := range rows {
		for j := range row {
			row[j] = reportfile.SafeCell(row[j])
		}
	}
	return rows
}

func (s *Server) registerExport(c *gin.Context) {
	r, err := s.loadRegister(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows := s.registerRows(c, r)
	name := fmt.Sprintf("response-register-v%d", r.Version.Number)
	if err := s.store.Record(c.Request.Context(), s.actor(c), "register.export", "version", r.Version.ID, map[string]any{"format": c.Param("format")}); err != nil {
		s.fail(c, err)
		return
	}
	switch c.Param("format") {
	case "csv":
		writeCSV(c, name, rows)
	case "xlsx":
		s.writeXLSX(c, name, s.cat.T(langOf(c), "register.sheet"), rows)
	default:
		s.notFound(c)
	}
}

// writeCSV writes UTF-8 with a byte-order mark: without it, Korean Excel
// opens the file as CP949 and shows mojibake.
func writeCSV(c *gin.Context, name string, rows [][]string) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.WriteAll(rows)
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, name))
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// writeXLSX sends rows as a one-sheet workbook. Rows go through excelize's
// stream writer, which keeps no cell model in memory (it spills to a
// temporary file past a few MiB): an in-memory workbook of 10,000 raw
// reports took the heap to 120 MB. Only the compressed file is buffered,
// so a failure still becomes an error page rather than half a download.
func (s *Server) writeXLSX(c *gin.Context, name, sheet string, rows [][]string) {
	f := excelize.NewFile()
	defer func() {
		if err := f.Close(); err != nil { // removes the stream's temporary file
			s.log.Warn("close xlsx", "request_id", requestIDOf(c), "err", err)
		}
	}()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		s.fail(c, fmt.Errorf("xlsx sheet: %w", err))
		return
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		s.fail(c, fmt.Errorf("xlsx stream: %w", err))
		return
	}
	cells := make([]any, 0, 32)
	for i, row := range rows {
		cells = cells[:0]
		for _, v := range row {
			cells = append(cells, v)
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, cells); err != nil {
			s.fail(c, fmt.Errorf("xlsx row %d: %w", i+1, err))
			return
		}
	}
	if err := sw.Flush(); err != nil {
		s.fail(c, fmt.Errorf("xlsx flush: %w", err))
		return
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		s.fail(c, fmt.Errorf("xlsx write: %w", err))
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.xlsx"`, name))
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
}
