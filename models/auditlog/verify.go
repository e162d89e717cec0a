package auditlog

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// maxLineBytes bounds the memory one line may take; an event's data is a
// small object of ids, so a longer line is damage, not content.
const maxLineBytes = 16 << 20

// VerifyOptions carries what the auditor brings from outside the export.
type VerifyOptions struct {
	// TrustedKey, if set, is the only key checkpoints are checked with, and
	// the header's key must equal it. If empty, the header's key is used and
	// reported, so the auditor can compare its fingerprint by other means.
	TrustedKey string
	// TrustedCheckpoints are signed notes the auditor kept from earlier
	// visits; each is checked against the root recomputed at its size.
	TrustedCheckpoints [][]byte
	// Workers is how many goroutines parse and hash lines; 0 means one per
	// CPU, 1 means all on the caller's goroutine. The report is the same.
	Workers int
}

// Verify reads an export and checks everything in it without trusting any
// hash it contains. It streams: memory stays O(log n) in the number of
// events. Problems with the content are in the Report; the error is only for
// failing to read r, in which case the report covers what was read.
func Verify(r io.Reader, opts VerifyOptions) (Report, error) {
	if workers := opts.workers(); workers > 1 {
		return verifyParallel(r, opts, workers)
	}
	x := exportVerifier{opts: opts}
	br := bufio.NewReaderSize(r, 256<<10)
	var long []byte
	var p parsedLine
	for {
		line, tooLong, err := readLine(br, &long)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			x.finish()
			return x.v.Report(), fmt.Errorf("reading export after line %d: %w", x.lineNo, err)
		}
		x.parse.line(&p, line, x.lineNo+1, tooLong, false)
		x.handle(&p)
	}
	x.finish()
	return x.v.Report(), nil
}

