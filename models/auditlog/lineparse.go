package auditlog

import (
	"errors"
	"fmt"
	"math"
	"unicode/utf16"
	"unicode/utf8"
)

// Verifying an export is dominated by reading its event lines, so they get a
// purpose-built strict JSON reader instead of reflection-based decoding: it
// allocates almost nothing, rejects duplicate members (a line must not say
// two things to two readers) and otherwise decodes exactly as encoding/json
// would. Header and checkpoint lines are rare and go through encoding/json.

// Bits recording which members a line carried.
const (
	fKind uint16 = 1 << iota
	fSeq
	fAt
	fActorID
	fActorName
	fActorRole
	fAction
	fObjectType
	fObjectID
	fData
	fRequestID
	fIP
	fPrevHash
	fHash

	fEventRequired = fSeq | fAt | fActorID | fActorRole | fAction | fObjectType | fObjectID |
		fData | fRequestID | fIP | fPrevHash | fHash
)

// eventFields is an event line as read. Byte slices may point into the line
// or into dataBuf, so they are valid until the next parseLine.
type eventFields struct {
	kind     string
	rec      Record // rec.Data is the compact form of the data member
	hints    canonicalHints
	prevHash []byte
	hash     []byte
	seen     uint16
	dataBuf  []byte // reused across lines
}

// interner shares the strings that repeat across events (roles, actions,
// object types, addresses), so reading a million events does not allocate a
// million copies of "secretariat". Bounded, so hostile input cannot grow it.
type interner struct {
	m map[string]string
	// last holds the string each slot (see readEventFast) gave last time:
	// consecutive events mostly repeat it, and comparing is cheaper than a
	// map look-up.
	last [slots]string
}

const maxInterned = 4096

func (in *interner) str(b []byte) string {
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if in.m == nil {
		in.m = make(map[string]string)
	}
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}

// slot is str for a member that has a slot of its own.
func (in *interner) slot(k int, b []byte) string {
	if string(b) == in.last[k] {
		return in.last[k]
	}
	s := in.str(b)
	in.last[k] = s
	return s
}

// memberBit maps a member name to its bit (0 if unknown), for dispatch and
// duplicate detection.
func memberBit(name []byte) uint16 {
	switch string(name) {
	case "kind":
		return fKind
	case "seq":
		return fSeq
	case "at":
		return fAt
	case "actor_id":
		return fActorID
	case "actor_name":
		return fActorName
	case "actor_role":
		return fActorRole
	case "action":
		return fAction
	case "object_type":
		return fObjectType
	case "object_id":
		return fObjectID
	case "data":
		return fData
	case "request_id":
		return fRequestID
	case "ip":
		return fIP
	case "prev_hash":
		return fPrevHash
	case "hash":
		return fHash
	}
	return 0
}

// parseLine reads one export line into ev. For kinds other than "event" it
// still checks the whole line is one JSON object, and the caller decodes it
// again with encoding/json.
func parseLine(b []byte, ev *eventFields, in *interner) error {
	*ev = eventFields{dataBuf: ev.dataBuf[:0]}
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errAt(i, "expected a JSON object")
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		var err error
		if i, err = parseMembers(b, i, ev, in); err != nil {
			return err
		}
	}
	if i = skipSpace(b, i); i != len(b) {
		return errAt(i, "unexpected data after the JSON object")
	}
	if ev.seen&fKind == 0 {
		return errors.New(`missing member "kind"`)
	}
	if ev.kind == kindEvent && ev.seen&fEventRequired != fEventRequired {
		return fmt.Errorf("missing member %q", missingMember(ev.seen))
	}
	return nil
}

func missingMember(seen uint16) string {
	for _, m := range [...]struct {
		bit  uint16
		name string
	}{
		{fSeq, "seq"}, {fAt, "at"}, {fActorID, "actor_id"}, {fActorRole, "actor_role"},
		{fAction, "action"}, {fObjectType, "object_type"}, {fObjectID, "object_id"}, {fData, "data"},
		{fRequestID, "request_id"}, {fIP, "ip"}, {fPrevHash, "prev_hash"}, {fHash, "hash"},
	} {
		if seen&m.bit == 0 {
			return m.name
		}
	}
	return ""
}

func parseMembers(b []byte, i int, ev *eventFields, in *interner) (int, error) {
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != '"' {
			return i, errAt(i, "expected a member name")
		}
		name, next, err := readString(b, i)
		if err != nil {
			return i, err
		}
		bit := memberBit(name)
		if bit == 0 && memberBit(foldName(name)) != 0 {
			// encoding/json would read this member as the known one, so a
			// line carrying both would mean different things to different
			// readers.
			return i, errAt(i, "member %q differs from a known member only in letter case", name)
		}
		i = skipSpace(b, next)
		if i >= len(b) || b[i] != ':' {
			return i, errAt(i, "expected ':' after member name")
		}
		i = skipSpace(b, i+1)
		if bit != 0 {
			if ev.seen&bit != 0 {
				return i, errAt(i, "duplicate member %q", name)
			}
			ev.seen |= bit
		}
		if i, err = parseMember(b, i, bit, ev, in); err != nil {
			return i, err
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return i, errAt(i, "unexpected end of line inside the object")
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return i + 1, nil
		default:
			return i, errAt(i, "expected ',' or '}', found %q", b[i])
		}
	}
}

