package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"roundtable/models"
	"roundtable/models/disclosure"
	"roundtable/models/reportfile"
	"roundtable/models/stats"
)

// Statistics: members, auditors and the secretariat read the published
// tables of the latest import snapshot. Every figure comes from the
// stored tables, never from the reports themselves, so the pages, the
// downloads and the API show exactly the same numbers on every request.

// onlyParams refuses any query parameter outside allowed, and repeated
// ones: the catalogue is fixed, and a reader must not be able to ask for
// finer slices (date ranges, lists, top-N) than the catalogue publishes.
func onlyParams(c *gin.Context, allowed ...string) error {
	for k, vs := range c.Request.URL.Query() {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return models.Errorf(models.KindBadRequest, "unknown_parameter", "The parameter %q is not supported; statistics come only as the fixed catalogue of tables.", k).WithField(k, "unknown")
		}
		if len(vs) > 1 {
			return models.Errorf(models.KindBadRequest, "unknown_parameter", "The parameter %q may be given once.", k).WithField(k, "invalid")
		}
	}
	return nil
}

// tableQuery resolves ?rows=&cols= to a catalogue table.
func tableQuery(c *gin.Context) (stats.TableSpec, string, error) {
	if err := onlyParams(c, "rows", "cols"); err != nil {
		return stats.TableSpec{}, "", err
	}
	rows, cols := c.Query("rows"), c.Query("cols")
	spec, transposed, ok := stats.Lookup(rows, cols)
	if !ok {
		var keys []string
		for _, t := range stats.Catalogue() {
			keys = append(keys, t.Key())
		}
		return stats.TableSpec{}, "", models.Errorf(models.KindBadRequest, "unknown_table",
			"There is no table for rows=%q cols=%q. Published tables (rows.cols, either way round): %s.", rows, cols, strings.Join(keys, ", ")).WithField("rows", "unknown")
	}
	key := spec.Key()
	if transposed {
		key = spec.Cols + "." + spec.Rows
	}
	return spec, key, nil
}

func (s *Server) statsRules(c *gin.Context) disclosure.Rules {
	if snap, err := s.store.LatestSnapshot(c.Request.Context()); err == nil {
		return snap.PublishedRules()
	}
	if s.cfg.Reports != nil {
		return s.cfg.Reports.Rules()
	}
	return disclosure.DefaultRules()
}

type dimensionValueJSON struct {
	Key     string `json:"key"`
	Label   string `json:"label"`
	LabelKo string `json:"label_ko"`
	LabelEn string `json:"label_en"`
}

type dimensionJSON struct {
	Key     string               `json:"key"`
	Label   string               `json:"label"`
	LabelKo string               `json:"label_ko"`
	LabelEn string               `json:"label_en"`
	Values  []dimensionValueJSON `json:"values"`
}

type catalogueEntryJSON struct {
	Table string  `json:"table"`
	Rows  string  `json:"rows"`
	Cols  *string `json:"cols"`
}

func catalogueJSON() []catalogueEntryJSON {
	var out []catalogueEntryJSON
	for _, t := range stats.Catalogue() {
		e := catalogueEntryJSON{Table: t.Key(), Rows: t.Rows}
		if t.TwoWay() {
			cols := t.Cols
			e.Cols = &cols
		}
		out = append(out, e)
	}
	return out
}

func (s *Server) apiStatsDimensions(c *gin.Context) {
	if err := onlyParams(c); err != nil {
		s.fail(c, err)
		return
	}
	lang := langOf(c)
	var dims []dimensionJSON
	for _, d := range stats.Dimensions() {
		dj := dimensionJSON{Key: d.Key, Label: d.Label(lang), LabelKo: d.Ko, LabelEn: d.En}
		for _, v := range d.Values {
			dj.Values = append(dj.Values, dimensionValueJSON{Key: v.Key, Label: v.Label(lang), LabelKo: v.Ko, LabelEn: v.En})
		}
		dims = append(dims, dj)
	}
	r := s.statsRules(c)
	s.json(c, http.StatusOK, gin.H{"dimensions": dims, "threshold": r.Threshold, "rounding_base": r.RoundingBase,
		"p_percent": r.PPercent, "tables": catalogueJSON()})
}

