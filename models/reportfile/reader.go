package reportfile

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
)

// Option configures Open.
type Option func(*config)

type config struct {
	maxErrors     int
	tempDir       string
	maxUnzipBytes int64
}

// DefaultMaxErrors is how many row errors are kept by default. Enough to
// fix a badly exported file in one go; more would only be noise.
const DefaultMaxErrors = 1000

// DefaultMaxUnzipBytes bounds what a workbook may expand to, so that a ZIP
// bomb cannot fill the disk. A million-row export is a few hundred MB.
const DefaultMaxUnzipBytes = 2 << 30

// WithMaxErrors sets how many row errors are kept; further ones are only
// counted.
func WithMaxErrors(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxErrors = n
		}
	}
}

// WithTempDir sets where a workbook is spooled; "" means os.TempDir().
func WithTempDir(dir string) Option { return func(c *config) { c.tempDir = dir } }

// WithMaxUnzipBytes bounds the uncompressed size of a workbook.
func WithMaxUnzipBytes(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxUnzipBytes = n
		}
	}
}

// source yields raw rows with their Excel row numbers.
type source interface {
	next() (cells []string, row int, err error)
	format() Format
	serialDates() bool
	date1904() bool
	close() error
}

// Reader streams validated rows out of an import file. It is not safe for
// concurrent use.
type Reader struct {
	cfg    config
	src    source
	hasher hash.Hash
	raw    io.Reader // the teed upload, drained at the end so the hash covers every byte
	nbytes *int64

	pos       [numColumns]int // cell index of each canonical column, -1 if absent
	width     int             // number of header cells
	headerRow int

	warnings    []Warning
	errs        []RowError
	errTotal    int
	rows, valid int
	warnedWide  bool

	done  bool
	sum   [sha256.Size]byte
	sumOK bool

	format Format // kept at Close so Summary still works afterwards
}

// countingWriter counts what the hash sees.
type countingWriter struct {
	h hash.Hash
	n *int64
}

func (w countingWriter) Write(p []byte) (int, error) {
	*w.n += int64(len(p))
	return w.h.Write(p)
}

// Open inspects the start of r, decides whether it is a workbook or CSV
// text (and which encoding), reads the header row and returns a Reader
// positioned on the first data row.
//
// A workbook is first copied to a temporary file (see WithTempDir), because
// reading XLSX needs random access; CSV is streamed. Either way the SHA-256
// of the raw bytes is computed as they pass.
//
// A *FileError is returned when the file cannot be imported at all; its
// Problems list every header problem at once. Always Close the Reader.
func Open(r io.Reader, opts ...Option) (*Reader, error) {
	cfg := config{maxErrors: DefaultMaxErrors, maxUnzipBytes: DefaultMaxUnzipBytes}
	for _, o := range opts {
		o(&cfg)
	}
	rd := &Reader{cfg: cfg, hasher: sha256.New(), nbytes: new(int64)}
	rd.raw = io.TeeReader(r, countingWriter{rd.hasher, rd.nbytes})
	br := bufio.NewReaderSize(rd.raw, sniffSize)
	prefix, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, &FileError{Code: CodeRead, Message: "the file could not be read", MessageKo: "파일을 읽지 못했습니다.", Err: err}
	}
	kind, ferr := sniffContainer(prefix)
	if ferr != nil {
		return nil, ferr
	}
	switch kind {
	case containerZip:
		src, err := rd.spoolWorkbook(br)
		if err != nil {
			return nil, err
		}
		rd.src = src
	default:
		bom := kind == containerTextBOM
		if bom {
			_, _ = br.Discard(len(bomUTF8)) // buffered: Peek saw it
		}
		src, err := newCSVSource(br, bom)
		if err != nil {
			return nil, asFileError(err)
		}
		rd.src = src
	}
	if err := rd.readHeader(); err != nil {
		if cerr := rd.src.close(); cerr != nil {
			return nil, errors.Join(err, cerr)
		}
		return nil, err
	}
	return rd, nil
}

func (rd *Reader) spoolWorkbook(br *bufio.Reader) (*xlsxSource, error) {
	tmp, err := os.CreateTemp(rd.cfg.tempDir, "roundtable-import-*.xlsx")
	if err != nil {
		return nil, fmt.Errorf("spool workbook: %w", err)
	}
	path := tmp.Name()
	_, cerr := io.Copy(tmp, br)
	if err := errors.Join(cerr, tmp.Close()); err != nil {
		_ = os.Remove(path) // the copy error is the one worth reporting
		return nil, &FileError{Code: CodeRead, Message: "the file could not be read", MessageKo: "파일을 읽지 못했습니다.", Err: err}
	}
	rd.finishHash()
	return openXLSX(path, rd.cfg)
}

