package reportfile

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// readHeader takes the first non-blank row as the header and maps its cells
// to canonical columns. Every problem is collected before failing, so one
// upload shows them all.
func (rd *Reader) readHeader() error {
	for i := range rd.pos {
		rd.pos[i] = -1
	}
	var cells []string
	var line int
	for {
		c, l, err := rd.src.next()
		if errors.Is(err, io.EOF) {
			return &FileError{Code: CodeEmptyFile,
				Message:   "the file has no header row; the first row must hold the column names",
				MessageKo: "머리글 행이 없습니다. 첫 행에 열 이름이 있어야 합니다."}
		}
		if err != nil {
			return asFileError(err)
		}
		if !blankRecord(c) {
			cells, line = c, l
			break
		}
	}
	rd.headerRow = line
	rd.width = len(cells)
	cols := columns()
	var problems []RowError
	for i, raw := range cells {
		h := strings.TrimSpace(strings.TrimPrefix(raw, "\uFEFF"))
		if h == "" {
			continue
		}
		idx, ok := tables.lookupHeader(h)
		if !ok {
			rd.warnings = append(rd.warnings, Warning{Row: line, Field: h,
				Message:   fmt.Sprintf("column %s %q is not a known column and was ignored", columnLetter(i), h),
				MessageKo: fmt.Sprintf("%s열 '%s'은(는) 알 수 없는 열이라 무시했습니다.", columnLetter(i), h)})
			continue
		}
		if prev := rd.pos[idx]; prev >= 0 {
			problems = append(problems, RowError{Row: line, Field: cols[idx].name,
				Message:   fmt.Sprintf("columns %s and %s both hold %s; keep one", columnLetter(prev), columnLetter(i), cols[idx].name),
				MessageKo: fmt.Sprintf("%s열과 %s열이 모두 '%s'(%s) 열입니다. 하나만 남겨 주세요.", columnLetter(prev), columnLetter(i), cols[idx].ko, cols[idx].name)})
			continue
		}
		rd.pos[idx] = i
	}
	for idx, c := range cols {
		if c.required && rd.pos[idx] < 0 {
			problems = append(problems, RowError{Row: line, Field: c.name,
				Message:   fmt.Sprintf("the required column %s (%s) is missing", c.name, c.ko),
				MessageKo: fmt.Sprintf("필수 열 '%s'(%s)이(가) 없습니다.", c.ko, c.name)})
		}
	}
	if rd.pos[idxPhone] < 0 && rd.pos[idxBusinessNumber] < 0 {
		problems = append(problems, RowError{Row: line, Field: ColPhone,
			Message:   "the file needs a phone or a business_number column so reporters can be told apart",
			MessageKo: "신고자를 구별할 수 있도록 '전화번호' 또는 '사업자등록번호' 열이 있어야 합니다."})
	}
	if len(problems) > 0 {
		return &FileError{Code: CodeBadHeader,
			Message:   "the header row is not usable",
			MessageKo: "머리글 행을 사용할 수 없습니다.",
			Problems:  problems}
	}
	return nil
}

// columnLetter names a zero-based cell index the way Excel does (A, B, …,
// Z, AA, …) so messages point at what the user sees.
func columnLetter(i int) string {
	var b []byte
	for n := i + 1; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}
