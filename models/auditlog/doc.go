// Package auditlog is the pure core of Roundtable's tamper-evident decision
// history: it defines the bytes each event is hashed as, the hash chain and
// RFC 6962 Merkle tree over events, signed checkpoints, the NDJSON export and
// its offline verification. It has no database, HTTP or global state; the
// models package stores what this package computes, and the server and the
// `roundtable audit verify` command call Verify or Verifier.
//
// # What protects what
//
// Every event is a leaf of an RFC 6962 Merkle tree (golang.org/x/mod/sumdb/tlog).
// The server signs checkpoints (size + root) with Ed25519; an auditor who
// keeps one can later prove that every event up to its size is unchanged,
// and consistency proofs show that a later checkpoint only added events.
// Signed checkpoints are the only trust anchor: everything else in the
// database or an export, including the hash chain, can be recomputed by
// someone with write access. The chain (prev_hash/hash) exists to name the
// first altered event, which a root mismatch alone cannot do.
//
// # Sequence numbers
//
// Events are numbered from 1 (seq) in the API and the database; tlog numbers
// records from 0. LeafIndex and SeqOfLeafIndex are the only conversions.
// Appends must be serialised: event n's stored tree hashes depend on all
// earlier ones.
//
// # Canonical bytes (version 1)
//
// Record.Canonical is the exact byte string hashed for an event. An auditor
// can rebuild it from an export line as follows. It is one line of compact
// JSON with the members below in this order, no whitespace between tokens,
// and no trailing newline:
//
//	{"v":1,"seq":S,"at":"T","actor_id":A,"actor_role":R,"action":C,
//	 "object_type":O,"object_id":I,"data":D,"request_id":Q,"ip":P}
//
// (shown on two lines here only for width).
//
//   - v is the format version, the integer 1. A change to what is hashed
//     gets a new version; old events keep theirs.
//   - S, A and I are base-10 integers with no sign for non-negative values,
//     a leading '-' otherwise, and no leading zeros (0 is "0").
//   - T is the time in UTC truncated (not rounded) to whole microseconds and
//     written as YYYY-MM-DDTHH:MM:SS.ffffffZ with exactly six fractional
//     digits, e.g. "2022-10-15T06:33:00.120000Z". Microseconds because
//     PostgreSQL keeps no more: a time read back from the database must hash
//     like the one written.
//   - R, C, O, Q and P are JSON strings written byte for byte from the UTF-8
//     text, escaping only: '"' as \", '\' as \\, and each character
//     U+0000..U+001F as \u00XX with two lowercase hex digits (so a newline is
//     \u000a, never \n). Nothing else is escaped: not '/', not non-ASCII, not
//     U+2028/U+2029, not '<' '>' '&'. (A byte that is not part of valid UTF-8
//     would be replaced by the UTF-8 bytes of U+FFFD; valid records contain
//     none.)
//   - D is the event's data, a JSON object, with insignificant whitespace
//     (space, tab, CR, LF outside strings) removed and every other byte kept
//     as stored: member order, number spelling and string escapes are not
//     normalised, so any change of content changes the hash but reformatting
//     does not. Empty data is {}. For that reason the database must store
//     data as text (or PostgreSQL json), never jsonb, which reorders members.
//
// Our own encoder is used instead of encoding/json because the standard
// library's escaping has changed between Go releases (and changes again under
// GOEXPERIMENT=jsonv2); a hash format cannot follow it. Record.Validate
// states what a writable record is (seq >= 1, a time in years 1..9999,
// non-negative ids, a non-empty action, UTF-8 text, data empty or a JSON
// object); over valid records the encoding is injective.
//
// # Hashes
//
//	leaf  = SHA-256(0x00 || canonical)                      (RFC 6962 leaf)
//	node  = SHA-256(0x01 || left || right)                  (RFC 6962 node)
//	chain = SHA-256("roundtable-audit-chain/v1\n" || prev || leaf)
//
// where prev is the previous event's chain hash, or 32 zero bytes for seq 1.
// An event's "hash" is its chain hash; its "prev_hash" is the previous
// event's. The chain's ASCII prefix keeps it apart from leaf and node hashes.
// In JSON (API, exports, proofs) hashes are 64 lowercase hex digits; only
// inside signed notes is the root base64, as C2SP requires.
//
// # Checkpoints and keys
//
// A checkpoint is a C2SP tlog-checkpoint signed note whose body is exactly
//
//	<origin>\n<size>\n<base64 root>\n
//
// with no extension lines, signed with golang.org/x/mod/sumdb/note (Ed25519).
// The origin must equal the signing key's name; that is how OpenCheckpoint,
// given only the verifier key, rejects a checkpoint for another log. Keys are
// note keys ("PRIVATE+KEY+<name>+<hash>+<base64>" secret, "<name>+<hash>+<base64>"
// public). KeyFingerprint (hex of the first 16 bytes of SHA-256 of the public
// key text) is short enough to print and to record in the log's first event.
//
// # Export format (NDJSON, version 1)
//
// One JSON object per line, UTF-8, "\n" line ends:
//
//   - line 1: {"kind":"header","format":"roundtable-audit-export","version":1,
//     "origin":…,"verifier_key":…,"key_fingerprint":…,"exported_at":…}
//     (exported_at optional and informational);
//   - one line per event, oldest first: {"kind":"event","seq","at",
//     "actor_id","actor_name","actor_role","action","object_type",
//     "object_id","data","request_id","ip","prev_hash","hash"}, the Record
//     fields named as in the API, plus actor_name, which is not hashed
//     (people may be renamed) and not checked, and the stored chain hashes;
//   - {"kind":"checkpoint","size","root","note"} placed right after the
//     event whose seq equals size (right after the header for size 0);
//     note is the signed note verbatim, root its root in hex.
//
// Readers ignore members they do not know, so informational members can be
// added; a member repeated, or differing from a known one only in letter
// case, makes the line malformed, since readers would disagree about it.
//
// # Verification
//
// Verify streams an export (Verifier does the same for rows the server reads
// from its database) in O(log n) memory: a Builder keeps only the roots of
// the perfect subtrees making up the current size. For each event it
// recomputes the canonical bytes, leaf and chain hash, and checks that seq
// runs 1, 2, 3… and that time never goes backwards (the writer must assign
// At under the same lock as seq, no earlier than the previous event's, so
// that an event appended later with a backdated time stands out). Each
// checkpoint's signature is checked and its root compared with the root
// recomputed at its size; equal roots at two sizes imply the later log
// extends the earlier one, so no separate consistency proof is needed
// offline. Auditor-held checkpoints are checked the same way, and one whose
// size the export never reaches means the log was truncated.
//
// FirstBadSeq is the smallest seq that the evidence blames:
//
//   - a hash that does not match its event's content blames that event;
//   - a seq out of order blames the seq that was expected there;
//   - a prev_hash that does not match the previous event's stored hash blames
//     the previous event: the two cases "that event was altered and its hash
//     recomputed" and "this link was altered" look identical, and the earlier
//     answer is the safe one;
//   - a root that differs from a checkpoint while the chain is intact (someone
//     rebuilt every hash after rewriting history) only says that some event
//     after the last matching checkpoint and up to this one's size changed.
//     FirstBadSeq is then the checkpoint's size, an upper bound, and the
//     problem text gives the range. For an auditor-held checkpoint the range
//     starts after the last held checkpoint that matched, never after one of
//     the export's own, which a forger holding the key may have re-signed;
//     when the same key signed both roots for one size, that is reported too;
//   - a truncation blames the first missing seq.
//
// # Key registrations
//
// A log names its own signing keys: an event with action audit.init or
// audit.key_changed registers the verifier key in data.public_key
// (keyring.go). The Verifier checks each checkpoint with the key in force at
// its size (the last registered at or before it), falling back to the
// trusted key, so a history signed under several keys in turn verifies end
// to end. Trust starts from one key: the log's last registered key must be
// the trusted (or header) key, and a checkpoint signed by that key must cover
// its registration; otherwise someone who rewrote the history under a key of
// their own could append a registration of the real key and pass. Logs that
// register no key are checked with the trusted key alone.
//
// # Proof bundles
//
// An inclusion or consistency proof travels as a JSON bundle (bundle.go):
// the proof, the event as an export line (for inclusion) and the signed
// checkpoint notes it is checked against. CheckBundle recomputes the leaf
// from the event, opens every note with keys the auditor brings and prefers
// checkpoints the auditor kept to the bundle's own.
//
// Problems that are not evidence against any event (a bad signature, a key
// that is not the trusted one, a misplaced checkpoint) make OK false with
// FirstBadSeq 0. Report.SignedSize says how far signed checkpoints vouch for
// the log; events after it are protected by the chain alone. Without a
// checkpoint kept from before, a history rewritten and re-signed with the
// real key is self-consistent and verifies: auditors must keep checkpoints.
//
// # What the storing code must do
//
// Validate each record; append under one lock that assigns seq, sets At no
// earlier than the previous event's, computes the chain hash and stores
// HashesToStore's hashes, all in the transaction of the change. Store data
// as text, not jsonb. For GET /audit/verify, feed rows in seq order to a
// Verifier after CheckNotes with the stored checkpoints (and Check with the
// root recomputed from the stored tree hashes to catch a damaged hash table).
// An export writes every stored checkpoint; one whose own event is missing is
// written where it is met (WriteStrayCheckpoint), so that Verify reports it.
//
// # Performance
//
// Lines in the exporter's own layout are read by a fast reader that checks
// the layout member by member and hashes the leaf from two runs of the line,
// which already are the canonical bytes (lineparse_fast.go); any other
// spelling goes through a strict JSON reader that decodes like encoding/json
// but allocates little (lineparse.go). The three SHA-256 computations every
// event needs (leaf, chain link, on average one tree node) then cost about
// as much again as all the rest, and alone about twice a single SHA-256
// pass over the export (BenchmarkVerifyHashingOnly). With more than one CPU,
// Verify reads the export in blocks and parses, checks and hashes its lines
// on every CPU, keeping only the prev_hash comparison, the tree and the
// checkpoint checks in file order (verify_parallel.go);
// BenchmarkVerifyMillion compares it with SHA-256 of the same file.
package auditlog
