package reportfile

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// problem is a bilingual explanation of why a cell was rejected; the reader
// adds the row and column.
type problem struct {
	en string
	ko string
}

// Limits on values. Claims above a trillion won are typing errors, not
// claims, and reject them before int64 arithmetic downstream can overflow
// when amounts are summed.
const (
	maxClaimedAmount = 1_000_000_000_000
	maxOutageHours   = 720 // 30 days; the longest service outage was about five days
	maxNameRunes     = 100
	maxEmailBytes    = 254
	maxDescRunes     = 4000
)

// parseAmount accepts what people type for an amount in won: digits with
// thousands separators, a leading ₩ (or the backslash that Korean fonts
// render as ₩), a trailing 원 or KRW.
func parseAmount(s string) (int64, *problem) {
	t := strings.TrimSpace(s)
	for _, p := range [...]string{"₩", "￦", "\\", "KRW", "krw"} {
		t = strings.TrimPrefix(t, p)
	}
	for _, p := range [...]string{"원", "KRW", "krw"} {
		t = strings.TrimSuffix(t, p)
	}
	t = strings.TrimSpace(t)
	if t == "" {
		return 0, &problem{
			"the amount has no digits; write it in won, e.g. 300000",
			"금액에 숫자가 없습니다. 원 단위 숫자로 적어 주세요(예: 300000).",
		}
	}
	if t[0] == '-' || strings.HasPrefix(t, "−") {
		return 0, &problem{
			"the amount is negative; a claim is 0 or more",
			"금액이 음수입니다. 0 이상의 금액을 적어 주세요.",
		}
	}
	var n int64
	digits := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			n = n*10 + int64(c-'0')
			if n > maxClaimedAmount {
				return 0, &problem{
					"the amount is implausibly large (over ₩1,000,000,000,000); check for extra digits",
					"금액이 비정상적으로 큽니다(1조 원 초과). 자릿수를 확인해 주세요.",
				}
			}
		case c == ',' || c == ' ':
		case c == '.':
			if frac := t[i+1:]; len(frac) <= 2 && strings.Trim(frac, "0") == "" {
				// "300000.00" is an integer written with decimals, as
				// spreadsheets do; only a non-zero fraction is an error.
				i = len(t)
				continue
			}
			return 0, &problem{
				"the amount has a fraction; amounts are whole won",
				"금액에 소수점이 있습니다. 원 단위 정수로 적어 주세요.",
			}
		default:
			return 0, &problem{
				"the amount is not a number; write digits only, e.g. 300000 or 300,000",
				"금액이 숫자가 아닙니다. 300000 또는 300,000처럼 숫자로 적어 주세요.",
			}
		}
	}
	if digits == 0 {
		return 0, &problem{
			"the amount has no digits; write it in won, e.g. 300000",
			"금액에 숫자가 없습니다. 원 단위 숫자로 적어 주세요(예: 300000).",
		}
	}
	if !groupedByThousands(t) {
		return 0, &problem{
			"the amount's commas are misplaced; write e.g. 300,000 or 300000",
			"금액의 쉼표 위치가 올바르지 않습니다. 300,000 또는 300000처럼 적어 주세요.",
		}
	}
	return n, nil
}

// groupedByThousands rejects "300,5" or "3,00,000": a comma that is not a
// thousands separator probably hides a decimal comma or a typo, and reading
// it as digits would inflate the claim.
func groupedByThousands(t string) bool {
	intPart, _, _ := strings.Cut(strings.ReplaceAll(t, " ", ""), ".")
	groups := strings.Split(intPart, ",")
	if len(groups) == 1 {
		return true
	}
	if len(groups[0]) == 0 || len(groups[0]) > 3 {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return false
		}
	}
	return true
}

