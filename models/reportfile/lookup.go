package reportfile

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// valueAliases are the extra spellings people type by hand for each code,
// beyond the key itself and its Korean and English labels.
func valueAliases() map[string]map[string][]string {
	return map[string]map[string][]string{
		DimReporterType: {
			ReporterIndividual:    {"개인 이용자", "일반 이용자", "이용자", "일반인", "개인이용자"},
			ReporterSmallMerchant: {"소상공인·자영업자", "자영업자", "자영업", "소상공인/자영업", "merchant"},
			ReporterSME:           {"중소기업", "스타트업", "중소·스타트업", "벤처기업", "startup", "smb"},
			ReporterLargeCompany:  {"대기업", "중견기업", "중견기업·대기업", "large company", "large"},
		},
		DimService: {
			ServiceKakaoTalk:   {"카톡", "카카오 톡"},
			ServiceTalkChannel: {"톡채널", "카카오채널", "카카오톡채널", "톡 채널 주문", "카카오톡 채널 주문"},
			ServiceKakaoT:      {"카카오T", "카카오택시", "카카오 택시", "카카오대리", "kakaot", "kakao taxi"},
			ServiceKakaoPay:    {"페이", "카카오 페이"},
			ServiceKakaoMap:    {"카카오 맵", "카카오지도"},
			ServiceDaumMail:    {"다음메일", "한메일", "daum", "hanmail"},
			ServiceKakaoPage:   {"카카오페이지", "카카오웹툰", "카카오 웹툰", "웹툰", "kakaopage", "kakao webtoon"},
			ServiceKakaoGift:   {"선물하기", "카카오선물하기", "kakao gift", "gift"},
		},
		DimPaid: {
			PaidPaid: {"유", "유료서비스", "y"},
			PaidFree: {"무", "무료서비스", "n"},
		},
		DimDamageType: {
			DamageLostSales:        {"영업손실", "매출 손실", "매출손실", "영업 피해"},
			DamageExtraCost:        {"추가비용", "추가 지출"},
			DamageLostData:         {"자료 손실", "데이터 유실", "자료 유실"},
			DamageCancelledBooking: {"예약취소", "예약 취소 피해", "canceled booking"},
			DamageNonMonetary:      {"비금전", "비금전 피해", "금전 외 피해", "불편", "non monetary", "none"},
		},
		DimRegion: {
			RegionSeoul:     {"서울특별시", "서울시"},
			RegionBusan:     {"부산광역시", "부산시"},
			RegionDaegu:     {"대구광역시", "대구시"},
			RegionIncheon:   {"인천광역시", "인천시"},
			RegionGwangju:   {"광주광역시"},
			RegionDaejeon:   {"대전광역시", "대전시"},
			RegionUlsan:     {"울산광역시", "울산시"},
			RegionSejong:    {"세종특별자치시", "세종시"},
			RegionGyeonggi:  {"경기도", "gyeonggi-do"},
			RegionGangwon:   {"강원도", "강원특별자치도", "gangwon-do"},
			RegionChungbuk:  {"충청북도", "chungcheongbuk-do"},
			RegionChungnam:  {"충청남도", "chungcheongnam-do"},
			RegionJeonbuk:   {"전라북도", "전북특별자치도", "jeollabuk-do"},
			RegionJeonnam:   {"전라남도", "jeollanam-do"},
			RegionGyeongbuk: {"경상북도", "gyeongsangbuk-do"},
			RegionGyeongnam: {"경상남도", "gyeongsangnam-do"},
			RegionJeju:      {"제주도", "제주특별자치도", "jeju-do"},
		},
		DimSector: {
			SectorFood:      {"음식점", "요식업", "외식업", "음식", "food service"},
			SectorServices:  {"서비스", "service"},
			SectorTransport: {"운수", "운송업", "운송", "교통", "택시", "대리운전"},
			SectorRetail:    {"소매", "도소매업", "도소매", "판매"},
		},
		DimEvidence: {
			EvidenceYes: {"예", "네", "유", "o", "y", "true", "1", "제출"},
			EvidenceNo:  {"아니오", "아니요", "무", "x", "n", "false", "0", "미제출"},
		},
		DimChannel: {
			ChannelWeb:   {"웹", "온라인", "홈페이지", "인터넷", "online", "website"},
			ChannelApp:   {"앱", "모바일", "모바일앱", "mobile"},
			ChannelPhone: {"고객센터", "전화접수", "콜센터", "call"},
			ChannelEmail: {"메일", "전자우편", "e-mail"},
			ChannelPost:  {"우편접수", "mail"},
			ChannelVisit: {"방문접수", "내방", "visit"},
		},
	}
}

