package reportfile

// descTemplate is a short Korean description with at most one slot, kept
// as two halves so writing it costs two appends.
type descTemplate struct {
	pre, post string
	slot      int // slotNone, slotService, slotHours or slotAmount
}

const (
	slotNone = iota
	slotService
	slotHours
	slotAmount
)

// descriptions holds the templates by kind of report; text, damage type
// and service agree so that the demo reads plausibly.
type descriptions struct {
	nonMonetary []descTemplate
	individual  map[string][]descTemplate // by damage type
	business    map[string][]descTemplate // by damage type
	byService   map[string][]descTemplate // lost sales, extra cost or other damage on that service
}

func genDescriptions() descriptions {
	return descriptions{
		nonMonetary: []descTemplate{
			{"", " 접속이 안 되어 가족과 연락하지 못했습니다.", slotService},
			{"", " 장애로 업무 연락이 끊겨 불편했습니다.", slotService},
			{"단체 대화방 공지를 확인하지 못해 일정에 차질이 생겼습니다.", "", slotNone},
			{"장애 원인과 재발 방지 대책을 알고 싶습니다.", "", slotNone},
			{"복구에 힘써 주신 분들 고생 많으셨습니다.", "", slotNone},
			{"로그인이 ", "시간 동안 되지 않았습니다.", slotHours},
			{"사진과 파일 전송이 안 되어 불편을 겪었습니다.", "", slotNone},
			{"보상 기준이 어떻게 되는지 문의드립니다.", "", slotNone},
			{"", " 알림이 늦게 와서 중요한 연락을 놓쳤습니다.", slotService},
		},
		individual: map[string][]descTemplate{
			DamageExtraCost: {
				{"", " 장애로 추가 비용이 들었습니다.", slotService},
				{"다른 방법을 찾느라 약 ", "원이 더 들었습니다.", slotAmount},
			},
			DamageLostData:         {{"저장해 둔 자료가 사라져 다시 작업해야 했습니다.", "", slotNone}},
			DamageCancelledBooking: {{"예약 확인 메시지를 받지 못해 예약이 취소되었습니다.", "", slotNone}},
			DamageLostSales:        {{"부업으로 하는 판매가 막혀 약 ", "원의 수입을 놓쳤습니다.", slotAmount}},
			DamageOther:            {{"이용하지 못한 기간만큼 약 ", "원을 손해 보았습니다.", slotAmount}},
		},
		business: map[string][]descTemplate{
			DamageLostSales: {
				{"장애 기간 매출이 평소보다 약 ", "원 줄었습니다.", slotAmount},
				{"매장 운영 연락이 끊겨 ", "시간 동안 영업에 지장이 있었습니다.", slotHours},
			},
			DamageCancelledBooking: {{"예약 알림톡이 나가지 않아 예약 손님이 오지 않았습니다.", "", slotNone}},
			DamageExtraCost:        {{"주문을 전화로 받느라 인력을 더 써야 했습니다.", "", slotNone}},
			DamageLostData:         {{"고객 상담 기록과 주문 내역 일부가 사라졌습니다.", "", slotNone}},
			DamageOther:            {{"장애로 약 ", "원의 손해를 보았습니다.", slotAmount}},
		},
		byService: map[string][]descTemplate{
			ServiceTalkChannel: {{"카카오톡 채널 주문이 ", "시간 동안 들어오지 않았습니다.", slotHours}},
			ServiceKakaoT:      {{"카카오 T 호출이 ", "시간 동안 되지 않았습니다.", slotHours}},
			ServiceKakaoPay:    {{"카카오페이 결제가 되지 않아 약 ", "원 상당의 거래를 놓쳤습니다.", slotAmount}},
			ServiceKakaoGift:   {{"선물하기 상품권과 주문 처리가 기한 안에 되지 않았습니다.", "", slotNone}},
			ServiceKakaoPage:   {{"웹툰 이용권 시간이 장애 중에도 그대로 차감되었습니다.", "", slotNone}},
			ServiceKakaoMap:    {{"지도에 가게 정보가 보이지 않아 손님이 줄었습니다.", "", slotNone}},
			ServiceDaumMail:    {{"다음 메일이 ", "시간 넘게 열리지 않아 업무 메일을 받지 못했습니다.", slotHours}},
		},
	}
}
