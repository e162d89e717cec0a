package reportfile

// Canonical column names, fixed by the API contract.
const (
	ColReceivedAt     = "received_at"
	ColChannel        = "channel"
	ColReporterType   = "reporter_type"
	ColService        = "service"
	ColPaid           = "paid"
	ColDamageType     = "damage_type"
	ColClaimedAmount  = "claimed_amount"
	ColOutageHours    = "outage_hours"
	ColRegion         = "region"
	ColSector         = "sector"
	ColEvidence       = "evidence"
	ColName           = "name"
	ColPhone          = "phone"
	ColEmail          = "email"
	ColBusinessNumber = "business_number"
	ColDescription    = "description"
)

// column describes one canonical column of the import file.
type column struct {
	name     string
	ko       string   // the Korean header the generator and templates write
	required bool     // the header must be present
	aliases  []string // Korean and English spellings accepted besides name and ko
}

// Column indexes into columns(); the reader keeps per-column state in
// fixed-size arrays indexed by these, which avoids maps on the hot path.
const (
	idxReceivedAt = iota
	idxChannel
	idxReporterType
	idxService
	idxPaid
	idxDamageType
	idxClaimedAmount
	idxOutageHours
	idxRegion
	idxSector
	idxEvidence
	idxName
	idxPhone
	idxEmail
	idxBusinessNumber
	idxDescription
	numColumns
)

// columns lists the canonical columns in file order.
//
// Required columns are those without which a report cannot be counted in
// every published dimension. Channel, outage hours, sector, evidence and the
// personal fields other than the identifying ones may be left out of a
// hand-made file. Phone and business number are each optional as columns,
// but the header needs at least one of them and every row needs a value in
// one of them: without it the reporter cannot be told apart from others,
// and statistics count distinct reporters.
func columns() [numColumns]column {
	return [numColumns]column{
		{ColReceivedAt, "접수일", true, []string{"접수일자", "접수날짜", "접수 일자", "접수일시", "received", "date received", "received date"}},
		{ColChannel, "접수경로", false, []string{"채널", "접수채널", "접수방법", "접수 방법"}},
		{ColReporterType, "신고자유형", true, []string{"신고인 유형", "신고인유형", "신고자 유형", "신청인유형", "피해자유형", "신고자구분"}},
		{ColService, "서비스", true, []string{"서비스명", "피해서비스"}},
		{ColPaid, "유료여부", true, []string{"유료·무료", "유료/무료", "유무료", "유료 여부"}},
		{ColDamageType, "피해유형", true, []string{"피해 유형", "피해종류"}},
		{ColClaimedAmount, "피해금액", true, []string{"청구금액", "피해액", "신청금액", "claimed amount", "amount"}},
		{ColOutageHours, "장애시간", false, []string{"장애 시간", "장애지속시간", "피해시간", "outage hours"}},
		{ColRegion, "지역", true, []string{"시도", "시·도", "소재지"}},
		{ColSector, "업종", false, nil},
		{ColEvidence, "증빙", false, []string{"증빙여부", "증빙자료", "증빙서류"}},
		{ColName, "이름", false, []string{"성명", "신청인", "신고자명"}},
		{ColPhone, "전화번호", false, []string{"연락처", "휴대전화", "휴대폰번호", "휴대폰", "핸드폰", "telephone", "mobile"}},
		{ColEmail, "이메일", false, []string{"전자우편", "e-mail", "메일", "이메일주소"}},
		{ColBusinessNumber, "사업자등록번호", false, []string{"사업자번호", "business registration number"}},
		{ColDescription, "피해내용", false, []string{"내용", "피해 내용", "상세내용"}},
	}
}

// CanonicalColumns returns the canonical column names in file order.
func CanonicalColumns() []string {
	cols := columns()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return names
}

// KoreanColumns returns the preferred Korean header for each canonical
// column, in the same order as CanonicalColumns; templates use it.
func KoreanColumns() []string {
	cols := columns()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.ko
	}
	return names
}

// RequiredColumns returns the columns whose header must be present. Either
// phone or business_number must be present too; see the package doc.
func RequiredColumns() []string {
	var names []string
	for _, c := range columns() {
		if c.required {
			names = append(names, c.name)
		}
	}
	return names
}
