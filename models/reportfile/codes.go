package reportfile

import "strings"

// Code is one value of a closed dimension: a stable key that is stored and
// exchanged, plus the labels people read.
type Code struct {
	Key string
	Ko  string
	En  string
}

// Label returns the label for a language tag; anything that is not English
// gets Korean, the product's default language.
func (c Code) Label(lang string) string {
	return pickLabel(lang, c.Ko, c.En)
}

// Dimension is a closed list of codes in the order the UI and the statistics
// catalogue show them.
type Dimension struct {
	Key   string
	Ko    string
	En    string
	Codes []Code
}

// Label returns the dimension's name for a language tag.
func (d Dimension) Label(lang string) string {
	return pickLabel(lang, d.Ko, d.En)
}

// Has reports whether key is one of the dimension's codes.
func (d Dimension) Has(key string) bool {
	_, ok := d.Lookup(key)
	return ok
}

// Lookup returns the code with the given key.
func (d Dimension) Lookup(key string) (Code, bool) {
	for _, c := range d.Codes {
		if c.Key == key {
			return c, true
		}
	}
	return Code{}, false
}

// Keys returns the code keys in display order.
func (d Dimension) Keys() []string {
	keys := make([]string, len(d.Codes))
	for i, c := range d.Codes {
		keys[i] = c.Key
	}
	return keys
}

func pickLabel(lang, ko, en string) string {
	l := strings.ToLower(strings.TrimSpace(lang))
	if l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
		return en
	}
	return ko
}

// Dimension keys. They double as the canonical column names where a column
// carries the dimension, and as the statistics API's dimension names.
const (
	DimReporterType = "reporter_type"
	DimService      = "service"
	DimPaid         = "paid"
	DimDamageType   = "damage_type"
	DimAmountBand   = "amount_band"
	DimRegion       = "region"
	DimWeek         = "week"
	DimSector       = "sector"
	DimEvidence     = "evidence"
	DimChannel      = "channel"
)

// Reporter types (contract: reporter_type).
const (
	ReporterIndividual    = "individual"
	ReporterSmallMerchant = "small_merchant"
	ReporterSME           = "sme"
	ReporterLargeCompany  = "large_company"
)

// Services (contract: service).
const (
	ServiceKakaoTalk   = "kakaotalk"
	ServiceTalkChannel = "talk_channel"
	ServiceKakaoT      = "kakao_t"
	ServiceKakaoPay    = "kakao_pay"
	ServiceKakaoMap    = "kakao_map"
	ServiceDaumMail    = "daum_mail"
	ServiceKakaoPage   = "kakao_page"
	ServiceKakaoGift   = "kakao_gift"
	ServiceOther       = "other"
)

// Paid or free service (contract: paid).
const (
	PaidPaid = "paid"
	PaidFree = "free"
)

// Damage types (contract: damage_type).
const (
	DamageLostSales        = "lost_sales"
	DamageExtraCost        = "extra_cost"
	DamageLostData         = "lost_data"
	DamageCancelledBooking = "cancelled_booking"
	DamageNonMonetary      = "non_monetary"
	DamageOther            = "other"
)

// Sectors (contract: sector; empty is allowed and means "not a business" or
// "not stated").
const (
	SectorFood      = "food"
	SectorServices  = "services"
	SectorTransport = "transport"
	SectorRetail    = "retail"
	SectorOther     = "other"
)

// Evidence (contract: evidence).
const (
	EvidenceYes = "yes"
	EvidenceNo  = "no"
)

// Channels. The contract names the column but not its codes, so these are
// ours; new ones may be added, none renamed.
const (
	ChannelWeb   = "web"
	ChannelApp   = "app"
	ChannelPhone = "phone"
	ChannelEmail = "email"
	ChannelPost  = "post"
	ChannelVisit = "visit"
	ChannelOther = "other"
)

// Regions: the 17 first-level divisions (시·도).
const (
	RegionSeoul     = "seoul"
	RegionBusan     = "busan"
	RegionDaegu     = "daegu"
	RegionIncheon   = "incheon"
	RegionGwangju   = "gwangju"
	RegionDaejeon   = "daejeon"
	RegionUlsan     = "ulsan"
	RegionSejong    = "sejong"
	RegionGyeonggi  = "gyeonggi"
	RegionGangwon   = "gangwon"
	RegionChungbuk  = "chungbuk"
	RegionChungnam  = "chungnam"
	RegionJeonbuk   = "jeonbuk"
	RegionJeonnam   = "jeonnam"
	RegionGyeongbuk = "gyeongbuk"
	RegionGyeongnam = "gyeongnam"
	RegionJeju      = "jeju"
)

// IsBusiness reports whether a reporter type is a business, for which sector
// and business number are meaningful.
func IsBusiness(reporterType string) bool {
	switch reporterType {
	case ReporterSmallMerchant, ReporterSME, ReporterLargeCompany:
		return true
	}
	return false
}

// IsMonetary reports whether a damage type claims money.
func IsMonetary(damageType string) bool {
	return damageType != DamageNonMonetary && damageType != ""
}

// Each accessor builds a fresh value so that no caller can change what
// another caller sees; the lists are small, so the copies cost nothing that
// matters.

