package reportfile

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/unicode/norm"
)

// handRow is what a person types into a Korean spreadsheet: labels, not
// codes; formatted amounts; a name outside KS X 1001 (똠 exists only in
// CP949's extension) and a description with a comma.
func handRows(header []string) string {
	return csvText(handCells(header)...)
}

func handCells(header []string) [][]string {
	return [][]string{header,
		{"2022.10.19", "웹", "소상공인", "카카오톡 채널", "유료", "영업손실", "￦300,000", "12.5",
			"서울특별시", "음식점", "예", "김똠순", "010-1234-5678", "Kim@Example.com", "124-81-00998", "주문이 안 들어왔습니다, 정말로"},
		{"20221106", "", "개인", "카톡", "무료", "비금전적 피해", "0", "",
			"제주", "", "아니오", "이서연", "01098765432", "", "", "연락이 안 됐어요"},
	}
}

func TestReadEncodingsAndHeaders(t *testing.T) {
	en := CanonicalColumns()
	ko := KoreanColumns()
	bom := []byte{0xEF, 0xBB, 0xBF}
	var tab strings.Builder
	for _, r := range handCells(ko) {
		tab.WriteString(strings.Join(r, "\t") + "\n")
	}
	for _, tc := range []struct {
		name   string
		data   []byte
		format Format
	}{
		{"utf-8, English headers", []byte(handRows(en)), FormatCSVUTF8},
		{"utf-8 with BOM, Korean headers", append(bom, handRows(ko)...), FormatCSVUTF8},
		{"cp949, Korean headers", cp949(t, handRows(ko)), FormatCSVCP949},
		{"cp949, English headers", cp949(t, handRows(en)), FormatCSVCP949},
		{"CRLF line ends", []byte(strings.ReplaceAll(handRows(en), "\n", "\r\n")), FormatCSVUTF8},
		{"tab separated", []byte(tab.String()), FormatCSVUTF8},
		{"decomposed Hangul (macOS)", []byte(norm.NFD.String(handRows(ko))), FormatCSVUTF8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, sum, err := readAll(t, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if sum.ErrorCount != 0 {
				t.Fatalf("errors: %v", sum.Errors)
			}
			if sum.Format != tc.format {
				t.Errorf("format %s, want %s", sum.Format, tc.format)
			}
			if len(rows) != 2 {
				t.Fatalf("%d rows, want 2", len(rows))
			}
			want := Row{
				Line:       2,
				ReceivedAt: time.Date(2022, 10, 19, 0, 0, 0, 0, KoreaTime()),
				Channel:    ChannelWeb, ReporterType: ReporterSmallMerchant, Service: ServiceTalkChannel, Paid: PaidPaid,
				DamageType: DamageLostSales, ClaimedAmount: 300000, OutageHours: 12.5, Region: RegionSeoul,
				Sector: SectorFood, Evidence: true, Name: "김똠순", Phone: "01012345678", Email: "Kim@example.com",
				BusinessNumber: "1248100998", Description: "주문이 안 들어왔습니다, 정말로",
			}
			if got := rows[0]; !got.ReceivedAt.Equal(want.ReceivedAt) || got.Line != want.Line {
				t.Errorf("row 1 date/line = %v/%d", got.ReceivedAt, got.Line)
			} else {
				got.ReceivedAt = want.ReceivedAt
				if got != want {
					t.Errorf("row 1\n got %+v\nwant %+v", got, want)
				}
			}
			second := rows[1]
			if second.Line != 3 || second.Channel != ChannelOther || second.Service != ServiceKakaoTalk ||
				second.DamageType != DamageNonMonetary || second.OutageHours != 0 || second.Evidence ||
				second.ReceivedAt.Day() != 6 || second.Region != RegionJeju || second.Phone != "01098765432" {
				t.Errorf("row 2 = %+v", second)
			}
		})
	}
}

func TestCP949EncodesExtendedHangul(t *testing.T) {
	// 똠 and 햏 are outside the 2,350 KS X 1001 syllables; a plain EUC-KR
	// decoder would fail on them.
	for _, s := range []string{"똠", "햏", "쌰"} {
		b := cp949(t, s)
		if len(b) != 2 || b[0] >= 0xB0 && b[1] >= 0xA1 {
			t.Errorf("%s encoded as % X, expected a CP949 extension code", s, b)
		}
		back, err := korean.EUCKR.NewDecoder().Bytes(b)
		if err != nil || string(back) != s {
			t.Errorf("%s round trip = %q, %v", s, back, err)
		}
	}
}

