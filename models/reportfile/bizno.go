package reportfile

// ValidBusinessNumber checks the check digit of a Korean business
// registration number (사업자등록번호) given as exactly ten digits.
//
// The number is 3 digits of tax office, 2 of business kind, 4 of serial and
// a check digit d10. With weights 1,3,7,1,3,7,1,3,5 on d1..d9:
//
//	sum = Σ di·wi + ⌊d9·5 / 10⌋
//	d10 = (10 − sum mod 10) mod 10
//
// The extra ⌊d9·5/10⌋ term is the tens digit of the last product, which the
// National Tax Service algorithm adds back in. The check only catches typos;
// it says nothing about whether the business exists.
func ValidBusinessNumber(digits string) bool {
	if len(digits) != 10 {
		return false
	}
	var d [10]int
	for i := 0; i < 10; i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return false
		}
		d[i] = int(c - '0')
	}
	return BusinessCheckDigit(d[:9]) == d[9]
}

// BusinessCheckDigit computes the check digit for the first nine digits of a
// business registration number; it returns -1 for malformed input.
func BusinessCheckDigit(first9 []int) int {
	if len(first9) != 9 {
		return -1
	}
	weights := [9]int{1, 3, 7, 1, 3, 7, 1, 3, 5}
	sum := 0
	for i, v := range first9 {
		if v < 0 || v > 9 {
			return -1
		}
		sum += v * weights[i]
	}
	sum += first9[8] * 5 / 10
	return (10 - sum%10) % 10
}
