package auditlog

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// maxProblems caps the report: after a rewrite every later event may be
// wrong, and a million identical lines help nobody.
const maxProblems = 100

// Report is the outcome of a verification. Its JSON form is the body of
// GET /api/v1/audit/verify.
type Report struct {
	OK          bool   `json:"ok"`
	Count       int64  `json:"count"`         // events read
	Head        string `json:"head"`          // hex Merkle root over those events
	FirstBadSeq int64  `json:"first_bad_seq"` // 0 when OK or when no event can be blamed
	// SignedSize is the largest size at which a signed checkpoint matched the
	// recomputed root; events after it are protected only by the hash chain,
	// which anyone with database access can recompute.
	SignedSize     int64    `json:"signed_size"`
	VerifierKey    string   `json:"verifier_key,omitempty"` // key that signatures were checked with
	KeyFingerprint string   `json:"key_fingerprint,omitempty"`
	Problems       []string `json:"problems"`
}

// pendingCheckpoint is a root to compare once the log reaches its size.
// Held checkpoints come from outside what is being verified (an auditor's
// or the caller's); an export's own checkpoints are not held, because whoever
// rewrote the export may also have re-signed them.
type pendingCheckpoint struct {
	cp     Checkpoint
	source string
	signed bool
	held   bool
	signer string // key the signature was checked with
	// note, if set, is a signed note not opened yet (see deferNote); cp then
	// holds only its claimed size until it is.
	note []byte
	hint string // appended to the problem if the note does not open
}

// Verifier recomputes a log's hashes one event at a time in O(log n) memory
// and collects every discrepancy. The server feeds it rows from the database
// (GET /audit/verify); Verify feeds it an export. The zero value is ready.
type Verifier struct {
	count       int64     // events added
	lastSeq     int64     // seq of the last event added
	lastAt      time.Time // time of the last event added, as hashed
	prevStored  tlog.Hash // stored hash of the last event, to check the next prev_hash
	tree        Builder
	pending     []pendingCheckpoint // sorted by size
	matched     int64               // largest size at which any checkpoint matched
	matchedHeld int64               // largest size at which a held checkpoint matched
	signedSize  int64
	// One more than the last sizes at which a signed root matched and one
	// did not (0: none yet), to spot a key that signed two histories.
	signedMatchAt    int64
	signedMismatchAt int64
	firstBad         int64
	problems         []string
	dropped          int
	key              string
	buf              []byte
	// Keys the log registered (keyring.go), and the largest size at which a
	// checkpoint signed by key matched.
	regs          []keyRegistration
	keySignedSize int64
}

// Add checks the next event as read from storage together with its stored
// prev_hash and hash (hex), then appends it to the recomputed tree. Call it
// in storage order, which must be seq order.
func (v *Verifier) Add(rec Record, storedPrevHash, storedHash string) {
	ev := storedEvent{rec: rec, invalid: rec.Validate()}
	ev.prev, ev.prevErr = ParseHashHex(storedPrevHash)
	ev.hash, ev.hashErr = ParseHashHex(storedHash)
	v.add(&ev)
}

// storedEvent is one event as read, with what reading it found out.
type storedEvent struct {
	rec     Record
	invalid error // why rec is not a valid record, if it is not
	prev    tlog.Hash
	prevErr error // stored prev_hash was not a hash
	hash    tlog.Hash
	hashErr error // stored hash was not a hash
	line    int64 // export line number, 0 if not from an export
	// leaf, if leafSet, is LeafHash(rec.Canonical()) computed already (by
	// a parsing worker); rec.Data may then be left out.
	leaf    tlog.Hash
	leafSet bool
	// linkOK, if linkChecked, is ChainHash(prev, leaf) == hash, found by a
	// parsing worker.
	linkOK      bool
	linkChecked bool
}

// linkHolds reports whether the stored hash links the stored prev_hash and
// the leaf.
func (ev *storedEvent) linkHolds(leaf tlog.Hash) bool {
	if ev.linkChecked {
		return ev.linkOK
	}
	return ChainHash(ev.prev, leaf) == ev.hash
}