// ReporterTypes returns the reporter_type dimension.
func ReporterTypes() Dimension {
	return Dimension{Key: DimReporterType, Ko: "신고자 유형", En: "Reporter type", Codes: []Code{
		{ReporterIndividual, "개인", "Individual"},
		{ReporterSmallMerchant, "소상공인", "Small merchant"},
		{ReporterSME, "스타트업·중소기업", "Startup / SME"},
		{ReporterLargeCompany, "중견·대기업", "Mid-size / large company"},
	}}
}

// Services returns the service dimension.
func Services() Dimension {
	return Dimension{Key: DimService, Ko: "서비스", En: "Service", Codes: []Code{
		{ServiceKakaoTalk, "카카오톡", "KakaoTalk"},
		{ServiceTalkChannel, "카카오톡 채널", "Talk Channel"},
		{ServiceKakaoT, "카카오 T", "Kakao T"},
		{ServiceKakaoPay, "카카오페이", "Kakao Pay"},
		{ServiceKakaoMap, "카카오맵", "Kakao Map"},
		{ServiceDaumMail, "다음 메일", "Daum Mail"},
		{ServiceKakaoPage, "카카오페이지·웹툰", "KakaoPage / Webtoon"},
		{ServiceKakaoGift, "카카오톡 선물하기", "Kakao Gift"},
		{ServiceOther, "기타", "Other"},
	}}
}

// PaidValues returns the paid dimension.
func PaidValues() Dimension {
	return Dimension{Key: DimPaid, Ko: "유료·무료", En: "Paid or free", Codes: []Code{
		{PaidPaid, "유료", "Paid"},
		{PaidFree, "무료", "Free"},
	}}
}

// DamageTypes returns the damage_type dimension.
func DamageTypes() Dimension {
	return Dimension{Key: DimDamageType, Ko: "피해 유형", En: "Damage type", Codes: []Code{
		{DamageLostSales, "영업 손실", "Lost sales"},
		{DamageExtraCost, "추가 비용", "Extra cost"},
		{DamageLostData, "데이터 손실", "Lost data"},
		{DamageCancelledBooking, "예약 취소", "Cancelled booking"},
		{DamageNonMonetary, "비금전적 피해", "Non-monetary"},
		{DamageOther, "기타", "Other"},
	}}
}

// Regions returns the region dimension in the official order of the 시·도.
func Regions() Dimension {
	return Dimension{Key: DimRegion, Ko: "지역", En: "Region", Codes: []Code{
		{RegionSeoul, "서울", "Seoul"},
		{RegionBusan, "부산", "Busan"},
		{RegionDaegu, "대구", "Daegu"},
		{RegionIncheon, "인천", "Incheon"},
		{RegionGwangju, "광주", "Gwangju"},
		{RegionDaejeon, "대전", "Daejeon"},
		{RegionUlsan, "울산", "Ulsan"},
		{RegionSejong, "세종", "Sejong"},
		{RegionGyeonggi, "경기", "Gyeonggi"},
		{RegionGangwon, "강원", "Gangwon"},
		{RegionChungbuk, "충북", "North Chungcheong"},
		{RegionChungnam, "충남", "South Chungcheong"},
		{RegionJeonbuk, "전북", "North Jeolla"},
		{RegionJeonnam, "전남", "South Jeolla"},
		{RegionGyeongbuk, "경북", "North Gyeongsang"},
		{RegionGyeongnam, "경남", "South Gyeongsang"},
		{RegionJeju, "제주", "Jeju"},
	}}
}

// Sectors returns the sector dimension.
func Sectors() Dimension {
	return Dimension{Key: DimSector, Ko: "업종", En: "Sector", Codes: []Code{
		{SectorFood, "음식점업", "Food service"},
		{SectorServices, "서비스업", "Services"},
		{SectorTransport, "운수업", "Transport"},
		{SectorRetail, "소매업", "Retail"},
		{SectorOther, "기타", "Other"},
	}}
}

// EvidenceValues returns the evidence dimension.
func EvidenceValues() Dimension {
	return Dimension{Key: DimEvidence, Ko: "증빙", En: "Evidence", Codes: []Code{
		{EvidenceYes, "있음", "Provided"},
		{EvidenceNo, "없음", "Not provided"},
	}}
}

// Channels returns the channel dimension.
func Channels() Dimension {
	return Dimension{Key: DimChannel, Ko: "접수 경로", En: "Channel", Codes: []Code{
		{ChannelWeb, "웹 접수", "Web form"},
		{ChannelApp, "앱 접수", "App"},
		{ChannelPhone, "전화", "Phone"},
		{ChannelEmail, "이메일", "E-mail"},
		{ChannelPost, "우편", "Post"},
		{ChannelVisit, "방문", "In person"},
		{ChannelOther, "기타", "Other"},
	}}
}

// Dimensions returns every closed dimension in a stable order: first the
// ones the statistics contract requires, then the rest.
func Dimensions() []Dimension {
	return []Dimension{
		Services(),
		ReporterTypes(),
		DamageTypes(),
		PaidValues(),
		AmountBandDimension(),
		Regions(),
		WeekDimension(),
		Sectors(),
		EvidenceValues(),
		Channels(),
	}
}

// DimensionByKey returns one dimension by its key.
func DimensionByKey(key string) (Dimension, bool) {
	for _, d := range Dimensions() {
		if d.Key == key {
			return d, true
		}
	}
	return Dimension{}, false
}