// apiStatsTable writes the stored table as it is: one indexed read, no
// decoding, the same bytes for every caller.
func (s *Server) apiStatsTable(c *gin.Context) {
	_, key, err := tableQuery(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	payload, err := s.store.StatsTablePayload(c.Request.Context(), key)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", payload)
}

type snapshotJSON struct {
	ID        int64            `json:"id"`
	CreatedAt string           `json:"created_at"`
	Reports   stats.Total      `json:"reports"`
	Reporters stats.Total      `json:"reporters"`
	Threshold int              `json:"threshold"`
	Rules     disclosure.Rules `json:"rules"`
}

func (s *Server) apiStats(c *gin.Context) {
	if err := onlyParams(c); err != nil {
		s.fail(c, err)
		return
	}
	var snap any
	if sn, err := s.store.LatestSnapshot(c.Request.Context()); err == nil {
		h := sn.PublishedHeadline()
		r := sn.PublishedRules()
		snap = snapshotJSON{ID: sn.ID, CreatedAt: sn.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), Reports: h.Reports,
			Reporters: h.Reporters, Threshold: r.Threshold, Rules: r}
	} else if models.ErrorKind(err) != models.KindConflict {
		s.fail(c, err)
		return
	}
	s.json(c, http.StatusOK, gin.H{"snapshot": snap, "tables": catalogueJSON()})
}

// Pages.

// figureView is one published figure as a page shows it.
type figureView struct {
	Text     string // formatted count, or "" when withheld
	Withheld bool
	Percent  string // share of the line's total, from published figures
	Amount   string // formatted sum, "" when withheld or none
	Median   string // label of the median's band
	value    int64
}

type rowView struct {
	Key, Label string
	Cells      []figureView
	Total      figureView
}

type tableView struct {
	Key, Title         string
	Rows, Cols         string // dimension keys
	RowLabel, ColLabel string
	ColHeads           []string
	Lines              []rowView
	Total              figureView
	ColTotals          []figureView
	TwoWay             bool
	Chart              barChart
	HasWithheld        bool
	// Href opens the table alone; CSV and XLSX download exactly it.
	Href, CSV, XLSX string
}

// statsFormatter formats published figures for one language.
type statsFormatter struct {
	lang  string
	bands map[string]string
}

func newStatsFormatter(lang string) statsFormatter {
	f := statsFormatter{lang: lang, bands: map[string]string{}}
	for _, b := range reportfile.AmountBands() {
		f.bands[b.Key] = b.Label(lang)
	}
	return f
}

func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func (f statsFormatter) won(n int64) string {
	if f.lang == "en" {
		return "₩" + groupDigits(n)
	}
	return groupDigits(n) + "원"
}

func (f statsFormatter) figure(count *int64, suppressed bool, sum *int64, median *string, whole *int64) figureView {
	if suppressed || count == nil {
		return figureView{Withheld: true}
	}
	v := figureView{Text: groupDigits(*count), value: *count}
	if p := disclosure.Percent(count, whole); p != nil {
		v.Percent = strconv.FormatFloat(*p, 'f', 1, 64)
	}
	if sum != nil {
		v.Amount = f.won(*sum)
	}
	if median != nil {
		v.Median = f.bands[*median]
	}
	return v
}

// view turns a stored table into what the page shows, labels in lang.
func (s *Server) tableView(lang string, t stats.Table) tableView {
	f := newStatsFormatter(lang)
	rd, _, _ := stats.DimensionByKey(t.Rows)
	v := tableView{Key: t.Table, Rows: t.Rows, RowLabel: rd.Label(lang)}
	v.Total = f.figure(t.Total.Count, t.Total.Suppressed, t.Total.AmountSum, t.Total.AmountMedian, nil)
	v.HasWithheld = v.Total.Withheld
	if t.Cols == nil {
		v.Title = rd.Label(lang)
		for _, c := range t.Cells {
			fig := f.figure(c.Count, c.Suppressed, c.AmountSum, c.AmountMedian, t.Total.Count)
			v.HasWithheld = v.HasWithheld || fig.Withheld
			v.Lines = append(v.Lines, rowView{Key: c.Row, Label: rd.ValueLabel(c.Row, lang), Total: fig})
		}
		v.Chart = barsOf(v.Lines, nil)
		v.withLinks()
		return v
	}
	cd, _, _ := stats.DimensionByKey(*t.Cols)
	v.TwoWay, v.Cols, v.ColLabel = true, *t.Cols, cd.Label(lang)
	v.Title = s.cat.T(lang, "stats.by", rd.Label(lang), cd.Label(lang))
	for _, ct := range t.ColTotals {
		v.ColHeads = append(v.ColHeads, cd.ValueLabel(ct.Value, lang))
		fig := f.figure(ct.Count, ct.Suppressed, ct.AmountSum, ct.AmountMedian, t.Total.Count)
		v.HasWithheld = v.HasWithheld || fig.Withheld
		v.ColTotals = append(v.ColTotals, fig)
	}
	nc := len(t.ColTotals)
	for i, rt := range t.RowTotals {
		line := rowView{Key: rt.Value, Label: rd.ValueLabel(rt.Value, lang),
			Total: f.figure(rt.Count, rt.Suppressed, rt.AmountSum, rt.AmountMedian, t.Total.Count)}
		v.HasWithheld = v.HasWithheld || line.Total.Withheld
		for j := 0; j < nc; j++ {
			c := t.Cells[i*nc+j]
			fig := f.figure(c.Count, c.Suppressed, c.AmountSum, c.AmountMedian, rt.Count)
			v.HasWithheld = v.HasWithheld || fig.Withheld
			line.Cells = append(line.Cells, fig)
		}
		v.Lines = append(v.Lines, line)
	}
	v.Chart = barsOf(v.Lines, v.ColHeads)
	v.withLinks()
	return v
}

