package reportfile

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"os"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func zipWith(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// workbook builds an XLSX in memory; rows maps an Excel row number to its
// cells, so tests can leave rows out.
func workbook(t testing.TB, date1904 bool, rows map[int][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		v := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &v}); err != nil {
			t.Fatal(err)
		}
	}
	for n, cells := range rows {
		cell, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow("Sheet1", cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func header(cols []string) []any {
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = c
	}
	return out
}

func TestReadXLSX(t *testing.T) {
	oct20 := time.Date(2022, 10, 20, 0, 0, 0, 0, time.UTC)
	h := append(header(KoreanColumns()), "메모")
	typed := []any{oct20, "웹", "소상공인", "카카오 T", "유료", "영업 손실", 300000, 2.5, "제주", "운수업", true,
		"박하늘", 1012345678, "park@example.org", 1248100998, "콜을 못 받았습니다", "ignored"}
	text := []any{"2022-10-21", "web", "individual", "kakaotalk", "free", "non_monetary", "0", "1", "seoul", "", "no",
		"정우", "010-2222-3333", "", "", ""}
	bad := []any{"2022-10-21", "web", "individual", "kakaotalk", "free", "non_monetary", "abc", "1", "seoul", "", "no",
		"정우", "010-2222-3333", "", "", ""}
	data := workbook(t, false, map[int][]any{1: h, 2: typed, 4: text, 5: bad})
	dir := t.TempDir()
	rd, err := Open(bytes.NewReader(data), WithTempDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if sum, ok := rd.SHA256(); !ok || sum != sha256.Sum256(data) {
		t.Errorf("workbook digest not final after Open or wrong")
	}
	var rows []Row
	for {
		r, err := rd.Next()
		if err != nil {
			break
		}
		rows = append(rows, r)
	}
	s := rd.Summary()
	if s.Format != FormatXLSX || len(rows) != 2 {
		t.Fatalf("format %s, %d rows, errors %v", s.Format, len(rows), s.Errors)
	}
	r := rows[0]
	if r.Line != 2 || !r.ReceivedAt.Equal(time.Date(2022, 10, 20, 0, 0, 0, 0, KoreaTime())) || r.Service != ServiceKakaoT ||
		r.ClaimedAmount != 300000 || r.OutageHours != 2.5 || !r.Evidence || r.Phone != "01012345678" ||
		r.BusinessNumber != "1248100998" || r.Sector != SectorTransport || r.Region != RegionJeju {
		t.Errorf("typed row = %+v", r)
	}
	if rows[1].Line != 4 {
		t.Errorf("second row at line %d, want 4 (row 3 is absent)", rows[1].Line)
	}
	if s.ErrorCount != 1 || s.Errors[0].Row != 5 || s.Errors[0].Field != ColClaimedAmount {
		t.Errorf("errors = %v, want claimed_amount on row 5", s.Errors)
	}
	if len(s.Warnings) != 1 || s.Warnings[0].Field != "메모" {
		t.Errorf("warnings = %v", s.Warnings)
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestReadXLSX1904Dates(t *testing.T) {
	h := header(CanonicalColumns())
	row := []any{time.Date(2022, 11, 1, 0, 0, 0, 0, time.UTC), "web", "individual", "kakaotalk", "free", "non_monetary", 0, 1,
		"seoul", "", "no", "", "010-2222-3333", "", "", ""}
	rows, sum, err := readAll(t, workbook(t, true, map[int][]any{1: h, 2: row}))
	if err != nil || sum.ErrorCount != 0 || len(rows) != 1 {
		t.Fatalf("err %v, errors %v", err, sum.Errors)
	}
	if got := rows[0].ReceivedAt; got.Month() != time.November || got.Day() != 1 {
		t.Errorf("1904-system date read as %v", got)
	}
}

func TestReadXLSXHeaderProblems(t *testing.T) {
	_, _, err := readAll(t, workbook(t, false, map[int][]any{1: {"received_at", "name"}}))
	if fileErrorCode(err) != CodeBadHeader {
		t.Fatalf("err = %v", err)
	}
	_, _, err = readAll(t, workbook(t, false, map[int][]any{}))
	if fileErrorCode(err) != CodeEmptyFile {
		t.Fatalf("empty workbook: %v", err)
	}
}
