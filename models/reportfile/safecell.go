package reportfile

// SafeCell neutralises spreadsheet formula injection in a value written to
// a CSV or XLSX export: a cell starting with =, +, -, @, a tab or a carriage
// return is prefixed with an apostrophe, which spreadsheets read as "this is
// text". Reports are typed by the public, so a description such as
// =HYPERLINK(...) must never run when the secretariat opens an export.
//
// Every text cell goes through it, numbers included when written as text:
// "-5" becomes "'-5". Write numeric columns as numbers (XLSX) to keep them
// numeric.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
