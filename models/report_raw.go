package models

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"gorm.io/gorm"

	"roundtable/models/reportfile"
)

// Access purposes: why the secretariat opens raw reports. A closed list,
// not free text, because the purpose is written into the history, which
// auditors read, and a typed note could carry a name or a phone number.
var AccessPurposes = []string{"compensation_review", "duplicate_check", "reporter_inquiry", "data_correction", "audit_request", "legal_request"}

func validPurpose(p string) bool {
	for _, x := range AccessPurposes {
		if x == p {
			return true
		}
	}
	return false
}

// RawReport is a report with its personal fields opened, for the
// secretariat only.
type RawReport struct {
	Report
	Name           string
	Phone          string
	Email          string
	BusinessNumber string
	Description    string
}

// ReportQuery selects raw reports. Phone and BusinessNumber are matched
// through their keyed hashes, never in clear; the other filters are codes.
type ReportQuery struct {
	Purpose        string
	Phone          string
	BusinessNumber string
	ReportID       int64
	BatchID        int64
	Service        string
	Region         string
	ReporterType   string
	DamageType     string
	ReceivedOn     string
	After          int64
	Limit          int
}

// Page sizes for raw reports.
const (
	DefaultReportPage = 50
	MaxReportPage     = 200
	// MaxReportExport bounds one export of raw reports: exports are for a
	// case or a list of cases, and a smaller file is a smaller leak.
	MaxReportExport = 10_000
)

func (q *ReportQuery) validate() error {
	e := &Error{Kind: KindInvalid, Code: "invalid_query", Message: "Check the search fields."}
	if !validPurpose(q.Purpose) {
		e.WithField("purpose", "required")
	}
	if q.Phone != "" && len(digits(q.Phone)) < 9 {
		e.WithField("phone", "invalid")
	}
	if q.BusinessNumber != "" && !reportfile.ValidBusinessNumber(digits(q.BusinessNumber)) {
		e.WithField("business_number", "invalid")
	}
	codes := map[string]struct {
		v   string
		dim reportfile.Dimension
	}{
		"service": {q.Service, reportfile.Services()}, "region": {q.Region, reportfile.Regions()},
		"reporter_type": {q.ReporterType, reportfile.ReporterTypes()}, "damage_type": {q.DamageType, reportfile.DamageTypes()},
	}
	for field, c := range codes {
		if c.v != "" && !c.dim.Has(c.v) {
			e.WithField(field, "invalid")
		}
	}
	if q.ReceivedOn != "" && !validDay(q.ReceivedOn) {
		e.WithField("received_on", "invalid")
	}
	if q.ReportID < 0 || q.BatchID < 0 || q.After < 0 {
		e.WithField("report_id", "invalid")
	}
	if len(e.Fields) > 0 {
		if _, ok := e.Fields["purpose"]; ok && len(e.Fields) == 1 {
			e.Code, e.Message = "purpose_required", "Say why you open raw reports; the reason is recorded."
		}
		return e
	}
	return nil
}