func asFileError(err error) error {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe
	}
	return &FileError{Code: CodeRead, Message: "the file could not be read", MessageKo: "파일을 읽지 못했습니다.", Err: err}
}

// Next returns the next valid row. Rows with errors are not returned: their
// errors are recorded (see Failed and Summary) and reading goes on, so one
// pass finds every problem in the file. io.EOF marks the end. Any other
// error is fatal for the file (broken CSV quoting, unreadable workbook, an
// encoding that changes midway) and is a *FileError.
func (rd *Reader) Next() (Row, error) {
	if rd.done {
		return Row{}, io.EOF
	}
	for {
		cells, line, err := rd.src.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return Row{}, rd.finish()
			}
			rd.done = true
			return Row{}, asFileError(err)
		}
		if blankRecord(cells) {
			continue
		}
		rd.rows++
		row, ok := rd.parseRow(cells, line)
		if ok {
			rd.valid++
			return row, nil
		}
	}
}

func (rd *Reader) finish() error {
	rd.done = true
	if !rd.sumOK {
		if _, err := io.Copy(io.Discard, rd.raw); err != nil {
			return &FileError{Code: CodeRead, Message: "the file could not be read to the end", MessageKo: "파일을 끝까지 읽지 못했습니다.", Err: err}
		}
		rd.finishHash()
	}
	return io.EOF
}

func (rd *Reader) finishHash() {
	copy(rd.sum[:], rd.hasher.Sum(nil))
	rd.sumOK = true
}

// Failed reports whether any row error has been recorded so far; a caller
// that imports in a transaction can stop inserting and only keep reading to
// collect the remaining errors.
func (rd *Reader) Failed() bool { return rd.errTotal > 0 }

// Format reports what the file was detected as. For CSV the encoding is
// final once the first non-ASCII byte has been read.
func (rd *Reader) Format() Format {
	if rd.src != nil {
		rd.format = rd.src.format()
	}
	return rd.format
}

// HasColumn reports whether the header holds the canonical column, so a
// caller can tell "0 hours" from "no outage_hours column".
func (rd *Reader) HasColumn(name string) bool {
	for i, c := range columns() {
		if c.name == name {
			return rd.pos[i] >= 0
		}
	}
	return false
}

// SHA256 returns the digest of the raw uploaded bytes, and whether it is
// final: for a workbook as soon as Open returns, for CSV once Next has
// returned io.EOF.
func (rd *Reader) SHA256() ([sha256.Size]byte, bool) { return rd.sum, rd.sumOK }

// Close releases the temporary workbook file, if any.
func (rd *Reader) Close() error {
	if rd.src == nil {
		return nil
	}
	rd.format = rd.src.format()
	err := rd.src.close()
	rd.src = nil
	if err != nil {
		return fmt.Errorf("close import file: %w", err)
	}
	return nil
}

// Summary describes the reading so far; it is final after Next returned
// io.EOF.
type Summary struct {
	Format     Format
	HeaderRow  int
	Rows       int // non-blank data rows read
	Valid      int // rows returned by Next
	Errors     []RowError
	ErrorCount int // all errors, including those beyond the cap
	Warnings   []Warning
	SHA256     [sha256.Size]byte
	Bytes      int64
	Complete   bool
}

// Summary returns counts, errors, warnings and the file digest.
func (rd *Reader) Summary() Summary {
	return Summary{
		Format:     rd.Format(),
		HeaderRow:  rd.headerRow,
		Rows:       rd.rows,
		Valid:      rd.valid,
		Errors:     append([]RowError(nil), rd.errs...),
		ErrorCount: rd.errTotal,
		Warnings:   append([]Warning(nil), rd.warnings...),
		SHA256:     rd.sum,
		Bytes:      *rd.nbytes,
		Complete:   rd.done && rd.sumOK,
	}
}

// Err returns an *InvalidRowsError if any row was rejected, a *FileError
// with CodeNoRows if the file held a header and nothing else, and nil when
// every row is valid. Call it after Next returned io.EOF.
func (s Summary) Err() error {
	if s.ErrorCount > 0 {
		return &InvalidRowsError{Errors: s.Errors, Total: s.ErrorCount}
	}
	if s.Complete && s.Rows == 0 {
		return &FileError{Code: CodeNoRows,
			Message:   "the file has a header row but no reports",
			MessageKo: "파일에 머리글 행만 있고 접수 건이 없습니다."}
	}
	return nil
}

// addError records a row error, keeping only the first cfg.maxErrors.
func (rd *Reader) addError(row int, field string, p *problem) {
	rd.errTotal++
	if len(rd.errs) < rd.cfg.maxErrors {
		rd.errs = append(rd.errs, RowError{Row: row, Field: field, Message: p.en, MessageKo: p.ko})
	}
}

func blankRecord(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
