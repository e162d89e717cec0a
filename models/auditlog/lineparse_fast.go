package auditlog

import (
	"encoding/hex"
	"strconv"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"
)

// Nearly every line of an export was written by appendEventLine, whose
// layout is fixed: members in one order, no whitespace, numbers and times in
// their canonical spelling. In such a line the canonical bytes of the event
// are already there, as two runs of the line itself (everything from "seq"
// to "actor_id", and from "actor_role" to "ip"), so hashing can take them as
// they are instead of decoding a Record and encoding it again.
//
// readEventFast checks that layout member by member and gives up at the
// first difference (an escape, a member out of order, a space, a leading
// zero); the line then goes through parseLine, which reads every JSON
// spelling. Where both accept a line they agree, field for field and byte
// for byte, which FuzzReadEventFast checks.

// leafOpen starts every leaf hash's input: the RFC 6962 leaf prefix and the
// canonical encoding's opening up to the "seq" member (see appendCanonical).
var leafOpen = string(strconv.AppendInt([]byte("\x00{\"v\":"), CanonicalVersion, 10))

// fastEvent is what readEventFast finds beyond eventFields: the two runs of
// the line that, between leafOpen and a closing brace, are the event's
// canonical bytes, and the stored hashes, decoded.
type fastEvent struct {
	start1, end1, start2, end2 int
	prev, hash                 tlog.Hash
	// The last hash text decoded and its value: a line's prev_hash is the
	// previous line's hash, which need not be decoded twice.
	lastText [2 * tlog.HashSize]byte
	last     tlog.Hash
	lastSet  bool
}

// appendLeafInput appends what LeafHash hashes for the line b.
func (r *fastEvent) appendLeafInput(dst, b []byte) []byte {
	dst = append(dst, leafOpen...)
	dst = append(dst, b[r.start1:r.end1]...)
	dst = append(dst, b[r.start2:r.end2]...)
	return append(dst, '}')
}

// Interner slots, one per member that repeats across events.
const (
	slotRole = iota
	slotAction
	slotObjectType
	slotIP
	slots
)

// readEventFast reads b into ev if b is an event line in exactly the layout
// appendEventLine writes, and reports whether it was. When it was not, ev
// holds nothing useful and the caller must use parseLine. With all false,
// only what verification needs once the leaf is hashed is decoded (seq,
// time, action, data); the other members are checked but not copied out.
func readEventFast(b []byte, ev *eventFields, r *fastEvent, in *interner, all bool) bool {
	*ev = eventFields{dataBuf: ev.dataBuf[:0]}
	i, ok := expect(b, 0, `{"kind":"event"`)
	r.start1 = i
	if i, ok = expectAfter(ok, b, i, `,"seq":`); !ok {
		return false
	}
	if ev.rec.Seq, i, ok = fastInt(b, i); !ok {
		return false
	}
	if i, ok = expect(b, i, `,"at":"`); !ok || len(b)-i < len(TimeLayout)+1 || b[i+len(TimeLayout)] != '"' {
		return false
	}
	at := b[i : i+len(TimeLayout)]
	if ev.rec.At, ok = parseTimeExact(at); !ok {
		return false
	}
	ev.hints.atText = at
	i += len(TimeLayout)
	if i, ok = expect(b, i, `","actor_id":`); !ok {
		return false
	}
	if ev.rec.ActorID, i, ok = fastInt(b, i); !ok {
		return false
	}
	r.end1 = i
	i, ok = expect(b, i, `,"actor_name":`)
	if _, i, ok = fastStringAfter(ok, b, i); !ok {
		return false
	}
	r.start2 = i
	var role, objectType, requestID, ip []byte
	i, ok = expect(b, i, `,"actor_role":`)
	role, i, ok = fastStringAfter(ok, b, i)
	i, ok = expectAfter(ok, b, i, `,"action":`)
	action, i, ok := fastStringAfter(ok, b, i)
	i, ok = expectAfter(ok, b, i, `,"object_type":`)
	if objectType, i, ok = fastStringAfter(ok, b, i); !ok {
		return false
	}
	if i, ok = expect(b, i, `,"object_id":`); !ok {
		return false
	}
	if ev.rec.ObjectID, i, ok = fastInt(b, i); !ok {
		return false
	}
	if i, ok = expect(b, i, `,"data":`); !ok || i >= len(b) || b[i] != '{' {
		return false
	}
	start := i
	if i, ok = scanCompactPlain(b, i, 0); !ok {
		return false
	}
	ev.rec.Data, ev.hints.dataCompact = b[start:i], true
	i, ok = expect(b, i, `,"request_id":`)
	requestID, i, ok = fastStringAfter(ok, b, i)
	i, ok = expectAfter(ok, b, i, `,"ip":`)
	if ip, i, ok = fastStringAfter(ok, b, i); !ok {
		return false
	}
	r.end2 = i
	i, ok = expect(b, i, `,"prev_hash":`)
	ev.prevHash, i, ok = r.readHash(ok, b, i, &r.prev)
	i, ok = expectAfter(ok, b, i, `,"hash":`)
	if ev.hash, i, ok = r.readHash(ok, b, i, &r.hash); !ok || i != len(b)-1 || b[i] != '}' {
		return false
	}
	ev.kind = kindEvent
	ev.seen = fKind | fActorName | fEventRequired
	ev.rec.Action = in.slot(slotAction, action)
	if all {
		ev.rec.ActorRole = in.slot(slotRole, role)
		ev.rec.ObjectType = in.slot(slotObjectType, objectType)
		ev.rec.RequestID = string(requestID)
		ev.rec.IP = in.slot(slotIP, ip)
	}
	return true
}

