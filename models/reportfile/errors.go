package reportfile

import (
	"fmt"
	"strconv"
	"strings"
)

// RowError says what is wrong with one cell (or one row, or a header) in
// terms the secretariat can act on in the spreadsheet.
type RowError struct {
	Row       int    // row number as Excel shows it; the header row is 1
	Field     string // canonical column name; "" when the whole row is at fault
	Message   string // English
	MessageKo string // Korean
}

func (e RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Message)
	}
	return fmt.Sprintf("row %d, %s: %s", e.Row, e.Field, e.Message)
}

// Warning is something the import tolerated but the uploader should know,
// such as a column that was ignored.
type Warning struct {
	Row       int
	Field     string // the header as written in the file
	Message   string
	MessageKo string
}

// File error codes, stable for the API's error code field.
const (
	CodeUnsupportedFormat = "unsupported_format"
	CodeEncoding          = "unsupported_encoding"
	CodeEmptyFile         = "empty_file"
	CodeNoRows            = "no_rows"
	CodeBadHeader         = "invalid_header"
	CodeMalformed         = "malformed_file"
	CodeRead              = "read_failed"
)

// FileError means the file as a whole cannot be imported: wrong format,
// unknown encoding, unusable header, broken CSV structure. Header problems
// are listed per column in Problems so the API can report them like row
// errors.
type FileError struct {
	Code      string
	Message   string
	MessageKo string
	Problems  []RowError
	Err       error // underlying cause, if any
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, p := range e.Problems {
		b.WriteString("; ")
		b.WriteString(p.Error())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *FileError) Unwrap() error { return e.Err }

// InvalidRowsError reports that some rows were rejected. Errors holds the
// first ones up to the reader's cap; Total counts all of them.
type InvalidRowsError struct {
	Errors []RowError
	Total  int
}

func (e *InvalidRowsError) Error() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(e.Total))
	b.WriteString(" invalid value(s) in the file")
	for i, re := range e.Errors {
		if i == 3 {
			break
		}
		b.WriteString("; ")
		b.WriteString(re.Error())
	}
	if more := e.Total - min(len(e.Errors), 3); more > 0 {
		fmt.Fprintf(&b, "; and %d more", more)
	}
	return b.String()
}

// Omitted is the number of errors beyond the cap that were counted but not
// kept.
func (e *InvalidRowsError) Omitted() int { return e.Total - len(e.Errors) }

// OmittedMessage returns "and N more errors" in the requested language, or
// "" when nothing was omitted; the UI puts it under the listed errors.
func (e *InvalidRowsError) OmittedMessage(lang string) string {
	n := e.Omitted()
	if n <= 0 {
		return ""
	}
	return pickLabel(lang,
		fmt.Sprintf("외 %d건의 오류가 더 있습니다.", n),
		fmt.Sprintf("and %d more errors", n))
}
