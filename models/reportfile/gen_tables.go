package reportfile

// Calibration tables for Generate. Weights are integers (per mille or per
// hundred thousand) so the tables read like the published figures they come
// from (design §6). Each function builds its table afresh; Generate calls
// them once per run.

// weighted is a small discrete distribution over strings.
type weighted struct {
	keys  []string
	cum   []uint64
	total uint64
}

func newWeighted(pairs ...any) weighted {
	var w weighted
	for i := 0; i+1 < len(pairs); i += 2 {
		w.total += uint64(pairs[i+1].(int))
		w.keys = append(w.keys, pairs[i].(string))
		w.cum = append(w.cum, w.total)
	}
	return w
}

func (w weighted) pick(g *genRand) string {
	x := g.below(w.total)
	for i, c := range w.cum {
		if x < c {
			return w.keys[i]
		}
	}
	return w.keys[len(w.keys)-1]
}

// Reporter mix per 100,000 reports: 89.6% individuals, 10.2% small
// merchants, 0.2% mid-size and large companies (split between the SME and
// large codes).
func genReporterTypes() weighted {
	return newWeighted(ReporterIndividual, 89600, ReporterSmallMerchant, 10200, ReporterSME, 140, ReporterLargeCompany, 60)
}

// Regions per mille: capital area 42% (Seoul, Gyeonggi, Incheon),
// Gyeongsang 21%, Jeju 18%, the rest 19%.
func genRegions() weighted {
	return newWeighted(
		RegionSeoul, 190, RegionGyeonggi, 195, RegionIncheon, 35,
		RegionBusan, 60, RegionDaegu, 40, RegionUlsan, 20, RegionGyeongbuk, 40, RegionGyeongnam, 50,
		RegionJeju, 180,
		RegionGwangju, 25, RegionDaejeon, 25, RegionSejong, 8, RegionGangwon, 27,
		RegionChungbuk, 26, RegionChungnam, 32, RegionJeonbuk, 25, RegionJeonnam, 22,
	)
}

// Sectors of businesses per mille: food 27%, services 21%, transport 21%,
// retail 19%.
func genSectors() weighted {
	return newWeighted(SectorFood, 270, SectorServices, 210, SectorTransport, 210, SectorRetail, 190, SectorOther, 120)
}

// Report categories: paid-service damage (17.1% of all reports), money lost
// on a free service (15.1%), non-monetary (67.8%). Businesses are mostly
// monetary; the individuals' shares are solved so that the totals match:
// 0.104·40% + 0.896·14.44% = 17.1%, 0.104·45% + 0.896·11.63% = 15.1%.
const (
	catPaid = "paid"
	catFree = "free_money"
	catNone = "non_monetary"
)

func genCategories(business bool) weighted {
	if business {
		return newWeighted(catPaid, 4000, catFree, 4500, catNone, 1500)
	}
	return newWeighted(catPaid, 1444, catFree, 1163, catNone, 7393)
}

// Services individuals report, per category: KakaoTalk dominates, paid
// content and rides for paid damage.
func genIndividualServices(cat string) weighted {
	switch cat {
	case catPaid:
		return newWeighted(ServiceKakaoPage, 30, ServiceKakaoTalk, 20, ServiceKakaoT, 25, ServiceKakaoGift, 10, ServiceKakaoPay, 5, ServiceOther, 10)
	case catFree:
		return newWeighted(ServiceKakaoTalk, 45, ServiceKakaoT, 15, ServiceKakaoPay, 12, ServiceKakaoMap, 8, ServiceDaumMail, 8, ServiceKakaoGift, 7, ServiceOther, 5)
	}
	return newWeighted(ServiceKakaoTalk, 62, ServiceDaumMail, 8, ServiceKakaoMap, 6, ServiceKakaoT, 7, ServiceKakaoPay, 6, ServiceKakaoPage, 4, ServiceKakaoGift, 3, ServiceTalkChannel, 1, ServiceOther, 3)
}

// Services businesses report, by sector: Talk Channel orders for shops and
// restaurants, Kakao T for drivers.
func genBusinessServices(sector string) weighted {
	switch sector {
	case SectorFood:
		return newWeighted(ServiceTalkChannel, 55, ServiceKakaoPay, 15, ServiceKakaoTalk, 15, ServiceKakaoMap, 8, ServiceKakaoGift, 5, ServiceOther, 2)
	case SectorRetail:
		return newWeighted(ServiceTalkChannel, 40, ServiceKakaoGift, 20, ServiceKakaoPay, 20, ServiceKakaoTalk, 15, ServiceOther, 5)
	case SectorServices:
		return newWeighted(ServiceTalkChannel, 35, ServiceKakaoTalk, 30, ServiceKakaoMap, 15, ServiceKakaoPay, 10, ServiceDaumMail, 5, ServiceOther, 5)
	case SectorTransport:
		return newWeighted(ServiceKakaoT, 85, ServiceKakaoTalk, 7, ServiceKakaoMap, 5, ServiceOther, 3)
	}
	return newWeighted(ServiceTalkChannel, 30, ServiceKakaoTalk, 30, ServiceKakaoPay, 15, ServiceDaumMail, 10, ServiceOther, 15)
}

