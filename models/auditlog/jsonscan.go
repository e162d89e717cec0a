package auditlog

import (
	"errors"
	"fmt"
)

// maxNesting bounds recursion on hostile input; it matches encoding/json's
// limit so that anything the standard library accepts we accept too.
const maxNesting = 10000

// syntaxError reports where a JSON value stops being valid, so that a
// verification problem can point a person at the offending column.
type syntaxError struct {
	Offset int
	Msg    string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("column %d: %s", e.Offset+1, e.Msg) }

func errAt(i int, format string, args ...any) error {
	return &syntaxError{Offset: i, Msg: fmt.Sprintf(format, args...)}
}

var errTooDeep = errors.New("JSON nested too deeply")

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// scanValue checks the RFC 8259 JSON value starting at b[i] (leading
// whitespace allowed) and returns the index just after it. When out is not
// nil the value is appended to *out with insignificant whitespace removed and
// every other byte kept exactly as written: string escapes are not
// normalised, so "\u00e9" and "é" stay different, which is what makes the
// canonical data field sensitive to any change of content but not of layout.
// Like encoding/json it does not insist on valid UTF-8 inside strings; callers
// that care check that separately.
func scanValue(b []byte, i int, out *[]byte, depth int) (int, error) {
	i = skipSpace(b, i)
	if i >= len(b) {
		return i, errAt(i, "unexpected end of JSON value")
	}
	switch c := b[i]; {
	case c == '{':
		return scanObject(b, i, out, depth+1)
	case c == '[':
		return scanArray(b, i, out, depth+1)
	case c == '"':
		return scanString(b, i, out)
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(b, i, out)
	case c == 't':
		return scanLiteral(b, i, "true", out)
	case c == 'f':
		return scanLiteral(b, i, "false", out)
	case c == 'n':
		return scanLiteral(b, i, "null", out)
	default:
		return i, errAt(i, "invalid character %q looking for a value", c)
	}
}

func emit(out *[]byte, s []byte) {
	if out != nil {
		*out = append(*out, s...)
	}
}

func emitByte(out *[]byte, c byte) {
	if out != nil {
		*out = append(*out, c)
	}
}

func scanObject(b []byte, i int, out *[]byte, depth int) (int, error) {
	if depth > maxNesting {
		return i, errAt(i, "%v", errTooDeep)
	}
	emitByte(out, '{')
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		emitByte(out, '}')
		return i + 1, nil
	}
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != '"' {
			return i, errAt(i, "expected a string key in object")
		}
		var err error
		if i, err = scanString(b, i, out); err != nil {
			return i, err
		}
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ':' {
			return i, errAt(i, "expected ':' after object key")
		}
		emitByte(out, ':')
		if i, err = scanValue(b, i+1, out, depth); err != nil {
			return i, err
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, errAt(i, "unexpected end of object")
		}
		switch b[i] {
		case ',':
			emitByte(out, ',')
			i++
		case '}':
			emitByte(out, '}')
			return i + 1, nil
		default:
			return i, errAt(i, "expected ',' or '}' in object, found %q", b[i])
		}
	}
}

func scanArray(b []byte, i int, out *[]byte, depth int) (int, error) {
	if depth > maxNesting {
		return i, errAt(i, "%v", errTooDeep)
	}
	emitByte(out, '[')
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		emitByte(out, ']')
		return i + 1, nil
	}
	for {
		var err error
		if i, err = scanValue(b, i, out, depth); err != nil {
			return i, err
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, errAt(i, "unexpected end of array")
		}
		switch b[i] {
		case ',':
			emitByte(out, ',')
			i++
		case ']':
			emitByte(out, ']')
			return i + 1, nil
		default:
			return i, errAt(i, "expected ',' or ']' in array, found %q", b[i])
		}
	}
}

// scanString checks the string literal at b[i] (which must be '"') and
// returns the index after its closing quote.
func scanString(b []byte, i int, out *[]byte) (int, error) {
	start := i
	i++
	for {
		n, _ := scanPlain(b[i:])
		i += n
		if i >= len(b) {
			return i, errAt(i, "unterminated string")
		}
		switch b[i] {
		case '"':
			emit(out, b[start:i+1])
			return i + 1, nil
		case '\\':
			if i+1 >= len(b) {
				return i, errAt(i, "unexpected end of string escape")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					return i, errAt(i, "invalid \\u escape")
				}
				i += 6
			default:
				return i, errAt(i, "invalid escape \\%c", b[i+1])
			}
		default:
			return i, errAt(i, "control character %#02x in string", b[i])
		}
	}
}

func isHex4(h []byte) bool {
	for _, c := range h {
		if hexVal(c) < 0 {
			return false
		}
	}
	return true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanNumber follows the RFC 8259 number grammar exactly; a number is copied
// as written because re-formatting numbers is where implementations disagree.
func scanNumber(b []byte, i int, out *[]byte) (int, error) {
	start := i
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return i, errAt(i, "invalid number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return i, errAt(i, "invalid number: digit expected after '.'")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return i, errAt(i, "invalid number: digit expected in exponent")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	emit(out, b[start:i])
	return i, nil
}

func scanLiteral(b []byte, i int, lit string, out *[]byte) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, errAt(i, "invalid literal, expected %s", lit)
	}
	emit(out, b[i:i+len(lit)])
	return i + len(lit), nil
}

// compactJSON appends the compact form of the single JSON value in src to
// dst. It fails if src holds anything but one valid value (surrounding
// whitespace aside); dst is then returned unchanged.
func compactJSON(dst, src []byte) ([]byte, error) {
	out := dst
	i, err := scanValue(src, 0, &out, 0)
	if err != nil {
		return dst, err
	}
	if i = skipSpace(src, i); i != len(src) {
		return dst, errAt(i, "unexpected data after JSON value")
	}
	return out, nil
}