// parseHours accepts a non-negative number of hours, optionally followed by
// 시간 or h.
func parseHours(s string) (float64, *problem) {
	t := strings.TrimSpace(s)
	for _, suf := range [...]string{"시간", "hours", "hour", "hrs", "h"} {
		if strings.HasSuffix(strings.ToLower(t), suf) {
			t = strings.TrimSpace(t[:len(t)-len(suf)])
			break
		}
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(t, ",", ""), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, &problem{
			"outage hours is not a number; write hours such as 12 or 2.5",
			"장애 시간이 숫자가 아닙니다. 12 또는 2.5처럼 시간 단위로 적어 주세요.",
		}
	}
	if v < 0 {
		return 0, &problem{
			"outage hours is negative; write 0 or more",
			"장애 시간이 음수입니다. 0 이상으로 적어 주세요.",
		}
	}
	if v > maxOutageHours {
		return 0, &problem{
			"outage hours is over 720 (30 days); check the unit, it is hours",
			"장애 시간이 720시간(30일)을 넘습니다. 단위가 시간인지 확인해 주세요.",
		}
	}
	return v, nil
}

// parseDate accepts 2022-10-19, 2022.10.19, 2022. 10. 19., 2022/10/19,
// 20221019, each optionally followed by a time, and, when the cell came
// from a workbook, an Excel serial date. The result is midnight KST.
func parseDate(s string, serialOK, date1904 bool) (time.Time, *problem) {
	t := strings.TrimSpace(s)
	bad := &problem{
		"the date is not recognised; write it as 2022-10-19",
		"날짜 형식을 알 수 없습니다. 2022-10-19 형식으로 적어 주세요.",
	}
	if t == "" {
		return time.Time{}, bad
	}
	if serialOK && looksSerial(t) {
		v, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return time.Time{}, bad
		}
		tm, err := excelize.ExcelDateToTime(v, date1904)
		if err != nil {
			return time.Time{}, bad
		}
		// The serial is a wall-clock date without a zone; read it as KST.
		y, m, d := tm.Date()
		return checkIntake(time.Date(y, m, d, 0, 0, 0, 0, kst))
	}
	// Drop a time of day: "2022-10-19 14:03" or ISO "2022-10-19T05:03:00Z".
	if i := strings.IndexAny(t, "T "); i >= 8 && t[i] == 'T' {
		t = t[:i]
	}
	t = strings.TrimSuffix(dropTime(t), ".")
	var y, m, d int
	var ok bool
	if len(t) == 8 && allDigits(t) {
		y, _ = strconv.Atoi(t[:4])
		m, _ = strconv.Atoi(t[4:6])
		d, _ = strconv.Atoi(t[6:])
		ok = true
	} else {
		y, m, d, ok = splitDate(t)
	}
	if !ok {
		return time.Time{}, bad
	}
	if y < 1000 {
		return time.Time{}, &problem{
			"the year must have four digits; write the date as 2022-10-19",
			"연도는 네 자리로 적어 주세요(예: 2022-10-19).",
		}
	}
	tm := time.Date(y, time.Month(m), d, 0, 0, 0, 0, kst)
	if tm.Year() != y || int(tm.Month()) != m || tm.Day() != d {
		return time.Time{}, &problem{
			"the date does not exist; check day and month",
			"존재하지 않는 날짜입니다. 월과 일을 확인해 주세요.",
		}
	}
	return checkIntake(tm)
}

func checkIntake(t time.Time) (time.Time, *problem) {
	if !InIntake(t) {
		return time.Time{}, &problem{
			"the date is outside the intake period (2022-10-19 to 2022-11-06)",
			"접수 기간(2022-10-19~2022-11-06) 밖의 날짜입니다.",
		}
	}
	return t, nil
}

// dropTime removes a trailing time after whitespace, keeping Korean dates
// written with spaces after the dots ("2022. 10. 19.").
func dropTime(t string) string {
	if i := strings.LastIndexByte(t, ' '); i > 0 && strings.ContainsRune(t[i:], ':') {
		t = strings.TrimSpace(t[:i])
	}
	return strings.ReplaceAll(t, " ", "")
}

func splitDate(t string) (y, m, d int, ok bool) {
	sep := strings.IndexAny(t, "-./")
	if sep < 0 {
		return 0, 0, 0, false
	}
	parts := strings.Split(t, t[sep:sep+1])
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	nums := [3]int{}
	for i, p := range parts {
		if p == "" || len(p) > 4 || !allDigits(p) {
			return 0, 0, 0, false
		}
		nums[i], _ = strconv.Atoi(p)
	}
	if len(parts[1]) > 2 || len(parts[2]) > 2 {
		return 0, 0, 0, false
	}
	return nums[0], nums[1], nums[2], true
}