// readLine returns the next line without its end of line. Lines longer than
// the bufio buffer are assembled in *long; lines beyond maxLineBytes are
// skipped and flagged. The final line need not end in a newline.
func readLine(br *bufio.Reader, long *[]byte) (line []byte, tooLong bool, err error) {
	frag, err := br.ReadSlice('\n')
	switch {
	case err == nil:
		return trimEOL(frag), false, nil
	case err == io.EOF && len(frag) > 0:
		return trimEOL(frag), false, nil
	case !errors.Is(err, bufio.ErrBufferFull):
		return nil, false, err
	}
	*long = append((*long)[:0], frag...)
	for {
		frag, err = br.ReadSlice('\n')
		if !tooLong && len(*long)+len(frag) > maxLineBytes {
			tooLong = true
			*long = (*long)[:0]
		}
		if !tooLong {
			*long = append(*long, frag...)
		}
		switch {
		case err == nil || err == io.EOF:
			// *long holds at least the first fragment unless the line was
			// too long, so this is never mistaken for the end of input.
			return trimEOL(*long), tooLong, nil
		case !errors.Is(err, bufio.ErrBufferFull):
			return nil, false, err
		}
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// exportVerifier holds the state of one Verify call beyond what Verifier
// tracks: where we are in the file and which key checks signatures.
type exportVerifier struct {
	opts    VerifyOptions
	v       Verifier
	lineNo  int64
	begun   bool   // header handled (or found missing), trusted checkpoints registered
	content bool   // a non-blank line was seen
	key     string // key checkpoints are opened with; "" if none is usable
	parse   parseStage
}

// handle applies one parsed line, in file order. Parsing (parseStage) may
// have happened on another goroutine; everything that depends on earlier
// lines happens here.
func (x *exportVerifier) handle(p *parsedLine) {
	x.lineNo = p.lineNo
	switch {
	case p.tooLong:
		x.begin()
		x.v.problem(x.v.count+1, "line %d: longer than %d bytes", x.lineNo, maxLineBytes)
		return
	case p.blank:
		return // blank lines carry nothing; tolerate them
	}
	first := !x.content
	x.content = true
	if p.err != nil {
		if first {
			x.header(nil)
		}
		x.begin()
		// A damaged line may have been an event, so the event after the
		// last good one is the first that cannot be vouched for.
		x.v.problem(x.v.count+1, "line %d: malformed: %v", x.lineNo, p.err)
		return
	}
	if first {
		if p.kind != kindHeader {
			x.header(nil)
		} else {
			var h headerLine
			if err := json.Unmarshal(p.raw, &h); err != nil {
				x.v.structuralProblem("line %d: header: %v", x.lineNo, err)
				x.header(nil)
			} else {
				x.header(&h)
			}
			return
		}
	}
	switch p.kind {
	case kindEvent:
		if !x.begun {
			x.begin()
		}
		x.v.add(&p.ev)
	case kindCheckpoint:
		x.checkpoint(p.raw)
	case kindHeader:
		x.v.structuralProblem("line %d: a second header", x.lineNo)
	default:
		x.v.problem(x.v.count+1, "line %d: unknown kind %q", x.lineNo, p.kind)
	}
}

// header checks the header (nil if the export has none) and settles which
// key signatures are checked with.
func (x *exportVerifier) header(h *headerLine) {
	headerKey, origin := "", ""
	if h == nil {
		x.v.structuralProblem("line %d: the export does not start with a header line", x.lineNo)
	} else {
		origin = h.Origin
		if h.Format != ExportFormat || h.Version != ExportVersion {
			x.v.structuralProblem("line %d: format %q version %d, want %q version %d", x.lineNo, h.Format, h.Version, ExportFormat, ExportVersion)
		}
		if v, err := note.NewVerifier(h.VerifierKey); err != nil {
			x.v.structuralProblem("line %d: header verifier key: %v", x.lineNo, err)
		} else {
			headerKey = h.VerifierKey
			if v.Name() != origin {
				x.v.structuralProblem("line %d: origin %q differs from the key name %q", x.lineNo, origin, v.Name())
			}
		}
	}
	x.settleKey(headerKey, h)
	x.begin()
}

// settleKey chooses the key signatures are checked with: the trusted one if
// the auditor gave one (and then the header must agree), else the header's.
func (x *exportVerifier) settleKey(headerKey string, h *headerLine) {
	x.key = headerKey
	if trusted := strings.TrimSpace(x.opts.TrustedKey); trusted != "" {
		x.key = ""
		if _, err := note.NewVerifier(trusted); err != nil {
			x.v.structuralProblem("trusted key: %v", err)
		} else {
			x.key = trusted
			if h != nil && headerKey != trusted {
				x.v.structuralProblem("line %d: the export's verifier key %q (fingerprint %s) is not the trusted key %q (fingerprint %s)",
					x.lineNo, h.VerifierKey, KeyFingerprint(h.VerifierKey), trusted, KeyFingerprint(trusted))
			}
		}
	}
	x.v.setKey(x.key)
}

// begin registers the auditor's checkpoints once, before any event.
func (x *exportVerifier) begin() {
	if x.begun {
		return
	}
	x.begun = true
	for i, msg := range x.opts.TrustedCheckpoints {
		source := fmt.Sprintf("trusted checkpoint #%d", i+1)
		if x.key == "" {
			x.v.structuralProblem("%s: no valid verifier key to check it with", source)
			continue
		}
		cp, err := OpenCheckpoint(msg, x.key)
		if err != nil {
			hint := ""
			if x.opts.TrustedKey == "" {
				hint = "; the export's key may have been replaced"
			}
			if errors.Is(err, ErrCheckpointSignature) {
				// It may be signed by an older key of this log, which is
				// known only once the events registering it are read.
				x.v.deferNote(msg, source, true, hint)
				continue
			}
			x.v.structuralProblem("%s: %v%s", source, err, hint)
			continue
		}
		x.v.check(pendingCheckpoint{cp: cp, source: fmt.Sprintf("%s (size %d)", source, cp.Size), signed: true, held: true, signer: x.key})
	}
}

func (x *exportVerifier) checkpoint(b []byte) {
	var c checkpointLine
	if err := json.Unmarshal(b, &c); err != nil {
		x.v.structuralProblem("line %d: checkpoint: %v", x.lineNo, err)
		return
	}
	// The key in force at this point of the log (it may have rotated),
	// else the export's or the trusted key.
	keys := x.v.candidateKeys()
	if len(keys) == 0 {
		x.v.structuralProblem("line %d: checkpoint cannot be checked: no valid verifier key", x.lineNo)
		return
	}
	var cp Checkpoint
	var firstErr error
	signer := ""
	for _, k := range keys {
		opened, err := OpenCheckpoint([]byte(c.Note), k)
		if err == nil {
			cp, signer = opened, k
			break
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if signer == "" {
		x.v.structuralProblem("line %d: checkpoint: %v", x.lineNo, firstErr)
		return
	}
	if root, err := ParseHashHex(c.Root); err != nil || c.Size != cp.Size || root != cp.Root {
		x.v.structuralProblem("line %d: size and root fields disagree with the signed note (size %d, root %s)",
			x.lineNo, cp.Size, HashHex(cp.Root))
	}
	if cp.Size != x.v.count {
		x.v.structuralProblem("line %d: checkpoint of size %d must follow the event with seq %d, not event #%d",
			x.lineNo, cp.Size, cp.Size, x.v.count)
	}
	x.v.check(pendingCheckpoint{cp: cp, source: fmt.Sprintf("line %d: checkpoint of size %d", x.lineNo, cp.Size), signed: true, signer: signer})
}

func (x *exportVerifier) finish() {
	if !x.content {
		x.v.structuralProblem("the export is empty")
		x.settleKey("", nil)
	}
	x.begin()
}
