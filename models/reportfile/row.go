package reportfile

import "time"

// Row is one validated report. Codes are canonical keys; personal fields
// are normalised so that equal values compare equal.
type Row struct {
	Line int // row number as Excel shows it; the header row is 1

	ReceivedAt    time.Time // midnight KST of the day received
	Channel       string    // channel code; ChannelOther when the cell or column is empty
	ReporterType  string
	Service       string
	Paid          string // PaidPaid or PaidFree
	DamageType    string
	ClaimedAmount int64   // KRW; 0 for non-monetary reports
	OutageHours   float64 // 0 when the cell or column is empty
	Region        string
	Sector        string // "" when not stated; always "" for individuals
	Evidence      bool

	// Personal data: the caller encrypts these before they reach storage.
	Name           string
	Phone          string // digits only, e.g. 01012345678
	Email          string // domain lower-cased
	BusinessNumber string // ten digits with a valid check digit
	Description    string
}

// AmountBand returns the key of the band of the claimed amount.
func (r Row) AmountBand() string { return BandFor(r.ClaimedAmount) }

// Week returns the key of the intake week the report was received in.
func (r Row) Week() string { return WeekFor(r.ReceivedAt) }

// EvidenceCode returns the evidence dimension's code for the row.
func (r Row) EvidenceCode() string {
	if r.Evidence {
		return EvidenceYes
	}
	return EvidenceNo
}
