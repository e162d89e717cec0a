package auditlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Export format identification, written in the header line.
const (
	ExportFormat  = "roundtable-audit-export"
	ExportVersion = 1
)

// Line kinds of an export.
const (
	kindHeader     = "header"
	kindEvent      = "event"
	kindCheckpoint = "checkpoint"
)

// ExportHeader describes the log an export comes from.
type ExportHeader struct {
	Origin      string    // the log's name, equal to the signing key's name
	VerifierKey string    // public key that signed the checkpoints
	ExportedAt  time.Time // informational; zero omits it
}

// headerLine is line 1 of an export.
type headerLine struct {
	Kind           string `json:"kind"`
	Format         string `json:"format"`
	Version        int    `json:"version"`
	Origin         string `json:"origin"`
	VerifierKey    string `json:"verifier_key"`
	KeyFingerprint string `json:"key_fingerprint"`
	ExportedAt     string `json:"exported_at,omitempty"`
}

// checkpointLine follows the event whose seq equals Size.
type checkpointLine struct {
	Kind string `json:"kind"`
	Size int64  `json:"size"`
	Root string `json:"root"` // hex, like every hash in the API
	Note string `json:"note"` // the signed note, verbatim
}

// ExportEvent is one event as stored: the hashed record, the display name of
// the actor (not hashed, so it may change) and the chain hashes read from
// the database, not recomputed, so that the export shows what is stored.
type ExportEvent struct {
	Record
	ActorName string
	PrevHash  string
	Hash      string
}

// ExportWriter streams an export. Call WriteEvent for events in seq order
// and WriteCheckpoint right after the event whose seq is the checkpoint's
// size (before any event for size 0), then Flush.
type ExportWriter struct {
	w       *bufio.Writer
	buf     []byte
	lastSeq int64
}

// NewExportWriter writes the header line and returns the writer.
func NewExportWriter(w io.Writer, h ExportHeader) (*ExportWriter, error) {
	if err := checkKeyName(h.Origin); err != nil {
		return nil, fmt.Errorf("export origin: %w", err)
	}
	// An export whose key cannot check its own checkpoints would fail
	// verification for a configuration mistake; refuse to write it.
	v, err := note.NewVerifier(h.VerifierKey)
	if err != nil {
		return nil, fmt.Errorf("export verifier key: %w", err)
	}
	if v.Name() != h.Origin {
		return nil, fmt.Errorf("export verifier key is for %q, not the origin %q", v.Name(), h.Origin)
	}
	hl := headerLine{
		Kind: kindHeader, Format: ExportFormat, Version: ExportVersion,
		Origin: h.Origin, VerifierKey: h.VerifierKey, KeyFingerprint: KeyFingerprint(h.VerifierKey),
	}
	if !h.ExportedAt.IsZero() {
		hl.ExportedAt = string(appendTime(nil, h.ExportedAt))
	}
	line, err := marshalLine(hl)
	if err != nil {
		return nil, fmt.Errorf("encoding export header: %w", err)
	}
	ew := &ExportWriter{w: bufio.NewWriterSize(w, 64<<10)}
	if _, err := ew.w.Write(line); err != nil {
		return nil, fmt.Errorf("writing export header: %w", err)
	}
	return ew, nil
}

// WriteEvent writes one event line. Data that is not JSON cannot be embedded
// in a JSON line and is refused; everything else is written as stored, even
// if invalid, so that verification reports it.
func (e *ExportWriter) WriteEvent(ev ExportEvent) error {
	b, err := appendEventLine(e.buf[:0], ev)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	e.buf = b
	if _, err := e.w.Write(b); err != nil {
		return fmt.Errorf("writing seq %d: %w", ev.Seq, err)
	}
	e.lastSeq = ev.Seq
	return nil
}

// MarshalEvent returns ev as one export event line, without the newline:
// the form proofs carry an event in, so that one reader serves both.
func MarshalEvent(ev ExportEvent) ([]byte, error) {
	return appendEventLine(nil, ev)
}

