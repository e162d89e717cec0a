package reportfile

import "time"

// KST is Korea Standard Time. A fixed zone rather than time.LoadLocation so
// the package works on hosts without tzdata; Korea has had no daylight saving
// since 1988.
var kst = time.FixedZone("KST", 9*60*60)

// KoreaTime returns the zone used for every date in this package.
func KoreaTime() *time.Location { return kst }

// The intake period: reports were received from 19 October to 6 November
// 2022, both days included, in Korea time.
var (
	intakeFirst = time.Date(2022, time.October, 19, 0, 0, 0, 0, kst)
	intakeLast  = time.Date(2022, time.November, 6, 0, 0, 0, 0, kst)
)

// The intake period as calendar dates in Korea, both days included, and
// its length in days.
const (
	IntakeFirstDate = "2022-10-19"
	IntakeLastDate  = "2022-11-06"
	IntakeDays      = 19
)

// IntakeFirstDay returns midnight KST of the first day reports were received.
func IntakeFirstDay() time.Time { return intakeFirst }

// IntakeLastDay returns midnight KST of the last day reports were received.
func IntakeLastDay() time.Time { return intakeLast }

// InIntake reports whether t falls on a day of the intake period in Korea.
func InIntake(t time.Time) bool {
	d := dayOf(t)
	return !d.Before(intakeFirst) && !d.After(intakeLast)
}

// dayOf truncates t to midnight of its Korean calendar day.
func dayOf(t time.Time) time.Time {
	y, m, d := t.In(kst).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, kst)
}

// Week is an ISO week clipped to the intake period.
type Week struct {
	Code
	First time.Time // midnight KST of the first intake day in the week
	Last  time.Time // midnight KST of the last intake day in the week
}

// Week keys are ISO 8601 week names so they sort and mean the same thing
// anywhere.
const (
	Week42 = "2022-W42"
	Week43 = "2022-W43"
	Week44 = "2022-W44"
)

// Weeks returns the intake weeks in order. The first is short: the intake
// opened on a Wednesday.
func Weeks() []Week {
	day := func(m time.Month, d int) time.Time { return time.Date(2022, m, d, 0, 0, 0, 0, kst) }
	return []Week{
		{Code{Week42, "10/19–10/23", "10/19–10/23"}, day(time.October, 19), day(time.October, 23)},
		{Code{Week43, "10/24–10/30", "10/24–10/30"}, day(time.October, 24), day(time.October, 30)},
		{Code{Week44, "10/31–11/6", "10/31–11/6"}, day(time.October, 31), day(time.November, 6)},
	}
}

// WeekDimension returns the weeks as a dimension.
func WeekDimension() Dimension {
	weeks := Weeks()
	codes := make([]Code, len(weeks))
	for i, w := range weeks {
		codes[i] = w.Code
	}
	return Dimension{Key: DimWeek, Ko: "접수 주", En: "Week received", Codes: codes}
}

// WeekFor returns the week key of t's Korean calendar day, or "" outside the
// intake period.
func WeekFor(t time.Time) string {
	if !InIntake(t) {
		return ""
	}
	year, week := dayOf(t).ISOWeek()
	if year != 2022 {
		return ""
	}
	switch week {
	case 42:
		return Week42
	case 43:
		return Week43
	case 44:
		return Week44
	}
	return ""
}
