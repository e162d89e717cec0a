package textdiff

import (
	"unicode"
	"unicode/utf8"
)

// tokenClass drives boundary scoring when edits are aligned; it is a pure
// function of the token text, so equal texts always have equal classes.
type tokenClass uint8

const (
	classWord tokenClass = iota
	classSpace
	classLineBreak
	classPunct
	classInvalid
)

type token struct {
	text  string
	class tokenClass
}

// tokenize cuts s into the units described in the package documentation.
// The tokens are substrings of s and cover it exactly, in order.
func tokenize(s string) []token {
	toks := make([]token, 0, len(s)/4+1)
	for i := 0; i < len(s); {
		n, class := scanToken(s[i:])
		toks = append(toks, token{text: s[i : i+n], class: class})
		i += n
	}
	return toks
}

// scanToken returns the byte length and class of the token at the start of
// the non-empty string s.
func scanToken(s string) (int, tokenClass) {
	r, size := utf8.DecodeRuneInString(s)
	switch {
	case r == utf8.RuneError && size == 1:
		return 1, classInvalid
	case r == '\r':
		if len(s) > 1 && s[1] == '\n' {
			return 2, classLineBreak
		}
		return 1, classLineBreak
	case r == '\n':
		return 1, classLineBreak
	case unicode.IsSpace(r):
		return scanSpace(s), classSpace
	case isUnspacedScript(r):
		return size, classWord
	case isWordRune(r) || isCurrency(r) && unicode.IsDigit(runeAt(s, size)):
		return scanWord(s), classWord
	default:
		return size, classPunct
	}
}

// scanSpace stops at line breaks so that they remain tokens of their own.
func scanSpace(s string) int {
	n := 0
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if r == '\r' || r == '\n' || !unicode.IsSpace(r) {
			break
		}
		n += size
	}
	return n
}

// scanWord returns the length of the word starting s. Besides letters, marks
// and digits it takes the glue that belongs to numbers and contractions, but
// only in context, so that "300,000" and "2022.10.15" stay whole while the
// comma in "가, 나" and a sentence-final period do not.
func scanWord(s string) int {
	n := 0
	prev := rune(-1)
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if r == utf8.RuneError && size == 1 || isUnspacedScript(r) {
			break
		}
		next := runeAt(s, n+size)
		ok := isWordRune(r) ||
			isCurrency(r) && unicode.IsDigit(next) ||
			isNumberSeparator(r) && unicode.IsDigit(prev) && unicode.IsDigit(next) ||
			(r == '%' || r == '‰') && unicode.IsDigit(prev) ||
			(r == '\'' || r == '’') && unicode.IsLetter(prev) && unicode.IsLetter(next)
		if !ok {
			break
		}
		prev = r
		n += size
	}
	return n
}

// runeAt decodes the rune at byte offset i, or -1 past the end, which no
// unicode predicate accepts.
func runeAt(s string, i int) rune {
	if i >= len(s) {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r)
}

func isCurrency(r rune) bool { return unicode.Is(unicode.Sc, r) }

func isNumberSeparator(r rune) bool {
	switch r {
	case ',', '.', ':', '/', '-':
		return true
	}
	return false
}

// isUnspacedScript reports scripts written without spaces between words,
// where a letter run would be a whole clause rather than a word.
func isUnspacedScript(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}
