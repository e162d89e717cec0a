package reportfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// csvSource yields the records of a decoded CSV stream together with the
// row number Excel would show for them.
type csvSource struct {
	cr  *csv.Reader
	dec *lazyDecoder

	// Excel shows every physical line as a row, including blank lines that
	// encoding/csv skips, while a quoted field with line breaks stays in one
	// row. lastRow and lastEndLine track both so row numbers match what the
	// secretariat sees when opening the file.
	lastRow     int
	lastEndLine int
}

func newCSVSource(raw *bufio.Reader, bom bool) (*csvSource, error) {
	dec := newLazyDecoder(raw, bom)
	text := bufio.NewReaderSize(dec, sniffSize)
	comma, err := detectDelimiter(text)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(text)
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // short rows are read as blank cells, long ones checked by the reader
	// Strict quoting: with lazy quotes an unclosed quote silently swallows
	// every following row into one cell. A clear error naming the row is
	// better than reports that quietly vanish.
	cr.LazyQuotes = false
	cr.ReuseRecord = true
	return &csvSource{cr: cr, dec: dec}, nil
}

// detectDelimiter looks at the header line: commas unless the header has
// none and tabs (a "text (tab delimited)" save) or semicolons instead.
func detectDelimiter(text *bufio.Reader) (rune, error) {
	prefix, err := text.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, err
	}
	line := prefix
	if i := bytes.IndexByte(prefix, '\n'); i >= 0 {
		line = prefix[:i]
	}
	switch {
	case bytes.IndexByte(line, ',') >= 0:
		return ',', nil
	case bytes.IndexByte(line, '\t') >= 0:
		return '\t', nil
	case bytes.IndexByte(line, ';') >= 0:
		return ';', nil
	}
	return ',', nil
}

func (s *csvSource) next() ([]string, int, error) {
	rec, err := s.cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, 0, io.EOF
		}
		var fe *FileError
		if errors.As(err, &fe) {
			return nil, 0, fe
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			row := s.lastRow + pe.StartLine - s.lastEndLine
			return nil, 0, &FileError{Code: CodeMalformed,
				Message:   fmt.Sprintf("the CSV structure is broken at row %d: a quote is not closed, or a cell that contains quotes is not itself in quotes; fix the quotes and upload again", row),
				MessageKo: fmt.Sprintf("%d행에서 CSV 구조가 깨졌습니다. 따옴표가 닫히지 않았거나, 따옴표가 든 칸이 따옴표로 감싸져 있지 않습니다. 따옴표를 고친 뒤 다시 올려 주세요.", row),
				Problems:  []RowError{{Row: row, Message: "broken quoting", MessageKo: "따옴표 오류"}},
				Err:       err}
		}
		return nil, 0, &FileError{Code: CodeRead,
			Message:   "the file could not be read to the end",
			MessageKo: "파일을 끝까지 읽지 못했습니다.",
			Err:       err}
	}
	start, _ := s.cr.FieldPos(0)
	row := s.lastRow + start - s.lastEndLine
	end := start
	for _, f := range rec {
		end += strings.Count(f, "\n")
	}
	s.lastRow, s.lastEndLine = row, end
	return rec, row, nil
}

func (s *csvSource) format() Format    { return s.dec.format() }
func (s *csvSource) serialDates() bool { return false }
func (s *csvSource) date1904() bool    { return false }
func (s *csvSource) close() error      { return nil }
