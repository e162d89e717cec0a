package reportfile

import (
	"bytes"
	"io"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestGenerateIsDeterministic(t *testing.T) {
	gen := func(seed int64) []byte {
		var b bytes.Buffer
		if err := Generate(&b, 3000, seed); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	a, b, c := gen(7), gen(7), gen(8)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different output")
	}
	if bytes.Equal(a, c) {
		t.Fatal("different seeds, same output")
	}
	if err := Generate(io.Discard, -1, 1); err == nil {
		t.Fatal("negative n accepted")
	}
	var empty bytes.Buffer
	if err := Generate(&empty, 0, 1); err != nil || strings.Count(empty.String(), "\n") != 1 {
		t.Fatalf("n=0 should write the header only: %q, %v", empty.String(), err)
	}
}

// TestGenerateKoreanCP949MatchesCanonical writes the same data set twice,
// once canonical and once as a Korean hand-filled CP949 file with BOM-less
// Korean headers, labels, 원 amounts and dotted dates, and checks both parse
// to identical rows.
func TestGenerateKoreanCP949MatchesCanonical(t *testing.T) {
	const n, seed = 4000, 42
	var canon, korean bytes.Buffer
	if err := Generate(&canon, n, seed, WithBOM()); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(canon.Bytes(), bomUTF8) {
		t.Error("WithBOM wrote no BOM")
	}
	if err := Generate(&korean, n, seed, WithCP949(), WithKoreanHeaders(), WithKoreanValues()); err != nil {
		t.Fatal(err)
	}
	a, sa, err := readAll(t, canon.Bytes())
	if err != nil || sa.ErrorCount != 0 {
		t.Fatalf("canonical: %v %v", err, sa.Errors)
	}
	b, sb, err := readAll(t, korean.Bytes())
	if err != nil || sb.ErrorCount != 0 {
		t.Fatalf("korean: %v %v", err, sb.Errors)
	}
	if sb.Format != FormatCSVCP949 || len(a) != n || len(b) != n {
		t.Fatalf("format %s, rows %d/%d", sb.Format, len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		if !x.ReceivedAt.Equal(y.ReceivedAt) {
			t.Fatalf("row %d date %v vs %v", i, x.ReceivedAt, y.ReceivedAt)
		}
		y.ReceivedAt = x.ReceivedAt
		if x != y {
			t.Fatalf("row %d differs:\n%+v\n%+v", i, x, y)
		}
	}
}

// TestGenerateCalibration generates the full demo set, parses it back and
// checks the published proportions of design §6.
func TestGenerateCalibration(t *testing.T) {
	const n = 105116
	var buf bytes.Buffer
	if err := Generate(&buf, n, 2022); err != nil {
		t.Fatal(err)
	}
	raw := buf.String()
	rows, sum, err := readAll(t, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if sum.ErrorCount != 0 || len(rows) != n {
		t.Fatalf("%d rows, %d errors: %v", len(rows), sum.ErrorCount, sum.Errors[:min(5, len(sum.Errors))])
	}

	count := map[string]map[string]int{}
	inc := func(dim, key string) {
		if count[dim] == nil {
			count[dim] = map[string]int{}
		}
		count[dim][key]++
	}
	reporters := map[string]bool{}
	rareReporters := map[string]bool{}
	var positive []int64
	merchants := 0
	for _, r := range rows {
		inc(DimReporterType, r.ReporterType)
		inc(DimRegion, r.Region)
		inc("day", r.ReceivedAt.Format("01-02"))
		switch {
		case r.Paid == PaidPaid:
			inc("category", "paid")
		case r.DamageType == DamageNonMonetary:
			inc("category", "non_monetary")
		default:
			inc("category", "free_money")
		}
		if r.ReporterType == ReporterSmallMerchant {
			merchants++
			inc(DimSector, r.Sector)
		}
		id := r.BusinessNumber
		if id == "" {
			id = r.Phone
		}
		reporters[id] = true
		if r.ReporterType == ReporterLargeCompany && r.Region == RegionSejong && r.Service == ServiceKakaoGift {
			rareReporters[id] = true
		}
		if r.ClaimedAmount > 0 {
			positive = append(positive, r.ClaimedAmount)
		}
		if r.ReporterType == ReporterIndividual && (r.Sector != "" || r.BusinessNumber != "") {
			t.Fatalf("individual with business data: %+v", r)
		}
		if r.DamageType == DamageNonMonetary && r.ClaimedAmount != 0 {
			t.Fatalf("non-monetary with amount: %+v", r)
		}
	}
	share := func(dim string, keys ...string) float64 {
		total := 0
		for _, k := range keys {
			total += count[dim][k]
		}
		return 100 * float64(total) / float64(n)
	}
	sectorShare := func(k string) float64 { return 100 * float64(count[DimSector][k]) / float64(merchants) }
	for _, tc := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"individuals", share(DimReporterType, ReporterIndividual), 89.6, 0.5},
		{"small merchants", share(DimReporterType, ReporterSmallMerchant), 10.2, 0.5},
		{"mid/large companies", share(DimReporterType, ReporterSME, ReporterLargeCompany), 0.2, 0.1},
		{"paid services", share("category", "paid"), 17.1, 0.6},
		{"money lost on free services", share("category", "free_money"), 15.1, 0.6},
		{"non-monetary", share("category", "non_monetary"), 67.8, 0.6},
		{"capital area", share(DimRegion, RegionSeoul, RegionGyeonggi, RegionIncheon), 42, 1},
		{"Gyeongsang", share(DimRegion, RegionBusan, RegionDaegu, RegionUlsan, RegionGyeongbuk, RegionGyeongnam), 21, 1},
		{"Jeju", share(DimRegion, RegionJeju), 18, 1},
		{"merchants in food service", sectorShare(SectorFood), 27, 2},
		{"merchants in services", sectorShare(SectorServices), 21, 2},
		{"merchants in transport", sectorShare(SectorTransport), 21, 2},
		{"merchants in retail", sectorShare(SectorRetail), 19, 2},
	} {
		if math.Abs(tc.got-tc.want) > tc.tol {
			t.Errorf("%s: %.2f%%, want %.1f%% ± %.1f", tc.name, tc.got, tc.want, tc.tol)
		}
	}

	days := count["day"]
	if len(days) != IntakeDays {
		t.Errorf("reports on %d days, want %d", len(days), IntakeDays)
	}
	if days["10-19"] < 5*days["11-06"] || days["10-19"] < days["10-20"] {
		t.Errorf("intake does not decay: first %d, second %d, last %d", days["10-19"], days["10-20"], days["11-06"])
	}

	repeat := 100 * float64(n-len(reporters)) / float64(n)
	if repeat < 3 || repeat > 12 {
		t.Errorf("%.1f%% of reports are repeat filings, want a few percent", repeat)
	}
	if k := len(rareReporters); k < 1 || k > 9 {
		t.Errorf("rare combination has %d reporters, want 1–9 so it is suppressed", k)
	}

	slices.Sort(positive)
	median, top := positive[len(positive)/2], positive[len(positive)-1]
	if top < 100*median {
		t.Errorf("no long tail: median %d, max %d", median, top)
	}

	// Fictional personal data in the raw file.
	if m := regexp.MustCompile(`,010-\d{4}-\d{4},`).FindAllStringIndex(raw, -1); len(m) < n/2 {
		t.Errorf("only %d phones in 010-XXXX-XXXX form", len(m))
	}
	if bad := regexp.MustCompile(`@[a-z.]+`).FindAllString(raw, -1); len(bad) == 0 {
		t.Error("no e-mail addresses")
	} else {
		for _, d := range bad {
			if d != "@example.com" && d != "@example.org" {
				t.Fatalf("e-mail domain %s is not reserved for examples", d)
			}
		}
	}
}

func TestDailyCountsSumToN(t *testing.T) {
	for _, n := range []int{0, 1, 18, 19, 1000, 105116} {
		total := 0
		for _, c := range dailyCounts(n) {
			if c < 0 {
				t.Fatalf("negative day count for n=%d", n)
			}
			total += c
		}
		if total != n {
			t.Errorf("n=%d: days sum to %d", n, total)
		}
	}
}

func TestGeneratedBusinessNumbersAreDistinctAndValid(t *testing.T) {
	g := newGenerator(genConfig{}, 99)
	seen := map[string]bool{}
	for id := uint64(0); id < 20000; id++ {
		for _, sole := range []bool{true, false} {
			b := g.businessNumber(id, sole)
			d := strings.ReplaceAll(b, "-", "")
			if !ValidBusinessNumber(d) {
				t.Fatalf("%s fails its check digit", b)
			}
			if seen[d] {
				t.Fatalf("%s generated twice", b)
			}
			seen[d] = true
		}
		p := g.phone(id)
		if seen[p] {
			t.Fatalf("phone %s generated twice", p)
		}
		seen[p] = true
	}
}

func BenchmarkGenerate(b *testing.B) {
	const n = 100_000
	b.ReportAllocs()
	for b.Loop() {
		if err := Generate(io.Discard, n, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