func (v *tableView) withLinks() {
	q := "rows=" + v.Rows
	if v.TwoWay {
		q += "&cols=" + v.Cols
	}
	v.Href, v.CSV, v.XLSX = "/stats/table?"+q, "/stats/table/csv?"+q, "/stats/table/xlsx?"+q
}

// headlineView is the dashboard's first row of figures.
type headlineView struct {
	Reports, Reporters    figureView
	Paid, Free            figureView
	NonMonetary, Monetary figureView
	MonetaryComplete      bool
}

func (s *Server) headline(lang string, snap *models.StatsSnapshot, tables []stats.Table) headlineView {
	f := newStatsFormatter(lang)
	h := snap.PublishedHeadline()
	out := headlineView{Reports: f.figure(h.Reports.Count, h.Reports.Suppressed, nil, nil, nil),
		Reporters: f.figure(h.Reporters.Count, h.Reporters.Suppressed, nil, nil, nil)}
	for _, t := range tables {
		if t.Cols != nil {
			continue
		}
		switch t.Rows {
		case reportfile.DimPaid:
			for _, c := range t.Cells {
				fig := f.figure(c.Count, c.Suppressed, nil, nil, t.Total.Count)
				if c.Row == reportfile.PaidPaid {
					out.Paid = fig
				} else {
					out.Free = fig
				}
			}
		case reportfile.DimDamageType:
			// Reporters who claimed money, summed over the monetary damage
			// types from published figures only: a reporter who claimed two
			// kinds counts twice, and one withheld figure withholds the sum.
			var sum int64
			complete := true
			for _, c := range t.Cells {
				if c.Row == reportfile.DamageNonMonetary {
					out.NonMonetary = f.figure(c.Count, c.Suppressed, nil, nil, t.Total.Count)
					continue
				}
				if c.Count == nil {
					complete = false
					continue
				}
				sum += *c.Count
			}
			if complete {
				out.Monetary = f.figure(&sum, false, nil, nil, nil)
				out.MonetaryComplete = true
			} else {
				out.Monetary = figureView{Withheld: true}
			}
		}
	}
	return out
}

// statsPage serves both the dashboard and one table's page (Single).
type statsPage struct {
	Ready     bool
	Running   *models.ReportBatch
	Snapshot  *models.StatsSnapshot
	Headline  headlineView
	OneWay    []tableView
	Catalogue []catalogueLink
	Threshold int
	Rounding  int
	Single    *tableView
}

type catalogueLink struct {
	Title, Href string
}

func (s *Server) catalogueLinks(lang string) []catalogueLink {
	var out []catalogueLink
	for _, t := range stats.Catalogue() {
		if !t.TwoWay() {
			continue
		}
		rd, _, _ := stats.DimensionByKey(t.Rows)
		cd, _, _ := stats.DimensionByKey(t.Cols)
		out = append(out, catalogueLink{Title: s.cat.T(lang, "stats.by", rd.Label(lang), cd.Label(lang)),
			Href: "/stats/table?rows=" + t.Rows + "&cols=" + t.Cols})
	}
	return out
}

func (s *Server) statsPage(c *gin.Context) {
	if err := onlyParams(c); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	lang := langOf(c)
	rules := s.statsRules(c)
	d := statsPage{Threshold: rules.Threshold, Rounding: rules.RoundingBase, Catalogue: s.catalogueLinks(lang)}
	snap, err := s.store.LatestSnapshot(ctx)
	switch {
	case err == nil:
		tables, err := s.store.StatsTables(ctx, snap.ID)
		if err != nil {
			s.fail(c, err)
			return
		}
		d.Ready, d.Snapshot = true, snap
		d.Headline = s.headline(lang, snap, tables)
		for _, t := range tables {
			if t.Cols == nil {
				d.OneWay = append(d.OneWay, s.tableView(lang, t))
			}
		}
	case models.ErrorKind(err) == models.KindConflict:
		if d.Running, err = s.store.ImportRunning(ctx); err != nil {
			s.fail(c, err)
			return
		}
		if d.Running != nil {
			c.Header("Refresh", "10")
		}
	default:
		s.fail(c, err)
		return
	}
	p := s.newPage(c, s.cat.T(lang, "stats.title"))
	p.Data = d
	s.render(c, http.StatusOK, "stats", p)
}

