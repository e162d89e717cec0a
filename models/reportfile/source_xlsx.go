package reportfile

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/xuri/excelize/v2"
)

// xlsxSource streams the first worksheet of a workbook spooled to a
// temporary file. excelize v2.11 opens a workbook either from a path, which
// reads the ZIP through io.ReaderAt, or from an io.Reader, which loads the
// whole file into memory; the ZIP central directory sits at the end of the
// file, so some form of random access is unavoidable. Spooling keeps memory
// flat and lets the hash be computed in the same pass.
type xlsxSource struct {
	f      *excelize.File
	rows   *excelize.Rows
	path   string
	line   int
	is1904 bool
}

func notWorkbook(err error) *FileError {
	return &FileError{Code: CodeUnsupportedFormat,
		Message:   "the file is a ZIP archive but not a readable Excel workbook (.xlsx)",
		MessageKo: "ZIP 압축 파일이지만 읽을 수 있는 엑셀 통합 문서(.xlsx)가 아닙니다.",
		Err:       err}
}

// openXLSX takes ownership of path and removes it on failure or close.
// excelize is given untrusted input; a panic inside it is turned into an
// error rather than taking the server down.
func openXLSX(path string, cfg config) (src *xlsxSource, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = notWorkbook(fmt.Errorf("excelize panicked: %v", r))
		}
		if err != nil {
			if src != nil && src.f != nil {
				_ = src.f.Close() // best effort; the open error is the one to report
			}
			_ = os.Remove(path)
			src = nil
		}
	}()
	f, err := excelize.OpenFile(path, excelize.Options{
		TmpDir:         cfg.tempDir,
		UnzipSizeLimit: cfg.maxUnzipBytes,
	})
	if err != nil {
		return nil, notWorkbook(err)
	}
	src = &xlsxSource{f: f, path: path}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return src, notWorkbook(errors.New("workbook has no worksheet"))
	}
	if props, perr := f.GetWorkbookProps(); perr == nil && props.Date1904 != nil {
		src.is1904 = *props.Date1904
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return src, notWorkbook(fmt.Errorf("open sheet %q: %w", sheets[0], err))
	}
	src.rows = rows
	return src, nil
}

func (s *xlsxSource) next() (cells []string, row int, err error) {
	defer func() {
		if r := recover(); r != nil {
			cells, row, err = nil, 0, notWorkbook(fmt.Errorf("excelize panicked at row %d: %v", s.line+1, r))
		}
	}()
	// Rows.Next yields every row number in turn, including rows absent from
	// the sheet XML (as empty), so counting calls gives Excel's row number.
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, 0, notWorkbook(err)
		}
		return nil, 0, io.EOF
	}
	s.line++
	cells, err = s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, 0, notWorkbook(fmt.Errorf("row %d: %w", s.line, err))
	}
	return cells, s.line, nil
}

func (s *xlsxSource) format() Format    { return FormatXLSX }
func (s *xlsxSource) serialDates() bool { return true }
func (s *xlsxSource) date1904() bool    { return s.is1904 }

func (s *xlsxSource) close() error {
	var errs []error
	if s.rows != nil {
		if err := s.rows.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close worksheet: %w", err))
		}
	}
	if err := s.f.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close workbook: %w", err))
	}
	if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, fmt.Errorf("remove spooled workbook: %w", err))
	}
	return errors.Join(errs...)
}