// codeColumns maps the columns whose values are codes to their dimension.
func codeColumns() map[int]Dimension {
	return map[int]Dimension{
		idxChannel:      Channels(),
		idxReporterType: ReporterTypes(),
		idxService:      Services(),
		idxPaid:         PaidValues(),
		idxDamageType:   DamageTypes(),
		idxRegion:       Regions(),
		idxSector:       Sectors(),
		idxEvidence:     EvidenceValues(),
	}
}

// lookupTables resolve headers and code values. They are built once and
// only read afterwards.
type lookupTables struct {
	header map[string]int
	values [numColumns]map[string]string
	names  [numColumns]string // canonical names, so the hot path never rebuilds columns()
}

// tables is immutable after package initialisation.
var tables = mustBuildTables()

func mustBuildTables() *lookupTables {
	t, err := buildTables()
	if err != nil {
		// The tables are static; a collision is a programming error that the
		// package tests catch before any build ships.
		panic(err)
	}
	return t
}

func buildTables() (*lookupTables, error) {
	t := &lookupTables{header: map[string]int{}}
	for i, c := range columns() {
		t.names[i] = c.name
		for _, name := range append([]string{c.name, c.ko}, c.aliases...) {
			k := normHeader(name)
			if prev, ok := t.header[k]; ok && prev != i {
				return nil, fmt.Errorf("header alias %q maps to both %s and %s", name, columns()[prev].name, c.name)
			}
			t.header[k] = i
		}
	}
	aliases := valueAliases()
	for idx, dim := range codeColumns() {
		m := map[string]string{}
		add := func(spelling, key string) error {
			k := normValue(spelling)
			if prev, ok := m[k]; ok && prev != key {
				return fmt.Errorf("%s value %q maps to both %s and %s", dim.Key, spelling, prev, key)
			}
			m[k] = key
			m[spelling] = key
			return nil
		}
		for _, c := range dim.Codes {
			for _, s := range append([]string{c.Key, c.Ko, c.En}, aliases[dim.Key][c.Key]...) {
				if err := add(s, c.Key); err != nil {
					return nil, err
				}
			}
		}
		t.values[idx] = m
	}
	return t, nil
}

// lookupCode resolves a cell to a code of the column's dimension. The exact
// spelling is tried first so that well-formed files, which hold the keys
// themselves, never pay for normalisation.
func (t *lookupTables) lookupCode(idx int, s string) (string, bool) {
	m := t.values[idx]
	if k, ok := m[s]; ok {
		return k, true
	}
	k, ok := m[normValue(s)]
	return k, ok
}

// lookupHeader resolves a header cell to a column index.
func (t *lookupTables) lookupHeader(s string) (int, bool) {
	i, ok := t.header[normHeader(s)]
	return i, ok
}

// normValue folds the differences people make when typing a value by hand:
// surrounding space, letter case, spaces, separators between words and
// decomposed Hangul (macOS writes NFD).
func normValue(s string) string {
	s = nfc(strings.TrimSpace(s))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '_' || r == '-' || r == '·' || r == '・' || r == '/' || r == '.' || r == '\uFEFF':
			continue
		case unicode.IsSpace(r):
			continue
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// normHeader additionally drops what templates decorate headers with: a
// leading or trailing asterisk marking required columns and a unit or note
// in brackets, as in "피해금액(원)" or "claimed_amount [KRW]".
func normHeader(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "\uFEFF"))
	s = strings.Trim(s, "*")
	for _, pair := range [...][2]string{{"(", ")"}, {"[", "]"}, {"（", "）"}} {
		if i := strings.Index(s, pair[0]); i > 0 && strings.HasSuffix(strings.TrimSpace(s), pair[1]) {
			s = s[:i]
		}
	}
	return normValue(s)
}

// nfc composes Hangul only when needed. Nearly every cell is ASCII or
// precomposed Hangul syllables, which are already NFC as long as no
// conjoining jamo follows; checking those ranges by hand avoids the general
// (and, on a million rows, measurable) normalisation quick check.
func nfc(s string) string {
	if simplyComposed(s) || norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

// simplyComposed reports whether s holds only code points that are NFC on
// their own and cannot combine with a neighbour: ASCII, Hangul syllables,
// Hangul compatibility jamo, CJK symbols and common punctuation.
func simplyComposed(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= 0xAC00 && r <= 0xD7A3, // Hangul syllables
			r >= 0x3130 && r <= 0x318F,                             // compatibility jamo
			r >= 0x3000 && r <= 0x3029, r >= 0x3030 && r <= 0x303F, // CJK symbols, minus the combining tone marks
			r >= 0x2010 && r <= 0x2027,                // dashes, quotes, ellipsis
			r == 0x00B7 || r == 0x20A9 || r == 0xFFE6: // middle dot, won signs
		default:
			return false
		}
		i += size
	}
	return true
}
