package reportfile

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/transform"
)

// sniffSize is how much of the file is inspected to decide its format and,
// for text, its encoding. 64 KiB holds the header and hundreds of rows, so
// real Korean text is almost always seen; see lazyDecoder for the rest.
const sniffSize = 64 << 10

// Format is what the reader found the file to be.
type Format string

// Formats the reader accepts.
const (
	FormatCSVUTF8  Format = "csv-utf8"
	FormatCSVCP949 Format = "csv-cp949"
	FormatXLSX     Format = "xlsx"
)

var (
	magicZip   = []byte("PK\x03\x04")
	magicOLE   = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// container is the outer format decided from the first bytes.
type container int

const (
	containerText container = iota
	containerTextBOM
	containerZip
)

// sniffContainer decides from the prefix whether the file is a workbook,
// text, or something we refuse, before anything is decoded.
func sniffContainer(prefix []byte) (container, *FileError) {
	switch {
	case len(prefix) == 0:
		return 0, &FileError{Code: CodeEmptyFile,
			Message:   "the file is empty",
			MessageKo: "파일이 비어 있습니다."}
	case bytes.HasPrefix(prefix, magicZip):
		return containerZip, nil
	case bytes.HasPrefix(prefix, magicOLE):
		return 0, &FileError{Code: CodeUnsupportedFormat,
			Message:   "this is an old .xls workbook or a password-protected workbook; save it as .xlsx without a password, or as CSV",
			MessageKo: "구형 .xls 파일이거나 암호가 걸린 통합 문서입니다. 암호 없이 .xlsx 또는 CSV로 저장해 주세요."}
	case bytes.HasPrefix(prefix, bomUTF8):
		return containerTextBOM, nil
	case bytes.HasPrefix(prefix, bomUTF16LE), bytes.HasPrefix(prefix, bomUTF16BE):
		return 0, &FileError{Code: CodeEncoding,
			Message:   "the file is UTF-16 text (Excel's \"Unicode text\"); save it as \"CSV UTF-8\" instead",
			MessageKo: "UTF-16(엑셀의 '유니코드 텍스트') 파일입니다. 'CSV UTF-8'로 다시 저장해 주세요."}
	case looksBinary(prefix):
		return 0, &FileError{Code: CodeUnsupportedFormat,
			Message:   "the file is not a CSV or XLSX file (it contains binary data)",
			MessageKo: "CSV 또는 XLSX 파일이 아닙니다(이진 데이터가 들어 있습니다)."}
	}
	return containerText, nil
}

// looksBinary flags NUL bytes (binary files, BOM-less UTF-16) and a density
// of control characters no spreadsheet export produces. A stray control
// character in a description is tolerated.
func looksBinary(p []byte) bool {
	if bytes.IndexByte(p, 0) >= 0 {
		return true
	}
	controls := 0
	for _, c := range p {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1A {
			controls++
		}
	}
	return controls*100 > len(p)
}

// textEncoding is the decision for a text file.
type textEncoding int

const (
	encUTF8 textEncoding = iota
	encCP949
)

// classify decides between UTF-8 and CP949 from a sample that starts at the
// first non-ASCII byte. UTF-8 is tried first because its multi-byte
// structure is strict: Korean text in CP949 breaks it within a few
// characters, while real UTF-8 passes. CP949 is accepted when every byte
// fits its lead/trail ranges (lead 0x81–0xFE; trail 0x41–0x5A, 0x61–0x7A,
// 0x81–0xFE). A sample that is neither but overwhelmingly UTF-8 (at least
// four valid multi-byte characters per invalid byte) is taken as UTF-8 with
// a few damaged cells, which then surface as row errors where they are,
// instead of condemning the whole file. atEOF says whether the sample ends
// the file, so that a character cut at the end of the sample is not held
// against it.
func classify(sample []byte, atEOF bool) (textEncoding, bool) {
	good, bad := utf8Score(sample, atEOF)
	if bad == 0 {
		return encUTF8, true
	}
	if validCP949Prefix(sample, atEOF) {
		return encCP949, true
	}
	if good >= 4*bad {
		return encUTF8, true
	}
	return 0, false
}

// utf8Score counts valid multi-byte UTF-8 characters and invalid bytes.
func utf8Score(p []byte, atEOF bool) (good, bad int) {
	for len(p) > 0 {
		if p[0] < utf8.RuneSelf {
			p = p[1:]
			continue
		}
		r, size := utf8.DecodeRune(p)
		if r == utf8.RuneError && size <= 1 {
			if !atEOF && len(p) < utf8.UTFMax && !utf8.FullRune(p) {
				return good, bad // cut at the end of the sample
			}
			bad++
			p = p[1:]
			continue
		}
		good++
		p = p[size:]
	}
	return good, bad
}

func validCP949Prefix(p []byte, atEOF bool) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < 0x80 {
			continue
		}
		if c == 0x80 || c == 0xFF {
			return false
		}
		if i+1 == len(p) {
			return !atEOF
		}
		t := p[i+1]
		if (t < 0x41 || t > 0x5A) && (t < 0x61 || t > 0x7A) && (t < 0x81 || t > 0xFE) {
			return false
		}
		i++
	}
	return true
}

