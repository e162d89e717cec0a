package reportfile

import (
	"math"
	"testing"
	"time"
)

func TestDimensionsAreStableAndComplete(t *testing.T) {
	want := map[string][]string{
		DimReporterType: {"individual", "small_merchant", "sme", "large_company"},
		DimService:      {"kakaotalk", "talk_channel", "kakao_t", "kakao_pay", "kakao_map", "daum_mail", "kakao_page", "kakao_gift", "other"},
		DimPaid:         {"paid", "free"},
		DimDamageType:   {"lost_sales", "extra_cost", "lost_data", "cancelled_booking", "non_monetary", "other"},
		DimRegion: {"seoul", "busan", "daegu", "incheon", "gwangju", "daejeon", "ulsan", "sejong", "gyeonggi", "gangwon",
			"chungbuk", "chungnam", "jeonbuk", "jeonnam", "gyeongbuk", "gyeongnam", "jeju"},
		DimSector:     {"food", "services", "transport", "retail", "other"},
		DimEvidence:   {"yes", "no"},
		DimAmountBand: {BandNone, BandUpTo100k, Band100kTo300k, Band300kTo500k, Band500kTo1m, Band1mTo5m, BandOver5m},
		DimWeek:       {"2022-W42", "2022-W43", "2022-W44"},
	}
	seen := map[string]bool{}
	for _, d := range Dimensions() {
		if seen[d.Key] {
			t.Errorf("dimension %s listed twice", d.Key)
		}
		seen[d.Key] = true
		if d.Label("ko") == "" || d.Label("en") == "" {
			t.Errorf("%s lacks a label", d.Key)
		}
		for _, c := range d.Codes {
			if c.Label("ko") == "" || c.Label("en") == "" {
				t.Errorf("%s/%s lacks a label", d.Key, c.Key)
			}
		}
		if w, ok := want[d.Key]; ok {
			got := d.Keys()
			if len(got) != len(w) {
				t.Errorf("%s: %v, want %v", d.Key, got, w)
				continue
			}
			for i := range w {
				if got[i] != w[i] {
					t.Errorf("%s[%d] = %s, want %s", d.Key, i, got[i], w[i])
				}
			}
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("dimension %s missing", k)
		}
	}
}

func TestDimensionCopiesAreIndependent(t *testing.T) {
	d := Services()
	d.Codes[0].Key = "mutated"
	if Services().Codes[0].Key != ServiceKakaoTalk {
		t.Fatal("a caller's change leaked into the package")
	}
	if _, ok := DimensionByKey("nope"); ok {
		t.Fatal("unknown dimension found")
	}
	if r, ok := DimensionByKey(DimRegion); !ok || len(r.Codes) != 17 {
		t.Fatal("region dimension not found or not 17 시·도")
	}
}

func TestLabelLanguage(t *testing.T) {
	c := Code{Key: "k", Ko: "카카오톡", En: "KakaoTalk"}
	for _, tc := range []struct{ lang, want string }{
		{"ko", "카카오톡"}, {"en", "KakaoTalk"}, {"en-US", "KakaoTalk"}, {"EN", "KakaoTalk"}, {"", "카카오톡"}, {"fr", "카카오톡"},
	} {
		if got := c.Label(tc.lang); got != tc.want {
			t.Errorf("Label(%q) = %q, want %q", tc.lang, got, tc.want)
		}
	}
}

func TestLookupTablesConsistent(t *testing.T) {
	tb, err := buildTables()
	if err != nil {
		t.Fatal(err)
	}
	// Every key and label of every code column resolves to that code.
	for idx, d := range codeColumns() {
		for _, c := range d.Codes {
			for _, s := range []string{c.Key, c.Ko, c.En, " " + c.Ko + " "} {
				if got, ok := tb.lookupCode(idx, s); !ok || got != c.Key {
					t.Errorf("%s: %q → %q, %v; want %s", d.Key, s, got, ok, c.Key)
				}
			}
		}
	}
	for _, c := range columns() {
		for _, h := range append([]string{c.name, c.ko, " " + c.name + " ", "\uFEFF" + c.ko}, c.aliases...) {
			if i, ok := tb.lookupHeader(h); !ok || columns()[i].name != c.name {
				t.Errorf("header %q does not map to %s", h, c.name)
			}
		}
	}
}

