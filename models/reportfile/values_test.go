package reportfile

import (
	"testing"
	"time"
)

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"300000", 300000, true},
		{"300,000", 300000, true},
		{"₩300,000", 300000, true},
		{"￦300,000", 300000, true},
		{`\300,000`, 300000, true},
		{"300000원", 300000, true},
		{"300,000 원", 300000, true},
		{"KRW 1,000,000", 1000000, true},
		{"0", 0, true},
		{"300000.00", 300000, true},
		{" 42 ", 42, true},
		{"-5000", 0, false},
		{"−5000", 0, false},
		{"3000.5", 0, false},
		{"300.000", 0, false},
		{"300,5", 0, false},
		{"3,00,000", 0, false},
		{"삼십만원", 0, false},
		{"30만원", 0, false},
		{"abc", 0, false},
		{"원", 0, false},
		{"1e6", 0, false},
		{"9999999999999999999999", 0, false},
	} {
		got, p := parseAmount(tc.in)
		if (p == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("parseAmount(%q) = %d, %v; want %d, ok=%v", tc.in, got, p, tc.want, tc.ok)
		}
		if p != nil && (p.en == "" || p.ko == "") {
			t.Errorf("parseAmount(%q): message missing a language", tc.in)
		}
	}
}

func TestParseHours(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"12", 12, true}, {"2.5", 2.5, true}, {"0", 0, true}, {"10시간", 10, true}, {"3h", 3, true},
		{"-1", 0, false}, {"NaN", 0, false}, {"Inf", 0, false}, {"열시간", 0, false}, {"1000", 0, false},
	} {
		got, p := parseHours(tc.in)
		if (p == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("parseHours(%q) = %v, %v; want %v, ok=%v", tc.in, got, p, tc.want, tc.ok)
		}
	}
}

func TestParseDate(t *testing.T) {
	oct19 := time.Date(2022, time.October, 19, 0, 0, 0, 0, KoreaTime())
	nov6 := time.Date(2022, time.November, 6, 0, 0, 0, 0, KoreaTime())
	for _, tc := range []struct {
		in       string
		serial   bool
		date1904 bool
		want     time.Time
		ok       bool
	}{
		{"2022-10-19", false, false, oct19, true},
		{"2022.10.19", false, false, oct19, true},
		{"2022. 10. 19.", false, false, oct19, true},
		{"2022/10/19", false, false, oct19, true},
		{"20221019", false, false, oct19, true},
		{"2022-10-19 14:03", false, false, oct19, true},
		{"2022-10-19T05:03:00Z", false, false, oct19, true},
		{"2022-11-6", false, false, nov6, true},
		{"2022-11-06", true, false, nov6, true},
		{"44853", true, false, oct19, true},    // Excel serial, 1900 system
		{"44853.75", true, false, oct19, true}, // with a time of day
		{"43391", true, true, oct19, true},     // 1904 system
		{"44853", false, false, time.Time{}, false},
		{"2022-10-18", false, false, time.Time{}, false},
		{"2022-11-07", false, false, time.Time{}, false},
		{"2022-02-30", false, false, time.Time{}, false},
		{"22-10-19", false, false, time.Time{}, false},
		{"10/19/2022", false, false, time.Time{}, false},
		{"2022-10", false, false, time.Time{}, false},
		{"어제", false, false, time.Time{}, false},
		{"", false, false, time.Time{}, false},
	} {
		got, p := parseDate(tc.in, tc.serial, tc.date1904)
		if (p == nil) != tc.ok || (tc.ok && !got.Equal(tc.want)) {
			t.Errorf("parseDate(%q, serial=%v) = %v, %v; want %v, ok=%v", tc.in, tc.serial, got, p, tc.want, tc.ok)
		}
	}
}

func TestParsePhone(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"010-1234-5678", "01012345678", true},
		{"01012345678", "01012345678", true},
		{"010 1234 5678", "01012345678", true},
		{"(010) 1234-5678", "01012345678", true},
		{"+82 10-1234-5678", "01012345678", true},
		{"+82-10-1234-5678", "01012345678", true},
		{"1012345678", "01012345678", true}, // leading zero lost in a number cell
		{"02-123-4567", "021234567", true},
		{"031-123-4567", "0311234567", true},
		{"010-123", "", false},
		{"010-1234-5678-9", "", false},
		{"phone", "", false},
		{"010_1234_5678", "", false},
		{"0101234", "", false},
	} {
		got, p := parsePhone(tc.in)
		if (p == nil) != tc.ok || got != tc.want {
			t.Errorf("parsePhone(%q) = %q, %v; want %q, ok=%v", tc.in, got, p, tc.want, tc.ok)
		}
	}
}

func TestParseBusinessNumber(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"124-81-00998", "1248100998", true},
		{"1248100998", "1248100998", true},
		{" 120 81 47521 ", "1208147521", true},
		{"124-81-00997", "", false},
		{"124-81-0099", "", false},
		{"사업자", "", false},
	} {
		got, p := parseBusinessNumber(tc.in)
		if (p == nil) != tc.ok || got != tc.want {
			t.Errorf("parseBusinessNumber(%q) = %q, %v; want %q, ok=%v", tc.in, got, p, tc.want, tc.ok)
		}
	}
}

func TestParseEmail(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"kim.1234@example.com", "kim.1234@example.com", true},
		{" Kim@Example.ORG ", "Kim@example.org", true},
		{"kim@", "", false},
		{"@example.com", "", false},
		{"kim@example", "", false},
		{"kim@@example.com", "", false},
		{"kim lee@example.com", "", false},
		{"kim@example..com", "", false},
		{"김@example.com", "김@example.com", true},
	} {
		got, p := parseEmail(tc.in)
		if (p == nil) != tc.ok || got != tc.want {
			t.Errorf("parseEmail(%q) = %q, %v; want %q, ok=%v", tc.in, got, p, tc.want, tc.ok)
		}
	}
}

func TestParseTextNormalises(t *testing.T) {
	got, p := parseText("  \u1100\u1161\u11a8  ", 10) // NFD of 각
	if p != nil || got != "각" {
		t.Fatalf("parseText NFD = %q, %v", got, p)
	}
	if _, p := parseText("가나다라", 3); p == nil {
		t.Fatal("over-long text accepted")
	}
}