func parseMember(b []byte, i int, bit uint16, ev *eventFields, in *interner) (int, error) {
	var err error
	switch bit {
	case fSeq:
		ev.rec.Seq, i, err = readInt(b, i, "seq")
	case fActorID:
		ev.rec.ActorID, i, err = readInt(b, i, "actor_id")
	case fObjectID:
		ev.rec.ObjectID, i, err = readInt(b, i, "object_id")
	case fAt:
		var s []byte
		if s, i, err = readStringValue(b, i, "at"); err == nil {
			var exact bool
			if ev.rec.At, exact, err = parseTime(s); err != nil {
				err = fmt.Errorf("at: %w", err)
			} else if exact {
				ev.hints.atText = s
			}
		}
	case fData:
		// Compacting while checking saves hashing code a second pass.
		if i, err = scanValue(b, i, &ev.dataBuf, 0); err == nil {
			ev.rec.Data = ev.dataBuf
			ev.hints.dataCompact = true
		}
	case fPrevHash:
		ev.prevHash, i, err = readStringValue(b, i, "prev_hash")
	case fHash:
		ev.hash, i, err = readStringValue(b, i, "hash")
	case fKind, fActorName, fActorRole, fAction, fObjectType, fRequestID, fIP:
		var s []byte
		if s, i, err = readStringValue(b, i, "string member"); err == nil {
			setString(ev, bit, s, in)
		}
	default:
		// Unknown members are skipped (but still syntax-checked) so that
		// later versions can add informational fields.
		i, err = scanValue(b, i, nil, 0)
	}
	return i, err
}

func setString(ev *eventFields, bit uint16, s []byte, in *interner) {
	switch bit {
	case fKind:
		ev.kind = in.str(s)
	case fActorName:
		// Informational only: neither hashed nor checked.
	case fActorRole:
		ev.rec.ActorRole = in.str(s)
	case fAction:
		ev.rec.Action = in.str(s)
	case fObjectType:
		ev.rec.ObjectType = in.str(s)
	case fRequestID:
		ev.rec.RequestID = string(s)
	case fIP:
		ev.rec.IP = in.str(s)
	}
}

func readStringValue(b []byte, i int, what string) ([]byte, int, error) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, errAt(i, "%s must be a string", what)
	}
	return readString(b, i)
}

// readInt reads a JSON number that must be an integer fitting in int64.
func readInt(b []byte, i int, what string) (int64, int, error) {
	start := i
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	if i >= len(b) || !isDigit(b[i]) {
		return 0, start, errAt(start, "%s must be an integer", what)
	}
	if b[i] == '0' && i+1 < len(b) && isDigit(b[i+1]) {
		return 0, start, errAt(start, "%s: leading zero", what)
	}
	var v uint64
	for ; i < len(b) && isDigit(b[i]); i++ {
		d := uint64(b[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, start, errAt(start, "%s: integer out of range", what)
		}
		v = v*10 + d
	}
	if i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E') {
		return 0, start, errAt(start, "%s must be an integer", what)
	}
	switch {
	case !neg && v <= math.MaxInt64:
		return int64(v), i, nil
	case neg && v <= math.MaxInt64+1:
		return int64(-v), i, nil
	}
	return 0, start, errAt(start, "%s: integer out of range", what)
}

// readString decodes the JSON string at b[i] (which is '"'). The result
// aliases b when the string has no escapes and is valid UTF-8, which is the
// case for everything our writer produces.
func readString(b []byte, i int) ([]byte, int, error) {
	start := i + 1
	n, nonASCII := scanPlain(b[start:])
	j := start + n
	switch {
	case j >= len(b):
		return nil, j, errAt(j, "unterminated string")
	case b[j] == '"':
		s := b[start:j]
		if nonASCII && !utf8.Valid(s) {
			return unquoteSlow(b, i)
		}
		return s, j + 1, nil
	case b[j] == '\\':
		return unquoteSlow(b, i)
	default:
		return nil, j, errAt(j, "control character %#02x in string", b[j])
	}
}

// unquoteSlow decodes escapes the way encoding/json does, including its
// choice to turn unpaired surrogates and invalid UTF-8 into U+FFFD, so that
// this reader and any standard one see the same text.
func unquoteSlow(b []byte, i int) ([]byte, int, error) {
	end, err := scanString(b, i, nil)
	if err != nil {
		return nil, end, err
	}
	s := b[i+1 : end-1]
	out := make([]byte, 0, len(s))
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			switch s[r+1] {
			case '"', '\\', '/':
				out = append(out, s[r+1])
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				rr := getu4(s[r+2 : r+6])
				r += 6
				if utf16.IsSurrogate(rr) {
					if r+6 <= len(s) && s[r] == '\\' && s[r+1] == 'u' {
						if dec := utf16.DecodeRune(rr, getu4(s[r+2:r+6])); dec != utf8.RuneError {
							out = utf8.AppendRune(out, dec)
							r += 6
							continue
						}
					}
					rr = utf8.RuneError
				}
				out = utf8.AppendRune(out, rr)
				continue
			}
			r += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			out = utf8.AppendRune(out, rr)
			r += size
		}
	}
	return out, end, nil
}

// getu4 decodes four hex digits already validated by scanString.
func getu4(h []byte) rune {
	var r rune
	for _, c := range h {
		r = r<<4 | rune(hexVal(c))
	}
	return r
}

// foldName folds a member name the way encoding/json matches names to
// fields: ASCII letters case-insensitively, plus U+017F (long s) as 's' and
// U+212A (Kelvin sign) as 'k'.
func foldName(name []byte) []byte {
	out := make([]byte, 0, len(name))
	for i := 0; i < len(name); {
		c := name[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(name[i:])
		switch r {
		case '\u017f':
			out = append(out, 's')
		case '\u212a':
			out = append(out, 'k')
		default:
			out = append(out, name[i:i+size]...)
		}
		i += size
	}
	return out
}