func TestValueAliases(t *testing.T) {
	for _, tc := range []struct {
		idx  int
		in   string
		want string
	}{
		{idxService, "카톡", ServiceKakaoTalk},
		{idxService, "카카오톡 채널", ServiceTalkChannel},
		{idxService, "Kakao-T", ServiceKakaoT},
		{idxService, "KAKAO_PAY", ServiceKakaoPay},
		{idxPaid, "유료", PaidPaid},
		{idxPaid, "무료", PaidFree},
		{idxRegion, "서울특별시", RegionSeoul},
		{idxRegion, "서울", RegionSeoul},
		{idxRegion, "제주특별자치도", RegionJeju},
		{idxRegion, "Gyeonggi-do", RegionGyeonggi},
		{idxRegion, "경상남도", RegionGyeongnam},
		{idxEvidence, "예", EvidenceYes},
		{idxEvidence, "아니오", EvidenceNo},
		{idxEvidence, "O", EvidenceYes},
		{idxReporterType, "소상공인", ReporterSmallMerchant},
		{idxReporterType, "개인", ReporterIndividual},
		{idxDamageType, "비금전적 피해", DamageNonMonetary},
		{idxSector, "요식업", SectorFood},
		{idxChannel, "온라인", ChannelWeb},
		// Decomposed Hangul as macOS writes it (NFD of 서울).
		{idxRegion, "\u1109\u1165\u110b\u116e\u11af", RegionSeoul},
	} {
		got, ok := tables.lookupCode(tc.idx, tc.in)
		if !ok || got != tc.want {
			t.Errorf("%q → %q, %v; want %s", tc.in, got, ok, tc.want)
		}
	}
	for _, tc := range []struct {
		idx int
		in  string
	}{{idxService, "카카오뱅크"}, {idxRegion, "도쿄"}, {idxPaid, "maybe"}, {idxEvidence, "글쎄"}} {
		if got, ok := tables.lookupCode(tc.idx, tc.in); ok {
			t.Errorf("%q unexpectedly resolved to %s", tc.in, got)
		}
	}
}

func TestBandFor(t *testing.T) {
	bands := AmountBands()
	for _, tc := range []struct {
		amount int64
		want   string
	}{
		{-1, ""}, {0, BandNone}, {1, BandUpTo100k}, {100_000, BandUpTo100k}, {100_001, Band100kTo300k},
		{300_000, Band100kTo300k}, {300_001, Band300kTo500k}, {500_000, Band300kTo500k}, {500_001, Band500kTo1m},
		{1_000_000, Band500kTo1m}, {1_000_001, Band1mTo5m}, {5_000_000, Band1mTo5m}, {5_000_001, BandOver5m},
		{math.MaxInt64, BandOver5m},
	} {
		got := BandFor(tc.amount)
		if got != tc.want {
			t.Errorf("BandFor(%d) = %q, want %q", tc.amount, got, tc.want)
		}
		// BandFor and the Min/Max of AmountBands must agree.
		for _, b := range bands {
			if b.Key == got && (tc.amount < b.Min || tc.amount > b.Max) {
				t.Errorf("%d outside its band %s [%d, %d]", tc.amount, b.Key, b.Min, b.Max)
			}
		}
	}
	for i := 1; i < len(bands); i++ {
		if bands[i].Min != bands[i-1].Max+1 {
			t.Errorf("gap or overlap between %s and %s", bands[i-1].Key, bands[i].Key)
		}
	}
}