func validDay(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	return strings.Trim(s[:4]+s[5:7]+s[8:], "0123456789") == ""
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// criteria names the filters used, for the history: which kinds of
// personal key were searched for, never their value; codes in clear.
func (q *ReportQuery) criteria() map[string]any {
	c := map[string]any{}
	if q.Phone != "" {
		c["phone"] = "keyed hash"
	}
	if q.BusinessNumber != "" {
		c["business_number"] = "keyed hash"
	}
	for k, v := range map[string]string{"service": q.Service, "region": q.Region, "reporter_type": q.ReporterType,
		"damage_type": q.DamageType, "received_on": q.ReceivedOn} {
		if v != "" {
			c[k] = v
		}
	}
	if q.ReportID != 0 {
		c["report_id"] = q.ReportID
	}
	if q.BatchID != 0 {
		c["batch_id"] = q.BatchID
	}
	return c
}

func (r *Reports) scope(q *ReportQuery) *gorm.DB {
	db := r.store.db.Model(&Report{}).Where("batch_id IN (SELECT id FROM report_batches WHERE status = ?)", BatchCommitted)
	if q.Phone != "" {
		k := r.sealer.ReporterKey(digits(q.Phone), "")
		db = db.Where("(reporter_key = ? OR phone_key = ?)", k, k)
	}
	if q.BusinessNumber != "" {
		db = db.Where("reporter_key = ?", r.sealer.ReporterKey("", digits(q.BusinessNumber)))
	}
	for col, v := range map[string]string{"service": q.Service, "region": q.Region, "reporter_type": q.ReporterType,
		"damage_type": q.DamageType, "received_on": q.ReceivedOn} {
		if v != "" {
			db = db.Where(col+" = ?", v)
		}
	}
	if q.ReportID != 0 {
		db = db.Where("id = ?", q.ReportID)
	}
	if q.BatchID != 0 {
		db = db.Where("batch_id = ?", q.BatchID)
	}
	return db
}

// open decrypts a report's personal fields.
func (r *Reports) open(rep Report) (RawReport, error) {
	out := RawReport{Report: rep}
	dst := []*string{&out.Name, &out.Phone, &out.Email, &out.BusinessNumber, &out.Description}
	for i, ct := range [][]byte{rep.NameEnc, rep.PhoneEnc, rep.EmailEnc, rep.BusinessNumberEnc, rep.DescriptionEnc} {
		if len(ct) == 0 {
			continue
		}
		v, err := r.sealer.OpenString(ct, fieldAD(rep.BatchID, rep.Line, personalFields[i]))
		if err != nil {
			return RawReport{}, fmt.Errorf("open %s of report %d: %w", personalFields[i], rep.ID, err)
		}
		*dst[i] = v
	}
	return out, nil
}

// SearchReports finds raw reports and records the search: who, from where
// (the actor), why, what kind of criteria, and which reports were shown.
// The event is written before the reports are returned; if it cannot be
// written, nothing is shown.
func (r *Reports) SearchReports(ctx context.Context, actor Actor, q ReportQuery) ([]RawReport, int64, error) {
	if err := q.validate(); err != nil {
		return nil, 0, err
	}
	if q.Limit <= 0 || q.Limit > MaxReportPage {
		q.Limit = DefaultReportPage
	}
	var found []Report
	if err := r.scope(&q).WithContext(ctx).Where("id > ?", q.After).Order("id").Limit(q.Limit + 1).Find(&found).Error; err != nil {
		return nil, 0, fmt.Errorf("search reports: %w", err)
	}
	var next int64
	if len(found) > q.Limit {
		found = found[:q.Limit]
		next = found[len(found)-1].ID
	}
	out, err := r.openAll(found)
	if err != nil {
		return nil, 0, err
	}
	if err := r.store.Record(ctx, actor, "reports.search", "report", 0, map[string]any{
		"purpose": q.Purpose, "criteria": q.criteria(), "report_ids": idRanges(found), "count": len(found)}); err != nil {
		return nil, 0, err
	}
	return out, next, nil
}

// RawReportByID opens one report and records the view.
func (r *Reports) RawReportByID(ctx context.Context, actor Actor, id int64, purpose string) (*RawReport, error) {
	if !validPurpose(purpose) {
		return nil, (&Error{Kind: KindInvalid, Code: "purpose_required", Message: "Say why you open this report; the reason is recorded."}).WithField("purpose", "required")
	}
	var rep Report
	err := r.store.db.WithContext(ctx).Where("id = ? AND batch_id IN (SELECT id FROM report_batches WHERE status = ?)", id, BatchCommitted).First(&rep).Error
	switch {
	case isNotFound(err):
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("read report %d: %w", id, err)
	}
	out, err := r.open(rep)
	if err != nil {
		return nil, err
	}
	if err := r.store.Record(ctx, actor, "reports.view", "report", id, map[string]any{"purpose": purpose, "report_ids": []int64{id}}); err != nil {
		return nil, err
	}
	return &out, nil
}

// ExportReports returns up to MaxReportExport raw reports for a download
// and records the export with its purpose and every report id in it.
func (r *Reports) ExportReports(ctx context.Context, actor Actor, q ReportQuery, format string) ([]RawReport, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	var found []Report
	if err := r.scope(&q).WithContext(ctx).Order("id").Limit(MaxReportExport + 1).Find(&found).Error; err != nil {
		return nil, fmt.Errorf("export reports: %w", err)
	}
	if len(found) > MaxReportExport {
		return nil, Errorf(KindInvalid, "export_too_large", "More than %d reports match; narrow the search before exporting.", MaxReportExport)
	}
	out, err := r.openAll(found)
	if err != nil {
		return nil, err
	}
	if err := r.store.Record(ctx, actor, "reports.export", "report", 0, map[string]any{
		"purpose": q.Purpose, "criteria": q.criteria(), "report_ids": idRanges(found), "count": len(found), "format": format}); err != nil {
		return nil, err
	}
	return out, nil
}

func (r *Reports) openAll(found []Report) ([]RawReport, error) {
	out := make([]RawReport, 0, len(found))
	for _, rep := range found {
		o, err := r.open(rep)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// idRanges writes report ids as [first, last] runs: imports number their
// reports consecutively, so an export of thousands stays a short list in
// the history while naming every report exactly.
func idRanges(found []Report) [][2]int64 {
	ids := make([]int64, len(found))
	for i, r := range found {
		ids[i] = r.ID
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := [][2]int64{}
	for _, id := range ids {
		if n := len(out); n > 0 && out[n-1][1]+1 == id {
			out[n-1][1] = id
			continue
		}
		out = append(out, [2]int64{id, id})
	}
	return out
}
