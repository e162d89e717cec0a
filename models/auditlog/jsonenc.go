package auditlog

import (
	"time"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string under the rules of the canonical
// encoding (see doc.go): only '"', '\\' and U+0000..U+001F are escaped, the
// latter always as \u00xx with lowercase hex, and each byte that is not part
// of valid UTF-8 becomes U+FFFD. These rules are ours rather than
// encoding/json's because the standard library's escaping has changed between
// releases, and a hash format must not.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for len(s) > 0 {
		n, nonASCII := scanPlain(s)
		if nonASCII && !utf8.ValidString(s[:n]) {
			dst = appendReplacingInvalid(dst, s[:n])
		} else {
			dst = append(dst, s[:n]...)
		}
		if n == len(s) {
			break
		}
		switch c := s[n]; c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		s = s[n+1:]
	}
	return append(dst, '"')
}

// appendReplacingInvalid copies s, writing U+FFFD for each byte that is not
// part of a valid UTF-8 sequence (as encoding/json does).
func appendReplacingInvalid(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// TimeLayout is how times appear in canonical bytes and exports: UTC, always
// six fractional digits. Microseconds because PostgreSQL stores no more, so
// a time read back from the database hashes the same as the one written.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// canonicalTime is the instant that gets hashed for t.
func canonicalTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// appendTime writes t in TimeLayout. It formats by hand because this runs
// once per event during verification of large exports; years outside
// 0..9999 (never valid in a record) fall back to the library formatter.
func appendTime(dst []byte, t time.Time) []byte {
	t = canonicalTime(t)
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, TimeLayout)
	}
	hour, minute, sec := t.Clock()
	micro := t.Nanosecond() / 1000
	dst = appendDigits(dst, year, 4)
	dst = append(dst, '-')
	dst = appendDigits(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendDigits(dst, day, 2)
	dst = append(dst, 'T')
	dst = appendDigits(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, minute, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, sec, 2)
	dst = append(dst, '.')
	dst = appendDigits(dst, micro, 6)
	return append(dst, 'Z')
}

func appendDigits(dst []byte, v, width int) []byte {
	var buf [8]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, buf[:width]...)
}

// parseTime reads a time written by appendTime without going through
// time.Parse, falling back to full RFC 3339 for anything else so that a
// hand-edited but equivalent time still verifies. exact reports that s is
// already what appendTime would write for the result.
func parseTime(s []byte) (t time.Time, exact bool, err error) {
	if t, ok := parseTimeExact(s); ok {
		return t, true, nil
	}
	t, err = time.Parse(time.RFC3339Nano, string(s))
	if err != nil {
		return time.Time{}, false, err
	}
	return t.UTC(), false, nil
}

// parseTimeExact reads s if it is exactly what appendTime writes.
func parseTimeExact(s []byte) (time.Time, bool) {
	if len(s) != len(TimeLayout) || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
		s[13] != ':' || s[16] != ':' || s[19] != '.' || s[26] != 'Z' {
		return time.Time{}, false
	}
	// Every other position is a digit: check each once, then the fields
	// are plain arithmetic.
	for _, k := range timeDigits {
		if s[k]-'0' > 9 {
			return time.Time{}, false
		}
	}
	d := func(k int) int { return int(s[k] - '0') }
	year := d(0)*1000 + d(1)*100 + d(2)*10 + d(3)
	month, day := d(5)*10+d(6), d(8)*10+d(9)
	hour, minute, sec := d(11)*10+d(12), d(14)*10+d(15), d(17)*10+d(18)
	micro := d(20)*100000 + d(21)*10000 + d(22)*1000 + d(23)*100 + d(24)*10 + d(25)
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour >= 24 || minute >= 60 || sec >= 60 {
		return time.Time{}, false
	}
	// time.Date would normalise and look up the zone; the fields are valid
	// and in UTC, so the instant is plain arithmetic.
	secs := daysSinceEpoch(year, month, day)*86400 + int64(hour*3600+minute*60+sec)
	return time.Unix(secs, int64(micro)*1000).UTC(), true
}

// daysSinceEpoch is the number of days from 1970-01-01 to the given date of
// the proleptic Gregorian calendar (Howard Hinnant's days_from_civil).
func daysSinceEpoch(year, month, day int) int64 {
	y := int64(year)
	if month <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := int64(month) + 9 // months counted from March
	if month > 2 {
		mp = int64(month) - 3
	}
	doy := (153*mp+2)/5 + int64(day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// timeDigits are the positions of digits in TimeLayout.
var timeDigits = [...]int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25}

func daysIn(month, year int) int {
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		return 29
	}
	return int("\x1f\x1c\x1f\x1e\x1f\x1e\x1f\x1f\x1e\x1f\x1e\x1f"[month-1])
}
