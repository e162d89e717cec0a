// Package textdiff compares versions of council criteria: clause by clause
// (matched by key) and, inside a clause, word by word in a way that reads
// well for Korean text with amounts, dates and clause references.
//
// The package is pure: no I/O, no database, no package-level mutable state.
// The models layer feeds it clauses and the server renders its output for
// GET /api/v1/versions/{id}/diff and the HTML diff page.
//
// # Why not a plain character diff
//
// Korean has no spaces inside an eojeol (a word with its particles), so a
// character diff of "삼만 원" against "오만 원" yields "삼→오" plus a shared
// "만", and longer sentences dissolve into single syllables interleaved with
// tiny equal fragments. Council members read amounts and eojeols as units,
// so Words first cuts text into tokens and diffs token sequences:
//
//   - a word: a maximal run of letters, marks and digits in any spaced script,
//     so a Hangul eojeol keeps its particles ("소상공인에게"), and numbers keep
//     their units, separators and currency sign ("30만", "₩300,000원을",
//     "2022.10.15", "30%", "제2조"). A separator (, . : / -) joins only when it
//     sits between two digits, so a sentence-final period stays separate. A
//     Latin word glued to Hangul ("API를") is one eojeol and so one token;
//   - a run of horizontal whitespace;
//   - one line break ("\n", "\r\n" or "\r"), so paragraph edits stay visible;
//   - one punctuation mark or symbol;
//   - one Han, Hiragana or Katakana character: those scripts do not space
//     words, so a run would swallow whole sentences;
//   - one byte that is not valid UTF-8 (see below).
//
// # How the diff is computed
//
// Each distinct token is mapped to one rune (the trick diff-match-patch uses
// for its line mode) and github.com/sergi/go-diff's Myers diff runs on those
// rune strings, so a change can never split a token. The library's own
// semantic cleanups are deliberately not used: they measure overlaps in
// bytes, score word boundaries by the (meaningless) substitute runes, and on
// real text would factor shared prefixes out of tokens again ("30만"→"50만"
// becoming "3→5" + "0만"). Instead two token-level passes run:
//
//  1. Fold small equalities: an equal run between two changes is absorbed
//     when it has no more tokens than the larger side of the change on each
//     side of it, so "소상공인 3만" → "중소기업 5만" is one change and not two
//     changes around a lone space. Folds cascade, so dense edits read as one
//     rewritten phrase while a long shared stretch keeps changes apart.
//  2. Align pure insertions and deletions: an insertion that could equally
//     sit a few tokens left or right is slid to where both of its ends follow
//     a line break, whitespace or punctuation (in that order of preference),
//     taking the rightmost of equal choices. Edits then start at a word and
//     carry their trailing space or line break, so an inserted list item is
//     one whole line rather than the tail of one and the head of the next.
//
// Myers runs with a one-second deadline per Words call; past it the library
// returns a coarser but still exact diff. If two texts hold more distinct
// tokens than there are Unicode scalar values (about 1.1 million) the diff
// falls back to common prefix + one change + common suffix. Both limits only
// trade readability for bounded work, never correctness.
//
// # Guarantees
//
// For every pair of strings, including invalid UTF-8: the concatenated texts
// of equal and delete segments equal before byte for byte, equal and insert
// segments equal after, no segment is empty, adjacent segments never share an
// op, and a change region lists its delete before its insert. Segment
// boundaries always fall on token boundaries of the respective text.
//
// Invalid UTF-8 is preserved, not repaired: each invalid byte is a token of
// its own and is copied verbatim into the segments, so the reconstruction
// guarantee holds for any input. encoding/json will turn such bytes into
// U+FFFD, so callers should reject invalid UTF-8 where text enters the system.
//
// # Clauses
//
// Clauses matches by key; the output follows the target's order and places a
// removed clause right after the surviving clause that preceded it in the
// base, so readers see it where it used to be. Keys should be unique within a
// version; if they are not, the n-th occurrence of a key in the base is
// matched with the n-th occurrence in the target so that no clause is lost.
// Every ClauseDiff carries segments, whatever its change kind, so renderers
// need no special cases.
package textdiff