func TestEveryErrorCollectedWithExcelRowNumbers(t *testing.T) {
	en := CanonicalColumns()
	bad := withCell(ColReceivedAt, "2022-13-45")
	bad[3] = "카카오뱅크" // service
	bad[6] = "-100"  // claimed_amount
	multi := withCell(ColDescription, "첫 줄\n둘째 줄\n셋째 줄")
	text := csvText(en, validCells()) + // row 2
		"\n" + // row 3: blank line, still a row in Excel
		csvText(bad) + // row 4
		csvText(multi) + // row 5, three physical lines
		csvText(withCell(ColPhone, "12")) + // row 6
		",,,,,,,,,,,,,,,\n" + // row 7: empty cells only, skipped
		csvText(withCell(ColRegion, "도쿄")) // row 8
	rows, sum, err := readAll(t, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		row   int
		field string
	}{{4, ColReceivedAt}, {4, ColService}, {4, ColClaimedAmount}, {6, ColPhone}, {8, ColRegion}}
	if len(sum.Errors) != len(want) || sum.ErrorCount != len(want) {
		t.Fatalf("errors = %v, want %v", sum.Errors, want)
	}
	for i, w := range want {
		e := sum.Errors[i]
		if e.Row != w.row || e.Field != w.field {
			t.Errorf("error %d = row %d %s, want row %d %s", i, e.Row, e.Field, w.row, w.field)
		}
		if e.Message == "" || e.MessageKo == "" {
			t.Errorf("error %d lacks a message: %+v", i, e)
		}
	}
	if len(rows) != 2 || rows[0].Line != 2 || rows[1].Line != 5 {
		t.Fatalf("valid rows at lines %v, want 2 and 5", lines(rows))
	}
	if rows[1].Description != "첫 줄\n둘째 줄\n셋째 줄" {
		t.Errorf("multi-line description = %q", rows[1].Description)
	}
	if sum.Rows != 5 || sum.Valid != 2 {
		t.Errorf("rows=%d valid=%d, want 5 and 2", sum.Rows, sum.Valid)
	}
	var ire *InvalidRowsError
	if err := sum.Err(); !errors.As(err, &ire) || ire.Total != 5 {
		t.Fatalf("Summary.Err = %v", err)
	}
}

func lines(rows []Row) []int {
	out := make([]int, len(rows))
	for i, r := range rows {
		out[i] = r.Line
	}
	return out
}

func TestBadValues(t *testing.T) {
	long := strings.Repeat("가", maxDescRunes+1)
	indiv := func(col, v string) []string {
		c := withCell(ColReporterType, ReporterIndividual)
		for i, name := range CanonicalColumns() {
			if name == col {
				c[i] = v
			}
		}
		return c
	}
	for _, tc := range []struct {
		name  string
		cells []string
		field string
	}{
		{"impossible date", withCell(ColReceivedAt, "2022-13-01"), ColReceivedAt},
		{"date before intake", withCell(ColReceivedAt, "2022-10-15"), ColReceivedAt},
		{"date after intake", withCell(ColReceivedAt, "2022.11.07"), ColReceivedAt},
		{"date missing", withCell(ColReceivedAt, ""), ColReceivedAt},
		{"unknown channel", withCell(ColChannel, "pigeon"), ColChannel},
		{"reporter type missing", withCell(ColReporterType, " "), ColReporterType},
		{"unknown reporter type", withCell(ColReporterType, "robot"), ColReporterType},
		{"unknown service", withCell(ColService, "카카오뱅크"), ColService},
		{"unknown paid", withCell(ColPaid, "maybe"), ColPaid},
		{"unknown damage type", withCell(ColDamageType, "heartbreak"), ColDamageType},
		{"negative amount", withCell(ColClaimedAmount, "-300000"), ColClaimedAmount},
		{"decimal amount", withCell(ColClaimedAmount, "300000.5"), ColClaimedAmount},
		{"text amount", withCell(ColClaimedAmount, "많이"), ColClaimedAmount},
		{"monetary without amount", withCell(ColClaimedAmount, ""), ColClaimedAmount},
		{"non-monetary with amount", withCell(ColDamageType, "non_monetary"), ColClaimedAmount},
		{"negative hours", withCell(ColOutageHours, "-2"), ColOutageHours},
		{"text hours", withCell(ColOutageHours, "하루"), ColOutageHours},
		{"unknown region", withCell(ColRegion, "tokyo"), ColRegion},
		{"unknown sector", withCell(ColSector, "mining"), ColSector},
		{"sector for an individual", indiv(ColSector, "food"), ColSector},
		{"unknown evidence", withCell(ColEvidence, "maybe"), ColEvidence},
		{"bad phone", withCell(ColPhone, "12-34"), ColPhone},
		{"bad email", withCell(ColEmail, "kim@"), ColEmail},
		{"bad business number", withCell(ColBusinessNumber, "124-81-00997"), ColBusinessNumber},
		{"no identifier", func() []string { c := withCell(ColPhone, ""); c[14] = ""; return c }(), ColPhone},
		{"name too long", withCell(ColName, strings.Repeat("김", maxNameRunes+1)), ColName},
		{"description too long", withCell(ColDescription, long), ColDescription},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, sum, err := readAll(t, []byte(csvText(CanonicalColumns(), tc.cells)))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 0 {
				t.Errorf("invalid row returned: %+v", rows[0])
			}
			if sum.ErrorCount != 1 || len(sum.Errors) != 1 {
				t.Fatalf("errors = %v, want exactly one", sum.Errors)
			}
			e := sum.Errors[0]
			if e.Row != 2 || e.Field != tc.field || e.Message == "" || e.MessageKo == "" {
				t.Errorf("error = %+v, want row 2 field %s with both messages", e, tc.field)
			}
		})
	}
}