func appendEventLine(b []byte, ev ExportEvent) ([]byte, error) {
	b = append(b, `{"kind":"event","seq":`...)
	b = strconv.AppendInt(b, ev.Seq, 10)
	b = append(b, `,"at":"`...)
	b = appendTime(b, ev.At)
	b = append(b, `","actor_id":`...)
	b = strconv.AppendInt(b, ev.ActorID, 10)
	b = append(b, `,"actor_name":`...)
	b = appendString(b, ev.ActorName)
	b = append(b, `,"actor_role":`...)
	b = appendString(b, ev.ActorRole)
	b = append(b, `,"action":`...)
	b = appendString(b, ev.Action)
	b = append(b, `,"object_type":`...)
	b = appendString(b, ev.ObjectType)
	b = append(b, `,"object_id":`...)
	b = strconv.AppendInt(b, ev.ObjectID, 10)
	b = append(b, `,"data":`...)
	if skipSpace(ev.Data, 0) == len(ev.Data) {
		b = append(b, "{}"...)
	} else {
		var err error
		if b, err = compactJSON(b, ev.Data); err != nil {
			return nil, fmt.Errorf("exporting seq %d: data is not JSON: %w", ev.Seq, err)
		}
	}
	b = append(b, `,"request_id":`...)
	b = appendString(b, ev.RequestID)
	b = append(b, `,"ip":`...)
	b = appendString(b, ev.IP)
	b = append(b, `,"prev_hash":`...)
	b = appendString(b, ev.PrevHash)
	b = append(b, `,"hash":`...)
	b = appendString(b, ev.Hash)
	return append(b, '}'), nil
}

// WriteCheckpoint writes a signed checkpoint note as stored. Its signature is
// not checked here (the export must show forgeries, not hide them), but its
// size must equal the seq of the last event written, which is what lets a
// single pass check it.
func (e *ExportWriter) WriteCheckpoint(signedNote []byte) error {
	text, _, ok := splitNote(signedNote)
	if !ok {
		return errors.New("exporting checkpoint: not a signed note")
	}
	c, err := ParseCheckpointText(text)
	if err != nil {
		return fmt.Errorf("exporting checkpoint: %w", err)
	}
	if c.Size != e.lastSeq {
		return fmt.Errorf("exporting checkpoint of size %d: it belongs right after seq %d, but the last event written is seq %d", c.Size, c.Size, e.lastSeq)
	}
	line, err := marshalLine(checkpointLine{Kind: kindCheckpoint, Size: c.Size, Root: HashHex(c.Root), Note: string(signedNote)})
	if err != nil {
		return fmt.Errorf("encoding checkpoint of size %d: %w", c.Size, err)
	}
	if _, err := e.w.Write(line); err != nil {
		return fmt.Errorf("writing checkpoint of size %d: %w", c.Size, err)
	}
	return nil
}

// WriteStrayCheckpoint writes a stored checkpoint that cannot sit right
// after its own event, because the stored events skip or stop short of its
// size (rows were deleted). An export shows what is stored, so it goes out
// where it is met; Verify then reports it as misplaced and, if the events
// never reach its size, the log as truncated. Honest exports never need it.
func (e *ExportWriter) WriteStrayCheckpoint(signedNote []byte) error {
	text, _, ok := splitNote(signedNote)
	if !ok {
		return errors.New("exporting checkpoint: not a signed note")
	}
	c, err := ParseCheckpointText(text)
	if err != nil {
		return fmt.Errorf("exporting checkpoint: %w", err)
	}
	line, err := marshalLine(checkpointLine{Kind: kindCheckpoint, Size: c.Size, Root: HashHex(c.Root), Note: string(signedNote)})
	if err != nil {
		return fmt.Errorf("encoding checkpoint of size %d: %w", c.Size, err)
	}
	if _, err := e.w.Write(line); err != nil {
		return fmt.Errorf("writing checkpoint of size %d: %w", c.Size, err)
	}
	return nil
}

// Flush writes out buffered lines; call it once at the end.
func (e *ExportWriter) Flush() error {
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("flushing export: %w", err)
	}
	return nil
}

// splitNote separates a signed note's text (with its final newline) from
// its signature block, as note.Open does.
func splitNote(msg []byte) (text string, sigs []byte, ok bool) {
	i := bytes.LastIndex(msg, []byte("\n\n"))
	if i < 0 {
		return "", nil, false
	}
	return string(msg[:i+1]), msg[i+2:], true
}

// marshalLine encodes a rare line (header, checkpoint) with encoding/json;
// those lines are never hashed, so the library's escaping choices are fine.
func marshalLine(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