// add is the single implementation behind Add and Verify.
func (v *Verifier) add(ev *storedEvent) {
	rec, prev, hash, line := ev.rec, ev.prev, ev.hash, ev.line
	invalid, prevErr, hashErr := ev.invalid, ev.prevErr, ev.hashErr
	pos := v.count + 1
	leaf := ev.leaf
	if !ev.leafSet {
		v.buf = append(v.buf[:0], 0x00) // RFC 6962 leaf prefix, see LeafHash
		v.buf = rec.AppendCanonical(v.buf)
		leaf = tlog.Hash(sha256.Sum256(v.buf))
	}

	if invalid != nil {
		v.eventProblem(pos, line, rec.Seq, pos, "invalid event: %v", invalid)
	}
	seqInOrder := rec.Seq == v.lastSeq+1
	if !seqInOrder {
		v.eventProblem(pos, line, rec.Seq, pos,
			"expected seq %d here: an event is missing, duplicated or out of order", v.lastSeq+1)
	}
	// Compared at the precision that is hashed, so that the database (which
	// may keep nanoseconds) and an export (microseconds) agree.
	at := canonicalTime(rec.At)
	if v.count > 0 && at.Before(v.lastAt) {
		v.eventProblem(pos, line, rec.Seq, pos,
			"time %s is earlier than the previous event's %s (backdated?)",
			appendTime(nil, at), appendTime(nil, v.lastAt))
	}
	if prevErr != nil {
		v.eventProblem(pos, line, rec.Seq, pos, "prev_hash: %v", prevErr)
	} else if seqInOrder && prev != v.prevStored {
		// Either the previous event was altered and its hash recomputed, or
		// this prev_hash was altered: blame the earlier one, conservatively.
		v.eventProblem(pos, line, rec.Seq, max(pos-1, 1),
			"prev_hash does not match the stored hash of the previous event: that event was altered and rehashed, or this link was")
	}
	if hashErr != nil {
		v.eventProblem(pos, line, rec.Seq, pos, "hash: %v", hashErr)
		hash = ChainHash(v.prevStored, leaf) // best guess, to avoid blaming the next event too
	} else if prevErr == nil && !ev.linkHolds(leaf) {
		v.eventProblem(pos, line, rec.Seq, pos, "hash does not match the event's content: the event was altered")
	}

	v.noteKey(&rec, pos, line)

	v.count = pos
	v.lastSeq = rec.Seq
	v.lastAt = at
	v.prevStored = hash
	v.tree.Append(leaf)
	for len(v.pending) > 0 && v.pending[0].cp.Size == v.count {
		v.evaluate(v.pending[0])
		v.pending = v.pending[1:]
	}
}

// Check compares the recomputed root with each checkpoint when the log
// reaches its size: now if it is already there, else as events are added.
// The caller vouches for these checkpoints (e.g. roots read from the stored
// Merkle hashes); for signed ones use CheckSigned. A checkpoint for a size
// already passed cannot be checked in one pass and is reported, so give all
// checkpoints before adding events.
func (v *Verifier) Check(checkpoints ...Checkpoint) {
	for _, cp := range checkpoints {
		v.check(pendingCheckpoint{cp: cp, source: fmt.Sprintf("checkpoint of size %d", cp.Size), held: true})
	}
}

// CheckSigned opens each signed checkpoint note with verifierKey and then
// behaves like Check. A note that does not open is a problem.
func (v *Verifier) CheckSigned(verifierKey string, notes ...[]byte) {
	v.setKey(verifierKey)
	for i, msg := range notes {
		v.checkNote(msg, verifierKey, fmt.Sprintf("signed checkpoint #%d", i+1), true)
	}
}

func (v *Verifier) setKey(key string) {
	if v.key == "" && key != "" {
		v.key = key
	}
}

func (v *Verifier) checkNote(msg []byte, key, source string, held bool) {
	cp, err := OpenCheckpoint(msg, key)
	if err != nil {
		v.structuralProblem("%s: %v", source, err)
		return
	}
	v.check(pendingCheckpoint{cp: cp, source: fmt.Sprintf("%s (size %d)", source, cp.Size), signed: true, held: held, signer: key})
}

func (v *Verifier) check(p pendingCheckpoint) {
	cp, source := p.cp, p.source
	switch {
	case cp.Size < 0:
		v.structuralProblem("%s: negative size", source)
	case cp.Size == v.count:
		v.evaluate(p)
	case cp.Size > v.count:
		i := sort.Search(len(v.pending), func(i int) bool { return v.pending[i].cp.Size > cp.Size })
		v.pending = append(v.pending, pendingCheckpoint{})
		copy(v.pending[i+1:], v.pending[i:])
		v.pending[i] = p
	default:
		v.structuralProblem("%s came after event %d had been read; a single pass cannot check it", source, v.count)
	}
}