// expect returns the index after lit if b holds lit at i.
func expect(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}

// expectAfter is expect when ok, for chaining.
func expectAfter(ok bool, b []byte, i int, lit string) (int, bool) {
	if !ok {
		return i, false
	}
	return expect(b, i, lit)
}

// fastInt reads a non-negative integer as strconv.AppendInt writes it: no
// sign, no leading zero, at most 18 digits so it cannot overflow.
func fastInt(b []byte, i int) (int64, int, bool) {
	start := i
	var v int64
	for i < len(b) && isDigit(b[i]) {
		v = v*10 + int64(b[i]-'0')
		i++
	}
	n := i - start
	if n == 0 || n > 18 || (n > 1 && b[start] == '0') {
		return 0, start, false
	}
	return v, i, true
}

// fastStringAfter reads, when ok, a string as appendString writes it when
// nothing needs escaping: no backslash, no control byte, valid UTF-8. Its
// content is then its value and its canonical form; it is returned.
func fastStringAfter(ok bool, b []byte, i int) ([]byte, int, bool) {
	if !ok || i >= len(b) || b[i] != '"' {
		return nil, i, false
	}
	n, nonASCII := scanPlain(b[i+1:])
	end := i + 1 + n
	if end >= len(b) || b[end] != '"' {
		return nil, i, false
	}
	s := b[i+1 : end]
	if nonASCII && !utf8.Valid(s) {
		return nil, i, false
	}
	return s, end + 1, true
}

// readHash reads, when ok, a string of 64 hex digits, the way every hash
// is written, into h. Anything else, even just a wrong hash, is left to
// parseLine, which reports it.
func (r *fastEvent) readHash(ok bool, b []byte, i int, h *tlog.Hash) ([]byte, int, bool) {
	const n = 2 * tlog.HashSize
	if !ok || len(b)-i < n+2 || b[i] != '"' || b[i+n+1] != '"' {
		return nil, i, false
	}
	s := b[i+1 : i+n+1]
	if r.lastSet && string(s) == string(r.lastText[:]) {
		*h = r.last
		return s, i + n + 2, true
	}
	// Hex digits are neither quotes nor escapes, so decoding also checks
	// that the string is exactly these 64 characters.
	if _, err := hex.Decode(h[:], s); err != nil {
		return nil, i, false
	}
	copy(r.lastText[:], s)
	r.last, r.lastSet = *h, true
	return s, i + n + 2, true
}

// scanCompactPlain checks that b[i:] starts with a JSON value in compact
// form (no insignificant whitespace) whose strings are as fastStringAfter
// reads them, and returns the index after it. It accepts a subset of what
// scanValue accepts, and for that subset scanValue's compaction changes
// nothing, so the value can be hashed as it stands.
func scanCompactPlain(b []byte, i, depth int) (int, bool) {
	if i >= len(b) || depth >= maxNesting {
		return i, false
	}
	switch c := b[i]; c {
	case '{', '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		i++
		if i < len(b) && b[i] == closer {
			return i + 1, true
		}
		for {
			var ok bool
			if c == '{' {
				if _, i, ok = fastStringAfter(true, b, i); !ok || i >= len(b) || b[i] != ':' {
					return i, false
				}
				i++
			}
			if i, ok = scanCompactPlain(b, i, depth+1); !ok || i >= len(b) {
				return i, false
			}
			switch b[i] {
			case ',':
				i++
			case closer:
				return i + 1, true
			default:
				return i, false
			}
		}
	case '"':
		_, i, ok := fastStringAfter(true, b, i)
		return i, ok
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		// Numbers are kept as written by scanValue too.
		end, err := scanNumber(b, i, nil)
		return end, err == nil
	case 't':
		return expect(b, i, "true")
	case 'f':
		return expect(b, i, "false")
	case 'n':
		return expect(b, i, "null")
	}
	return i, false
}