func TestOptionalColumnsMayBeAbsent(t *testing.T) {
	header := []string{"received_at", "reporter_type", "service", "paid", "damage_type", "claimed_amount", "region", "business_number"}
	text := csvText(header, []string{"2022-10-20", "sme", "kakao_pay", "free", "extra_cost", "5,000", "busan", "124-81-00998"})
	rd, err := Open(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	r, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	if r.Channel != ChannelOther || r.OutageHours != 0 || r.Evidence || r.Phone != "" || r.BusinessNumber != "1248100998" || r.ClaimedAmount != 5000 {
		t.Errorf("row = %+v", r)
	}
	if rd.HasColumn(ColOutageHours) || !rd.HasColumn(ColBusinessNumber) || rd.HasColumn("nonsense") {
		t.Error("HasColumn wrong")
	}
}

func TestHeaderProblems(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header []string
		fields []string // fields of the expected problems, in order
	}{
		{"missing required columns", []string{"received_at", "service", "paid", "phone"},
			[]string{ColReporterType, ColDamageType, ColClaimedAmount, ColRegion}},
		{"no identifying column", []string{"received_at", "reporter_type", "service", "paid", "damage_type", "claimed_amount", "region", "name"},
			[]string{ColPhone}},
		{"duplicate column", append(CanonicalColumns(), "접수일자"), []string{ColReceivedAt}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(strings.NewReader(csvText(tc.header)))
			var fe *FileError
			if !errors.As(err, &fe) || fe.Code != CodeBadHeader {
				t.Fatalf("err = %v, want invalid header", err)
			}
			if len(fe.Problems) != len(tc.fields) {
				t.Fatalf("problems = %v, want fields %v", fe.Problems, tc.fields)
			}
			for i, f := range tc.fields {
				p := fe.Problems[i]
				if p.Field != f || p.Row != 1 || p.Message == "" || p.MessageKo == "" {
					t.Errorf("problem %d = %+v, want field %s on row 1", i, p, f)
				}
			}
			if !strings.Contains(fe.Error(), tc.fields[0]) {
				t.Errorf("error text %q does not name %s", fe.Error(), tc.fields[0])
			}
		})
	}
}

func TestHeaderDecorationsAndUnknownColumns(t *testing.T) {
	header := KoreanColumns()
	header[0] = " *접수일 "
	header[6] = "피해금액(원)"
	header = append(header, "메모", "")
	row := append(validCells(), "내부 메모", "")
	rows, sum, err := readAll(t, []byte(csvText(header, row)))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].ClaimedAmount != 300000 {
		t.Fatalf("rows = %+v, errors %v", rows, sum.Errors)
	}
	if len(sum.Warnings) != 1 || sum.Warnings[0].Field != "메모" || !strings.Contains(sum.Warnings[0].Message, "Q") {
		t.Errorf("warnings = %+v, want one about column Q 메모", sum.Warnings)
	}
}

