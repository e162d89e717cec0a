package auditlog

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// CanonicalVersion is the value of the "v" member that opens every canonical
// encoding. Changing what is hashed means a new version, never an edit.
const CanonicalVersion = 1

// Record is one event of the decision history, exactly the fields that are
// hashed. Presentation-only fields (the actor's display name) live elsewhere
// so that renaming a person does not break the log.
type Record struct {
	Seq        int64           // 1-based position in the log
	At         time.Time       // hashed at microsecond precision, in UTC
	ActorID    int64           // 0 = system or anonymous
	ActorRole  string          // role the actor acted in
	Action     string          // e.g. "version.publish"
	ObjectType string          // e.g. "criteria_version"
	ObjectID   int64           // 0 when the event concerns no single object
	Data       json.RawMessage // a JSON object; empty means {}
	RequestID  string
	IP         string
}

// Canonical returns the bytes that are hashed for r; doc.go specifies them.
func (r Record) Canonical() []byte {
	return r.AppendCanonical(make([]byte, 0, 224+len(r.Data)+len(r.Action)+len(r.ObjectType)))
}

// AppendCanonical appends r.Canonical() to dst, letting hot loops reuse one
// buffer instead of allocating per event.
func (r Record) AppendCanonical(dst []byte) []byte {
	return r.appendCanonical(dst, canonicalHints{})
}

// canonicalHints carry work the export reader has already done, so that
// verification does not redo it. They never change the result: the reader
// sets them only when they hold, and tests check that they agree.
type canonicalHints struct {
	dataCompact bool   // r.Data is already compact, valid JSON
	atText      []byte // if set, exactly appendTime(r.At)
}

func (r Record) appendCanonical(dst []byte, h canonicalHints) []byte {
	dst = append(dst, `{"v":`...)
	dst = strconv.AppendInt(dst, CanonicalVersion, 10)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendInt(dst, r.Seq, 10)
	dst = append(dst, `,"at":"`...)
	if h.atText != nil {
		dst = append(dst, h.atText...)
	} else {
		dst = appendTime(dst, r.At)
	}
	dst = append(dst, `","actor_id":`...)
	dst = strconv.AppendInt(dst, r.ActorID, 10)
	dst = append(dst, `,"actor_role":`...)
	dst = appendString(dst, r.ActorRole)
	dst = append(dst, `,"action":`...)
	dst = appendString(dst, r.Action)
	dst = append(dst, `,"object_type":`...)
	dst = appendString(dst, r.ObjectType)
	dst = append(dst, `,"object_id":`...)
	dst = strconv.AppendInt(dst, r.ObjectID, 10)
	dst = append(dst, `,"data":`...)
	if h.dataCompact && len(r.Data) > 0 {
		dst = append(dst, r.Data...)
	} else {
		dst = appendData(dst, r.Data)
	}
	dst = append(dst, `,"request_id":`...)
	dst = appendString(dst, r.RequestID)
	dst = append(dst, `,"ip":`...)
	dst = appendString(dst, r.IP)
	return append(dst, '}')
}

// appendData writes the compact form of data. Canonical must be total (it is
// called on whatever an export claims), so data that is not JSON at all is
// written as a JSON string of its bytes; Validate rejects such records, which
// is why this fallback never makes two valid records collide.
func appendData(dst []byte, data json.RawMessage) []byte {
	if skipSpace(data, 0) == len(data) {
		return append(dst, "{}"...)
	}
	out, err := compactJSON(dst, data)
	if err != nil {
		return appendString(dst, string(data))
	}
	return out
}

// Validate reports why r may not be written to the log. Canonical is
// injective only over valid records, so the writer must call this first.
func (r Record) Validate() error {
	if err := r.validateScalars(); err != nil {
		return err
	}
	if err := validateData(r.Data); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	return nil
}

// validateScalars checks everything but the JSON syntax of Data, which the
// export reader has already checked while parsing the line.
func (r Record) validateScalars() error {
	if err := r.validateValues(); err != nil {
		return err
	}
	for _, f := range [...]struct{ name, v string }{
		{"actor_role", r.ActorRole}, {"action", r.Action}, {"object_type", r.ObjectType},
		{"request_id", r.RequestID}, {"ip", r.IP},
	} {
		if !utf8.ValidString(f.v) {
			return fmt.Errorf("%s: not valid UTF-8", f.name)
		}
	}
	if !utf8.Valid(r.Data) {
		return errors.New("data: not valid UTF-8")
	}
	return nil
}

// validateValues checks the rules that are not about encoding; the fast
// export reader (readEventFast) has already made sure of the encoding.
func (r Record) validateValues() error {
	if r.Seq < 1 {
		return fmt.Errorf("seq %d: must be at least 1", r.Seq)
	}
	if r.At.IsZero() {
		return errors.New("at: missing time")
	}
	if y := r.At.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("at: year %d outside 1..9999", y)
	}
	if r.ActorID < 0 {
		return fmt.Errorf("actor_id %d: must not be negative", r.ActorID)
	}
	if r.ObjectID < 0 {
		return fmt.Errorf("object_id %d: must not be negative", r.ObjectID)
	}
	if r.Action == "" {
		return errors.New("action: must not be empty")
	}
	return nil
}

func validateData(data json.RawMessage) error {
	i := skipSpace(data, 0)
	if i == len(data) {
		return nil
	}
	if data[i] != '{' {
		return errors.New("must be a JSON object")
	}
	if _, err := compactJSON(nil, data); err != nil {
		return err
	}
	return nil
}