func (v *Verifier) evaluate(p pendingCheckpoint) {
	if !v.openDeferred(&p) {
		return
	}
	size := p.cp.Size
	root := v.tree.Root()
	if root == p.cp.Root {
		v.matched = max(v.matched, size)
		if p.held {
			v.matchedHeld = max(v.matchedHeld, size)
		}
		if p.signed && p.signer != "" && p.signer == v.key {
			v.keySignedSize = max(v.keySignedSize, size)
		}
		if p.signed {
			v.signedSize = max(v.signedSize, size)
			v.signedMatchAt = size + 1
			v.noteFork(size)
		}
		return
	}
	if p.signed {
		v.signedMismatchAt = size + 1
		v.noteFork(size)
	}
	if size == 0 {
		v.structuralProblem("%s: root %s is not the empty log's root", p.source, HashHex(p.cp.Root))
		return
	}
	// A root only says that something up to its size changed (add names the
	// event when the chain fields show it): the range starts after the last
	// root that matched. For a held checkpoint only held roots count, since
	// an export's own may have been re-signed over the rewritten history.
	lower := v.matched
	if p.held {
		lower = v.matchedHeld
	}
	v.problem(size, "%s: root %s differs from the recomputed %s: some event in seq %d..%d differs from when it was signed",
		p.source, HashHex(p.cp.Root), HashHex(root), lower+1, size)
}

// noteFork reports once when the same key vouched for two different roots
// of one size: whoever holds the signing key rewrote history.
func (v *Verifier) noteFork(size int64) {
	if v.signedMatchAt == size+1 && v.signedMismatchAt == size+1 {
		v.structuralProblem("two different roots were signed for size %d: the signing key was used to rewrite history", size)
		v.signedMismatchAt = 0
	}
}

// Size is the number of events added so far.
func (v *Verifier) Size() int64 { return v.count }

// Root is the recomputed Merkle root over the events added so far.
func (v *Verifier) Root() tlog.Hash { return v.tree.Root() }

// Report summarises what was found. Checkpoints still waiting for a size the
// log never reached mean the log was truncated. Report does not change v.
func (v *Verifier) Report() Report {
	r := Report{
		Count:       v.count,
		Head:        HashHex(v.tree.Root()),
		FirstBadSeq: v.firstBad,
		SignedSize:  v.signedSize,
		VerifierKey: v.key,
		Problems:    append([]string{}, v.problems...),
	}
	if v.key != "" {
		r.KeyFingerprint = KeyFingerprint(v.key)
	}
	dropped := v.dropped
	for _, p := range v.pending {
		msg := fmt.Sprintf("%s: the log has only %d events; events from seq %d on were removed (truncated)", p.source, v.count, v.count+1)
		blame := v.count + 1
		if p.note != nil && !v.opensWithAnyKey(p.note) {
			// A note no known key signed is no evidence of truncation.
			msg, blame = fmt.Sprintf("%s: not signed by any key this log registered or was given%s", p.source, p.hint), 0
		}
		if len(r.Problems) < maxProblems {
			r.Problems = append(r.Problems, msg)
		} else {
			dropped++
		}
		r.FirstBadSeq = minBad(r.FirstBadSeq, blame)
	}
	for _, msg := range v.keyProblems() {
		if len(r.Problems) < maxProblems {
			r.Problems = append(r.Problems, msg)
		} else {
			dropped++
		}
	}
	if dropped > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("... and %d more problems", dropped))
	}
	r.OK = len(r.Problems) == 0
	return r
}

func (v *Verifier) eventProblem(pos, line, seq, blame int64, format string, args ...any) {
	where := fmt.Sprintf("seq %d", seq)
	if seq != pos {
		where = fmt.Sprintf("event #%d (seq %d)", pos, seq)
	}
	if line > 0 {
		where = fmt.Sprintf("line %d, %s", line, where)
	}
	v.problem(blame, where+": "+format, args...)
}

// structuralProblem records a problem that is not evidence against any one
// event, such as a checkpoint with a bad signature.
func (v *Verifier) structuralProblem(format string, args ...any) {
	v.problem(0, format, args...)
}

// problem records a problem; blame > 0 is a seq that may be the first bad one.
func (v *Verifier) problem(blame int64, format string, args ...any) {
	v.firstBad = minBad(v.firstBad, blame)
	if len(v.problems) >= maxProblems {
		v.dropped++
		return
	}
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

func minBad(cur, cand int64) int64 {
	if cand <= 0 {
		return cur
	}
	if cur == 0 || cand < cur {
		return cand
	}
	return cur
}