func TestEmptyAndHeaderOnly(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		code string
	}{
		{"empty", nil, CodeEmptyFile},
		{"BOM only", []byte{0xEF, 0xBB, 0xBF}, CodeEmptyFile},
		{"blank lines only", []byte("\n\r\n\n"), CodeEmptyFile},
		{"commas only", []byte(",,,\n,,\n"), CodeEmptyFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(bytes.NewReader(tc.data))
			if got := fileErrorCode(err); got != tc.code {
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
		})
	}
	t.Run("header only", func(t *testing.T) {
		rows, sum, err := readAll(t, []byte(csvText(CanonicalColumns())))
		if err != nil || len(rows) != 0 {
			t.Fatalf("rows %d, err %v", len(rows), err)
		}
		if got := fileErrorCode(sum.Err()); got != CodeNoRows {
			t.Fatalf("Summary.Err = %v, want code %s", sum.Err(), CodeNoRows)
		}
		if !sum.Complete || sum.HeaderRow != 1 {
			t.Errorf("summary = %+v", sum)
		}
	})
}

func TestRejectedFiles(t *testing.T) {
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range "received_at,name\n" {
		utf16 = append(utf16, byte(r), 0)
	}
	for _, tc := range []struct {
		name string
		data []byte
		code string
	}{
		{"UTF-16 with BOM", utf16, CodeEncoding},
		{"UTF-16 without BOM", utf16[2:], CodeUnsupportedFormat},
		{"PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), CodeUnsupportedFormat},
		{"legacy xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, CodeUnsupportedFormat},
		{"ZIP that is not a workbook", zipWith(t, map[string]string{"hello.txt": "hi"}), CodeUnsupportedFormat},
		{"truncated ZIP", []byte("PK\x03\x04garbage"), CodeUnsupportedFormat},
		{"neither UTF-8 nor CP949", []byte("received_at,name\n2022-10-19,caf\xe9\xff\n"), CodeEncoding},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(t, tc.data)
			if got := fileErrorCode(err); got != tc.code {
				t.Fatalf("err = %v, want code %s", err, tc.code)
			}
			var fe *FileError
			if errors.As(err, &fe) && (fe.Message == "" || fe.MessageKo == "") {
				t.Errorf("message missing: %+v", fe)
			}
		})
	}
}