func genDamageTypes(business, transport bool) weighted {
	switch {
	case transport:
		return newWeighted(DamageLostSales, 85, DamageExtraCost, 8, DamageCancelledBooking, 4, DamageOther, 3)
	case business:
		return newWeighted(DamageLostSales, 68, DamageCancelledBooking, 14, DamageExtraCost, 10, DamageLostData, 3, DamageOther, 5)
	}
	return newWeighted(DamageExtraCost, 35, DamageCancelledBooking, 15, DamageLostData, 12, DamageLostSales, 6, DamageOther, 32)
}

func genChannels() weighted {
	return newWeighted(ChannelWeb, 720, ChannelApp, 120, ChannelPhone, 110, ChannelEmail, 40, ChannelPost, 5, ChannelVisit, 5)
}

// amountModel is a log-normal claim: median in won and spread.
type amountModel struct {
	median float64
	sigma  float64
}

// Medians put half of the small merchants under the ₩300,000 line of the
// December 2022 criteria; companies claim orders of magnitude more, which
// gives the long tail that makes the p% dominance rule bite.
func genAmountModel(reporterType, cat string) amountModel {
	switch reporterType {
	case ReporterSmallMerchant:
		return amountModel{250_000, 1.0}
	case ReporterSME:
		return amountModel{2_000_000, 1.3}
	case ReporterLargeCompany:
		return amountModel{20_000_000, 1.5}
	}
	if cat == catPaid {
		return amountModel{15_000, 1.1}
	}
	return amountModel{30_000, 1.4}
}

// Typical outage hours per service: KakaoTalk messaging came back within
// about a day, Daum Mail took days.
func genOutageBase(service string) float64 {
	switch service {
	case ServiceKakaoTalk:
		return 10
	case ServiceTalkChannel:
		return 14
	case ServiceKakaoT:
		return 10
	case ServiceKakaoPay:
		return 12
	case ServiceKakaoMap:
		return 26
	case ServiceDaumMail:
		return 60
	case ServiceKakaoPage:
		return 20
	case ServiceKakaoGift:
		return 16
	}
	return 18
}

// Names are made up from common surnames and given-name syllables; any
// resemblance to a real person is chance. Surnames carry rough frequencies
// and a romanisation for e-mail addresses.
type surname struct {
	hangul string
	roman  string
	weight int
}

func genSurnames() []surname {
	return []surname{
		{"김", "kim", 215}, {"이", "lee", 147}, {"박", "park", 84}, {"최", "choi", 47}, {"정", "jung", 44},
		{"강", "kang", 23}, {"조", "cho", 21}, {"윤", "yoon", 20}, {"장", "jang", 20}, {"임", "lim", 17},
		{"한", "han", 15}, {"오", "oh", 15}, {"서", "seo", 15}, {"신", "shin", 14}, {"권", "kwon", 14},
		{"황", "hwang", 13}, {"안", "ahn", 13}, {"송", "song", 13}, {"류", "ryu", 12}, {"전", "jeon", 11},
		{"홍", "hong", 11}, {"고", "ko", 9}, {"문", "moon", 9}, {"양", "yang", 8}, {"손", "son", 8},
		{"배", "bae", 8}, {"백", "baek", 8}, {"허", "heo", 6}, {"유", "yoo", 6}, {"남", "nam", 6},
	}
}

func genGivenFirst() []string {
	return []string{"민", "서", "지", "현", "수", "준", "영", "하", "예", "도", "시", "유", "은", "재", "성", "진", "우", "태", "동", "정", "혜", "승", "가", "나", "다", "소", "윤", "주", "경", "상"}
}

func genGivenSecond() []string {
	return []string{"준", "서", "우", "연", "민", "윤", "아", "진", "호", "은", "희", "수", "영", "원", "빈", "율", "훈", "현", "석", "경", "혁", "미", "지", "주", "린", "채", "솔", "결"}
}

// rareCase is a deliberately unusual combination placed a few times in every
// large enough data set, so that small-cell suppression visibly happens in
// the demo tables.
type rareCase struct {
	reporterType, region, service, sector, damage, paid string
	reporters, reports                                  int
	median                                              float64
}

func genRareCases() []rareCase {
	return []rareCase{
		{ReporterLargeCompany, RegionSejong, ServiceKakaoGift, SectorRetail, DamageLostSales, PaidPaid, 2, 3, 40_000_000},
		{ReporterSME, RegionJeju, ServiceDaumMail, SectorServices, DamageLostData, PaidFree, 1, 2, 3_000_000},
		{ReporterSME, RegionGangwon, ServiceKakaoMap, SectorOther, DamageCancelledBooking, PaidFree, 2, 2, 1_500_000},
		{ReporterLargeCompany, RegionJeonnam, ServiceKakaoPage, SectorServices, DamageExtraCost, PaidPaid, 1, 1, 12_000_000},
	}
}