// lazyDecoder turns the raw text into UTF-8. Bytes pass through untouched
// while they are ASCII, which both encodings share; at the first non-ASCII
// byte it looks ahead up to sniffSize bytes and commits to UTF-8 or CP949
// for the rest of the file. A file whose first 64 KiB are ASCII and whose
// Korean comes later is therefore still detected correctly, without reading
// the whole file first.
type lazyDecoder struct {
	br      *bufio.Reader
	decided io.Reader
	enc     textEncoding
}

// newLazyDecoder starts undecided unless a BOM already settled the question.
func newLazyDecoder(br *bufio.Reader, bom bool) *lazyDecoder {
	d := &lazyDecoder{br: br}
	if bom {
		d.decided, d.enc = br, encUTF8
	}
	return d
}

func (d *lazyDecoder) Read(p []byte) (int, error) {
	if d.decided != nil {
		return d.decided.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if d.br.Buffered() == 0 {
		if _, err := d.br.Peek(1); err != nil {
			return 0, err
		}
	}
	chunk, _ := d.br.Peek(min(len(p), d.br.Buffered()))
	i := 0
	for i < len(chunk) && chunk[i] < utf8.RuneSelf {
		i++
	}
	if i > 0 {
		n := copy(p, chunk[:i])
		_, _ = d.br.Discard(n) // cannot fail: the bytes are buffered
		return n, nil
	}
	sample, err := d.br.Peek(sniffSize)
	atEOF := errors.Is(err, io.EOF)
	if err != nil && !atEOF && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, err
	}
	enc, ok := classify(sample, atEOF)
	if !ok {
		return 0, &FileError{Code: CodeEncoding,
			Message:   "the file's text is neither UTF-8 nor CP949 (EUC-KR); save it from Excel as \"CSV UTF-8\"",
			MessageKo: "파일의 문자 인코딩이 UTF-8도 CP949(EUC-KR)도 아닙니다. 엑셀에서 'CSV UTF-8'로 저장해 주세요."}
	}
	d.enc = enc
	if enc == encCP949 {
		// korean.EUCKR decodes the whole of CP949 (Unified Hangul Code), not
		// only the KS X 1001 subset, which Korean Excel needs.
		d.decided = transform.NewReader(d.br, korean.EUCKR.NewDecoder())
	} else {
		d.decided = d.br
	}
	return d.decided.Read(p)
}

// format names the encoding for Reader.Format; an all-ASCII file counts as
// UTF-8.
func (d *lazyDecoder) format() Format {
	if d.enc == encCP949 {
		return FormatCSVCP949
	}
	return FormatCSVUTF8
}
