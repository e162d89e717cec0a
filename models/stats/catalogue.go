package stats

import (
	"roundtable/models/reportfile"
)

// SectorNone is the sector value of individuals and of businesses that did
// not state a sector. The import file leaves the cell empty; statistics
// need a value, because a margin only adds up when nobody is left out.
const SectorNone = "none"

// Dimension is one dimension of the catalogue with its closed list of
// values in display order.
type Dimension struct {
	Key    string
	Ko, En string
	Values []reportfile.Code
}

// Label is the dimension's name in lang ("en" or Korean otherwise).
func (d Dimension) Label(lang string) string {
	if lang == "en" {
		return d.En
	}
	return d.Ko
}

// Index returns the position of value in the dimension, or -1.
func (d Dimension) Index(value string) int {
	for i, v := range d.Values {
		if v.Key == value {
			return i
		}
	}
	return -1
}

// ValueLabel returns the label of a value in lang, or the key itself.
func (d Dimension) ValueLabel(value, lang string) string {
	for _, v := range d.Values {
		if v.Key == value {
			return v.Label(lang)
		}
	}
	return value
}

// Keys lists the value keys in order.
func (d Dimension) Keys() []string {
	out := make([]string, len(d.Values))
	for i, v := range d.Values {
		out[i] = v.Key
	}
	return out
}

// Dimension positions. The order is the order of Dimensions and of
// Report.Codes.
const (
	DimService = iota
	DimReporterType
	DimDamageType
	DimPaid
	DimAmountBand
	DimRegion
	DimWeek
	DimSector
	NumDims
)

func fromFile(d reportfile.Dimension) Dimension {
	return Dimension{Key: d.Key, Ko: d.Ko, En: d.En, Values: d.Codes}
}

// Dimensions returns the eight dimensions of design §3 in catalogue order.
// Each call returns fresh slices.
func Dimensions() []Dimension {
	sector := fromFile(reportfile.Sectors())
	sector.Values = append(sector.Values, reportfile.Code{Key: SectorNone, Ko: "해당 없음·미기재", En: "None or not stated"})
	return []Dimension{
		fromFile(reportfile.Services()),
		fromFile(reportfile.ReporterTypes()),
		fromFile(reportfile.DamageTypes()),
		fromFile(reportfile.PaidValues()),
		fromFile(reportfile.AmountBandDimension()),
		fromFile(reportfile.Regions()),
		fromFile(reportfile.WeekDimension()),
		sector,
	}
}

// DimensionByKey returns a catalogue dimension and its position.
func DimensionByKey(key string) (Dimension, int, bool) {
	for i, d := range Dimensions() {
		if d.Key == key {
			return d, i, true
		}
	}
	return Dimension{}, -1, false
}

// TableSpec is one table of the catalogue: a one-way table when Cols is
// empty.
type TableSpec struct {
	Rows string
	Cols string
}

// Key names the table in storage and URLs: "service" or "service.paid".
func (t TableSpec) Key() string {
	if t.Cols == "" {
		return t.Rows
	}
	return t.Rows + "." + t.Cols
}

// TwoWay reports whether the table crosses two dimensions.
func (t TableSpec) TwoWay() bool { return t.Cols != "" }

// Catalogue is the fixed list of published tables: every dimension on its
// own, then the crossings the council asked about. No two tables cross the
// same pair of dimensions (the disclosure rules require it: two tables
// over one pair would be two versions of the same figures).
func Catalogue() []TableSpec {
	var out []TableSpec
	for _, d := range Dimensions() {
		out = append(out, TableSpec{Rows: d.Key})
	}
	return append(out,
		TableSpec{reportfile.DimService, reportfile.DimPaid},
		TableSpec{reportfile.DimDamageType, reportfile.DimPaid},
		TableSpec{reportfile.DimService, reportfile.DimReporterType},
		TableSpec{reportfile.DimService, reportfile.DimDamageType},
		TableSpec{reportfile.DimRegion, reportfile.DimReporterType},
		TableSpec{reportfile.DimWeek, reportfile.DimService},
		TableSpec{reportfile.DimSector, reportfile.DimRegion},
		TableSpec{reportfile.DimAmountBand, reportfile.DimReporterType},
	)
}

// Lookup finds the catalogue table for the query parameters rows and cols
// (cols may be empty). A two-way table may be asked for either way round;
// transposed then reports that rows and cols were swapped relative to the
// stored table. Anything outside the catalogue is not found.
func Lookup(rows, cols string) (spec TableSpec, transposed, ok bool) {
	for _, t := range Catalogue() {
		switch {
		case t.Rows == rows && t.Cols == cols:
			return t, false, true
		case t.TwoWay() && t.Rows == cols && t.Cols == rows:
			return t, true, true
		}
	}
	return TableSpec{}, false, false
}