func TestKoreanAfterLongASCIIPrefix(t *testing.T) {
	// Over 64 KiB of ASCII-only rows before the first Korean byte: the
	// decision must be taken where the Korean starts, not on the prefix.
	var b strings.Builder
	b.WriteString(csvText(CanonicalColumns()))
	ascii := withCell(ColName, "Kim")
	ascii[15] = "no korean here"
	n := 0
	for b.Len() < 2*sniffSize {
		b.WriteString(csvText(ascii))
		n++
	}
	b.WriteString(csvText(withCell(ColName, "김똠순")))
	rows, sum, err := readAll(t, cp949(t, b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if sum.ErrorCount != 0 || len(rows) != n+1 {
		t.Fatalf("%d rows, errors %v", len(rows), sum.Errors)
	}
	if last := rows[len(rows)-1]; last.Name != "김똠순" || last.Line != n+2 {
		t.Errorf("last row = %q at %d", last.Name, last.Line)
	}
	if sum.Format != FormatCSVCP949 {
		t.Errorf("format %s", sum.Format)
	}
}

func TestMixedEncodingIsARowError(t *testing.T) {
	text := []byte(csvText(CanonicalColumns(), withCell(ColName, "김민준")))
	text = append(text, []byte(csvText(withCell(ColName, "XNAMEX")))...)
	text = bytes.Replace(text, []byte("XNAMEX"), cp949(t, "이서연"), 1)
	rows, sum, err := readAll(t, text)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || sum.ErrorCount != 1 || sum.Errors[0].Row != 3 || sum.Errors[0].Field != ColName {
		t.Fatalf("rows %d, errors %v", len(rows), sum.Errors)
	}
}

func TestBrokenQuotingIsFatalWithRow(t *testing.T) {
	text := csvText(CanonicalColumns(), validCells()) + `2022-10-19,web,"unclosed` + "\n" + csvText(validCells())
	rows, _, err := readAll(t, []byte(text))
	var fe *FileError
	if !errors.As(err, &fe) || fe.Code != CodeMalformed {
		t.Fatalf("err = %v, want malformed", err)
	}
	if len(rows) != 1 || len(fe.Problems) != 1 || fe.Problems[0].Row != 3 {
		t.Fatalf("rows %d, problems %+v, want the break at row 3", len(rows), fe.Problems)
	}
}

func TestErrorCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(csvText(CanonicalColumns()))
	for range 30 {
		b.WriteString(csvText(withCell(ColRegion, "atlantis")))
	}
	b.WriteString(csvText(validCells()))
	rd, err := Open(strings.NewReader(b.String()), WithMaxErrors(10))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if rd.Failed() {
		t.Fatal("failed before reading")
	}
	valid := 0
	for {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		valid++
	}
	sum := rd.Summary()
	if !rd.Failed() || valid != 1 || len(sum.Errors) != 10 || sum.ErrorCount != 30 {
		t.Fatalf("valid=%d kept=%d total=%d", valid, len(sum.Errors), sum.ErrorCount)
	}
	if sum.Errors[9].Row != 11 {
		t.Errorf("tenth kept error on row %d, want 11", sum.Errors[9].Row)
	}
	var ire *InvalidRowsError
	if !errors.As(sum.Err(), &ire) {
		t.Fatal("no InvalidRowsError")
	}
	if ire.Omitted() != 20 || ire.OmittedMessage("en") != "and 20 more errors" || ire.OmittedMessage("ko") != "외 20건의 오류가 더 있습니다." {
		t.Errorf("omitted: %d %q %q", ire.Omitted(), ire.OmittedMessage("en"), ire.OmittedMessage("ko"))
	}
	if !strings.Contains(ire.Error(), "and 27 more") {
		t.Errorf("error text %q", ire.Error())
	}
}

func TestSHA256OfRawBytes(t *testing.T) {
	data := cp949(t, handRows(KoreanColumns()))
	rd, err := Open(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if _, ok := rd.SHA256(); ok {
		t.Fatal("CSV digest claimed final before the end")
	}
	for {
		if _, err := rd.Next(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	got, ok := rd.SHA256()
	if !ok || got != sha256.Sum256(data) {
		t.Fatalf("digest %x (final %v), want %x", got, ok, sha256.Sum256(data))
	}
	if s := rd.Summary(); s.SHA256 != got || s.Bytes != int64(len(data)) || !s.Complete {
		t.Errorf("summary digest/bytes/complete = %x/%d/%v", s.SHA256, s.Bytes, s.Complete)
	}
	// A different upload gives a different digest.
	other := append(bytes.Clone(data), '\n')
	_, sum2, err := readAll(t, other)
	if err != nil || sum2.SHA256 == got {
		t.Error("digest does not depend on the bytes")
	}
}

func TestNextAfterEOF(t *testing.T) {
	rd, err := Open(strings.NewReader(csvText(CanonicalColumns(), validCells())))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	for i := 0; i < 3; i++ {
		_, err = rd.Next()
	}
	if !errors.Is(err, io.EOF) {
		t.Fatalf("Next after end = %v, want io.EOF", err)
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rd.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func ExampleOpen() {
	file := "received_at,reporter_type,service,paid,damage_type,claimed_amount,region,phone\n" +
		"2022-10-19,individual,kakaotalk,free,non_monetary,0,seoul,010-1234-5678\n" +
		"2022-10-40,individual,kakaotalk,free,non_monetary,0,seoul,010-1234-5678\n"
	rd, err := Open(strings.NewReader(file))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rd.Close()
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(row.Line, row.Service, row.Phone)
	}
	fmt.Println(rd.Summary().Err())
	// Output:
	// 2 kakaotalk 01012345678
	// 1 invalid value(s) in the file; row 3, received_at: the date does not exist; check day and month
}

func TestSummaryAfterClose(t *testing.T) {
	rd, err := Open(strings.NewReader(csvText(CanonicalColumns(), validCells())))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Next(); err != nil {
		t.Fatal(err)
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
	if s := rd.Summary(); s.Format != FormatCSVUTF8 || s.Valid != 1 {
		t.Fatalf("summary after close = %+v", s)
	}
}