// loadTable reads the asked-for table of the latest snapshot.
func (s *Server) loadTable(c *gin.Context) (stats.Table, *models.StatsSnapshot, error) {
	_, key, err := tableQuery(c)
	if err != nil {
		return stats.Table{}, nil, err
	}
	snap, err := s.store.LatestSnapshot(c.Request.Context())
	if err != nil {
		return stats.Table{}, nil, err
	}
	payload, err := s.store.StatsTablePayload(c.Request.Context(), key)
	if err != nil {
		return stats.Table{}, nil, err
	}
	var t stats.Table
	if err := json.Unmarshal(payload, &t); err != nil {
		return stats.Table{}, nil, fmt.Errorf("decode table %s: %w", key, err)
	}
	return t, snap, nil
}

func (s *Server) statsTablePage(c *gin.Context) {
	t, snap, err := s.loadTable(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	lang := langOf(c)
	v := s.tableView(lang, t)
	rules := snap.PublishedRules()
	p := s.newPage(c, v.Title)
	p.Data = statsPage{Ready: true, Snapshot: snap, Single: &v, Threshold: rules.Threshold, Rounding: rules.RoundingBase,
		Catalogue: s.catalogueLinks(lang)}
	s.render(c, http.StatusOK, "stats", p)
}

// tableRows is the table as a sheet: the same figures and the same
// marker for withheld ones as the page.
func (s *Server) tableRows(lang string, v tableView) [][]string {
	t := func(k string, a ...any) string { return s.cat.T(lang, k, a...) }
	cell := func(f figureView) string {
		if f.Withheld {
			return t("stats.withheld")
		}
		return strings.ReplaceAll(f.Text, ",", "")
	}
	money := func(f figureView) string {
		if f.Amount == "" {
			return t("stats.withheld")
		}
		return strings.NewReplacer(",", "", "원", "", "₩", "").Replace(f.Amount)
	}
	median := func(f figureView) string {
		if f.Median == "" {
			return t("stats.withheld")
		}
		return f.Median
	}
	var rows [][]string
	if !v.TwoWay {
		rows = append(rows, []string{v.RowLabel, t("stats.reporters"), t("stats.share"), t("stats.amount_sum_krw"), t("stats.median_band")})
		for _, l := range v.Lines {
			rows = append(rows, []string{l.Label, cell(l.Total), l.Total.Percent, money(l.Total), median(l.Total)})
		}
		rows = append(rows, []string{t("stats.total"), cell(v.Total), "", money(v.Total), median(v.Total)})
	} else {
		head := append([]string{v.RowLabel + " \\ " + v.ColLabel}, v.ColHeads...)
		rows = append(rows, append(head, t("stats.total")))
		for _, l := range v.Lines {
			r := []string{l.Label}
			for _, f := range l.Cells {
				r = append(r, cell(f))
			}
			rows = append(rows, append(r, cell(l.Total)))
		}
		tot := []string{t("stats.total")}
		for _, f := range v.ColTotals {
			tot = append(tot, cell(f))
		}
		rows = append(rows, append(tot, cell(v.Total)))
		rows = append(rows, []string{}, []string{t("stats.amount_grid") + " (" + t("stats.krw") + ")"})
		rows = append(rows, append(append([]string{v.RowLabel + " \\ " + v.ColLabel}, v.ColHeads...), t("stats.total")))
		for _, l := range v.Lines {
			r := []string{l.Label}
			for _, f := range l.Cells {
				r = append(r, money(f))
			}
			rows = append(rows, append(r, money(l.Total)))
		}
		tot = []string{t("stats.total")}
		for _, f := range v.ColTotals {
			tot = append(tot, money(f))
		}
		rows = append(rows, append(tot, money(v.Total)))
	}
	rows = append(rows, []string{}, []string{t("stats.withheld_note")}, []string{t("stats.rounding_note")})
	for _, row := range rows {
		for j := range row {
			row[j] = reportfile.SafeCell(row[j])
		}
	}
	return rows
}

func (s *Server) statsTableExport(c *gin.Context) {
	format := c.Param("format")
	if format != "csv" && format != "xlsx" {
		s.notFound(c)
		return
	}
	t, snap, err := s.loadTable(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	lang := langOf(c)
	v := s.tableView(lang, t)
	if err := s.store.Record(c.Request.Context(), s.actor(c), "stats.export", "stats_snapshot", snap.ID,
		map[string]any{"table": t.Table, "format": format}); err != nil {
		s.fail(c, err)
		return
	}
	rows := s.tableRows(lang, v)
	name := fmt.Sprintf("roundtable-stats-%d-%s", snap.ID, strings.ReplaceAll(t.Table, ".", "-by-"))
	if format == "csv" {
		writeCSV(c, name, rows)
		return
	}
	s.writeXLSX(c, name, s.cat.T(lang, "stats.sheet"), rows)
}