// looksSerial tells an Excel serial (up to five integer digits, optional
// fraction) from a yyyymmdd number.
func looksSerial(t string) bool {
	intPart, frac, _ := strings.Cut(t, ".")
	return intPart != "" && len(intPart) <= 5 && allDigits(intPart) && (frac == "" || allDigits(frac))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// digitsOnly keeps the digits of s and reports whether anything other than
// digits and the usual separators was present.
func digitsOnly(s string) (string, bool) {
	var buf [24]byte // phone and business numbers fit: one allocation per call, for the result
	b := buf[:0]
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b = append(b, c)
		case c == '-' || c == ' ' || c == '.' || c == '(' || c == ')':
		default:
			clean = false
		}
	}
	return string(b), clean
}

// parsePhone normalises a Korean phone number to its digits. "+82" becomes
// the domestic leading zero. A number that lost its leading zero because a
// spreadsheet stored it as a number (1012345678) gets it back. Mobile
// numbers are 010 plus 7 or 8 digits; landlines and other services 9 to 11
// digits starting with 0.
func parsePhone(s string) (string, *problem) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "+82") {
		t = "0" + strings.TrimLeft(strings.TrimSpace(t[3:]), "(0)- ")
	}
	d, clean := digitsOnly(t)
	if len(d) >= 8 && len(d) <= 10 && d[0] != '0' && allDigits(t) {
		// A number cell drops the leading zero; only a bare number can have
		// lost it.
		d = "0" + d
	}
	if !clean || len(d) < 9 || len(d) > 11 || d[0] != '0' {
		return "", &problem{
			"the phone number is not a Korean phone number; write it as 010-1234-5678",
			"전화번호 형식이 올바르지 않습니다. 010-1234-5678 형식으로 적어 주세요.",
		}
	}
	if strings.HasPrefix(d, "01") && len(d) < 10 {
		return "", &problem{
			"the mobile number is too short; write it as 010-1234-5678",
			"휴대전화 번호의 자릿수가 부족합니다. 010-1234-5678 형식으로 적어 주세요.",
		}
	}
	return d, nil
}

// parseBusinessNumber normalises a business registration number to its ten
// digits and checks its check digit (see ValidBusinessNumber).
func parseBusinessNumber(s string) (string, *problem) {
	t := strings.TrimSpace(s)
	d, clean := digitsOnly(t)
	if len(d) == 9 && allDigits(t) {
		// Restore a leading zero eaten by a spreadsheet number cell; only a
		// bare number can have lost it.
		d = "0" + d
	}
	if !clean || len(d) != 10 {
		return "", &problem{
			"the business registration number must have 10 digits, e.g. 123-45-67890",
			"사업자등록번호는 10자리여야 합니다(예: 123-45-67890).",
		}
	}
	if !ValidBusinessNumber(d) {
		return "", &problem{
			"the business registration number fails its check digit; check for a typo",
			"사업자등록번호의 검증번호가 맞지 않습니다. 오타가 없는지 확인해 주세요.",
		}
	}
	return d, nil
}

// parseEmail does the checks that catch typing mistakes; deliverability is
// not this package's business. The domain is lower-cased, the local part
// kept as written.
func parseEmail(s string) (string, *problem) {
	t := strings.TrimSpace(s)
	at := strings.LastIndexByte(t, '@')
	bad := &problem{
		"the e-mail address is not valid; write it as name@example.com",
		"이메일 주소 형식이 올바르지 않습니다. name@example.com 형식으로 적어 주세요.",
	}
	if at <= 0 || at == len(t)-1 || len(t) > maxEmailBytes || strings.ContainsAny(t, " \t<>,;\"") || strings.Count(t, "@") != 1 {
		return "", bad
	}
	domain := t[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", bad
	}
	if lower := strings.ToLower(domain); lower != domain {
		return t[:at+1] + lower, nil
	}
	return t, nil
}

// parseText trims a free-text field and enforces its length in characters.
func parseText(s string, maxRunes int) (string, *problem) {
	t := nfc(strings.TrimSpace(s))
	if utf8.RuneCountInString(t) > maxRunes {
		return "", &problem{
			"the text is too long (over " + strconv.Itoa(maxRunes) + " characters); shorten it",
			"내용이 너무 깁니다(" + strconv.Itoa(maxRunes) + "자 초과). 줄여 주세요.",
		}
	}
	return t, nil
}