func TestWeekFor(t *testing.T) {
	kst := KoreaTime()
	day := func(m time.Month, d, h int) time.Time { return time.Date(2022, m, d, h, 0, 0, 0, kst) }
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{day(time.October, 18, 23), ""},
		{day(time.October, 19, 0), Week42},
		{day(time.October, 23, 23), Week42},
		{day(time.October, 24, 0), Week43},
		{day(time.October, 30, 12), Week43},
		{day(time.October, 31, 0), Week44},
		{day(time.November, 6, 23), Week44},
		{day(time.November, 7, 0), ""},
		// 18 Oct 15:30 UTC is 19 Oct 00:30 in Korea.
		{time.Date(2022, time.October, 18, 15, 30, 0, 0, time.UTC), Week42},
		// 6 Nov 15:30 UTC is already 7 Nov in Korea.
		{time.Date(2022, time.November, 6, 15, 30, 0, 0, time.UTC), ""},
	} {
		if got := WeekFor(tc.t); got != tc.want {
			t.Errorf("WeekFor(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
	weeks := Weeks()
	days := 0
	for _, w := range weeks {
		if WeekFor(w.First) != w.Key || WeekFor(w.Last) != w.Key {
			t.Errorf("week %s bounds do not map to it", w.Key)
		}
		days += int(w.Last.Sub(w.First).Hours()/24) + 1
	}
	if days != IntakeDays {
		t.Errorf("weeks cover %d days, want %d", days, IntakeDays)
	}
	if !IntakeFirstDay().Equal(weeks[0].First) || !IntakeLastDay().Equal(weeks[len(weeks)-1].Last) {
		t.Error("weeks do not span the intake period")
	}
}

func TestValidBusinessNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"1248100998", true},  // a published company number
		{"1208147521", true},  // another published company number
		{"1248100997", false}, // wrong check digit
		{"2208162517", true},
		{"2208162518", false},
		{"124810099", false},
		{"12481009981", false},
		{"124-81-00998", false}, // digits only; parseBusinessNumber strips separators
		{"abcdefghij", false},
	} {
		if got := ValidBusinessNumber(tc.in); got != tc.want {
			t.Errorf("ValidBusinessNumber(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if BusinessCheckDigit([]int{1, 2}) != -1 || BusinessCheckDigit([]int{1, 2, 3, 4, 5, 6, 7, 8, 10}) != -1 {
		t.Error("malformed input not rejected")
	}
}

func TestSafeCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"=1+1", "'=1+1"},
		{"+82 10", "'+82 10"},
		{"-5", "'-5"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=cmd", "'\t=cmd"},
		{"\r=cmd", "'\r=cmd"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"김민준", "김민준"},
		{"300,000", "300,000"},
		{"a=b", "a=b"},
		{" =1", " =1"},
	} {
		if got := SafeCell(tc.in); got != tc.want {
			t.Errorf("SafeCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestColumnLetter(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA"} {
		if got := columnLetter(i); got != want {
			t.Errorf("columnLetter(%d) = %s, want %s", i, got, want)
		}
	}
}

func TestRequiredColumns(t *testing.T) {
	got := RequiredColumns()
	want := []string{ColReceivedAt, ColReporterType, ColService, ColPaid, ColDamageType, ColClaimedAmount, ColRegion}
	if len(got) != len(want) {
		t.Fatalf("%v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%v, want %v", got, want)
		}
	}
	if len(CanonicalColumns()) != 16 || len(KoreanColumns()) != 16 {
		t.Fatal("column lists incomplete")
	}
}

func TestIntakeConstantsAgree(t *testing.T) {
	if IntakeFirstDay().Format("2006-01-02") != IntakeFirstDate || IntakeLastDay().Format("2006-01-02") != IntakeLastDate {
		t.Fatal("date constants and day functions disagree")
	}
	if got := int(IntakeLastDay().Sub(IntakeFirstDay()).Hours()/24) + 1; got != IntakeDays {
		t.Fatalf("period spans %d days, IntakeDays = %d", got, IntakeDays)
	}
	if IntakeFirstDay().Location() != KoreaTime() {
		t.Fatal("intake days not in Korea time")
	}
}
